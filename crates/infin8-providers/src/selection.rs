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

/// A service's environment variables: those it requires, and every variable that belongs to it
/// (any of which set selects the service).
struct Service {
    name: &'static str,
    /// Every one of these must be set (for OpenAI-compatible: at least one of them, `any_of`).
    required: &'static [&'static str],
    any_of: bool,
    all: &'static [&'static str],
}

const DATAFORSEO: Service = Service {
    name: "DataForSEO",
    required: &["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD"],
    any_of: false,
    all: &["DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD", "DATAFORSEO_BASE_URL"],
};
const TAVILY: Service = Service {
    name: "Tavily",
    required: &["TAVILY_API_KEY"],
    any_of: false,
    all: &["TAVILY_API_KEY", "TAVILY_BASE_URL"],
};
const OPENAI: Service = Service {
    name: "the OpenAI-compatible server",
    required: &["OPENAI_API_KEY", "OPENAI_BASE_URL"],
    any_of: true,
    all: &["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_EMBEDDING_MODEL"],
};
const WORDPRESS: Service = Service {
    name: "WordPress",
    required: &["WORDPRESS_URL", "WORDPRESS_USERNAME", "WORDPRESS_APP_PASSWORD"],
    any_of: false,
    all: &[
        "WORDPRESS_URL",
        "WORDPRESS_USERNAME",
        "WORDPRESS_APP_PASSWORD",
        "WORDPRESS_API_ROOT",
        "WORDPRESS_SEO_TITLE_KEYS",
        "WORDPRESS_SEO_DESCRIPTION_KEYS",
    ],
};

/// Every variable [`from_env`] reads.
pub const PROVIDER_VARIABLES: &[&str] = &[
    "DATAFORSEO_LOGIN",
    "DATAFORSEO_PASSWORD",
    "DATAFORSEO_BASE_URL",
    "TAVILY_API_KEY",
    "TAVILY_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "OPENAI_EMBEDDING_MODEL",
    "WORDPRESS_URL",
    "WORDPRESS_USERNAME",
    "WORDPRESS_APP_PASSWORD",
    "WORDPRESS_API_ROOT",
    "WORDPRESS_SEO_TITLE_KEYS",
    "WORDPRESS_SEO_DESCRIPTION_KEYS",
];

impl Service {
    /// Whether the service is selected: `Ok(false)` when none of its variables is set, `Ok(true)`
    /// when its required ones are, an error naming the missing variable otherwise.
    fn selected(&self, get: VarLookup<'_>) -> Result<bool, ConfigError> {
        let Some(set) = self.all.iter().find(|n| var(get, n).is_some()) else {
            return Ok(false);
        };
        let missing: Vec<&'static str> =
            self.required.iter().copied().filter(|n| var(get, n).is_none()).collect();
        let complete = if self.any_of { missing.len() < self.required.len() } else { missing.is_empty() };
        match missing.first() {
            Some(missing) if !complete => {
                Err(ConfigError::PartlyConfigured { service: self.name, set, missing })
            }
            _ => Ok(true),
        }
    }
}

/// Providers from the process environment: a real client for each service whose variables are
/// set, the offline stand-in (publishing into `offline_dir`) for the others.
///
/// | role | real when set | variables |
/// |---|---|---|
/// | keywords + SERP | DataForSEO | `DATAFORSEO_LOGIN`, `DATAFORSEO_PASSWORD`, optional `DATAFORSEO_BASE_URL` |
/// | web research | Tavily | `TAVILY_API_KEY`, optional `TAVILY_BASE_URL` |
/// | LLM + embedder | OpenAI-compatible | `OPENAI_API_KEY` and/or `OPENAI_BASE_URL`, optional `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL` |
/// | publisher | WordPress | `WORDPRESS_URL`, `WORDPRESS_USERNAME`, `WORDPRESS_APP_PASSWORD`, optional `WORDPRESS_API_ROOT`, `WORDPRESS_SEO_TITLE_KEYS`, `WORDPRESS_SEO_DESCRIPTION_KEYS` |
///
/// A service whose variables are only partly set (any of them, a base-URL override included) is
/// an error naming the missing variable ([`ConfigError::PartlyConfigured`]), not a silent
/// fallback.
///
/// The offline stand-ins are [`OfflineProviders::new`]'s: keywords on generic business topics
/// (there is no business description here; see [`from_env_with`]) and, when every role is
/// offline, simulated list prices ([`OfflinePrices::list`](crate::offline::OfflinePrices::list));
/// alongside any real service they are free, so simulated and real costs never mix.
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
    from_env_with(OfflineProviders::new(offline_dir))
}

/// [`from_env`] with configured offline stand-ins (e.g. a business description for topical
/// offline keywords), under the same price rule: simulated list prices when every role is
/// offline, free alongside any real service.
///
/// # Errors
/// As [`from_env`].
pub fn from_env_with(offline: OfflineProviders) -> Result<(Providers, ProviderSelection), ConfigError> {
    let any_real = PROVIDER_VARIABLES.iter().any(|n| var(&process_env, n).is_some());
    let offline = if any_real { offline.prices(crate::offline::OfflinePrices::free()) } else { offline };
    from_vars(offline, &process_env)
}

/// [`from_env`] over any variable lookup, with configured offline stand-ins (their prices as
/// given).
///
/// # Errors
/// As [`from_env`].
pub fn from_vars(
    offline: OfflineProviders,
    get: VarLookup<'_>,
) -> Result<(Providers, ProviderSelection), ConfigError> {
    // Check every service before building anything: the first partly configured one is the error.
    let dataforseo = DATAFORSEO.selected(get)?;
    let tavily = TAVILY.selected(get)?;
    let openai = OPENAI.selected(get)?;
    let wordpress = WORDPRESS.selected(get)?;
    let mut providers = offline.build()?;
    let mut selection = ProviderSelection {
        keywords: Backing::Offline(crate::offline::FIXTURE_KEYWORDS_NAME),
        web: Backing::Offline(crate::offline::LOCAL_CORPUS_NAME),
        llm: Backing::Offline(crate::offline::SCRIPTED_MODEL_NAME),
        embedder: Backing::Offline("hashing-ngram"),
        publisher: Backing::Offline(crate::offline::FILESYSTEM_PLATFORM),
    };
    if dataforseo {
        let client = Arc::new(DataForSeoClient::new(DataForSeoConfig::from_vars(get)?)?);
        providers.keywords = client.clone();
        providers.serp = Some(client);
        selection.keywords = Backing::Real("dataforseo");
    }
    if tavily {
        providers.web = Arc::new(TavilyClient::new(TavilyConfig::from_vars(get)?)?);
        selection.web = Backing::Real("tavily");
    }
    if openai {
        let client = Arc::new(OpenAiClient::new(OpenAiConfig::from_vars(get)?)?);
        providers.llm = client.clone();
        providers.embedder = client;
        selection.llm = Backing::Real("openai");
        selection.embedder = Backing::Real("openai");
    }
    if wordpress {
        providers.publisher = Arc::new(WordPressClient::new(WordPressConfig::from_vars(get)?)?);
        selection.publisher = Backing::Real("wordpress");
    }
    Ok((providers, selection))
}
