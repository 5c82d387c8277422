-- A database as swkit made it at schema version 1, before push campaigns
-- and before its tables had the swkit_ prefix, with a few rows. The schema
-- is that release's migration, verbatim.

CREATE TABLE schema_migrations (
	version integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO schema_migrations (version) VALUES (1);

-- endpoint and key use the "C" collation so that ordering (and paging by
-- "after") is byte order whatever the database's locale, as the store
-- documents and as the SQLite backend does.

CREATE TABLE subscriptions (
	endpoint   text COLLATE "C" PRIMARY KEY,
	p256dh     text NOT NULL,
	auth       text NOT NULL,
	created_at timestamptz NOT NULL
);

-- One row per idempotency key. While a claim is held, token and lease_until
-- are set and status is NULL; once completed, token and lease_until are NULL
-- and status, header and body hold the response to replay.
CREATE TABLE idempotency_keys (
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

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

INSERT INTO subscriptions VALUES
	('https://push.example/a', 'pa', 'aa', '2030-01-02T03:04:05Z'),
	('https://push.example/b', 'pb', 'ab', '2030-01-02T03:04:05Z'),
	('https://push.example/c', 'pc', 'ac', '2030-01-02T03:04:05Z');
INSERT INTO idempotency_keys (key, request_hash, expires_at, ttl_us, status, header, body) VALUES
	('done-key', 'h1', '2100-01-01T00:00:00Z', 86400000000, 201, '{"Content-Type":["application/json"]}', '\x7b226964223a377d');
