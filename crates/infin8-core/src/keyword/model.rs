//! The keyword record and its update and query types.

use crate::ids::{KeywordId, OrgId, WorkflowId};
use crate::page::Cursor;
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// The level of a keyword in the hierarchy.
    KeywordType, "keyword type" {
        /// From competitor research; no parent.
        Seed => "seed",
        /// Expansion of a seed; parent is a seed.
        Longtail => "longtail",
        /// Proposed by the language model for a longtail; parent is a longtail.
        Subtopic => "subtopic",
    }
);

wire_enum!(
    /// Progress of a per-keyword piece of work (longtail expansion, subtopics, article).
    StepStatus, "keyword step status" {
        /// Not started.
        NotStarted => "not_started",
        /// Running.
        InProgress => "in_progress",
        /// Done.
        Completed => "completed",
        /// Failed.
        Failed => "failed",
    }
);

wire_enum!(
    /// The filtering (and human review) decision on a keyword.
    FilterStatus, "filter status" {
        /// Not decided yet.
        Pending => "pending",
        /// Kept.
        Approved => "approved",
        /// Dropped; the reasons are in `decision_metadata`.
        Rejected => "rejected",
    }
);

wire_enum!(
    /// Advertiser competition level.
    CompetitionLevel, "competition level" {
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
    }
);

wire_enum!(
    /// Main search intent.
    SearchIntent, "search intent" {
        /// Wants to learn.
        Informational => "informational",
        /// Wants a specific site.
        Navigational => "navigational",
        /// Compares options before buying.
        Commercial => "commercial",
        /// Wants to buy or act.
        Transactional => "transactional",
    }
);

/// SEO metrics of a keyword, as far as known.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KeywordMetrics {
    /// Monthly searches.
    pub search_volume: Option<i64>,
    /// Advertiser competition level.
    pub competition_level: Option<CompetitionLevel>,
    /// Advertiser competition index 0..=100.
    pub competition_index: Option<i32>,
    /// Cost per click, USD.
    pub cpc: Option<f64>,
    /// Ranking difficulty 0..=100.
    pub difficulty: Option<i32>,
    /// Main search intent.
    pub intent: Option<SearchIntent>,
    /// Top organic result URLs, best first (for SERP-overlap clustering).
    pub serp_urls: Vec<String>,
}

/// A keyword of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    /// Id.
    pub id: KeywordId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// Parent (seed for a longtail, longtail for a subtopic).
    pub parent_id: Option<KeywordId>,
    /// Level.
    pub keyword_type: KeywordType,
    /// The text as first given.
    pub keyword: String,
    /// The normalized text (unique per workflow).
    pub normalized_keyword: String,
    /// Where it came from (`"competitor:example.com"`, `"dataforseo:keyword_suggestions"`).
    pub source: String,
    /// SEO metrics.
    pub metrics: KeywordMetrics,
    /// Language code (ISO 639-1) if known.
    pub language: Option<String>,
    /// Whether it is navigational (brand or competitor intent).
    pub is_navigational: bool,
    /// Longtail expansion status (seeds).
    pub longtail_status: StepStatus,
    /// Subtopic generation status.
    pub subtopics_status: StepStatus,
    /// Article generation status.
    pub article_status: StepStatus,
    /// Filter / review decision.
    pub filter_status: FilterStatus,
    /// Suggested by AI (not entered by a user).
    pub ai_suggested: bool,
    /// Selected by a user in review.
    pub user_selected: bool,
    /// Confidence of the AI decision, 0..=1.
    pub decision_confidence: Option<f64>,
    /// Why it was decided so (machine-readable reasons).
    pub decision_metadata: serde_json::Value,
    /// Subtopics proposed for it.
    pub subtopics: Vec<String>,
    /// Embedding vector, when computed.
    pub embedding: Option<Vec<f32>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

/// A keyword to insert. Upserts are keyed by `(organization, workflow, normalized text)`: when the
/// key exists, the existing row is kept unchanged and its id returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewKeyword {
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// Parent (must be in the same workflow; see [`check_parent`](super::check_parent)).
    pub parent_id: Option<KeywordId>,
    /// Level.
    pub keyword_type: KeywordType,
    /// Text (normalized by the store).
    pub keyword: String,
    /// Source.
    pub source: String,
    /// Metrics.
    pub metrics: KeywordMetrics,
    /// Language.
    pub language: Option<String>,
    /// AI suggested.
    pub ai_suggested: bool,
    /// AI confidence.
    pub decision_confidence: Option<f64>,
    /// Decision metadata.
    pub decision_metadata: serde_json::Value,
}

impl NewKeyword {
    /// A keyword with text, type, parent and source; metrics empty.
    pub fn new(
        workflow_id: WorkflowId,
        keyword_type: KeywordType,
        parent_id: Option<KeywordId>,
        keyword: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        Self {
            workflow_id,
            parent_id,
            keyword_type,
            keyword: keyword.into(),
            source: source.into(),
            metrics: KeywordMetrics::default(),
            language: None,
            ai_suggested: false,
            decision_confidence: None,
            decision_metadata: serde_json::Value::Null,
        }
    }

    /// Sets the metrics.
    #[must_use]
    pub fn with_metrics(mut self, metrics: KeywordMetrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// One result of a batch upsert, in input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsertedKeyword {
    /// The keyword's id (existing or new).
    pub id: KeywordId,
    /// Whether this call inserted it.
    pub created: bool,
}

/// A change to one keyword's mutable fields. `None` leaves a field unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KeywordUpdate {
    /// The keyword.
    pub id: KeywordId,
    /// New metrics (replaces all metrics).
    pub metrics: Option<KeywordMetrics>,
    /// New language.
    pub language: Option<String>,
    /// New navigational flag.
    pub is_navigational: Option<bool>,
    /// New longtail status.
    pub longtail_status: Option<StepStatus>,
    /// New subtopics status.
    pub subtopics_status: Option<StepStatus>,
    /// New article status.
    pub article_status: Option<StepStatus>,
    /// New filter status.
    pub filter_status: Option<FilterStatus>,
    /// New user-selected flag.
    pub user_selected: Option<bool>,
    /// New confidence.
    pub decision_confidence: Option<f64>,
    /// New decision metadata.
    pub decision_metadata: Option<serde_json::Value>,
    /// New subtopics.
    pub subtopics: Option<Vec<String>>,
    /// New embedding.
    pub embedding: Option<Vec<f32>>,
}

impl KeywordUpdate {
    /// An update of `id` that changes nothing yet.
    #[must_use]
    pub fn new(id: KeywordId) -> Self {
        Self { id, ..Self::default() }
    }
}

/// A query over a workflow's keywords, ordered by id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeywordQuery {
    /// The workflow (required).
    pub workflow_id: WorkflowId,
    /// Only this level.
    pub keyword_type: Option<KeywordType>,
    /// Only children of this keyword.
    pub parent_id: Option<KeywordId>,
    /// Only with this filter status.
    pub filter_status: Option<FilterStatus>,
    /// Only with this article status.
    pub article_status: Option<StepStatus>,
    /// Continue after this cursor.
    pub cursor: Option<Cursor>,
    /// Page size (see [`page_size`](crate::page::page_size)).
    pub limit: Option<u32>,
}

impl KeywordQuery {
    /// All keywords of a workflow.
    #[must_use]
    pub fn workflow(workflow_id: WorkflowId) -> Self {
        Self { workflow_id, ..Self::default() }
    }

    /// Only this level.
    #[must_use]
    pub fn of_type(mut self, keyword_type: KeywordType) -> Self {
        self.keyword_type = Some(keyword_type);
        self
    }
}
