package idempotency

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder(t *testing.T) {
	tests := []struct {
		name           string
		handler        func(w http.ResponseWriter)
		wantStatus     int
		wantBody       string
		wantOverflowed bool
		wantPassed     string // what reached the underlying writer before the handler returned
	}{
		{
			name:       "nothing written",
			handler:    func(w http.ResponseWriter) {},
			wantStatus: 200,
		},
		{
			name:       "body only",
			handler:    func(w http.ResponseWriter) { w.Write([]byte("abc")) },
			wantStatus: 200, wantBody: "abc",
		},
		{
			name: "second WriteHeader ignored",
			handler: func(w http.ResponseWriter) {
				w.WriteHeader(201)
				w.WriteHeader(500)
				w.Write([]byte("abc"))
			},
			wantStatus: 201, wantBody: "abc",
		},
		{
			name: "1xx dropped",
			handler: func(w http.ResponseWriter) {
				w.WriteHeader(103)
				w.WriteHeader(202)
			},
			wantStatus: 202,
		},
		{
			name: "flush while buffering does nothing",
			handler: func(w http.ResponseWriter) {
				w.Write([]byte("abc"))
				w.(http.Flusher).Flush()
			},
			wantStatus: 200, wantBody: "abc",
		},
		{
			name: "exactly the limit is kept",
			handler: func(w http.ResponseWriter) {
				w.Write([]byte("0123456789"))
			},
			wantStatus: 200, wantBody: "0123456789",
		},
		{
			name: "past the limit passes through",
			handler: func(w http.ResponseWriter) {
				w.Header().Set("X-A", "1")
				w.WriteHeader(201)
				w.Write([]byte("01234"))
				w.Write([]byte("56789!"))
				w.Write([]byte("more"))
				w.(http.Flusher).Flush()
			},
			wantStatus: 201, wantOverflowed: true, wantPassed: "0123456789!more",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			under := httptest.NewRecorder()
			rec := newRecorder(under, 10)
			tt.handler(rec)
			status, _, body := rec.result()
			if rec.overflowed != tt.wantOverflowed {
				t.Fatalf("overflowed = %v", rec.overflowed)
			}
			if got := under.Body.String(); got != tt.wantPassed {
				t.Errorf("passed through %q, want %q", got, tt.wantPassed)
			}
			if tt.wantOverflowed {
				if under.Code != tt.wantStatus || under.Header().Get("X-A") != "1" || !under.Flushed {
					t.Errorf("passed through %d %v flushed %v", under.Code, under.Header(), under.Flushed)
				}
				return
			}
			if under.Flushed {
				t.Error("flushed while buffering")
			}
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("result %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestRecorderInvalidStatus(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("WriteHeader(42) did not panic")
		}
	}()
	newRecorder(httptest.NewRecorder(), 10).WriteHeader(42)
}
