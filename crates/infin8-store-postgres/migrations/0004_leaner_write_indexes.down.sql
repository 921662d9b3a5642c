CREATE INDEX IF NOT EXISTS idx_transitions_org_workflow ON workflow_transitions (organization_id, workflow_id, version);
CREATE INDEX IF NOT EXISTS idx_keywords_workflow_type ON keywords (organization_id, workflow_id, keyword_type);
CREATE INDEX IF NOT EXISTS idx_keywords_workflow_filter ON keywords (organization_id, workflow_id, filter_status);
ALTER TABLE keywords ALTER COLUMN normalized_keyword TYPE text COLLATE "default";
