//! Tavily client configuration.

use crate::config::{ConfigError, VarLookup, process_env, require, var};
use crate::http::{HttpConfig, RateLimit};
use infin8_core::Usd;
use secrecy::SecretString;
use std::num::NonZeroU32;
use std::time::Duration;

/// The production API.
pub const TAVILY_BASE_URL: &str = "https://api.tavily.com";

/// How to reach Tavily. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct TavilyConfig {
    /// Base URL (`https://api.tavily.com`, a gateway, a mock).
    pub base_url: String,
    /// API key (`tvly-…`), sent as a Bearer token.
    pub api_key: SecretString,
    /// HTTP behaviour. Default: 60 s per attempt, 100 requests/minute (a development key's
    /// limit; production keys allow 1,000) in bursts of 10.
    pub http: HttpConfig,
    /// Price of one credit (pay-as-you-go: $0.008).
    pub price_per_credit: Usd,
    /// Topic sent with every search (`general`, `news`, `finance`).
    pub topic: String,
}

impl TavilyConfig {
    /// A configuration for the production API.
    pub fn new(api_key: SecretString) -> Self {
        let per_minute = NonZeroU32::new(100).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN);
        Self {
            base_url: TAVILY_BASE_URL.to_string(),
            api_key,
            http: HttpConfig::default()
                .with_request_timeout(Duration::from_secs(60))
                .with_rate_limit(Some(RateLimit::per_minute(per_minute, burst))),
            price_per_credit: Usd::from_micros(8_000),
            topic: "general".to_string(),
        }
    }

    /// From `TAVILY_API_KEY` and optionally `TAVILY_BASE_URL`.
    ///
    /// # Errors
    /// [`ConfigError::MissingVar`] if the key is unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(get: VarLookup<'_>) -> Result<Self, ConfigError> {
        let mut config = Self::new(SecretString::from(require(get, "TAVILY_API_KEY")?));
        if let Some(base) = var(get, "TAVILY_BASE_URL") {
            config.base_url = base;
        }
        Ok(config)
    }

    /// Sets the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the HTTP behaviour.
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}
