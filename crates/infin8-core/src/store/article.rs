use crate::article::{Article, ArticleSection, ArticleUpdate, NewArticle, NewSection};
use crate::error::Result;
use crate::ids::{ArticleId, WorkflowId};
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Articles and their sections.
#[async_trait]
pub trait ArticleStore: Send + Sync {
    /// Creates the article for `(workflow, keyword)` in `queued`, or returns the existing one
    /// unchanged. Concurrent calls create one row.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the workflow or keyword is not in the caller's
    /// organization (or the keyword is not in that workflow).
    async fn create_article(&self, ctx: &TenantContext, new: NewArticle) -> Result<Article>;

    /// An article.
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_article(&self, ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>>;

    /// A workflow's articles, ordered by id.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_articles(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>>;

    /// Changes an article's fields.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the article is not in the caller's organization.
    async fn update_article(
        &self,
        ctx: &TenantContext,
        id: ArticleId,
        update: ArticleUpdate,
    ) -> Result<Article>;

    /// Writes a section, keyed by `(article, order)`: replaces the content of an existing section
    /// (keeping its id), or inserts it.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound` if the article is not in the caller's organization;
    /// `Invalid` for a negative order.
    async fn upsert_section(&self, ctx: &TenantContext, section: NewSection) -> Result<ArticleSection>;

    /// An article's sections by order.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_sections(&self, ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>>;
}
