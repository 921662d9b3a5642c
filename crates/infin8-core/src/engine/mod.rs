//! The pipeline engine: turns a workflow from `CREATED` to `COMPLETED` through the ten steps,
//! stopping at human gates, surviving crashes, races and budgets.
//!
//! # How a step runs
//! 1. **Claim**: a compare-and-set transition `X_PENDING → X_PROCESSING` with a lease for this
//!    worker. Two engines racing: one wins, the other gets a conflict, re-reads and reports
//!    [`Advance::Busy`]. A step found `X_PROCESSING` under this worker's lease (a crash) or an
//!    expired one is reclaimed (`X_PROCESSING → X_PROCESSING`) and runs again.
//! 2. **Work**: provider calls run concurrently up to [`Concurrency`]; every result is written
//!    through the store's idempotent operations (keywords by natural key, clusters replaced,
//!    articles by `(workflow, keyword)`, sections by `(article, order)`, posts behind a publish
//!    claim and the publisher's find-by-key), so a re-run writes the same rows.
//! 3. **Money**: before each paid call the estimate is reserved against the plan's monthly
//!    limit for its metric, the monthly spend cap and the workflow budget, all or nothing; the
//!    actual amounts are committed after, released on failure. In-flight calls hold their
//!    reservations, so concurrency cannot overshoot a budget. Reservation ids are derived from the
//!    work item, so a replay never charges twice (see `ledger`).
//! 4. **Safe points** between items re-read the workflow: a cancellation stops the step, a lost
//!    lease stops it, and the lease is renewed.
//! 5. **End**: `X_PROCESSING → X_COMPLETED`, or `X_FAILED` with the reason, a
//!    [`FailureKind`](crate::workflow::FailureKind), the attempt count and, for temporary
//!    failures, the time a [`Worker`] retries it (exponential backoff with full jitter,
//!    [`PipelineConfig::retry`]); [`Engine::retry`] resumes any failed step at once.
//!
//! # Workers and leases
//! A workflow being run carries a lease (owner, expiry) through every state a worker drives;
//! a running step renews it by heartbeat without writing transitions. [`Worker`] claims
//! runnable workflows of every organization ([`WorkflowStore::claim_workflows`]
//! (crate::store::WorkflowStore::claim_workflows)), runs them under each organization's
//! context with a concurrency limit and a per-organization share, retries due temporary
//! failures, and on shutdown gives its leases back so another worker continues at once. A
//! dead worker's lease is taken over when it lapses ([`PipelineConfig::lease`], default 30 s).
//!
//! # Clustering methods (step 6)
//! [`PipelineConfig::clustering_method`] picks how approved keywords are grouped (see
//! [`ClusteringMethod`] for when to pick which):
//! - [`ClusteringMethod::Embeddings`] (default): the embedder vectors the keywords (batches of
//!   [`StepLimits::embedding_batch`], stored on the keywords), then hub-and-spoke on cosine with
//!   [`PipelineConfig::clustering`]. Clusters are stored as `hub_spoke`.
//! - [`ClusteringMethod::SerpOverlap`]: hub-and-spoke on shared top result URLs. A keyword with at
//!   least `min_shared_urls` stored URLs (`KeywordMetrics::serp_urls`) uses them; the others get
//!   their top `top_n` URLs from the SERP provider (required at build time), one call per keyword,
//!   concurrently up to [`Concurrency::keyword_research`], rate-limited, reserved and metered as
//!   keyword research, each answer persisted on its keyword at once (URLs into its metrics, a
//!   `"serp"` record into its decision metadata, so an empty answer counts as fetched). A resumed
//!   step asks only for what is missing. The embedder is not called. Clusters are stored as
//!   `serp_overlap`, each spoke's similarity being the shared fraction `shared / top_n`.
//!
//! Validation (step 7) judges a cluster by its stored type: overlap clusters use
//! [`PipelineConfig::validation`] with `min_avg_similarity` replaced by
//! [`ClusteringMethod::min_avg_overlap`] (default 0.3: three shared URLs of ten on average), and
//! their validation metadata names the measure (`"similarity": "shared_top_url_fraction"`).

mod builder;
mod config;
pub mod feed;
mod ledger;
mod progress;
mod review;
mod run;
mod step;
mod steps;
#[cfg(feature = "testkit")]
pub mod testing;
mod worker;

pub use builder::{Blocking, Clock, Engine, EngineBuilder, Sleeper};
pub use config::{
    ArticleScope, ClusteringMethod, Concurrency, PipelineConfig, ProviderRateLimit, RateLimits, StepLimits,
    SubtopicReview,
};
pub use progress::{NoProgress, ProgressEvent, ProgressSink, WorkflowProgress};
pub use review::AUTO_APPROVAL_FEEDBACK;
pub use run::{Advance, CreateWorkflow};
pub use steps::icp::{Icp, IcpSegment};
pub use steps::subtopics::{MAX_SUBTOPICS, MIN_SUBTOPICS};
pub use worker::{SWEEP_EVERY, Worker, WorkerConfig, WorkerReport};
