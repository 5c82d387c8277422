package buildcache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
)

// A cache file is, after magic and the version byte, with integers as
// (unsigned or zig-zag) varints and strings as a length and bytes:
//
//	root string
//	start: when the build that took the files' stats began (Unix ns)
//	files count, then for each, sorted by path:
//	  path string, size, mtime, ino (unsigned), ctime, SHA-256 (32 bytes)
//	output key string ("" for none), start of the build that took its stats,
//	files count, then for each, sorted by path:
//	  path string, SHA-256 (32 bytes), size, mtime, ino (unsigned), ctime
//	walk inputs string ("" for none), key string, files count,
//	folders count, then for each, in walk order:
//	  path string, size, mtime, ino (unsigned), ctime
//	oversized files count, then for each, in walk order:
//	  path string, size, mtime, ino (unsigned), ctime
//	CRC-32 (IEEE) of everything before (4 bytes, little-endian)
//
// Decoding takes one allocation for all the paths (substrings of one
// string) instead of JSON's several per file. The checksum catches a
// truncated or damaged file. CRC-32 (IEEE) runs at memory speed where
// SHA-256 was a quarter of the loading time; unlike CRC-32C it needs no
// table built at start-up (half a millisecond, paid by every swkit command).

// contents is a cache file's contents.
type contents struct {
	root        string
	start       int64
	paths       []string
	recs        []record
	output      Output
	outputStart int64
	walk        Walk
}

// sort puts the records in path order, as the file keeps them.
func (f *contents) sort() {
	idx := make([]int, len(f.paths))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(f.paths[a], f.paths[b]) })
	paths, recs := make([]string, len(idx)), make([]record, len(idx))
	for i, j := range idx {
		paths[i], recs[i] = f.paths[j], f.recs[j]
	}
	f.paths, f.recs = paths, recs
}

func appendStat(b []byte, s Stat) []byte {
	b = binary.AppendVarint(b, s.Size)
	b = binary.AppendVarint(b, s.MTime)
	b = binary.AppendUvarint(b, s.Ino)
	return binary.AppendVarint(b, s.CTime)
}

func (f *contents) encode() []byte {
	b := make([]byte, 0, 64+len(f.paths)*(40+sha256.Size))
	b = append(b, magic...)
	b = append(b, formatVersion)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(f.root)
	b = binary.AppendVarint(b, f.start)
	b = binary.AppendUvarint(b, uint64(len(f.paths)))
	for i, p := range f.paths {
		r := &f.recs[i]
		str(p)
		b = appendStat(b, r.Stat)
		b = append(b, r.sum[:]...)
	}
	str(f.output.Key)
	b = binary.AppendVarint(b, f.outputStart)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range f.output.Files {
			if !yield(k) {
				return
			}
		}
	})
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		o := f.output.Files[n]
		str(n)
		b = append(b, o.Sum[:]...)
		b = appendStat(b, o.Stat)
	}
	str(f.walk.Inputs)
	str(f.walk.Key)
	b = binary.AppendUvarint(b, uint64(f.walk.Files))
	for _, list := range [][]PathStat{f.walk.dirs, f.walk.Oversized} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, o := range list {
			str(o.Path)
			b = appendStat(b, o.Stat)
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

var errShort = errors.New("truncated")

// decoder reads a cache file's body, held in one string.
type decoder struct {
	s   string
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if i == binary.MaxVarintLen64-1 && c > 1 {
			break // overflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.s = d.s[i+1:]
			return v
		}
	}
	d.err = errShort
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) bytes(n uint64) string {
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.err = errShort
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder) str() string { return d.bytes(d.uvarint()) }

func (d *decoder) stat() Stat {
	return Stat{Size: d.varint(), MTime: d.varint(), Ino: d.uvarint(), CTime: d.varint()}
}

// count reads a count of items of at least min bytes each.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.s)/min) {
		d.err = errShort
		return 0
	}
	return int(n)
}

// pathStats reads a count and as many paths with their stats.
func (d *decoder) pathStats() []PathStat {
	k := d.count(1 + 4)
	if k == 0 {
		return nil
	}
	list := make([]PathStat, k)
	for i := range list {
		list[i] = PathStat{Path: d.str(), Stat: d.stat()}
	}
	return list
}

func decode(data []byte) (*contents, error) {
	head := len(magic) + 1
	if len(data) < head+5 || string(data[:len(magic)]) != magic {
		return nil, errors.New("not a swkit build cache")
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, errors.New("checksum mismatch")
	}
	// The paths are substrings of this one string.
	d := &decoder{s: string(body[head:])}
	f := &contents{root: d.str(), start: d.varint()}
	n := d.count(1 + 4 + sha256.Size)
	f.paths, f.recs = make([]string, n), make([]record, n)
	for i := range n {
		f.paths[i] = d.str()
		r := &f.recs[i]
		r.Stat = d.stat()
		copy(r.sum[:], d.bytes(sha256.Size))
		if d.err != nil {
			break
		}
		if i > 0 && f.paths[i-1] >= f.paths[i] {
			return nil, fmt.Errorf("paths out of order at %q", f.paths[i])
		}
	}
	f.output.Key = d.str()
	f.outputStart = d.varint()
	if k := d.count(2 + sha256.Size + 4); k > 0 {
		f.output.Files = make(map[string]OutputFile, k)
		for range k {
			name := d.str()
			var o OutputFile
			copy(o.Sum[:], d.bytes(sha256.Size))
			o.Stat = d.stat()
			f.output.Files[name] = o
		}
	}
	f.walk.Inputs = d.str()
	f.walk.Key = d.str()
	// Compared with the records' counts only.
	f.walk.Files = int(min(d.uvarint(), 1<<31))
	f.walk.dirs = d.pathStats()
	f.walk.Oversized = d.pathStats()
	if d.err == nil && len(d.s) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return f, nil
}
