use crate::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use crate::error::Result;
use crate::ids::WorkflowId;
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Topic clusters and their validation.
#[async_trait]
pub trait ClusterStore: Send + Sync {
    /// Replaces all of a workflow's clusters (and drops its validations, which described the old
    /// clusters) atomically. Returns the stored spokes.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// - `Forbidden` without `RunWorkflows`;
    /// - `NotFound` if the workflow or any hub/spoke keyword is not in the caller's organization
    ///   and that workflow;
    /// - `Invalid` if a keyword is the spoke of two hubs, or a hub is its own spoke.
    async fn replace_clusters(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        spokes: &[NewClusterSpoke],
    ) -> Result<Vec<ClusterSpoke>>;

    /// A workflow's cluster spokes, ordered by (hub, similarity descending, spoke).
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_clusters(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>>;

    /// Replaces all of a workflow's validation results atomically, one per hub.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the workflow or a hub keyword is not in the caller's
    /// organization; `Invalid` if a hub appears twice.
    async fn replace_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation],
    ) -> Result<Vec<ClusterValidation>>;

    /// A workflow's validation results, ordered by hub keyword id.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<ClusterValidation>>;
}
