//! The append-only audit log.

use crate::ids::{AuditId, OrgId, WorkflowId};
use crate::page::Cursor;
use crate::tenant::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An audit entry (`intent_audit_logs` row). Written once; never updated or deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Id.
    pub id: AuditId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow, if about one.
    pub workflow_id: Option<WorkflowId>,
    /// Who.
    pub actor: Actor,
    /// What (`"workflow.transition"`, `"workflow.created"`, `"approval.recorded"`).
    pub action: String,
    /// Entity kind (`"workflow"`, `"keyword"`).
    pub entity_type: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Details.
    pub details: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An entry to append. The actor and organization come from the tenant context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAuditEntry {
    /// Caller-chosen id: appending the same id twice is a `Conflict` and changes nothing.
    pub id: AuditId,
    /// Workflow.
    pub workflow_id: Option<WorkflowId>,
    /// Action.
    pub action: String,
    /// Entity kind.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Details.
    pub details: serde_json::Value,
}

/// A query over the audit log, ordered by id (time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditQuery {
    /// Only entries about this workflow.
    pub workflow_id: Option<WorkflowId>,
    /// Continue after this cursor.
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: Option<u32>,
}
