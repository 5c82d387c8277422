package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// InitSetting returns the value stored under name, storing value there
// first when there is none: the first writer wins, so instances sharing the
// database agree (swkit demo keeps its VAPID keys so). The settings table
// is created on first use, outside the versioned migrations, under a
// transaction-scoped advisory lock, since two CREATE TABLE IF NOT EXISTS
// at once can collide in PostgreSQL's catalog.
func (s *Store) InitSetting(ctx context.Context, name, value string) (string, error) {
	var stored string
	err := s.beginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('swkit settings'))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS swkit_settings (name text PRIMARY KEY, value text NOT NULL)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO swkit_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM swkit_settings WHERE name = $1`, name).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", name, err)
	}
	return stored, nil
}
