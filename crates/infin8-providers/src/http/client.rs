//! The shared HTTP client: one attempt = rate limit → send → read body → interpret; retried per
//! [`RetryPolicy`].

use super::config::{HttpConfig, RateLimit, RetryPolicy};
use super::retry::{full_jitter, retry_after_from_headers};
use crate::config::ConfigError;
use backon::{BackoffBuilder, ExponentialBuilder};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use infin8_core::provider::{ProviderError, ProviderErrorKind};
use reqwest::header::HeaderMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Largest response body read (bigger ones fail with `Decode`).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Reads, searches, completions: retry any temporary failure.
    Idempotent,
    /// Creates: retry only when the server certainly did not act on the request.
    NonIdempotent,
}

/// A response, read in full.
#[derive(Debug)]
pub(crate) struct HttpReply {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// The server's wait hint, parsed.
    pub(crate) retry_after: Option<Duration>,
    /// The body as text (lossy UTF-8).
    pub(crate) body: String,
}

impl HttpReply {
    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The client of one provider.
#[derive(Clone)]
pub(crate) struct HttpClient {
    inner: reqwest::Client,
    provider: &'static str,
    retry: RetryPolicy,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("provider", &self.provider)
            .field("retry", &self.retry)
            .field("rate_limited", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

fn quota(limit: &RateLimit) -> Result<Quota, ConfigError> {
    let period = limit.per / limit.requests.get();
    Quota::with_period(period)
        .map(|q| q.allow_burst(limit.burst))
        .ok_or_else(|| ConfigError::invalid("rate limit", "the period must be longer than zero"))
}

impl HttpClient {
    /// Builds the client. Installs rustls' ring crypto provider as the process default if no
    /// provider is installed yet (reqwest is built without one).
    pub(crate) fn new(provider: &'static str, config: &HttpConfig) -> Result<Self, ConfigError> {
        // Err means a provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| ConfigError::Http { message: error_chain(&e) })?;
        let limiter = match &config.rate_limit {
            Some(limit) => Some(Arc::new(RateLimiter::direct(quota(limit)?))),
            None => None,
        };
        if config.retry.max_attempts == 0 {
            return Err(ConfigError::invalid("retry policy", "max_attempts must be at least 1"));
        }
        Ok(Self { inner, provider, retry: config.retry, limiter })
    }

    /// Sends a request built by `build`, reads the body, and lets `interpret` turn the reply into
    /// a value or an error; retries per the policy. `build` is called once per attempt (count
    /// requests there).
    pub(crate) async fn execute<T>(
        &self,
        endpoint: &str,
        idempotency: Idempotency,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        interpret: impl Fn(HttpReply) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let started = Instant::now();
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.base_delay)
            .with_max_delay(self.retry.max_delay)
            .with_factor(2.0)
            .with_max_times(usize::try_from(self.retry.max_attempts.saturating_sub(1)).unwrap_or(0))
            .build();
        let mut rng = fastrand::Rng::new();
        let mut attempt: u32 = 0;
        let mut decode_retries: u32 = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            let span = tracing::info_span!(
                "provider_request",
                provider = self.provider,
                endpoint,
                attempt,
                status = tracing::field::Empty,
                latency_ms = tracing::field::Empty,
            );
            let sent_at = Instant::now();
            let result = self.attempt(build(&self.inner)).instrument(span.clone()).await;
            span.record("latency_ms", u64::try_from(sent_at.elapsed().as_millis()).unwrap_or(u64::MAX));
            let (error, hint, server_may_have_acted, server_forbids_retry, malformed_success) = match result {
                Ok(reply) => {
                    span.record("status", reply.status);
                    let hint = reply.retry_after;
                    let forbids = reply
                        .headers
                        .get("x-should-retry")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
                    let was_429 = reply.status == 429;
                    let success = reply.is_success();
                    match interpret(reply) {
                        Ok(value) => return Ok(value),
                        Err(e) => {
                            let malformed = success && e.kind() == ProviderErrorKind::Decode;
                            (e, hint, !was_429, forbids, malformed)
                        }
                    }
                }
                Err((e, not_sent)) => (e, None, !not_sent, false, false),
            };
            // A truncated or malformed 2xx body (a proxy cutting the stream, a server hiccup) is
            // worth another attempt, a bounded number of times.
            let decode_retry = malformed_success && decode_retries < self.retry.max_decode_retries;
            if decode_retry {
                decode_retries += 1;
            }
            let allowed = (error.is_retryable() || decode_retry)
                && !server_forbids_retry
                && (idempotency == Idempotency::Idempotent || !server_may_have_acted);
            if !allowed {
                return Err(error);
            }
            let Some(ceiling) = backoff.next() else {
                return Err(error);
            };
            let delay = match error.retry_after().or(hint) {
                Some(wait) if wait > self.retry.max_retry_after => return Err(error),
                Some(wait) => wait,
                None => full_jitter(ceiling, &mut rng),
            };
            if started.elapsed() + delay > self.retry.max_elapsed {
                return Err(error);
            }
            tracing::warn!(
                provider = self.provider,
                endpoint,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error,
                "retrying provider request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt. On failure, also says whether the request was certainly not sent.
    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<HttpReply, (ProviderError, bool)> {
        let mut response = request.send().await.map_err(|e| (self.transport_error(&e), e.is_connect()))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body: Vec<u8> = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err((
                            ProviderError::decode(self.provider, "response body too large", ""),
                            false,
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err((self.transport_error(&e), false)),
            }
        }
        let retry_after = retry_after_from_headers(&headers);
        Ok(HttpReply { status, headers, retry_after, body: String::from_utf8_lossy(&body).into_owned() })
    }

    fn transport_error(&self, e: &reqwest::Error) -> ProviderError {
        if e.is_timeout() {
            ProviderError::Timeout { provider: self.provider.to_string() }
        } else {
            ProviderError::Transport {
                provider: self.provider.to_string(),
                message: error_chain(e),
                source: None,
            }
        }
    }
}

/// An error and its sources, as one line (URLs included, credentials never: they travel in
/// headers, which reqwest does not print).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::status::error_for_status;
    use std::num::NonZeroU32;
    use std::sync::atomic::{AtomicU32, Ordering};
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};

    fn config(attempts: u32) -> HttpConfig {
        HttpConfig {
            retry: RetryPolicy::fast(attempts),
            request_timeout: Duration::from_secs(2),
            ..HttpConfig::default()
        }
    }

    async fn run(
        client: &HttpClient,
        server: &MockServer,
        idempotency: Idempotency,
    ) -> (Result<String, ProviderError>, u32) {
        let sent = AtomicU32::new(0);
        let result = client
            .execute(
                "test",
                idempotency,
                |c| {
                    sent.fetch_add(1, Ordering::Relaxed);
                    c.post(server.uri())
                },
                |reply| {
                    if reply.is_success() {
                        Ok(reply.body)
                    } else {
                        Err(error_for_status("test", reply.status, reply.retry_after, None, &reply.body))
                    }
                },
            )
            .await;
        (result, sent.load(Ordering::Relaxed))
    }

    #[test]
    fn builds_a_tls_capable_client_with_ring() {
        // Would panic inside reqwest without a rustls crypto provider.
        let client = HttpClient::new("test", &HttpConfig::default()).unwrap();
        assert!(format!("{client:?}").contains("test"));
        let bad = HttpConfig {
            retry: RetryPolicy { max_attempts: 0, ..RetryPolicy::default() },
            ..HttpConfig::default()
        };
        assert!(HttpClient::new("test", &bad).is_err());
    }

    #[tokio::test]
    async fn non_idempotent_requests_are_retried_only_when_surely_not_processed() {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(ResponseTemplate::new(503)).mount(&server).await;
        let client = HttpClient::new("test", &config(4)).unwrap();
        let (result, sent) = run(&client, &server, Idempotency::NonIdempotent).await;
        assert!(matches!(result, Err(ProviderError::Unavailable { .. })));
        assert_eq!(sent, 1, "a 503 may have been processed: no blind retry");
        let (_, sent) = run(&client, &server, Idempotency::Idempotent).await;
        assert_eq!(sent, 4, "an idempotent request is retried up to max_attempts");

        let limited = MockServer::start().await;
        Mock::given(any()).respond_with(ResponseTemplate::new(429)).up_to_n_times(1).mount(&limited).await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(201).set_body_string("made"))
            .mount(&limited)
            .await;
        let (result, sent) = run(&client, &limited, Idempotency::NonIdempotent).await;
        assert_eq!(result.unwrap(), "made");
        assert_eq!(sent, 2, "a 429 was not processed: safe to retry");
    }

    #[tokio::test]
    async fn connection_refused_is_retried_even_for_creates_and_reported_as_transport() {
        // A port nothing listens on: bind, note the port, drop the listener.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let client = HttpClient::new("test", &config(3)).unwrap();
        let sent = AtomicU32::new(0);
        let result: Result<String, ProviderError> = client
            .execute(
                "test",
                Idempotency::NonIdempotent,
                |c| {
                    sent.fetch_add(1, Ordering::Relaxed);
                    c.post(format!("http://127.0.0.1:{port}/"))
                },
                |reply| Ok(reply.body),
            )
            .await;
        assert!(matches!(result, Err(ProviderError::Transport { .. })), "{result:?}");
        assert_eq!(sent.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn server_forbidding_retries_is_obeyed_and_elapsed_time_is_bounded() {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(500).insert_header("x-should-retry", "false"))
            .mount(&server)
            .await;
        let client = HttpClient::new("test", &config(5)).unwrap();
        assert_eq!(run(&client, &server, Idempotency::Idempotent).await.1, 1);

        let slow_hint = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
            .mount(&slow_hint)
            .await;
        let mut cfg = config(5);
        cfg.retry.max_elapsed = Duration::from_secs(1);
        let client = HttpClient::new("test", &cfg).unwrap();
        let started = Instant::now();
        let (result, sent) = run(&client, &slow_hint, Idempotency::Idempotent).await;
        assert_eq!(sent, 1, "waiting 2 s would pass the 1 s budget");
        assert_eq!(result.unwrap_err().retry_after(), Some(Duration::from_secs(2)));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn the_rate_limiter_spaces_requests() {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(ResponseTemplate::new(200)).mount(&server).await;
        let mut cfg = config(1);
        cfg.rate_limit = Some(RateLimit {
            requests: NonZeroU32::new(10).unwrap(),
            per: Duration::from_secs(1),
            burst: NonZeroU32::new(1).unwrap(),
        });
        let client = HttpClient::new("test", &cfg).unwrap();
        let started = Instant::now();
        for _ in 0..4 {
            run(&client, &server, Idempotency::Idempotent).await.0.unwrap();
        }
        // One immediately, then one every 100 ms.
        assert!(started.elapsed() >= Duration::from_millis(280), "{:?}", started.elapsed());
    }
}
