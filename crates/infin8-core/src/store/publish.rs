use crate::error::Result;
use crate::ids::{ArticleId, PublishId};
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference};
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Publish references: the claim that makes publishing exactly-once.
#[async_trait]
pub trait PublishStore: Send + Sync {
    /// Claims publishing `(article, platform)`. Atomically:
    /// - no reference yet → one is created `claimed` by `owner` with `attempts = 1`: `Won`;
    /// - `published` → `AlreadyPublished` (nothing changes);
    /// - `claimed` with an unexpired claim by someone else → `HeldByOther`;
    /// - `failed`, or `claimed` with an expired claim, or claimed by the same `owner` →
    ///   re-claimed with `attempts + 1`: `Won`.
    ///
    /// Of any number of concurrent claimants exactly one wins. The reference's
    /// `idempotency_key` is stable for `(article, platform)` and is what the publisher uses to
    /// find a post created by a claimant that died before recording it.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the article is not in the caller's organization.
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim>;

    /// Records success: `published` with the remote id and URL, claim cleared. Idempotent for the
    /// same remote id.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound`; `Conflict(WrongState)` if the reference is not claimed
    /// by `owner` (or was published with another remote id).
    async fn mark_published(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        remote_id: &str,
        remote_url: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference>;

    /// Records failure: `failed` with the error, claim cleared (claimable again).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound`; `Conflict(WrongState)` if the reference is not claimed
    /// by `owner`.
    async fn mark_publish_failed(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference>;

    /// The references of an article.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_publish_references(
        &self,
        ctx: &TenantContext,
        article_id: ArticleId,
    ) -> Result<Vec<PublishReference>>;
}
