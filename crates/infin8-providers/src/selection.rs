//! Building [`Providers`] from the environment: each real client whose variables are set, the
//! offline stand-in otherwise.

use crate::config::{ConfigError, VarLookup, process_env, var};
use crate::dataforseo::{DataForSeoClient, DataForSeoConfig};
use crate::offline::OfflineProviders;
use crate::openai::{OpenAiClient, OpenAiConfig};
use crate::tavily::{TavilyClient, TavilyConfig};
use crate::wordpress::{WordPressClient, WordPressConfig};
use infin8_core::provider::Providers;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// Which implementation serves a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// A real service, by provider name (`"dataforseo"`, `"tavily"`, `"openai"`, `"wordpress"`).
    Real(&'static str),
    /// The offline stand-in, by name.
    Offline(&'static str),
}

impl Backing {
    /// Whether a real service backs the role.
    #[must_use]
    pub fn is_real(self) -> bool {
        matches!(self, Self::Real(_))
    }
}

impl fmt::Display for Backing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Real(name) => write!(f, "{name}"),
            Self::Offline(name) => write!(f, "{name} (offline)"),
        }
    }
}

/// Which roles [`from_env`] filled with real clients and which with offline stand-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSelection {
    /// Keyword research and SERP top URLs.
    pub keywords: Backing,
    /// Web research.
    pub web: Backing,
    /// Language model.
    pub llm: Backing,
    /// Embedder.
    pub embedder: Backing,
    /// Publisher.
    pub publisher: Backing,
}

impl ProviderSelection {
    /// Whether every role is offline.
    #[must_use]
    pub fn all_offline(&self) -> bool {
        ![self.keywords, self.web, self.llm, self.embedder, self.publisher].iter().any(|b| b.is_real())
    }
}

impl fmt::Display for ProviderSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "keywords: {}, web: {}, llm: {}, embedder: {}, publisher: {}",
            self.keywords, self.web, self.llm, self.embedder, self.publisher
        )
    }
}

fn any_set(get: VarLookup<'_>, names: &[&'static str]) -> bool {
    names.iter().any(|n| var(get, n).is_some())
}

/// Providers from the process environment: a real client for each service whose variables are
/// set, the offline stand-in (publishing into `offline_dir`) for the others.
///
/// | role | real when set | variables |
/// |---|---|---|
/// | keywords + SERP | DataForSEO | `DATAFORSEO_LOGIN`, `DATAFORSEO_PASSWORD`, optional `DATAFORSEO_BASE_URL` |
/// | web research | Tavily | `TAVILY_API_KEY`, optional `TAVILY_BASE_URL` |
/// | LLM + embedder | OpenAI-compatible | `OPENAI_API_KEY` and/or `OPENAI_BASE_URL`, optional `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL` |
/// | publisher | WordPress | `WORDPRESS_URL`, `WORDPRESS_USERNAME`, `WORDPRESS_APP_PASSWORD` |
///
/// A service whose variables are only partly set is an error, not a silent fallback.
///
/// The offline stand-ins are [`OfflineProviders::new`]'s: keywords on generic business topics
/// (there is no business description here) and, when every role is offline, simulated list
/// prices ([`OfflinePrices::list`](crate::offline::OfflinePrices::list)); alongside any real
/// service they are free, so simulated and real costs never mix. For the business's own topics or
/// other prices, call [`from_vars`] with a configured [`OfflineProviders`].
///
/// ```
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// let (providers, selection) = infin8_providers::from_env(std::env::temp_dir().join("infin8-posts"))?;
/// println!("{selection}");
/// # let _ = providers;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`ConfigError`] if a service is partly configured or a value is invalid.
pub fn from_env(offline_dir: impl Into<PathBuf>) -> Result<(Providers, ProviderSelection), ConfigError> {
    let offline = OfflineProviders::new(offline_dir);
    let offline = if any_set(&process_env, REAL_SERVICE_VARS) {
        offline.prices(crate::offline::OfflinePrices::free())
    } else {
        offline
    };
    from_vars(offline, &process_env)
}

/// Variables any of which selects a real service in [`from_vars`].
const REAL_SERVICE_VARS: &[&str] = &[
    "DATAFORSEO_LOGIN",
    "DATAFORSEO_PASSWORD",
    "TAVILY_API_KEY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "WORDPRESS_URL",
    "WORDPRESS_USERNAME",
    "WORDPRESS_APP_PASSWORD",
];

/// [`from_env`] over any variable lookup, with configured offline stand-ins.
///
/// # Errors
/// As [`from_env`].
pub fn from_vars(
    offline: OfflineProviders,
    get: VarLookup<'_>,
) -> Result<(Providers, ProviderSelection), ConfigError> {
    let mut providers = offline.build()?;
    let mut selection = ProviderSelection {
        keywords: Backing::Offline(crate::offline::FIXTURE_KEYWORDS_NAME),
        web: Backing::Offline(crate::offline::LOCAL_CORPUS_NAME),
        llm: Backing::Offline(crate::offline::SCRIPTED_MODEL_NAME),
        embedder: Backing::Offline("hashing-ngram"),
        publisher: Backing::Offline(crate::offline::FILESYSTEM_PLATFORM),
    };
    if any_set(get, &["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD"]) {
        let client = Arc::new(DataForSeoClient::new(DataForSeoConfig::from_vars(get)?)?);
        providers.keywords = client.clone();
        providers.serp = Some(client);
        selection.keywords = Backing::Real("dataforseo");
    }
    if any_set(get, &["TAVILY_API_KEY"]) {
        providers.web = Arc::new(TavilyClient::new(TavilyConfig::from_vars(get)?)?);
        selection.web = Backing::Real("tavily");
    }
    if any_set(get, &["OPENAI_API_KEY", "OPENAI_BASE_URL"]) {
        let client = Arc::new(OpenAiClient::new(OpenAiConfig::from_vars(get)?)?);
        providers.llm = client.clone();
        providers.embedder = client;
        selection.llm = Backing::Real("openai");
        selection.embedder = Backing::Real("openai");
    }
    if any_set(get, &["WORDPRESS_URL", "WORDPRESS_USERNAME", "WORDPRESS_APP_PASSWORD"]) {
        providers.publisher = Arc::new(WordPressClient::new(WordPressConfig::from_vars(get)?)?);
        selection.publisher = Backing::Real("wordpress");
    }
    Ok((providers, selection))
}
