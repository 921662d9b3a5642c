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
    /// `idempotency_key` is the request's when the claim creates it, and stays as it is after
    /// that (stable for `(article, platform)`); it is what the publisher uses to find a post
    /// created by a claimant that died before recording it. Keys are not unique: two articles
    /// of one organization on one keyword share theirs
    /// ([`idempotency_key`](crate::publish::idempotency_key)).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Invalid` for a blank idempotency key; `NotFound` if the
    /// article is not in the caller's organization.
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim>;

    /// Records success: `published` with the remote id and URL and the post's status on the
    /// platform (`post_status`: `"draft"`, `"publish"`…, as the platform reported it), claim
    /// cleared. Idempotent for the same remote id (the recorded status is kept).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound`; `Conflict(WrongState)` if the reference is not claimed
    /// by `owner` (or was published with another remote id).
    // The post's remote id, URL and status are recorded together, as the platform reported them.
    #[allow(clippy::too_many_arguments)]
    async fn mark_published(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        remote_id: &str,
        remote_url: &str,
        post_status: &str,
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
