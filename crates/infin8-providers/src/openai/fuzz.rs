//! Fuzzing OpenAI-compatible decoding: any body gives a value or a typed error, never a panic.

use super::convert::{chat_answer, extract_json, parse_object, vectors_in_order};
use super::error::{map_error, parse_error_body};
use super::wire::{ChatResponse, EmbeddingsResponse};
use crate::fuzz_support::bodies;
use proptest::prelude::*;

const SAMPLES: &[&str] = &[
    include_str!("../../tests/fixtures/openai/chat_completions.default.response.json"),
    include_str!("../../tests/fixtures/openai/embeddings.response.json"),
    include_str!("../../tests/fixtures/openai/errors.samples.json"),
];
const KEYS: &[&str] = &[
    "choices",
    "message",
    "content",
    "refusal",
    "finish_reason",
    "usage",
    "prompt_tokens",
    "completion_tokens",
    "model",
    "data",
    "embedding",
    "index",
    "object",
    "error",
    "type",
    "code",
    "detail",
];

proptest! {
    #[test]
    fn any_body_decodes_or_is_a_typed_error(body in bodies(SAMPLES, KEYS), status in 100u16..600) {
        if let Ok(response) = parse_object::<ChatResponse>(&body)
            && let Ok(answer) = chat_answer(&response, &body)
        {
            let _ = extract_json(&answer.content);
        }
        if let Ok(response) = parse_object::<EmbeddingsResponse>(&body) {
            let _ = vectors_in_order(response, 3, Some(2), &body);
        }
        let _ = parse_error_body(&body);
        let e = map_error(status, None, &body);
        let _ = (e.kind(), e.to_string(), e.retry_after());
    }
}
