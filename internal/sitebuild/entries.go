package sitebuild

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
)

// Page is a URL to precache that the build did not find among the site's
// files: a page a Go handler rendered (swkit.Render).
type Page struct {
	// Entry's URL is a path from the site's root ("/notes").
	Entry manifest.Entry
	// Key names the page in errors ("Render(\"/notes\")").
	Key string
}

// source is an entry of the precache and where it came from, for errors
// about two entries with one URL.
type source struct {
	entry manifest.Entry
	key   string // "" for a file of the site
}

// HasExtraEntries reports whether a build of cfg precaches URLs besides the
// site's files and the page helper, which the build cache does not track.
func HasExtraEntries(cfg config.Config, pages []Page) bool {
	return len(cfg.AdditionalManifestEntries) > 0 || len(cfg.TemplatedURLs) > 0 || len(pages) > 0
}

// manifestEntries turns the walk's entries (URLs relative to the site
// folder) into the worker's manifest, as Workbox's transforms do, in order:
// modifyURLPrefix on the site's files, then every relative URL, the
// templated URLs' too, made relative to the worker's folder (swDest may sit
// in a folder of the site); then the page helper, the web app manifest and
// icons (app), additionalManifestEntries and pages, as they are. The result is sorted by URL. Two entries for one URL
// are an error naming both.
func manifestEntries(fsys fs.FS, cfg config.Config, files []manifest.Entry, helper []byte, app []source, opts Options) ([]manifest.Entry, error) {
	pages := opts.Pages
	all := make([]source, 0, len(files)+len(cfg.TemplatedURLs)+len(cfg.AdditionalManifestEntries)+len(pages)+len(app)+1)
	for _, e := range files {
		if opts.FilePrefix != "" {
			e.URL = opts.FilePrefix + strings.TrimPrefix(e.URL, "./")
		}
		e.URL = workerURL(cfg, modifyURLPrefix(cfg.ModifyURLPrefix, e.URL))
		all = append(all, source{entry: e})
	}
	templated, err := templatedEntries(fsys, cfg)
	if err != nil {
		return nil, err
	}
	all = append(all, templated...)
	h := manifest.EntryFor(PageHelperName, helper)
	h.URL = workerURL(cfg, h.URL)
	all = append(all, source{entry: h, key: "the page helper"})
	all = append(all, app...)
	for i, a := range cfg.AdditionalManifestEntries {
		all = append(all, source{
			entry: manifest.Entry{URL: a.URL, Revision: a.Revision, Integrity: a.Integrity},
			key:   "additionalManifestEntries[" + strconv.Itoa(i) + "]",
		})
	}
	for _, p := range pages {
		all = append(all, source{entry: p.Entry, key: p.Key})
	}
	if err := checkDistinct(cfg, all); err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b source) int { return strings.Compare(a.entry.URL, b.entry.URL) })
	out := make([]manifest.Entry, len(all))
	for i, s := range all {
		out[i] = s.entry
	}
	return out, nil
}

// appEntries are the precache entries of the web app manifest and icons
// (app, by path from the site's root), beside the worker like the page
// helper, in a stable order.
func appEntries(cfg config.Config, app map[string][]byte) []source {
	var out []source
	for _, name := range slices.Sorted(maps.Keys(app)) {
		e := manifest.EntryFor(name, app[name])
		e.URL = workerURL(cfg, e.URL)
		out = append(out, source{entry: e, key: "manifest"})
	}
	return out
}

// modifyURLPrefix replaces the longest prefix of u that prefixes names
// (Workbox's modifyURLPrefix; with equal lengths, the first in order).
func modifyURLPrefix(prefixes map[string]string, u string) string {
	best, found := "", false
	for p := range prefixes {
		if strings.HasPrefix(u, p) && (!found || len(p) > len(best) || len(p) == len(best) && p < best) {
			best, found = p, true
		}
	}
	if !found {
		return u
	}
	return prefixes[best] + u[len(best):]
}

// workerURL is u, a URL relative to the site's root folder, made relative
// to the folder of the worker, which resolves it; absolute URLs and paths
// stay as they are.
func workerURL(cfg config.Config, u string) string {
	dir := path.Dir(cfg.SwDest)
	if dir == "." || isAbsolute(u) {
		return u
	}
	rel := strings.TrimPrefix(u, "./")
	up := ""
	for d := dir; d != "."; d = path.Dir(d) {
		if r, ok := strings.CutPrefix(rel, d+"/"); ok {
			rel = r
			break
		}
		up += "../"
	}
	if up == "" {
		if first, _, _ := strings.Cut(rel, "/"); strings.Contains(first, ":") {
			return "./" + rel // not a scheme
		}
	}
	return up + rel
}

// isAbsolute reports whether u is an absolute URL or a path from the root.
func isAbsolute(u string) bool {
	if strings.HasPrefix(u, "/") {
		return true
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme != ""
}

// templatedEntries hashes the files of each templated URL (config
// templatedURLs): the revision follows their paths and contents.
func templatedEntries(fsys fs.FS, cfg config.Config) ([]source, error) {
	var out []source
	for _, u := range slices.Sorted(maps.Keys(cfg.TemplatedURLs)) {
		t := cfg.TemplatedURLs[u]
		key := "templatedURLs[" + strconv.Quote(u) + "]"
		h := sha256.New()
		if len(t.Files) == 0 {
			h.Write([]byte(t.Revision))
		}
		var names []string
		for _, g := range t.Files {
			matches, err := doublestar.Glob(fsys, g, doublestar.WithFilesOnly())
			if err != nil {
				return nil, &config.Error{Key: key, Msg: fmt.Sprintf("glob %q: %v", g, err), Err: err}
			}
			if len(matches) == 0 {
				return nil, &config.Error{Key: key, Msg: fmt.Sprintf("%q matches no file of the site folder", g)}
			}
			names = append(names, matches...)
		}
		slices.Sort(names)
		for _, name := range slices.Compact(names) {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, &config.Error{Key: key, Msg: fmt.Sprintf("read %s: %v", name, err), Err: err}
			}
			sum := sha256.Sum256(data)
			fmt.Fprintf(h, "%d:%s %x\n", len(name), name, sum)
		}
		rev := hex.EncodeToString(h.Sum(nil))[:16]
		out = append(out, source{
			// A server builds it: modifyURLPrefix, for files, does not apply.
			entry: manifest.Entry{URL: workerURL(cfg, u), Revision: rev},
			key:   key,
		})
	}
	return out, nil
}

// checkDistinct returns an error when two entries resolve to one URL: the
// worker could keep only one of them.
func checkDistinct(cfg config.Config, all []source) error {
	base, err := url.Parse("https://site.invalid/" + cfg.SwDest)
	if err != nil {
		return fmt.Errorf("swDest: %w", err)
	}
	seen := make(map[string]int, len(all))
	for i, s := range all {
		u, err := base.Parse(s.entry.URL)
		if err != nil {
			return &config.Error{Key: cmp.Or(s.key, "globPatterns"), Msg: fmt.Sprintf("%q is not a URL", s.entry.URL), Err: err}
		}
		u.Fragment, u.RawFragment = "", ""
		k := u.String()
		j, dup := seen[k]
		if !dup {
			seen[k] = i
			continue
		}
		a, b := all[j], s
		if a.key == "" && b.key != "" {
			a, b = b, a
		}
		what := "a file of the site"
		if b.key != "" {
			what = b.key
		}
		shown := u.Path
		if u.Host != base.Host {
			shown = k
		}
		return &config.Error{Key: cmp.Or(a.key, "modifyURLPrefix"), Msg: fmt.Sprintf("%s is also %s: precache it once", shown, what)}
	}
	return nil
}

// entryWarnings warns about additional entries without a revision: the
// worker fetches them once and never again.
func entryWarnings(cfg config.Config) []manifest.Warning {
	var out []manifest.Warning
	for i, a := range cfg.AdditionalManifestEntries {
		if a.Revision == "" && !strings.Contains(a.URL, "?") {
			out = append(out, manifest.Warning{
				Path: "additionalManifestEntries[" + strconv.Itoa(i) + "]",
				Message: fmt.Sprintf("%s has no revision: the worker fetches it once and keeps that copy until its URL changes; "+
					"give a revision, or put a version in the URL", a.URL),
			})
		}
	}
	return out
}
