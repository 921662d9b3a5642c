-- Reverses 0006. The `infin8_claimer` role is cluster-wide and may serve other databases, so it
-- is NOT dropped here (see 0001).
DROP FUNCTION IF EXISTS infin8_claim_workflows(text, integer, integer, timestamptz, timestamptz, uuid[], uuid[], text[], text[], text[]);
DROP POLICY IF EXISTS runner_claim ON intent_workflows;
REVOKE ALL ON intent_workflows FROM infin8_claimer;
REVOKE EXECUTE ON FUNCTION get_auth_user_org_id() FROM infin8_claimer;
REVOKE USAGE ON SCHEMA public FROM infin8_claimer;
DROP INDEX IF EXISTS intent_workflows_claim_idx;
ALTER TABLE intent_workflows DROP COLUMN IF EXISTS next_attempt_at, DROP COLUMN IF EXISTS attempts,
    DROP COLUMN IF EXISTS failure_kind;
