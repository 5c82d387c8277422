package backend

// Prefix starts the name of every table and index swkit creates, so that
// swkit's tables can share a database with the application's own (which
// may well have a schema_migrations or a subscriptions table of its own).
const Prefix = "swkit_"

// LegacyMigrations is the version table of swkit releases that did not
// prefix their tables; LegacyTables lists, for each schema version, the
// tables those releases created at that version. Open renames them (see
// the backends' upgradeUnprefixed).
const LegacyMigrations = "schema_migrations"

// LegacyTables is indexed by schema version.
var LegacyTables = [][]string{
	1: {"subscriptions", "idempotency_keys"},
	2: {"subscription_tags", "push_campaigns", "push_batches", "push_outcomes", "push_throttles"},
}

// LegacyColumns are the columns of swkit's unprefixed schema_migrations, in
// order. Other tools' tables of that name have other columns
// (golang-migrate's: version, dirty; Rails': version), and are never
// touched.
var LegacyColumns = []string{"version", "applied_at"}

// LegacyTablesUpTo returns the unprefixed tables of schema version v.
func LegacyTablesUpTo(v int) []string {
	var ts []string
	for _, vs := range LegacyTables[1 : min(v, len(LegacyTables)-1)+1] {
		ts = append(ts, vs...)
	}
	return ts
}
