package swgen

import (
	"bytes"
	"compress/gzip"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/internal/config"
	"github.com/swkit/swkit/internal/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testEntries is a small hand-built manifest: revisioned files and one
// fingerprinted name without a revision.
func testEntries() []manifest.Entry {
	return []manifest.Entry{
		{URL: "index.html", Revision: "0123456789abcdef", Integrity: "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", Size: 120},
		{URL: "css/app.css", Revision: "fedcba9876543210", Integrity: "sha256-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=", Size: 80},
		{URL: "js/app.3f9a2c1d.js", Integrity: "sha256-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=", Size: 300},
		{URL: "img/cat%20one.png", Revision: "00112233445566aa", Integrity: "sha256-DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD=", Size: 4096},
	}
}

var configs = []struct {
	name string
	cfg  config.Config
}{
	{"precache-only", config.Config{}},
	{"swr-broadcast", config.Config{
		ClientsClaim: true,
		RuntimeCaching: []config.RuntimeCaching{{
			URLPattern: "/img",
			Handler:    "staleWhileRevalidate",
			Options: config.RuntimeOptions{
				CacheName:       "images",
				BroadcastUpdate: &config.BroadcastUpdate{},
			},
		}},
	}},
	// The size report's reference config: three strategies, two expirations.
	{"swr-expiration-networkfirst", config.Config{
		RuntimeCaching: []config.RuntimeCaching{
			{URLPattern: "/img/**", Handler: "staleWhileRevalidate", Options: config.RuntimeOptions{
				CacheName:  "images",
				Expiration: &config.Expiration{MaxEntries: 50, MaxAgeSeconds: 86400, PurgeOnQuotaError: true},
			}},
			{URLPattern: "/api/**", Handler: "networkFirst", Options: config.RuntimeOptions{
				CacheName:             "api",
				NetworkTimeoutSeconds: 3,
				Expiration:            &config.Expiration{MaxEntries: 20},
			}},
		},
	}},
}

func TestGenerateGolden(t *testing.T) {
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Generate(tc.cfg, testEntries())
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes raw, %d bytes gzip", tc.name, len(got), gzipSize(t, got))
			if !bytes.HasPrefix(got, []byte(Banner+"\n")) {
				t.Errorf("output does not start with the banner line %q", Banner)
			}
			checkSyntax(t, got)
			golden := filepath.Join("testdata", "golden", tc.name+".js")
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
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Errorf("Generate differs from %s at byte %d: got %q, want %q (run go test -update after checking the change)",
					golden, i, excerpt(got, i), excerpt(want, i))
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			first, err := Generate(tc.cfg, testEntries())
			if err != nil {
				t.Fatal(err)
			}
			again, err := Generate(tc.cfg, testEntries())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Fatal("two runs gave different bytes")
			}
			r := rand.New(rand.NewPCG(1, 2))
			for range 5 {
				shuffled := testEntries()
				r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				got, err := Generate(tc.cfg, shuffled)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(first, got) {
					t.Fatalf("entries in another order gave different bytes: %v", shuffled)
				}
			}
		})
	}
}

// TestGenerateShipsOnlyUsedModules checks the tree shaking at the import
// level: each strategy keeps a distinctive error string or statement that
// minification does not rename.
func TestGenerateShipsOnlyUsedModules(t *testing.T) {
	markers := map[string]string{
		"networkFirst":         "network failed and nothing is cached",
		"cacheOnly":            "is not in cache",
		"staleWhileRevalidate": "revalidating",
		"broadcastUpdate":      "swkit:cache-updated",
		"expiration":           "swkit-expiration",
	}
	precacheOnly, err := Generate(config.Config{}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	for name, marker := range markers {
		if bytes.Contains(precacheOnly, []byte(marker)) {
			t.Errorf("precache-only worker contains %s code (%q)", name, marker)
		}
	}
	nf, err := Generate(config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/api/**", Handler: "NetworkFirst", Options: config.RuntimeOptions{NetworkTimeoutSeconds: 3}},
	}}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(nf, []byte(markers["networkFirst"])) {
		t.Errorf("networkFirst worker lacks the networkFirst marker %q", markers["networkFirst"])
	}
	if bytes.Contains(nf, []byte(markers["staleWhileRevalidate"])) {
		t.Errorf("networkFirst worker contains staleWhileRevalidate code")
	}
	if bytes.Contains(nf, []byte(markers["expiration"])) {
		t.Errorf("networkFirst worker without expiration contains expiration code")
	}
	withExp, err := Generate(config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/api/**", Handler: "cacheFirst", Options: config.RuntimeOptions{Expiration: &config.Expiration{MaxEntries: 3}}},
	}}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(withExp, []byte(markers["expiration"])) {
		t.Errorf("worker with expiration lacks the expiration marker %q", markers["expiration"])
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		rc   config.RuntimeCaching
		want string
	}{
		{"unknown handler", config.RuntimeCaching{URLPattern: "/a", Handler: "fastest"}, `runtimeCaching[0]: handler "fastest"`},
		{"bad pattern", config.RuntimeCaching{URLPattern: "api/*", Handler: "cacheFirst"}, `urlPattern "api/*"`},
		{"unescaped slash in regexp", config.RuntimeCaching{URLPattern: `/x/y\.png$/`, Handler: "cacheFirst"}, `urlPattern "/x/y\\.png$/": escape "/"`},
		{"broadcast on cacheFirst", config.RuntimeCaching{URLPattern: "/a", Handler: "cacheFirst",
			Options: config.RuntimeOptions{BroadcastUpdate: &config.BroadcastUpdate{}}}, "options.broadcastUpdate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(config.Config{RuntimeCaching: []config.RuntimeCaching{tc.rc}}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		in, literal, on string
	}{
		{"/img", `/^\/img$/`, "path"},
		{"/api/*", `/^\/api\/[^/]*$/`, "path"},
		{"/assets/**", `/^\/assets\/.*$/`, "path"},
		{"/a.b/*.png", `/^\/a\.b\/[^/]*\.png$/`, "path"},
		{"https://fonts.example/**", `/^https:\/\/fonts\.example\/.*$/`, "href"},
		{`/\.png$/i`, `/\.png$/i`, "href"},
		{`/\.png$/gi`, `/\.png$/i`, "href"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := compilePattern(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.literal != tc.literal || m.on != tc.on {
				t.Errorf("got %s on %s, want %s on %s", m.literal, m.on, tc.literal, tc.on)
			}
		})
	}
}

func TestPageHelper(t *testing.T) {
	got, err := PageHelper()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page helper: %d bytes raw, %d bytes gzip", len(got), gzipSize(t, got))
	if !bytes.Contains(got, []byte("export{")) {
		t.Errorf("page helper is not an ES module exporting register:\n%s", got)
	}
	again, err := PageHelper()
	if err != nil || !bytes.Equal(got, again) {
		t.Errorf("second call differs (err %v)", err)
	}
}

// excerpt is up to 60 bytes of b around offset i.
func excerpt(b []byte, i int) string {
	lo, hi := max(0, i-20), min(len(b), i+40)
	return string(b[lo:hi])
}

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// checkSyntax runs `node --check` on the output when node is installed; the
// test does not depend on it.
func checkSyntax(t *testing.T, code []byte) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node not found: syntax check skipped")
		return
	}
	f := filepath.Join(t.TempDir(), "sw.js")
	if err := os.WriteFile(f, code, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
		t.Errorf("node --check: %v\n%s", err, out)
	}
}
