//! The article and section records.

use crate::ids::{ArticleId, KeywordId, OrgId, SectionId, WorkflowId};
use crate::money::Usd;
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Where an article is in its life.
    ArticleStatus, "article status" {
        /// Waiting to be written.
        Queued => "queued",
        /// Sections being researched.
        Researching => "researching",
        /// Sections being written.
        Generating => "generating",
        /// Assembled; metrics being computed.
        Validating => "validating",
        /// Done, not yet published.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
        /// Published.
        Published => "published",
    }
);

wire_enum!(
    /// Where a section is.
    SectionStatus, "section status" {
        /// Not started.
        Pending => "pending",
        /// Researching.
        Researching => "researching",
        /// Writing.
        Writing => "writing",
        /// Done.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
    }
);

/// A research source cited by a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// URL.
    pub url: String,
    /// Title.
    pub title: String,
    /// Relevant excerpt.
    pub content: String,
    /// Relevance score 0..=1.
    pub score: f64,
}

/// An article, one per `(workflow, keyword)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Id.
    pub id: ArticleId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// The keyword it targets.
    pub keyword_id: KeywordId,
    /// Title.
    pub title: String,
    /// URL slug.
    pub slug: String,
    /// Status.
    pub status: ArticleStatus,
    /// Progress 0..=100.
    pub progress: i32,
    /// Sections completed.
    pub sections_completed: i32,
    /// Sections planned.
    pub sections_total: i32,
    /// Assembled content (Markdown/plain).
    pub content: Option<String>,
    /// Assembled HTML.
    pub content_html: Option<String>,
    /// Excerpt.
    pub excerpt: Option<String>,
    /// Meta title (≤ 60 characters).
    pub meta_title: Option<String>,
    /// Meta description (≤ 160 characters).
    pub meta_description: Option<String>,
    /// Focus keyword.
    pub focus_keyword: Option<String>,
    /// Word count.
    pub word_count: i32,
    /// Reading time, minutes.
    pub reading_time_minutes: i32,
    /// Quality score 0..=100.
    pub quality_score: Option<f64>,
    /// SEO score 0..=100.
    pub seo_score: Option<f64>,
    /// WordPress (or other platform) post id once published.
    pub wordpress_post_id: Option<i64>,
    /// Published URL.
    pub wordpress_url: Option<String>,
    /// Generation cost.
    pub generation_cost: Usd,
    /// Provenance: models per section, sources, approvals, workflow.
    pub provenance: serde_json::Value,
    /// Last error.
    pub error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// Completed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// An article to create. Creation is keyed by `(workflow, keyword)`: creating it again returns
/// the existing article unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewArticle {
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// Target keyword (must be in the workflow).
    pub keyword_id: KeywordId,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Sections planned.
    pub sections_total: i32,
    /// Focus keyword.
    pub focus_keyword: Option<String>,
}

/// A change to an article. `None` leaves a field unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ArticleUpdate {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub status: Option<ArticleStatus>,
    pub progress: Option<i32>,
    pub sections_completed: Option<i32>,
    pub sections_total: Option<i32>,
    pub content: Option<String>,
    pub content_html: Option<String>,
    pub excerpt: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub focus_keyword: Option<String>,
    pub word_count: Option<i32>,
    pub reading_time_minutes: Option<i32>,
    pub quality_score: Option<f64>,
    pub seo_score: Option<f64>,
    pub wordpress_post_id: Option<i64>,
    pub wordpress_url: Option<String>,
    pub generation_cost: Option<Usd>,
    pub provenance: Option<serde_json::Value>,
    pub error: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A section of an article, unique per `(article, order)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSection {
    /// Id.
    pub id: SectionId,
    /// Owner.
    pub organization_id: OrgId,
    /// Article.
    pub article_id: ArticleId,
    /// Position, 0-based.
    pub section_order: i32,
    /// Heading.
    pub title: String,
    /// Content (Markdown/plain).
    pub content: Option<String>,
    /// Content HTML.
    pub content_html: Option<String>,
    /// The research query used.
    pub research_query: Option<String>,
    /// Sources cited, numbered in order.
    pub sources: Vec<Source>,
    /// The model that wrote it.
    pub model: Option<String>,
    /// Prompt tokens.
    pub prompt_tokens: i64,
    /// Completion tokens.
    pub completion_tokens: i64,
    /// Generation time, ms.
    pub generation_ms: i64,
    /// Cost.
    pub cost: Usd,
    /// Status.
    pub status: SectionStatus,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

/// A section to write: upserted by `(article, order)`, replacing the previous content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct NewSection {
    pub article_id: ArticleId,
    pub section_order: i32,
    pub title: String,
    pub content: Option<String>,
    pub content_html: Option<String>,
    pub research_query: Option<String>,
    pub sources: Vec<Source>,
    pub model: Option<String>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub generation_ms: i64,
    pub cost: Usd,
    pub status: SectionStatus,
}
