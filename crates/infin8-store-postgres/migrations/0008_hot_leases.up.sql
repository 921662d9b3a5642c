-- Lease columns change on every claim and every heartbeat. `idx_workflows_lease` (from 0002) made
-- each of those updates a non-HOT update, writing a new entry into every index of
-- `intent_workflows`; nothing queries it any more (claims use `intent_workflows_claim_idx`,
-- renewals and releases the primary key). Without it, and with room left on each page, lease
-- updates can be HOT: no index writes, less bloat under many workers.
DROP INDEX IF EXISTS idx_workflows_lease;
ALTER TABLE intent_workflows SET (fillfactor = 90);
