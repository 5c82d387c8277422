-- Applied after unprefixed_v1.sql: swkit's schema version 2 (push
-- campaigns) as it was before the tables had the swkit_ prefix, with a
-- few rows in each new table. The schema is that release's migration,
-- verbatim.

INSERT INTO schema_migrations VALUES (2, 1893553445000000);

-- Times are microseconds since the Unix epoch (UTC). See the PostgreSQL
-- migration of the same number for what each table is.

CREATE TABLE subscription_tags (
	endpoint TEXT NOT NULL REFERENCES subscriptions (endpoint) ON DELETE CASCADE,
	tag      TEXT NOT NULL,
	PRIMARY KEY (endpoint, tag)
) WITHOUT ROWID;
CREATE INDEX subscription_tags_tag ON subscription_tags (tag, endpoint);

CREATE TABLE push_campaigns (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	payload     BLOB NOT NULL,
	ttl_s       INTEGER NOT NULL,
	urgency     TEXT NOT NULL,
	topic       TEXT NOT NULL,
	tags        TEXT NOT NULL, -- JSON array
	created_at  INTEGER NOT NULL,
	started_at  INTEGER
);

CREATE TABLE push_batches (
	campaign_id INTEGER NOT NULL REFERENCES push_campaigns (id) ON DELETE CASCADE,
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
CREATE INDEX push_batches_open ON push_batches (campaign_id, seq) WHERE NOT done;

CREATE TABLE push_outcomes (
	campaign_id INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	outcomes    BLOB NOT NULL
);
CREATE INDEX push_outcomes_batch ON push_outcomes (campaign_id, seq, id);

CREATE TABLE push_throttles (
	origin TEXT PRIMARY KEY,
	until  INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO subscription_tags VALUES ('https://push.example/a', 'news'), ('https://push.example/b', 'news');
INSERT INTO push_campaigns (id, payload, ttl_s, urgency, topic, tags, created_at) VALUES
	(5, X'7b7d', 60, 'normal', '', '["news"]', 1893553445000000);
INSERT INTO push_batches (campaign_id, seq, lo, hi, not_before, total) VALUES (5, 0, '', NULL, 0, 2);
INSERT INTO push_throttles VALUES ('https://push.example', 4102444800000000);
