package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/proctest"
)

// Deploy anywhere: a site built with --precompress and --headers is served
// by Debian's real nginx and Caddy with the generated snippet, and every
// header of either response is compared with what swkit serve
// (swkit.NewDir) sends for the same request, but for those that
// serverOwnHeaders lists.

// serverOwnHeaders are the headers each server fills in its own way, which
// no headers file or snippet sets: the connection's and the server's own,
// and the validators, which nginx and Caddy derive from size and time where
// swkit serve hashes the content (docs/deploy.md).
var serverOwnHeaders = map[string]bool{
	"Date": true, "Server": true, "Connection": true, "Keep-Alive": true,
	"Etag": true, "Last-Modified": true, "Accept-Ranges": true,
	// Equal bodies of one encoding have equal lengths (compared below);
	// a server may stream instead of sending a length.
	"Content-Length": true, "Transfer-Encoding": true,
}

// hostSite writes a site with every kind of file the rules tell apart and
// builds it for host, returning the folder, the config and the headers file.
func hostSite(t *testing.T, host string) (string, swkit.Config, string) {
	t.Helper()
	dir := t.TempDir()
	long := func(s string) string { return strings.Repeat(s, 200) }
	files := map[string]string{
		"index.html":                 `<!doctype html><html><head><link rel="manifest" href="/manifest.webmanifest"></head><body>` + long("home ") + `</body></html>`,
		"about/index.html":           long("<p>about</p>"),
		"page.htm":                   long("<p>htm</p>"),
		"css/app.3f9a1c2b.css":       long("body{color:red}\n"),
		"css/print.css":              long("@media print{}\n"),
		"assets/index-BfK2x9Qa.js":   long("console.log(1);\n"),
		"assets/vendor-a1b2c3d4e.js": long("x();\n"), // 9 hex digits: hashed
		"js/v1-settings.js":          long("settings();\n"),
		"data/feed.json":             long(`{"a":1}`),
		"img/logo.svg":               `<svg xmlns="http://www.w3.org/2000/svg">` + long("<g/>") + `</svg>`,
		"img/photo.jpg":              long("\xff\xd8jpeg"),
		"fonts/a.woff2":              long("woff2"),
		"notes.md":                   long("# notes\n"),
		"small.txt":                  "tiny",
		"download.bin":               long("\x00\x01"),
		".env":                       "SECRET=1",
		"swkit.json":                 `{"server": {"securityHeaders": true, "serviceWorkerAllowed": "/"}, "manifest": {"name": "Hosts", "icon": "logo.png"}}`,
	}
	writeFiles(t, dir, files)
	if err := os.WriteFile(filepath.Join(dir, "logo.png"), squarePNG(t, 512), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := swkit.LoadConfig(os.DirFS(dir), "swkit.json")
	if err != nil {
		t.Fatal(err)
	}
	opts := swkit.DirOptions{NoCache: true, Precompress: true, Headers: host,
		HeadersFile: filepath.Join(t.TempDir(), "snippet"), ConfigFile: filepath.Join(dir, "swkit.json")}
	res, err := swkit.WriteDir(dir, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Precompressed == 0 || res.HeadersFile != opts.HeadersFile {
		t.Fatalf("WriteDir: %d siblings, headers file %q", res.Precompressed, res.HeadersFile)
	}
	return dir, cfg, opts.HeadersFile
}

// startServer runs a server program until the test ends and waits until
// port accepts connections.
func startServer(t *testing.T, port int, logFile string, name string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: run ./test.sh, which installs it, or apt-get install -y %s", name, map[string]string{"nginx": "nginx libnginx-mod-http-brotli-static", "caddy": "caddy"}[name])
	}
	env := []string{"HOME=" + t.TempDir(), "XDG_DATA_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
	proctest.Start(t, path, env, logFile, port, args...)
}

// startNginx serves dir with the snippet on a fresh port, as root
// without workers (the site folder is the test's, mode 0700).
func startNginx(t *testing.T, dir, snippet string) string {
	t.Helper()
	work := t.TempDir()
	port := proctest.FreePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;
events {}
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[2]d;
		root %[3]s;
		include %[4]s;
	}
}
`, work, port, dir, snippet)
	confFile := filepath.Join(work, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, port, filepath.Join(work, "out.log"), "nginx", "-c", confFile, "-p", work)
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// startCaddy serves dir with the snippet on a fresh port.
func startCaddy(t *testing.T, dir, snippet string) string {
	t.Helper()
	work := t.TempDir()
	port := proctest.FreePort(t)
	conf := fmt.Sprintf(`{
	admin off
	auto_https off
}
http://127.0.0.1:%d {
	root * %s
	import %s
}
`, port, dir, snippet)
	confFile := filepath.Join(work, "Caddyfile")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startServer(t, port, filepath.Join(work, "out.log"), "caddy", "run", "--config", confFile, "--adapter", "caddyfile")
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

func TestHostHeadersNginx(t *testing.T) {
	dir, cfg, snippet := hostSite(t, "nginx")
	compareHost(t, dir, cfg, startNginx(t, dir, snippet))
}

func TestHostHeadersCaddy(t *testing.T) {
	dir, cfg, snippet := hostSite(t, "caddy")
	compareHost(t, dir, cfg, startCaddy(t, dir, snippet))
}

// compareHost requests every file of dir (and folders, dotfiles, the
// config) from the host and from swkit serve, with each Accept-Encoding,
// and compares status, headers and decoded bodies.
func compareHost(t *testing.T, dir string, cfg swkit.Config, host string) {
	t.Helper()
	h, err := swkit.NewDir(dir, cfg, swkit.DirOptions{NoCache: true, ConfigFile: filepath.Join(dir, "swkit.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ref := httptest.NewServer(h)
	defer ref.Close()

	paths := []string{"/", "/about/", "/.env", "/swkit.json", "/missing.html"}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel != "swkit.json" {
			paths = append(paths, "/"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(base, path, enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, decoded(t, resp.Header.Get("Content-Encoding"), body)
	}
	compared, headers := 0, 0
	for _, path := range paths {
		for _, enc := range []string{"", "gzip", "br, gzip"} {
			want, wantBody := get(ref.URL, path, enc)
			got, gotBody := get(host, path, enc)
			where := fmt.Sprintf("%s (Accept-Encoding %q)", path, enc)
			if got.StatusCode != want.StatusCode {
				t.Errorf("%s: status %d, swkit serve %d", where, got.StatusCode, want.StatusCode)
				continue
			}
			if want.StatusCode != http.StatusOK {
				continue
			}
			names := slices.Sorted(maps.Keys(want.Header))
			for name := range got.Header {
				if want.Header[name] == nil {
					names = append(names, name)
				}
			}
			for _, name := range names {
				if serverOwnHeaders[name] {
					continue
				}
				if g, w := strings.Join(got.Header.Values(name), ", "), strings.Join(want.Header.Values(name), ", "); g != w {
					t.Errorf("%s: %s %q, swkit serve %q", where, name, g, w)
				}
				headers++
			}
			if !bytes.Equal(gotBody, wantBody) {
				t.Errorf("%s: body differs from swkit serve's", where)
			}
			compared++
		}
	}
	if compared < 60 {
		t.Errorf("compared only %d responses", compared)
	}
	t.Logf("compared %d responses, %d headers", compared, headers)
}

// decoded is body without its content coding.
func decoded(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case "":
		return body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		t.Fatalf("unknown Content-Encoding %q", coding)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
