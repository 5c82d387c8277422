package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/swkit/swkit/config"
	"github.com/swkit/swkit/internal/manifest"
	"github.com/swkit/swkit/internal/swgen"
)

// injectConfig checks the worker source of `swkit build --inject SRC` and
// adapts cfg to inject mode: the options that shape a generated worker are the
// source's business now (a warning says so when set), and a source that lives
// inside DIR is not precached.
func injectConfig(cfg config.Config, src, dir string, stderr io.Writer) (config.Config, error) {
	info, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("worker source %q does not exist: pass the file that imports 'swkit/sw', e.g. --inject src/sw.js", src)
	case err != nil:
		return cfg, fmt.Errorf("worker source: %w", err)
	case info.IsDir():
		return cfg, fmt.Errorf("worker source %q is a folder: pass the file itself, e.g. --inject %s", src, filepath.Join(src, "sw.js"))
	}
	if len(cfg.RuntimeCaching) > 0 || cfg.NavigateFallback != "" || cfg.SkipWaiting || cfg.ClientsClaim {
		fmt.Fprintln(stderr, "warning: runtimeCaching, navigateFallback, skipWaiting and clientsClaim are ignored with --inject: your worker source decides (registerRoute, skipWaitingOnMessage, clientsClaim)")
		cfg.RuntimeCaching, cfg.NavigateFallback, cfg.SkipWaiting, cfg.ClientsClaim = nil, "", false, false
	}
	absSrc, err1 := filepath.Abs(src)
	absDir, err2 := filepath.Abs(dir)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absDir, absSrc); err == nil && filepath.IsLocal(rel) {
			cfg.GlobIgnores = append(cfg.GlobIgnores, globEscape(filepath.ToSlash(rel)))
		}
	}
	return cfg, nil
}

// injectWorker bundles the worker source with the manifest.
func injectWorker(src string, entries []manifest.Entry) ([]byte, error) {
	dir := filepath.Dir(src)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	return swgen.Inject(swgen.InjectSource{FS: root.FS(), Entry: filepath.Base(src), Dir: filepath.ToSlash(dir)}, entries)
}

// globEscape quotes the glob metacharacters of a path (doublestar syntax).
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[]{}\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
