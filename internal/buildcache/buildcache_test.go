package buildcache

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/swkit/swkit/internal/manifest"
)

var _ manifest.HashCache = (*Cache)(nil)

func TestMain(m *testing.M) {
	// The tests build right after writing files: trust their stats (the
	// window has its own tests).
	RacyWindow = 0
	os.Exit(m.Run())
}

// countingFS counts the files opened for reading.
type countingFS struct {
	fs.FS
	opens atomic.Int64
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if st, err := f.Stat(); err == nil && !st.IsDir() {
			c.opens.Add(1)
		}
	}
	return f, err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// build runs manifest.Build over dir with the cache file at cachePath and
// returns the entries, the files read, and Load's warning.
func build(t *testing.T, dir, cachePath string) ([]manifest.Entry, int64, error) {
	t.Helper()
	c, warn := Load(cachePath, dir)
	fsys := &countingFS{FS: os.DirFS(dir)}
	res, err := manifest.Build(fsys, manifest.Options{Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return res.Entries, fsys.opens.Load(), warn
}

func newSite(t *testing.T) (dir, cachePath string) {
	t.Helper()
	dir = t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"), "<h1>home</h1>")
	writeFile(t, filepath.Join(dir, "css/app.css"), "body{}")
	writeFile(t, filepath.Join(dir, "js/app.js"), "console.log(1)")
	return dir, filepath.Join(t.TempDir(), "cache", "site.bin")
}

func TestHitAndMiss(t *testing.T) {
	dir, cachePath := newSite(t)
	first, reads, warn := build(t, dir, cachePath)
	if warn != nil || reads != 3 {
		t.Fatalf("first build: read %d files, warning %v; want 3, none", reads, warn)
	}

	// Nothing changed: nothing is read, the same entries come out, and the
	// cache file is not rewritten.
	before, err := os.Stat(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	second, reads, _ := build(t, dir, cachePath)
	if reads != 0 {
		t.Errorf("no-change build read %d files, want 0", reads)
	}
	if !equalEntries(first, second) {
		t.Errorf("no-change build gave %v, want %v", second, first)
	}
	if after, _ := os.Stat(cachePath); !after.ModTime().Equal(before.ModTime()) {
		t.Error("a no-change build rewrote the cache file")
	}

	// One file rewritten with another size: only it is read again.
	writeFile(t, filepath.Join(dir, "css/app.css"), "body{color:red}")
	third, reads, _ := build(t, dir, cachePath)
	if reads != 1 {
		t.Errorf("after one change: read %d files, want 1", reads)
	}
	if equalEntries(first, third) {
		t.Error("the changed file kept its old revision")
	}

	// Same size, new modification time: read again.
	writeFile(t, filepath.Join(dir, "js/app.js"), "console.log(2)")
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "js/app.js"), future, future); err != nil {
		t.Fatal(err)
	}
	if _, reads, _ = build(t, dir, cachePath); reads != 1 {
		t.Errorf("after a same-size change: read %d files, want 1", reads)
	}
}

// TestForgetsRemovedFiles: the saved cache holds only the files of the last
// build.
func TestForgetsRemovedFiles(t *testing.T) {
	dir, cachePath := newSite(t)
	build(t, dir, cachePath)
	if err := os.Remove(filepath.Join(dir, "js/app.js")); err != nil {
		t.Fatal(err)
	}
	build(t, dir, cachePath)
	data, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "js/app.js") {
		t.Errorf("cache still lists a removed file: %s", data)
	}
}

func TestBadCacheIsIgnoredAndRewritten(t *testing.T) {
	for _, tc := range []struct {
		name, warning string
		content       func(dir, valid string) string
	}{
		{"truncated", "corrupt", func(_, valid string) string { return valid[:len(valid)-5] }},
		{"flipped byte", "checksum", func(_, valid string) string {
			b := []byte(valid)
			b[len(magic)+20] ^= 1
			return string(b)
		}},
		{"not a cache", "corrupt", func(_, _ string) string { return "\x00\x01garbage" }},
		{"old JSON", "corrupt", func(_, _ string) string { return `{"version":1,"files":{}}` }},
		{"other version", "format 99", func(_, valid string) string {
			return magic + "\x63" + valid[len(magic)+1:]
		}},
		{"other folder", "belongs to /elsewhere", func(_, _ string) string {
			return string((&contents{root: "/elsewhere"}).encode())
		}},
		{"bad layout, good checksum", "corrupt", func(dir, _ string) string {
			f := &contents{root: dir}
			b := f.encode()
			b = b[:len(b)-4]
			b = append(b, 7) // trailing byte
			return string(binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, cachePath := newSite(t)
			want, _, _ := build(t, dir, filepath.Join(t.TempDir(), "reference.bin"))
			build(t, dir, cachePath)
			valid, err := os.ReadFile(cachePath)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, cachePath, tc.content(dir, string(valid)))
			got, reads, warn := build(t, dir, cachePath)
			if warn == nil || !strings.Contains(warn.Error(), tc.warning) {
				t.Errorf("warning %v, want one containing %q", warn, tc.warning)
			}
			if reads != 3 || !equalEntries(got, want) {
				t.Errorf("read %d files, entries %v; want 3, %v", reads, got, want)
			}
			// Rewritten: the next build reads nothing.
			if _, reads, warn := build(t, dir, cachePath); reads != 0 || warn != nil {
				t.Errorf("after the rewrite: read %d files, warning %v; want 0, none", reads, warn)
			}
		})
	}
}

// TestChangeTimeCatchesRestoredMTime: on Linux, a file rewritten with the
// same size and given back its modification time is read again.
func TestChangeTimeCatchesRestoredMTime(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("status-change time is recorded on Linux only")
	}
	dir, cachePath := newSite(t)
	first, _, _ := build(t, dir, cachePath)
	p := filepath.Join(dir, "js/app.js")
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	writeFile(t, p, "console.log(9)") // same size
	if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	got, reads, _ := build(t, dir, cachePath)
	if reads != 1 || equalEntries(first, got) {
		t.Errorf("read %d files (want 1), entries changed: %v", reads, !equalEntries(first, got))
	}
}

// TestOutputRecord: the generated files' record survives Save and Load, is
// not rewritten when unchanged, and a zero Output forgets it.
func TestOutputRecord(t *testing.T) {
	dir, cachePath := newSite(t)
	build(t, dir, cachePath)
	c, warn := Load(cachePath, dir)
	if warn != nil || c.Output().Key != "" {
		t.Fatalf("fresh cache: output %v, warning %v", c.Output(), warn)
	}
	if _, err := manifest.Build(os.DirFS(dir), manifest.Options{Cache: c}); err != nil {
		t.Fatal(err)
	}
	o := Output{Key: "k1", Files: map[string]OutputFile{"sw.js": {Sum: [32]byte{0xaa}, Stat: Stat{Size: 5, MTime: 7, Ino: 8, CTime: 9}}, "swkit.js": {Sum: [32]byte{0xbb}}}}
	c.SetOutput(o)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(cachePath)
	c2, warn := Load(cachePath, dir)
	if got := c2.Output(); warn != nil || got.Key != "k1" || len(got.Files) != 2 || got.Files["sw.js"] != o.Files["sw.js"] {
		t.Fatalf("loaded output %v, warning %v", got, warn)
	}
	if _, err := manifest.Build(os.DirFS(dir), manifest.Options{Cache: c2}); err != nil {
		t.Fatal(err)
	}
	c2.SetOutput(o) // the same: nothing to write
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(cachePath); !after.ModTime().Equal(before.ModTime()) {
		t.Error("an unchanged output record rewrote the cache file")
	}
	c2.SetOutput(Output{})
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	if c3, _ := Load(cachePath, dir); c3.Output().Key != "" {
		t.Errorf("forgotten output still loaded: %v", c3.Output())
	}
	// The files' records were kept along.
	if _, reads, _ := build(t, dir, cachePath); reads != 0 {
		t.Errorf("read %d files after saving the output, want 0", reads)
	}
}

// TestRoundTrip: many records, with every field, come back as saved.
func TestRoundTrip(t *testing.T) {
	out := OutputFile{Sum: [32]byte{1, 2}, Stat: Stat{Size: 3, MTime: -4, Ino: 1 << 60, CTime: 6}}
	f := &contents{root: "/site", start: 1e18, output: Output{Key: "key", Files: map[string]OutputFile{"a": out, "b/c": {}}}, outputStart: -5,
		walk: Walk{Inputs: "in", Key: "key", Files: 1000, Oversized: []PathStat{{Path: "big", Stat: out.Stat}, {Path: "d1/huge", Stat: Stat{Size: 1 << 40}}}}}
	for i := range 1000 {
		var r record
		r.Size, r.MTime, r.Ino, r.CTime = int64(i)<<20, -int64(i)*1e9, uint64(i)<<40, int64(i)*3
		r.sum[i%32] = byte(i)
		f.paths = append(f.paths, fmt.Sprintf("d%d/é f%04d", i%7, i))
		f.recs = append(f.recs, r)
	}
	for i := range 50 {
		f.walk.dirs = append(f.walk.dirs, PathStat{Path: fmt.Sprintf("d%d", 49-i), Stat: Stat{Size: int64(i), MTime: 1, Ino: 2, CTime: -3}})
	}
	f.sort()
	g, err := decode(f.encode())
	if err != nil {
		t.Fatal(err)
	}
	if g.root != f.root || g.start != f.start || !slices.Equal(g.paths, f.paths) || !slices.Equal(g.recs, f.recs) ||
		g.output.Key != "key" || !maps.Equal(g.output.Files, f.output.Files) || g.outputStart != f.outputStart || !sameWalk(g.walk, f.walk) {
		t.Error("decode(encode(f)) differs from f")
	}
}

func TestUnreadableCacheWarns(t *testing.T) {
	dir, _ := newSite(t)
	c, warn := Load(t.TempDir(), dir) // a folder, not a file
	if warn == nil || !strings.Contains(warn.Error(), "unreadable") {
		t.Errorf("warning %v, want one saying unreadable", warn)
	}
	res, err := manifest.Build(os.DirFS(dir), manifest.Options{Cache: c})
	if err != nil || len(res.Entries) != 3 {
		t.Errorf("build with an empty cache: %v, %v", res, err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache-home")
	a, err := DefaultPath("/srv/site")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DefaultPath("/srv/site/../site")
	c, _ := DefaultPath("/srv/other")
	if a != b || a == c || filepath.Dir(a) != filepath.Join("/cache-home", "swkit") || filepath.Ext(a) != ".bin" {
		t.Errorf("DefaultPath: %s, %s, %s", a, b, c)
	}
}

func equalEntries(a, b []manifest.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRacyWindow: a file whose last change was less than RacyWindow before
// the build that stat'ed it began is read again by the next build, which
// saves the cache so that the build after trusts it.
func TestRacyWindow(t *testing.T) {
	dir, cachePath := newSite(t)
	first, _, _ := build(t, dir, cachePath)
	RacyWindow = time.Hour // every file changed "just now"
	t.Cleanup(func() { RacyWindow = 0 })
	got, reads, _ := build(t, dir, cachePath)
	if reads != 3 || !equalEntries(first, got) {
		t.Errorf("racy records: read %d files, want 3 (entries same: %v)", reads, equalEntries(first, got))
	}
	RacyWindow = 0
	before, _ := os.Stat(cachePath)
	if _, reads, _ := build(t, dir, cachePath); reads != 0 {
		t.Errorf("after the racy records were read again: read %d files, want 0", reads)
	}
	if after, _ := os.Stat(cachePath); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the build after rewrote the cache file")
	}
}

// TestRacySave: records a build refused as racy are saved again, with that
// build's start, even when nothing else changed.
func TestRacySave(t *testing.T) {
	dir, cachePath := newSite(t)
	build(t, dir, cachePath)
	old, _ := Load(cachePath, dir)
	RacyWindow = time.Hour
	t.Cleanup(func() { RacyWindow = 0 })
	build(t, dir, cachePath)
	c, _ := Load(cachePath, dir)
	if c.recStart <= old.recStart {
		t.Errorf("a build that read racy files again kept the old start %d (was %d)", c.recStart, old.recStart)
	}
}

// TestOutputUnchanged: a generated file's stat stands for its digest only
// when it matches and was taken RacyWindow after the file's last change.
func TestOutputUnchanged(t *testing.T) {
	dir, cachePath := newSite(t)
	p := filepath.Join(dir, "sw.js")
	writeFile(t, p, "// swkit")
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Load(cachePath, dir)
	f := OutputFile{Sum: sha256.Sum256([]byte("// swkit")), Stat: StatOf(info)}
	c.SetOutput(Output{Key: "k", Files: map[string]OutputFile{"sw.js": f}})
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c, _ = Load(cachePath, dir)
	f = c.Output().Files["sw.js"]
	if !c.OutputUnchanged(f, info) {
		t.Error("same stat, outside the window: not trusted")
	}
	if c.OutputUnchanged(OutputFile{Sum: f.Sum}, info) {
		t.Error("trusted with no stat recorded")
	}
	RacyWindow = time.Hour
	if c.OutputUnchanged(f, info) {
		t.Error("trusted a stat taken within the window")
	}
	RacyWindow = 0
	time.Sleep(10 * time.Millisecond)
	writeFile(t, p, "// swkiT") // same size
	info2, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.OutputUnchanged(f, info2) {
		t.Error("trusted a rewritten file")
	}
}

var _ manifest.WalkRecorder = (*Cache)(nil)

// A whole-second change time may come from a file system that keeps no
// more: trusted only two seconds after.
func TestCoarseTimestamps(t *testing.T) {
	defer func(w time.Duration) { RacyWindow = w }(RacyWindow)
	RacyWindow = 50 * time.Millisecond
	start := int64(100 * time.Second)
	for _, tc := range []struct {
		changed time.Duration
		want    bool
	}{
		{99*time.Second + 970*time.Millisecond, false}, // within RacyWindow
		{99*time.Second + 100*time.Millisecond, true},
		{99 * time.Second, false}, // whole second: within two
		{97 * time.Second, true},
	} {
		if got := trusted(Stat{CTime: int64(tc.changed)}, start); got != tc.want {
			t.Errorf("changed at %v, build began at %v: trusted %v, want %v", tc.changed, time.Duration(start), got, tc.want)
		}
	}
}
