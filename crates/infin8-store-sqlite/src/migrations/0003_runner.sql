-- infin8 SQLite schema, version 3: the durable runner. A workflow records its failure kind, its
-- failed attempts and when a temporary failure is due; workers claim runnable workflows by due
-- time (ADR 0004).

ALTER TABLE intent_workflows ADD COLUMN failure_kind TEXT CHECK (failure_kind IS NULL OR failure_kind IN (
    'temporary', 'retries_exhausted', 'permanent', 'quota', 'auth', 'budget'));
ALTER TABLE intent_workflows ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE intent_workflows ADD COLUMN next_attempt_at TEXT;

-- Failed workflows from before this version were recorded with a "retryable: " reason prefix.
UPDATE intent_workflows SET failure_kind = CASE
        WHEN last_error LIKE 'retryable: %' THEN 'retries_exhausted' ELSE 'permanent' END
    WHERE state LIKE '%\_FAILED' ESCAPE '\';

-- The claim's scan: unfinished workflows by due time.
CREATE INDEX intent_workflows_claim_idx ON intent_workflows (coalesce(next_attempt_at, updated_at), id)
    WHERE state NOT IN ('COMPLETED', 'CANCELLED');
