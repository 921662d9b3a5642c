-- Indexes that cost a write on the hot paths and served no query the others do not.
--
-- `idx_transitions_org_workflow (organization_id, workflow_id, version)` duplicated
-- `UNIQUE (workflow_id, version)` (row-level security filters on organization_id anyway), cost an
-- index insert on every transition, and let the planner answer an idempotency-key lookup by
-- scanning all of a workflow's transitions.
DROP INDEX IF EXISTS idx_transitions_org_workflow;

-- Keyword listings are keyset pages `WHERE workflow_id = $1 … AND id > $cursor ORDER BY id`,
-- which `UNIQUE (organization_id, workflow_id, id)` serves in order (type and filter-status
-- filters are applied while walking it, over at most one workflow's keywords). The two
-- per-column indexes cost two index inserts per keyword on every batch upsert.
DROP INDEX IF EXISTS idx_keywords_workflow_type;
DROP INDEX IF EXISTS idx_keywords_workflow_filter;

-- A normalized keyword is an identity, compared for equality and never shown in a language's
-- sort order: byte-wise "C" comparison keeps `UNIQUE (organization_id, workflow_id,
-- normalized_keyword)` cheap to maintain whatever the database's default collation (strcoll
-- under en_US.UTF-8 dominates a batch upsert's index inserts). Equality is unchanged: every
-- deterministic collation compares equal strings as equal bytes. Rebuilds that index.
ALTER TABLE keywords ALTER COLUMN normalized_keyword TYPE text COLLATE "C";
