-- infin8 PostgreSQL schema, part 3: row-level security, grants, write-once triggers.
--
-- Every tenant table: ENABLE and FORCE ROW LEVEL SECURITY (FORCE so the table owner is bound
-- too), and one policy per command keyed on get_auth_user_org_id(). Policies are created
-- `TO PUBLIC`: they bind every role that is not a superuser and has no BYPASSRLS, in particular
-- `infin8_app`, which the store switches to in every transaction.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT * FROM (VALUES
            ('organizations', 'id'),
            ('organization_members', 'organization_id'),
            ('organization_competitors', 'organization_id'),
            ('intent_workflows', 'organization_id'),
            ('workflow_transitions', 'organization_id'),
            ('keywords', 'organization_id'),
            ('topic_clusters', 'organization_id'),
            ('cluster_validation_results', 'organization_id'),
            ('intent_approvals', 'organization_id'),
            ('articles', 'organization_id'),
            ('article_sections', 'organization_id'),
            ('publish_references', 'organization_id'),
            ('tavily_research_cache', 'organization_id'),
            ('rate_limits', 'organization_id'),
            ('usage_tracking', 'organization_id'),
            ('usage_reservations', 'organization_id'),
            ('intent_audit_logs', 'organization_id')
        ) AS v (tbl, col)
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.tbl);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.tbl);
        EXECUTE format('CREATE POLICY tenant_select ON %I FOR SELECT USING (%I = get_auth_user_org_id())',
            t.tbl, t.col);
        EXECUTE format('CREATE POLICY tenant_insert ON %I FOR INSERT WITH CHECK (%I = get_auth_user_org_id())',
            t.tbl, t.col);
        EXECUTE format('CREATE POLICY tenant_update ON %I FOR UPDATE USING (%I = get_auth_user_org_id()) '
            'WITH CHECK (%I = get_auth_user_org_id())', t.tbl, t.col, t.col);
        EXECUTE format('CREATE POLICY tenant_delete ON %I FOR DELETE USING (%I = get_auth_user_org_id())',
            t.tbl, t.col);
    END LOOP;
END
$$;

-- Grants: only what the store does. DELETE only where an operation deletes (replacing clusters
-- and validations, replacing and purging research cache entries).
GRANT SELECT, INSERT, UPDATE ON
    organizations, organization_members, organization_competitors, intent_workflows, keywords,
    intent_approvals, articles, article_sections, publish_references, rate_limits,
    usage_tracking, usage_reservations
    TO infin8_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON topic_clusters, cluster_validation_results, tavily_research_cache
    TO infin8_app;
-- Write once: INSERT and SELECT only.
GRANT SELECT, INSERT ON workflow_transitions, intent_audit_logs TO infin8_app;

-- ...and a trigger rejects UPDATE, DELETE and TRUNCATE for everyone, owner and superuser
-- included (grants do not bind the owner; triggers do).
CREATE TRIGGER intent_audit_logs_write_once
    BEFORE UPDATE OR DELETE ON intent_audit_logs
    FOR EACH ROW EXECUTE FUNCTION infin8_reject_write_once_change();
CREATE TRIGGER intent_audit_logs_no_truncate
    BEFORE TRUNCATE ON intent_audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION infin8_reject_write_once_change();
CREATE TRIGGER workflow_transitions_write_once
    BEFORE UPDATE OR DELETE ON workflow_transitions
    FOR EACH ROW EXECUTE FUNCTION infin8_reject_write_once_change();
CREATE TRIGGER workflow_transitions_no_truncate
    BEFORE TRUNCATE ON workflow_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION infin8_reject_write_once_change();
