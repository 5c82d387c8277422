-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE swkit_subscriptions (
	endpoint   TEXT PRIMARY KEY, -- BINARY collation: byte order, as the store documents
	p256dh     TEXT NOT NULL,
	auth       TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per idempotency key. While a claim is held, token and lease_until
-- are set and status is NULL; once completed, token and lease_until are NULL
-- and status, header and body hold the response to replay.
CREATE TABLE swkit_idempotency_keys (
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

CREATE INDEX swkit_idempotency_keys_expires_at ON swkit_idempotency_keys (expires_at);
