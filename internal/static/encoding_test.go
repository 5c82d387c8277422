package static

import (
	"net/http"
	"strings"
	"testing"
)

func codingNames(h http.Header) string {
	cs, n := acceptedCodings(h)
	var names []string
	for _, c := range cs[:n] {
		names = append(names, c.name[0])
	}
	return strings.Join(names, ",")
}

func TestAcceptedCodings(t *testing.T) {
	tests := []struct {
		name   string
		values []string // nil: no header
		want   string
	}{
		{"absent", nil, ""},
		{"empty", []string{""}, ""},
		{"browser", []string{"gzip, deflate, br, zstd"}, "br,gzip"},
		{"gzip only", []string{"gzip"}, "gzip"},
		{"q order", []string{"br;q=0.2, gzip;q=0.9"}, "gzip,br"},
		{"tie prefers br", []string{"gzip;q=0.5, br;q=0.5"}, "br,gzip"},
		{"q zero", []string{"br;q=0, gzip;q=0.0"}, ""},
		{"q zero point zeros", []string{"br;q=0.000"}, ""},
		{"q one point zeros", []string{"br;q=1.000"}, "br"},
		{"q too precise", []string{"br;q=0.0001, gzip"}, "gzip"},
		{"q over one", []string{"br;q=1.001, gzip"}, "gzip"},
		{"q malformed", []string{"br;q=, gzip;q=x"}, ""},
		{"spaces", []string{" br ; q=0.8 ,gzip ; q=0.9 "}, "gzip,br"},
		{"star", []string{"*"}, "br,gzip"},
		{"star zero", []string{"*;q=0"}, ""},
		{"star zero named wins", []string{"*;q=0, gzip"}, "gzip"},
		{"named zero star one", []string{"br;q=0, *"}, "gzip"},
		{"x-gzip", []string{"x-gzip"}, "gzip"},
		{"case", []string{"BR, GZip"}, "br,gzip"},
		{"two lines", []string{"gzip", "br"}, "br,gzip"},
		{"identity only", []string{"identity"}, ""},
		{"other params", []string{"br;level=5;q=0.5, gzip;q=0.4"}, "br,gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.values != nil {
				h["Accept-Encoding"] = tt.values
			}
			if got := codingNames(h); got != tt.want {
				t.Errorf("acceptedCodings(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func FuzzAcceptedCodings(f *testing.F) {
	for _, s := range []string{"gzip, br", "br;q=0.5", "*;q=0", "gzip;q=1.000", ";;;,,,=q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := codingNames(http.Header{"Accept-Encoding": {v}})
		switch got {
		case "", "br", "gzip", "br,gzip", "gzip,br":
		default:
			t.Fatalf("acceptedCodings(%q) = %q", v, got)
		}
		q, ok := parseQ(v)
		if ok && (q < 0 || q > 1000) {
			t.Fatalf("parseQ(%q) = %d", v, q)
		}
	})
}
