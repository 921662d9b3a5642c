DROP TRIGGER IF EXISTS keywords_children_referenced ON keywords;
DROP TRIGGER IF EXISTS intent_workflows_keywords_referenced ON intent_workflows;
DROP TRIGGER IF EXISTS keywords_keys_immutable ON keywords;
DROP TRIGGER IF EXISTS keywords_check_keys ON keywords;
DROP FUNCTION IF EXISTS infin8_keywords_still_referenced();
DROP FUNCTION IF EXISTS infin8_keywords_keys_immutable();
DROP FUNCTION IF EXISTS infin8_keywords_check_keys();
ALTER TABLE keywords ADD FOREIGN KEY (organization_id, workflow_id)
    REFERENCES intent_workflows (organization_id, id);
ALTER TABLE keywords ADD FOREIGN KEY (organization_id, workflow_id, parent_id)
    REFERENCES keywords (organization_id, workflow_id, id);
