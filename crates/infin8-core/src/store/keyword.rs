use crate::error::Result;
use crate::ids::KeywordId;
use crate::keyword::{Keyword, KeywordQuery, KeywordUpdate, NewKeyword, UpsertedKeyword};
use crate::page::Page;
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Keywords.
#[async_trait]
pub trait KeywordStore: Send + Sync {
    /// Inserts keywords that are new by `(organization, workflow, normalized text)` and returns,
    /// in input order, each keyword's id and whether this call created it. Existing keywords are
    /// left unchanged; repeated texts within the batch map to one id. Concurrent upserts of the
    /// same text never create two rows. All or nothing: one bad keyword fails the whole batch.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// - `Forbidden` without `RunWorkflows`;
    /// - `Invalid` (field `keyword`) if a text does not normalize;
    /// - `Invalid` (field `parent_id`) if a parent breaks the hierarchy rule
    ///   ([`check_parent`](crate::keyword::check_parent));
    /// - `NotFound` if a workflow or parent is not in the caller's organization.
    async fn upsert_keywords(
        &self,
        ctx: &TenantContext,
        keywords: &[NewKeyword],
    ) -> Result<Vec<UpsertedKeyword>>;

    /// A keyword.
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>>;

    /// A workflow's keywords matching the query, ordered by id.
    ///
    /// # Errors
    /// `Invalid` for a malformed cursor. An unknown or foreign workflow gives an empty page.
    async fn list_keywords(&self, ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>>;

    /// Applies the updates atomically (all or nothing).
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if any id is not in the caller's organization (nothing
    /// is changed).
    async fn update_keywords(&self, ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()>;
}
