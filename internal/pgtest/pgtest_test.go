package pgtest

import "testing"

func TestWithDatabase(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"url", "postgres://u:p@db:5433/postgres?sslmode=disable", "postgres://u:p@db:5433/swkit_x?sslmode=disable"},
		{"url without database", "postgresql://db", "postgresql://db/swkit_x"},
		{"keywords", "host=db user=u dbname=postgres", "host=db user=u dbname=postgres dbname=swkit_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withDatabase(tt.dsn, "swkit_x")
			if err != nil || got != tt.want {
				t.Errorf("withDatabase(%q) = %q, %v; want %q", tt.dsn, got, err, tt.want)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	defer func(g string) { binGlob = g }(binGlob)
	binGlob = t.TempDir() + "/*/bin"
	t.Setenv("PATH", t.TempDir())
	_, err := Start()
	if err == nil || err.Error() != NotFound {
		t.Fatalf("Start without server binaries = %v, want %q", err, NotFound)
	}
}
