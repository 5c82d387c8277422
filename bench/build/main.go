// Command build times `swkit build` next to `workbox generateSW`,
// `workbox injectManifest` and the hashing floor on the same generated trees,
// in the same run, and prints medians and ratios as a Markdown table.
// bench/build/run.sh installs the tools, builds the binaries, generates the
// trees and runs it; see bench/README.md.
//
//	go run ./bench/build -trees median:5,large:3
//
// Every tool works on its own copy of each tree (swkit and Workbox write into
// the folder), made with cp -a from the same generated tree. Each tool runs
// once as a warm-up, unrecorded, so every measured round reads from a warm
// page cache; then the rounds go round-robin over the tools, so drift in the
// machine's load spreads over all of them. Times are wall-clock for the whole
// process (start-up included) and, beside them, its CPU time (user + system).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

const maxCache = 2 << 20 // maximumFileSizeToCacheInBytes, swkit's and Workbox's default

func main() {
	work := flag.String("work", "bench/work", "work folder: holds the trees, the tools and the copies")
	trees := flag.String("trees", "median:5,large:3", "trees (folders under -work) and rounds for each")
	rev := flag.String("rev", "", "the swkit commit measured, for the report (default: the work tree's HEAD)")
	timeout := flag.Duration("timeout", 5*time.Minute, "limit for one run of one tool")
	flag.Parse()
	w, err := filepath.Abs(*work)
	check(err)
	b := &bench{work: w, timeout: *timeout, rev: *rev}
	if b.rev == "" {
		b.rev = gitRev()
	}
	b.header()
	for _, spec := range strings.Split(*trees, ",") {
		name, r, ok := strings.Cut(spec, ":")
		rounds, err := strconv.Atoi(r)
		if !ok || err != nil || rounds < 1 {
			fail("bad -trees entry %q: want NAME:ROUNDS", spec)
		}
		b.tree(name, rounds)
	}
}

type bench struct {
	work    string
	rev     string
	timeout time.Duration
}

// tool is one measured command.
type tool struct {
	name    string
	key     string
	dir     string   // its copy of the tree
	clean   []string // globs removed before each run (relative to dir)
	settle  bool     // pause, then run once unrecorded, before each recorded run
	args    []string
	walls   []time.Duration
	cpus    []time.Duration
	summary string
}

func (b *bench) header() {
	fmt.Println("# build benchmark")
	fmt.Println()
	fmt.Printf("- date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Printf("- machine: %s, %d cores (GOMAXPROCS %d), %s RAM, %s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), memTotal(), kernel())
	fmt.Printf("- swkit: %s (%s); Node.js %s\n", b.rev, runtime.Version(), out("node", "--version"))
	fmt.Printf("- workbox-cli: %s\n", out(filepath.Join(b.work, "node_modules/.bin/workbox"), "--version"))
	fmt.Printf("- load before: %s; CPU pressure: %s\n", loadavg(), pressure())
	fmt.Println("- times: warm page cache (one unrecorded warm-up per tool), wall-clock of the whole process, median of the rounds")
}

func (b *bench) tree(name string, rounds int) {
	src := filepath.Join(b.work, name)
	if _, err := os.Stat(src); err != nil {
		fail("tree %s: %v (generate it with bench/sitegen first)", src, err)
	}
	files, bytes := count(src)
	base := filepath.Join(b.work, "build", name)
	check(os.RemoveAll(base))
	check(os.MkdirAll(base, 0o755))
	cp := func(tool string) string {
		dst := filepath.Join(base, tool)
		run("cp", "-a", src, dst)
		return dst
	}
	swDir, genDir, injDir := cp("swkit"), cp("generateSW"), cp("injectManifest")
	wbConfig := func(file, dir string, extra string) string {
		p := filepath.Join(base, file)
		cfg := fmt.Sprintf(`// Workbox config equivalent to swkit's defaults.
module.exports = {
  globDirectory: %q,
  globPatterns: ['**/*'],
  swDest: %q,
  maximumFileSizeToCacheInBytes: %d,%s
};
`, dir, filepath.Join(dir, "sw.js"), maxCache, extra)
		check(os.WriteFile(p, []byte(cfg), 0o644))
		return p
	}
	swSrc := filepath.Join(base, "sw-src.js")
	check(os.WriteFile(swSrc, []byte("// The smallest injectManifest source: the manifest and nothing else.\nself.__WB_MANIFEST;\n"), 0o644))
	genCfg := wbConfig("generateSW.cjs", genDir, "")
	injCfg := wbConfig("injectManifest.cjs", injDir, fmt.Sprintf("\n  swSrc: %q,", swSrc))
	workbox := filepath.Join(b.work, "node_modules/.bin/workbox")
	floor := filepath.Join(b.work, "floor")
	swkit := filepath.Join(b.work, "swkit")

	tools := []*tool{
		{key: "full", name: "swkit build (full)", dir: swDir, clean: []string{"sw.js", "swkit.js"}, args: []string{swkit, "build", "--no-cache", swDir}},
		{key: "nochange", name: "swkit build (no change)", dir: swDir, settle: true, args: []string{swkit, "build", swDir}},
		{key: "gen", name: "workbox generateSW", dir: genDir, clean: []string{"sw.js", "sw.js.map", "workbox-*.js", "workbox-*.js.map"}, args: []string{workbox, "generateSW", genCfg}},
		{key: "inj", name: "workbox injectManifest", dir: injDir, clean: []string{"sw.js", "sw.js.map"}, args: []string{workbox, "injectManifest", injCfg}},
		{key: "floor", name: "floor: SHA-256 of every byte, 2 workers", args: []string{floor, "-workers", "2", src}},
		{key: "floormax", name: "floor: the bytes precached (files ≤ 2 MiB)", args: []string{floor, "-workers", "2", "-max", strconv.Itoa(maxCache), src}},
	}
	fmt.Printf("\n## %s: %d files, %.1f MB (%s), %d rounds\n\n", name, files, float64(bytes)/1e6, src, rounds)
	for _, t := range tools { // warm-up
		t.summary = b.runOnce(t, false)
	}
	for range rounds {
		for _, t := range tools {
			if t.settle {
				// The build cache trusts a stat only when the build that took
				// it began 50 ms after the last change (the full build just
				// wrote sw.js into the folder): as a person rebuilding would.
				time.Sleep(100 * time.Millisecond)
				b.runOnce(t, false)
			}
			b.runOnce(t, true)
		}
	}
	by := map[string]*tool{}
	for _, t := range tools {
		by[t.key] = t
	}
	sw := median(by["full"].walls)
	fmt.Println("| tool | median | min – max | CPU (user+sys), median | × swkit full |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: |")
	for _, t := range tools {
		m := median(t.walls)
		fmt.Printf("| %s | %s | %s – %s | %s | %.2f |\n", t.name, secs(m), secs(slices.Min(t.walls)), secs(slices.Max(t.walls)),
			secs(median(t.cpus)), float64(m)/float64(sw))
	}
	ratio := func(a, b string) float64 { return float64(median(by[a].walls)) / float64(median(by[b].walls)) }
	fmt.Println()
	fmt.Printf("- generateSW / swkit: %.1f× (target ≥ 20×)\n", ratio("gen", "full"))
	fmt.Printf("- injectManifest / swkit: %.1f×\n", ratio("inj", "full"))
	fmt.Printf("- swkit / floor (every byte): %.2f×; swkit / floor (bytes precached): %.2f× (target ≤ 1.5×)\n", ratio("full", "floor"), ratio("full", "floormax"))
	fmt.Printf("- no-change rebuild: %s, %.0f%% of a full build (target on the large tree: < 100 ms)\n", secs(median(by["nochange"].walls)), 100*ratio("nochange", "full"))
	fmt.Println()
	fmt.Println("What each tool reported (warm-up run):")
	fmt.Println()
	for _, t := range tools {
		fmt.Printf("- %s: %s\n", t.name, t.summary)
	}
	fmt.Printf("\nload after: %s; CPU pressure: %s\n", loadavg(), pressure())
}

// runOnce cleans the tool's outputs, runs it, and records its times when
// record is set. It returns the line of its output that sums up its work.
func (b *bench) runOnce(t *tool, record bool) string {
	for _, g := range t.clean {
		matches, _ := filepath.Glob(filepath.Join(t.dir, g))
		for _, m := range matches {
			check(os.Remove(m))
		}
	}
	cmd := exec.Command(t.args[0], t.args[1:]...)
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	cmd.WaitDelay = time.Second
	start := time.Now()
	check(cmd.Start())
	timer := time.AfterFunc(b.timeout, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	wall := time.Since(start)
	timer.Stop()
	if err != nil {
		fail("%s: %v\n%s", strings.Join(t.args, " "), err, outBuf.String())
	}
	if record {
		t.walls = append(t.walls, wall)
		ps := cmd.ProcessState
		t.cpus = append(t.cpus, ps.UserTime()+ps.SystemTime())
	}
	return summaryLine(outBuf.String())
}

// summaryLine picks the line that says how many files were precached.
func summaryLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "precached ") || strings.Contains(l, "will precache") || strings.HasPrefix(l, "floor:") {
			return l
		}
	}
	return "(no summary)"
}

func count(dir string) (files int, bytes int64) {
	check(filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files++
			bytes += info.Size()
		}
		return err
	}))
	return files, bytes
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	f := strings.Fields(string(data))
	if len(f) > 1 {
		kb, _ := strconv.ParseFloat(f[1], 64)
		return fmt.Sprintf("%.0f GiB", kb/(1<<20))
	}
	return "?"
}

func kernel() string { return "Linux " + out("uname", "-r") }

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return "load average " + strings.Join(f[:3], " ")
}

// pressure is the kernel's CPU pressure: the share of time some runnable
// task waited for a CPU over the last 60 s. Other work on the machine shows
// here.
func pressure() string {
	data, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return "n/a"
	}
	for _, f := range strings.Fields(string(data)) {
		if v, ok := strings.CutPrefix(f, "avg60="); ok {
			return v + "% (some, avg60)"
		}
	}
	return "n/a"
}

func gitRev() string { return out("git", "rev-parse", "--short", "HEAD") }

func out(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

func run(name string, args ...string) {
	if b, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		fail("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/build: "+format+"\n", args...)
	os.Exit(1)
}
