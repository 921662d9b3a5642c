//! Offline providers: no network, deterministic, and named for what they are.
//!
//! | role | type | what it really does |
//! |---|---|---|
//! | keywords + SERP | [`FixtureKeywords`] | generated (or fixture-file) keyword data about the business's topics |
//! | web research | [`LocalCorpus`] | BM25 over a folder of `.txt`/`.md` files, or a built-in corpus |
//! | language model | [`ScriptedLanguageModel`] | a stand-in producing structurally valid answers; its sections quote the research they cite (extractive, marked offline) |
//! | embedder | [`HashingEmbedder`] | character n-gram feature hashing (a real lexical embedding) |
//! | publisher | [`FilesystemPublisher`] | HTML files plus an `index.json`, idempotent by key across processes |
//!
//! [`OfflineProviders`] bundles them into [`Providers`].
//!
//! **Topics.** Given a business description ([`OfflineProviders::business_description`]), the
//! keyword source ranks every competitor for phrases of that description ([`topic_phrases`]), so
//! a product-analytics business gets `"product analytics"`, not `"crm software"`; without one it
//! falls back to a generic business vocabulary.
//!
//! **Cost.** Nothing is paid, but [`OfflineProviders`] charges simulated list prices by default
//! ([`OfflinePrices::list`], mirroring the real clients' defaults: a DataForSEO Labs call, a
//! Tavily credit, `gpt-4o-mini` and `text-embedding-3-small` tokens). They flow through the same
//! `Metered` usage and `estimate`s as real costs, so an offline run fills the usage ledger, shows
//! a plausible actual cost and stops at a workflow budget like a real one.
//! [`OfflineProviders::prices`] changes them (`OfflinePrices::free()` for none). Each provider
//! built on its own is free unless given prices (`with_prices`).

mod builtin_corpus;
pub(crate) mod determinism;
mod filesystem_publisher;
mod fixture_keywords;
mod hashing_embedder;
mod keyword_vocabulary;
mod local_corpus;
mod offline_writer;
mod pricing;
mod schema_walker;
mod scripted_llm;
pub(crate) mod text;
mod topics;

pub use filesystem_publisher::{
    CLAIMS_DIR, FILESYSTEM_PLATFORM, FilesystemPublisher, INDEX_FILE, STALE_TEMP_AFTER,
    remove_stale_temp_files,
};
pub use fixture_keywords::{FIXTURE_KEYWORDS_NAME, FixtureKeywords, KeywordFixture};
pub use hashing_embedder::{DEFAULT_HASH_DIM, HashingEmbedder};
pub use local_corpus::{BUILTIN_CORPUS_BASE_URL, LOCAL_CORPUS_NAME, LocalCorpus};
pub use pricing::{
    ESTIMATE_MAX_TOKENS, LIST_EMBEDDING_PER_MILLION, LIST_KEYWORD_CALL, LIST_LLM_INPUT_PER_MILLION,
    LIST_LLM_OUTPUT_PER_MILLION, LIST_SERP_PER_10, LIST_WEB_CREDIT, OfflinePrices,
};
pub use scripted_llm::{SCRIPTED_MODEL_NAME, ScriptedLanguageModel};
pub use topics::{DEFAULT_MAX_TOPICS, topic_phrases};

use crate::config::ConfigError;
use infin8_core::provider::Providers;
use std::path::PathBuf;
use std::sync::Arc;

/// Builds the offline [`Providers`].
///
/// ```
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// use infin8_providers::offline::{OfflinePrices, OfflineProviders};
/// let dir = std::env::temp_dir().join("infin8-doc-offline");
/// let providers = OfflineProviders::new(&dir)
///     .business_description("We make payroll software for restaurants.")
///     .build()?;
/// assert_eq!(providers.publisher.platform(), "filesystem");
/// assert_eq!(providers.llm.model_name(), "scripted-offline");
/// assert!(providers.keywords.estimate() > infin8_core::Usd::ZERO, "simulated list prices");
///
/// let free = OfflineProviders::new(&dir).prices(OfflinePrices::free()).build()?;
/// assert_eq!(free.keywords.estimate(), infin8_core::Usd::ZERO);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OfflineProviders {
    publish_dir: PathBuf,
    corpus_dir: Option<PathBuf>,
    corpus_base_url: Option<String>,
    keyword_fixture: Option<PathBuf>,
    business_description: Option<String>,
    embedding_dim: usize,
    with_serp: bool,
    prices: OfflinePrices,
}

impl OfflineProviders {
    /// Offline providers publishing into `publish_dir`, with the built-in corpus, generated
    /// keywords on generic topics, SERP research, 256-dimensional hashing embeddings, and
    /// simulated list prices ([`OfflinePrices::list`]).
    #[must_use]
    pub fn new(publish_dir: impl Into<PathBuf>) -> Self {
        Self {
            publish_dir: publish_dir.into(),
            corpus_dir: None,
            corpus_base_url: None,
            keyword_fixture: None,
            business_description: None,
            embedding_dim: DEFAULT_HASH_DIM,
            with_serp: true,
            prices: OfflinePrices::list(),
        }
    }

    /// Generates keywords about the topics of this business description (see [`topic_phrases`])
    /// instead of generic business topics. A keyword fixture, if any, still takes precedence
    /// where it has data.
    #[must_use]
    pub fn business_description(mut self, description: impl Into<String>) -> Self {
        self.business_description = Some(description.into());
        self
    }

    /// The simulated prices every provider charges (default [`OfflinePrices::list`];
    /// [`OfflinePrices::free`] for none).
    #[must_use]
    pub fn prices(mut self, prices: OfflinePrices) -> Self {
        self.prices = prices;
        self
    }

    /// Searches this folder of `.txt`/`.md` documents instead of the built-in corpus.
    #[must_use]
    pub fn corpus_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.corpus_dir = Some(dir.into());
        self
    }

    /// Gives corpus documents URLs under this base instead of `file://` URLs.
    #[must_use]
    pub fn corpus_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.corpus_base_url = Some(base_url.into());
        self
    }

    /// Serves keyword data from this JSON [`KeywordFixture`] where it has some.
    #[must_use]
    pub fn keyword_fixture(mut self, path: impl Into<PathBuf>) -> Self {
        self.keyword_fixture = Some(path.into());
        self
    }

    /// The embedding dimension (default 256).
    #[must_use]
    pub fn embedding_dim(mut self, dim: usize) -> Self {
        self.embedding_dim = dim;
        self
    }

    /// Whether to provide SERP research (default yes).
    #[must_use]
    pub fn serp(mut self, enabled: bool) -> Self {
        self.with_serp = enabled;
        self
    }

    /// The keyword source this builder configures.
    ///
    /// # Errors
    /// [`ConfigError`] if the keyword fixture cannot be loaded.
    pub fn keywords(&self) -> Result<FixtureKeywords, ConfigError> {
        let keywords = match &self.keyword_fixture {
            Some(path) => FixtureKeywords::from_json_file(path)?,
            None => FixtureKeywords::new(),
        };
        let keywords = match &self.business_description {
            Some(description) => keywords.with_business(description),
            None => keywords,
        };
        Ok(keywords.with_prices(self.prices))
    }

    /// The web research source this builder configures.
    ///
    /// # Errors
    /// [`ConfigError`] if the corpus folder cannot be read or is empty.
    pub fn corpus(&self) -> Result<LocalCorpus, ConfigError> {
        let corpus = match &self.corpus_dir {
            Some(dir) => LocalCorpus::from_dir(dir, self.corpus_base_url.as_deref())?,
            None => LocalCorpus::builtin(),
        };
        Ok(corpus.with_prices(self.prices))
    }

    /// The providers.
    ///
    /// # Errors
    /// [`ConfigError`] if the keyword fixture or the corpus folder cannot be loaded. The publish
    /// folder is created on the first post.
    pub fn build(self) -> Result<Providers, ConfigError> {
        let keywords = Arc::new(self.keywords()?);
        Ok(Providers {
            serp: if self.with_serp { Some(keywords.clone()) } else { None },
            keywords,
            web: Arc::new(self.corpus()?),
            llm: Arc::new(ScriptedLanguageModel::new().with_prices(self.prices)),
            embedder: Arc::new(HashingEmbedder::new(self.embedding_dim).with_prices(self.prices)),
            publisher: Arc::new(FilesystemPublisher::new(self.publish_dir)),
        })
    }
}
