-- infin8 SQLite schema, version 2: the audit and transition logs are append-only. Any UPDATE or
-- DELETE aborts, whoever issues it (including a cascade from a deleted workflow or organization:
-- history outlives nothing silently).

CREATE TRIGGER intent_audit_logs_no_update BEFORE UPDATE ON intent_audit_logs
BEGIN
    SELECT RAISE(ABORT, 'intent_audit_logs is append-only');
END;

CREATE TRIGGER intent_audit_logs_no_delete BEFORE DELETE ON intent_audit_logs
BEGIN
    SELECT RAISE(ABORT, 'intent_audit_logs is append-only');
END;

CREATE TRIGGER workflow_transitions_no_update BEFORE UPDATE ON workflow_transitions
BEGIN
    SELECT RAISE(ABORT, 'workflow_transitions is append-only');
END;

CREATE TRIGGER workflow_transitions_no_delete BEFORE DELETE ON workflow_transitions
BEGIN
    SELECT RAISE(ABORT, 'workflow_transitions is append-only');
END;
