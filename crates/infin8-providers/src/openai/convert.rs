//! Pure conversion of OpenAI-compatible responses, and JSON extraction from model text.

use super::error::PROVIDER;
use super::wire::{ChatResponse, EmbeddingsResponse};
use infin8_core::provider::ProviderError;
use serde_json::Value;

/// Longest text scanned for an embedded JSON value.
const MAX_CANDIDATES: usize = 64;

/// Parses a 2xx body as `T` (a JSON object), or says why not.
pub(crate) fn parse_object<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ProviderError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("invalid json: {e}"), body))?;
    if !value.is_object() {
        return Err(ProviderError::decode(PROVIDER, "the response is not a json object", body));
    }
    serde_json::from_value(value)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("unexpected shape: {e}"), body))
}

/// The answer of a chat response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChatAnswer {
    pub(crate) id: Option<String>,
    pub(crate) content: String,
    pub(crate) finish_reason: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) prompt_tokens: Option<u64>,
    pub(crate) completion_tokens: Option<u64>,
}

fn tokens(x: Option<f64>) -> Option<u64> {
    x.filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e15).map(|t| t.round() as u64)
}

/// The first choice's text. A refusal is a `BadRequest` (code `refusal`); no choice at all is a
/// `Decode` error.
pub(crate) fn chat_answer(response: &ChatResponse, body: &str) -> Result<ChatAnswer, ProviderError> {
    let choice = response
        .choices
        .first()
        .ok_or_else(|| ProviderError::decode(PROVIDER, "the response has no choices", body))?;
    let message = choice.message.as_ref();
    let content = message.and_then(|m| m.content.clone()).or_else(|| choice.text.clone());
    if content.as_deref().is_none_or(str::is_empty)
        && let Some(refusal) = message.and_then(|m| m.refusal.clone()).filter(|r| !r.is_empty())
    {
        return Err(ProviderError::BadRequest {
            provider: PROVIDER.to_string(),
            status: None,
            code: Some("refusal".to_string()),
            message: refusal,
        });
    }
    Ok(ChatAnswer {
        id: response.id.clone(),
        content: content.unwrap_or_default(),
        finish_reason: choice.finish_reason.clone().filter(|f| !f.trim().is_empty()),
        model: response.model.clone().filter(|m| !m.is_empty()),
        prompt_tokens: tokens(response.usage.as_ref().and_then(|u| u.prompt_tokens)),
        completion_tokens: tokens(response.usage.as_ref().and_then(|u| u.completion_tokens)),
    })
}

/// A JSON value in model text: the whole text, a fenced ```json block, or the first `{…}`/`[…]`
/// that parses.
pub(crate) fn extract_json(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return Some(v);
    }
    if let Some(start) = trimmed.find("```") {
        let after = trimmed.get(start + 3..)?;
        let after = after.strip_prefix("json").or_else(|| after.strip_prefix("JSON")).unwrap_or(after);
        if let Some(end) = after.find("```")
            && let Ok(v) = serde_json::from_str::<Value>(after.get(..end)?.trim())
        {
            return Some(v);
        }
    }
    trimmed.char_indices().filter(|(_, c)| matches!(c, '{' | '[')).take(MAX_CANDIDATES).find_map(|(i, _)| {
        let mut stream = serde_json::Deserializer::from_str(trimmed.get(i..)?).into_iter::<Value>();
        stream.next()?.ok().filter(|v| v.is_object() || v.is_array())
    })
}

/// The vectors of an embeddings response in input order, checked against the input count and
/// (when known) the expected dimension.
pub(crate) fn vectors_in_order(
    response: EmbeddingsResponse,
    expected: usize,
    dimensions: Option<usize>,
    body: &str,
) -> Result<Vec<Vec<f32>>, ProviderError> {
    if response.data.len() != expected {
        return Err(ProviderError::decode(
            PROVIDER,
            format!("expected {expected} embeddings, got {}", response.data.len()),
            body,
        ));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
    for (position, item) in response.data.into_iter().enumerate() {
        let index = item.index.unwrap_or(position);
        match slots.get_mut(index) {
            Some(slot @ None) => *slot = Some(item.embedding),
            _ => {
                return Err(ProviderError::decode(
                    PROVIDER,
                    format!("bad or repeated embedding index {index}"),
                    body,
                ));
            }
        }
    }
    let vectors: Vec<Vec<f32>> = slots.into_iter().flatten().collect();
    let dim = dimensions.or_else(|| vectors.first().map(Vec::len)).unwrap_or(0);
    if dim == 0 || vectors.iter().any(|v| v.len() != dim || v.iter().any(|x| !x.is_finite())) {
        return Err(ProviderError::decode(
            PROVIDER,
            "embeddings of unequal, empty or non-finite dimension",
            body,
        ));
    }
    Ok(vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn extracts_json_from_chatty_text() {
        assert_eq!(extract_json(" {\"a\": 1} "), Some(serde_json::json!({"a": 1})));
        assert_eq!(
            extract_json("Sure!\n```json\n{\"a\": [1]}\n```\nDone."),
            Some(serde_json::json!({"a": [1]}))
        );
        assert_eq!(
            extract_json("Here: {\"a\": {\"b\": 2}} hope it helps {"),
            Some(serde_json::json!({"a": {"b": 2}}))
        );
        assert_eq!(extract_json("[1, 2] and more"), Some(serde_json::json!([1, 2])));
        assert_eq!(extract_json("no json {here"), None);
    }

    #[test]
    fn lenient_chat_shapes() {
        let body = r#"{"choices":[{"message":{"content":"hi"},"finish_reason":""}]}"#;
        let r: ChatResponse = parse_object(body).unwrap();
        let a = chat_answer(&r, body).unwrap();
        assert_eq!(a.content, "hi");
        assert_eq!(a.finish_reason, None);
        assert_eq!(a.prompt_tokens, None);
        let body = r#"{"choices":[{"message":{"content":null,"refusal":"I can't help with that."}}]}"#;
        let r: ChatResponse = parse_object(body).unwrap();
        assert!(matches!(chat_answer(&r, body), Err(ProviderError::BadRequest { .. })));
        let r: ChatResponse = parse_object(r#"{"choices":[]}"#).unwrap();
        assert!(matches!(chat_answer(&r, "{}"), Err(ProviderError::Decode { .. })));
    }

    #[test]
    fn embeddings_are_reordered_and_checked() {
        let body = r#"{"data":[{"embedding":[3,3],"index":1},{"embedding":[1,1],"index":0}]}"#;
        let r: EmbeddingsResponse = parse_object(body).unwrap();
        assert_eq!(vectors_in_order(r, 2, None, body).unwrap(), vec![vec![1.0, 1.0], vec![3.0, 3.0]]);
        let r: EmbeddingsResponse = parse_object(body).unwrap();
        assert!(vectors_in_order(r, 3, None, body).is_err());
        let r: EmbeddingsResponse = parse_object(body).unwrap();
        assert!(vectors_in_order(r, 2, Some(3), body).is_err());
        let dup = r#"{"data":[{"embedding":[1],"index":0},{"embedding":[1],"index":0}]}"#;
        let r: EmbeddingsResponse = parse_object(dup).unwrap();
        assert!(vectors_in_order(r, 2, None, dup).is_err());
    }

    proptest! {
        #[test]
        fn no_body_panics_the_parsers(body in ".{0,300}", n in 0usize..4) {
            if let Ok(r) = parse_object::<ChatResponse>(&body) {
                let _ = chat_answer(&r, &body);
            }
            if let Ok(r) = parse_object::<EmbeddingsResponse>(&body) {
                let _ = vectors_in_order(r, n, None, &body);
            }
            let _ = extract_json(&body);
            let _ = super::super::error::map_error(400, None, &body);
        }

        #[test]
        fn extraction_finds_embedded_objects(prefix in "[a-zA-Z ,.!]{0,40}", suffix in "[a-zA-Z ,.!]{0,40}", k in "[a-z]{1,8}", v in any::<i64>()) {
            let text = format!("{prefix}{{\"{k}\": {v}}}{suffix}");
            prop_assert_eq!(extract_json(&text), Some(serde_json::json!({k: v})));
        }
    }
}
