//! Tavily contract tests against a local mock serving documented payloads.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http, fixture, fixture_json};
use infin8_core::Usd;
use infin8_core::provider::{ProviderError, ProviderErrorKind, SearchDepth, WebResearch, WebSearchRequest};
use infin8_providers::SecretString;
use infin8_providers::tavily::{TavilyClient, TavilyConfig};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, attempts: u32) -> TavilyClient {
    let config = TavilyConfig::new(SecretString::from(SECRET))
        .with_base_url(server.uri())
        .with_http(fast_http(attempts));
    TavilyClient::new(config).unwrap()
}

fn ok(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

fn error_example(status: &str) -> serde_json::Value {
    fixture_json("tavily/errors.openapi-examples.json")["/search"][status]["example"].clone()
}

#[tokio::test]
async fn search_maps_results_and_records_credits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/search"))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .respond_with(ok(fixture("tavily/search.response.openapi-example.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, 3);
    let mut request = WebSearchRequest::new("Who is Leo Messi?", 50);
    request.include_domains = vec!["Britannica.com".into(), " ".into()];
    request.exclude_domains = vec!["example.com".into()];
    let out = client.search(&request).await.unwrap();
    assert_eq!(out.value.len(), 1);
    let s = &out.value[0];
    assert_eq!(s.url, "https://www.britannica.com/facts/Lionel-Messi");
    assert_eq!(s.title, "Lionel Messi Facts | Britannica");
    assert!(s.content.starts_with("Lionel Messi, an Argentine footballer"));
    assert!((s.score - 0.810_254_16).abs() < 1e-9);
    assert_eq!(out.usage.cost, Usd::from_micros(8_000), "1 credit at $0.008");
    assert_eq!(out.usage.requests, 1);
    assert_eq!(client.estimate(&request), Usd::from_micros(8_000));
    request.depth = SearchDepth::Advanced;
    assert_eq!(client.estimate(&request), Usd::from_micros(16_000));
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    insta::assert_json_snapshot!("tavily_search_request", sent);
    assert_no_secret(&format!("{client:?}"));
}

#[tokio::test]
async fn raw_content_is_used_when_asked_for_and_credits_default_by_depth() {
    let server = MockServer::start().await;
    let mut body = fixture_json("tavily/search.response.sdk-test.json");
    body["results"].as_array_mut().unwrap().push(json!({"title": "Docs", "url": "https://docs.tavily.com", "content": "short", "score": 1.7, "raw_content": "# Full page text"}));
    body["results"].as_array_mut().unwrap().push(json!({"title": "no url", "content": "dropped"}));
    Mock::given(path("/search")).respond_with(ok(body.to_string())).mount(&server).await;
    let mut request = WebSearchRequest::new("What is Tavily?", 10);
    request.depth = SearchDepth::Advanced;
    request.include_raw_content = true;
    let out = client(&server, 1).search(&request).await.unwrap();
    assert_eq!(out.value.len(), 2);
    assert!(out.value[0].content.starts_with("Connect Your LLM"), "raw_content null falls back to content");
    assert_eq!(out.value[1].content, "# Full page text");
    assert_eq!(out.value[1].score, 1.0, "clamped");
    assert_eq!(out.usage.cost, Usd::from_micros(16_000), "no usage reported: advanced = 2 credits");
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success() {
    let server = MockServer::start().await;
    let limited = fixture_json("tavily/error.429.sdk-test.json");
    Mock::given(path("/search"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(limited["body"].clone()),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.sdk-test.json")))
        .expect(1)
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let out = client(&server, 3).search(&WebSearchRequest::new("What is Tavily?", 5)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited as told: {:?}", started.elapsed());
    assert_eq!(out.usage.requests, 2);
    assert_eq!(out.value.len(), 1);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    Mock::given(path("/search"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", at.as_str())
                .set_body_json(error_example("429")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.sdk-test.json")))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    client(&server, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(500), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_fast_with_the_hint() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(error_example("429")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn plan_and_paygo_limits_are_quota_and_not_retried() {
    for status in ["432", "433"] {
        let server = MockServer::start().await;
        Mock::given(path("/search"))
            .respond_with(
                ResponseTemplate::new(status.parse::<u16>().unwrap()).set_body_json(error_example(status)),
            )
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
        assert!(matches!(err.root(), ProviderError::QuotaExhausted { .. }), "{status}: {err:?}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn unauthorized_and_bad_request_keep_the_providers_message() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_example("401")))
        .mount(&server)
        .await;
    let client = client(&server, 3);
    let err = client.search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Auth { .. }));
    assert!(err.to_string().contains("missing or invalid API key"));
    assert_no_secret(&format!("{err} {err:?}"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "auth errors are not retried");

    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_example("400")))
        .mount(&server)
        .await;
    let err = self::client(&server, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
    match err.root() {
        ProviderError::BadRequest { status, message, .. } => {
            assert_eq!(*status, Some(400));
            assert!(message.contains("Invalid topic"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_500_burst_then_success_and_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.sdk-test.json")))
        .mount(&server)
        .await;
    let out = client(&server, 4).search(&WebSearchRequest::new("q", 5)).await.unwrap();
    assert_eq!(out.usage.requests, 3);

    let slow = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.sdk-test.json")).set_delay(Duration::from_secs(4)))
        .expect(1)
        .mount(&slow)
        .await;
    let err = client(&slow, 1).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_retried_a_bounded_number_of_times_then_a_billed_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ok("{\"results\": [{\"url\": ".into()))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Decode { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.operation(), Some("search"));
    // Tavily ran each of those searches: a basic search is 1 credit ($0.008).
    assert_eq!(err.billed_cost(), Usd::from_micros(3 * 8_000));

    let flaky = MockServer::start().await;
    Mock::given(path("/search")).respond_with(ok("<html>".into())).up_to_n_times(1).mount(&flaky).await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.sdk-test.json")))
        .mount(&flaky)
        .await;
    let out = client(&flaky, 3).search(&WebSearchRequest::new("q", 5)).await.unwrap();
    assert_eq!(out.usage.requests, 2);
}

#[tokio::test]
async fn empty_query_is_rejected_locally() {
    let server = MockServer::start().await;
    assert!(matches!(
        client(&server, 1).search(&WebSearchRequest::new(" ", 5)).await,
        Err(e) if e.kind() == ProviderErrorKind::BadRequest
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Which Tavily responses are billed (Credits & Pricing: credits per successful request; basic
/// search 1 credit, advanced 2): a 2xx, at `usage.credits` (else the depth's credits); a 2xx whose
/// body cannot be read, at the depth's credits (Tavily ran the search); never an error status
/// (400, 401, 429, 432, 433, 500).
#[tokio::test]
async fn billed_responses_are_successful_searches_only() {
    let server = MockServer::start().await;
    Mock::given(path("/search"))
        .respond_with(ok(fixture("tavily/search.response.openapi-example.json")))
        .mount(&server)
        .await;
    let out = client(&server, 1).search(&WebSearchRequest::new("q", 5)).await.unwrap();
    assert_eq!(out.usage.cost, Usd::from_micros(8_000), "usage.credits = 1 at $0.008");

    for status in ["400", "401", "429", "432", "433", "500"] {
        let server = MockServer::start().await;
        Mock::given(path("/search"))
            .respond_with(
                ResponseTemplate::new(status.parse::<u16>().unwrap()).set_body_json(error_example(status)),
            )
            .mount(&server)
            .await;
        let err = client(&server, 1).search(&WebSearchRequest::new("q", 5)).await.unwrap_err();
        assert!(err.billed().is_none(), "{status}: {err}");
    }

    let server = MockServer::start().await;
    Mock::given(path("/search")).respond_with(ok("{\"results\": [".into())).mount(&server).await;
    let mut advanced = WebSearchRequest::new("q", 5);
    advanced.depth = SearchDepth::Advanced;
    let err = client(&server, 1).search(&advanced).await.unwrap_err();
    assert_eq!(err.billed_cost(), Usd::from_micros(16_000), "an advanced search is 2 credits");
}
