//! Transition requests and the recorded transition rows.

use super::machine::{TransitionKind, check_transition};
use super::model::{Lease, Workflow};
use super::state::WorkflowState;
use crate::error::Error;
use crate::ids::{OrgId, TransitionId, WorkflowId};
use crate::tenant::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A request to move a workflow from one state to another, as a compare-and-set on
/// `(state, version)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRequest {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// The state the caller believes it is in.
    pub from: WorkflowState,
    /// The version the caller read.
    pub expected_version: i64,
    /// The state to move to; must be a legal edge from `from`.
    pub to: WorkflowState,
    /// Why (free text, recorded; for `*_FAILED` it becomes the workflow's `last_error`).
    pub reason: Option<String>,
    /// A key unique per intended transition (e.g. `"{workflow}:{version}:{to}"`). Replaying a
    /// request with a recorded key returns the recorded outcome instead of failing.
    pub idempotency_key: String,
    /// The lease to set when moving into `*_PROCESSING` (cleared on leaving it).
    pub lease: Option<Lease>,
    /// Extra data recorded with the transition.
    pub metadata: serde_json::Value,
}

impl TransitionRequest {
    /// A request from the workflow's current state and version, with a derived idempotency key
    /// `"{id}:{version}:{to}"`.
    #[must_use]
    pub fn from_current(workflow: &Workflow, to: WorkflowState) -> Self {
        Self {
            workflow_id: workflow.id,
            from: workflow.state,
            expected_version: workflow.version,
            to,
            reason: None,
            idempotency_key: format!("{}:{}:{}", workflow.id, workflow.version, to),
            lease: None,
            metadata: serde_json::Value::Null,
        }
    }

    /// The kind of this request's edge `from → to`: what every store checks before the
    /// compare-and-set.
    ///
    /// # Errors
    /// [`Error::Conflict`] on this request's workflow with
    /// [`ConflictReason::IllegalTransition`](crate::ConflictReason::IllegalTransition) if the
    /// transition table has no such edge.
    pub fn check(&self) -> Result<TransitionKind, Error> {
        check_transition(self.from, self.to).map_err(|e| e.conflict(self.workflow_id))
    }

    /// Sets the reason.
    #[must_use]
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Sets the lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Lease) -> Self {
        self.lease = Some(lease);
        self
    }
}

/// A recorded transition (`workflow_transitions` row). Append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// Id.
    pub id: TransitionId,
    /// Owner.
    pub organization_id: OrgId,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// From.
    pub from_state: WorkflowState,
    /// To.
    pub to_state: WorkflowState,
    /// What it meant.
    pub kind: TransitionKind,
    /// The workflow's version after the transition.
    pub version: i64,
    /// Who made it.
    pub actor: Actor,
    /// Why.
    pub reason: Option<String>,
    /// The request's idempotency key.
    pub idempotency_key: String,
    /// Extra data.
    pub metadata: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The result of a transition.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionOutcome {
    /// The workflow after the transition (for a replay: as it is now).
    pub workflow: Workflow,
    /// The recorded transition.
    pub transition: Transition,
    /// Whether this was a replay of an already-recorded request (nothing was changed).
    pub replayed: bool,
}
