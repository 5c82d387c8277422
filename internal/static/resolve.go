package static

import (
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is returned by [Resolve] for any URL path that cannot name a file
// the handler may serve. It matches [fs.ErrNotExist] under [errors.Is], so that
// callers treat an unsafe path exactly like a missing one.
var ErrNotFound = fmt.Errorf("static: not found: %w", fs.ErrNotExist)

const (
	// maxPathLen bounds the decoded URL path. Real sites stay far below it, and
	// a bound keeps the work per request small whatever a client sends.
	maxPathLen = 1024
	// maxSegmentLen is the common file-name limit (NAME_MAX on Linux, NTFS).
	maxSegmentLen = 255
	// indexName is served for "/" and "/dir/".
	indexName = "index.html"
	// wellKnown is the one dot-folder served, at the root only (RFC 8615):
	// ACME challenges, security.txt and app links live there.
	wellKnown = ".well-known"
)

// notFound wraps ErrNotFound with the reason, for logs and tests. The reason
// never includes the path: it may be long and it is client input.
func notFound(reason string) error {
	return fmt.Errorf("%w (%s)", ErrNotFound, reason)
}

// Resolve maps a percent-decoded URL path, as found in [net/url.URL.Path], to
// the name of a file in an [fs.FS]. It never decodes again: "%252e" arrives
// here as the literal "%2e" and stays a literal file name.
//
// "/" resolves to "index.html" and "/dir/" to "dir/index.html". Anything that
// could escape the root or reveal hidden files is rejected with an error
// wrapping [ErrNotFound]: a path not starting with "/", empty segments ("//"),
// segments starting with "." (".", "..", dotfiles and dot-folders), backslashes,
// NUL and other control characters, invalid UTF-8, a segment longer than 255
// bytes or a path longer than 1024 bytes. A nil error guarantees the result is
// an [fs.ValidPath] with no segment starting with ".", but for one exception:
// a first segment ".well-known" (RFC 8615), so that ACME challenges,
// security.txt and app-link files are served when the folder has them.
// Dotfiles and dot-folders inside it are still rejected.
//
// Resolve is purely lexical. Symbolic links are the file system's business:
// serve through [os.Root] so that none can lead outside the folder.
func Resolve(urlPath string) (string, error) {
	if urlPath == "" {
		// An absolute-form request target without a path ("GET http://host").
		urlPath = "/"
	}
	if len(urlPath) > maxPathLen {
		return "", notFound("path too long")
	}
	if urlPath[0] != '/' {
		return "", notFound("path not absolute")
	}
	if !utf8.ValidString(urlPath) {
		return "", notFound("invalid UTF-8")
	}
	p := urlPath[1:]
	if p == "" {
		return indexName, nil
	}
	dir := p[len(p)-1] == '/'
	if dir {
		p = p[:len(p)-1]
	}
	if err := checkSegments(p); err != nil {
		return "", err
	}
	if dir {
		p = p + "/" + indexName
	}
	if !fs.ValidPath(p) {
		// Unreachable after the checks above; kept as a last line of defence.
		return "", notFound("invalid path")
	}
	return p, nil
}

// checkSegments validates a slash-separated path without leading or trailing
// slash.
func checkSegments(p string) error {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			// A separator on Windows, and never needed in a URL of a static site.
			return notFound("backslash")
		case c < 0x20 || c == 0x7f:
			return notFound("control character")
		}
	}
	first := true
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return notFound("empty segment")
		case first && seg == wellKnown:
		case seg[0] == '.':
			// Covers "." and ".." as well as dotfiles and dot-folders (.git, .env).
			return notFound("dot segment")
		case len(seg) > maxSegmentLen:
			return notFound("segment too long")
		}
		first = false
	}
	return nil
}
