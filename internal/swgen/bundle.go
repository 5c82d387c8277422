package swgen

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	swruntime "github.com/swkit/swkit/runtime"
)

// entryPath names the in-memory entry module inside the runtime namespace. It
// sits at the root, so "./sw/sw.js" resolves to the embedded runtime file.
const entryPath = "swkit-entry.js"

// namespace is the esbuild namespace of every module swgen bundles.
const namespace = "swkit"

// internalProps matches the properties that the runtime uses only inside one
// bundle (a trailing "_", such as maxAge_): esbuild renames them to short
// names. Data that leaves the bundle (IndexedDB records, messages, options
// of the public API) never uses such names.
const internalProps = "_$"

// bundle runs esbuild in-process on entry (a module path inside the embedded
// runtime, or entryPath with source as its contents). Every import must
// resolve inside the embedded runtime: nothing is read from disk. Internal
// properties are renamed (see internalProps).
func bundle(entry, source string, format api.Format, banner string) ([]byte, error) {
	out, err := build(entry, format, banner, nil, internalProps, runtimeOnly(source), nil)
	if err != nil {
		return nil, fmt.Errorf("bundling the runtime: %w", err)
	}
	return out, nil
}

// build runs esbuild in-process with swgen's fixed output options: one
// minified file, no legal comments, the banner first. The plugin resolves and
// loads every module. mangleProps, unless empty, is a regular expression of
// the property names to shorten (esbuild's MangleProps).
// Errors are *SourceError values (errors.Join), their files named by file.
func build(entry string, format api.Format, banner string, define map[string]string, mangleProps string, plugin api.Plugin, file func(string) string) ([]byte, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{entry},
		Bundle:            true,
		Write:             false,
		Format:            format,
		Target:            api.ES2020,
		Platform:          api.PlatformBrowser,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsNone,
		Charset:           api.CharsetUTF8,
		Banner:            map[string]string{"js": banner},
		Define:            define,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{plugin},
		MangleProps:       mangleProps,
	})
	if len(res.Errors) > 0 {
		return nil, buildError(res.Errors, file)
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("esbuild wrote %d files, want 1", len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// runtimeOnly is the esbuild plugin that serves modules from swruntime.FS and
// the generated entry from memory, and refuses everything else.
func runtimeOnly(entrySource string) api.Plugin {
	return api.Plugin{
		Name: "swkit-runtime",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				p := args.Path
				if args.Kind != api.ResolveEntryPoint {
					var err error
					if p, err = runtimeImport(args.Path, args.Importer); err != nil {
						return api.OnResolveResult{}, err
					}
				} else if p != entryPath {
					if _, err := fs.Stat(swruntime.FS, p); err != nil {
						return api.OnResolveResult{}, fmt.Errorf("import %q: no such runtime module", args.Path)
					}
				}
				return api.OnResolveResult{Path: p, Namespace: namespace}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: namespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				if args.Path == entryPath {
					return api.OnLoadResult{Contents: &entrySource, Loader: api.LoaderJS}, nil
				}
				return loadRuntime(args)
			})
		},
	}
}

// runtimeImport resolves an import made by a runtime module (importer, a path
// in swruntime.FS): only relative paths to other runtime modules.
func runtimeImport(p, importer string) (string, error) {
	if !strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("import %q: only relative imports of runtime modules are allowed", p)
	}
	resolved := path.Join(path.Dir(importer), p)
	if _, err := fs.Stat(swruntime.FS, resolved); err != nil {
		return "", fmt.Errorf("import %q: no such runtime module", p)
	}
	return resolved, nil
}

// loadRuntime loads a module of swruntime.FS.
func loadRuntime(args api.OnLoadArgs) (api.OnLoadResult, error) {
	data, err := fs.ReadFile(swruntime.FS, args.Path)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	contents := string(data)
	return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
}

// SourceError is a problem esbuild found in a JavaScript module: a syntax
// error, an import that is not allowed. File is the module as a person
// knows it ("src/sw.js"), Line and Column count from 1.
type SourceError struct {
	File         string
	Line, Column int
	Text         string
	LineText     string // the line of source at fault
}

func (e *SourceError) Error() string {
	if e.File == "" {
		return e.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s\n\t%s", e.File, e.Line, e.Column, e.Text, e.LineText)
}

// buildError is esbuild's errors as *SourceError values, joined; file
// renames the modules' paths for people (nil: as esbuild has them).
func buildError(msgs []api.Message, file func(string) string) error {
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		e := &SourceError{Text: m.Text}
		if l := m.Location; l != nil {
			e.File, e.Line, e.Column, e.LineText = l.File, l.Line, l.Column+1, l.LineText
			if file != nil {
				e.File = file(e.File)
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}
