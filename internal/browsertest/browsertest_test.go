package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, "<!doctype html><title>hello</title><p>hi")
}

func TestServerStopStartKeepsPort(t *testing.T) {
	srv := NewServer(t, http.HandlerFunc(hello))
	before := srv.URL("/")
	get := func() error {
		res, err := http.Get(srv.URL("/x"))
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := get(); err == nil {
		t.Fatal("a stopped server answered")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	if srv.URL("/") != before {
		t.Errorf("URL changed from %s to %s", before, srv.URL("/"))
	}
	if got := srv.Counts(nil)["/x"]; got != 2 {
		t.Errorf("hits of /x = %d, want 2", got)
	}
}

func TestTabNavigatesAndRecords(t *testing.T) {
	srv := NewServer(t, http.HandlerFunc(hello))
	tab := Shared(t).NewTab(t)
	rec := tab.RecordNetwork()
	tab.Navigate(srv.URL("/"))
	if got := Eval[string](tab, "document.title"); got != "hello" {
		t.Errorf("title = %q, want hello", got)
	}
	if reg := tab.Registration(); reg.Found || reg.Controller {
		t.Errorf("registration = %+v, want none", reg)
	}
	found := false
	for _, r := range rec.Responses() {
		found = found || (r.URL == srv.URL("/") && r.Status == 200 && !r.FromServiceWorker)
	}
	if !found {
		t.Errorf("no network response recorded for %s: %+v", srv.URL("/"), rec.Responses())
	}
	if dest := srv.Hits()[0].Dest; dest != "document" {
		t.Errorf("Sec-Fetch-Dest of the navigation = %q, want document", dest)
	}
}

func TestRestartKeepsProfile(t *testing.T) {
	srv := NewServer(t, http.HandlerFunc(hello))
	b := New(t)
	tab := b.NewTab(t)
	tab.Navigate(srv.URL("/"))
	Eval[bool](tab, `caches.open('kept').then(() => true)`)
	if err := b.Restart(true); err != nil {
		t.Fatal(err)
	}
	tab = b.NewTab(t)
	tab.Navigate(srv.URL("/"))
	names := tab.CacheNames()
	if len(names) != 1 || names[0] != "kept" {
		t.Errorf("caches after a SIGKILL and restart = %v, want [kept]", names)
	}
}

// TestEnginesRunScripts checks each engine's client: navigate, evaluate a
// promise's value, reload, report a thrown error, and two tabs of one
// engine sharing storage.
func TestEnginesRunScripts(t *testing.T) {
	Engines(t, func(t *testing.T, e *Engine) {
		srv := NewServer(t, http.HandlerFunc(hello))
		tab := e.NewTab(t)
		tab.Navigate(srv.URL("/"))
		if got := Eval[string](tab, "document.title"); got != "hello" {
			t.Errorf("title = %q, want hello", got)
		}
		type obj struct {
			N int      `json:"n"`
			S []string `json:"s"`
		}
		if got := Eval[obj](tab, `new Promise((resolve) => setTimeout(() => resolve({ n: 2, s: ['a'] }), 10))`); got.N != 2 || len(got.S) != 1 {
			t.Errorf("promise value = %+v", got)
		}
		Eval[bool](tab, `(localStorage.mark = 'kept', true)`)
		tab.Reload()
		if got := Eval[string](tab, "localStorage.mark"); got != "kept" {
			t.Errorf("after reload, localStorage.mark = %q", got)
		}
		if _, err := evaluate[bool](tab, `Promise.reject(new Error('boom'))`); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("a rejected promise evaluated to error %v, want one saying boom", err)
		}
		other := e.NewTab(t)
		other.Navigate(srv.URL("/"))
		if got := Eval[string](other, "localStorage.mark"); got != "kept" {
			t.Errorf("a second tab reads localStorage.mark = %q, want the first tab's", got)
		}
		if got := Eval[string](tab, "location.pathname"); got != "/" {
			t.Errorf("the first tab is at %q", got)
		}
		if n := srv.Counts(nil)["/"]; n != 3 {
			t.Errorf("the server saw / %d times, want 3", n)
		}
	})
}
