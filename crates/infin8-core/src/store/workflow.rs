use crate::engine::ProgressEvent;
use crate::engine::feed::ProgressStream;
use crate::error::Result;
use crate::ids::WorkflowId;
use crate::page::Page;
use crate::tenant::TenantContext;
use crate::workflow::{
    ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionOutcome, TransitionRequest,
    Workflow, WorkflowQuery, WorkflowUpdate,
};
use async_trait::async_trait;

/// Workflows and their transitions.
#[async_trait]
pub trait WorkflowStore: Send + Sync {
    /// Creates a workflow in `CREATED` at version 1, appends a `workflow.created` audit entry,
    /// and charges `new.charge` (when given): its lines are checked against their limits as
    /// [`reserve_usage`](crate::store::UsageStore::reserve_usage) checks them, and the charge is
    /// recorded as a reservation (with the workflow as its `workflow_id`) committed at its
    /// amounts — all atomically: the workflow exists with its charge, or neither does.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Invalid` for an empty or over-long (> 500 chars) title
    /// or a malformed charge; `NotFound` if the organization does not exist;
    /// `Conflict(AlreadyExists)` if `new.id` exists (in any organization), or the charge's
    /// reservation id does; `LimitExceeded` naming the first charge line that does not fit
    /// (nothing is created).
    async fn create_workflow(&self, ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow>;

    /// The workflow, if it exists in the caller's organization.
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>>;

    /// The organization's workflows, ordered by id, optionally filtered by state.
    ///
    /// # Errors
    /// `Invalid` for a malformed cursor.
    async fn list_workflows(&self, ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>>;

    /// Moves a workflow from `request.from` to `request.to` as a compare-and-set on
    /// `(state, version)`, and in the same atomic operation appends a transition row and a
    /// `workflow.transition` audit entry (details from [`TransitionRequest::audit_details`]). On
    /// success the version is incremented and the request's
    /// [`effects`](TransitionRequest::effects) are applied: `last_error`, `failure_kind` and
    /// `next_attempt_at` set when entering `*_FAILED` and cleared otherwise, the failed-attempt
    /// counter incremented, kept or reset, the lease kept from the request when the target state
    /// [`holds a lease`](crate::workflow::WorkflowState::holds_lease) and cleared otherwise,
    /// `completed_at` set on `COMPLETED`.
    ///
    /// Idempotent: if a transition with `request.idempotency_key` was already recorded for this
    /// workflow with the same `from`/`to`, nothing changes and the recorded transition is
    /// returned with `replayed = true` (even though the state has moved on since).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// - `Forbidden` without `RunWorkflows`;
    /// - `NotFound` if the workflow is not in the caller's organization;
    /// - `Conflict(IllegalTransition)` if `from → to` is not in the transition table;
    /// - `Conflict(StaleWorkflow { current, version })` if the state or version differ;
    /// - `Conflict(IdempotencyKeyReused)` if the key was recorded for a different transition.
    async fn transition(&self, ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome>;

    /// A workflow's transitions, oldest first.
    ///
    /// # Errors
    /// `NotFound` if the workflow is not in the caller's organization.
    async fn list_transitions(&self, ctx: &TenantContext, workflow_id: WorkflowId)
    -> Result<Vec<Transition>>;

    /// Changes non-state fields (ICP, counts, costs, metadata, settings). Does not change the
    /// version.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the workflow is not in the caller's organization.
    async fn update_workflow(
        &self,
        ctx: &TenantContext,
        id: WorkflowId,
        update: WorkflowUpdate,
    ) -> Result<Workflow>;

    /// Hands a worker up to `request.limit` runnable workflows of any organization (see
    /// [`ClaimRequest`] for what is runnable, the order and the per-organization share) and
    /// leases each to `request.owner` until `request.lease_expires_at`, atomically: under any
    /// number of concurrent claimers, a workflow goes to exactly one of them until its lease
    /// lapses. Writes no transition or audit row (a lease is not a state change); returns only
    /// ids, states and leases, never tenant data. This is the store's one operation that spans
    /// organizations, and the only one without a [`TenantContext`]: the worker then runs each
    /// workflow under that organization's context (ADR 0004).
    ///
    /// # Errors
    /// `Invalid` (field `claim`) for a malformed request ([`ClaimRequest::check`]).
    async fn claim_workflows(&self, request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>>;

    /// Extends `lease.owner`'s lease on the workflow to `lease.expires_at` (a heartbeat). Writes
    /// no transition or audit row. Returns `false`, changing nothing, when the workflow is not
    /// leased to that owner any more (another worker took it over, it reached a state without a
    /// lease, or it was released).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` if the workflow is not in the caller's organization.
    async fn renew_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool>;

    /// Gives up `owner`'s lease on the workflow at once (graceful shutdown), so any worker may
    /// claim it now. The state is unchanged: a step left `*_PROCESSING` is resumed by the next
    /// claimer. Returns `false` when `owner` held no lease on it.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` if the workflow is not in the caller's organization.
    async fn release_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool>;

    /// Sends `events` (in order) to the subscribers of the caller's organization: in process on
    /// memory and SQLite ([`ProgressHub`](crate::engine::feed::ProgressHub)), with `NOTIFY` on
    /// PostgreSQL so that subscribers in every process see them. At most once, never durable,
    /// never to another organization (see [`feed`](crate::engine::feed)). Long texts are cut to
    /// [`MAX_FEED_TEXT`](crate::engine::feed::MAX_FEED_TEXT) on PostgreSQL.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden`; a backend error if the database cannot be reached.
    async fn publish_progress(&self, ctx: &TenantContext, events: &[ProgressEvent]) -> Result<()>;

    /// The caller's organization's progress events from now on (events sent before the call are
    /// not replayed). Any role may subscribe.
    ///
    /// # Errors
    /// A backend error if the subscription cannot be set up (PostgreSQL: no connection for
    /// `LISTEN`).
    async fn subscribe_progress(&self, ctx: &TenantContext) -> Result<ProgressStream>;
}
