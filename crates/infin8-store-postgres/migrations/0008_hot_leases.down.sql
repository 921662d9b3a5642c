-- Reverses 0008.
ALTER TABLE intent_workflows RESET (fillfactor);
CREATE INDEX IF NOT EXISTS idx_workflows_lease ON intent_workflows (lease_expires_at)
    WHERE state LIKE '%\_PROCESSING';
