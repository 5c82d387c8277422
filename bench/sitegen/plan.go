package main

import (
	"fmt"
	"maps"
	"math/bits"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
)

type options struct {
	Files         int
	Size          int64
	Out           string
	Seed          uint64
	ServeFixtures bool
}

// kind is a type of file with its share of the files and its typical size.
type kind struct {
	ext     string
	percent int   // share of the files
	mean    int64 // relative typical size in bytes, before scaling to -size
	hashed  bool  // may carry a fingerprint in its name
	text    bool
}

var kinds = []kind{
	{ext: "html", percent: 12, mean: 14_000},
	{ext: "css", percent: 8, mean: 22_000, hashed: true, text: true},
	{ext: "js", percent: 19, mean: 38_000, hashed: true, text: true},
	{ext: "map", percent: 4, mean: 90_000, hashed: true, text: true},
	{ext: "json", percent: 7, mean: 6_000, text: true},
	{ext: "svg", percent: 10, mean: 4_000, hashed: true, text: true},
	{ext: "png", percent: 12, mean: 60_000, hashed: true},
	{ext: "jpg", percent: 14, mean: 95_000, hashed: true},
	{ext: "webp", percent: 7, mean: 45_000, hashed: true},
	{ext: "gif", percent: 2, mean: 25_000},
	{ext: "woff2", percent: 5, mean: 30_000, hashed: true},
}

func init() {
	sum := 0
	for i := range kinds {
		if kinds[i].ext == "html" {
			kinds[i].text = true
		}
		sum += kinds[i].percent
	}
	if sum != 100 {
		panic(fmt.Sprint("kinds add up to ", sum, "%"))
	}
}

// spread is the lognormal distribution (sigma 1, mean about 1) at 32
// quantiles, in thousandths: file sizes of one type vary over two orders of
// magnitude. A table keeps the sizes free of floating point, so they are the
// same on every machine.
var spread = [32]int64{70, 114, 147, 177, 206, 235, 264, 294, 324, 356, 389, 423, 459, 498, 539, 583,
	631, 682, 739, 801, 869, 947, 1034, 1134, 1252, 1392, 1563, 1782, 2075, 2504, 3241, 5227}

const (
	minFileSize = 64                 // room for every header and trailer
	bigLimit    = 2 << 20            // Workbox's and swkit's default maximumFileSizeToCacheInBytes
	regularMax  = bigLimit - 4096    // ordinary files stay clearly below the limit
	bigMin      = bigLimit + 64<<10  // the big ones clearly above it
	bigMax      = bigLimit + 1<<20   // and at most 3 MiB
	fingerprint = 20                 // percent of hashable files (most types) with a fingerprint: about 15% of all
	maxDepth    = 4                  // folders below the root
	dirsPerFile = 12                 // about one folder per 12 files
	fixturePage = 10 << 10           // bench/serve's page
	fixtureJPEG = 100 << 10          // bench/serve's image
	fixtureRoot = "bench-page.html"  // names at the root, for bench/serve
	fixtureImg  = "bench-photo.jpg"  //
	bigEvery    = 2000               // one file over 2 MiB per 2000 files, at least 2
	indexShare  = 30                 // percent of folders with an index.html
	seedLayout  = 0x73776b6974736974 // "swkitsit": the layout stream, apart from the seed
)

// file is one planned file.
type file struct {
	path   string // slash-separated, relative to the root
	kind   *kind
	size   int64
	seed   uint64 // its content's generator
	hashed bool   // fingerprinted name
	big    bool
	weight int64 // relative size before scaling
}

type plan struct {
	dirs  []string
	files []*file
}

var dirWords = []string{
	"assets", "static", "img", "images", "css", "js", "fonts", "blog", "docs", "data",
	"vendor", "media", "icons", "about", "products", "posts", "2023", "2024", "guides",
	"chunks", "lib", "components", "pages", "api", "shop", "help", "news", "team",
	"legal", "gallery", "thumbs", "en", "fr", "de", "v2", "build", "dist", "ui",
}

var fileWords = []string{
	"app", "main", "index", "vendor", "runtime", "polyfills", "header", "footer", "nav",
	"button", "card", "modal", "chart", "table", "form", "search", "cart", "checkout",
	"profile", "settings", "dashboard", "hero", "banner", "logo", "avatar", "photo",
	"product", "gallery", "slider", "tooltip", "menu", "sidebar", "layout", "theme",
	"icons", "utils", "store", "router", "auth", "analytics", "article", "comment",
	"feed", "map", "calendar", "invoice", "report", "team", "contact", "pricing",
}

// newPlan lays out the tree: folders, names, kinds and sizes.
func newPlan(o options) (*plan, error) {
	if o.Files < 1 {
		return nil, fmt.Errorf("-files must be at least 1")
	}
	if o.Size < int64(o.Files)*minFileSize {
		return nil, fmt.Errorf("-size %d is too small for %d files (at least %d bytes each)", o.Size, o.Files, minFileSize)
	}
	r := rand.New(rand.NewPCG(o.Seed, seedLayout))
	p := &plan{dirs: []string{""}}

	// Folders: each a child of an earlier one, at most maxDepth deep.
	taken := map[string]bool{"": true}
	for len(p.dirs) < max(2, o.Files/dirsPerFile) {
		parent := p.dirs[r.IntN(len(p.dirs))]
		if depth(parent) >= maxDepth {
			continue
		}
		name := dirWords[r.IntN(len(dirWords))]
		if r.IntN(4) == 0 {
			name += "-" + strconv.Itoa(r.IntN(100))
		}
		d := path.Join(parent, name)
		if taken[d] {
			continue
		}
		taken[d] = true
		p.dirs = append(p.dirs, d)
	}

	names := map[string]bool{}
	add := func(f *file) {
		names[f.path] = true
		f.seed = r.Uint64()
		p.files = append(p.files, f)
	}
	htmlKind := &kinds[0]
	add(&file{path: "index.html", kind: htmlKind})

	// The few big files: a vendor bundle and large photos.
	nBig := max(2, o.Files/bigEvery)
	for nBig > 0 && int64(nBig)*bigMax > o.Size/2 {
		nBig--
	}
	for i := range nBig {
		k, name := kindByExt("jpg"), fmt.Sprintf("media/poster-%d.jpg", i+1)
		if i == 0 {
			k, name = kindByExt("js"), "vendor/bundle.full.js"
		}
		add(&file{path: name, kind: k, big: true, size: bigMin + r.Int64N(bigMax-bigMin)})
	}
	if o.ServeFixtures {
		add(&file{path: fixtureRoot, kind: htmlKind, size: fixturePage})
		add(&file{path: fixtureImg, kind: kindByExt("jpg"), size: fixtureJPEG})
	}

	// index.html in some folders.
	for _, d := range p.dirs[1:] {
		if len(p.files) < o.Files && r.IntN(100) < indexShare {
			add(&file{path: d + "/index.html", kind: htmlKind})
		}
	}

	// The rest.
	for i := 0; len(p.files) < o.Files; i++ {
		k := pickKind(r)
		dir := p.dirs[r.IntN(len(p.dirs))]
		f := &file{kind: k}
		for {
			base := fileWords[r.IntN(len(fileWords))]
			if k.hashed && r.IntN(100) < fingerprint {
				f.hashed = true
				f.path = path.Join(dir, base+fingerprintSuffix(r)+"."+k.ext)
			} else {
				f.path = path.Join(dir, base+"-"+strconv.Itoa(i)+"."+k.ext)
			}
			if !names[f.path] && !taken[f.path] {
				break
			}
		}
		add(f)
	}
	if err := p.sizeFiles(r, o); err != nil {
		return nil, err
	}
	// Folders that hold files (or are on the way to one) are created; the
	// others are left out, so every folder in the tree is non-empty.
	used := map[string]bool{}
	for _, f := range p.files {
		for d := path.Dir(f.path); d != "."; d = path.Dir(d) {
			used[d] = true
		}
	}
	p.dirs = slices.Sorted(maps.Keys(used))
	return p, nil
}

func depth(d string) int {
	if d == "" {
		return 0
	}
	n := 1
	for _, c := range d {
		if c == '/' {
			n++
		}
	}
	return n
}

func kindByExt(ext string) *kind {
	for i := range kinds {
		if kinds[i].ext == ext {
			return &kinds[i]
		}
	}
	panic("no kind " + ext)
}

func pickKind(r *rand.Rand) *kind {
	n := r.IntN(100)
	for i := range kinds {
		if n < kinds[i].percent {
			return &kinds[i]
		}
		n -= kinds[i].percent
	}
	panic("unreachable")
}

const (
	hexDigits = "0123456789abcdef"
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// fingerprintSuffix returns a bundler-style content hash with its separator:
// ".3f9a1c2b" (webpack, Parcel), ".3f9a1c2b5d7e9f1a2b3c" (webpack
// contenthash:20), or "-BfK2x9Qa" (Vite, Rollup). Each has what swkit's rule
// for fingerprints needs: hex with a digit and a letter, or 8 characters
// with an uppercase letter and a digit.
func fingerprintSuffix(r *rand.Rand) string {
	switch r.IntN(3) {
	case 0, 1:
		n := 8
		if r.IntN(2) == 0 {
			n = 20
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = hexDigits[r.IntN(16)]
		}
		b[0] = hexDigits[r.IntN(10)]   // a digit
		b[1] = hexDigits[10+r.IntN(6)] // a letter
		return "." + string(b)
	default:
		b := make([]byte, 8)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		b[2] = alnum[r.IntN(26)]    // an uppercase letter
		b[5] = alnum[52+r.IntN(10)] // a digit
		return "-" + string(b)
	}
}

// sizeFiles gives every file that has no size yet one drawn from its kind's
// distribution, scaled so that all sizes add up to o.Size exactly, each
// within [minFileSize, regularMax]. Integers only.
func (p *plan) sizeFiles(r *rand.Rand, o options) error {
	var fixed int64
	var free []*file
	for _, f := range p.files {
		if f.size > 0 {
			fixed += f.size
			continue
		}
		f.weight = f.kind.mean * spread[r.IntN(len(spread))]
		free = append(free, f)
	}
	budget := o.Size - fixed
	if len(free) == 0 {
		return nil
	}
	if budget < int64(len(free))*minFileSize || budget > int64(len(free))*regularMax {
		return fmt.Errorf("-size %d cannot be spread over %d files (each %d..%d bytes, plus %d in fixed files)",
			o.Size, len(free), minFileSize, regularMax, fixed)
	}
	// Scale the free files to the budget left by the clamped ones, clamp,
	// and repeat until nothing new is clamped.
	clamped := map[*file]bool{}
	for range 50 {
		var rest, sumW int64 = budget, 0
		for _, f := range free {
			if clamped[f] {
				rest -= f.size
			} else {
				sumW += f.weight
			}
		}
		changed := false
		for _, f := range free {
			if clamped[f] {
				continue
			}
			f.size = mulDiv(f.weight, rest, sumW)
			switch {
			case f.size > regularMax:
				f.size, clamped[f], changed = regularMax, true, true
			case f.size < minFileSize:
				f.size, clamped[f], changed = minFileSize, true, true
			}
		}
		if !changed {
			break
		}
	}
	// Rounding: hand out what is left (fewer bytes than files) one by one.
	var sum int64
	for _, f := range free {
		sum += f.size
	}
	for i := 0; sum != budget; i = (i + 1) % len(free) {
		f := free[i]
		switch {
		case sum < budget && f.size < regularMax:
			f.size++
			sum++
		case sum > budget && f.size > minFileSize:
			f.size--
			sum--
		}
	}
	return nil
}

// mulDiv returns a*b/c without overflow (a, b, c > 0, result fits).
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
