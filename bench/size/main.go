// Command size compares the bytes of swkit's generated service worker with
// Workbox's generateSW output for the same configs: raw, gzip -9 and brotli
// (quality 11), runtime only (no manifest) and with the manifest of the same
// 50-file site. bench/size/run.sh runs Workbox first and then this program:
//
//	go run ./bench/size -work bench/work/size
//
// Workbox's output is sw.js plus the workbox-<hash>.js chunk it imports
// (source maps are not downloaded by browsers and are not counted). Workbox
// refuses to build with nothing to precache, so its runtime-only figure comes
// from a one-file site with that one entry cut out of sw.js; swkit's is
// swgen.Generate with no entries. swkit's figure is sw.js alone: the runtime
// is bundled into it.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/andybalholm/brotli"

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/swgen"
)

type sizes struct{ raw, gz, br int }

func measure(data []byte) sizes {
	var g bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	var b bytes.Buffer
	bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
	bw.Write(data)
	bw.Close()
	return sizes{len(data), g.Len(), b.Len()}
}

// workboxManifest is the precache list in Workbox's sw.js.
var workboxManifest = regexp.MustCompile(`precacheAndRoute\(\[[^\]]*\]`)

// workboxFiles reads sw.js and the runtime chunk in dir as browsers download
// them (the sourceMappingURL comments included), one after the other.
func workboxFiles(dir string, dropManifest bool) ([]byte, error) {
	sw, err := os.ReadFile(filepath.Join(dir, "sw.js"))
	if err != nil {
		return nil, err
	}
	if dropManifest {
		if !workboxManifest.Match(sw) {
			return nil, fmt.Errorf("%s: no precacheAndRoute([...]) to cut out", dir)
		}
		sw = workboxManifest.ReplaceAll(sw, []byte("precacheAndRoute(["))
	}
	chunks, err := filepath.Glob(filepath.Join(dir, "workbox-*.js"))
	if err != nil || len(chunks) != 1 {
		return nil, fmt.Errorf("%s: want one workbox-*.js chunk, found %v", dir, chunks)
	}
	rt, err := os.ReadFile(chunks[0])
	if err != nil {
		return nil, err
	}
	return append(sw, rt...), nil
}

func main() {
	work := flag.String("work", "bench/work/size", "folder with site/ and Workbox's outputs (bench/size/run.sh)")
	configs := flag.String("configs", "bench/size", "folder with <name>.swkit.json")
	dump := flag.String("dump", "", "only write swkit's runtime-only workers to `dir` as <name>.js and print their sizes (no Workbox needed)")
	flag.Parse()
	if *dump != "" {
		if err := dumpWorkers(*dump, *configs); err != nil {
			fmt.Fprintln(os.Stderr, "size:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*work, *configs); err != nil {
		fmt.Fprintln(os.Stderr, "size:", err)
		os.Exit(1)
	}
}

func run(work, configs string) error {
	fmt.Println("| config | manifest | tool | raw | gzip -9 | brotli 11 | swkit / Workbox (gzip) |")
	fmt.Println("| --- | --- | --- | ---: | ---: | ---: | ---: |")
	for _, name := range []string{"precache", "routes"} {
		cfg, err := config.Load(filepath.Join(configs, name+".swkit.json"))
		if err != nil {
			return err
		}
		cfg = config.Defaults(cfg)
		for _, withSite := range []bool{false, true} {
			var sw []byte
			var wb []byte
			label := "none (runtime only)"
			if withSite {
				out, err := swkit.Build(os.DirFS(filepath.Join(work, "site")), cfg)
				if err != nil {
					return err
				}
				sw = out.Worker
				label = fmt.Sprintf("50-file site (%d entries)", out.Files)
				wb, err = workboxFiles(filepath.Join(work, "wb-"+name+"-site"), false)
				if err != nil {
					return err
				}
			} else {
				if sw, err = swgen.Generate(cfg, nil); err != nil {
					return err
				}
				if wb, err = workboxFiles(filepath.Join(work, "wb-"+name+"-one"), true); err != nil {
					return err
				}
			}
			s, w := measure(sw), measure(wb)
			fmt.Printf("| %s | %s | swkit | %s | %s | %s | %.2f |\n", name, label, kb(s.raw), kb(s.gz), kb(s.br), float64(s.gz)/float64(w.gz))
			fmt.Printf("| %s | %s | Workbox 7 | %s | %s | %s | |\n", name, label, kb(w.raw), kb(w.gz), kb(w.br))
		}
	}
	return nil
}

// dumpWorkers writes swkit's runtime-only worker of each config to dir and
// prints its sizes in bytes: a fast check while shrinking the runtime.
func dumpWorkers(dir, configs string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"precache", "routes"} {
		cfg, err := config.Load(filepath.Join(configs, name+".swkit.json"))
		if err != nil {
			return err
		}
		sw, err := swgen.Generate(config.Defaults(cfg), nil)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".js"), sw, 0o644); err != nil {
			return err
		}
		s := measure(sw)
		fmt.Printf("%s: raw %d, gzip %d, brotli %d bytes\n", name, s.raw, s.gz, s.br)
	}
	return nil
}

func kb(n int) string {
	return fmt.Sprintf("%.1f KB", float64(n)/1000) // KB = 1,000 bytes
}
