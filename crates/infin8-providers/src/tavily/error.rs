//! Tavily error bodies and statuses → [`ProviderError`].

use crate::http::error_for_status;
use infin8_core::provider::ProviderError;
use serde_json::Value;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "tavily";

/// The message of an error body: `{"detail": {"error": …}}`, `{"detail": "…"}`,
/// `{"error": {"message": …}}` (keyless mode), `{"error": "…"}`, else the raw text.
pub(crate) fn error_message(body: &str) -> (String, Option<Duration>) {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return (body.chars().take(200).collect(), None);
    };
    let retry = value
        .pointer("/error/retry_after_seconds")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    let message = ["/detail/error", "/detail/message", "/detail", "/error/message", "/error", "/message"]
        .iter()
        .find_map(|p| value.pointer(p).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect());
    (message, retry)
}

fn mentions_quota(message: &str) -> bool {
    let m = message.to_lowercase();
    ["usage limit", "plan", "credits", "pay-as-you-go", "paygo", "upgrade"].iter().any(|w| m.contains(w))
}

/// The error for a non-success response.
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let (message, body_retry) = error_message(body);
    match status {
        // 432: key or plan limit; 433: pay-as-you-go limit.
        432 | 433 => ProviderError::QuotaExhausted { provider: PROVIDER.to_string(), message },
        // Rate limits are 429s about request rates; a 429 about the plan's usage is quota.
        429 if mentions_quota(&message) => {
            ProviderError::QuotaExhausted { provider: PROVIDER.to_string(), message }
        }
        _ => error_for_status(PROVIDER, status, retry_after.or(body_retry), None, &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_documented_errors() {
        let e = map_error(
            432,
            None,
            r#"{"detail":{"error":"This request exceeds your plan's set usage limit."}}"#,
        );
        assert!(matches!(e, ProviderError::QuotaExhausted { .. }));
        assert!(matches!(map_error(433, None, "{}"), ProviderError::QuotaExhausted { .. }));
        let e = map_error(429, Some(Duration::from_secs(7)), r#"{"detail":{"error":"rate limit exceeded"}}"#);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = map_error(
            429,
            None,
            r#"{"error":{"code":"rate_limited","message":"slow down","retry_after_seconds":3}}"#,
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(matches!(
            map_error(401, None, r#"{"detail":{"error":"Unauthorized"}}"#),
            ProviderError::Auth { .. }
        ));
        assert!(matches!(map_error(403, None, "<html>forbidden</html>"), ProviderError::Auth { .. }));
        match map_error(400, None, r#"{"detail":"Invalid topic."}"#) {
            ProviderError::BadRequest { message, .. } => assert_eq!(message, "Invalid topic."),
            other => panic!("{other:?}"),
        }
        assert!(map_error(502, None, "bad gateway").is_retryable());
    }
}
