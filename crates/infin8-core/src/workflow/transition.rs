//! Transition requests and the recorded transition rows.

use super::failure::{Failure, FailureKind};
use super::machine::{TransitionKind, check_transition};
use super::model::{Lease, Workflow};
use super::state::Phase;
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
    /// The lease to hold after the transition, kept only when the target state
    /// [`holds a lease`](WorkflowState::holds_lease) (cleared otherwise).
    pub lease: Option<Lease>,
    /// The failure to record when entering `*_FAILED` (without one: permanent, not due).
    #[serde(default)]
    pub failure: Option<Failure>,
    /// When entering a state that waits for people, a time from which a worker may claim the
    /// workflow anyway: the engine sets it when the gate is passed by configuration
    /// (auto-approval), so a crash between entering and passing the gate cannot strand the
    /// workflow. Ignored for other states.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
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
            failure: None,
            due_at: None,
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

    /// Sets the failure recorded when entering `*_FAILED`.
    #[must_use]
    pub fn with_failure(mut self, failure: Failure) -> Self {
        self.failure = Some(failure);
        self
    }

    /// What the transition does to the workflow besides its state and version, as every store
    /// applies it.
    #[must_use]
    pub fn effects(&self) -> TransitionEffects {
        let failed = matches!(self.to, WorkflowState::At(_, Phase::Failed));
        let failure = if failed {
            Some(self.failure.unwrap_or(Failure { kind: FailureKind::Permanent, next_attempt_at: None }))
        } else {
            None
        };
        let attempts = if failed {
            AttemptsChange::Increment
        } else if matches!(
            self.to,
            WorkflowState::At(_, Phase::Completed | Phase::AwaitingReview) | WorkflowState::Completed
        ) {
            AttemptsChange::Reset
        } else {
            AttemptsChange::Keep
        };
        TransitionEffects {
            last_error: if failed { self.reason.clone() } else { None },
            lease: if self.to.holds_lease() { self.lease.clone() } else { None },
            failure_kind: failure.map(|f| f.kind),
            next_attempt_at: if self.to.awaits_people() {
                self.due_at
            } else {
                failure.and_then(|f| f.next_attempt_at)
            },
            attempts,
            completes: self.to == WorkflowState::Completed,
        }
    }

    /// The details of the `workflow.transition` audit entry every store appends with this
    /// transition (`kind` from [`check`](Self::check), `version` after it).
    #[must_use]
    pub fn audit_details(&self, kind: TransitionKind, version: i64) -> serde_json::Value {
        let effects = self.effects();
        serde_json::json!({
            "from": self.from,
            "to": self.to,
            "kind": kind,
            "version": version,
            "reason": self.reason,
            "idempotency_key": self.idempotency_key,
            "failure_kind": effects.failure_kind,
            "next_attempt_at": effects.next_attempt_at,
        })
    }

    /// Sets the lease.
    #[must_use]
    pub fn with_lease(mut self, lease: Lease) -> Self {
        self.lease = Some(lease);
        self
    }
}

/// How a transition changes the failed-attempt counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptsChange {
    /// Unchanged (starting, claiming, retrying).
    Keep,
    /// One more failed attempt (entering `*_FAILED`).
    Increment,
    /// Back to zero (a step completed or awaits review).
    Reset,
}

impl AttemptsChange {
    /// The counter after the change.
    #[must_use]
    pub const fn apply(self, attempts: u32) -> u32 {
        match self {
            Self::Keep => attempts,
            Self::Increment => attempts.saturating_add(1),
            Self::Reset => 0,
        }
    }
}

/// What a transition writes besides state and version, decided once in core
/// ([`TransitionRequest::effects`]) and persisted by every store.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionEffects {
    /// The workflow's `last_error`: the reason when entering `*_FAILED`, cleared otherwise.
    pub last_error: Option<String>,
    /// The lease after the transition.
    pub lease: Option<Lease>,
    /// The failure kind when entering `*_FAILED`, cleared otherwise.
    pub failure_kind: Option<FailureKind>,
    /// When a temporary failure (or a gate passed by configuration) is due, cleared otherwise.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The failed-attempt counter's change.
    pub attempts: AttemptsChange,
    /// Whether `completed_at` is set (entering `COMPLETED`).
    pub completes: bool,
}

impl TransitionEffects {
    /// Applies the effects, a new state and version and the time to a copy of `workflow` (what
    /// the store holds after the compare-and-set).
    #[must_use]
    pub fn apply(&self, workflow: &Workflow, to: WorkflowState, now: DateTime<Utc>) -> Workflow {
        let mut w = workflow.clone();
        w.state = to;
        w.version += 1;
        w.last_error.clone_from(&self.last_error);
        w.lease.clone_from(&self.lease);
        w.failure_kind = self.failure_kind;
        w.next_attempt_at = self.next_attempt_at;
        w.attempts = self.attempts.apply(w.attempts);
        if self.completes {
            w.completed_at = Some(now);
        }
        w.updated_at = now;
        w
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
