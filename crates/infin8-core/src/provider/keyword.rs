use super::{Metered, ProviderError};
use crate::keyword::KeywordMetrics;
use crate::money::Usd;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Where and in which language to research.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Locale {
    /// Provider location code (DataForSEO: 2840 = United States).
    pub location_code: u32,
    /// Language code, ISO 639-1 (`"en"`).
    pub language_code: String,
}

impl Default for Locale {
    fn default() -> Self {
        Self { location_code: 2840, language_code: "en".to_string() }
    }
}

/// Keywords a domain ranks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainKeywordsRequest {
    /// The domain (`"example.com"`, normalized, no scheme).
    pub domain: String,
    /// Locale.
    pub locale: Locale,
    /// Most keywords to return (by search volume, descending).
    pub limit: u32,
}

/// Longtail suggestions for a seed keyword.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionsRequest {
    /// The seed.
    pub seed: String,
    /// Locale.
    pub locale: Locale,
    /// Most suggestions to return.
    pub limit: u32,
}

/// Metrics for known keywords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordMetricsRequest {
    /// The keywords.
    pub keywords: Vec<String>,
    /// Locale.
    pub locale: Locale,
}

/// A keyword a provider returned, with whatever metrics it knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeywordIdea {
    /// The keyword text as the provider gave it.
    pub keyword: String,
    /// Metrics (volume, CPC, competition, difficulty, intent).
    pub metrics: KeywordMetrics,
    /// Language, if known.
    pub language: Option<String>,
    /// Where it came from (`"dataforseo:ranked_keywords"`).
    pub source: String,
}

/// Keyword research: what competitors rank for, expansions of a seed, and metrics.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait KeywordResearch: Send + Sync {
    /// The provider's name (`"dataforseo"`), recorded as the keyword source.
    fn name(&self) -> &str;

    /// An upper-bound estimate of one call's cost, reserved before the call.
    fn estimate(&self) -> Usd {
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

    /// Keywords `request.domain` ranks for, by search volume descending.
    ///
    /// # Errors
    /// [`ProviderError`]; retryable ones say so.
    async fn ranked_keywords(
        &self,
        request: &DomainKeywordsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError>;

    /// Longtail suggestions for a seed.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn keyword_suggestions(
        &self,
        request: &SuggestionsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError>;

    /// Metrics for known keywords (unknown keywords are omitted from the result).
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn keyword_metrics(
        &self,
        request: &KeywordMetricsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError>;
}

/// The top organic result URLs of a keyword (for SERP-overlap clustering).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SerpResearch: Send + Sync {
    /// The provider's name.
    fn name(&self) -> &str;

    /// An upper-bound estimate of one call's cost.
    fn estimate(&self) -> Usd {
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

    /// Top `depth` organic URLs for a keyword, best first.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn top_urls(
        &self,
        keyword: &str,
        locale: &Locale,
        depth: u32,
    ) -> Result<Metered<Vec<String>>, ProviderError>;
}
