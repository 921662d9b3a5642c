-- infin8 PostgreSQL schema, part 6: the durable runner (ADR 0004).
--
-- A workflow records its failure kind, its failed attempts and when a temporary failure is due.
-- Workers claim runnable workflows of every organization through one narrow SECURITY DEFINER
-- function owned by `infin8_claimer`, a role that can log in nowhere, reads and updates only
-- `intent_workflows` (and of its columns updates only the lease), and returns only ids and
-- states. Everything else keeps running as `infin8_app` under one organization's row-level
-- security.

ALTER TABLE intent_workflows
    ADD COLUMN failure_kind text CHECK (failure_kind IN (
        'temporary', 'retries_exhausted', 'permanent', 'quota', 'auth', 'budget')),
    ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN next_attempt_at timestamptz;

-- Failed workflows from before this version were recorded with a "retryable: " reason prefix.
UPDATE intent_workflows SET failure_kind = CASE
        WHEN last_error LIKE 'retryable: %' THEN 'retries_exhausted' ELSE 'permanent' END
    WHERE state LIKE '%\_FAILED';

-- The claim's scan: unfinished workflows per organization by due time.
CREATE INDEX intent_workflows_claim_idx
    ON intent_workflows (organization_id, (coalesce(next_attempt_at, updated_at)), id)
    WHERE state NOT IN ('COMPLETED', 'CANCELLED');

-- The claimer role: cluster-wide like `infin8_app`, created idempotently (see 0001).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'infin8_claimer') THEN
        CREATE ROLE infin8_claimer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'infin8_claimer', 'MEMBER') THEN
        EXECUTE format('GRANT infin8_claimer TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO infin8_claimer;
GRANT EXECUTE ON FUNCTION get_auth_user_org_id() TO infin8_claimer;
GRANT SELECT (id, organization_id, state, lease_owner, lease_expires_at, failure_kind, next_attempt_at, updated_at),
    UPDATE (lease_owner, lease_expires_at)
    ON intent_workflows TO infin8_claimer;
-- The tenant policies (TO PUBLIC) bind the claimer too; this one lets it see every row of this
-- one table. Row-level security stays FORCEd for everyone else.
CREATE POLICY runner_claim ON intent_workflows FOR ALL TO infin8_claimer USING (true) WITH CHECK (true);

-- Hands up to p_limit runnable workflows to p_owner (see `ClaimRequest` in infin8-core for the
-- rules; the state lists come from core). Organizations are taken oldest-due first, at most
-- p_per_org workflows each; rows another claimer holds locked are skipped, and the lease
-- conditions are re-checked on the locked row, so a workflow goes to exactly one claimer.
CREATE FUNCTION infin8_claim_workflows(
    p_owner text, p_limit integer, p_per_org integer, p_expires timestamptz, p_now timestamptz,
    p_only uuid[], p_exclude uuid[], p_runnable text[], p_failed text[], p_gates text[])
RETURNS TABLE (organization_id uuid, workflow_id uuid, state text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    WITH orgs AS (
        SELECT w.organization_id, min(coalesce(w.next_attempt_at, w.updated_at)) AS first_due
        FROM intent_workflows w
        WHERE w.state NOT IN ('COMPLETED', 'CANCELLED')
          AND (w.lease_expires_at IS NULL OR w.lease_expires_at <= p_now)
          AND (w.state = ANY (p_runnable)
               OR (w.state = ANY (p_failed) AND w.failure_kind = 'temporary' AND w.next_attempt_at <= p_now)
               OR (w.state = ANY (p_gates) AND w.next_attempt_at <= p_now))
          AND (p_only IS NULL OR w.organization_id = ANY (p_only))
          AND NOT (w.organization_id = ANY (p_exclude))
        GROUP BY w.organization_id
        ORDER BY first_due, w.organization_id
        LIMIT p_limit
    ), picked AS (
        SELECT c.id, c.due
        FROM orgs CROSS JOIN LATERAL (
            SELECT w.id, coalesce(w.next_attempt_at, w.updated_at) AS due
            FROM intent_workflows w
            WHERE w.organization_id = orgs.organization_id
              AND w.state NOT IN ('COMPLETED', 'CANCELLED')
              AND (w.lease_expires_at IS NULL OR w.lease_expires_at <= p_now)
              AND (w.state = ANY (p_runnable)
                   OR (w.state = ANY (p_failed) AND w.failure_kind = 'temporary' AND w.next_attempt_at <= p_now)
                   OR (w.state = ANY (p_gates) AND w.next_attempt_at <= p_now))
            ORDER BY coalesce(w.next_attempt_at, w.updated_at), w.id
            LIMIT p_per_org
            FOR UPDATE OF w SKIP LOCKED
        ) c
    ), chosen AS (
        SELECT id FROM picked ORDER BY due, id LIMIT p_limit
    )
    UPDATE intent_workflows w SET lease_owner = p_owner, lease_expires_at = p_expires
    FROM chosen WHERE w.id = chosen.id
    RETURNING w.organization_id, w.id, w.state
$$;
ALTER FUNCTION infin8_claim_workflows(text, integer, integer, timestamptz, timestamptz, uuid[], uuid[], text[], text[], text[])
    OWNER TO infin8_claimer;
REVOKE ALL ON FUNCTION infin8_claim_workflows(text, integer, integer, timestamptz, timestamptz, uuid[], uuid[], text[], text[], text[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infin8_claim_workflows(text, integer, integer, timestamptz, timestamptz, uuid[], uuid[], text[], text[], text[])
    TO infin8_app;
