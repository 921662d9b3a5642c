//! Helpers shared by the provider contract tests.
#![allow(dead_code, clippy::unwrap_used)]

use infin8_providers::http::{HttpConfig, RetryPolicy};
use std::time::Duration;

/// A fixture file's text.
pub fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// A fixture as JSON.
pub fn fixture_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(path)).unwrap()
}

/// HTTP settings for a local mock: millisecond backoff, short timeouts, no rate limit.
pub fn fast_http(max_attempts: u32) -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(1500),
        retry: RetryPolicy::fast(max_attempts),
        rate_limit: None,
        ..HttpConfig::default()
    }
}

/// A secret value that must never show up in any output.
pub const SECRET: &str = "s3cr3t-Pa55w0rd-DO-NOT-LEAK";

/// Asserts that `text` does not contain the secret (nor its Basic-auth encoding's core).
pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked in: {text}");
}
