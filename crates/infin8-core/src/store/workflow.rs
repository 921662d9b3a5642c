use crate::error::Result;
use crate::ids::WorkflowId;
use crate::page::Page;
use crate::tenant::TenantContext;
use crate::workflow::{
    NewWorkflow, Transition, TransitionOutcome, TransitionRequest, Workflow, WorkflowQuery, WorkflowUpdate,
};
use async_trait::async_trait;

/// Workflows and their transitions.
#[async_trait]
pub trait WorkflowStore: Send + Sync {
    /// Creates a workflow in `CREATED` at version 1 and appends a `workflow.created` audit entry,
    /// atomically.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Invalid` for an empty or over-long (> 500 chars) title;
    /// `Conflict(AlreadyExists)` if `new.id` exists (in any organization); `NotFound` if the organization
    /// does not exist.
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
    /// `workflow.transition` audit entry. On success the version is incremented; `last_error`
    /// is set from `reason` when entering `*_FAILED` and cleared otherwise; the lease is set
    /// when entering `*_PROCESSING` and cleared otherwise; `completed_at` is set on `COMPLETED`.
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
}
