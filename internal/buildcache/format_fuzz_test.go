package buildcache

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzDecode: any body behind a valid header and checksum either fails to
// decode or decodes to contents that encode and decode to the same
// contents, without a panic or an allocation out of proportion to its size.
func FuzzDecode(f *testing.F) {
	seed := &contents{root: "/site", start: 1, paths: []string{"a", "b/c"}, recs: make([]record, 2),
		output: Output{Key: "k", Files: map[string]OutputFile{"sw.js": {}}},
		walk: Walk{Inputs: "in", Key: "k", Files: 2, Oversized: []PathStat{{Path: "big", Stat: Stat{Size: 1 << 30}}},
			dirs: []PathStat{{Path: "."}, {Path: "b", Stat: Stat{MTime: 5}}}}}
	data := seed.encode()
	f.Add(data[len(magic)+1 : len(data)-4])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		b := append([]byte(magic), formatVersion)
		b = append(b, body...)
		b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
		c, err := decode(b)
		if err != nil {
			return
		}
		again, err := decode(c.encode())
		if err != nil {
			t.Fatalf("re-encoded contents do not decode: %v", err)
		}
		if again.root != c.root || len(again.paths) != len(c.paths) ||
			again.output.Key != c.output.Key || !sameWalk(again.walk, c.walk) {
			t.Fatal("decode(encode(decode(b))) differs from decode(b)")
		}
	})
}
