package static

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWellKnown: /.well-known/ at the root is served when the folder has it
// (RFC 8615: ACME challenges, security.txt, app links), as the one exception
// to the dotfile rule; dotfiles inside it, and .well-known anywhere else,
// stay hidden.
func TestWellKnown(t *testing.T) {
	s := newSite(t)
	for name, content := range map[string]string{
		".well-known/security.txt":               "Contact: mailto:security@example.com\n",
		".well-known/acme-challenge/Xy9-tok_en":  "Xy9-tok_en.thumbprint",
		".well-known/apple-app-site-association": `{"applinks":{}}`,
		".well-known/.env":                       secret,
		".well-known/acme-challenge/.hidden":     secret,
		"sub/.well-known/security.txt":           secret,
	} {
		p := filepath.Join(s.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := s.handler(t, Options{})
	for _, tc := range []struct {
		target, body, contentType string
		code                      int
	}{
		{"/.well-known/security.txt", "Contact: mailto:security@example.com\n", "text/plain; charset=utf-8", 200},
		{"/.well-known/acme-challenge/Xy9-tok_en", "Xy9-tok_en.thumbprint", "application/octet-stream", 200},
		{"/.well-known/apple-app-site-association", `{"applinks":{}}`, "application/json", 200},
		{"/.well-known/.env", "Not Found\n", "", 404},
		{"/.well-known/acme-challenge/.hidden", "Not Found\n", "", 404},
		{"/.well-known/missing", "Not Found\n", "", 404},
		{"/sub/.well-known/security.txt", "Not Found\n", "", 404},
		{"/.well-known/%2e%2e/secret.txt", "Not Found\n", "", 404},
	} {
		w := do(t, h, "GET", tc.target)
		if w.Code != tc.code || w.Body.String() != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.target, w.Code, w.Body, tc.code, tc.body)
		}
		if tc.contentType != "" && w.Header().Get("Content-Type") != tc.contentType {
			t.Errorf("%s: Content-Type %q, want %q", tc.target, w.Header().Get("Content-Type"), tc.contentType)
		}
	}
}
