//! Timeouts, retry policy and rate limit of one client.

use std::num::NonZeroU32;
use std::time::Duration;

/// How a client talks HTTP: timeouts, retries and client-side rate limiting.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    /// Most time to establish a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Most time between two reads of the response.
    pub read_timeout: Duration,
    /// Most time for one attempt, from sending to the last byte of the body.
    pub request_timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// Client-side rate limit, if any.
    pub rate_limit: Option<RateLimit>,
    /// The `User-Agent` sent.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
            rate_limit: None,
            user_agent: concat!("infin8-providers/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl HttpConfig {
    /// Sets the per-attempt timeout.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the client-side rate limit.
    #[must_use]
    pub fn with_rate_limit(mut self, rate_limit: Option<RateLimit>) -> Self {
        self.rate_limit = rate_limit;
        self
    }
}

/// Which failures are retried, and how long to wait.
///
/// Retried: transport errors, timeouts, HTTP 408, 429, 500, 502, 503, 504, errors a provider
/// reports inside a 200 body that it marks as temporary (DataForSEO `40103`, `40202`, `50000`),
/// and — at most `max_decode_retries` times per call — a 2xx whose body is truncated or malformed.
/// Never retried: authentication, quota/payment and validation errors. A request that is not
/// idempotent (a create) is retried only when the server certainly did not process it (a 429, or
/// a connection that could not be opened).
///
/// The delay before retry *n* (1-based) is drawn uniformly from `0..=min(max_delay, base_delay ·
/// 2^(n-1))` ("full jitter"), unless the server said how long to wait (`retry-after-ms`, or
/// `Retry-After` in seconds or as an HTTP date), which is then used as is — or ends the retries
/// if it is longer than `max_retry_after`. Retries stop after `max_attempts` attempts in all, or
/// when the next wait would pass `max_elapsed` since the first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff ceiling.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// Most time from the first attempt to the start of the last.
    pub max_elapsed: Duration,
    /// Longest server-requested wait that is honoured; a longer one fails the call at once (with
    /// the hint in the error) so the caller can reschedule.
    pub max_retry_after: Duration,
    /// Most retries of a 2xx response whose body could not be decoded (within `max_attempts`).
    pub max_decode_retries: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(90),
            max_retry_after: Duration::from_secs(60),
            max_decode_retries: 2,
        }
    }
}

impl RetryPolicy {
    /// No retries.
    #[must_use]
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Millisecond delays, for tests against a local mock.
    #[must_use]
    pub fn fast(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(5),
            max_decode_retries: 2,
        }
    }
}

/// A client-side rate limit: at most `requests` per `per`, with bursts of up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period.
    pub requests: NonZeroU32,
    /// The period.
    pub per: Duration,
    /// Most requests sent back to back.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// `requests` per minute, bursts of up to `burst`.
    #[must_use]
    pub fn per_minute(requests: NonZeroU32, burst: NonZeroU32) -> Self {
        Self { requests, per: Duration::from_secs(60), burst }
    }

    /// `requests` per second, bursts of up to `requests`.
    #[must_use]
    pub fn per_second(requests: NonZeroU32) -> Self {
        Self { requests, per: Duration::from_secs(1), burst: requests }
    }
}
