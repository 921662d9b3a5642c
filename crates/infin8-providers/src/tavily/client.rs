//! The Tavily client.

use super::config::TavilyConfig;
use super::convert::{parse_object, parse_search, to_sources};
use super::error::{PROVIDER, map_error};
use super::wire::{SearchBody, UsageResponse};
use crate::config::{ConfigError, parse_base_url};
use crate::http::{HttpClient, Idempotency, record_call};
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::article::Source;
use infin8_core::provider::{
    Metered, ProviderError, ProviderUsage, SearchDepth, WebResearch, WebSearchRequest,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU32, Ordering};

const SEARCH: &str = "search";
const USAGE: &str = "usage";
/// Tavily's maximum `max_results`.
const MAX_RESULTS: u32 = 20;
/// Tavily's maximum include list.
const MAX_INCLUDE_DOMAINS: usize = 300;
/// Tavily's maximum exclude list.
const MAX_EXCLUDE_DOMAINS: usize = 150;

/// Tavily client: [`WebResearch`] over `POST /search`.
///
/// ```no_run
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// // TAVILY_API_KEY, optional TAVILY_BASE_URL
/// let client = infin8_providers::tavily::TavilyClient::from_env()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TavilyClient {
    http: HttpClient,
    base: url::Url,
    api_key: SecretString,
    config: TavilyConfig,
}

impl std::fmt::Debug for TavilyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TavilyClient")
            .field("base_url", &self.base.as_str())
            .field("api_key", &"***")
            .finish_non_exhaustive()
    }
}

/// Credits a search of this depth costs (basic 1, advanced 2).
fn credits(depth: SearchDepth) -> i64 {
    match depth {
        SearchDepth::Basic => 1,
        SearchDepth::Advanced => 2,
    }
}

impl TavilyClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] if the base URL is invalid or the HTTP client cannot be built.
    pub fn new(config: TavilyConfig) -> Result<Self, ConfigError> {
        let base = parse_base_url("TAVILY_BASE_URL", &config.base_url)?;
        let http = HttpClient::new(PROVIDER, &config.http)?;
        Ok(Self { http, base, api_key: config.api_key.clone(), config })
    }

    /// A client configured from the environment (see [`TavilyConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] if the key is missing or a setting invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(TavilyConfig::from_env()?)
    }

    fn body(&self, request: &WebSearchRequest) -> SearchBody {
        let clean = |domains: &[String], max: usize| -> Vec<String> {
            domains.iter().map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty()).take(max).collect()
        };
        SearchBody {
            query: request.query.trim().to_string(),
            search_depth: match request.depth {
                SearchDepth::Basic => "basic",
                SearchDepth::Advanced => "advanced",
            },
            topic: self.config.topic.clone(),
            max_results: request.max_results.min(MAX_RESULTS),
            include_domains: clean(&request.include_domains, MAX_INCLUDE_DOMAINS),
            exclude_domains: clean(&request.exclude_domains, MAX_EXCLUDE_DOMAINS),
            include_raw_content: request.include_raw_content,
            include_answer: false,
            include_images: false,
            include_usage: true,
        }
    }
}

#[async_trait]
impl WebResearch for TavilyClient {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// Credits of the requested depth times the price per credit. (Tavily's `auto_parameters`
    /// can upgrade a search to advanced; we never send it.)
    fn estimate(&self, request: &WebSearchRequest) -> Usd {
        self.config.price_per_credit.times(credits(request.depth))
    }

    /// `GET /usage` (free): the key works and has credits left.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        let url = self
            .base
            .join(USAGE)
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        let usage: UsageResponse = self
            .http
            .execute(
                USAGE,
                Idempotency::Idempotent,
                |client| client.get(url.clone()).bearer_auth(self.api_key.expose_secret()),
                |reply| {
                    if !reply.is_success() {
                        return Err(map_error(reply.status, reply.retry_after, &reply.body));
                    }
                    parse_object(&reply.body)
                },
            )
            .await
            .map_err(|e| e.with_operation("preflight"))?;
        let spent = |used: Option<f64>, limit: Option<f64>| match (used, limit) {
            (Some(u), Some(l)) => l > 0.0 && u >= l,
            _ => false,
        };
        let key = usage.key.unwrap_or_default();
        let account = usage.account.unwrap_or_default();
        let plan_spent = spent(account.plan_usage, account.plan_limit);
        let paygo_open = account.paygo_limit.is_none_or(|l| account.paygo_usage.unwrap_or(0.0) < l);
        if spent(key.usage, key.limit) || (plan_spent && !paygo_open) {
            return Err(ProviderError::quota_exhausted(
                PROVIDER,
                "the key's or the plan's credits are used up",
            )
            .with_operation("preflight")
            .with_hint("raise the key limit or upgrade the plan in the Tavily dashboard"));
        }
        let credits = |used: Option<f64>, limit: Option<f64>| match (used, limit) {
            (Some(u), Some(l)) => format!("{u} of {l} credits used"),
            (Some(u), None) => format!("{u} credits used, no limit"),
            _ => "usage not reported".to_string(),
        };
        Ok(Some(format!("key: {}", credits(key.usage, key.limit))))
    }

    async fn search(&self, request: &WebSearchRequest) -> Result<Metered<Vec<Source>>, ProviderError> {
        if request.query.trim().is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "empty query").with_operation("search"));
        }
        let url = self
            .base
            .join(SEARCH)
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        let body = self.body(request);
        let sent = AtomicU32::new(0);
        // Tavily bills successful searches; a 2xx whose body cannot be read was a search Tavily
        // ran, billed at the depth's credits.
        let unreadable = AtomicU32::new(0);
        let depth_cost = self.config.price_per_credit.times(credits(request.depth));
        let response = self
            .http
            .execute(
                SEARCH,
                Idempotency::Idempotent,
                |client| {
                    sent.fetch_add(1, Ordering::Relaxed);
                    client.post(url.clone()).bearer_auth(self.api_key.expose_secret()).json(&body)
                },
                |reply| {
                    if !reply.is_success() {
                        return Err(map_error(reply.status, reply.retry_after, &reply.body));
                    }
                    parse_search(&reply.body).inspect_err(|_| {
                        unreadable.fetch_add(1, Ordering::Relaxed);
                    })
                },
            )
            .await;
        let unreadable_cost = depth_cost.times(i64::from(unreadable.load(Ordering::Relaxed)));
        let response = response.map_err(|e| {
            e.with_operation("search").with_billed(ProviderUsage {
                cost: unreadable_cost,
                requests: sent.load(Ordering::Relaxed),
                ..ProviderUsage::default()
            })
        })?;
        let sources = to_sources(&response, request.include_raw_content);
        // Credits as reported; otherwise what the depth costs.
        let used = response
            .usage
            .as_ref()
            .and_then(|u| u.credits)
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map_or_else(|| credits(request.depth), |c| c.ceil() as i64);
        let usage = ProviderUsage {
            cost: self.config.price_per_credit.times(used) + unreadable_cost,
            requests: sent.load(Ordering::Relaxed),
            items: sources.len() as u64,
            ..ProviderUsage::default()
        };
        tracing::debug!(
            provider = PROVIDER,
            request_id = response.request_id.as_deref().unwrap_or("-"),
            response_time = response.response_time.unwrap_or_default(),
            credits = used,
            "tavily search"
        );
        record_call(PROVIDER, SEARCH, &usage);
        Ok(Metered::new(sources, usage))
    }
}
