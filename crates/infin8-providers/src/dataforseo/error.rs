//! DataForSEO status codes → [`ProviderError`].
//!
//! HTTP is 200 for almost everything; the outcome is the envelope's `status_code`, at the top and
//! per task (<https://docs.dataforseo.com/v3/appendix/errors/>). Only 401, 402, 404 and 500 are
//! sent as HTTP statuses.

use crate::http::{error_for_status, truncate_message};
use infin8_core::provider::ProviderError;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "dataforseo";

/// What a DataForSEO status code means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StatusOutcome {
    /// `20000 Ok.` and other 2xxxx codes.
    Ok,
    /// `40102 No Search Results.`: success with zero rows.
    Empty,
    /// A failure.
    Failed(Box<FailureKind>),
}

/// A failed status, before it becomes an error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FailureKind {
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl FailureKind {
    /// The typed error.
    pub(crate) fn to_error(&self) -> ProviderError {
        map_status_code(self.code, &self.message)
    }
}

/// Classifies an envelope or task status code.
pub(crate) fn classify(code: Option<i64>, message: Option<&str>) -> StatusOutcome {
    match code {
        // An envelope without a status: accept what it carries; tasks are checked one by one.
        None => StatusOutcome::Ok,
        Some(20000..=20999) => StatusOutcome::Ok,
        Some(40102) => StatusOutcome::Empty,
        Some(code) => StatusOutcome::Failed(Box::new(FailureKind {
            code,
            message: message.unwrap_or("no message").to_string(),
        })),
    }
}

fn mentions_money(message: &str) -> bool {
    let m = message.to_lowercase();
    ["balance", "funds", "payment", "money", "credit", "billing"].iter().any(|w| m.contains(w))
}

/// The error for a failed DataForSEO status code.
pub(crate) fn map_status_code(code: i64, message: &str) -> ProviderError {
    let provider = PROVIDER.to_string();
    let message = format!("{code}: {}", truncate_message(message));
    match code {
        // Rate limits: per minute (40202), simultaneous requests (40209), per-hour duplicates
        // (40205) and the like.
        40202 | 40203 | 40205 | 40207 | 40209 => {
            ProviderError::RateLimited { provider, retry_after: None, message }
        }
        // Payment required / out of balance.
        40200 | 40210 | 40211 => ProviderError::QuotaExhausted { provider, message },
        _ if (40200..40300).contains(&code) && mentions_money(&message) => {
            ProviderError::QuotaExhausted { provider, message }
        }
        // Unauthorized, account not verified, suspended, access denied.
        40100 | 40104 | 40201 | 40204 => ProviderError::Auth { provider, message },
        // Internal search-engine error: billed, and DataForSEO already retried; retrying may help.
        40101 => ProviderError::Unavailable { provider, status: None, message },
        40400..=40499 => ProviderError::NotFound { provider, message },
        50000..=59999 => ProviderError::Unavailable { provider, status: None, message },
        _ => ProviderError::BadRequest { provider, status: None, code: Some(code.to_string()), message },
    }
}

/// The error for a non-200 HTTP status, using the envelope's message when there is one.
pub(crate) fn map_http_status(status: u16, retry_after: Option<Duration>, message: &str) -> ProviderError {
    error_for_status(PROVIDER, status, retry_after, None, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(classify(Some(20000), None), StatusOutcome::Ok);
        assert_eq!(classify(Some(40102), Some("No Search Results.")), StatusOutcome::Empty);
        let e = |c| map_status_code(c, "m");
        assert!(matches!(e(40202), ProviderError::RateLimited { .. }));
        assert!(e(40202).is_retryable());
        assert!(matches!(e(40200), ProviderError::QuotaExhausted { .. }));
        assert!(matches!(
            map_status_code(40299, "Insufficient balance"),
            ProviderError::QuotaExhausted { .. }
        ));
        assert!(matches!(e(40100), ProviderError::Auth { .. }));
        assert!(e(50000).is_retryable());
        assert!(e(40101).is_retryable());
        match e(40501) {
            ProviderError::BadRequest { code, .. } => assert_eq!(code.as_deref(), Some("40501")),
            other => panic!("{other:?}"),
        }
        assert!(!e(40501).is_retryable());
    }
}
