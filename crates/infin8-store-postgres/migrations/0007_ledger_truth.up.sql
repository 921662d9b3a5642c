-- A ledger that tells the truth, and publish references that survive the loss of a database
-- (issues 11 and 12).

-- A paid call made again after a crash lost its result is charged again and names the
-- reservation it replays; a reservation settled by the reaper (its owner died) says when.
ALTER TABLE usage_reservations ADD COLUMN replay_of uuid, ADD COLUMN reaped_at timestamptz;
CREATE INDEX idx_usage_reservations_workflow ON usage_reservations (organization_id, workflow_id, created_at)
    WHERE workflow_id IS NOT NULL;

-- What the platform made of a post (draft, publish, future, ...), as it reported it.
ALTER TABLE publish_references ADD COLUMN post_status text;

-- Idempotency keys are derived in core from (organization, keyword, target): found by key.
CREATE INDEX idx_publish_references_org_key ON publish_references (organization_id, idempotency_key);
