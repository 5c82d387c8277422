package swgen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/swkit/swkit/config"
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

// bundledModules lists the runtime modules that Generate bundles for cfg, from
// esbuild's metafile.
func bundledModules(t *testing.T, cfg config.Config) map[string]bool {
	t.Helper()
	source, err := entryModule(config.Defaults(cfg), precacheEntries(testEntries()))
	if err != nil {
		t.Fatal(err)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{entryPath}, Bundle: true, Write: false, Metafile: true,
		Format: api.FormatIIFE, LogLevel: api.LogLevelSilent, Plugins: []api.Plugin{runtimeOnly(source)},
	})
	if len(res.Errors) > 0 {
		t.Fatal(buildError(res.Errors, nil))
	}
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		t.Fatal(err)
	}
	mods := make(map[string]bool)
	for in := range meta.Inputs {
		mods[strings.TrimPrefix(in, namespace+":")] = true
	}
	return mods
}

// TestGenerateShipsOnlyUsedModules checks the tree shaking at the import
// level: a worker bundles the modules of the strategies and options its
// config uses, and no others.
func TestGenerateShipsOnlyUsedModules(t *testing.T) {
	const (
		networkFirst = "sw/strategies/networkFirst.js"
		cacheOnly    = "sw/strategies/cacheOnly.js"
		swr          = "sw/strategies/staleWhileRevalidate.js"
		broadcast    = "sw/strategies/broadcastUpdate.js"
		expiration   = "sw/expiration/expiration.js"
		sync         = "sw/sync/backgroundSync.js"
		navigation   = "sw/navigation.js"
		destination  = "sw/destination.js"
		urlPattern   = "sw/urlPattern.js"
		ranges       = "sw/strategies/rangeResponse.js"
		statics      = "sw/staticRoutes.js"
	)
	all := []string{networkFirst, cacheOnly, swr, broadcast, expiration, sync, navigation, destination, urlPattern, ranges, statics}
	check := func(name string, cfg config.Config, want ...string) {
		t.Helper()
		mods := bundledModules(t, cfg)
		if !mods["sw/sw.js"] {
			t.Fatalf("%s: sw/sw.js not bundled: %v", name, mods)
		}
		for _, m := range all {
			if got := mods[m]; got != slices.Contains(want, m) {
				t.Errorf("%s worker: bundles %s = %v, want %v", name, m, got, !got)
			}
		}
	}
	check("precache-only", config.Config{}, statics)
	off := false
	check("static routes off", config.Config{StaticRoutes: &off})
	check("networkFirst", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/api/**", Handler: "NetworkFirst", Options: config.RuntimeOptions{NetworkTimeoutSeconds: 3}},
	}}, networkFirst, urlPattern, statics)
	check("cacheFirst with expiration", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/api/**", Handler: "cacheFirst", Options: config.RuntimeOptions{Expiration: &config.Expiration{MaxEntries: 3}}},
	}}, expiration, urlPattern, statics)
	check("staleWhileRevalidate", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/img/**", Handler: "staleWhileRevalidate"},
		{URLPattern: "/api/**", Method: "POST", Handler: "networkOnly", Options: config.RuntimeOptions{BackgroundSync: &config.BackgroundSync{Name: "q"}}},
	}}, swr, sync, urlPattern, statics)
	check("broadcastUpdate and cacheOnly", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{URLPattern: "/img/**", Handler: "staleWhileRevalidate", Options: config.RuntimeOptions{BroadcastUpdate: &config.BroadcastUpdate{}}},
		{URLPattern: "/x/**", Handler: "cacheOnly"},
	}}, swr, broadcast, cacheOnly, urlPattern, statics)
	check("destination only", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{Destination: []string{"document"}, Handler: "networkFirst"},
	}}, networkFirst, destination, statics)
	check("destination and pattern, ranges", config.Config{RuntimeCaching: []config.RuntimeCaching{
		{Destination: []string{"video"}, URLPattern: "/media/**", Handler: "cacheOnly", Options: config.RuntimeOptions{RangeRequests: true}},
	}}, cacheOnly, destination, urlPattern, ranges)
	check("navigateFallback", config.Config{NavigateFallback: "index.html"}, navigation, statics)
	check("offlinePage", config.Config{OfflinePage: "offline.html"}, navigation, statics)
	check("navigationPreload", config.Config{NavigationPreload: true}, navigation, statics)

	// And in the output: precache-only code has none of the strategies'
	// or expiration's strings.
	precacheOnly, err := Generate(config.Config{}, testEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{"network failed", "not in cache", "swkit:cache-updated", "swkit-expiry", "swkit-expiration", "swkit-sync", "offline page"} {
		if bytes.Contains(precacheOnly, []byte(marker)) {
			t.Errorf("precache-only worker contains %q", marker)
		}
	}
}

// TestGenerateErrors: a route the worker cannot carry is a *config.Error
// keyed by the route's option.
func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name    string
		rc      config.RuntimeCaching
		wantKey string
		want    string
	}{
		{"unknown handler", config.RuntimeCaching{URLPattern: "/a", Handler: "fastest"}, "runtimeCaching[1].handler", `unknown handler "fastest"`},
		{"bad pattern", config.RuntimeCaching{URLPattern: "api/*", Handler: "cacheFirst"}, "runtimeCaching[1].urlPattern", `"api/*": want /regexp/flags`},
		{"unescaped slash in regexp", config.RuntimeCaching{URLPattern: `/x/y\.png$/`, Handler: "cacheFirst"}, "runtimeCaching[1].urlPattern", `"/x/y\\.png$/": escape "/"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok := config.RuntimeCaching{URLPattern: "/ok", Handler: "cacheFirst"}
			_, err := Generate(config.Config{RuntimeCaching: []config.RuntimeCaching{ok, tc.rc}}, nil)
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tc.wantKey || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a *config.Error on %s containing %q", err, tc.wantKey, tc.want)
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
		{`/.*/i`, `/.*/i`, "href"},
		{"/notes/{id}", `/^\/notes\/[^/]*$/`, "path"},
		{"/files/{path...}", `/^\/files\/.*$/`, "path"},
		{"/{$}", `/^\/$/`, "path"},
		{"/notes/", `/^\/notes\/$/`, "path"},
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
