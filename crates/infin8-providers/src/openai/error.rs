//! OpenAI-compatible error bodies → [`ProviderError`].
//!
//! Bodies seen in the wild: OpenAI's `{"error": {"message", "type", "param", "code"}}`, vLLM's flat
//! `{"object": "error", "message", "type", "code"}`, `{"detail": …}` from FastAPI-based servers,
//! `{"error": "text"}` (Ollama), HTML pages from proxies, and empty bodies.

use crate::http::error_for_status;
use infin8_core::provider::ProviderError;
use serde_json::Value;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "openai";

/// What an error body says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ErrorBody {
    pub(crate) message: String,
    pub(crate) code: Option<String>,
    pub(crate) kind: Option<String>,
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads an error body leniently: `.error.message`, then `.message`, then `.detail`, then the raw
/// text.
pub(crate) fn parse_error_body(body: &str) -> ErrorBody {
    let raw = || {
        let text: String = body.trim().chars().take(300).collect();
        if text.is_empty() { "no error message".to_string() } else { text }
    };
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return ErrorBody { message: raw(), ..ErrorBody::default() };
    };
    let scope = match value.get("error") {
        Some(inner @ Value::Object(_)) => inner,
        Some(Value::String(s)) => return ErrorBody { message: s.clone(), ..ErrorBody::default() },
        _ => &value,
    };
    let message = scope
        .get("message")
        .and_then(as_text)
        .or_else(|| {
            scope
                .get("detail")
                .and_then(|d| as_text(d).or_else(|| Some(d.to_string()).filter(|s| s != "null")))
        })
        .unwrap_or_else(raw);
    ErrorBody {
        message,
        code: scope.get("code").and_then(as_text),
        kind: scope.get("type").and_then(as_text),
    }
}

/// A wait hint inside a rate-limit message: "Please try again in 644ms" / "in 20s" / "in 1.5s".
pub(crate) fn hint_in_message(message: &str) -> Option<Duration> {
    let at = message.find("try again in ")? + "try again in ".len();
    let rest = message.get(at..)?;
    let number: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let value: f64 = number.parse().ok()?;
    let unit = rest.get(number.len()..)?;
    let seconds = if unit.starts_with("ms") {
        value / 1000.0
    } else if unit.starts_with('s') {
        value
    } else {
        return None;
    };
    Duration::try_from_secs_f64(seconds).ok()
}

/// Whether an error body says the account is out of quota or credit.
fn is_quota(body: &ErrorBody) -> bool {
    let is = |s: &Option<String>| {
        s.as_deref().is_some_and(|s| {
            matches!(s, "insufficient_quota" | "billing_hard_limit_reached" | "billing_not_active")
        })
    };
    is(&body.code) || is(&body.kind) || body.message.contains("exceeded your current quota")
}

/// The error for a non-success response.
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let parsed = parse_error_body(body);
    if is_quota(&parsed) {
        return ProviderError::QuotaExhausted { provider: PROVIDER.to_string(), message: parsed.message };
    }
    let hint = retry_after.or_else(|| hint_in_message(&parsed.message));
    let code = parsed.code.clone().or(parsed.kind.clone());
    error_for_status(PROVIDER, status, hint, code, &parsed.message)
}

/// Whether a 400 is the server rejecting the `response_format` we sent (so a lower structured
/// output mode may work).
pub(crate) fn rejects_response_format(error: &ProviderError) -> bool {
    match error {
        ProviderError::BadRequest { message, .. } => {
            let m = message.to_lowercase();
            [
                "response_format",
                "json_schema",
                "json_object",
                "structured output",
                "guided_json",
                "invalid schema",
            ]
            .iter()
            .any(|needle| m.contains(needle))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &str = include_str!("../../tests/fixtures/openai/errors.samples.json");

    #[test]
    fn insufficient_quota_429_is_quota_not_rate_limit() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap();
        let body = samples["openai_429_insufficient_quota"]["body"].to_string();
        let e = map_error(429, Some(Duration::from_secs(1)), &body);
        assert!(matches!(e, ProviderError::QuotaExhausted { .. }), "{e:?}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn rate_limit_message_carries_a_hint() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap();
        let message = samples["openai_429_rate_limit_message_text"]["message"].as_str().unwrap();
        let body = serde_json::json!({"error": {"message": message, "type": "tokens", "param": null, "code": "rate_limit_exceeded"}});
        let e = map_error(429, None, &body.to_string());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(644)));
        assert_eq!(hint_in_message("Please try again in 20s."), Some(Duration::from_secs(20)));
        assert_eq!(hint_in_message("try again in a bit"), None);
    }

    #[test]
    fn vllm_flat_errors_and_odd_bodies() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap();
        for body in samples["vllm_400_flat_error_object"]["bodies"].as_array().unwrap() {
            match map_error(400, None, &body.to_string()) {
                ProviderError::BadRequest { message, status: Some(400), .. } => {
                    assert_eq!(message, body["message"].as_str().unwrap());
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(parse_error_body("").message, "no error message");
        assert_eq!(parse_error_body("<html>502 Bad Gateway</html>").message, "<html>502 Bad Gateway</html>");
        assert_eq!(parse_error_body(r#"{"error":"model 'x' not found"}"#).message, "model 'x' not found");
        assert_eq!(parse_error_body(r#"{"detail":"Not Found"}"#).message, "Not Found");
        assert!(matches!(
            map_error(404, None, r#"{"error":"model 'x' not found"}"#),
            ProviderError::NotFound { .. }
        ));
    }
}
