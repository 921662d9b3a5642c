-- infin8 PostgreSQL schema, part 1: the application role and the tenant function.
--
-- Roles are cluster-wide: several databases (one per test, one per environment) share the one
-- `infin8_app` role, so its creation must be idempotent and must survive two databases migrating
-- at the same moment. Advisory locks are per database and do not serialize that race, so both
-- "already exists" outcomes are caught: `duplicate_object` (it existed when we looked) and
-- `unique_violation` (a concurrent CREATE ROLE committed between our look and our insert).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'infin8_app') THEN
        CREATE ROLE infin8_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- The store switches to `infin8_app` with `SET LOCAL ROLE` in every transaction, which needs the
-- login running the store to be a member of it (superusers always are). The login that runs the
-- migrations is made a member here; other logins are granted by the host (see the crate README).
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'infin8_app', 'MEMBER') THEN
        EXECUTE format('GRANT infin8_app TO %I', current_user);
    END IF;
END
$$;

-- The tenant of the current transaction, as set by the store with
-- `set_config('app.current_organization_id', $org, true)`. On a pooled connection a setting
-- once made reads back as '' (not NULL) after its transaction ends: NULLIF maps that to NULL,
-- and every policy compares with `=`, so "no tenant" matches no row.
--
-- The name is the seed design's. SQL, STABLE, not SECURITY DEFINER: the planner inlines it into
-- the policies, so `organization_id = get_auth_user_org_id()` can use the tenant indexes.
CREATE OR REPLACE FUNCTION get_auth_user_org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.current_organization_id', true), '')::uuid $$;

-- Write-once tables (audit log, transitions) reject UPDATE, DELETE and TRUNCATE for everyone,
-- table owner and superusers included.
CREATE OR REPLACE FUNCTION infin8_reject_write_once_change() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

GRANT USAGE ON SCHEMA public TO infin8_app;
GRANT EXECUTE ON FUNCTION get_auth_user_org_id() TO infin8_app;
