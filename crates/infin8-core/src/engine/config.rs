//! The engine's configuration: thresholds, per-step limits, concurrency, locale, TTLs, gates.

use crate::cluster::hub_spoke::HubSpokeConfig;
use crate::cluster::validate::ValidationRules;
use crate::keyword::filter::FilterRules;
use crate::organization::PlanLimits;
use crate::provider::{Locale, PostStatus};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which keywords of a valid cluster get an article (step 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArticleScope {
    /// Only the hub of each valid cluster (the pillar page).
    #[default]
    HubsOnly,
    /// The hub and every spoke of each valid cluster.
    HubsAndSpokes,
}

/// What happens after subtopics are generated (step 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubtopicReview {
    /// No gate: the step completes when subtopics are stored.
    #[default]
    None,
    /// Human gate: the workflow waits in `SUBTOPIC_AWAITING_REVIEW` until every keyword's
    /// subtopics are approved or rejected.
    Human,
    /// The gate is passed by a recorded system decision (demos and tests).
    Auto,
}

/// Per-step limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepLimits {
    /// Competitor URLs researched (the first ones, after normalization and dedupe).
    pub max_competitors: usize,
    /// Keywords asked from the keyword provider per competitor.
    pub keywords_per_competitor: u32,
    /// Seed keywords kept (top by volume × relevance).
    pub max_seeds: usize,
    /// Longtail suggestions asked per approved seed.
    pub longtails_per_seed: u32,
    /// Articles written per workflow.
    pub max_articles: usize,
    /// Sources asked from web research per section.
    pub sources_per_section: u32,
    /// Most sections per article outline (introduction and conclusion included).
    pub max_sections: usize,
    /// Texts per embedding call.
    pub embedding_batch: usize,
}

impl Default for StepLimits {
    fn default() -> Self {
        Self {
            max_competitors: 5,
            keywords_per_competitor: 100,
            max_seeds: 20,
            longtails_per_seed: 20,
            max_articles: 10,
            sources_per_section: 5,
            max_sections: 8,
            embedding_batch: 64,
        }
    }
}

/// How many calls to each provider run at once within a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Concurrency {
    /// Keyword research calls.
    pub keyword_research: usize,
    /// Web research calls (and articles written at once).
    pub articles: usize,
    /// Language model calls (subtopics).
    pub llm: usize,
    /// Embedding calls.
    pub embeddings: usize,
    /// Publish calls.
    pub publish: usize,
}

impl Default for Concurrency {
    fn default() -> Self {
        Self { keyword_research: 4, articles: 3, llm: 4, embeddings: 2, publish: 2 }
    }
}

/// A per-organization rate limit on one provider's calls (stored in the store's rate-limit table,
/// so every engine of the organization shares it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRateLimit {
    /// Calls per window.
    pub calls: u32,
    /// Window length.
    pub window: Duration,
}

/// Rate limits per provider role; `None` for no limit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimits {
    /// Keyword research.
    pub keyword_research: Option<ProviderRateLimit>,
    /// Web research.
    pub web_research: Option<ProviderRateLimit>,
    /// Language model.
    pub llm: Option<ProviderRateLimit>,
    /// Embedder.
    pub embeddings: Option<ProviderRateLimit>,
    /// Publisher.
    pub publish: Option<ProviderRateLimit>,
}

impl RateLimits {
    /// The same limit for every provider.
    #[must_use]
    pub fn uniform(calls: u32, window: Duration) -> Self {
        let l = Some(ProviderRateLimit { calls, window });
        Self { keyword_research: l, web_research: l, llm: l, embeddings: l, publish: l }
    }
}

/// Everything the engine needs to know besides the store and providers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PipelineConfig {
    /// Where and in which language to research keywords.
    pub locale: Locale,
    /// Per-step limits.
    pub limits: StepLimits,
    /// Concurrency per provider.
    pub concurrency: Concurrency,
    /// Filtering rules (step 5).
    pub filter: FilterRules,
    /// Clustering settings (step 6).
    pub clustering: HubSpokeConfig,
    /// Validation rules (step 7).
    pub validation: ValidationRules,
    /// Which keywords get articles (step 9).
    pub article_scope: ArticleScope,
    /// Pass the seed review gate with a recorded system decision approving every seed.
    pub auto_approve_seeds: bool,
    /// The subtopic gate.
    pub subtopic_review: SubtopicReview,
    /// How long web research results stay cached (per organization and normalized query).
    pub research_ttl: Duration,
    /// Monthly limits to enforce instead of the organization's plan's.
    pub plan_limits: Option<PlanLimits>,
    /// Per-organization provider rate limits.
    pub rate_limits: RateLimits,
    /// How long a worker's lease on a running step lasts before another worker may reclaim it.
    /// The engine renews it at safe points.
    pub lease: Duration,
    /// How published posts go live.
    pub post_status: PostStatus,
    /// Categories given to published posts.
    pub post_categories: Vec<String>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            locale: Locale::default(),
            limits: StepLimits::default(),
            concurrency: Concurrency::default(),
            filter: FilterRules::default(),
            clustering: HubSpokeConfig::default(),
            validation: ValidationRules::default(),
            article_scope: ArticleScope::default(),
            auto_approve_seeds: false,
            subtopic_review: SubtopicReview::default(),
            research_ttl: Duration::from_secs(24 * 3600),
            plan_limits: None,
            rate_limits: RateLimits::default(),
            lease: Duration::from_secs(600),
            post_status: PostStatus::Draft,
            post_categories: Vec::new(),
        }
    }
}

impl PipelineConfig {
    /// The lease as a chrono duration.
    pub(crate) fn lease_duration(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease).unwrap_or_else(|_| chrono::Duration::minutes(10))
    }

    /// The research TTL as a chrono duration (at least one second).
    pub(crate) fn research_ttl_duration(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.research_ttl)
            .unwrap_or_else(|_| chrono::Duration::hours(24))
            .max(chrono::Duration::seconds(1))
    }
}
