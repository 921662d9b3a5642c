//! Status → error mapping shared by the clients, and the per-call log line.

#[cfg(test)]
use infin8_core::provider::ProviderErrorKind;
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
///
/// | status | kind |
/// |---|---|
/// | 401, 403 | auth |
/// | 402 | quota exhausted |
/// | 404, 410 | not found |
/// | 429 | rate limited (with `Retry-After`) |
/// | 408, 409, 425, 5xx | transient (with `Retry-After` when given) |
/// | other 4xx | bad request |
/// | anything else (1xx, 3xx) | decode |
pub(crate) fn error_for_status(
    provider: &str,
    status: u16,
    retry_after: Option<Duration>,
    code: Option<String>,
    message: &str,
) -> ProviderError {
    let provider = provider.to_string();
    let message = truncate_message(message);
    let error = match status {
        401 | 403 => ProviderError::Auth { provider, message },
        402 => ProviderError::QuotaExhausted { provider, message },
        404 | 410 => ProviderError::NotFound { provider, message },
        429 => ProviderError::RateLimited { provider, retry_after, message },
        408 | 409 | 425 | 500..=599 => ProviderError::Unavailable { provider, status: Some(status), message }
            .with_retry_after(retry_after),
        400..=499 => {
            return ProviderError::BadRequest { provider, status: Some(status), code, message };
        }
        _ => ProviderError::Decode {
            provider,
            message: format!("unexpected http status {status}"),
            excerpt: message.chars().take(300).collect(),
        },
    };
    match code {
        Some(code) => error.with_code(code),
        None => error,
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
        assert_eq!(e(401).kind(), ProviderErrorKind::Auth);
        assert_eq!(e(403).kind(), ProviderErrorKind::Auth);
        assert_eq!(e(402).kind(), ProviderErrorKind::QuotaExhausted);
        assert_eq!(e(404).kind(), ProviderErrorKind::NotFound);
        assert_eq!(e(429).kind(), ProviderErrorKind::RateLimited);
        assert_eq!(e(429).retry_after(), Some(Duration::from_secs(1)));
        for s in [408, 409, 500, 502, 503, 504] {
            assert!(e(s).is_retryable(), "{s}");
            assert_eq!(e(s).kind(), ProviderErrorKind::Transient);
        }
        assert_eq!(e(503).retry_after(), Some(Duration::from_secs(1)), "a 503's Retry-After is kept");
        assert!(matches!(e(422), ProviderError::BadRequest { status: Some(422), .. }));
        assert!(!e(400).is_retryable());
        assert_eq!(e(302).kind(), ProviderErrorKind::Decode);
        let coded = error_for_status("p", 500, None, Some("E1".into()), "m");
        assert_eq!(coded.code(), Some("E1"));
        assert_eq!(truncate_message(&"x".repeat(600)).chars().count(), 501);
    }
}
