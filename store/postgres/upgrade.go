package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/swkit/swkit/store/internal/backend"
)

// upgradeUnprefixed renames the tables of a database that an earlier swkit
// created without the swkit_ prefix, with their indexes, constraints and
// sequences, inside the migration transaction tx, so that the rename
// happens whole or not at all. It acts only when swkit_schema_migrations is
// missing and schema_migrations has exactly the columns swkit gave it, a
// version swkit knew and every table of that version: an application's own
// schema_migrations (golang-migrate's has version and dirty) and its own
// tables are left alone. Names resolve through the search_path, as every
// query of the store does.
func upgradeUnprefixed(ctx context.Context, tx pgx.Tx) error {
	var ours, old bool
	err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL`,
		backend.Prefix+backend.LegacyMigrations, backend.LegacyMigrations).Scan(&ours, &old)
	if err != nil || ours || !old {
		return err
	}
	var cols []string
	err = tx.QueryRow(ctx, `SELECT coalesce(array_agg(attname::text ORDER BY attnum), '{}') FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`, backend.LegacyMigrations).Scan(&cols)
	if err != nil || !slices.Equal(cols, backend.LegacyColumns) {
		return err
	}
	var have int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+backend.LegacyMigrations).Scan(&have); err != nil {
		return err
	}
	if have < 1 || have >= len(backend.LegacyTables) {
		return nil
	}
	tables := backend.LegacyTablesUpTo(have)
	for _, t := range tables {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t).Scan(&ok); err != nil || !ok {
			return err
		}
	}

	for _, t := range append([]string{backend.LegacyMigrations}, tables...) {
		id := pgx.Identifier{t}.Sanitize()
		if _, err := tx.Exec(ctx, `ALTER TABLE `+id+` RENAME TO `+pgx.Identifier{backend.Prefix + t}.Sanitize()); err != nil {
			return fmt.Errorf("rename %s: %w", t, err)
		}
		// The names PostgreSQL derived from the table's (t_pkey,
		// t_endpoint_fkey, t_id_seq) and the indexes the migrations named
		// after it get the prefix too, so that the schema is the one a new
		// database gets and none of the old names is left taken. Renaming a
		// primary key's index renames its constraint.
		rows, err := tx.Query(ctx, `
			SELECT 'INDEX', c.oid::regclass::text, c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
				WHERE i.indrelid = to_regclass($1)
			UNION ALL
			SELECT 'SEQUENCE', c.oid::regclass::text, c.relname::text FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
				WHERE d.refobjid = to_regclass($1) AND d.classid = 'pg_class'::regclass AND c.relkind = 'S'
			UNION ALL
			SELECT 'CONSTRAINT', '', conname::text FROM pg_constraint
				WHERE conrelid = to_regclass($1) AND contype = 'f'`, backend.Prefix+t)
		if err != nil {
			return fmt.Errorf("rename %s: %w", t, err)
		}
		type object struct{ Kind, Qualified, Name string }
		objs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[object])
		if err != nil {
			return fmt.Errorf("rename %s: %w", t, err)
		}
		for _, o := range objs {
			if strings.HasPrefix(o.Name, backend.Prefix) {
				continue
			}
			to := pgx.Identifier{backend.Prefix + o.Name}.Sanitize()
			var q string
			if o.Kind == "CONSTRAINT" {
				q = `ALTER TABLE ` + pgx.Identifier{backend.Prefix + t}.Sanitize() + ` RENAME CONSTRAINT ` + pgx.Identifier{o.Name}.Sanitize() + ` TO ` + to
			} else {
				q = `ALTER ` + o.Kind + ` ` + o.Qualified + ` RENAME TO ` + to
			}
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("rename %s %s: %w", o.Kind, o.Name, err)
			}
		}
	}
	return nil
}
