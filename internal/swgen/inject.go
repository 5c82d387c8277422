package swgen

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/swkit/swkit/internal/manifest"
)

// InjectBanner is the first line of a worker bundled by Inject.
const InjectBanner = "/* swkit service worker — bundled from your source by swkit build --inject, do not edit */"

// PublicModule is the specifier by which a worker source imports swkit's
// public runtime API (runtime/sw/index.js).
const PublicModule = "swkit/sw"

// ManifestPlaceholders are the expressions Inject replaces with the precache
// manifest: swkit's own, and Workbox's, so that injectManifest sources port
// over unchanged.
var ManifestPlaceholders = []string{"self.__SWKIT_MANIFEST", "self.__WB_MANIFEST"}

// ErrNoPlaceholder means the worker source never uses the manifest.
var ErrNoPlaceholder = errors.New("the worker source does not use self.__SWKIT_MANIFEST (or self.__WB_MANIFEST): pass it to precacheAndRoute")

// userNamespace is the esbuild namespace of the worker source's own modules.
const userNamespace = "swkit-user"

var placeholderRE = regexp.MustCompile(`\bself\s*\.\s*__(?:SWKIT|WB)_MANIFEST\b`)

// InjectSource names a worker source to bundle.
type InjectSource struct {
	// FS holds the source and the modules it imports with relative paths;
	// imports may not leave it.
	FS fs.FS
	// Entry is the worker source, a path in FS ("sw.js").
	Entry string
	// Dir is how messages name FS's folder ("src"); "" for none.
	Dir string
}

// Inject bundles a worker source of the user's own with swkit's runtime and
// the precache manifest (Workbox's injectManifest, with no separate bundler),
// in-process with esbuild. The source may import PublicModule ("swkit/sw")
// and, by relative paths, its own modules in src.FS; any other import is an
// error naming the file and line. Every ManifestPlaceholders expression is
// replaced with the entries, sorted by URL; a source that uses none is an
// error (ErrNoPlaceholder). Deterministic: same inputs, same bytes.
func Inject(src InjectSource, entries []manifest.Entry) ([]byte, error) {
	pre := make([]precacheEntry, len(entries))
	for i, e := range entries {
		pre[i] = precacheEntry{URL: e.URL, Revision: e.Revision, Integrity: e.Integrity}
	}
	slices.SortFunc(pre, func(a, b precacheEntry) int { return strings.Compare(a.URL, b.URL) })
	list := jsonText(pre)
	define := make(map[string]string, len(ManifestPlaceholders))
	for _, p := range ManifestPlaceholders {
		define[p] = list
	}

	entry := path.Clean(src.Entry)
	if !fs.ValidPath(entry) {
		return nil, fmt.Errorf("worker source %q: want a path inside its folder", src.Entry)
	}
	if _, err := fs.Stat(src.FS, entry); err != nil {
		return nil, fmt.Errorf("worker source %s: %w", displayName(src.Dir, entry), err)
	}
	p := &injectPlugin{src: src, entry: displayName(src.Dir, entry)}
	// No property renaming: it would reach the user's own properties too.
	// esbuild names the user's modules "swkit-user:src/sw.js"; a person
	// knows them as src/sw.js.
	file := func(f string) string { return strings.TrimPrefix(f, userNamespace+":") }
	out, err := build(p.entry, api.FormatIIFE, InjectBanner, define, "", p.plugin(), file)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", displayName(src.Dir, entry), err)
	}
	if !p.usesManifest.Load() {
		return nil, fmt.Errorf("%s: %w", displayName(src.Dir, entry), ErrNoPlaceholder)
	}
	return out, nil
}

// displayName is how messages name a path of the source folder. esbuild
// reports it as the module's path, so errors read "src/sw.js:3:8: ...".
func displayName(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return path.Join(strings.TrimSuffix(dir, "/"), name)
}

// injectPlugin resolves and loads the modules of an inject build: the user's
// from src.FS, swkit's from the embedded runtime.
type injectPlugin struct {
	src          InjectSource
	entry        string // the entry's display name
	usesManifest atomic.Bool
}

// fsPath turns a module path (as displayed) back into a path in src.FS.
func (p *injectPlugin) fsPath(display string) string {
	if p.src.Dir == "" || p.src.Dir == "." {
		return display
	}
	return strings.TrimPrefix(display, strings.TrimSuffix(p.src.Dir, "/")+"/")
}

func (p *injectPlugin) plugin() api.Plugin {
	return api.Plugin{
		Name: "swkit-inject",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, p.resolve)
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: namespace}, loadRuntime)
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: userNamespace}, p.load)
		},
	}
}

func (p *injectPlugin) resolve(args api.OnResolveArgs) (api.OnResolveResult, error) {
	switch {
	case args.Kind == api.ResolveEntryPoint:
		// Not args.Path: esbuild prefixes "./" when a file of that name
		// exists in the working directory.
		return api.OnResolveResult{Path: p.entry, Namespace: userNamespace}, nil
	case args.Namespace == namespace: // a runtime module importing another
		resolved, err := runtimeImport(args.Path, args.Importer)
		return api.OnResolveResult{Path: resolved, Namespace: namespace}, err
	case args.Path == PublicModule:
		return api.OnResolveResult{Path: "sw/index.js", Namespace: namespace}, nil
	case !strings.HasPrefix(args.Path, "./") && !strings.HasPrefix(args.Path, "../"):
		return api.OnResolveResult{}, fmt.Errorf("import %q: a worker source may import %q and its own modules by relative path (./x.js), nothing else", args.Path, PublicModule)
	}
	name := path.Join(path.Dir(p.fsPath(args.Importer)), args.Path)
	if name == ".." || strings.HasPrefix(name, "../") {
		return api.OnResolveResult{}, fmt.Errorf("import %q: leaves the worker source's folder", args.Path)
	}
	for _, candidate := range []string{name, name + ".js", name + ".mjs"} {
		if info, err := fs.Stat(p.src.FS, candidate); err == nil && !info.IsDir() {
			return api.OnResolveResult{Path: displayName(p.src.Dir, candidate), Namespace: userNamespace}, nil
		}
	}
	return api.OnResolveResult{}, fmt.Errorf("import %q: no such file %s", args.Path, displayName(p.src.Dir, name))
}

// loaders are the file types a worker source's modules may have.
var loaders = map[string]api.Loader{
	".js": api.LoaderJS, ".mjs": api.LoaderJS, ".cjs": api.LoaderJS,
	".ts": api.LoaderTS, ".mts": api.LoaderTS,
	".json": api.LoaderJSON,
}

func (p *injectPlugin) load(args api.OnLoadArgs) (api.OnLoadResult, error) {
	loader, ok := loaders[path.Ext(args.Path)]
	if !ok {
		return api.OnLoadResult{}, fmt.Errorf("%s: unsupported file type (want .js, .mjs, .ts or .json)", args.Path)
	}
	data, err := fs.ReadFile(p.src.FS, p.fsPath(args.Path))
	if err != nil {
		return api.OnLoadResult{}, err
	}
	contents := string(data)
	if loader != api.LoaderJSON && placeholderRE.MatchString(contents) {
		p.usesManifest.Store(true)
	}
	return api.OnLoadResult{Contents: &contents, Loader: loader}, nil
}
