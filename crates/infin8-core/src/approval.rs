//! Human (or system) approval decisions at the workflow's gates.

use crate::ids::{ApprovalId, OrgId, WorkflowId};
use crate::tenant::Actor;
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire_enum!(
    /// What an approval is about.
    ApprovalEntityType, "approval entity type" {
        /// A seed keyword (step 3).
        SeedKeywords => "seed_keywords",
        /// A keyword's subtopics (step 8).
        Subtopics => "subtopics",
        /// A cluster.
        Clusters => "clusters",
    }
);

wire_enum!(
    /// The decision.
    Decision, "approval decision" {
        /// Approved.
        Approved => "approved",
        /// Rejected.
        Rejected => "rejected",
    }
);

/// An approval (`intent_approvals` row), unique per `(workflow, entity type, entity id)`; a later
/// decision on the same entity replaces the earlier one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// Id.
    pub id: ApprovalId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// What kind of entity.
    pub entity_type: ApprovalEntityType,
    /// The entity (a keyword id, or a cluster's hub keyword id).
    pub entity_id: Uuid,
    /// The decision.
    pub decision: Decision,
    /// Free-text feedback.
    pub feedback: Option<String>,
    /// Confidence 0..=1 (for system decisions).
    pub confidence: Option<f64>,
    /// Who decided (a user, or the system for auto-approvals).
    pub decided_by: Actor,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApproval {
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// What kind of entity.
    pub entity_type: ApprovalEntityType,
    /// The entity.
    pub entity_id: Uuid,
    /// The decision.
    pub decision: Decision,
    /// Feedback.
    pub feedback: Option<String>,
    /// Confidence.
    pub confidence: Option<f64>,
}
