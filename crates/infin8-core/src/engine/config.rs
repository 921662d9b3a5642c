//! The engine's configuration: thresholds, per-step limits, concurrency, locale, TTLs, gates.

use crate::article::guard::GuardConfig;
use crate::article::links::InternalLinking;
use crate::cluster::hub_spoke::HubSpokeConfig;
use crate::cluster::serp_overlap::SerpOverlapConfig;
use crate::cluster::validate::ValidationRules;
use crate::keyword::filter::FilterRules;
use crate::organization::PlanLimits;
use crate::provider::{Locale, PostStatus};
use crate::workflow::RetryPolicy;
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

/// How step 6 groups the approved keywords into hub-and-spoke topic clusters. Both methods produce
/// the same output (one hub, its spokes, a similarity per spoke) and feed the same validation
/// (step 7); they differ in what "similar" means and in what they cost.
///
/// - [`Embeddings`](Self::Embeddings) (default): the embedder vectors every approved keyword
///   (stored on the keyword), then [`cluster_hub_spoke`](crate::cluster::cluster_hub_spoke)
///   groups keywords whose cosine to the hub is at least
///   [`PipelineConfig::clustering`]`.threshold`. Cheap (one embedding call per
///   [`StepLimits::embedding_batch`] keywords) and needs no SERP data, but it groups by *meaning
///   of the words*: "crm software" and "crm jobs" look alike, and synonyms only match with a good
///   model. Pick it for cost, for offline runs, or when no SERP source is at hand.
/// - [`SerpOverlap`](Self::SerpOverlap): [`cluster_serp_overlap`](crate::cluster::cluster_serp_overlap)
///   groups keywords whose top result URLs overlap with the hub's (the method commercial SEO
///   tools use): two searches Google answers with the same pages are one search need, so one
///   article can rank for both, whatever their words. It needs each keyword's top `top_n` URLs:
///   stored ones ([`KeywordMetrics::serp_urls`](crate::keyword::KeywordMetrics::serp_urls)) are
///   used, the missing ones are bought from the SERP provider
///   ([`EngineBuilder::serp_research`](super::EngineBuilder::serp_research)), one call per
///   keyword, metered as keyword research. Pick it when ranking together matters more than the
///   words, and the SERP calls fit the budget. The embedder is not called in this mode.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ClusteringMethod {
    /// Hub-and-spoke on embeddings, with [`PipelineConfig::clustering`].
    #[default]
    Embeddings,
    /// Hub-and-spoke on shared top result URLs.
    SerpOverlap {
        /// The rule's settings: `min_shared_urls` (default 3), `top_n` (default 10; also how
        /// many URLs are asked per keyword), `max_spokes`, `min_spokes`.
        #[serde(default)]
        settings: SerpOverlapConfig,
        /// Step 7's minimum average spoke similarity for these clusters, replacing
        /// [`ValidationRules::min_avg_similarity`] (whose default suits cosines). A spoke's
        /// similarity here is the shared fraction of the top `top_n` URLs (`shared / top_n`: 3
        /// shared of 10 is 0.3). Default 0.3 ([`ValidationRules::serp_overlap`]): with the default
        /// `min_shared_urls` every spoke already clears it, since three shared URLs is the point
        /// where SEO tools call two searches one need; raise it (0.4–0.5) to keep only clusters
        /// whose spokes share more than the minimum on average.
        #[serde(default = "default_min_avg_overlap")]
        min_avg_overlap: f32,
    },
}

fn default_min_avg_overlap() -> f32 {
    ValidationRules::serp_overlap().min_avg_similarity
}

impl ClusteringMethod {
    /// SERP overlap with the default settings (3 shared URLs of the top 10, validation asking
    /// an average overlap of 0.3).
    #[must_use]
    pub fn serp_overlap() -> Self {
        Self::SerpOverlap {
            settings: SerpOverlapConfig::default(),
            min_avg_overlap: default_min_avg_overlap(),
        }
    }

    /// The minimum average similarity step 7 asks of SERP-overlap clusters: this method's
    /// `min_avg_overlap`, or the default 0.3 when the method is now [`Embeddings`](Self::Embeddings)
    /// but the stored clusters were formed by overlap (clusters are judged by how they were made).
    #[must_use]
    pub fn min_avg_overlap(&self) -> f32 {
        match self {
            Self::SerpOverlap { min_avg_overlap, .. } => *min_avg_overlap,
            Self::Embeddings => default_min_avg_overlap(),
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`ClusterError::InvalidConfig`](crate::cluster::ClusterError::InvalidConfig) naming the
    /// field.
    pub fn check(&self) -> Result<(), crate::cluster::ClusterError> {
        match self {
            Self::Embeddings => Ok(()),
            Self::SerpOverlap { settings, min_avg_overlap } => {
                settings.check()?;
                if !(0.0..=1.0).contains(min_avg_overlap) {
                    return Err(crate::cluster::ClusterError::config("min_avg_overlap", "must be in [0, 1]"));
                }
                Ok(())
            }
        }
    }
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
    /// How keywords are clustered (step 6): embeddings (default) or SERP overlap.
    pub clustering_method: ClusteringMethod,
    /// Hub-and-spoke settings of the embeddings method (step 6).
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
    /// How long a worker's lease on a workflow lasts before another worker may take it over.
    /// The engine renews it by heartbeat (every third of it, when a sleeper is configured), at
    /// safe points and with every transition, so only a dead or stuck worker loses it.
    pub lease: Duration,
    /// How temporary failures are retried (persisted with each workflow when it is created).
    pub retry: RetryPolicy,
    /// How a step rides out a transient store failure (a dropped database connection, a server
    /// restart, a busy file): the step is run again in place, under the same lease, after this
    /// backoff, up to `max_attempts` times in all; only then does it fail (as temporary, for a
    /// worker to retry later). Steps are idempotent, so a re-run redoes nothing already recorded.
    pub store_retry: RetryPolicy,
    /// How published posts go live.
    pub post_status: PostStatus,
    /// Categories given to published posts.
    pub post_categories: Vec<String>,
    /// The article guards' thresholds (step 9).
    pub article_guards: GuardConfig,
    /// Whether internal links between a cluster's hub and spokes are inserted (default), only
    /// suggested (stored in `provenance.internal_links` for approval), or off.
    pub internal_linking: InternalLinking,
    /// The base of articles' canonical URLs (`https://example.com/blog/`; the canonical URL is
    /// `{base}{slug}/`). Default: the organization's website URL.
    pub canonical_base_url: Option<String>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            locale: Locale::default(),
            limits: StepLimits::default(),
            concurrency: Concurrency::default(),
            filter: FilterRules::default(),
            clustering_method: ClusteringMethod::default(),
            clustering: HubSpokeConfig::default(),
            validation: ValidationRules::default(),
            article_scope: ArticleScope::default(),
            auto_approve_seeds: false,
            subtopic_review: SubtopicReview::default(),
            research_ttl: Duration::from_secs(24 * 3600),
            plan_limits: None,
            rate_limits: RateLimits::default(),
            lease: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            store_retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(5),
                min_delay: Duration::from_millis(100),
            },
            post_status: PostStatus::Draft,
            post_categories: Vec::new(),
            article_guards: GuardConfig::default(),
            canonical_base_url: None,
            internal_linking: InternalLinking::default(),
        }
    }
}

impl PipelineConfig {
    /// The lease as a chrono duration.
    pub(crate) fn lease_duration(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease).unwrap_or_else(|_| chrono::Duration::seconds(30))
    }

    /// How often a running step renews its lease: a third of it.
    pub(crate) fn heartbeat(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(10))
    }

    /// The research TTL as a chrono duration (at least one second).
    pub(crate) fn research_ttl_duration(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.research_ttl)
            .unwrap_or_else(|_| chrono::Duration::hours(24))
            .max(chrono::Duration::seconds(1))
    }
}
