-- Times are microseconds since the Unix epoch (UTC). See the PostgreSQL
-- migration of the same number for what each table is.

CREATE TABLE swkit_subscription_tags (
	endpoint TEXT NOT NULL REFERENCES swkit_subscriptions (endpoint) ON DELETE CASCADE,
	tag      TEXT NOT NULL,
	PRIMARY KEY (endpoint, tag)
) WITHOUT ROWID;
CREATE INDEX swkit_subscription_tags_tag ON swkit_subscription_tags (tag, endpoint);

CREATE TABLE swkit_push_campaigns (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	payload     BLOB NOT NULL,
	ttl_s       INTEGER NOT NULL,
	urgency     TEXT NOT NULL,
	topic       TEXT NOT NULL,
	tags        TEXT NOT NULL, -- JSON array
	created_at  INTEGER NOT NULL,
	started_at  INTEGER
);

CREATE TABLE swkit_push_batches (
	campaign_id INTEGER NOT NULL REFERENCES swkit_push_campaigns (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	lo          TEXT NOT NULL,
	hi          TEXT,
	done        INTEGER NOT NULL DEFAULT 0,
	not_before  INTEGER NOT NULL,
	lease_owner TEXT,
	lease_until INTEGER,
	total       INTEGER NOT NULL,
	delivered   INTEGER NOT NULL DEFAULT 0,
	gone        INTEGER NOT NULL DEFAULT 0,
	failed      INTEGER NOT NULL DEFAULT 0,
	retrying    INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER,
	PRIMARY KEY (campaign_id, seq)
) WITHOUT ROWID;
CREATE INDEX swkit_push_batches_open ON swkit_push_batches (campaign_id, seq) WHERE NOT done;

CREATE TABLE swkit_push_outcomes (
	campaign_id INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	outcomes    BLOB NOT NULL
);
CREATE INDEX swkit_push_outcomes_batch ON swkit_push_outcomes (campaign_id, seq, id);

CREATE TABLE swkit_push_throttles (
	origin TEXT PRIMARY KEY,
	until  INTEGER NOT NULL
) WITHOUT ROWID;
