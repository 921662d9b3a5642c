//! OpenAI-compatible error bodies → [`ProviderError`].
//!
//! Bodies seen in the wild: OpenAI's `{"error": {"message", "type", "param", "code"}}`, vLLM's flat
//! `{"object": "error", "message", "type", "code"}`, `{"detail": …}` from FastAPI-based servers,
//! `{"error": "text"}` (Ollama), HTML pages from proxies, and empty bodies.

use crate::http::{error_for_status, truncate_message};
use infin8_core::provider::{ProviderError, ProviderErrorKind};
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

/// Advice for credential failures.
pub(crate) const AUTH_HINT: &str = "check OPENAI_API_KEY (and OPENAI_BASE_URL: a key is sent to that server)";

/// The kind of an OpenAI-compatible error, from its `type` and `code` first (they are more
/// specific than the status) and its HTTP status otherwise, with what the user can do. `status`
/// is 200 for an error body inside a 2xx (vLLM's `{"object": "error"}`).
pub(crate) fn kind_of(status: u16, body: &ErrorBody) -> (ProviderErrorKind, &'static str) {
    use ProviderErrorKind::{Auth, BadRequest, Decode, NotFound, QuotaExhausted, RateLimited, Transient};
    const QUOTA: &str = "the account is out of credit or over its spending limit: add credit or raise the                          limit in the provider's billing settings";
    const RATE: &str = "wait and run again, or lower the language model concurrency";
    const MODEL: &str = "check OPENAI_MODEL and OPENAI_EMBEDDING_MODEL (the model must exist on the server at                          OPENAI_BASE_URL)";
    const AGAIN: &str = "a temporary failure of the model server; run again later";
    let said = |names: &[&str]| {
        [&body.code, &body.kind].iter().any(|v| v.as_deref().is_some_and(|v| names.contains(&v)))
    };
    if said(&["insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "quota_exceeded"])
        || body.message.contains("exceeded your current quota")
    {
        return (QuotaExhausted, QUOTA);
    }
    if said(&["invalid_api_key", "authentication_error", "AuthenticationError", "invalid_authentication"]) {
        return (Auth, AUTH_HINT);
    }
    if said(&["permission_error", "PermissionDeniedError", "unsupported_country_region_territory"]) {
        return (Auth, "the key lacks access to this model or endpoint; check the project's permissions");
    }
    if said(&["model_not_found", "not_found_error", "NotFoundError"]) {
        return (NotFound, MODEL);
    }
    if said(&["rate_limit_exceeded", "rate_limit_error", "tokens", "requests", "RateLimitError"]) {
        return (RateLimited, RATE);
    }
    if said(&[
        "server_error",
        "api_error",
        "engine_overloaded",
        "overloaded_error",
        "InternalServerError",
        "service_unavailable",
    ]) {
        return (Transient, AGAIN);
    }
    if said(&["invalid_request_error", "context_length_exceeded", "BadRequestError", "refusal"]) {
        return (BadRequest, "the model server refused this request; check the model and the prompt size");
    }
    match status {
        401 | 403 => (Auth, AUTH_HINT),
        402 => (QuotaExhausted, QUOTA),
        404 => (NotFound, MODEL),
        429 => (RateLimited, RATE),
        408 | 409 | 500..=599 => (Transient, AGAIN),
        200..=299 | 400..=499 => {
            (BadRequest, "the model server refused this request; check the model and the prompt size")
        }
        _ => (Decode, "the model server answered with an unexpected status; report it"),
    }
}

/// The error for a non-success response (or an error body inside a 2xx, `status` 200).
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let parsed = parse_error_body(body);
    let (kind, hint) = kind_of(status, &parsed);
    let wait = retry_after.or_else(|| hint_in_message(&parsed.message));
    let code = parsed.code.clone().or(parsed.kind.clone());
    let message = truncate_message(&parsed.message);
    let provider = PROVIDER.to_string();
    let error = match kind {
        ProviderErrorKind::QuotaExhausted => ProviderError::QuotaExhausted { provider, message },
        ProviderErrorKind::Auth => ProviderError::Auth { provider, message },
        ProviderErrorKind::NotFound => ProviderError::NotFound { provider, message },
        ProviderErrorKind::RateLimited => ProviderError::RateLimited { provider, retry_after: wait, message },
        ProviderErrorKind::Transient => {
            ProviderError::Unavailable { provider, status: (status >= 300).then_some(status), message }
                .with_retry_after(wait)
        }
        ProviderErrorKind::BadRequest => {
            return ProviderError::BadRequest {
                provider,
                status: (status >= 300).then_some(status),
                code,
                message,
            }
            .with_hint(hint);
        }
        _ => error_for_status(PROVIDER, status, wait, None, &message),
    };
    match code {
        Some(code) => error.with_code(code),
        None => error,
    }
    .with_hint(hint)
}

/// Whether a 400 is the server rejecting the `response_format` we sent (so a lower structured
/// output mode may work).
pub(crate) fn rejects_response_format(error: &ProviderError) -> bool {
    match error.root() {
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
    use ProviderErrorKind::{Auth, BadRequest, NotFound, QuotaExhausted, RateLimited, Transient};

    const SAMPLES: &str = include_str!("../../tests/fixtures/openai/errors.samples.json");

    fn samples() -> Value {
        serde_json::from_str(SAMPLES).unwrap_or_default()
    }

    fn openai_body(kind: &str, code: Option<&str>, message: &str) -> String {
        serde_json::json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
            .to_string()
    }

    /// One test per documented error type or code: `row!(name, status, type, code, kind)`, in
    /// OpenAI's `{"error": {...}}` shape.
    macro_rules! row {
        ($name:ident, $status:expr, $type:expr, $code:expr, $kind:expr) => {
            #[test]
            fn $name() {
                let body = openai_body($type, $code, "the provider's own words.");
                let e = map_error($status, None, &body).with_operation("complete");
                assert_eq!(e.kind(), $kind, "{e}");
                let text = e.to_string();
                assert!(text.starts_with("openai complete: "), "{text}");
                assert_eq!(text.matches("the provider's own words").count(), 1, "{text}");
                assert!(text.contains("What to do: "), "{text}");
            }
        };
    }

    row!(type_invalid_request_error_400, 400, "invalid_request_error", None, BadRequest);
    row!(
        code_context_length_exceeded_400,
        400,
        "invalid_request_error",
        Some("context_length_exceeded"),
        BadRequest
    );
    row!(code_invalid_api_key_401, 401, "invalid_request_error", Some("invalid_api_key"), Auth);
    row!(type_authentication_error_401, 401, "authentication_error", None, Auth);
    row!(type_permission_error_403, 403, "permission_error", None, Auth);
    row!(
        code_unsupported_region_403,
        403,
        "invalid_request_error",
        Some("unsupported_country_region_territory"),
        Auth
    );
    row!(code_model_not_found_404, 404, "invalid_request_error", Some("model_not_found"), NotFound);
    row!(type_not_found_error_404, 404, "not_found_error", None, NotFound);
    row!(status_409_conflict, 409, "invalid_request_error", None, BadRequest);
    row!(code_rate_limit_exceeded_429, 429, "requests", Some("rate_limit_exceeded"), RateLimited);
    row!(type_tokens_429, 429, "tokens", None, RateLimited);
    row!(code_insufficient_quota_429, 429, "insufficient_quota", Some("insufficient_quota"), QuotaExhausted);
    row!(
        code_billing_hard_limit_reached,
        400,
        "invalid_request_error",
        Some("billing_hard_limit_reached"),
        QuotaExhausted
    );
    row!(code_billing_not_active, 429, "invalid_request_error", Some("billing_not_active"), QuotaExhausted);
    row!(type_server_error_500, 500, "server_error", None, Transient);
    row!(type_api_error_500, 500, "api_error", None, Transient);
    row!(code_engine_overloaded_503, 503, "server_error", Some("engine_overloaded"), Transient);
    row!(type_overloaded_error_529, 529, "overloaded_error", None, Transient);
    row!(vllm_bad_request_error_200, 200, "BadRequestError", None, BadRequest);
    row!(vllm_not_found_error_404, 404, "NotFoundError", None, NotFound);

    #[test]
    fn insufficient_quota_429_is_quota_not_rate_limit() {
        let body = samples()["openai_429_insufficient_quota"]["body"].to_string();
        let e = map_error(429, Some(Duration::from_secs(1)), &body);
        assert_eq!(e.kind(), QuotaExhausted, "{e:?}");
        assert!(!e.is_retryable());
        assert_eq!(e.code(), Some("insufficient_quota"));
    }

    #[test]
    fn rate_limit_message_carries_a_hint() {
        let samples = samples();
        let message = samples["openai_429_rate_limit_message_text"]["message"].as_str().unwrap_or_default();
        let body = serde_json::json!({"error": {"message": message, "type": "tokens", "param": null, "code": "rate_limit_exceeded"}});
        let e = map_error(429, None, &body.to_string());
        assert_eq!(e.retry_after(), Some(Duration::from_millis(644)));
        assert_eq!(hint_in_message("Please try again in 20s."), Some(Duration::from_secs(20)));
        assert_eq!(hint_in_message("try again in a bit"), None);
    }

    #[test]
    fn vllm_flat_errors_and_odd_bodies() {
        for body in samples()["vllm_400_flat_error_object"]["bodies"].as_array().cloned().unwrap_or_default()
        {
            let e = map_error(400, None, &body.to_string());
            assert_eq!(e.kind(), BadRequest);
            assert_eq!(e.status(), Some(400));
            assert_eq!(e.message(), body["message"].as_str().unwrap_or_default());
        }
        assert_eq!(parse_error_body("").message, "no error message");
        assert_eq!(parse_error_body("<html>502 Bad Gateway</html>").message, "<html>502 Bad Gateway</html>");
        assert_eq!(parse_error_body(r#"{"error":"model 'x' not found"}"#).message, "model 'x' not found");
        assert_eq!(parse_error_body(r#"{"detail":"Not Found"}"#).message, "Not Found");
        assert_eq!(map_error(404, None, r#"{"error":"model 'x' not found"}"#).kind(), NotFound);
        assert_eq!(map_error(502, None, "<html>502 Bad Gateway</html>").kind(), Transient);
        assert_eq!(map_error(401, None, "").kind(), Auth);
        assert!(map_error(401, None, "").hint().contains("OPENAI_API_KEY"));
    }
}
