package static

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// MaxRanges is the most ranges one request may ask for, Apache's MaxRanges
// default. Past it, or when two ranges overlap, the Range header is ignored
// and the whole representation is sent, as a plain GET would get it.
const MaxRanges = 200

// WithoutAbusiveRange returns r, or a copy of r without its Range header when
// that header asks for more than MaxRanges ranges or for ranges that overlap
// in a representation of size bytes. RFC 9110 §14.2 allows ignoring such a
// header: many small or overlapping ranges are how a client turns a small
// request into a large multipart response (every part repeats its headers).
// A header that does not parse is left for http.ServeContent to answer.
func WithoutAbusiveRange(r *http.Request, size int64) *http.Request {
	v := r.Header["Range"]
	if len(v) != 1 || !abusiveRange(v[0], size) {
		return r
	}
	c := new(http.Request)
	*c = *r
	c.Header = maps.Clone(r.Header)
	delete(c.Header, "Range")
	return c
}

// span is a satisfiable byte range, first and last byte included.
type span struct{ first, last int64 }

// abusiveRange reports whether the Range value h asks for more than
// MaxRanges ranges, or for two that overlap, of a representation of size
// bytes. It parses as http.ServeContent does (RFC 9110 §14.1.1), and
// reports false for anything that does not parse.
func abusiveRange(h string, size int64) bool {
	specs, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return false
	}
	var spans []span
	n := 0
	for spec := range strings.SplitSeq(specs, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		if n++; n > MaxRanges {
			return true
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return false
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		var s span
		if first == "" {
			// A suffix: the last n bytes.
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil || n < 0 {
				return false
			}
			if n == 0 || size == 0 {
				continue
			}
			s = span{max(size-n, 0), size - 1}
		} else {
			i, err := strconv.ParseInt(first, 10, 64)
			if err != nil || i < 0 {
				return false
			}
			s = span{i, size - 1}
			if last != "" {
				j, err := strconv.ParseInt(last, 10, 64)
				if err != nil || j < i {
					return false
				}
				s.last = min(j, size-1)
			}
			if i >= size {
				continue // not satisfiable: no bytes of it are sent
			}
		}
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.first, b.first) })
	for i := 1; i < len(spans); i++ {
		if spans[i].first <= spans[i-1].last {
			return true
		}
	}
	return false
}
