//! Fuzzing DataForSEO decoding: any body gives a value or a typed error, never a panic.

use super::convert::{
    billed_cost, check_envelope, ideas_from_labs, ideas_from_ranked, organic_urls, parse_envelope,
};
use super::error::map_http_status;
use super::wire::{Envelope, KeywordData, LabsResult, RankedItem, SerpResult, UserData};
use crate::fuzz_support::bodies;
use infin8_core::Usd;
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    include_str!("../../tests/fixtures/dataforseo/labs_google_keyword_suggestions_live.response.json"),
    include_str!("../../tests/fixtures/dataforseo/ranked_keywords_live.constructed.json"),
    include_str!("../../tests/fixtures/dataforseo/serp_organic_live_advanced.constructed.json"),
    include_str!("../../tests/fixtures/dataforseo/task_error_40501.constructed.json"),
    include_str!("../../tests/fixtures/dataforseo/http_402_payment_required.constructed.json"),
];
const KEYS: &[&str] = &[
    "tasks",
    "result",
    "items",
    "status_code",
    "status_message",
    "cost",
    "keyword",
    "keyword_data",
    "keyword_info",
    "search_volume",
    "ranked_serp_element",
    "serp_item",
    "type",
    "url",
    "rank_group",
    "total_count",
    "money",
    "balance",
    "login",
];

fn decode_everything(body: &str) {
    let price = Usd::from_micros(10_100);
    if let Ok(env) = parse_envelope::<LabsResult<KeywordData>>(body) {
        let _ = billed_cost(&env, price);
        if let Ok(checked) = check_envelope(env) {
            let _ = ideas_from_labs(&checked.results, "x");
        }
    }
    if let Ok(env) = parse_envelope::<LabsResult<RankedItem>>(body)
        && let Ok(checked) = check_envelope(env)
    {
        let _ = ideas_from_ranked(&checked.results, "x");
    }
    if let Ok(env) = parse_envelope::<SerpResult>(body)
        && let Ok(checked) = check_envelope(env)
    {
        let _ = organic_urls(&checked.results, 10);
    }
    let _ = parse_envelope::<UserData>(body).and_then(check_envelope);
    let envelope = serde_json::from_str::<Envelope<serde_json::Value>>(body).ok();
    let code = envelope.as_ref().and_then(|e| e.status_code);
    for status in [401, 402, 404, 500] {
        let e = map_http_status(status, None, code, body);
        let _ = (e.kind(), e.to_string());
    }
}

proptest! {
    #[test]
    fn any_body_decodes_or_is_a_typed_error(body in bodies(SAMPLES, KEYS)) {
        decode_everything(&body);
    }
}
