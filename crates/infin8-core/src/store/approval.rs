use crate::approval::{Approval, ApprovalEntityType, NewApproval};
use crate::error::Result;
use crate::ids::WorkflowId;
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Approvals at the human gates.
#[async_trait]
pub trait ApprovalStore: Send + Sync {
    /// Records decisions, one per `(workflow, entity type, entity id)`: a new decision on the same
    /// entity replaces the earlier one (keeping its id and `created_at`). Decided by `ctx.actor`.
    /// Appends one `approval.recorded` audit entry per decision. All or nothing. Requires
    /// [`Permission::Approve`](crate::organization::Permission).
    ///
    /// # Errors
    /// `Forbidden` (e.g. a viewer); `NotFound` if a workflow is not in the caller's organization.
    async fn record_approvals(&self, ctx: &TenantContext, approvals: &[NewApproval])
    -> Result<Vec<Approval>>;

    /// A workflow's approvals, optionally of one entity type, ordered by id.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_approvals(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>,
    ) -> Result<Vec<Approval>>;
}
