package idempotency

import (
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		name    string
		values  []string
		want    string
		wantOK  bool
		wantErr error
	}{
		{name: "absent", values: nil},
		{name: "plain uuid", values: []string{"8e03978e-40d5-43e8-bc93-6894a57f9324"}, want: "8e03978e-40d5-43e8-bc93-6894a57f9324", wantOK: true},
		{name: "quoted", values: []string{`"8e03978e-40d5"`}, want: "8e03978e-40d5", wantOK: true},
		{name: "quoted with space", values: []string{`"a b"`}, want: "a b", wantOK: true},
		{name: "quoted with escapes", values: []string{`"a\"b\\c"`}, want: `a"b\c`, wantOK: true},
		{name: "plain punctuation", values: []string{`a:b/c=d`}, want: "a:b/c=d", wantOK: true},
		{name: "one char", values: []string{"x"}, want: "x", wantOK: true},
		{name: "255 chars", values: []string{strings.Repeat("k", 255)}, want: strings.Repeat("k", 255), wantOK: true},
		{name: "255 chars quoted", values: []string{`"` + strings.Repeat("k", 255) + `"`}, want: strings.Repeat("k", 255), wantOK: true},
		{name: "empty", values: []string{""}, wantOK: true, wantErr: errKeyEmpty},
		{name: "empty quoted", values: []string{`""`}, wantOK: true, wantErr: errKeyEmpty},
		{name: "256 chars", values: []string{strings.Repeat("k", 256)}, wantOK: true, wantErr: errKeyLong},
		{name: "256 chars quoted", values: []string{`"` + strings.Repeat("k", 256) + `"`}, wantOK: true, wantErr: errKeyLong},
		{name: "plain with space", values: []string{"a b"}, wantOK: true, wantErr: errKeyChar},
		{name: "list", values: []string{"a, b"}, wantOK: true, wantErr: errKeyChar},
		{name: "non-ASCII", values: []string{"clé"}, wantOK: true, wantErr: errKeyChar},
		{name: "control", values: []string{"a\x01"}, wantOK: true, wantErr: errKeyChar},
		{name: "quoted tab", values: []string{"\"a\tb\""}, wantOK: true, wantErr: errKeyChar},
		{name: "unterminated", values: []string{`"abc`}, wantOK: true, wantErr: errKeyQuote},
		{name: "lone quote", values: []string{`"`}, wantOK: true, wantErr: errKeyQuote},
		{name: "parameters", values: []string{`"abc";p=1`}, wantOK: true, wantErr: errKeyQuote},
		{name: "bad escape", values: []string{`"a\nb"`}, wantOK: true, wantErr: errKeyQuote},
		{name: "trailing backslash", values: []string{`"a\`}, wantOK: true, wantErr: errKeyQuote},
		{name: "two headers", values: []string{"a", "b"}, wantOK: true, wantErr: errKeyTooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := parseKey(tt.values)
			if got != tt.want || ok != tt.wantOK || err != tt.wantErr {
				t.Errorf("parseKey(%q) = %q, %v, %v; want %q, %v, %v", tt.values, got, ok, err, tt.want, tt.wantOK, tt.wantErr)
			}
		})
	}
}

func TestRequestHash(t *testing.T) {
	base := requestHash("POST", "POST /api", "application/json", []byte(`{"a":1}`))
	tests := []struct {
		name string
		hash string
		same bool
	}{
		{"identical", requestHash("POST", "POST /api", "application/json", []byte(`{"a":1}`)), true},
		{"method", requestHash("PUT", "POST /api", "application/json", []byte(`{"a":1}`)), false},
		{"scope", requestHash("POST", "POST /api/x", "application/json", []byte(`{"a":1}`)), false},
		{"content type", requestHash("POST", "POST /api", "text/plain", []byte(`{"a":1}`)), false},
		{"body", requestHash("POST", "POST /api", "application/json", []byte(`{"a":2}`)), false},
		// Without length prefixes these two would hash the same bytes.
		{"field boundary", requestHash("POST", "POST /api", "application/json{", []byte(`"a":1}`)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.hash == base; got != tt.same {
				t.Errorf("same hash = %v, want %v", got, tt.same)
			}
		})
	}
}
