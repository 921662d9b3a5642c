-- infin8 SQLite schema, version 4: a ledger that tells the truth, and publish references that
-- survive the loss of the database (issues 11 and 12).

-- A paid call made again after a crash lost its result is charged again and names the
-- reservation it replays; a reservation settled by the reaper (its owner died) says when.
ALTER TABLE usage_reservations ADD COLUMN replay_of TEXT;
ALTER TABLE usage_reservations ADD COLUMN reaped_at TEXT;
CREATE INDEX usage_reservations_workflow_idx ON usage_reservations (organization_id, workflow_id, created_at)
    WHERE workflow_id IS NOT NULL;

-- What the platform made of a post (draft, publish, future, ...), as it reported it.
ALTER TABLE publish_references ADD COLUMN post_status TEXT;

-- Idempotency keys are derived from (organization, keyword, target) in core, so two articles of
-- one organization (two workflows on one keyword) share a key and adopt one post: the global
-- UNIQUE (idempotency_key) of version 1 goes. SQLite drops a table constraint only by
-- rebuilding the table.
CREATE TABLE publish_references_v4 (
    id               TEXT PRIMARY KEY NOT NULL,
    organization_id  TEXT NOT NULL,
    article_id       TEXT NOT NULL,
    platform         TEXT NOT NULL CHECK (length(platform) > 0),
    status           TEXT NOT NULL CHECK ((status = 'claimed' OR status = 'published'
        OR status = 'failed')),
    idempotency_key  TEXT NOT NULL,
    claim_owner      TEXT,
    claim_expires_at TEXT,
    remote_id        TEXT,
    remote_url       TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    published_at     TEXT,
    post_status      TEXT,
    FOREIGN KEY (organization_id, article_id) REFERENCES articles (organization_id, id) ON DELETE CASCADE,
    UNIQUE (article_id, platform),
    CHECK (status <> 'published' OR remote_id IS NOT NULL),
    CHECK (status <> 'claimed' OR (claim_owner IS NOT NULL AND claim_expires_at IS NOT NULL))
);
INSERT INTO publish_references_v4 (id, organization_id, article_id, platform, status, idempotency_key,
    claim_owner, claim_expires_at, remote_id, remote_url, attempts, last_error, created_at, updated_at,
    published_at, post_status)
SELECT id, organization_id, article_id, platform, status, idempotency_key, claim_owner, claim_expires_at,
    remote_id, remote_url, attempts, last_error, created_at, updated_at, published_at, post_status
FROM publish_references;
DROP TABLE publish_references;
ALTER TABLE publish_references_v4 RENAME TO publish_references;
CREATE INDEX publish_references_org_article_idx ON publish_references (organization_id, article_id);
CREATE INDEX publish_references_claimed_idx ON publish_references (claim_expires_at)
    WHERE status = 'claimed';
CREATE INDEX publish_references_org_key_idx ON publish_references (organization_id, idempotency_key);
