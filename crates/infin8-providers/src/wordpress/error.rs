//! WordPress error bodies (`{"code", "message", "data": {"status"}}`) → [`ProviderError`].

use crate::http::{error_for_status, truncate_message};
use infin8_core::provider::ProviderError;
use serde_json::Value;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "wordpress";

/// What a WordPress error body says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct WpError {
    pub(crate) code: Option<String>,
    pub(crate) message: String,
    /// `data.term_id` of a `term_exists` error.
    pub(crate) term_id: Option<u64>,
}

/// Reads an error body; non-JSON bodies (HTML error pages, security plugins, `wp_die`) give
/// their first characters as the message.
pub(crate) fn parse_error(body: &str) -> WpError {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        let text: String = body.trim().chars().take(200).collect();
        return WpError {
            message: if text.is_empty() { "no error message".into() } else { text },
            ..WpError::default()
        };
    };
    let mut message = value.get("message").and_then(Value::as_str).unwrap_or("no error message").to_string();
    // rest_invalid_param: say which parameters and why.
    if let Some(params) = value.pointer("/data/params").and_then(Value::as_object) {
        let details: Vec<String> =
            params.iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("invalid"))).collect();
        if !details.is_empty() {
            message = format!("{message} ({})", details.join("; "));
        }
    }
    WpError {
        code: value.get("code").and_then(Value::as_str).map(str::to_string),
        message: truncate_message(&message),
        term_id: value.pointer("/data/term_id").and_then(Value::as_u64),
    }
}

/// The error for a non-success response.
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let parsed = parse_error(body);
    let message = match &parsed.code {
        Some(code) => format!("{code}: {}", parsed.message),
        None => parsed.message.clone(),
    };
    error_for_status(PROVIDER, status, retry_after, parsed.code, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &str = include_str!("../../tests/fixtures/wordpress/errors.samples.json");

    #[test]
    fn maps_documented_errors() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap();
        let body = samples["rest_cannot_create_401"]["body"].to_string();
        let e = map_error(401, None, &body);
        assert!(matches!(e, ProviderError::Auth { .. }));
        assert!(e.to_string().contains("not allowed to create posts"));
        let mut invalid =
            serde_json::json!({"code": "rest_invalid_param", "message": "Invalid parameter(s): status"});
        invalid["data"] = samples["rest_invalid_param_400_data_only"]["data"].clone();
        match map_error(400, None, &invalid.to_string()) {
            ProviderError::BadRequest { code, message, .. } => {
                assert_eq!(code.as_deref(), Some("rest_invalid_param"));
                assert!(message.contains("status: Status is forbidden."), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = map_error(
            404,
            None,
            r#"{"code":"rest_post_invalid_id","message":"Invalid post ID.","data":{"status":404}}"#,
        );
        assert!(matches!(e, ProviderError::NotFound { .. }));
        assert!(
            map_error(
                500,
                None,
                "<html><body>There has been a critical error on this website.</body></html>"
            )
            .is_retryable()
        );
        let exists = parse_error(
            r#"{"code":"term_exists","message":"A term with the name provided already exists.","data":{"status":400,"term_id":42}}"#,
        );
        assert_eq!(exists.term_id, Some(42));
    }
}
