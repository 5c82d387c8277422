package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func urls(r *Result) []string {
	var out []string
	for _, e := range r.Entries {
		out = append(out, e.URL)
	}
	return out
}

func TestBuildSelection(t *testing.T) {
	site := fstest.MapFS{
		"index.html":           file("<h1>hi</h1>"),
		"sw.js":                file("worker"),
		"css/app.css":          file("body{}"),
		"css/app.css.map":      file("{}"),
		"img/cat.png":          file("png"),
		"img/.DS_Store":        file("junk"),
		".env":                 file("SECRET=1"),
		".git/config":          file("[core]"),
		"a/.hidden/x.js":       file("x"),
		"drafts/post.html":     file("draft"),
		"node_modules/m/i.js":  file("m"),
		"deep/er/still/f.json": file("{}"),
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"everything but dotfiles", Options{},
			[]string{"css/app.css", "css/app.css.map", "deep/er/still/f.json", "drafts/post.html", "img/cat.png", "index.html", "node_modules/m/i.js", "sw.js"}},
		{"exclude the worker", Options{Exclude: []string{"sw.js"}},
			[]string{"css/app.css", "css/app.css.map", "deep/er/still/f.json", "drafts/post.html", "img/cat.png", "index.html", "node_modules/m/i.js"}},
		{"patterns", Options{GlobPatterns: []string{"**/*.{html,css}", "img/*"}},
			[]string{"css/app.css", "drafts/post.html", "img/cat.png", "index.html"}},
		{"top level only", Options{GlobPatterns: []string{"*"}}, []string{"index.html", "sw.js"}},
		{"ignores", Options{GlobIgnores: []string{"**/*.map", "drafts/**", "node_modules/**"}, Exclude: []string{"sw.js"}},
			[]string{"css/app.css", "deep/er/still/f.json", "img/cat.png", "index.html"}},
		{"explicit dot pattern still skips dotfiles", Options{GlobPatterns: []string{"**/.*", ".git/*"}}, nil},
		{"nothing matches", Options{GlobPatterns: []string{"*.txt"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Build(site, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := urls(res); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if res.Entries == nil || res.Warnings == nil {
				t.Error("Entries and Warnings must be non-nil (they print as [] in JSON)")
			}
		})
	}
}

func TestBuildEntry(t *testing.T) {
	site := fstest.MapFS{
		"hello.txt":           file("hello"),
		"app.3f9a1c2b.js":     file("hello"),
		"empty":               file(""),
		"keep/static-v1.data": file("hello"),
	}
	const (
		sum       = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // sha256("hello")
		integrity = "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
		emptySRI  = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	)
	tests := []struct {
		name string
		opts Options
		want []Entry
	}{
		{"default hashed names", Options{}, []Entry{
			{URL: "app.3f9a1c2b.js", Revision: "", Integrity: integrity, Size: 5},
			{URL: "empty", Revision: "e3b0c44298fc1c14", Integrity: emptySRI, Size: 0},
			{URL: "hello.txt", Revision: sum[:16], Integrity: integrity, Size: 5},
			{URL: "keep/static-v1.data", Revision: sum[:16], Integrity: integrity, Size: 5},
		}},
		{"custom dontCacheBust sees the whole path", Options{DontCacheBust: regexp.MustCompile(`^keep/`).MatchString}, []Entry{
			{URL: "app.3f9a1c2b.js", Revision: sum[:16], Integrity: integrity, Size: 5},
			{URL: "empty", Revision: "e3b0c44298fc1c14", Integrity: emptySRI, Size: 0},
			{URL: "hello.txt", Revision: sum[:16], Integrity: integrity, Size: 5},
			{URL: "keep/static-v1.data", Revision: "", Integrity: integrity, Size: 5},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Build(site, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Entries, tt.want) {
				t.Errorf("got  %+v\nwant %+v", res.Entries, tt.want)
			}
			if res.Bytes != 15 {
				t.Errorf("Bytes = %d, want 15", res.Bytes)
			}
		})
	}
}

func TestBuildSizeLimit(t *testing.T) {
	site := fstest.MapFS{
		"small.txt":   file(strings.Repeat("a", 100)),
		"exact.txt":   file(strings.Repeat("b", 1000)),
		"img/big.png": file(strings.Repeat("c", 1001)),
		"z/huge.bin":  file(strings.Repeat("d", 5000)),
	}
	res, err := Build(site, Options{MaximumFileSizeToCacheInBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := urls(res), []string{"exact.txt", "small.txt"}; !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
	want := []Warning{
		{Path: "img/big.png", Message: "1001 bytes, over maximumFileSizeToCacheInBytes (1000): not precached"},
		{Path: "z/huge.bin", Message: "5000 bytes, over maximumFileSizeToCacheInBytes (1000): not precached"},
	}
	if !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings\n got  %+v\n want %+v", res.Warnings, want)
	}
	if res.Bytes != 1100 {
		t.Errorf("Bytes = %d, want 1100", res.Bytes)
	}

	big := fstest.MapFS{"f": &fstest.MapFile{Data: make([]byte, 2<<20+1)}}
	res, err = Build(big, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 0 || len(res.Warnings) != 1 {
		t.Errorf("default limit: got %d entries, %d warnings; want 0, 1", len(res.Entries), len(res.Warnings))
	}
}

func TestBuildURLs(t *testing.T) {
	names := map[string]string{
		"read me.txt":       "read%20me.txt",
		"a#b.html":          "a%23b.html",
		"why?.html":         "why%3F.html",
		"100%.txt":          "100%25.txt",
		"café/naïve.css":    "caf%C3%A9/na%C3%AFve.css",
		"日本/語.js":           "%E6%97%A5%E6%9C%AC/%E8%AA%9E.js",
		"a+b.js":            "a+b.js",
		"it's (1)!.png":     "it's%20(1)!.png",
		"q&a=1;x,y@z~_.txt": "q&a=1;x,y@z~_.txt",
		"sub/c:d.txt":       "sub/c:d.txt",
		"c:d.txt":           "./c:d.txt",
		`x"<>{}` + "`.txt":  "x%22%3C%3E%7B%7D%60.txt",
		"tab\there":         "tab%09here",
		`back\slash`:        "back%5Cslash",
	}
	site := fstest.MapFS{}
	for name := range names {
		site[name] = file(name)
	}
	res, err := Build(site, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != len(names) {
		t.Fatalf("got %d entries, want %d", len(res.Entries), len(names))
	}
	got := map[string]bool{}
	for _, e := range res.Entries {
		got[e.URL] = true
	}
	for name, want := range names {
		if !got[want] {
			t.Errorf("%q: no entry with URL %q", name, want)
		}
		checkResolves(t, name, want)
	}
	if !slices.IsSortedFunc(res.Entries, func(a, b Entry) int { return strings.Compare(a.URL, b.URL) }) {
		t.Errorf("entries not sorted by URL: %q", urls(res))
	}
}

// checkResolves checks that url u, resolved against a page as a browser
// would, names the file at path name.
func checkResolves(t *testing.T, name, u string) {
	t.Helper()
	base, _ := url.Parse("http://x/")
	ref, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%q: URL %q does not parse: %v", name, u, err)
	}
	if got := base.ResolveReference(ref); got.Path != "/"+name || got.Host != "x" || got.RawQuery != "" || got.Fragment != "" {
		t.Errorf("%q: URL %q resolves to path %q (query %q, fragment %q)", name, u, got.Path, got.RawQuery, got.Fragment)
	}
}

func TestBuildSkipsSpecialFiles(t *testing.T) {
	site := fstest.MapFS{
		"a.txt":  file("a"),
		"link":   &fstest.MapFile{Data: []byte("a.txt"), Mode: fs.ModeSymlink},
		"pipe":   &fstest.MapFile{Mode: fs.ModeNamedPipe},
		"dir/ok": file("ok"),
	}
	res, err := Build(site, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := urls(res), []string{"a.txt", "dir/ok"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// recordFS records every name opened or listed.
type recordFS struct {
	fs.FS
	mu   sync.Mutex
	seen []string
}

func (r *recordFS) Open(name string) (fs.File, error) {
	r.mu.Lock()
	r.seen = append(r.seen, name)
	r.mu.Unlock()
	return r.FS.Open(name)
}

func TestBuildDoesNotEnterSkippedFolders(t *testing.T) {
	r := &recordFS{FS: fstest.MapFS{
		"index.html":               file("x"),
		".git/objects/ab/cdef":     file("x"),
		"node_modules/pkg/main.js": file("x"),
		"src/.cache/x":             file("x"),
	}}
	res, err := Build(r, Options{GlobIgnores: []string{"node_modules/**"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := urls(res); !slices.Equal(got, []string{"index.html"}) {
		t.Errorf("got %q", got)
	}
	for _, name := range r.seen {
		if strings.HasPrefix(name, ".git") || strings.HasPrefix(name, "node_modules") || strings.Contains(name, ".cache") {
			t.Errorf("opened %q", name)
		}
	}
}

// failFS fails to read the files named in bad.
type failFS struct {
	fs.FS
	bad map[string]bool
}

var errDisk = errors.New("disk on fire")

type failFile struct{ fs.File }

func (failFile) Read([]byte) (int, error) { return 0, errDisk }

func (f failFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err == nil && f.bad[name] {
		return failFile{file}, nil
	}
	return file, err
}

func TestBuildErrors(t *testing.T) {
	site := fstest.MapFS{}
	for i := range 50 {
		site[fmt.Sprintf("f%02d.txt", i)] = file("x")
	}
	t.Run("read error names the first failing path", func(t *testing.T) {
		for _, c := range []int{1, 3, 16} {
			_, err := Build(failFS{site, map[string]bool{"f07.txt": true, "f31.txt": true}}, Options{Concurrency: c})
			if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "f07.txt") {
				t.Errorf("concurrency %d: got %v, want a wrapped errDisk naming f07.txt", c, err)
			}
		}
	})
	t.Run("missing root", func(t *testing.T) {
		_, err := Build(os.DirFS(filepath.Join(t.TempDir(), "nope")), Options{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want ErrNotExist", err)
		}
	})
	for _, tt := range []struct {
		name string
		opts Options
		want string
	}{
		{"bad pattern", Options{GlobPatterns: []string{"[a"}}, `manifest: invalid glob pattern "[a"`},
		{"bad ignore", Options{GlobIgnores: []string{"{a"}}, `manifest: invalid glob pattern "{a"`},
		{"negative size", Options{MaximumFileSizeToCacheInBytes: -1}, "manifest: negative MaximumFileSizeToCacheInBytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(site, tt.opts)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestBuildDirFS(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "hi")
	write("js/app.js", "x")
	write(".well-known/security.txt", "x")
	if err := os.Symlink(filepath.Join(dir, "index.html"), filepath.Join(dir, "alias.html")); err != nil {
		t.Log("no symlinks here:", err)
	}
	res, err := Build(os.DirFS(dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := urls(res), []string{"index.html", "js/app.js"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFromConfig(t *testing.T) {
	cfg := config.Config{
		GlobPatterns:                  []string{"**/*.html"},
		GlobIgnores:                   []string{"drafts/**"},
		MaximumFileSizeToCacheInBytes: 10,
		DontCacheBustURLsMatching:     `^assets/`,
		SwDest:                        "worker.js",
	}
	o, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.GlobPatterns, cfg.GlobPatterns) || !slices.Equal(o.GlobIgnores, cfg.GlobIgnores) ||
		o.MaximumFileSizeToCacheInBytes != 10 || !slices.Equal(o.Exclude, []string{"worker.js"}) {
		t.Errorf("got %+v", o)
	}
	if !o.DontCacheBust("assets/logo.svg") || o.DontCacheBust("img/assets/logo.svg") || o.DontCacheBust("app.3f9a1c2b.js") {
		t.Error("DontCacheBust does not follow dontCacheBustURLsMatching on the slash path")
	}

	o, err = FromConfig(config.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if o.DontCacheBust != nil || !slices.Equal(o.Exclude, []string{"sw.js"}) {
		t.Errorf("zero config: got %+v, want nil DontCacheBust and sw.js excluded", o)
	}

	if _, err := FromConfig(config.Config{DontCacheBustURLsMatching: "a(b"}); err == nil ||
		!strings.Contains(err.Error(), "dontCacheBustURLsMatching") {
		t.Errorf("bad regexp: got %v", err)
	}
}

func TestGolden(t *testing.T) {
	site := fstest.MapFS{
		"index.html":                  file("<!doctype html><title>golden</title>\n"),
		"about/index.html":            file("<!doctype html><title>about</title>\n"),
		"about/team/photo one.jpg":    file("not really a jpeg"),
		"assets/index-BfK2x9Qa.js":    file("console.log('vite');\n"),
		"assets/app.3f9a1c2b.css":     file("body{margin:0}\n"),
		"assets/vendor/jquery.min.js": file("/* pretend */\n"),
		"video/intro.mp4":             file(strings.Repeat("v", 4096)),
		".htaccess":                   file("Deny from all\n"),
		".git/HEAD":                   file("ref: refs/heads/main\n"),
		"sw.js":                       file("old worker"),
	}
	res, err := Build(site, Options{MaximumFileSizeToCacheInBytes: 1024, Exclude: []string{"sw.js"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "golden", "site.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Build output differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

// tree returns a MapFS of n files in nested folders with varied sizes.
func tree(n int) fstest.MapFS {
	site := fstest.MapFS{}
	for i := range n {
		name := fmt.Sprintf("d%d/e%d/file-%04d.txt", i%7, i%13, i)
		if i%10 == 0 {
			name = fmt.Sprintf("d%d/asset-%08x.js", i%7, uint32(i)*2654435761)
		}
		site[name] = &fstest.MapFile{Data: bytes.Repeat([]byte{byte(i)}, 1+(i*37)%3000)}
	}
	return site
}

func TestDeterministic(t *testing.T) {
	site := tree(500)
	first, err := Build(site, Options{Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(first)
	if len(first.Entries) != 500 {
		t.Fatalf("got %d entries, want 500", len(first.Entries))
	}
	for i := range 20 {
		res, err := Build(site, Options{Concurrency: 1 + i*3})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(res); !bytes.Equal(got, want) {
			t.Fatalf("run %d (concurrency %d) differs from the first", i, 1+i*3)
		}
	}
	// Spot-check that results sit with their own path, not a neighbour's.
	for _, e := range first.Entries {
		data := site[strings.TrimPrefix(e.URL, "./")].Data
		if sum := sha256.Sum256(data); e.Size != int64(len(data)) || e.Integrity != sriOf(sum) {
			t.Fatalf("%s: entry %+v does not match its content", e.URL, e)
		}
	}
}

func sriOf(sum [32]byte) string {
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func FuzzBuild(f *testing.F) {
	for _, s := range []string{"index.html", "a b/c#d?.txt", "100%.txt", "日本/語.js", "c:d", ".env", "x/.git/y", "a+b.js", "\xff\xfe", "é"} {
		f.Add(s, []byte("content"))
	}
	f.Fuzz(func(t *testing.T, name string, content []byte) {
		if !fs.ValidPath(name) || name == "." {
			return
		}
		res, err := Build(fstest.MapFS{name: &fstest.MapFile{Data: content}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		hidden := strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
		if hidden {
			if len(res.Entries) != 0 {
				t.Fatalf("dotfile %q listed as %+v", name, res.Entries)
			}
			return
		}
		if len(res.Entries) != 1 {
			t.Fatalf("%q: got %d entries", name, len(res.Entries))
		}
		checkResolves(t, name, res.Entries[0].URL)
	})
}

func BenchmarkBuild(b *testing.B) {
	dir := b.TempDir()
	var total int64
	for i := range 1000 {
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%25), fmt.Sprintf("f%04d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		// Sizes from 1 KiB to about 64 KiB, like a site's assets.
		data := bytes.Repeat([]byte{byte(i)}, 1024+(i*997)%(63*1024))
		total += int64(len(data))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		res, err := Build(fsys, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Entries) != 1000 {
			b.Fatalf("got %d entries", len(res.Entries))
		}
	}
}
