-- Reverses 0002: drops every table and its data. Irreversible for the data, so take a backup
-- first; the schema itself comes back with `migrate` (0002 up).
DROP TABLE IF EXISTS intent_audit_logs, usage_reservations, usage_tracking, rate_limits,
    tavily_research_cache, publish_references, article_sections, articles, intent_approvals,
    cluster_validation_results, topic_clusters, keywords, workflow_transitions, intent_workflows,
    organization_competitors, organization_members, organizations;
