//! Articles and their sections.

use crate::error::map_sqlx;
use crate::rows::{get, json, to_json, wire};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use infin8_core::article::{Article, ArticleSection, ArticleUpdate, NewArticle, NewSection};
use infin8_core::organization::Permission;
use infin8_core::store::ArticleStore;
use infin8_core::{
    ArticleId, Entity, Error, KeywordId, OrgId, Result, SectionId, TenantContext, Usd, WorkflowId,
};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

macro_rules! article_columns {
    () => {
        "id, organization_id, workflow_id, keyword_id, title, slug, status, progress, sections_completed, \
         sections_total, content, content_html, excerpt, meta_title, meta_description, focus_keyword, word_count, \
         reading_time_minutes, quality_score, seo_score, wordpress_post_id, wordpress_url, \
         (generation_cost * 1000000)::bigint AS generation_cost_micros, provenance, error, created_at, \
         updated_at, completed_at"
    };
}

macro_rules! section_columns {
    () => {
        "id, organization_id, article_id, section_order, title, content, content_html, research_query, sources, \
         model, prompt_tokens, completion_tokens, generation_ms, (cost * 1000000)::bigint AS cost_micros, status, \
         created_at, updated_at"
    };
}

fn article(row: &PgRow, op: &'static str) -> Result<Article> {
    Ok(Article {
        id: ArticleId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        keyword_id: KeywordId::from_uuid(get(row, "keyword_id", op)?),
        title: get(row, "title", op)?,
        slug: get(row, "slug", op)?,
        status: wire(row, "status", op)?,
        progress: get(row, "progress", op)?,
        sections_completed: get(row, "sections_completed", op)?,
        sections_total: get(row, "sections_total", op)?,
        content: get(row, "content", op)?,
        content_html: get(row, "content_html", op)?,
        excerpt: get(row, "excerpt", op)?,
        meta_title: get(row, "meta_title", op)?,
        meta_description: get(row, "meta_description", op)?,
        focus_keyword: get(row, "focus_keyword", op)?,
        word_count: get(row, "word_count", op)?,
        reading_time_minutes: get(row, "reading_time_minutes", op)?,
        quality_score: get(row, "quality_score", op)?,
        seo_score: get(row, "seo_score", op)?,
        wordpress_post_id: get(row, "wordpress_post_id", op)?,
        wordpress_url: get(row, "wordpress_url", op)?,
        generation_cost: Usd::from_micros(get(row, "generation_cost_micros", op)?),
        provenance: get(row, "provenance", op)?,
        error: get(row, "error", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
        completed_at: get(row, "completed_at", op)?,
    })
}

fn section(row: &PgRow, op: &'static str) -> Result<ArticleSection> {
    Ok(ArticleSection {
        id: SectionId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        article_id: ArticleId::from_uuid(get(row, "article_id", op)?),
        section_order: get(row, "section_order", op)?,
        title: get(row, "title", op)?,
        content: get(row, "content", op)?,
        content_html: get(row, "content_html", op)?,
        research_query: get(row, "research_query", op)?,
        sources: json(row, "sources", op)?,
        model: get(row, "model", op)?,
        prompt_tokens: get(row, "prompt_tokens", op)?,
        completion_tokens: get(row, "completion_tokens", op)?,
        generation_ms: get(row, "generation_ms", op)?,
        cost: Usd::from_micros(get(row, "cost_micros", op)?),
        status: wire(row, "status", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
    })
}

/// `NotFound` unless the article exists in the caller's organization.
pub(crate) async fn require_article(conn: &mut PgConnection, id: ArticleId, op: &'static str) -> Result<()> {
    let row = sqlx::query("SELECT 1 FROM articles WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(|e| map_sqlx(op, e))?;
    row.map(|_| ()).ok_or_else(|| Error::not_found(Entity::Article, id))
}

#[async_trait]
impl ArticleStore for PgStore {
    async fn create_article(&self, ctx: &TenantContext, new: NewArticle) -> Result<Article> {
        const OP: &str = "create_article";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        crate::workflow::require_workflow(&mut tx, new.workflow_id, OP).await?;
        let keyword_ok = sqlx::query("SELECT 1 FROM keywords WHERE id = $1 AND workflow_id = $2")
            .bind(new.keyword_id.as_uuid())
            .bind(new.workflow_id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        if keyword_ok.is_none() {
            return Err(Error::not_found(Entity::Keyword, new.keyword_id));
        }
        let inserted = sqlx::query(concat!(
            "INSERT INTO articles (id, organization_id, workflow_id, keyword_id, title, slug, sections_total, \
             focus_keyword) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (workflow_id, keyword_id) DO NOTHING RETURNING ",
            article_columns!()
        ))
        .bind(ArticleId::new().as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(new.workflow_id.as_uuid())
        .bind(new.keyword_id.as_uuid())
        .bind(&new.title)
        .bind(&new.slug)
        .bind(new.sections_total)
        .bind(&new.focus_keyword)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let row = match inserted {
            Some(row) => row,
            None => sqlx::query(concat!(
                "SELECT ",
                article_columns!(),
                " FROM articles WHERE workflow_id = $1 AND keyword_id = $2"
            ))
            .bind(new.workflow_id.as_uuid())
            .bind(new.keyword_id.as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?,
        };
        let a = article(&row, OP)?;
        commit(tx, OP).await?;
        Ok(a)
    }

    async fn get_article(&self, ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>> {
        const OP: &str = "get_article";
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(concat!("SELECT ", article_columns!(), " FROM articles WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        row.map(|r| article(&r, OP)).transpose()
    }

    async fn list_articles(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>> {
        const OP: &str = "list_articles";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            article_columns!(),
            " FROM articles WHERE workflow_id = $1 ORDER BY id"
        ))
        .bind(workflow_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| article(r, OP)).collect()
    }

    async fn update_article(&self, ctx: &TenantContext, id: ArticleId, u: ArticleUpdate) -> Result<Article> {
        const OP: &str = "update_article";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(concat!(
            "UPDATE articles SET title = COALESCE($2, title), slug = COALESCE($3, slug), \
             status = COALESCE($4, status), progress = COALESCE($5, progress), \
             sections_completed = COALESCE($6, sections_completed), sections_total = COALESCE($7, sections_total), \
             content = COALESCE($8, content), content_html = COALESCE($9, content_html), \
             excerpt = COALESCE($10, excerpt), meta_title = COALESCE($11, meta_title), \
             meta_description = COALESCE($12, meta_description), focus_keyword = COALESCE($13, focus_keyword), \
             word_count = COALESCE($14, word_count), reading_time_minutes = COALESCE($15, reading_time_minutes), \
             quality_score = COALESCE($16, quality_score), seo_score = COALESCE($17, seo_score), \
             wordpress_post_id = COALESCE($18, wordpress_post_id), wordpress_url = COALESCE($19, wordpress_url), \
             generation_cost = COALESCE($20::bigint::numeric / 1000000, generation_cost), \
             provenance = COALESCE($21, provenance), error = CASE WHEN $24 THEN $22 ELSE error END, \
             completed_at = COALESCE($23, completed_at), updated_at = now() \
             WHERE id = $1 RETURNING ",
            article_columns!()
        ))
        .bind(id.as_uuid())
        .bind(&u.title)
        .bind(&u.slug)
        .bind(u.status.map(|s| s.as_str()))
        .bind(u.progress)
        .bind(u.sections_completed)
        .bind(u.sections_total)
        .bind(&u.content)
        .bind(&u.content_html)
        .bind(&u.excerpt)
        .bind(&u.meta_title)
        .bind(&u.meta_description)
        .bind(&u.focus_keyword)
        .bind(u.word_count)
        .bind(u.reading_time_minutes)
        .bind(u.quality_score)
        .bind(u.seo_score)
        .bind(u.wordpress_post_id)
        .bind(&u.wordpress_url)
        .bind(u.generation_cost.map(Usd::micros))
        .bind(&u.provenance)
        .bind(u.error.clone().flatten())
        .bind(u.completed_at)
        .bind(u.error.is_some())
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?
        .ok_or_else(|| Error::not_found(Entity::Article, id))?;
        let a = article(&row, OP)?;
        commit(tx, OP).await?;
        Ok(a)
    }

    async fn upsert_section(&self, ctx: &TenantContext, s: NewSection) -> Result<ArticleSection> {
        const OP: &str = "upsert_section";
        ctx.role.require(Permission::RunWorkflows)?;
        if s.section_order < 0 {
            return Err(Error::invalid("section_order", "negative"));
        }
        let sources = to_json(&s.sources, OP)?;
        let mut tx = self.begin(ctx, OP).await?;
        require_article(&mut tx, s.article_id, OP).await?;
        let row = sqlx::query(concat!(
            "INSERT INTO article_sections (id, organization_id, article_id, section_order, title, content, \
             content_html, research_query, sources, model, prompt_tokens, completion_tokens, generation_ms, cost, \
             status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::bigint::numeric / 1000000, \
             $15) ON CONFLICT (article_id, section_order) DO UPDATE SET title = EXCLUDED.title, \
             content = EXCLUDED.content, content_html = EXCLUDED.content_html, \
             research_query = EXCLUDED.research_query, sources = EXCLUDED.sources, model = EXCLUDED.model, \
             prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens, \
             generation_ms = EXCLUDED.generation_ms, cost = EXCLUDED.cost, status = EXCLUDED.status, \
             updated_at = now() RETURNING ",
            section_columns!()
        ))
        .bind(SectionId::new().as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(s.article_id.as_uuid())
        .bind(s.section_order)
        .bind(&s.title)
        .bind(&s.content)
        .bind(&s.content_html)
        .bind(&s.research_query)
        .bind(&sources)
        .bind(&s.model)
        .bind(s.prompt_tokens)
        .bind(s.completion_tokens)
        .bind(s.generation_ms)
        .bind(s.cost.micros())
        .bind(s.status.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let sec = section(&row, OP)?;
        commit(tx, OP).await?;
        Ok(sec)
    }

    async fn list_sections(&self, ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>> {
        const OP: &str = "list_sections";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            section_columns!(),
            " FROM article_sections WHERE article_id = $1 ORDER BY section_order"
        ))
        .bind(article_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| section(r, OP)).collect()
    }
}
