-- Applied after unprefixed_v1.sql: swkit's schema version 2 (push
-- campaigns) as it was before the tables had the swkit_ prefix, with a
-- few rows in each new table. The schema is that release's migration,
-- verbatim.

INSERT INTO schema_migrations (version) VALUES (2);

-- Tags a page gave its subscription; a campaign can target them.
CREATE TABLE subscription_tags (
	endpoint text COLLATE "C" NOT NULL REFERENCES subscriptions (endpoint) ON DELETE CASCADE,
	tag      text COLLATE "C" NOT NULL,
	PRIMARY KEY (endpoint, tag)
);
CREATE INDEX subscription_tags_tag ON subscription_tags (tag, endpoint);

-- A push campaign: one message for the subscriptions its tags select
-- (all of them when tags is empty).
CREATE TABLE push_campaigns (
	id          bigserial PRIMARY KEY,
	payload     bytea NOT NULL,
	ttl_s       bigint NOT NULL,
	urgency     text NOT NULL,
	topic       text NOT NULL,
	tags        text[] NOT NULL,
	created_at  timestamptz NOT NULL,
	started_at  timestamptz
);

-- A campaign's subscriptions in ranges of endpoints: after lo, up to and
-- including hi (no upper bound when hi is NULL). Workers lease a batch
-- (lease_owner, lease_until), claimed with FOR UPDATE SKIP LOCKED. The
-- counts are those of the batch's push_outcomes, kept here so that a
-- campaign's status reads a few rows per thousand subscriptions. A
-- campaign is done when all its batches are; updated_at is when an outcome
-- of the batch was last recorded.
CREATE TABLE push_batches (
	campaign_id bigint NOT NULL REFERENCES push_campaigns (id) ON DELETE CASCADE,
	seq         integer NOT NULL,
	lo          text COLLATE "C" NOT NULL,
	hi          text COLLATE "C",
	done        boolean NOT NULL DEFAULT false,
	not_before  timestamptz NOT NULL,
	lease_owner text,
	lease_until timestamptz,
	total       bigint NOT NULL,
	delivered   bigint NOT NULL DEFAULT 0,
	gone        bigint NOT NULL DEFAULT 0,
	failed      bigint NOT NULL DEFAULT 0,
	retrying    bigint NOT NULL DEFAULT 0,
	updated_at  timestamptz,
	PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX push_batches_open ON push_batches (campaign_id, seq) WHERE NOT done;

-- The outcomes of the deliveries of a batch not yet done, one row per
-- write (a chunk of up to a few hundred): JSON [[endpoint, state,
-- attempts, next_at µs], ...], state 1 delivered, 2 gone, 3 failed,
-- 4 retrying at next_at. Merged in id order, a final outcome is never
-- replaced. Deleted when the batch is done.
CREATE TABLE push_outcomes (
	campaign_id bigint NOT NULL,
	seq         integer NOT NULL,
	id          bigserial,
	outcomes    bytea NOT NULL,
	PRIMARY KEY (campaign_id, seq, id)
);

-- Push services that answered 429: every worker waits until then.
CREATE TABLE push_throttles (
	origin text PRIMARY KEY,
	until  timestamptz NOT NULL
);

INSERT INTO subscription_tags VALUES ('https://push.example/a', 'news'), ('https://push.example/b', 'news');
-- Ids 1 to 4 used and gone: the sequence stands at 5.
INSERT INTO push_campaigns (payload, ttl_s, urgency, topic, tags, created_at)
	SELECT '\x7b7d', 60, 'normal', '', '{news}', '2030-01-02T03:04:05Z' FROM generate_series(1, 5);
DELETE FROM push_campaigns WHERE id < 5;
INSERT INTO push_batches (campaign_id, seq, lo, hi, not_before, total) VALUES (5, 0, '', NULL, '1970-01-01T00:00:00Z', 2);
INSERT INTO push_throttles VALUES ('https://push.example', '2100-01-01T00:00:00Z');
