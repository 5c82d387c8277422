package demo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swkit/swkit/idempotency"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestVotesBodyLimit: the votes route's own limit applies before its
// handler, in the idempotency middleware: a body over it is answered 413
// after reading at most the limit and a byte, whether its length is
// announced or not.
func TestVotesBodyLimit(t *testing.T) {
	d, err := New(Options{DB: filepath.Join(t.TempDir(), "demo.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, announced := range []bool{true, false} {
		body := &countingReader{r: strings.NewReader(`{"cat":1,"note":"` + strings.Repeat("x", 1<<20) + `"}`)}
		r := httptest.NewRequest("POST", VotesPath, body)
		if !announced {
			r.ContentLength = -1
		}
		r.Header.Set(idempotency.HeaderKey, "k-limit")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		d.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("announced %v: status %d, want 413", announced, w.Code)
		}
		if body.n > maxVoteBody+1 {
			t.Errorf("announced %v: %d bytes read, want at most %d", announced, body.n, maxVoteBody+1)
		}
	}
	// A vote within the limit still counts.
	r := httptest.NewRequest("POST", VotesPath, strings.NewReader(`{"cat":3,"note":"`+strings.Repeat("é", maxNote)+`"}`))
	r.Header.Set(idempotency.HeaderKey, "k-ok")
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	d.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Errorf("a vote with the longest note: %d %s", w.Code, w.Body)
	}
}
