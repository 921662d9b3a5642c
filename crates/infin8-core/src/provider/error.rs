//! The error type of the provider boundary.

use std::time::Duration;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong talking to a provider (keyword research, web research, language model,
/// embedder, publisher).
///
/// Every variant names the provider. [`is_retryable`](Self::is_retryable) says whether trying the
/// same call again can help; [`retry_after`](Self::retry_after) carries the provider's hint.
/// Messages never contain credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// Credentials missing, wrong or lacking permission (HTTP 401/403). Not retryable.
    #[error("{provider}: authentication failed: {message}")]
    Auth {
        /// Provider name (`"dataforseo"`, `"tavily"`, …).
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// Too many requests; retry after the hinted delay.
    #[error("{provider}: rate limited{}", fmt_retry(.retry_after))]
    RateLimited {
        /// Provider name.
        provider: String,
        /// The provider's hint (`Retry-After`, `retry-after-ms`), if any.
        retry_after: Option<Duration>,
        /// The provider's message.
        message: String,
    },
    /// The account is out of credit or quota (HTTP 402, OpenAI `insufficient_quota`, Tavily
    /// 432/433, DataForSEO balance codes). Never retried.
    #[error("{provider}: quota exhausted: {message}")]
    QuotaExhausted {
        /// Provider name.
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// The provider rejected the request as malformed or invalid. Not retryable.
    #[error("{provider}: bad request{}: {message}", fmt_code(.code))]
    BadRequest {
        /// Provider name.
        provider: String,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The provider's own error code (`"rest_invalid_param"`, `"40501"`, …), if any.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The requested remote object does not exist (HTTP 404 on a specific resource).
    #[error("{provider}: not found: {message}")]
    NotFound {
        /// Provider name.
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// The provider is temporarily failing (HTTP 5xx, 408, DataForSEO 50000). Retryable.
    #[error("{provider}: unavailable{}: {message}", fmt_status(.status))]
    Unavailable {
        /// Provider name.
        provider: String,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The provider's message.
        message: String,
    },
    /// The call did not complete in time. Retryable.
    #[error("{provider}: timed out")]
    Timeout {
        /// Provider name.
        provider: String,
    },
    /// The connection failed (DNS, TCP, TLS). Retryable.
    #[error("{provider}: transport error: {message}")]
    Transport {
        /// Provider name.
        provider: String,
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The response could not be understood. Not retryable.
    #[error("{provider}: could not decode response: {message} (body starts: {excerpt:?})")]
    Decode {
        /// Provider name.
        provider: String,
        /// What was wrong.
        message: String,
        /// The first few hundred characters of the body (never headers).
        excerpt: String,
    },
    /// The request we were asked to make is invalid before sending it (empty input, bad
    /// configuration). Not retryable.
    #[error("{provider}: invalid request: {message}")]
    InvalidRequest {
        /// Provider name.
        provider: String,
        /// What was wrong.
        message: String,
    },
}

fn fmt_retry(retry_after: &Option<Duration>) -> String {
    retry_after.map(|d| format!(" (retry after {d:?})")).unwrap_or_default()
}

fn fmt_code(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default()
}

fn fmt_status(status: &Option<u16>) -> String {
    status.map(|s| format!(" (http {s})")).unwrap_or_default()
}

impl ProviderError {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Timeout { .. }
                | Self::Transport { .. }
        )
    }

    /// The provider's hint of how long to wait before retrying.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        match self {
            Self::Auth { provider, .. }
            | Self::RateLimited { provider, .. }
            | Self::QuotaExhausted { provider, .. }
            | Self::BadRequest { provider, .. }
            | Self::NotFound { provider, .. }
            | Self::Unavailable { provider, .. }
            | Self::Timeout { provider }
            | Self::Transport { provider, .. }
            | Self::Decode { provider, .. }
            | Self::InvalidRequest { provider, .. } => provider,
        }
    }

    /// Shorthand for [`ProviderError::Unavailable`] without status.
    pub fn unavailable(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unavailable { provider: provider.into(), status: None, message: message.into() }
    }

    /// Shorthand for [`ProviderError::InvalidRequest`].
    pub fn invalid_request(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidRequest { provider: provider.into(), message: message.into() }
    }

    /// Shorthand for [`ProviderError::Decode`], truncating the excerpt to 300 characters.
    pub fn decode(provider: impl Into<String>, message: impl Into<String>, body: &str) -> Self {
        Self::Decode {
            provider: provider.into(),
            message: message.into(),
            excerpt: body.chars().take(300).collect(),
        }
    }
}
