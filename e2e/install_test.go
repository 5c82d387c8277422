package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/internal/browsertest"
	"github.com/swkit/swkit/internal/demo"
)

// Installability, as Chromium itself judges it: Page.getInstallabilityErrors
// runs the checks behind its install prompt (a manifest with a name, a
// start_url, a display mode, a 144 px or larger PNG icon that loads, ...)
// and Page.getAppManifest reports the manifest's parse errors.

// installability returns Chromium's installability errors for the page in
// tab and the parse errors of its manifest, once the manifest has loaded.
func installability(t *testing.T, tab *browsertest.Tab) (installErrs []string, manifestErrs []string, manifestURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, tab.Timeout)
	defer cancel()
	m, err := chromedp.Call(ctx, page.GetAppManifest, page.GetAppManifestParams{})
	if err != nil {
		t.Fatalf("Page.getAppManifest: %v", err)
	}
	for _, e := range m.Errors {
		manifestErrs = append(manifestErrs, e.Message)
	}
	res, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatalf("Page.getInstallabilityErrors: %v", err)
	}
	for _, e := range res.InstallabilityErrors {
		s := e.ErrorID
		for _, a := range e.ErrorArguments {
			s += " " + a.Name + "=" + a.Value
		}
		installErrs = append(installErrs, s)
	}
	return installErrs, manifestErrs, m.URL
}

// TestDemoInstallable: Chromium finds nothing that stops it from
// installing the demo.
func TestDemoInstallable(t *testing.T) {
	srv, tab := startDemo(t, browsertest.Shared(t), demo.Options{Rotate: time.Hour})
	tab.Navigate(srv.URL("/"))
	tab.WaitController()
	errs, merrs, url := installability(t, tab)
	if len(errs) > 0 || len(merrs) > 0 || url != srv.URL("/manifest.webmanifest") {
		t.Errorf("demo: installability errors %q, manifest errors %q, manifest %q", errs, merrs, url)
	}
}

// TestBuiltSiteInstallable: a folder built by swkit.WriteDir (swkit build)
// with a manifest section is installable once served; the same folder
// without the <link rel="manifest"> is not, which shows that the check
// looks at what swkit wrote.
func TestBuiltSiteInstallable(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		wantErr    string
	}{
		{"linked", `<link rel="manifest" href="/manifest.webmanifest">`, ""},
		{"unlinked", ``, "no-manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("index.html", []byte(`<!doctype html><html><head><meta charset="utf-8"><title>app</title>`+tc.head+
				`<script type="module">import {register} from '/swkit.js'; register('/sw.js');</script></head><body>app</body></html>`))
			write("logo.png", squarePNG(t, 640))
			cfg := swkit.Config{ClientsClaim: true, Manifest: &swkit.Manifest{Name: "Built app", ShortName: "Built", Icon: "logo.png", ThemeColor: "#0f766e"}}
			res, err := swkit.WriteDir(dir, cfg, swkit.DirOptions{NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && len(res.Warnings) == 0 {
				t.Errorf("the build did not warn about the missing link")
			}
			h, err := swkit.NewDir(dir, cfg, swkit.DirOptions{NoCache: true})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			srv := browsertest.NewServer(t, h)
			tab := browsertest.Shared(t).NewTab(t)
			tab.Navigate(srv.URL("/"))
			tab.WaitController()
			errs, merrs, _ := installability(t, tab)
			switch {
			case tc.wantErr == "" && (len(errs) > 0 || len(merrs) > 0):
				t.Errorf("installability errors %q, manifest errors %q; want none", errs, merrs)
			case tc.wantErr != "" && (len(errs) == 0 || errs[0] != tc.wantErr):
				t.Errorf("installability errors %q, want %q", errs, tc.wantErr)
			}
		})
	}
}

// squarePNG is a size x size opaque picture.
func squarePNG(t *testing.T, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
