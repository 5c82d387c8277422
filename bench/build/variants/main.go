// Command variants times `swkit build` with single optimisations switched
// off (SWKIT_EXPERIMENT, see internal/experiment), side by side in one run:
// the simple version beside each optimisation, on each tree, for a full
// build, a rebuild after a one-file change and a no-change rebuild.
//
//	go run ./bench/build/variants -swkit bench/work/swkit -trees median,large -rounds 11
//
// Each variant works on its own copy of each tree (cp -a) with its own cache
// file. Every variant builds once before the rounds (warm page cache); the
// rounds go round-robin over the variants for each operation, and between
// operations every variant runs one unrecorded build with the cache, so
// that each recorded build starts from the state the operation names:
//
//	full      sw.js and swkit.js deleted, swkit build --no-cache
//	onefile   one line appended to a JavaScript file 60 ms before (past
//	          the cache's racy window), swkit build --cache FILE
//	nochange  right after a build with the cache, swkit build --cache FILE
//
// Times: wall-clock of the whole process, and its CPU time (user + system).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// variant is a set of switches and environment variables, for the
// -swkit binary or, with old set, the -old one.
type variant struct {
	name string
	env  []string
	old  bool
}

// newVariants compare the simple version as built (-swkit) with what it
// kept, and with the binary before (-old).
var newVariants = []variant{
	{"simple", []string{"SWKIT_EXPERIMENT=nounchanged", "GOGC=100"}, false},
	{"+ GC at 400%", []string{"SWKIT_EXPERIMENT=nounchanged"}, false},
	{"+ no-change check (os.Root)", []string{"GOGC=100"}, false},
	{"+ GC + no-change check", nil, false},
	{"before: simple (fs.WalkDir)", []string{"SWKIT_EXPERIMENT=fswalk,nounchanged,copydecode", "GOGC=100"}, true},
	{"before: raw walk + listing cache + check", []string{"SWKIT_EXPERIMENT=copydecode", "GOGC=100"}, true},
	{"before: all", nil, true},
}

var defaultVariants = []variant{
	{"simple", []string{"SWKIT_EXPERIMENT=fswalk,nounchanged,copydecode", "GOGC=100"}, false},
	{"+ GC at 400%", []string{"SWKIT_EXPERIMENT=fswalk,nounchanged,copydecode"}, false},
	{"+ unsafe cache decode", []string{"SWKIT_EXPERIMENT=fswalk,nounchanged", "GOGC=100"}, false},
	{"+ parallel os.Root walk", []string{"SWKIT_EXPERIMENT=portable,nodircache,nounchanged,copydecode", "GOGC=100"}, false},
	{"+ parallel walk, raw syscalls", []string{"SWKIT_EXPERIMENT=nodircache,nounchanged,copydecode", "GOGC=100"}, false},
	{"+ parallel os.Root walk + listing cache", []string{"SWKIT_EXPERIMENT=portable,nounchanged,copydecode", "GOGC=100"}, false},
	{"+ raw walk + listing cache", []string{"SWKIT_EXPERIMENT=nounchanged,copydecode", "GOGC=100"}, false},
	{"+ os.Root walk + listing cache + no-change check", []string{"SWKIT_EXPERIMENT=portable,copydecode", "GOGC=100"}, false},
	{"+ raw walk + listing cache + no-change check", []string{"SWKIT_EXPERIMENT=copydecode", "GOGC=100"}, false},
	{"all (before)", nil, false},
}

type sample struct{ wall, cpu time.Duration }

func main() {
	swkit := flag.String("swkit", "bench/work/swkit", "the swkit binary (built with internal/experiment)")
	work := flag.String("work", "bench/work", "work folder holding the trees")
	trees := flag.String("trees", "median,large", "trees (folders under -work)")
	rounds := flag.Int("rounds", 11, "recorded rounds")
	ops := flag.String("ops", "full,onefile,nochange", "operations")
	only := flag.String("variants", "", "comma-separated indexes into the variant list (default: all)")
	old := flag.String("old", "", "with -set new: the binary before")
	set := flag.String("set", "switches", "variant list: switches (one binary) or new (-swkit against -old)")
	flag.Parse()
	bin, err := filepath.Abs(*swkit)
	check(err)
	variants := defaultVariants
	if *set == "new" {
		variants = newVariants
	}
	oldBin, err := filepath.Abs(*old)
	check(err)
	if *only != "" {
		all := variants
		variants = nil
		for s := range strings.SplitSeq(*only, ",") {
			var i int
			fmt.Sscan(s, &i)
			variants = append(variants, all[i])
		}
	}
	fmt.Printf("# build variants\n\n- date: %s\n- swkit: %s\n- load before: %s; CPU pressure %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), bin, loadavg(), pressure())
	fmt.Println("- warm page cache (every copy built once before the rounds); medians; CPU = user + system")
	for tree := range strings.SplitSeq(*trees, ",") {
		runTree(bin, oldBin, *work, tree, *rounds, strings.Split(*ops, ","), variants)
	}
	fmt.Printf("\nload after: %s; CPU pressure %s\n", loadavg(), pressure())
}

func runTree(bin, oldBin, work, tree string, rounds int, ops []string, variants []variant) {
	src, err := filepath.Abs(filepath.Join(work, tree))
	check(err)
	base := filepath.Join(filepath.Dir(src), "variants", tree)
	check(os.RemoveAll(base))
	check(os.MkdirAll(base, 0o755))
	dirs := make([]string, len(variants))
	for i := range variants {
		dirs[i] = filepath.Join(base, fmt.Sprint(i))
		run("cp", "-a", src, dirs[i])
	}
	js := firstJS(src)
	build := func(i int, args ...string) sample {
		args = append(args, dirs[i])
		b := bin
		if variants[i].old {
			b = oldBin
		}
		cmd := exec.Command(b, append([]string{"build"}, args...)...)
		cmd.Env = append(os.Environ(), variants[i].env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fail("%s %v: %v\n%s", variants[i].name, args, err, out.String())
		}
		wall := time.Since(start)
		ps := cmd.ProcessState
		return sample{wall, ps.UserTime() + ps.SystemTime()}
	}
	cached := func(i int) sample { return build(i, "--cache", dirs[i]+".cache") }
	for i := range variants {
		cached(i)
		cached(i)
	}
	results := map[string][][]sample{}
	for _, op := range ops {
		results[op] = make([][]sample, len(variants))
	}
	for round := range rounds {
		for _, op := range ops {
			for i := range variants {
				var s sample
				switch op {
				case "full":
					for _, n := range []string{"sw.js", "swkit.js"} {
						os.Remove(filepath.Join(dirs[i], n))
					}
					s = build(i, "--no-cache")
				case "onefile":
					f, err := os.OpenFile(filepath.Join(dirs[i], js), os.O_APPEND|os.O_WRONLY, 0)
					check(err)
					fmt.Fprintf(f, "// round %d\n", round) // the same in every copy
					check(f.Close())
					time.Sleep(60 * time.Millisecond)
					s = cached(i)
				case "nochange":
					s = cached(i)
				default:
					fail("unknown op %q", op)
				}
				results[op][i] = append(results[op][i], s)
			}
			for i := range variants {
				cached(i) // settle: the next operation starts after a cached build
			}
		}
	}
	fmt.Printf("\n## %s (%s), %d rounds; one-file change: %s\n\n", tree, src, rounds, js)
	fmt.Println("| variant | " + strings.Join(ops, " wall | ") + " wall | " + strings.Join(ops, " CPU | ") + " CPU |")
	fmt.Println("| --- |" + strings.Repeat(" ---: |", 2*len(ops)))
	med := func(op string, i int, cpu bool) time.Duration {
		var ds []time.Duration
		for _, s := range results[op][i] {
			if cpu {
				ds = append(ds, s.cpu)
			} else {
				ds = append(ds, s.wall)
			}
		}
		return median(ds)
	}
	for i, v := range variants {
		row := "| " + v.name + " |"
		for _, cpu := range []bool{false, true} {
			for _, op := range ops {
				m := med(op, i, cpu)
				row += fmt.Sprintf(" %s (%.2f) |", ms(m), float64(m)/float64(med(op, 0, cpu)))
			}
		}
		fmt.Println(row)
	}
	fmt.Println("\n(×: against the first variant of the list)")
	// Every variant must write the same files.
	want := outputs(dirs[0])
	for i := range variants {
		if got := outputs(dirs[i]); got != want {
			fmt.Printf("\n**%s wrote other files than %s**: %s vs %s\n", variants[i].name, variants[0].name, got, want)
		}
	}
	fmt.Printf("\nOutputs (sw.js, swkit.js, manifest parts) identical across variants: %s\n", want[:16])
}

// outputs is a digest of the generated files in dir.
func outputs(dir string) string {
	h := sha256.New()
	names, _ := filepath.Glob(filepath.Join(dir, "swkit-manifest.*.js"))
	names = append(names, filepath.Join(dir, "sw.js"), filepath.Join(dir, "swkit.js"))
	slices.Sort(names)
	for _, n := range names {
		data, err := os.ReadFile(n)
		check(err)
		fmt.Fprintf(h, "%s %d\n", filepath.Base(n), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// firstJS is the first JavaScript file under 64 KiB in dir, by path.
func firstJS(dir string) string {
	var found string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != "" || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		if info, err := d.Info(); err == nil && info.Size() < 64<<10 {
			found, _ = filepath.Rel(dir, p)
		}
		return nil
	})
	if found == "" {
		fail("no .js file in %s", dir)
	}
	return found
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func pressure() string {
	data, _ := os.ReadFile("/proc/pressure/cpu")
	for _, f := range strings.Fields(string(data)) {
		if v, ok := strings.CutPrefix(f, "avg60="); ok {
			return v + "%"
		}
	}
	return "n/a"
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
	fmt.Fprintf(os.Stderr, "bench/build/variants: "+format+"\n", args...)
	os.Exit(1)
}
