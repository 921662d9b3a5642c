//! Pure conversion of Tavily responses to sources.

use super::error::PROVIDER;
use super::wire::SearchResponse;
use infin8_core::article::Source;
use infin8_core::provider::ProviderError;

/// Parses a 2xx `/search` body.
pub(crate) fn parse_search(body: &str) -> Result<SearchResponse, ProviderError> {
    parse_object(body)
}

/// Parses a 2xx body as `T` (a JSON object), or says why not.
pub(crate) fn parse_object<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ProviderError> {
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("invalid json: {e}"), body))?;
    if !value.is_object() {
        return Err(ProviderError::decode(PROVIDER, "the response is not a json object", body));
    }
    serde_json::from_value(value)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("unexpected shape: {e}"), body))
}

/// Sources from a response: results without a URL are dropped; the content is the page's raw
/// text when it was asked for and given, else Tavily's excerpt; scores are clamped to `0..=1`.
pub(crate) fn to_sources(response: &SearchResponse, prefer_raw: bool) -> Vec<Source> {
    response
        .results
        .iter()
        .filter_map(|r| {
            let url = r.url.as_deref().map(str::trim).filter(|u| !u.is_empty())?.to_string();
            let raw = r.raw_content.as_deref().filter(|c| prefer_raw && !c.trim().is_empty());
            let content = raw.or(r.content.as_deref()).unwrap_or_default().to_string();
            Some(Source {
                title: r.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| url.clone()),
                url,
                content,
                score: r.score.filter(|s| s.is_finite()).unwrap_or(0.0).clamp(0.0, 1.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_string_response_time_and_usage() {
        let body = include_str!("../../tests/fixtures/tavily/search.response.openapi-example.json");
        let r = parse_search(body).unwrap();
        assert_eq!(r.response_time, Some(1.67));
        assert_eq!(r.usage.as_ref().and_then(|u| u.credits), Some(1.0));
        let sources = to_sources(&r, false);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].url, "https://www.britannica.com/facts/Lionel-Messi");
    }

    proptest! {
        #[test]
        fn no_body_panics_the_parser(body in ".{0,300}") {
            if let Ok(r) = parse_search(&body) {
                let _ = to_sources(&r, true);
            }
        }

        #[test]
        fn odd_field_types_never_panic(score in any::<f64>(), title in proptest::option::of(".{0,10}"), n in 0usize..5) {
            let results: Vec<serde_json::Value> = (0..n).map(|i| serde_json::json!({
                "url": if i % 2 == 0 { serde_json::json!("https://a.example") } else { serde_json::json!(i) },
                "title": title, "score": if score.is_finite() { serde_json::json!(score) } else { serde_json::json!("x") },
                "content": [1, 2], "raw_content": {"a": 1}
            })).collect();
            let body = serde_json::json!({"results": results, "usage": "lots"}).to_string();
            let r = parse_search(&body).unwrap();
            for s in to_sources(&r, true) {
                prop_assert!((0.0..=1.0).contains(&s.score));
            }
        }
    }
}
