//! Tavily error bodies and statuses → [`ProviderError`]: one function, [`map_error`], for every
//! documented status (Tavily's OpenAPI error examples and the official SDK's
//! `_handle_error_response`); the README's table says the same.

use crate::http::error_for_status;
use infin8_core::provider::{ProviderError, ProviderErrorKind};
use serde_json::Value;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "tavily";

/// Advice for credential failures.
pub(crate) const AUTH_HINT: &str =
    "check TAVILY_API_KEY (a key from the Tavily dashboard, starting with tvly-)";

/// The message of an error body: `{"detail": {"error": …}}`, `{"detail": "…"}`,
/// `{"error": {"message": …}}` (keyless mode), `{"error": "…"}`, else the raw text.
pub(crate) fn error_message(body: &str) -> (String, Option<Duration>) {
    let raw = || {
        let text: String = body.trim().chars().take(200).collect();
        if text.is_empty() { "no error message".to_string() } else { text }
    };
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (raw(), None);
    };
    let retry = value
        .pointer("/error/retry_after_seconds")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    let message = ["/detail/error", "/detail/message", "/detail", "/error/message", "/error", "/message"]
        .iter()
        .find_map(|p| value.pointer(p).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(raw);
    (message, retry)
}

fn mentions_quota(message: &str) -> bool {
    let m = message.to_lowercase();
    ["usage limit", "plan", "credits", "pay-as-you-go", "paygo", "upgrade"].iter().any(|w| m.contains(w))
}

/// The kind of a Tavily error status, and what the user can do.
pub(crate) fn kind_of_status(status: u16, message: &str) -> (ProviderErrorKind, &'static str) {
    use ProviderErrorKind::{Auth, BadRequest, Decode, NotFound, QuotaExhausted, RateLimited, Transient};
    match status {
        400 | 422 => {
            (BadRequest, "Tavily refused the search parameters; check the query and the domain lists")
        }
        401 | 403 => (Auth, AUTH_HINT),
        404 => (NotFound, "check TAVILY_BASE_URL (default https://api.tavily.com)"),
        // A 429 about the plan's usage is quota, not rate.
        429 if mentions_quota(message) => (
            QuotaExhausted,
            "the Tavily plan's credits are used up: upgrade the plan or wait for the monthly reset",
        ),
        429 => (RateLimited, "wait and run again, or lower the web research concurrency"),
        432 => (
            QuotaExhausted,
            "the key's or plan's credit limit is reached: raise the key limit or upgrade the plan in the Tavily dashboard",
        ),
        433 => (QuotaExhausted, "the pay-as-you-go limit is reached: raise it in the Tavily dashboard"),
        408 | 500..=599 => (Transient, "a temporary Tavily failure; run again later"),
        405..=499 => (BadRequest, "Tavily refused the request; report it"),
        _ => (Decode, "Tavily answered with an unexpected status; report it"),
    }
}

/// The error for a non-success response.
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let (message, body_retry) = error_message(body);
    let (kind, hint) = kind_of_status(status, &message);
    let retry_after = retry_after.or(body_retry);
    let error = match kind {
        ProviderErrorKind::QuotaExhausted => ProviderError::quota_exhausted(PROVIDER, message),
        _ => error_for_status(PROVIDER, status, retry_after, None, &message),
    };
    error.with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProviderErrorKind::{Auth, BadRequest, NotFound, QuotaExhausted, RateLimited, Transient};

    const EXAMPLES: &str = include_str!("../../tests/fixtures/tavily/errors.openapi-examples.json");

    fn documented(status: &str) -> String {
        let examples: Value = serde_json::from_str(EXAMPLES).unwrap_or_default();
        examples["/search"][status]["example"].to_string()
    }

    /// One test per documented status: `row!(name, status, kind)` against the spec's example body.
    macro_rules! row {
        ($name:ident, $status:expr, $kind:expr) => {
            #[test]
            fn $name() {
                let body = documented(stringify!($status));
                assert_ne!(body, "null", "a documented example");
                let e = map_error($status, None, &body).with_operation("search");
                assert_eq!(e.kind(), $kind, "{e}");
                let text = e.to_string();
                assert!(text.starts_with("tavily search: "), "{text}");
                assert!(!text.contains("detail"), "the message, not the JSON: {text}");
                assert!(text.contains("What to do: "), "{text}");
            }
        };
    }

    row!(status_400_bad_request, 400, BadRequest);
    row!(status_401_invalid_key, 401, Auth);
    row!(status_429_too_many_requests, 429, RateLimited);
    row!(status_432_key_or_plan_limit, 432, QuotaExhausted);
    row!(status_433_paygo_limit, 433, QuotaExhausted);
    row!(status_500_internal_error, 500, Transient);

    #[test]
    fn status_403_forbidden_is_auth() {
        assert_eq!(map_error(403, None, "<html>forbidden</html>").kind(), Auth);
        assert!(map_error(401, None, "{}").hint().contains("TAVILY_API_KEY"));
    }

    #[test]
    fn status_404_is_not_found() {
        assert_eq!(map_error(404, None, r#"{"detail":"Not Found"}"#).kind(), NotFound);
    }

    #[test]
    fn gateway_errors_are_transient() {
        for status in [502, 503, 504, 408] {
            assert_eq!(map_error(status, None, "bad gateway").kind(), Transient, "{status}");
        }
    }

    #[test]
    fn a_429_keeps_retry_after_from_header_or_keyless_body() {
        let e = map_error(429, Some(Duration::from_secs(7)), r#"{"detail":{"error":"rate limit exceeded"}}"#);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = map_error(
            429,
            None,
            r#"{"error":{"code":"rate_limited","message":"slow down","retry_after_seconds":3}}"#,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.message(), "slow down");
    }

    #[test]
    fn a_429_about_the_plan_is_quota() {
        let e = map_error(
            429,
            None,
            r#"{"detail":{"error":"This request exceeds your plan's set usage limit."}}"#,
        );
        assert_eq!(e.kind(), QuotaExhausted);
        assert!(!e.is_retryable());
    }

    #[test]
    fn plain_detail_strings_and_empty_bodies() {
        let e = map_error(400, None, r#"{"detail":"Invalid topic."}"#);
        assert_eq!(e.message(), "Invalid topic.");
        assert_eq!(map_error(500, None, "").message(), "no error message");
    }
}
