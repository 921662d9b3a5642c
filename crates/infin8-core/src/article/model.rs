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

/// A change to an article. `None` leaves a field unchanged; a `Some` value replaces it.
///
/// [`error`](Self::error) is the one field an update can also clear: `Some(None)` clears it,
/// `Some(Some(text))` sets it (the other optional fields can be set but not cleared).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArticleUpdate {
    /// The title.
    pub title: Option<String>,
    /// The URL slug.
    pub slug: Option<String>,
    /// Where the article is in its life.
    pub status: Option<ArticleStatus>,
    /// Progress, 0–100.
    pub progress: Option<i32>,
    /// Sections written.
    pub sections_completed: Option<i32>,
    /// Sections planned.
    pub sections_total: Option<i32>,
    /// Content (Markdown/plain).
    pub content: Option<String>,
    /// Content HTML.
    pub content_html: Option<String>,
    /// Excerpt.
    pub excerpt: Option<String>,
    /// SEO title.
    pub meta_title: Option<String>,
    /// SEO description.
    pub meta_description: Option<String>,
    /// The focus keyword.
    pub focus_keyword: Option<String>,
    /// Word count.
    pub word_count: Option<i32>,
    /// Reading time.
    pub reading_time_minutes: Option<i32>,
    /// Quality score.
    pub quality_score: Option<f64>,
    /// SEO score.
    pub seo_score: Option<f64>,
    /// The WordPress post id.
    pub wordpress_post_id: Option<i64>,
    /// The WordPress URL.
    pub wordpress_url: Option<String>,
    /// What generating it cost.
    pub generation_cost: Option<Usd>,
    /// Where its parts came from (JSON).
    pub provenance: Option<serde_json::Value>,
    /// The last error: `None` leaves it unchanged, `Some(Some(text))` sets it, `Some(None)`
    /// clears it (e.g. when a retried article succeeds). In JSON an absent field leaves it
    /// unchanged and `null` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "clearable")]
    pub error: Option<Option<String>>,
    /// When it was completed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// Serde for a field that can be left unchanged (absent), cleared (`null`) or set (a value).
mod clearable {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    // Only called for `Some` (the field is skipped when `None`).
    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().and_then(Option::as_ref).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_update_error_round_trips_keep_set_and_clear() {
        for error in [None, Some(None), Some(Some("boom".to_string()))] {
            let update = ArticleUpdate { error: error.clone(), ..ArticleUpdate::default() };
            let json = serde_json::to_value(&update).unwrap();
            let back: ArticleUpdate = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, update, "{json}");
        }
        let keep = serde_json::to_value(ArticleUpdate::default()).unwrap();
        assert!(keep.get("error").is_none());
        let clear: ArticleUpdate = serde_json::from_value(serde_json::json!({ "error": null })).unwrap();
        assert_eq!(clear.error, Some(None));
    }
}
