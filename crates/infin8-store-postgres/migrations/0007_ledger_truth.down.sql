-- Reverses 0007.
DROP INDEX IF EXISTS idx_publish_references_org_key;
ALTER TABLE publish_references DROP COLUMN IF EXISTS post_status;
DROP INDEX IF EXISTS idx_usage_reservations_workflow;
ALTER TABLE usage_reservations DROP COLUMN IF EXISTS reaped_at, DROP COLUMN IF EXISTS replay_of;
