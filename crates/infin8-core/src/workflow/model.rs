//! The workflow record.

use super::failure::FailureKind;
use super::state::WorkflowState;
use crate::ids::{OrgId, UserId, WorkflowId};
use crate::money::Usd;
use crate::page::Cursor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Per-workflow settings (free-form JSON for host-specific keys, plus typed knobs the engine
/// reads). Unknown keys are kept.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowSettings {
    /// Spend cap for this workflow; steps fail with `LimitExceeded` before exceeding it.
    pub budget: Option<Usd>,
    /// Brand terms to treat as navigational in filtering.
    pub brand_terms: Vec<String>,
    /// How temporary failures of this workflow are retried (set from
    /// [`PipelineConfig::retry`](crate::engine::PipelineConfig) at creation when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<super::failure::RetryPolicy>,
    /// Everything else, kept as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Counters kept on the workflow for progress views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowCounts {
    /// Seed keywords found.
    pub seed_keywords: i64,
    /// Seed keywords approved.
    pub approved_seeds: i64,
    /// Longtail keywords found.
    pub longtail_keywords: i64,
    /// Keywords approved by filtering.
    pub filtered_keywords: i64,
    /// Clusters (hubs with at least one spoke).
    pub clusters: i64,
    /// Valid clusters.
    pub valid_clusters: i64,
    /// Articles generated.
    pub articles: i64,
    /// Articles published.
    pub published: i64,
}

/// A worker's claim on a workflow: who runs it and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The worker (host-chosen name, e.g. hostname + pid).
    pub owner: String,
    /// When the lease lapses and another worker may reclaim the step.
    pub expires_at: DateTime<Utc>,
}

/// An intent workflow: one content campaign of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workflow {
    /// Id.
    pub id: WorkflowId,
    /// Owner.
    pub organization_id: OrgId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Current state.
    pub state: WorkflowState,
    /// Version, incremented by every transition (compare-and-set token). Starts at 1.
    pub version: i64,
    /// The ideal customer profile produced by step 1 (JSON).
    pub icp_data: Option<serde_json::Value>,
    /// Competitor URLs as entered.
    pub competitor_urls: Vec<String>,
    /// Settings.
    pub settings: WorkflowSettings,
    /// Counters.
    pub counts: WorkflowCounts,
    /// Estimated cost of the whole run.
    pub estimated_cost: Usd,
    /// Cost committed so far.
    pub actual_cost: Usd,
    /// Free-form metadata.
    pub metadata: serde_json::Value,
    /// The reason of the last failure, if the workflow is in a `*_FAILED` state.
    pub last_error: Option<String>,
    /// The worker lease: who runs the workflow and until when. Held while a worker moves it
    /// through states that [`hold a lease`](WorkflowState::holds_lease); cleared on entering any
    /// other state or on release.
    pub lease: Option<Lease>,
    /// What kind of failure the current step had, while `*_FAILED`.
    #[serde(default)]
    pub failure_kind: Option<FailureKind>,
    /// Failed attempts of the current step (reset when a step completes).
    #[serde(default)]
    pub attempts: u32,
    /// When a temporary failure is due to be retried by a worker, while `*_FAILED`.
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
    /// When it reached `COMPLETED`.
    pub completed_at: Option<DateTime<Utc>>,
}

impl Workflow {
    /// The current step 1..=10 (see [`WorkflowState::current_step`]).
    #[must_use]
    pub fn current_step(&self) -> Option<u8> {
        self.state.current_step()
    }

    /// Completion in percent.
    #[must_use]
    pub fn completion_percentage(&self) -> u8 {
        self.state.completion_percentage()
    }
}

/// What is needed to create a workflow. It starts in `CREATED` at version 1.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewWorkflow {
    /// Id to use (idempotent creation: creating the same id twice returns `Conflict`
    /// `AlreadyExists`); `None` for a fresh one.
    pub id: Option<WorkflowId>,
    /// Title (1..=500 characters).
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Competitor URLs.
    pub competitor_urls: Vec<String>,
    /// Settings.
    pub settings: WorkflowSettings,
    /// Estimated cost.
    pub estimated_cost: Usd,
    /// Metadata.
    pub metadata: serde_json::Value,
    /// What creating it costs, charged in the same atomic operation as the creation: every line
    /// is checked against its limit like a reservation (`LimitExceeded`, nothing created, when
    /// one does not fit) and recorded as a reservation committed at its amounts, or nothing is
    /// (a crash cannot leave a workflow without its charge, nor a charge without its workflow).
    /// `None` charges nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charge: Option<crate::ledger::ReserveUsage>,
}

/// The longest workflow title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;

impl NewWorkflow {
    /// Checks what every store checks before creating: the title is not blank and has at most
    /// [`MAX_TITLE_CHARS`] characters; the charge, if any, is a well-formed reservation
    /// ([`ReserveUsage::validate`](crate::ledger::ReserveUsage::validate)).
    ///
    /// # Errors
    /// [`InvalidInput`](crate::error::InvalidInput) (field `title`, or the charge's `lines` /
    /// `amount`).
    pub fn validate(&self) -> Result<(), crate::error::InvalidInput> {
        if self.title.trim().is_empty() {
            return Err(crate::error::InvalidInput::new("title", "empty"));
        }
        if self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(crate::error::InvalidInput::new(
                "title",
                format!("longer than {MAX_TITLE_CHARS} characters"),
            ));
        }
        if let Some(charge) = &self.charge {
            charge.validate()?;
        }
        Ok(())
    }
}

/// A change to a workflow's non-state fields. `None` leaves a field as it is. State changes go
/// through [`transition`](crate::store::WorkflowStore::transition) only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkflowUpdate {
    /// New ICP.
    pub icp_data: Option<serde_json::Value>,
    /// New counters.
    pub counts: Option<WorkflowCounts>,
    /// New estimated cost.
    pub estimated_cost: Option<Usd>,
    /// New actual cost (the engine sets it from the usage ledger).
    pub actual_cost: Option<Usd>,
    /// New metadata.
    pub metadata: Option<serde_json::Value>,
    /// New settings.
    pub settings: Option<WorkflowSettings>,
}

/// A query over an organization's workflows, ordered by id (creation time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkflowQuery {
    /// Only workflows in this state.
    pub state: Option<WorkflowState>,
    /// Continue after this cursor.
    pub cursor: Option<Cursor>,
    /// Page size (clamped to 1..=10,000; default 100).
    pub limit: Option<u32>,
}
