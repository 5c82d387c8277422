package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/store"
)

// BenchmarkClaimComplete is one keyed request's store work, a claim and
// its completion (two write transactions), under each synchronous setting.
// Run it on a real disk: on tmpfs a sync costs nothing.
//
//	go test -run '^$' -bench ClaimComplete -benchtime 2000x -count 5 ./store/sqlite/
func BenchmarkClaimComplete(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			old := synchronous
			synchronous = mode
			defer func() { synchronous = old }()
			s, err := Open(b.Context(), filepath.Join(b.TempDir(), "swkit.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			resp := idempotency.Response{Status: 201, Body: []byte(`{"id":1}`)}
			b.ResetTimer()
			for i := range b.N {
				c, err := s.BeginIdempotent(b.Context(), fmt.Sprint("key-", i), "hash", time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Complete(b.Context(), c, resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
