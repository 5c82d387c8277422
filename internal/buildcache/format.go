package buildcache

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/swkit/swkit/internal/experiment"
	"hash/crc32"
	"io/fs"
	"slices"
	"strings"
	"unsafe"
)

// A cache file is, after magic and the version byte, with integers as
// (unsigned or zig-zag) varints and strings as a length and bytes:
//
//	root string
//	start: when the build that took the files' stats began (Unix ns)
//	files count, then for each, sorted by path:
//	  path string, size, mtime, ino (unsigned), ctime, SHA-256 (32 bytes)
//	folders count, then for each, sorted by path:
//	  path string, size, mtime, ino (unsigned), ctime,
//	  listing string: entries count, then for each, name string, type
//	output key string ("" for none), start of the build that took its stats,
//	files count, then for each, sorted by path:
//	  path string, SHA-256 (32 bytes), size, mtime, ino (unsigned), ctime
//	walk inputs string ("" for none), key string, files count, folders
//	count, oversized files count, then for each, sorted by path:
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
	dirs        []string
	drecs       []dirRecord
	output      Output
	outputStart int64
	walk        Walk
}

// sort puts records and listings in path order, as the file keeps them.
func (f *contents) sort() {
	f.paths, f.recs = sortedBy(f.paths, f.recs)
	f.dirs, f.drecs = sortedBy(f.dirs, f.drecs)
}

// sortedBy returns keys sorted and recs in the same order (recs[i] belongs
// to keys[i]).
func sortedBy[R any](keys []string, recs []R) ([]string, []R) {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	ks, rs := make([]string, len(idx)), make([]R, len(idx))
	for i, j := range idx {
		ks[i], rs[i] = keys[j], recs[j]
	}
	return ks, rs
}

// encodeList is a dirRecord's list.
func encodeList(names []string, types []fs.FileMode) string {
	n := binary.MaxVarintLen64
	for _, name := range names {
		n += len(name) + 2*binary.MaxVarintLen32
	}
	b := make([]byte, 0, n)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for i, name := range names {
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, uint64(types[i]))
	}
	return string(b)
}

// decodeList is the names and types of a dirRecord's list.
func decodeList(list string) (names []string, types []fs.FileMode, ok bool) {
	d := &decoder{s: list}
	n := d.count(2)
	names, types = make([]string, n), make([]fs.FileMode, n)
	for k := range n {
		names[k] = d.str()
		types[k] = fs.FileMode(d.uvarint())
	}
	return names, types, d.err == nil && len(d.s) == 0
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
	b = binary.AppendUvarint(b, uint64(len(f.dirs)))
	for i, p := range f.dirs {
		str(p)
		b = appendStat(b, f.drecs[i].Stat)
		str(f.drecs[i].list)
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
	b = binary.AppendUvarint(b, uint64(f.walk.Dirs))
	b = binary.AppendUvarint(b, uint64(len(f.walk.Oversized)))
	for _, o := range f.walk.Oversized {
		str(o.Path)
		b = appendStat(b, o.Stat)
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

func decode(data []byte) (*contents, error) {
	head := len(magic) + 1
	if len(data) < head+5 || string(data[:len(magic)]) != magic {
		return nil, errors.New("not a swkit build cache")
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, errors.New("checksum mismatch")
	}
	// The paths are substrings of data, which nothing writes to after
	// Load read it: no copy of the whole file.
	d := &decoder{s: unsafe.String(&body[head], len(body)-head)}
	if experiment.Off("copydecode") {
		d.s = string(body[head:])
	}
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
	n = d.count(1 + 4 + 1)
	f.dirs, f.drecs = make([]string, n), make([]dirRecord, n)
	for i := range n {
		f.dirs[i] = d.str()
		f.drecs[i] = dirRecord{Stat: d.stat(), list: d.str()}
		if d.err != nil {
			break
		}
		if i > 0 && f.dirs[i-1] >= f.dirs[i] {
			return nil, fmt.Errorf("folders out of order at %q", f.dirs[i])
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
	f.walk.Dirs = int(min(d.uvarint(), 1<<31))
	if k := d.count(1 + 4); k > 0 {
		f.walk.Oversized = make([]Oversized, k)
		for i := range k {
			f.walk.Oversized[i] = Oversized{Path: d.str(), Stat: d.stat()}
		}
	}
	if d.err == nil && len(d.s) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return f, nil
}
