package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The benchmark site: one page with 200 subresources, the mix the brief
// names (80 scripts, 40 stylesheets, 80 images), plain names (not
// fingerprinted, so every precache entry carries a revision).
const (
	numScripts = 80
	numStyles  = 40
	numImages  = 80
)

// writeSite writes the site into dir (made afresh) and returns its URLs,
// relative, the page first. The content is the same on every run.
func writeSite(dir string, registerDelay time.Duration) ([]string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	files := map[string][]byte{}
	var page strings.Builder
	page.WriteString("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>browser-speed</title>\n")
	for i := range numStyles {
		name := fmt.Sprintf("css/style-%02d.css", i)
		files[name] = filler(rng, fmt.Sprintf(".c%02d { color: #%06x; }\n", i, rng.IntN(1<<24)), "/* %s */\n", 2000+rng.IntN(2000))
		fmt.Fprintf(&page, "<link rel=\"stylesheet\" href=\"/%s\">\n", name)
	}
	page.WriteString("</head><body><h1>browser-speed</h1>\n")
	for i := range numImages {
		name := fmt.Sprintf("img/pic-%02d.png", i)
		files[name] = picture(rng)
		fmt.Fprintf(&page, "<img src=\"/%s\" width=\"16\" height=\"16\" alt=\"\">\n", name)
	}
	for i := range numScripts {
		name := fmt.Sprintf("js/mod-%02d.js", i)
		files[name] = filler(rng, fmt.Sprintf("window.loaded = (window.loaded || 0) + 1; // %02d\n", i), "// %s\n", 3000+rng.IntN(5000))
		fmt.Fprintf(&page, "<script src=\"/%s\"></script>\n", name)
	}
	// Every worker registers the same way, after load, as the seed advises
	// (-register-delay later still: whether the register call is what
	// starts a stopped worker).
	fmt.Fprintf(&page, "<script>addEventListener('load', () => setTimeout(() => navigator.serviceWorker.register('/sw.js'), %d));</script>\n</body></html>\n", registerDelay.Milliseconds())
	files["index.html"] = []byte(page.String())

	urls := []string{""}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		urls = append(urls, name)
	}
	return urls, nil
}

// filler is head followed by lines of words in format until size bytes.
func filler(rng *rand.Rand, head, format string, size int) []byte {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	b := []byte(head)
	for len(b) < size {
		var line []string
		for range 8 {
			line = append(line, words[rng.IntN(len(words))])
		}
		b = fmt.Appendf(b, format, strings.Join(line, " "))
	}
	return b
}

// picture is a 32x32 PNG of noise (2-4 KB, incompressible like a photo).
func picture(rng *rand.Rand) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(64))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // writing to memory cannot fail
	}
	return b.Bytes()
}
