-- Reverses 0003: drops the write-once triggers, the grants and the policies, and disables
-- row-level security. After this, tenancy is no longer enforced by the database.
DROP TRIGGER IF EXISTS intent_audit_logs_write_once ON intent_audit_logs;
DROP TRIGGER IF EXISTS intent_audit_logs_no_truncate ON intent_audit_logs;
DROP TRIGGER IF EXISTS workflow_transitions_write_once ON workflow_transitions;
DROP TRIGGER IF EXISTS workflow_transitions_no_truncate ON workflow_transitions;
REVOKE ALL ON
    organizations, organization_members, organization_competitors, intent_workflows,
    workflow_transitions, keywords, topic_clusters, cluster_validation_results, intent_approvals,
    articles, article_sections, publish_references, tavily_research_cache, rate_limits,
    usage_tracking, usage_reservations, intent_audit_logs
    FROM infin8_app;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['organizations', 'organization_members', 'organization_competitors',
        'intent_workflows', 'workflow_transitions', 'keywords', 'topic_clusters',
        'cluster_validation_results', 'intent_approvals', 'articles', 'article_sections',
        'publish_references', 'tavily_research_cache', 'rate_limits', 'usage_tracking',
        'usage_reservations', 'intent_audit_logs']
    LOOP
        EXECUTE format('DROP POLICY IF EXISTS tenant_select ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_insert ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_update ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS tenant_delete ON %I', t);
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
