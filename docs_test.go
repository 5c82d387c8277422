package swkit_test

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/swkit/swkit"
)

// TestDocumentedHelperSize keeps the page helper's size in docs/updates.md
// within 10% of the real one, plain and gzipped.
func TestDocumentedHelperSize(t *testing.T) {
	doc, err := os.ReadFile("docs/updates.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`swkit.js` \\(written next to `sw.js`, about ([0-9.]+) KB, ([0-9.]+) KB gzipped\\)").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/updates.md no longer states the page helper's size")
	}
	res, err := swkit.Build(fstest.MapFS{}, swkit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(res.PageHelper)
	w.Close()
	for i, got := range []int{len(res.PageHelper), gz.Len()} {
		stated, _ := strconv.ParseFloat(string(m[i+1]), 64)
		if math.Abs(stated*1000-float64(got)) > 0.1*float64(got) {
			t.Errorf("docs/updates.md says %s KB, the page helper is %.1f KB (%s)", m[i+1], float64(got)/1000, []string{"plain", "gzipped"}[i])
		}
	}
}

// TestBenchmarksDocShort: docs/benchmarks.md opens with the current figures
// and stays under 300 lines; history belongs in git.
func TestBenchmarksDocShort(t *testing.T) {
	doc, err := os.ReadFile("docs/benchmarks.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(doc, []byte("\n")); n >= 300 {
		t.Errorf("docs/benchmarks.md has %d lines, want under 300: keep the current figures, move history to commit messages", n)
	}
	if !bytes.Contains(doc[:min(len(doc), 600)], []byte("## Current figures")) {
		t.Error("docs/benchmarks.md must open with its current figures")
	}
}
