use super::SqliteStore;
use crate::codec::{self, get_enum, get_id, get_json, get_opt_ts, get_ts};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::article::{Article, ArticleSection, ArticleUpdate, NewArticle, NewSection};
use infin8_core::error::{Entity, Error, Result};
use infin8_core::ids::{ArticleId, SectionId, WorkflowId};
use infin8_core::money::Usd;
use infin8_core::organization::Permission;
use infin8_core::store::ArticleStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

macro_rules! article_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, workflow_id, keyword_id, title, slug, status, progress, sections_completed, \
             sections_total, content, content_html, excerpt, meta_title, meta_description, focus_keyword, \
             word_count, reading_time_minutes, quality_score, seo_score, wordpress_post_id, wordpress_url, \
             generation_cost_micros, provenance, error, created_at, updated_at, completed_at FROM articles ",
            $tail
        )
    };
}

fn article_row(r: &Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        keyword_id: get_id(r, 3)?,
        title: r.get(4)?,
        slug: r.get(5)?,
        status: get_enum(r, 6)?,
        progress: r.get(7)?,
        sections_completed: r.get(8)?,
        sections_total: r.get(9)?,
        content: r.get(10)?,
        content_html: r.get(11)?,
        excerpt: r.get(12)?,
        meta_title: r.get(13)?,
        meta_description: r.get(14)?,
        focus_keyword: r.get(15)?,
        word_count: r.get(16)?,
        reading_time_minutes: r.get(17)?,
        quality_score: r.get(18)?,
        seo_score: r.get(19)?,
        wordpress_post_id: r.get(20)?,
        wordpress_url: r.get(21)?,
        generation_cost: Usd::from_micros(r.get(22)?),
        provenance: get_json(r, 23)?,
        error: r.get(24)?,
        created_at: get_ts(r, 25)?,
        updated_at: get_ts(r, 26)?,
        completed_at: get_opt_ts(r, 27)?,
    })
}

fn section_row(r: &Row<'_>) -> rusqlite::Result<ArticleSection> {
    Ok(ArticleSection {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        article_id: get_id(r, 2)?,
        section_order: r.get(3)?,
        title: r.get(4)?,
        content: r.get(5)?,
        content_html: r.get(6)?,
        research_query: r.get(7)?,
        sources: get_json(r, 8)?,
        model: r.get(9)?,
        prompt_tokens: r.get(10)?,
        completion_tokens: r.get(11)?,
        generation_ms: r.get(12)?,
        cost: Usd::from_micros(r.get(13)?),
        status: get_enum(r, 14)?,
        created_at: get_ts(r, 15)?,
        updated_at: get_ts(r, 16)?,
    })
}

/// The article, if it is in the scope's organization.
pub(super) fn load_article(s: &Scoped<'_>, id: ArticleId) -> Res<Option<Article>> {
    s.row(article_select!("WHERE organization_id = ?1 AND id = ?2"), &[&codec::id(id)], article_row)
}

/// `NotFound` unless the article is in the scope's organization.
pub(super) fn require_article(s: &Scoped<'_>, id: ArticleId) -> Res<()> {
    if s.exists("SELECT 1 FROM articles WHERE organization_id = ?1 AND id = ?2", &[&codec::id(id)])? {
        Ok(())
    } else {
        Err(Error::not_found(Entity::Article, id).into())
    }
}

fn must_load(s: &Scoped<'_>, id: ArticleId) -> Res<Article> {
    load_article(s, id)?.ok_or_else(|| Fail::Domain(Error::not_found(Entity::Article, id)))
}

#[async_trait]
impl ArticleStore for SqliteStore {
    async fn create_article(&self, ctx: &TenantContext, new: NewArticle) -> Result<Article> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db
            .write("create_article", move |tx| {
                let s = Scoped::new(tx, org);
                super::workflow::require_workflow(&s, new.workflow_id)?;
                let in_workflow = s.exists(
                    "SELECT 1 FROM keywords WHERE organization_id = ?1 AND id = ?2 AND workflow_id = ?3",
                    &[&codec::id(new.keyword_id), &codec::id(new.workflow_id)],
                )?;
                if !in_workflow {
                    return Err(Error::not_found(Entity::Keyword, new.keyword_id).into());
                }
                let now = codec::ts(Utc::now());
                s.execute(
                    "INSERT INTO articles (organization_id, id, workflow_id, keyword_id, title, slug, sections_total, \
                     focus_keyword, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) \
                     ON CONFLICT (workflow_id, keyword_id) DO NOTHING",
                    &[
                        &codec::id(ArticleId::new()),
                        &codec::id(new.workflow_id),
                        &codec::id(new.keyword_id),
                        &new.title,
                        &new.slug,
                        &new.sections_total,
                        &new.focus_keyword,
                        &now,
                    ],
                )?;
                let article = s.row(
                    article_select!("WHERE organization_id = ?1 AND workflow_id = ?2 AND keyword_id = ?3"),
                    &[&codec::id(new.workflow_id), &codec::id(new.keyword_id)],
                    article_row,
                )?;
                article.ok_or_else(|| Error::not_found(Entity::Article, new.keyword_id).into())
            })
            .await
    }

    async fn get_article(&self, ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>> {
        let org = ctx.org_id;
        self.db.read("get_article", move |tx| load_article(&Scoped::new(tx, org), id)).await
    }

    async fn list_articles(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>> {
        let org = ctx.org_id;
        self.db
            .read("list_articles", move |tx| {
                Scoped::new(tx, org).rows(
                    article_select!("WHERE organization_id = ?1 AND workflow_id = ?2 ORDER BY id"),
                    &[&codec::id(workflow_id)],
                    article_row,
                )
            })
            .await
    }

    async fn update_article(
        &self,
        ctx: &TenantContext,
        id: ArticleId,
        update: ArticleUpdate,
    ) -> Result<Article> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db
            .write("update_article", move |tx| {
                let s = Scoped::new(tx, org);
                let u = &update;
                let n = s.execute(
                    "UPDATE articles SET title = coalesce(?3, title), slug = coalesce(?4, slug), \
                     status = coalesce(?5, status), progress = coalesce(?6, progress), \
                     sections_completed = coalesce(?7, sections_completed), \
                     sections_total = coalesce(?8, sections_total), content = coalesce(?9, content), \
                     content_html = coalesce(?10, content_html), excerpt = coalesce(?11, excerpt), \
                     meta_title = coalesce(?12, meta_title), meta_description = coalesce(?13, meta_description), \
                     focus_keyword = coalesce(?14, focus_keyword), word_count = coalesce(?15, word_count), \
                     reading_time_minutes = coalesce(?16, reading_time_minutes), \
                     quality_score = coalesce(?17, quality_score), seo_score = coalesce(?18, seo_score), \
                     wordpress_post_id = coalesce(?19, wordpress_post_id), \
                     wordpress_url = coalesce(?20, wordpress_url), \
                     generation_cost_micros = coalesce(?21, generation_cost_micros), \
                     provenance = coalesce(?22, provenance), error = CASE WHEN ?26 THEN ?23 ELSE error END, \
                     completed_at = coalesce(?24, completed_at), updated_at = ?25 \
                     WHERE organization_id = ?1 AND id = ?2",
                    &[
                        &codec::id(id),
                        &u.title,
                        &u.slug,
                        &u.status.map(|s| s.as_str()),
                        &u.progress,
                        &u.sections_completed,
                        &u.sections_total,
                        &u.content,
                        &u.content_html,
                        &u.excerpt,
                        &u.meta_title,
                        &u.meta_description,
                        &u.focus_keyword,
                        &u.word_count,
                        &u.reading_time_minutes,
                        &u.quality_score,
                        &u.seo_score,
                        &u.wordpress_post_id,
                        &u.wordpress_url,
                        &u.generation_cost.map(Usd::micros),
                        &u.provenance.as_ref().map(codec::json).transpose()?,
                        &u.error.clone().flatten(),
                        &codec::opt_ts(u.completed_at),
                        &codec::ts(Utc::now()),
                        &u.error.is_some(),
                    ],
                )?;
                if n == 0 {
                    return Err(Error::not_found(Entity::Article, id).into());
                }
                must_load(&s, id)
            })
            .await
    }

    async fn upsert_section(&self, ctx: &TenantContext, section: NewSection) -> Result<ArticleSection> {
        ctx.role.require(Permission::RunWorkflows)?;
        if section.section_order < 0 {
            return Err(Error::invalid("section_order", "negative"));
        }
        let org = ctx.org_id;
        self.db
            .write("upsert_section", move |tx| {
                let s = Scoped::new(tx, org);
                require_article(&s, section.article_id)?;
                let now = codec::ts(Utc::now());
                let row = s.row(
                    "INSERT INTO article_sections (organization_id, id, article_id, section_order, title, content, \
                     content_html, research_query, sources, model, prompt_tokens, completion_tokens, generation_ms, \
                     cost_micros, status, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16) \
                     ON CONFLICT (article_id, section_order) DO UPDATE SET title = excluded.title, \
                     content = excluded.content, content_html = excluded.content_html, \
                     research_query = excluded.research_query, sources = excluded.sources, model = excluded.model, \
                     prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, \
                     generation_ms = excluded.generation_ms, cost_micros = excluded.cost_micros, \
                     status = excluded.status, updated_at = excluded.updated_at \
                     WHERE article_sections.organization_id = ?1 \
                     RETURNING id, organization_id, article_id, section_order, title, content, content_html, \
                     research_query, sources, model, prompt_tokens, completion_tokens, generation_ms, cost_micros, \
                     status, created_at, updated_at",
                    &[
                        &codec::id(SectionId::new()),
                        &codec::id(section.article_id),
                        &section.section_order,
                        &section.title,
                        &section.content,
                        &section.content_html,
                        &section.research_query,
                        &codec::json(&section.sources)?,
                        &section.model,
                        &section.prompt_tokens,
                        &section.completion_tokens,
                        &section.generation_ms,
                        &section.cost.micros(),
                        &section.status.as_str(),
                        &now,
                    ],
                    section_row,
                )?;
                row.ok_or_else(|| Error::not_found(Entity::Article, section.article_id).into())
            })
            .await
    }

    async fn list_sections(&self, ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>> {
        let org = ctx.org_id;
        self.db
            .read("list_sections", move |tx| {
                Scoped::new(tx, org).rows(
                    "SELECT id, organization_id, article_id, section_order, title, content, content_html, \
                     research_query, sources, model, prompt_tokens, completion_tokens, generation_ms, cost_micros, \
                     status, created_at, updated_at FROM article_sections \
                     WHERE organization_id = ?1 AND article_id = ?2 ORDER BY section_order",
                    &[&codec::id(article_id)],
                    section_row,
                )
            })
            .await
    }
}
