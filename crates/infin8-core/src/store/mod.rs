//! The storage seam: async traits grouped by aggregate, whose methods are domain operations
//! with their atomicity built in.
//!
//! Every method takes a [`TenantContext`](crate::tenant::TenantContext) first and reads or writes
//! only that organization's rows: an id from another organization is
//! [`Error::NotFound`](crate::Error::NotFound), never its data. Writes are atomic: each call
//! either happens completely or not at all. Backends: [`MemoryStore`](crate::memory::MemoryStore)
//! (the reference semantics), `infin8-store-sqlite`, `infin8-store-postgres`; all pass the same
//! conformance suite (`infin8_core::testkit`, feature `testkit`).
//!
//! ## Conventions every backend keeps (pinned by the conformance suite)
//! 1. **Error precedence**: permission and input-only checks first (`Forbidden`, `Invalid`), then
//!    lookups (`NotFound`), then checks against stored data (`Conflict`, `LimitExceeded`). Which
//!    item of a batch an error names is unspecified.
//! 2. **Foreign ids** never reveal another organization's rows: reserving usage under an id that
//!    another organization already used is `Conflict(AlreadyExists)`.
//! 3. **Replays still validate their input**: committing a committed reservation with the wrong
//!    number of amounts is `Invalid`, not the stored reservation.
//! 4. **Organization names** are unique per store; new organizations start `trialing` /
//!    `not_started`; whitespace-only names and titles count as empty.
//! 5. **`list_usage`** is ordered by [`UsageMetric`](crate::ledger::UsageMetric) declaration order.
//! 6. **Publishing**: `last_error` survives a re-claim and is cleared on success; the idempotency
//!    key is stable per `(article, platform)`.
//! 7. **A reason on a non-failing transition** is recorded on the transition only; `last_error`
//!    is cleared.
//! 8. **Clusters**: the same spoke twice under one hub is `Invalid`; validation hubs must be
//!    keywords of the same workflow.
//! 9. **What a write returns equals what a later read returns** (a backend with coarser
//!    timestamps truncates before returning).
//! 10. **Every write requires a permission** of `ctx.role`
//!     ([`Role::allows`](crate::organization::Role::allows)), checked before anything else
//!     (before input validation and before any lookup, so a refused call reveals nothing and
//!     writes nothing); reads need only [`Read`](crate::organization::Permission::Read), which
//!     every role has. A `Viewer` can write nothing.
//!     - `ChangeSettings`: `create_organization`, `update_organization_profile`,
//!       `upsert_competitors`, `update_competitor`;
//!     - `ManageMembers`: `upsert_member`;
//!     - `Approve`: `record_approvals`;
//!     - `RunWorkflows`, every write of the workflow pipeline: `create_workflow`, `transition`,
//!       `update_workflow`, `upsert_keywords`, `update_keywords`, `replace_clusters`,
//!       `replace_validations`, `create_article`, `update_article`, `upsert_section`,
//!       `claim_publish`, `mark_published`, `mark_publish_failed`, `put_research`,
//!       `purge_expired_research`, `reserve_usage`, `commit_usage`, `release_usage`, `reap_reservations`,
//!       `hit_rate_limit`, `append_audit`.
//!
//! The engine acts with the caller's context, except where it acts on its own account with
//! [`TenantContext::system`](crate::tenant::TenantContext::system) (an `Admin`): recording
//! auto-approvals, and registering and updating the competitors a workflow analyses. Creating
//! an organization needs `ChangeSettings` because its creator becomes the owner. The audit log
//! is appended by whoever runs the pipeline; a `Viewer` may not write it.

mod approval;
mod article;
mod audit;
mod cluster;
mod keyword;
mod organization;
mod publish;
mod research;
mod usage;
mod workflow;

pub use approval::ApprovalStore;
pub use article::ArticleStore;
pub use audit::AuditStore;
pub use cluster::ClusterStore;
pub use keyword::KeywordStore;
pub use organization::OrganizationStore;
pub use publish::PublishStore;
pub use research::ResearchCacheStore;
pub use usage::UsageStore;
pub use workflow::WorkflowStore;

/// A complete store: every aggregate's operations. Hosts hold it as `Arc<dyn Store>` and choose
/// the backend at run time.
pub trait Store:
    OrganizationStore
    + WorkflowStore
    + KeywordStore
    + ClusterStore
    + ApprovalStore
    + ArticleStore
    + PublishStore
    + ResearchCacheStore
    + UsageStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    /// The backend's name (`"memory"`, `"sqlite"`, `"postgres"`).
    fn backend_name(&self) -> &'static str;
}
