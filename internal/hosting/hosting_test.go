package hosting

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/swkit/swkit/internal/manifest"
)

func TestHeadersFile(t *testing.T) {
	s := Site{
		SwDest:               "sw.js",
		Headers:              map[string]string{"Content-Security-Policy": "default-src 'self'"},
		ServiceWorkerAllowed: "/",
		Files: []string{
			"index.html", "sw.js", "swkit.js", "manifest.webmanifest",
			"assets/index-BfK2x9Qa.js", "assets/chunk-ABCD2345.js", "assets/img/logo.3f9a1c2b.png",
			"css/app.3f9a1c2b.css", "css/print.css", "about/index.html",
		},
		IsHashed: manifest.DefaultHashedName,
	}
	for _, host := range []string{Netlify, Cloudflare} {
		got, warns, err := Generate(host, s)
		if err != nil || len(warns) != 0 {
			t.Fatalf("%s: %v %v", host, err, warns)
		}
		want := headersBanner + `
# ` + map[string]string{Netlify: "Netlify", Cloudflare: "Cloudflare Pages"}[host] + ` reads it from the site folder and never serves it.
/*
  X-Content-Type-Options: nosniff
  Content-Security-Policy: default-src 'self'
/sw.js
  Cache-Control: no-cache
  Service-Worker-Allowed: /
/manifest.webmanifest
  Cache-Control: no-cache
/assets/*
  Cache-Control: public, max-age=31536000, immutable
/css/app.3f9a1c2b.css
  Cache-Control: public, max-age=31536000, immutable
`
		if string(got) != want {
			t.Errorf("%s:\n%s\nwant:\n%s", host, got, want)
		}
	}
}

func TestHeadersFileCloudflareLimit(t *testing.T) {
	s := Site{SwDest: "sw.js", IsHashed: manifest.DefaultHashedName}
	for i := range 120 {
		s.Files = append(s.Files, strings.Repeat("d", i%7+1)+"/page.html", "x"+strings.Repeat("y", i)+".3f9a1c2b.css")
	}
	if _, warns, _ := Generate(Cloudflare, s); len(warns) != 1 || !strings.Contains(warns[0].Message, "limit of 100") {
		t.Errorf("cloudflare: warnings %v, want the rule limit", warns)
	}
	if _, warns, _ := Generate(Netlify, s); len(warns) != 0 {
		t.Errorf("netlify: warnings %v, want none", warns)
	}
}

// The default rule, as nginx (PCRE) and Caddy (RE2, several tests) write it,
// agrees with manifest.DefaultHashedName. PCRE lookahead is checked by the
// nginx test in e2e; here the RE2 groups are, name by name.
func TestHashedRE2(t *testing.T) {
	for _, name := range []string{
		"app.3f9a1c2b.js", "index-BfK2x9Qa.js", "chunk-ABCD2345.js", "a/b/vendor-a1b2c3d4e.js",
		"v1-settings.js", "jquery.min.js", "chapter2.html", "photo-20240101.jpg", "app.ABCDEFGH.js",
		"deadbeef.js", "x.deadbeef.js", "x.1234567a", "x.1234567a.", ".3f9a1c2b.js", "x.3F9A1C2B.css",
		"x.abcdefgh12.js", "x-Ab1_Cd2e.js", "x.Ab1.Cd2e.js",
	} {
		var any bool
		for _, all := range hashedRE2 {
			each := true
			for _, re := range all {
				each = each && regexp.MustCompile(re).MatchString("/"+name)
			}
			any = any || each
		}
		if want := manifest.DefaultHashedName(name); any != want {
			t.Errorf("%s: RE2 says %v, DefaultHashedName %v", name, any, want)
		}
	}
}

func TestPrecompress(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := strings.Repeat("body{color:red}\n", 100)
	write("css/app.css", big)
	write("tiny.js", "x") // compressed is larger: no sibling
	write("img.png", big) // not compressible
	write("swkit.json", big)
	write(".hidden.js", big)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res, err := Precompress(root, []string{"swkit.json"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 {
		t.Errorf("wrote %d siblings, want 2", res.Written)
	}
	for _, name := range []string{"tiny.js.br", "img.png.gz", "swkit.json.gz", ".hidden.js.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
	for _, sib := range []string{"css/app.css.br", "css/app.css.gz"} {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sib)))
		if err != nil || !decodesTo(sib, data, []byte(big)) || !isOurs(sib, data) {
			t.Errorf("%s: %v, not a copy of css/app.css by swkit", sib, err)
		}
	}

	// Nothing changed: nothing written. A changed file: both rewritten.
	if res, err := Precompress(root, []string{"swkit.json"}); err != nil || res.Written != 0 || res.Kept != 2 {
		t.Errorf("again: %+v, %v; want 0 written, 2 kept", res, err)
	}
	write("css/app.css", big+big)
	if res, err := Precompress(root, []string{"swkit.json"}); err != nil || res.Written != 2 {
		t.Errorf("after a change: %+v, %v; want 2 written", res, err)
	}

	// A stale sibling that someone else made stops it; a sibling of a
	// file that is gone is removed only when it is swkit's.
	gz, _ := compressGzip([]byte("old"))
	gz[3] = 0 // no FCOMMENT: not swkit's, and now a valid member without it
	gz = append(gz[:10:10], gz[10+len(gzipComment)+1:]...)
	write("css/app.css.gz", string(gz))
	if _, err := Precompress(root, []string{"swkit.json"}); !errors.Is(err, ErrNotOurs) {
		t.Errorf("stale foreign sibling: err = %v, want ErrNotOurs", err)
	}
	os.Remove(filepath.Join(dir, "css/app.css.gz"))
	os.Remove(filepath.Join(dir, "css/app.css"))
	write("other.txt.gz", string(gz)) // an orphan, not ours
	if res, err := Precompress(root, []string{"swkit.json"}); err != nil || res.Removed != 1 {
		t.Errorf("orphans: %+v, %v; want css/app.css.br removed", res, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.txt.gz")); err != nil {
		t.Errorf("a foreign orphan was removed: %v", err)
	}
}
