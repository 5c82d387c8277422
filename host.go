package swkit

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/swkit/swkit/internal/hosting"
	"github.com/swkit/swkit/internal/manifest"
)

// Hosts are the static hosts [HostHeaders] writes for: "netlify",
// "cloudflare" (a _headers file in the site folder), "nginx" and "caddy" (a
// snippet for the server's configuration).
var Hosts = slices.Clone(hosting.Hosts)

// HostHeaders returns the file that gives a static host the caching rules
// of [New] and swkit serve for the site in fsys built with cfg: the worker,
// HTML and the web app manifest no-cache, fingerprinted names (cfg's
// DontCacheBustURLsMatching) immutable for a year, cfg.Server's headers
// and X-Content-Type-Options on every response, Service-Worker-Allowed with
// the worker, and (nginx, Caddy) the same types, precompressed siblings,
// Vary: Accept-Encoding, and 404 for dotfiles and swkit.json.
//
// For netlify and cloudflare it is _headers, which names fingerprinted
// files (by folder where a folder holds nothing else), so write it again
// after each build; the nginx and Caddy snippets match names by regular
// expression and change only with cfg. What static hosts cannot do alike:
// their ETags come from size and time, not content, and nginx and Caddy
// send Last-Modified too. See docs/deploy.md.
func HostHeaders(fsys fs.FS, cfg Config, host string) ([]byte, []Warning, error) {
	cfg, err := checked(cfg)
	if err != nil {
		return nil, nil, err
	}
	return hostHeaders(fsys, cfg, host, []string{ConfigFile})
}

func hostHeaders(fsys fs.FS, cfg Config, host string, hidden []string) ([]byte, []Warning, error) {
	isHashed := manifest.DefaultHashedName
	if cfg.DontCacheBustURLsMatching != "" {
		isHashed = regexp.MustCompile(cfg.DontCacheBustURLsMatching).MatchString // validated
	}
	site := hosting.Site{
		SwDest: cfg.SwDest, Headers: cfg.Server.ResponseHeaders(), ServiceWorkerAllowed: cfg.Server.ServiceWorkerAllowed,
		Hashed: cfg.DontCacheBustURLsMatching, Hidden: hidden, IsHashed: isHashed,
	}
	if host == hosting.Netlify || host == hosting.Cloudflare {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case p != "." && strings.HasPrefix(d.Name(), "."):
				if d.IsDir() {
					return fs.SkipDir
				}
			case d.Type().IsRegular() && !slices.Contains(hidden, p):
				site.Files = append(site.Files, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("list files for %s: %w", host, err)
		}
	}
	data, warns, err := hosting.Generate(host, site)
	if err != nil {
		return nil, nil, err
	}
	return data, warnings(warns), nil
}

// Precompress writes a .br (brotli, best quality) and a .gz (gzip, best
// compression) sibling beside every compressible file of the folder dir
// (the types swkit serve compresses: HTML, CSS, JavaScript, JSON, SVG,
// wasm, ...) whose compressed form is smaller, and removes siblings it
// wrote for files that are gone; it returns how many it wrote. Dotfiles and
// the build inputs in opts are left alone. The same content always gives
// the same bytes.
//
// A sibling already there is kept when it decompresses to its file's
// content, whoever made it, and replaced when swkit made it; a stale one
// that swkit did not make is an error wrapping [ErrNotOurs], and nothing is
// written. It never overwrites a file that is not a sibling.
func Precompress(dir string, opts DirOptions) (int, error) {
	d, err := openDir(dir, Config{}, opts, nil)
	if err != nil {
		return 0, err
	}
	defer d.root.Close()
	return d.precompress()
}

func (d *siteDir) precompress() (int, error) {
	res, err := hosting.Precompress(d.root, d.hidden)
	return res.Written, err
}

// deploy writes what opts ask for beside the build: the host's headers
// file, then the precompressed siblings (of that file too, and of the
// generated files).
func (d *siteDir) deploy(cfg Config, r *Result) error {
	if host := d.opts.Headers; host != "" {
		data, warns, err := hostHeaders(d.root.FS(), cfg, host, d.hidden)
		if err != nil {
			return err
		}
		r.Warnings = append(r.Warnings, warns...)
		name := d.opts.HeadersFile // WriteDir set the default
		if err := writeGenerated(name, data); err != nil {
			return err
		}
		r.HeadersFile = name
	}
	if d.opts.Precompress {
		n, err := d.precompress()
		if err != nil {
			return err
		}
		r.Precompressed = n
	}
	return nil
}
