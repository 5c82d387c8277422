package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/swkit/swkit/store"
)

// settings is the settings part of a backend (swkit demo's VAPID keys).
type settings interface {
	InitSetting(ctx context.Context, name, value string) (string, error)
}

// testSettings: the first value stored under a name stays, also when two
// stores (two processes) store one at once, and across a reopen.
func testSettings(t *testing.T, newDB NewDB) {
	open := newDB(t)
	ctx := context.Background()
	var stores [2]settings
	for i := range stores {
		s, err := open(t, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st, ok := s.(settings)
		if !ok {
			t.Fatalf("%T has no InitSetting", s)
		}
		stores[i] = st
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = stores[i%2].InitSetting(ctx, "k", fmt.Sprint("v", i)) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("InitSetting %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("InitSetting answers %q and %q: two writers both won", got[0], got[i])
		}
	}
	again, err := open(t, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := again.(settings).InitSetting(ctx, "k", "later"); err != nil || v != got[0] {
		t.Errorf("after reopening: %q, %v; want %q", v, err, got[0])
	}
	if v, err := again.(settings).InitSetting(ctx, "other", "x"); err != nil || v != "x" {
		t.Errorf("another name: %q, %v; want x", v, err)
	}
}
