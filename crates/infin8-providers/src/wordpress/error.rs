//! WordPress error bodies (`{"code", "message", "data": {"status", "params", "details"}}`) →
//! [`ProviderError`]: one function, [`map_error`], for every REST error code the client can meet
//! (core's REST controllers and application-password authentication); the README's table says
//! the same.

use crate::http::{error_for_status, truncate_message};
use infin8_core::provider::{ProviderError, ProviderErrorKind};
use serde_json::Value;
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "wordpress";

/// Advice for credential failures.
pub(crate) const AUTH_HINT: &str = "check WORDPRESS_USERNAME (the user's login name, not the application \
     password's name) and WORDPRESS_APP_PASSWORD (an application password from Users → Profile); if they are \
     right, the web server may be stripping the Authorization header";

/// Advice when the user is known but lacks a capability.
const CAPABILITY_HINT: &str = "the WordPress user lacks a permission: give WORDPRESS_USERNAME a role that \
     may create and publish posts and assign terms (Editor, or Author for its own posts)";

/// What a WordPress error body says.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct WpError {
    pub(crate) code: Option<String>,
    pub(crate) message: String,
    /// `data.term_id` of a `term_exists` error.
    pub(crate) term_id: Option<u64>,
    /// The codes inside `data.details` (`rest_invalid_param`'s per-parameter reasons).
    pub(crate) detail_codes: Vec<String>,
    /// `data.status`, and the statuses inside `data.details`.
    pub(crate) statuses: Vec<u16>,
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
    let mut message = strip_tags(value.get("message").and_then(Value::as_str).unwrap_or("no error message"));
    // rest_invalid_param: say which parameters and why.
    if let Some(params) = value.pointer("/data/params").and_then(Value::as_object) {
        let details: Vec<String> =
            params.iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("invalid"))).collect();
        if !details.is_empty() {
            message = format!("{message} ({})", details.join("; "));
        }
    }
    let status = |v: Option<&Value>| v.and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok());
    let details = value.pointer("/data/details").and_then(Value::as_object);
    let mut statuses: Vec<u16> = status(value.pointer("/data/status")).into_iter().collect();
    let mut detail_codes = Vec::new();
    for detail in details.into_iter().flat_map(|d| d.values()) {
        if let Some(code) = detail.get("code").and_then(Value::as_str) {
            detail_codes.push(code.to_string());
        }
        statuses.extend(status(detail.pointer("/data/status")));
    }
    WpError {
        code: value.get("code").and_then(Value::as_str).map(str::to_string),
        message: truncate_message(&message),
        term_id: value.pointer("/data/term_id").and_then(Value::as_u64),
        detail_codes,
        statuses,
    }
}

/// A message without the HTML tags WordPress puts in some (`<strong>Error:</strong> …`).
fn strip_tags(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_tag = false;
    for c in message.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The kind of a WordPress error (by its code, else by its HTTP status), with what to do.
pub(crate) fn kind_of(status: u16, error: &WpError) -> (ProviderErrorKind, &'static str) {
    use ProviderErrorKind::{Auth, BadRequest, Decode, NotFound, QuotaExhausted, RateLimited, Transient};
    const ROUTE: &str = "check WORDPRESS_URL (the site's address; the REST API must be reachable at \
                         /wp-json/ or ?rest_route=/)";
    // Authentication failed, or WordPress treated the request as anonymous.
    let anonymous = |e: &WpError| {
        e.detail_codes.iter().any(|c| c == "rest_forbidden_status" || c == "rest_forbidden_context")
            && e.statuses.contains(&401)
    };
    match error.code.as_deref() {
        Some(
            "incorrect_password"
            | "invalid_username"
            | "invalid_email"
            | "rest_not_logged_in"
            | "rest_cookie_invalid_nonce"
            | "application_passwords_disabled"
            | "application_passwords_disabled_for_user"
            | "rest_forbidden_context",
        ) => (Auth, AUTH_HINT),
        // 401: not logged in (credentials rejected or stripped); 403: logged in, not allowed.
        Some(
            "rest_cannot_create"
            | "rest_cannot_edit"
            | "rest_cannot_publish"
            | "rest_cannot_edit_others"
            | "rest_cannot_assign_term"
            | "rest_cannot_create_user"
            | "rest_forbidden"
            | "rest_forbidden_status"
            | "rest_cannot_read"
            | "rest_cannot_view"
            | "rest_user_cannot_view"
            | "rest_cannot_delete",
        ) => (Auth, if status == 401 || error.statuses.contains(&401) { AUTH_HINT } else { CAPABILITY_HINT }),
        // "Status is forbidden" inside a rest_invalid_param: the request was anonymous.
        Some("rest_invalid_param") if anonymous(error) => (Auth, AUTH_HINT),
        Some(
            "rest_invalid_param"
            | "rest_missing_callback_param"
            | "rest_invalid_json"
            | "rest_post_exists"
            | "rest_invalid_featured_media"
            | "rest_invalid_author"
            | "rest_invalid_field"
            | "term_exists"
            | "rest_post_invalid_page_number"
            | "rest_invalid_date",
        ) => (BadRequest, "WordPress refused the post's fields; check the post status, categories and tags"),
        Some(
            "rest_post_invalid_id" | "rest_term_invalid" | "rest_already_trashed" | "rest_user_invalid_id",
        ) => (NotFound, "the post or term is gone from the site (deleted, or trashed)"),
        Some("rest_no_route") => (NotFound, ROUTE),
        Some("db_insert_error" | "db_update_error" | "rest_db_error") => {
            (Transient, "the WordPress database failed; run again later")
        }
        _ => match status {
            401 | 403 => (Auth, AUTH_HINT),
            404 | 410 => (NotFound, ROUTE),
            402 => (QuotaExhausted, "the hosting plan refuses the request; check it"),
            429 => (RateLimited, "the site or its host limits request rates; wait and run again"),
            408 | 409 | 500..=599 => (Transient, "the WordPress site failed; run again later"),
            400..=499 => (BadRequest, "WordPress refused the request"),
            _ => (Decode, "WordPress answered with an unexpected status; report it"),
        },
    }
}

/// The error for a non-success response.
pub(crate) fn map_error(status: u16, retry_after: Option<Duration>, body: &str) -> ProviderError {
    let parsed = parse_error(body);
    let (kind, hint) = kind_of(status, &parsed);
    let message = parsed.message.clone();
    let provider = PROVIDER.to_string();
    let error = match kind {
        ProviderErrorKind::Auth => ProviderError::Auth { provider, message },
        ProviderErrorKind::NotFound => ProviderError::NotFound { provider, message },
        ProviderErrorKind::Transient => {
            ProviderError::Unavailable { provider, status: Some(status), message }
                .with_retry_after(retry_after)
        }
        ProviderErrorKind::BadRequest if !(400..500).contains(&status) => {
            ProviderError::BadRequest { provider, status: Some(status), code: None, message }
        }
        _ => error_for_status(PROVIDER, status, retry_after, None, &message),
    };
    match parsed.code {
        Some(code) => error.with_code(code),
        None => error,
    }
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProviderErrorKind::{Auth, BadRequest, NotFound, Transient};

    const SAMPLES: &str = include_str!("../../tests/fixtures/wordpress/errors.samples.json");

    fn wp_body(code: &str, status: u16) -> String {
        serde_json::json!({"code": code, "message": "The site's own words.", "data": {"status": status}})
            .to_string()
    }

    /// One test per REST error code: `row!(name, http status, code, kind)`.
    macro_rules! row {
        ($name:ident, $status:expr, $code:expr, $kind:expr) => {
            #[test]
            fn $name() {
                let e = map_error($status, None, &wp_body($code, $status)).with_operation("create_post");
                assert_eq!(e.kind(), $kind, "{e}");
                assert_eq!(e.code(), Some($code));
                let text = e.to_string();
                assert!(text.starts_with("wordpress create_post: "), "{text}");
                assert_eq!(text.matches($code).count(), 1, "the code once: {text}");
                assert_eq!(text.matches("The site's own words").count(), 1, "{text}");
                assert!(text.contains("What to do: "), "{text}");
            }
        };
    }

    row!(incorrect_password_401, 401, "incorrect_password", Auth);
    row!(invalid_username_401, 401, "invalid_username", Auth);
    row!(invalid_email_401, 401, "invalid_email", Auth);
    row!(application_passwords_disabled_401, 401, "application_passwords_disabled", Auth);
    row!(application_passwords_disabled_for_user_401, 401, "application_passwords_disabled_for_user", Auth);
    row!(rest_not_logged_in_401, 401, "rest_not_logged_in", Auth);
    row!(rest_cookie_invalid_nonce_403, 403, "rest_cookie_invalid_nonce", Auth);
    row!(rest_forbidden_context_401, 401, "rest_forbidden_context", Auth);
    row!(rest_cannot_create_401, 401, "rest_cannot_create", Auth);
    row!(rest_cannot_create_403, 403, "rest_cannot_create", Auth);
    row!(rest_cannot_edit_403, 403, "rest_cannot_edit", Auth);
    row!(rest_cannot_edit_others_403, 403, "rest_cannot_edit_others", Auth);
    row!(rest_cannot_publish_403, 403, "rest_cannot_publish", Auth);
    row!(rest_cannot_assign_term_403, 403, "rest_cannot_assign_term", Auth);
    row!(rest_cannot_create_user_401, 401, "rest_cannot_create_user", Auth);
    row!(rest_cannot_read_403, 403, "rest_cannot_read", Auth);
    row!(rest_cannot_view_403, 403, "rest_cannot_view", Auth);
    row!(rest_user_cannot_view_403, 403, "rest_user_cannot_view", Auth);
    row!(rest_cannot_delete_403, 403, "rest_cannot_delete", Auth);
    row!(rest_forbidden_401, 401, "rest_forbidden", Auth);
    row!(rest_forbidden_status_401, 401, "rest_forbidden_status", Auth);
    row!(rest_invalid_param_400, 400, "rest_invalid_param", BadRequest);
    row!(rest_missing_callback_param_400, 400, "rest_missing_callback_param", BadRequest);
    row!(rest_invalid_json_400, 400, "rest_invalid_json", BadRequest);
    row!(rest_post_exists_400, 400, "rest_post_exists", BadRequest);
    row!(rest_invalid_featured_media_400, 400, "rest_invalid_featured_media", BadRequest);
    row!(rest_invalid_author_400, 400, "rest_invalid_author", BadRequest);
    row!(rest_invalid_field_400, 400, "rest_invalid_field", BadRequest);
    row!(rest_invalid_date_400, 400, "rest_invalid_date", BadRequest);
    row!(rest_post_invalid_page_number_400, 400, "rest_post_invalid_page_number", BadRequest);
    row!(term_exists_400, 400, "term_exists", BadRequest);
    row!(rest_post_invalid_id_404, 404, "rest_post_invalid_id", NotFound);
    row!(rest_term_invalid_404, 404, "rest_term_invalid", NotFound);
    row!(rest_user_invalid_id_404, 404, "rest_user_invalid_id", NotFound);
    row!(rest_already_trashed_410, 410, "rest_already_trashed", NotFound);
    row!(rest_no_route_404, 404, "rest_no_route", NotFound);
    row!(db_insert_error_500, 500, "db_insert_error", Transient);
    row!(db_update_error_500, 500, "db_update_error", Transient);

    #[test]
    fn documented_samples_map_to_auth_with_the_message() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap_or_default();
        let body = samples["rest_cannot_create_401"]["body"].to_string();
        let e = map_error(401, None, &body);
        assert_eq!(e.kind(), Auth);
        assert!(e.to_string().contains("not allowed to create posts"));
        assert!(e.hint().contains("WORDPRESS_APP_PASSWORD"), "a 401 is about credentials");
        let forbidden = map_error(403, None, &wp_body("rest_cannot_publish", 403));
        assert!(forbidden.hint().contains("role"), "a 403 is about the user's role");
    }

    /// A wrong application password makes WordPress treat the request as anonymous, and an
    /// anonymous create fails on its status: `rest_invalid_param … Status is forbidden`. That is
    /// an authentication failure.
    #[test]
    fn status_forbidden_for_an_anonymous_request_is_auth() {
        let samples: Value = serde_json::from_str(SAMPLES).unwrap_or_default();
        let mut invalid =
            serde_json::json!({"code": "rest_invalid_param", "message": "Invalid parameter(s): status"});
        invalid["data"] = samples["rest_invalid_param_400_data_only"]["data"].clone();
        let e = map_error(400, None, &invalid.to_string());
        assert_eq!(e.kind(), Auth, "{e}");
        assert!(e.to_string().contains("status: Status is forbidden"), "{e}");
        assert!(e.hint().contains("WORDPRESS_APP_PASSWORD"));
        assert_eq!(e.code(), Some("rest_invalid_param"));
    }

    #[test]
    fn html_in_messages_is_dropped() {
        let body = r#"{"code":"incorrect_password","message":"<strong>Error:</strong> The provided password is an invalid application password.","data":{"status":401}}"#;
        assert_eq!(
            map_error(401, None, body).message(),
            "Error: The provided password is an invalid application password."
        );
        assert_eq!(strip_tags("a < b"), "a");
    }

    #[test]
    fn other_bodies() {
        let e = map_error(
            500,
            None,
            "<html><body>There has been a critical error on this website.</body></html>",
        );
        assert!(e.is_retryable());
        assert!(e.to_string().contains("critical error"));
        assert_eq!(map_error(401, None, "").kind(), Auth);
        assert_eq!(map_error(404, None, "<html>nope</html>").kind(), NotFound);
        assert_eq!(map_error(418, None, "{}").kind(), BadRequest);
        let exists = parse_error(
            r#"{"code":"term_exists","message":"A term with the name provided already exists.","data":{"status":400,"term_id":42}}"#,
        );
        assert_eq!(exists.term_id, Some(42));
    }
}
