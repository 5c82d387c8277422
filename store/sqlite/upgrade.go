package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/swkit/swkit/store/internal/backend"
)

// upgradeUnprefixed renames the tables and indexes of a database that an
// earlier swkit created without the swkit_ prefix, inside the migration
// transaction tx, so that the rename happens whole or not at all. It acts
// only when swkit_schema_migrations is missing and schema_migrations has
// exactly the columns swkit gave it, a version swkit knew and every table of
// that version: an application's own schema_migrations (golang-migrate's
// has version and dirty) and its own tables are left alone.
func upgradeUnprefixed(ctx context.Context, tx dbtx) error {
	exists := func(name string) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
		return n > 0, err
	}
	if ok, err := exists(backend.Prefix + backend.LegacyMigrations); err != nil || ok {
		return err
	}
	if ok, err := exists(backend.LegacyMigrations); err != nil || !ok {
		return err
	}
	var cols []string
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, backend.LegacyMigrations)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if !slices.Equal(cols, backend.LegacyColumns) {
		return nil
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM `+backend.LegacyMigrations).Scan(&have); err != nil {
		return err
	}
	if have < 1 || have >= len(backend.LegacyTables) {
		return nil
	}
	tables := backend.LegacyTablesUpTo(have)
	for _, t := range tables {
		if ok, err := exists(t); err != nil || !ok {
			return err
		}
	}

	// ALTER TABLE ... RENAME also rewrites the REFERENCES clauses of the
	// other tables and the AUTOINCREMENT counters in sqlite_sequence, so ids
	// keep counting where they were.
	for _, t := range append([]string{backend.LegacyMigrations}, tables...) {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE "`+t+`" RENAME TO "`+backend.Prefix+t+`"`); err != nil {
			return fmt.Errorf("rename %s: %w", t, err)
		}
	}
	// SQLite cannot rename an index: each is created again under its new
	// name (indexes the table's constraints made have no SQL and keep
	// their internal sqlite_autoindex_ names).
	type index struct{ name, sql string }
	var idx []index
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
			WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?`, backend.Prefix+t)
		if err != nil {
			return err
		}
		for rows.Next() {
			var i index
			if err := rows.Scan(&i.name, &i.sql); err != nil {
				rows.Close()
				return err
			}
			idx = append(idx, i)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	for _, i := range idx {
		create := strings.Replace(i.sql, "INDEX "+i.name+" ", "INDEX "+backend.Prefix+i.name+" ", 1)
		if create == i.sql {
			return fmt.Errorf("rename index %s: unexpected definition %q", i.name, i.sql)
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+i.name+`"`); err != nil {
			return fmt.Errorf("rename index %s: %w", i.name, err)
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return fmt.Errorf("rename index %s: %w", i.name, err)
		}
	}
	return nil
}
