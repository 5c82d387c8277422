// Command notes is a server-rendered Go app that works offline: notes in
// SQLite, pages from html/template, a JSON API, push notifications. See
// README.md for a walkthrough.
//
//	go run ./_examples/notes [--addr 127.0.0.1:8082] [--db notes.db]
package main

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/swkit/swkit"
	"github.com/swkit/swkit/idempotency"
	"github.com/swkit/swkit/push"
	"github.com/swkit/swkit/push/pushapi"
	"github.com/swkit/swkit/push/pushserver"
	"github.com/swkit/swkit/server"
	"github.com/swkit/swkit/store"
	"github.com/swkit/swkit/store/sqlite"
)

//go:embed static templates
var embedded embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on")
	db := flag.String("db", "notes.db", "SQLite file for the notes, push subscriptions and idempotency keys")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *db); err != nil {
		log.Fatal(err)
	}
}

// cfg is the worker: the API network first, new notes queued while
// offline, push notifications.
var cfg = swkit.Config{
	ClientsClaim: true,
	RuntimeCaching: []swkit.RuntimeCaching{
		{URLPattern: "/api/notes", Handler: swkit.NetworkFirst,
			Options: swkit.RuntimeOptions{CacheName: "api", NetworkTimeoutSeconds: 3}},
		{URLPattern: "/api/notes", Method: http.MethodPost, Handler: swkit.NetworkOnly,
			Options: swkit.RuntimeOptions{BackgroundSync: &swkit.BackgroundSync{Name: "notes"}}},
	},
	Push: &swkit.Push{Title: "Notes"},
}

// The assets live under /static/; the worker and the page helper at the
// root, so that the worker controls every page.
var layout = []swkit.Option{swkit.Prefix("/static/")}

func run(ctx context.Context, addr, dbPath string) error {
	// One *sql.DB for the notes and swkit's tables (swkit_*), so that a
	// note and the key that created it are committed together.
	db, err := sql.Open("sqlite", sqlite.DSN(dbPath))
	if err != nil {
		return err
	}
	defer db.Close()
	notes, err := openNotes(ctx, db)
	if err != nil {
		return err
	}
	st, err := sqlite.FromDB(ctx, db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close() // before db.Close: the Store leaves db open
	pushAPI, err := newPush(st)
	if err != nil {
		return err
	}

	pages := template.Must(template.New("").Funcs(swkit.TemplateFuncs(cfg, layout...)).ParseFS(embedded, "templates/*.html"))
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			if err := pages.ExecuteTemplate(w, name, nil); err != nil {
				log.Print(err)
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", page("index.html"))
	mux.HandleFunc("GET /about", page("about.html"))
	mux.HandleFunc("GET /api/notes", notes.list)
	// A note posted offline is replayed later, once per Idempotency-Key:
	// the note is written in the transaction that records the key.
	mux.Handle("POST /api/notes", idempotency.TxMiddleware(st, idempotency.Options{TTL: 7 * 24 * time.Hour})(http.HandlerFunc(notes.create)))
	mux.Handle(cfg.PushPath(), http.StripPrefix(strings.TrimSuffix(cfg.PushPath(), "/"), pushAPI))
	mux.HandleFunc("POST /admin/notify", adminNotify(pushAPI, notes))

	static, err := fs.Sub(embedded, "static")
	if err != nil {
		return err
	}
	offline, err := swkit.New(static, cfg, append(layout, swkit.Render(mux, "/", "/about"))...)
	if err != nil {
		return err
	}
	for _, w := range offline.Result().Warnings {
		log.Print("warning: ", w)
	}
	for _, p := range offline.Paths() {
		mux.Handle(p, offline)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// swkit's server settings for the internet: a header cap and body and
	// send deadlines that follow progress, as the other examples use.
	srv := server.HTTPServer(mux, server.Limits{})
	fmt.Printf("listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newPush is the push API on st, with the settings swkit serve reads from
// the environment (SWKIT_VAPID_PUBLIC_KEY, ...) or, for a try-out, a new
// key pair each start.
func newPush(st *sqlite.Store) (*pushapi.Handler, error) {
	c := pushserver.FromEnv()
	c.Store = st // the app's store: Close leaves it open
	if !c.Enabled() {
		keys, err := push.GenerateVAPIDKeys()
		if err != nil {
			return nil, err
		}
		c.PublicKey, c.PrivateKey = keys.Public, keys.Private
		log.Print("no SWKIT_VAPID_PUBLIC_KEY: using new keys, so subscriptions end with the program")
	}
	if c.Subject == "" {
		c.Subject = "mailto:notes@example.com"
	}
	p, err := pushserver.New(context.Background(), c)
	if err != nil {
		return nil, err
	}
	return p.API, nil
}

// adminNotify sends a push to every subscriber; it needs the token in
// NOTES_ADMIN_TOKEN as a bearer token.
func adminNotify(api *pushapi.Handler, n *notesDB) http.HandlerFunc {
	token := os.Getenv("NOTES_ADMIN_TOKEN")
	return func(w http.ResponseWriter, r *http.Request) {
		if token == "" || r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		count, err := n.count(r.Context())
		if err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		rep, err := api.Send(r.Context(), pushapi.Notification{Title: "Notes", Body: fmt.Sprintf("%d notes", count), URL: "/"})
		if err != nil {
			http.Error(w, "send failed", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(rep)
	}
}

// notesDB is the app's own table.
type notesDB struct{ db *sql.DB }

type note struct {
	ID      int64     `json:"id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

func openNotes(ctx context.Context, db *sql.DB) (*notesDB, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS notes (
		id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, created INTEGER NOT NULL)`); err != nil {
		return nil, err
	}
	return &notesDB{db: db}, nil
}

func (n *notesDB) count(ctx context.Context) (int, error) {
	var c int
	err := n.db.QueryRowContext(ctx, `SELECT count(*) FROM notes`).Scan(&c)
	return c, err
}

func (n *notesDB) list(w http.ResponseWriter, r *http.Request) {
	rows, err := n.db.QueryContext(r.Context(), `SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 100`)
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	defer rows.Close()
	list := []note{}
	for rows.Next() {
		var x note
		var created int64
		if err := rows.Scan(&x.ID, &x.Text, &created); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		x.Created = time.UnixMilli(created).UTC()
		list = append(list, x)
	}
	// no-cache, not no-store: the worker keeps the last answer for offline.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

func (n *notesDB) create(w http.ResponseWriter, r *http.Request) {
	var in struct{ Text string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		http.Error(w, "want {\"text\": \"...\"}", http.StatusBadRequest)
		return
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" || utf8.RuneCountInString(in.Text) > 500 {
		http.Error(w, "a note is 1 to 500 characters", http.StatusUnprocessableEntity)
		return
	}
	x := note{Text: in.Text, Created: time.Now().UTC()}
	// The request's transaction when it has a key (TxMiddleware commits
	// it with the key's outcome), the database when it has none.
	var db interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	} = n.db
	if tx := idempotency.Tx(r.Context()); tx != nil {
		db = tx
	}
	res, err := db.ExecContext(r.Context(), `INSERT INTO notes (text, created) VALUES (?, ?)`, x.Text, x.Created.UnixMilli())
	if err != nil {
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	x.ID, _ = res.LastInsertId()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(x)
}
