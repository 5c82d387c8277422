package sqlite

import (
	"context"
	"fmt"
)

// InitSetting returns the value stored under name, storing value there
// first when there is none: the first writer wins, so processes sharing the
// file agree (swkit demo keeps its VAPID keys so). The settings table is
// created on first use, outside the versioned migrations: it holds no data
// the other tables depend on.
func (s *Store) InitSetting(ctx context.Context, name, value string) (string, error) {
	var stored string
	err := s.write(ctx, func(tx dbtx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS swkit_settings (
			name  TEXT PRIMARY KEY,
			value TEXT NOT NULL
		) WITHOUT ROWID`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO swkit_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM swkit_settings WHERE name = ?`, name).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", name, err)
	}
	return stored, nil
}
