//! Articles (one per workflow and keyword) and their sections (one per article and order).

use super::MemoryStore;
use crate::article::{Article, ArticleSection, ArticleStatus, ArticleUpdate, NewArticle, NewSection};
use crate::error::{Entity, Error, Result};
use crate::ids::{ArticleId, SectionId, WorkflowId};
use crate::money::Usd;
use crate::organization::Permission;
use crate::store::ArticleStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl ArticleStore for MemoryStore {
    async fn create_article(&self, ctx: &TenantContext, new: NewArticle) -> Result<Article> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.workflow(ctx, new.workflow_id)?;
        state.keyword_in(ctx, new.workflow_id, new.keyword_id)?;
        let key = (new.workflow_id, new.keyword_id);
        if let Some(existing) = state.article_index.get(&key).and_then(|id| state.articles.get(id)) {
            return Ok(existing.clone());
        }
        let now = Utc::now();
        let article = Article {
            id: ArticleId::new(),
            organization_id: ctx.org_id,
            workflow_id: new.workflow_id,
            keyword_id: new.keyword_id,
            title: new.title,
            slug: new.slug,
            status: ArticleStatus::Queued,
            progress: 0,
            sections_completed: 0,
            sections_total: new.sections_total,
            content: None,
            content_html: None,
            excerpt: None,
            meta_title: None,
            meta_description: None,
            focus_keyword: new.focus_keyword,
            word_count: 0,
            reading_time_minutes: 0,
            quality_score: None,
            seo_score: None,
            wordpress_post_id: None,
            wordpress_url: None,
            generation_cost: Usd::ZERO,
            provenance: serde_json::Value::Null,
            error: None,
            created_at: now,
            updated_at: now,
            completed_at: None,
        };
        state.article_index.insert(key, article.id);
        state.articles.insert(article.id, article.clone());
        Ok(article)
    }

    async fn get_article(&self, ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>> {
        Ok(self.lock().article(ctx, id).ok().cloned())
    }

    async fn list_articles(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>> {
        let state = self.lock();
        Ok(state
            .articles
            .values()
            .filter(|a| a.organization_id == ctx.org_id && a.workflow_id == workflow_id)
            .cloned()
            .collect())
    }

    async fn update_article(
        &self,
        ctx: &TenantContext,
        id: ArticleId,
        update: ArticleUpdate,
    ) -> Result<Article> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.article(ctx, id)?;
        let article = state.articles.get_mut(&id).ok_or_else(|| Error::not_found(Entity::Article, id))?;
        apply(article, update);
        article.updated_at = Utc::now();
        Ok(article.clone())
    }

    async fn upsert_section(&self, ctx: &TenantContext, section: NewSection) -> Result<ArticleSection> {
        ctx.role.require(Permission::RunWorkflows)?;
        if section.section_order < 0 {
            return Err(Error::invalid("section_order", "negative"));
        }
        let mut state = self.lock();
        state.article(ctx, section.article_id)?;
        let now = Utc::now();
        let sections = state.sections.entry(section.article_id).or_default();
        let (id, created_at) = sections
            .get(&section.section_order)
            .map_or_else(|| (SectionId::new(), now), |s| (s.id, s.created_at));
        let row = ArticleSection {
            id,
            organization_id: ctx.org_id,
            article_id: section.article_id,
            section_order: section.section_order,
            title: section.title,
            content: section.content,
            content_html: section.content_html,
            research_query: section.research_query,
            sources: section.sources,
            model: section.model,
            prompt_tokens: section.prompt_tokens,
            completion_tokens: section.completion_tokens,
            generation_ms: section.generation_ms,
            cost: section.cost,
            status: section.status,
            created_at,
            updated_at: now,
        };
        sections.insert(row.section_order, row.clone());
        Ok(row)
    }

    async fn list_sections(&self, ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>> {
        let state = self.lock();
        if state.article(ctx, article_id).is_err() {
            return Ok(Vec::new());
        }
        Ok(state.sections.get(&article_id).map(|s| s.values().cloned().collect()).unwrap_or_default())
    }
}

/// Applies the `Some` fields of an update (`error: Some(None)` clears the error).
fn apply(a: &mut Article, u: ArticleUpdate) {
    macro_rules! set {
        ($($field:ident),*) => { $( if let Some(v) = u.$field { a.$field = v; } )* };
    }
    macro_rules! set_opt {
        ($($field:ident),*) => { $( if let Some(v) = u.$field { a.$field = Some(v); } )* };
    }
    set!(title, slug, status, progress, sections_completed, sections_total, word_count, reading_time_minutes);
    set!(generation_cost, provenance);
    set_opt!(content, content_html, excerpt, meta_title, meta_description, focus_keyword, quality_score);
    set_opt!(seo_score, wordpress_post_id, wordpress_url, completed_at);
    if let Some(error) = u.error {
        a.error = error;
    }
}
