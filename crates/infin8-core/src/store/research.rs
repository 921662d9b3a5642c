use crate::error::Result;
use crate::research::{NewResearchCacheEntry, ResearchCacheEntry};
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The research cache, per organization and normalized query
/// ([`normalize_query`](crate::research::normalize_query)).
#[async_trait]
pub trait ResearchCacheStore: Send + Sync {
    /// The entry for `query` if one exists with `expires_at > now`.
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_research(
        &self,
        ctx: &TenantContext,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ResearchCacheEntry>>;

    /// Stores results for a query, replacing any entry for the same normalized query.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Invalid` if `expires_at <= created_at`.
    async fn put_research(
        &self,
        ctx: &TenantContext,
        entry: NewResearchCacheEntry,
    ) -> Result<ResearchCacheEntry>;

    /// Deletes the caller's entries with `expires_at <= now`; returns how many.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; otherwise backend failures only.
    async fn purge_expired_research(&self, ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64>;
}
