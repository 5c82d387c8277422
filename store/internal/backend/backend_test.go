package backend

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Second), now.Add(-time.Second)
	tests := []struct {
		name string
		row  Row
		hash string
		want Action
	}{
		{"completed", Row{RequestHash: "h", Completed: true, ExpiresAt: later}, "h", Replay},
		{"completed other request", Row{RequestHash: "h", Completed: true, ExpiresAt: later}, "x", Reused},
		{"completed and expired", Row{RequestHash: "h", Completed: true, ExpiresAt: now}, "x", Replace},
		{"held", Row{RequestHash: "h", LeaseUntil: later, ExpiresAt: later}, "h", InProgress},
		{"held other request", Row{RequestHash: "h", LeaseUntil: later, ExpiresAt: later}, "x", Reused},
		{"lease over", Row{RequestHash: "h", LeaseUntil: now, ExpiresAt: later}, "h", TakeOver},
		{"lease over other request", Row{RequestHash: "h", LeaseUntil: earlier, ExpiresAt: later}, "x", Reused},
		{"expired, lease over", Row{RequestHash: "h", LeaseUntil: earlier, ExpiresAt: earlier}, "x", Replace},
		{"expired, lease running", Row{RequestHash: "h", LeaseUntil: later, ExpiresAt: earlier}, "h", InProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.row, tt.hash, now); got != tt.want {
				t.Errorf("Decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		want    []int
		wantErr string
	}{
		{"ordered", []string{"0002_b.sql", "0001_a.sql", "README.md"}, []int{1, 2}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, nil, "want version 2"},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, nil, "want version 2"},
		{"bad name", []string{"init.sql"}, nil, "NNNN_name.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			ms, err := Migrations(fsys, "m")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1] {
				t.Errorf("versions %v, want %v", got, tt.want)
			}
		})
	}
}
