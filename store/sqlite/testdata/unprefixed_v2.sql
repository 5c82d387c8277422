-- A database as swkit made it before its tables had the swkit_ prefix
-- (schema version 2: subscriptions, idempotency keys and push campaigns),
-- with a few rows in each table. The schema is that release's migrations,
-- verbatim.

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
);
INSERT INTO schema_migrations VALUES (1, 1893553445000000), (2, 1893553445000000);

-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE subscriptions (
	endpoint   TEXT PRIMARY KEY, -- BINARY collation: byte order, as the store documents
	p256dh     TEXT NOT NULL,
	auth       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per idempotency key. While a claim is held, token and lease_until
-- are set and status is NULL; once completed, token and lease_until are NULL
-- and status, header and body hold the response to replay.
CREATE TABLE idempotency_keys (
	key          TEXT PRIMARY KEY,
	request_hash TEXT NOT NULL,
	token        TEXT,
	lease_until  INTEGER,
	expires_at   INTEGER NOT NULL,
	ttl_us       INTEGER NOT NULL,
	status       INTEGER,
	header       TEXT,
	body         BLOB
);

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

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

INSERT INTO subscriptions VALUES
	('https://push.example/a', 'pa', 'aa', 1893553445000000),
	('https://push.example/b', 'pb', 'ab', 1893553445000000),
	('https://push.example/c', 'pc', 'ac', 1893553445000000);
INSERT INTO idempotency_keys (key, request_hash, expires_at, ttl_us, status, header, body) VALUES
	('done-key', 'h1', 4102444800000000, 86400000000, 201, '{"Content-Type":["application/json"]}', X'7b226964223a377d');
INSERT INTO subscription_tags VALUES ('https://push.example/a', 'news'), ('https://push.example/b', 'news');
INSERT INTO push_campaigns (id, payload, ttl_s, urgency, topic, tags, created_at) VALUES
	(5, X'7b7d', 60, 'normal', '', '["news"]', 1893553445000000);
INSERT INTO push_batches (campaign_id, seq, lo, hi, not_before, total) VALUES (5, 0, '', NULL, 0, 2);
INSERT INTO push_throttles VALUES ('https://push.example', 4102444800000000);
