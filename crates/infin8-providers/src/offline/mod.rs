//! Offline providers: no network, deterministic, free, and named for what they are.
//!
//! | role | type | what it really does |
//! |---|---|---|
//! | keywords + SERP | [`FixtureKeywords`] | generated (or fixture-file) keyword data |
//! | web research | [`LocalCorpus`] | BM25 over a folder of `.txt`/`.md` files, or a built-in corpus |
//! | language model | [`ScriptedLanguageModel`] | a stand-in producing structurally valid answers |
//! | embedder | [`HashingEmbedder`] | character n-gram feature hashing (a real lexical embedding) |
//! | publisher | [`FilesystemPublisher`] | HTML files plus an `index.json`, idempotent by key |
//!
//! [`OfflineProviders`] bundles them into [`Providers`].

mod builtin_corpus;
pub(crate) mod determinism;
mod filesystem_publisher;
mod fixture_keywords;
mod hashing_embedder;
mod local_corpus;
mod schema_walker;
mod scripted_llm;
pub(crate) mod text;

pub use filesystem_publisher::{FILESYSTEM_PLATFORM, FilesystemPublisher, INDEX_FILE};
pub use fixture_keywords::{FIXTURE_KEYWORDS_NAME, FixtureKeywords, KeywordFixture};
pub use hashing_embedder::{DEFAULT_HASH_DIM, HashingEmbedder};
pub use local_corpus::{BUILTIN_CORPUS_BASE_URL, LOCAL_CORPUS_NAME, LocalCorpus};
pub use scripted_llm::{SCRIPTED_MODEL_NAME, ScriptedLanguageModel};

use crate::config::ConfigError;
use infin8_core::provider::Providers;
use std::path::PathBuf;
use std::sync::Arc;

/// Builds the offline [`Providers`].
///
/// ```
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// let dir = std::env::temp_dir().join("infin8-doc-offline");
/// let providers = infin8_providers::offline::OfflineProviders::new(&dir).build()?;
/// assert_eq!(providers.publisher.platform(), "filesystem");
/// assert_eq!(providers.llm.model_name(), "scripted-offline");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OfflineProviders {
    publish_dir: PathBuf,
    corpus_dir: Option<PathBuf>,
    corpus_base_url: Option<String>,
    keyword_fixture: Option<PathBuf>,
    embedding_dim: usize,
    with_serp: bool,
}

impl OfflineProviders {
    /// Offline providers publishing into `publish_dir`, with the built-in corpus, generated
    /// keywords, SERP research, and 256-dimensional hashing embeddings.
    #[must_use]
    pub fn new(publish_dir: impl Into<PathBuf>) -> Self {
        Self {
            publish_dir: publish_dir.into(),
            corpus_dir: None,
            corpus_base_url: None,
            keyword_fixture: None,
            embedding_dim: DEFAULT_HASH_DIM,
            with_serp: true,
        }
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
        match &self.keyword_fixture {
            Some(path) => FixtureKeywords::from_json_file(path),
            None => Ok(FixtureKeywords::new()),
        }
    }

    /// The web research source this builder configures.
    ///
    /// # Errors
    /// [`ConfigError`] if the corpus folder cannot be read or is empty.
    pub fn corpus(&self) -> Result<LocalCorpus, ConfigError> {
        match &self.corpus_dir {
            Some(dir) => LocalCorpus::from_dir(dir, self.corpus_base_url.as_deref()),
            None => Ok(LocalCorpus::builtin()),
        }
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
            llm: Arc::new(ScriptedLanguageModel::new()),
            embedder: Arc::new(HashingEmbedder::new(self.embedding_dim)),
            publisher: Arc::new(FilesystemPublisher::new(self.publish_dir)),
        })
    }
}
