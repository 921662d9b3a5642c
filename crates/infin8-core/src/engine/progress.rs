//! Progress: typed events for hosts (progress bars, logs) and the progress view of a workflow.

use crate::ids::{OrgId, WorkflowId};
use crate::ledger::UsageMetric;
use crate::money::Usd;
use crate::workflow::{FailureKind, Step, WorkflowCounts, WorkflowState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Something the engine did, as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A step was claimed and starts running.
    StepStarted {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
    },
    /// A step knows how many items it will process (competitors, seeds, keywords, sections…).
    ItemsPlanned {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// How many items.
        total: u64,
    },
    /// One item of a step is done (or was already done before a resume).
    ItemDone {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// What it was (a keyword, a domain, a section title).
        label: String,
    },
    /// A paid call was committed to the usage ledger.
    Cost {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// The metric charged.
        metric: UsageMetric,
        /// Units of the metric.
        amount: i64,
        /// The call's cost.
        cost: Usd,
    },
    /// A step completed.
    StepFinished {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// The state after it.
        state: WorkflowState,
    },
    /// A step failed.
    StepFailed {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// Why.
        reason: String,
        /// Whether trying again (later) can help without changing anything.
        retryable: bool,
        /// The failure kind recorded.
        kind: FailureKind,
        /// When a worker retries it by itself (temporary failures).
        next_attempt_at: Option<DateTime<Utc>>,
    },
    /// A worker claimed the workflow.
    Claimed {
        /// The workflow.
        workflow: WorkflowId,
        /// Its organization.
        organization: OrgId,
        /// Its state when claimed.
        state: WorkflowState,
    },
    /// A failed step is retried.
    Retrying {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// Failed attempts so far.
        attempts: u32,
        /// Whether a worker retries it by itself (a due temporary failure) rather than a person.
        automatic: bool,
    },
    /// A worker gave back its lease (shutdown); any worker may continue the workflow at once.
    LeaseReleased {
        /// The workflow.
        workflow: WorkflowId,
    },
    /// A step hit a transient store failure (a dropped database connection, a restarting
    /// server); it runs again in place after `wait` (see `PipelineConfig::store_retry`).
    StoreRetry {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// What failed.
        error: String,
        /// How long it waits.
        wait: std::time::Duration,
    },
    /// A worker's store call failed (database down, connection refused); it waits and tries
    /// again.
    WorkerBackoff {
        /// What failed.
        error: String,
        /// How long it waits.
        wait: std::time::Duration,
    },
    /// The workflow waits at a human gate.
    AwaitingApproval {
        /// The workflow.
        workflow: WorkflowId,
        /// The gate's step.
        step: Step,
        /// Items waiting for a decision.
        pending: u64,
    },
    /// A gate was passed by a recorded system decision (configuration `auto_approve_*`).
    AutoApproved {
        /// The workflow.
        workflow: WorkflowId,
        /// The gate's step.
        step: Step,
        /// Items approved.
        approved: u64,
    },
    /// The workflow moved from one state to another (any transition the engine made: steps,
    /// gates, retries, cancellation).
    StateChanged {
        /// The workflow.
        workflow: WorkflowId,
        /// The state it left.
        from: WorkflowState,
        /// The state it is in now.
        to: WorkflowState,
        /// The workflow's version after the move.
        version: i64,
    },
    /// Several items of a step were finished (the subscription feed's summary of consecutive
    /// [`ProgressEvent::ItemDone`] events; a [`ProgressSink`] sees each `ItemDone` instead).
    ItemsDone {
        /// The workflow.
        workflow: WorkflowId,
        /// The step.
        step: Step,
        /// How many items were finished since the previous event of the feed.
        count: u64,
        /// The last of them.
        last: String,
    },
}

impl ProgressEvent {
    /// The workflow the event is about (`None` for a worker's own events).
    #[must_use]
    pub fn workflow(&self) -> Option<WorkflowId> {
        match self {
            Self::StepStarted { workflow, .. }
            | Self::ItemsPlanned { workflow, .. }
            | Self::ItemDone { workflow, .. }
            | Self::Cost { workflow, .. }
            | Self::StepFinished { workflow, .. }
            | Self::StepFailed { workflow, .. }
            | Self::Claimed { workflow, .. }
            | Self::Retrying { workflow, .. }
            | Self::LeaseReleased { workflow }
            | Self::StoreRetry { workflow, .. }
            | Self::AwaitingApproval { workflow, .. }
            | Self::AutoApproved { workflow, .. }
            | Self::StateChanged { workflow, .. }
            | Self::ItemsDone { workflow, .. } => Some(*workflow),
            Self::WorkerBackoff { .. } => None,
        }
    }
}

/// Receives progress events. Called from the engine's tasks: keep it quick and non-blocking.
pub trait ProgressSink: Send + Sync {
    /// One event.
    fn event(&self, event: &ProgressEvent);
}

/// A sink that drops every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn event(&self, _event: &ProgressEvent) {}
}

impl<F> ProgressSink for F
where
    F: Fn(&ProgressEvent) + Send + Sync,
{
    fn event(&self, event: &ProgressEvent) {
        self(event);
    }
}

/// The progress view of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowProgress {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its state.
    pub state: WorkflowState,
    /// The current step 1..=10 (`None` when cancelled).
    pub current_step: Option<u8>,
    /// The current step's name.
    pub step_label: Option<&'static str>,
    /// Completion in percent.
    pub completion_percentage: u8,
    /// Whether it waits for a human decision.
    pub awaiting_approval: bool,
    /// Counters.
    pub counts: WorkflowCounts,
    /// Cost committed so far (from the usage ledger).
    pub actual_cost: Usd,
    /// Estimated cost of the whole run.
    pub estimated_cost: Usd,
    /// Why the current step failed, if it did.
    pub last_error: Option<String>,
    /// The kind of that failure.
    pub failure_kind: Option<FailureKind>,
    /// Failed attempts of the current step.
    pub attempts: u32,
    /// When a worker retries a temporary failure by itself.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Who runs the workflow now, and until when their lease holds.
    pub lease: Option<crate::workflow::Lease>,
}
