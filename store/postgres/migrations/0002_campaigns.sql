-- Tags a page gave its subscription; a campaign can target them.
CREATE TABLE swkit_subscription_tags (
	endpoint text COLLATE "C" NOT NULL REFERENCES swkit_subscriptions (endpoint) ON DELETE CASCADE,
	tag      text COLLATE "C" NOT NULL,
	PRIMARY KEY (endpoint, tag)
);
CREATE INDEX swkit_subscription_tags_tag ON swkit_subscription_tags (tag, endpoint);

-- A push campaign: one message for the subscriptions its tags select
-- (all of them when tags is empty).
CREATE TABLE swkit_push_campaigns (
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
CREATE TABLE swkit_push_batches (
	campaign_id bigint NOT NULL REFERENCES swkit_push_campaigns (id) ON DELETE CASCADE,
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
CREATE INDEX swkit_push_batches_open ON swkit_push_batches (campaign_id, seq) WHERE NOT done;

-- The outcomes of the deliveries of a batch not yet done, one row per
-- write (a chunk of up to a few hundred): JSON [[endpoint, state,
-- attempts, next_at µs], ...], state 1 delivered, 2 gone, 3 failed,
-- 4 retrying at next_at. Merged in id order, a final outcome is never
-- replaced. Deleted when the batch is done.
CREATE TABLE swkit_push_outcomes (
	campaign_id bigint NOT NULL,
	seq         integer NOT NULL,
	id          bigserial,
	outcomes    bytea NOT NULL,
	PRIMARY KEY (campaign_id, seq, id)
);

-- Push services that answered 429: every worker waits until then.
CREATE TABLE swkit_push_throttles (
	origin text PRIMARY KEY,
	until  timestamptz NOT NULL
);
