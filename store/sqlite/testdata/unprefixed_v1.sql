-- A database as swkit made it at schema version 1, before push campaigns
-- and before its tables had the swkit_ prefix, with a few rows. The schema
-- is that release's migration, verbatim.

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
);
INSERT INTO schema_migrations VALUES (1, 1893553445000000);

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

INSERT INTO subscriptions VALUES
	('https://push.example/a', 'pa', 'aa', 1893553445000000),
	('https://push.example/b', 'pb', 'ab', 1893553445000000),
	('https://push.example/c', 'pc', 'ac', 1893553445000000);
INSERT INTO idempotency_keys (key, request_hash, expires_at, ttl_us, status, header, body) VALUES
	('done-key', 'h1', 4102444800000000, 86400000000, 201, '{"Content-Type":["application/json"]}', X'7b226964223a377d');
