//! Status → error mapping shared by the clients, and the per-call log line.

use infin8_core::provider::{ProviderError, ProviderUsage};
use std::time::Duration;

/// Longest provider message kept in an error.
const MAX_MESSAGE_CHARS: usize = 500;

/// A provider message cut to a sane length.
pub(crate) fn truncate_message(message: &str) -> String {
    let message = message.trim();
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        message.to_string()
    } else {
        let mut out: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        out.push('…');
        out
    }
}

/// The error for a non-success HTTP status, with the provider's message and code. Providers call
/// it after recognising their own special cases (quota bodies, custom statuses).
pub(crate) fn error_for_status(
    provider: &str,
    status: u16,
    retry_after: Option<Duration>,
    code: Option<String>,
    message: &str,
) -> ProviderError {
    let provider = provider.to_string();
    let message = truncate_message(message);
    match status {
        401 | 403 => ProviderError::Auth { provider, message },
        402 => ProviderError::QuotaExhausted { provider, message },
        404 => ProviderError::NotFound { provider, message },
        429 => ProviderError::RateLimited { provider, retry_after, message },
        408 | 500..=599 => ProviderError::Unavailable { provider, status: Some(status), message },
        400..=499 => ProviderError::BadRequest { provider, status: Some(status), code, message },
        _ => ProviderError::Decode {
            provider,
            message: format!("unexpected http status {status}"),
            excerpt: message.chars().take(300).collect(),
        },
    }
}

/// Logs a finished call with its cost.
pub(crate) fn record_call(provider: &str, endpoint: &str, usage: &ProviderUsage) {
    tracing::info!(
        provider,
        endpoint,
        requests = usage.requests,
        cost = %usage.cost,
        prompt_tokens = usage.prompt_tokens,
        completion_tokens = usage.completion_tokens,
        items = usage.items,
        "provider call"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses_to_kinds() {
        let e = |s| error_for_status("p", s, Some(Duration::from_secs(1)), None, "m");
        assert!(matches!(e(401), ProviderError::Auth { .. }));
        assert!(matches!(e(403), ProviderError::Auth { .. }));
        assert!(matches!(e(402), ProviderError::QuotaExhausted { .. }));
        assert!(matches!(e(404), ProviderError::NotFound { .. }));
        assert_eq!(e(429).retry_after(), Some(Duration::from_secs(1)));
        for s in [408, 500, 502, 503, 504] {
            assert!(e(s).is_retryable(), "{s}");
        }
        assert!(matches!(e(422), ProviderError::BadRequest { status: Some(422), .. }));
        assert!(!e(400).is_retryable());
        assert!(matches!(e(302), ProviderError::Decode { .. }));
        assert_eq!(truncate_message(&"x".repeat(600)).chars().count(), 501);
    }
}
