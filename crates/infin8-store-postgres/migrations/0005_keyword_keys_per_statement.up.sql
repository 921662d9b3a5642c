-- The two keys of `keywords` — its workflow `(organization_id, workflow_id) → intent_workflows`
-- and its same-workflow parent `(organization_id, workflow_id, parent_id) → keywords` — checked
-- once per statement instead of once per row.
--
-- A declarative foreign key runs one SPI query per inserted row; in a 50,000-keyword batch
-- upsert that was a third of the server's time. The triggers below keep every guarantee of the
-- two keys with set-based queries over each statement's transition table:
-- * INSERT: the referenced workflows and parents are first locked `FOR KEY SHARE` (as a foreign
--   key locks them), then counted: a referenced row that is missing, or that a concurrent
--   transaction deleted while we waited for its lock, fails the statement;
-- * UPDATE: a keyword's organization, workflow and parent never change;
-- * DELETE of workflows or keywords: at the end of the statement (as NO ACTION checks), no
--   remaining keyword may reference a deleted row. A deleter that raced an insert waits on the
--   insert's lock, and then sees its keyword (each check takes a fresh snapshot).
-- Errors carry the foreign keys' SQLSTATE (23503) and constraint names, so callers see no
-- difference.
--
-- Visibility: the checks run as the caller. The store's role sees exactly its organization's
-- rows (row-level security), and an inserted row's organization is the caller's (the insert
-- policy), so a workflow or parent of another organization is invisible and fails the check —
-- as the composite foreign keys did.

ALTER TABLE keywords DROP CONSTRAINT keywords_organization_id_workflow_id_fkey;
ALTER TABLE keywords DROP CONSTRAINT keywords_organization_id_workflow_id_parent_id_fkey;

CREATE FUNCTION infin8_keywords_check_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    locked bigint;
BEGIN
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT organization_id, workflow_id FROM new_keywords) d;
    SELECT count(*) INTO locked FROM (
        SELECT 1 FROM intent_workflows w
        JOIN (SELECT DISTINCT organization_id, workflow_id FROM new_keywords) d
          ON w.organization_id = d.organization_id AND w.id = d.workflow_id
        FOR KEY SHARE OF w) l;
    IF locked < wanted THEN
        RAISE EXCEPTION 'insert or update on table "keywords" violates foreign key constraint "%"',
                'keywords_organization_id_workflow_id_fkey'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'keywords',
                  CONSTRAINT = 'keywords_organization_id_workflow_id_fkey';
    END IF;

    SELECT count(*) INTO wanted FROM (
        SELECT DISTINCT organization_id, workflow_id, parent_id FROM new_keywords WHERE parent_id IS NOT NULL) d;
    IF wanted > 0 THEN
        SELECT count(*) INTO locked FROM (
            SELECT 1 FROM keywords p
            JOIN (SELECT DISTINCT organization_id, workflow_id, parent_id FROM new_keywords
                  WHERE parent_id IS NOT NULL) d
              ON p.organization_id = d.organization_id AND p.workflow_id = d.workflow_id AND p.id = d.parent_id
            FOR KEY SHARE OF p) l;
        IF locked < wanted THEN
            RAISE EXCEPTION 'insert or update on table "keywords" violates foreign key constraint "%"',
                    'keywords_organization_id_workflow_id_parent_id_fkey'
                USING ERRCODE = 'foreign_key_violation', TABLE = 'keywords',
                      CONSTRAINT = 'keywords_organization_id_workflow_id_parent_id_fkey';
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER keywords_check_keys
    AFTER INSERT ON keywords
    REFERENCING NEW TABLE AS new_keywords
    FOR EACH STATEMENT EXECUTE FUNCTION infin8_keywords_check_keys();

CREATE FUNCTION infin8_keywords_keys_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a keyword''s organization, workflow and parent cannot change'
        USING ERRCODE = 'foreign_key_violation', TABLE = 'keywords',
              CONSTRAINT = 'keywords_organization_id_workflow_id_parent_id_fkey';
END
$$;

CREATE TRIGGER keywords_keys_immutable
    BEFORE UPDATE ON keywords
    FOR EACH ROW
    WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.workflow_id IS DISTINCT FROM NEW.workflow_id
          OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION infin8_keywords_keys_immutable();

CREATE FUNCTION infin8_keywords_still_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'intent_workflows' THEN
        IF EXISTS (SELECT 1 FROM old_rows o JOIN keywords k
                   ON k.organization_id = o.organization_id AND k.workflow_id = o.id) THEN
            RAISE EXCEPTION 'update or delete on table "intent_workflows" violates foreign key constraint "%" on table "keywords"',
                    'keywords_organization_id_workflow_id_fkey'
                USING ERRCODE = 'foreign_key_violation', TABLE = 'keywords',
                      CONSTRAINT = 'keywords_organization_id_workflow_id_fkey';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM old_rows o JOIN keywords k ON k.parent_id = o.id) THEN
        RAISE EXCEPTION 'update or delete on table "keywords" violates foreign key constraint "%" on table "keywords"',
                'keywords_organization_id_workflow_id_parent_id_fkey'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'keywords',
                  CONSTRAINT = 'keywords_organization_id_workflow_id_parent_id_fkey';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER intent_workflows_keywords_referenced
    AFTER DELETE ON intent_workflows
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION infin8_keywords_still_referenced();
CREATE TRIGGER keywords_children_referenced
    AFTER DELETE ON keywords
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION infin8_keywords_still_referenced();
