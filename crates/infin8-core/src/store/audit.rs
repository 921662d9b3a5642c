use crate::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use crate::error::Result;
use crate::page::Page;
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// The append-only audit log. There is no update or delete; SQL backends also forbid them in
/// the database.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry by `ctx.actor`.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Conflict(AlreadyExists)` if the id exists (the existing entry is
    /// unchanged); `NotFound` if `workflow_id` is not in the caller's organization.
    async fn append_audit(&self, ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry>;

    /// Entries, oldest first.
    ///
    /// # Errors
    /// `Invalid` for a malformed cursor.
    async fn list_audit(&self, ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>>;
}
