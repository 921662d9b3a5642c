//! Building an [`Engine`]: a store, the five providers, a configuration and a progress sink.

use super::config::{ClusteringMethod, PipelineConfig};
use super::progress::{NoProgress, ProgressEvent, ProgressSink};
use crate::error::{Error, Result};
use crate::provider::{
    Embedder, KeywordResearch, LanguageModel, Providers, Publisher, SerpResearch, WebResearch,
};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::{TransitionOutcome, TransitionRequest};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// The clock the engine reads (leases, cache TTLs, billing periods). Tests pass a fixed one.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How the engine waits when a rate limit says "retry after". `infin8-core` has no runtime:
/// hosts pass e.g. `|d| Box::pin(tokio::time::sleep(d))`. Without one, a rate-limited call fails
/// the step with a retryable [`Error::RateLimited`].
pub type Sleeper = Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>;

/// Where the engine runs CPU-heavy work (clustering and filtering large keyword lists) so it does
/// not block an async runtime's worker thread. `infin8-core` has no runtime: hosts pass e.g.
/// `|job| Box::pin(async move { let _ = tokio::task::spawn_blocking(job).await; })`. Without one,
/// the work runs inline on the calling task.
pub type Blocking = Arc<dyn Fn(Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> + Send + Sync>;

/// The pipeline engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

pub(crate) struct EngineInner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) providers: Providers,
    pub(crate) config: PipelineConfig,
    pub(crate) progress: Arc<dyn ProgressSink>,
    pub(crate) worker: String,
    pub(crate) clock: Clock,
    pub(crate) sleeper: Option<Sleeper>,
    pub(crate) blocking: Option<Blocking>,
}

impl EngineInner {
    /// Runs `f` through the blocking hook (or inline without one) and returns its result.
    ///
    /// # Errors
    /// `Backend` (retryable) if the hook dropped the job without running it (a runtime shutting
    /// down).
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let Some(hook) = &self.blocking else { return Ok(f()) };
        let (tx, rx) = futures::channel::oneshot::channel();
        let job: Box<dyn FnOnce() + Send> = Box::new(move || {
            let _ = tx.send(f());
        });
        hook(job).await;
        rx.await.map_err(|_| Error::Backend {
            backend: "engine",
            operation: "blocking",
            message: "the blocking hook dropped a job without running it".into(),
            retryable: true,
            source: None,
        })
    }

    /// Tells the host's sink and the organization's feed subscribers (through the store; see
    /// [`feed`](super::feed)). The feed is best effort: a store that cannot take the events
    /// does not stop the work (subscribers re-read the workflow after a gap).
    pub(crate) async fn announce(&self, ctx: &TenantContext, events: Vec<ProgressEvent>) {
        for event in &events {
            self.progress.event(event);
        }
        self.feed(ctx, events).await;
    }

    /// Sends events the sink has already seen to the feed (runs of `ItemDone` summarized).
    pub(crate) async fn feed(&self, ctx: &TenantContext, events: Vec<ProgressEvent>) {
        let events = super::feed::coalesce(events);
        if !events.is_empty() {
            let _ = self.store.publish_progress(ctx, &events).await;
        }
    }

    /// A store transition, announced as [`ProgressEvent::StateChanged`] when it moved the
    /// workflow (not for a replay).
    pub(crate) async fn transition(
        &self,
        ctx: &TenantContext,
        request: TransitionRequest,
    ) -> Result<TransitionOutcome> {
        let out = self.store.transition(ctx, request).await?;
        if !out.replayed {
            let changed = ProgressEvent::StateChanged {
                workflow: out.workflow.id,
                from: out.transition.from_state,
                to: out.transition.to_state,
                version: out.workflow.version,
            };
            self.announce(ctx, vec![changed]).await;
        }
        Ok(out)
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.inner.store.backend_name())
            .field("providers", &self.inner.providers)
            .field("worker", &self.inner.worker)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts building an engine.
    #[must_use]
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &PipelineConfig {
        &self.inner.config
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// This engine's worker name (the owner of its leases and publish claims).
    #[must_use]
    pub fn worker(&self) -> &str {
        &self.inner.worker
    }
}

/// Builds an [`Engine`]. A store and all five providers are required (set them together with
/// [`providers`](Self::providers) or one by one).
#[derive(Default)]
pub struct EngineBuilder {
    store: Option<Arc<dyn Store>>,
    keywords: Option<Arc<dyn KeywordResearch>>,
    serp: Option<Arc<dyn SerpResearch>>,
    web: Option<Arc<dyn WebResearch>>,
    llm: Option<Arc<dyn LanguageModel>>,
    embedder: Option<Arc<dyn Embedder>>,
    publisher: Option<Arc<dyn Publisher>>,
    config: PipelineConfig,
    progress: Option<Arc<dyn ProgressSink>>,
    worker: Option<String>,
    clock: Option<Clock>,
    sleeper: Option<Sleeper>,
    blocking: Option<Blocking>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder").field("worker", &self.worker).finish_non_exhaustive()
    }
}

impl EngineBuilder {
    /// The store.
    #[must_use]
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// All providers at once.
    #[must_use]
    pub fn providers(mut self, providers: Providers) -> Self {
        self.keywords = Some(providers.keywords);
        self.serp = providers.serp;
        self.web = Some(providers.web);
        self.llm = Some(providers.llm);
        self.embedder = Some(providers.embedder);
        self.publisher = Some(providers.publisher);
        self
    }

    /// Swaps the keyword research provider.
    #[must_use]
    pub fn keyword_research(mut self, p: Arc<dyn KeywordResearch>) -> Self {
        self.keywords = Some(p);
        self
    }

    /// Sets the SERP provider: optional, but required by [`ClusteringMethod::SerpOverlap`] (it
    /// fetches the top URLs of keywords that have none stored).
    #[must_use]
    pub fn serp_research(mut self, p: Arc<dyn SerpResearch>) -> Self {
        self.serp = Some(p);
        self
    }

    /// Swaps the web research provider.
    #[must_use]
    pub fn web_research(mut self, p: Arc<dyn WebResearch>) -> Self {
        self.web = Some(p);
        self
    }

    /// Swaps the language model.
    #[must_use]
    pub fn language_model(mut self, p: Arc<dyn LanguageModel>) -> Self {
        self.llm = Some(p);
        self
    }

    /// Swaps the embedder.
    #[must_use]
    pub fn embedder(mut self, p: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(p);
        self
    }

    /// Swaps the publisher.
    #[must_use]
    pub fn publisher(mut self, p: Arc<dyn Publisher>) -> Self {
        self.publisher = Some(p);
        self
    }

    /// The pipeline configuration (default: [`PipelineConfig::default`]).
    #[must_use]
    pub fn config(mut self, config: PipelineConfig) -> Self {
        self.config = config;
        self
    }

    /// A progress sink.
    #[must_use]
    pub fn progress(mut self, sink: Arc<dyn ProgressSink>) -> Self {
        self.progress = Some(sink);
        self
    }

    /// The worker name owning leases and publish claims (default: a random one). A process that
    /// restarts under the same name resumes its own leased steps at once; another name waits for
    /// the lease to expire.
    #[must_use]
    pub fn worker(mut self, name: impl Into<String>) -> Self {
        self.worker = Some(name.into());
        self
    }

    /// The clock (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// How to wait when rate-limited (default: none; the step fails with a retryable error).
    #[must_use]
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = Some(sleeper);
        self
    }

    /// Where CPU-heavy work runs (default: inline; see [`Blocking`]).
    #[must_use]
    pub fn blocking(mut self, hook: Blocking) -> Self {
        self.blocking = Some(hook);
        self
    }

    /// Builds the engine.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `engine`) naming the first missing part, or a configuration
    /// value out of range, or [`ClusteringMethod::SerpOverlap`] without a SERP provider.
    pub fn build(self) -> Result<Engine> {
        let missing = |what: &str| Error::invalid("engine", format!("no {what} given"));
        let store = self.store.ok_or_else(|| missing("store"))?;
        let providers = Providers {
            keywords: self.keywords.ok_or_else(|| missing("keyword research provider"))?,
            serp: self.serp,
            web: self.web.ok_or_else(|| missing("web research provider"))?,
            llm: self.llm.ok_or_else(|| missing("language model"))?,
            embedder: self.embedder.ok_or_else(|| missing("embedder"))?,
            publisher: self.publisher.ok_or_else(|| missing("publisher"))?,
        };
        let c = &self.config;
        let l = &c.limits;
        if l.max_seeds == 0 || l.embedding_batch == 0 || l.max_sections < 2 {
            return Err(Error::invalid(
                "engine",
                "limits: max_seeds and embedding_batch must be at least 1, max_sections at least 2",
            ));
        }
        let cc = &c.concurrency;
        if [cc.keyword_research, cc.articles, cc.llm, cc.embeddings, cc.publish].contains(&0) {
            return Err(Error::invalid("engine", "concurrency must be at least 1 for every provider"));
        }
        c.retry.check()?;
        if c.lease < Duration::from_millis(100) {
            return Err(Error::invalid("engine", "lease must be at least 100 ms"));
        }
        c.clustering.check().map_err(|e| Error::invalid("engine", e.to_string()))?;
        c.clustering_method.check().map_err(|e| Error::invalid("engine", e.to_string()))?;
        if matches!(c.clustering_method, ClusteringMethod::SerpOverlap { .. }) && providers.serp.is_none() {
            return Err(Error::invalid(
                "engine",
                "clustering method serp_overlap needs a SERP provider (serp_research)",
            ));
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                store,
                providers,
                config: self.config,
                progress: self.progress.unwrap_or_else(|| Arc::new(NoProgress)),
                worker: self.worker.unwrap_or_else(|| format!("infin8-{}", uuid::Uuid::new_v4().simple())),
                clock: self.clock.unwrap_or_else(|| Arc::new(Utc::now)),
                sleeper: self.sleeper,
                blocking: self.blocking,
            }),
        })
    }
}
