package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// synchronous is SQLite's synchronous setting for every connection. FULL
// syncs the WAL at each commit: a completed key or a stored subscription is
// durable once the call returns, across power loss and OS crashes, not only
// process crashes (which NORMAL covers in WAL mode). What it costs is in
// docs/benchmarks.md; a variable so that the benchmark can compare.
var synchronous = "FULL"

// createPrivate creates the database file at path, when missing, readable
// and writable by its owner only: it holds push subscriptions' auth secrets
// and stored responses. SQLite gives the -wal and -shm files it creates
// the database file's permissions, so they are private too. A file that
// exists keeps its permissions: they are its owner's choice.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("open sqlite %s: %w: check the folder is writable", path, err)
	}
	return f.Close()
}

// lockSQL writes nothing, yet needs the write lock and a writable file, as
// any write statement does.
const lockSQL = `DELETE FROM swkit_schema_migrations WHERE version < 0`

// checkWritable fails when the database can be read but not written (the
// file read-only, or on a read-only file system), which SQLite otherwise
// reports only at the first write: a server would start, then answer every
// subscribe and every keyed request with an error. Any write statement
// needs the write lock and a writable file, even one that changes nothing.
func (s *Store) checkWritable(ctx context.Context) error {
	err := s.write(ctx, func(tx dbtx) error {
		_, err := tx.ExecContext(ctx, lockSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("open sqlite %s: the database cannot be written: %w: check the permissions of the file and its folder, and that the file system is not read-only", s.path, err)
	}
	return nil
}
