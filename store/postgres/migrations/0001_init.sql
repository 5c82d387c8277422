-- endpoint and key use the "C" collation so that ordering (and paging by
-- "after") is byte order whatever the database's locale, as the store
-- documents and as the SQLite backend does.

CREATE TABLE swkit_subscriptions (
	endpoint   text COLLATE "C" PRIMARY KEY,
	p256dh     text NOT NULL,
	auth       text NOT NULL,
	created_at timestamptz NOT NULL
);

-- One row per idempotency key. While a claim is held, token and lease_until
-- are set and status is NULL; once completed, token and lease_until are NULL
-- and status, header and body hold the response to replay.
CREATE TABLE swkit_idempotency_keys (
	key          text COLLATE "C" PRIMARY KEY,
	request_hash text NOT NULL,
	token        text,
	lease_until  timestamptz,
	expires_at   timestamptz NOT NULL,
	ttl_us       bigint NOT NULL,  -- the key's ttl in microseconds, counted again from completion
	status       integer,
	header       jsonb,
	body         bytea
);

CREATE INDEX swkit_idempotency_keys_expires_at ON swkit_idempotency_keys (expires_at);
