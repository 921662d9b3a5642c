use super::{Metered, ProviderError};
use crate::article::Source;
use crate::money::Usd;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// How hard to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchDepth {
    /// Fast and cheap.
    #[default]
    Basic,
    /// More relevant content per source; costs more.
    Advanced,
}

/// A web search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WebSearchRequest {
    /// The query.
    pub query: String,
    /// Most results.
    pub max_results: u32,
    /// Depth.
    pub depth: SearchDepth,
    /// Only these domains (empty: any).
    pub include_domains: Vec<String>,
    /// Never these domains.
    pub exclude_domains: Vec<String>,
    /// Ask for each page's full text too.
    pub include_raw_content: bool,
}

impl WebSearchRequest {
    /// A basic search for `query` with at most `max_results` results.
    pub fn new(query: impl Into<String>, max_results: u32) -> Self {
        Self { query: query.into(), max_results, ..Self::default() }
    }
}

/// Web research: a query in, ranked sources out.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WebResearch: Send + Sync {
    /// The provider's name (`"tavily"`), recorded in the research cache.
    fn name(&self) -> &str;

    /// An upper-bound estimate of the call's cost.
    fn estimate(&self, _request: &WebSearchRequest) -> Usd {
        Usd::ZERO
    }

    /// Checks the credentials (and what they may do) with the provider's cheapest documented
    /// call, before anything is spent. `Ok(Some(what))` says what was verified, `Ok(None)` that
    /// there is nothing to check (an offline stand-in). The default checks nothing.
    ///
    /// # Errors
    /// [`ProviderError`], whose [`hint`](ProviderError::hint) names the setting to fix.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }

    /// Searches the web.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn search(&self, request: &WebSearchRequest) -> Result<Metered<Vec<Source>>, ProviderError>;
}
