//! DataForSEO client configuration.

use crate::config::{ConfigError, VarLookup, process_env, require, var};
use crate::http::{HttpConfig, RateLimit};
use infin8_core::Usd;
use secrecy::SecretString;
use std::num::NonZeroU32;
use std::time::Duration;

/// The production API.
pub const DATAFORSEO_BASE_URL: &str = "https://api.dataforseo.com";
/// The free sandbox (dummy data, real shapes).
pub const DATAFORSEO_SANDBOX_URL: &str = "https://sandbox.dataforseo.com";

/// How to reach DataForSEO and what to ask it for.
///
/// `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct DataForSeoConfig {
    /// Base URL, without `/v3` (`https://api.dataforseo.com`, the sandbox, a gateway, a mock).
    pub base_url: String,
    /// API login (from the dashboard, not the account e-mail password).
    pub login: String,
    /// API password.
    pub password: SecretString,
    /// HTTP behaviour. Default: 120 s per attempt, 2,000 requests/minute in bursts of 30 (the
    /// account limit and Labs' simultaneous-request cap).
    pub http: HttpConfig,
    /// Price of one Labs live call (the samples show $0.0101), reserved before each call.
    pub labs_call_estimate: Usd,
    /// Price of one SERP live advanced call per 10 results (about $0.002).
    pub serp_estimate_per_10: Usd,
    /// Most keywords per `keyword_overview` task (documented limit: 700).
    pub metrics_batch_size: usize,
    /// Most items per page of ranked keywords and suggestions (documented limit: 1,000).
    pub page_size: u32,
}

impl DataForSeoConfig {
    /// A configuration for the production API.
    pub fn new(login: impl Into<String>, password: SecretString) -> Self {
        let burst = NonZeroU32::new(30).unwrap_or(NonZeroU32::MIN);
        let per_minute = NonZeroU32::new(2000).unwrap_or(NonZeroU32::MIN);
        Self {
            base_url: DATAFORSEO_BASE_URL.to_string(),
            login: login.into(),
            password,
            http: HttpConfig::default()
                .with_request_timeout(Duration::from_secs(120))
                .with_rate_limit(Some(RateLimit::per_minute(per_minute, burst))),
            labs_call_estimate: Usd::from_micros(10_100),
            serp_estimate_per_10: Usd::from_micros(2_000),
            metrics_batch_size: 700,
            page_size: 1000,
        }
    }

    /// From `DATAFORSEO_LOGIN`, `DATAFORSEO_PASSWORD` and optionally `DATAFORSEO_BASE_URL`.
    ///
    /// # Errors
    /// [`ConfigError::MissingVar`] if login or password is unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(get: VarLookup<'_>) -> Result<Self, ConfigError> {
        let login = require(get, "DATAFORSEO_LOGIN")?;
        let password = SecretString::from(require(get, "DATAFORSEO_PASSWORD")?);
        let mut config = Self::new(login, password);
        if let Some(base) = var(get, "DATAFORSEO_BASE_URL") {
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
