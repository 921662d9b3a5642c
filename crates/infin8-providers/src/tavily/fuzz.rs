//! Fuzzing Tavily decoding: any body gives a value or a typed error, never a panic.

use super::convert::{parse_object, parse_search, to_sources};
use super::error::map_error;
use super::wire::UsageResponse;
use crate::fuzz_support::bodies;
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    include_str!("../../tests/fixtures/tavily/search.response.openapi-example.json"),
    include_str!("../../tests/fixtures/tavily/search.response.sdk-test.json"),
    include_str!("../../tests/fixtures/tavily/errors.openapi-examples.json"),
    include_str!("../../tests/fixtures/tavily/error.429.sdk-test.json"),
];
const KEYS: &[&str] = &[
    "results",
    "url",
    "title",
    "content",
    "score",
    "raw_content",
    "usage",
    "credits",
    "request_id",
    "response_time",
    "detail",
    "error",
    "message",
    "retry_after_seconds",
    "key",
    "account",
    "limit",
];

proptest! {
    #[test]
    fn any_body_decodes_or_is_a_typed_error(body in bodies(SAMPLES, KEYS), status in 100u16..600) {
        if let Ok(response) = parse_search(&body) {
            let _ = to_sources(&response, true);
            let _ = to_sources(&response, false);
        }
        let _ = parse_object::<UsageResponse>(&body);
        let e = map_error(status, None, &body);
        let _ = (e.kind(), e.to_string(), e.retry_after());
    }
}
