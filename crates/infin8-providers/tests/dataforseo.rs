//! DataForSEO contract tests against a local mock serving documented payloads.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http, fixture, fixture_json};
use infin8_core::Usd;
use infin8_core::keyword::{CompetitionLevel, SearchIntent};
use infin8_core::provider::{
    DomainKeywordsRequest, KeywordMetricsRequest, KeywordResearch, Locale, ProviderError, ProviderErrorKind,
    SerpResearch, SuggestionsRequest,
};
use infin8_providers::SecretString;
use infin8_providers::dataforseo::{DataForSeoClient, DataForSeoConfig};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{basic_auth, body_partial_json, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SUGGESTIONS: &str = "/v3/dataforseo_labs/google/keyword_suggestions/live";
const RANKED: &str = "/v3/dataforseo_labs/google/ranked_keywords/live";
const OVERVIEW: &str = "/v3/dataforseo_labs/google/keyword_overview/live";
const SERP: &str = "/v3/serp/google/organic/live/advanced";

fn config(server: &MockServer, attempts: u32) -> DataForSeoConfig {
    DataForSeoConfig::new("api-login@example.com", SecretString::from(SECRET))
        .with_base_url(server.uri())
        .with_http(fast_http(attempts))
}

fn client(server: &MockServer) -> DataForSeoClient {
    DataForSeoClient::new(config(server, 3)).unwrap()
}

fn suggestions(seed: &str, limit: u32) -> SuggestionsRequest {
    SuggestionsRequest { seed: seed.into(), locale: Locale::default(), limit }
}

fn ok(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

fn body_of(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn suggestions_parse_the_documented_sample_with_auth_and_cost() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(SUGGESTIONS))
        .and(basic_auth("api-login@example.com", SECRET))
        .respond_with(ok(fixture("dataforseo/labs_google_keyword_suggestions_live.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap();
    assert_eq!(out.value.len(), 1);
    let idea = &out.value[0];
    assert_eq!(idea.keyword, "boost cell phone");
    assert_eq!(idea.source, "dataforseo:keyword_suggestions");
    assert_eq!(idea.language.as_deref(), Some("en"));
    let m = &idea.metrics;
    assert_eq!(m.search_volume, Some(1_830_000));
    assert_eq!(m.cpc, Some(1.47));
    assert_eq!(m.competition_index, Some(96));
    assert_eq!(m.competition_level, Some(CompetitionLevel::High));
    assert_eq!(m.difficulty, Some(0));
    assert_eq!(m.intent, Some(SearchIntent::Transactional));
    assert_eq!(out.usage.cost, Usd::from_micros(10_100));
    assert_eq!(out.usage.requests, 1);
    assert_eq!(out.usage.items, 1);
    // The request: one task, pinned.
    let requests = server.received_requests().await.unwrap();
    insta::assert_json_snapshot!("dataforseo_suggestions_request", body_of(&requests[0]));
}

#[tokio::test]
async fn ranked_keywords_page_by_offset_and_carry_the_ranking_url() {
    let server = MockServer::start().await;
    let mut page = fixture_json("dataforseo/ranked_keywords_live.constructed.json");
    page["tasks"][0]["result"][0]["total_count"] = json!(5);
    let first = page.clone();
    let mut second = page.clone();
    let items = second["tasks"][0]["result"][0]["items"].as_array().unwrap()[..1].to_vec();
    second["tasks"][0]["result"][0]["items"] = json!(items);
    Mock::given(path(RANKED))
        .and(body_partial_json(json!([{"offset": 3}])))
        .respond_with(ok(second.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(RANKED))
        .and(body_partial_json(json!([{"target": "dataforseo.com", "limit": 3}])))
        .respond_with(ok(first.to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server, 1);
    cfg.page_size = 3;
    let client = DataForSeoClient::new(cfg).unwrap();
    let req = DomainKeywordsRequest { domain: "DataForSEO.com".into(), locale: Locale::default(), limit: 10 };
    let out = client.ranked_keywords(&req).await.unwrap();
    assert_eq!(out.value.len(), 4, "3 + 1 items over two pages");
    assert_eq!(out.usage.requests, 2);
    assert_eq!(out.usage.cost, Usd::from_micros(20_200));
    assert_eq!(out.value[0].keyword, "seo tools");
    assert_eq!(out.value[0].metrics.serp_urls, ["https://dataforseo.com/seo-tools"]);
    assert_eq!(out.value[0].source, "dataforseo:ranked_keywords");
    let requests = server.received_requests().await.unwrap();
    let bodies: Vec<serde_json::Value> = requests.iter().map(body_of).collect();
    assert!(bodies.iter().all(|b| b.as_array().unwrap().len() == 1), "one task per live call");
    insta::assert_json_snapshot!("dataforseo_ranked_keywords_requests", bodies);
}

#[tokio::test]
async fn metrics_batch_and_a_failed_batch_is_reported_not_fatal() {
    let server = MockServer::start().await;
    Mock::given(path(OVERVIEW))
        .and(body_partial_json(json!([{"keywords": ["crm software", "best crm"]}])))
        .respond_with(ok(fixture("dataforseo/keyword_overview_live.constructed.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(OVERVIEW))
        .and(body_partial_json(json!([{"keywords": ["bad|keyword"]}])))
        .respond_with(ok(fixture("dataforseo/task_error_40501.constructed.json")))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server, 3);
    cfg.metrics_batch_size = 2;
    let client = DataForSeoClient::new(cfg).unwrap();
    let long = "word ".repeat(11);
    let req = KeywordMetricsRequest {
        keywords: vec![
            "crm software".into(),
            "best  crm".into(),
            "CRM Software".into(),
            "bad|keyword".into(),
            long,
            "".into(),
        ],
        locale: Locale::default(),
    };
    let out = client.keyword_metrics(&req).await.unwrap();
    let names: Vec<&str> = out.value.iter().map(|i| i.keyword.as_str()).collect();
    assert_eq!(names, ["crm software", "best crm"]);
    assert_eq!(out.value[0].metrics.difficulty, Some(71));
    assert_eq!(out.usage.requests, 2, "the failed batch was not retried (40501 is permanent)");
}

#[tokio::test]
async fn a_failed_task_among_good_ones_is_reported_not_fatal() {
    let server = MockServer::start().await;
    let mut body = fixture_json("dataforseo/keyword_overview_live.constructed.json");
    let mut bad = body["tasks"][0].clone();
    bad["status_code"] = json!(40501);
    bad["status_message"] = json!("Invalid Field: 'keywords'.");
    bad["result"] = json!(null);
    body["tasks"].as_array_mut().unwrap().push(bad);
    Mock::given(path(OVERVIEW)).respond_with(ok(body.to_string())).mount(&server).await;
    let req = KeywordMetricsRequest { keywords: vec!["crm software".into()], locale: Locale::default() };
    let out = client(&server).keyword_metrics(&req).await.unwrap();
    assert_eq!(out.value.len(), 2);
}

#[tokio::test]
async fn task_rate_limit_in_a_200_body_is_retried_and_every_attempt_costs() {
    let server = MockServer::start().await;
    let mut limited = fixture_json("dataforseo/task_error_40202.constructed.json");
    limited["cost"] = json!(0.0001);
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(limited.to_string()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(fixture("dataforseo/labs_google_keyword_suggestions_live.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap();
    assert_eq!(out.usage.requests, 2);
    assert_eq!(out.usage.cost, Usd::from_micros(10_200));
}

#[tokio::test]
async fn payment_required_is_quota_and_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ResponseTemplate::new(402).set_body_raw(
            fixture("dataforseo/http_402_payment_required.constructed.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::QuotaExhausted { .. }), "{err:?}");
    assert!(err.to_string().contains("Payment Required"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn balance_code_inside_a_200_is_quota() {
    let server = MockServer::start().await;
    let mut body = fixture_json("dataforseo/task_error_40202.constructed.json");
    body["tasks"][0]["status_code"] = json!(40210);
    body["tasks"][0]["status_message"] = json!("Insufficient funds. Please top up your balance.");
    Mock::given(path(SUGGESTIONS)).respond_with(ok(body.to_string())).expect(1).mount(&server).await;
    let err = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::QuotaExhausted { .. }), "{err:?}");
}

#[tokio::test]
async fn unauthorized_is_auth_and_secret_free() {
    let server = MockServer::start().await;
    let body = json!({"version": "0.1", "status_code": 40100, "status_message": "You are not authorized to access this resource.", "tasks": null});
    Mock::given(path(SUGGESTIONS))
        .respond_with(ResponseTemplate::new(401).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("not authorized"));
    assert_no_secret(&format!("{err} {err:?} {client:?} {:?}", config(&server, 1)));
}

#[tokio::test]
async fn a_500_burst_then_success() {
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(fixture("dataforseo/labs_google_keyword_suggestions_live.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap();
    assert_eq!(out.usage.requests, 3);
    assert_eq!(out.value.len(), 1);
}

#[tokio::test]
async fn retries_are_bounded_by_attempts() {
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS)).respond_with(ResponseTemplate::new(503)).expect(3).mount(&server).await;
    let err = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Unavailable { status: Some(503), .. }), "{err:?}");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok("{}".into()).set_delay(Duration::from_secs(4)))
        .expect(2)
        .mount(&server)
        .await;
    let client = DataForSeoClient::new(config(&server, 2)).unwrap();
    let err = client.keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn malformed_json_is_retried_a_bounded_number_of_times_then_a_billed_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok("{\"version\": \"0.1\", \"status_code\": 20000, \"tasks\": [".into()))
        .expect(3)
        .mount(&server)
        .await;
    let mut cfg = config(&server, 10);
    cfg.http.retry.max_decode_retries = 2;
    let err =
        DataForSeoClient::new(cfg).unwrap().keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
    match err.root() {
        ProviderError::Decode { excerpt, .. } => assert!(excerpt.starts_with("{\"version\"")),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.kind(), ProviderErrorKind::Decode);
    assert!(!err.is_retryable(), "retried by the client already; the engine must not pay again blindly");
    assert_eq!(err.operation(), Some("keyword_suggestions"));
    // A 200 means the task ran: each unreadable answer is billed at the endpoint's price.
    assert_eq!(err.billed_cost(), Usd::from_micros(3 * 10_100));
    assert_no_secret(&format!("{err:?}"));
}

#[tokio::test]
async fn a_truncated_200_then_a_good_one_succeeds_and_both_are_charged() {
    let server = MockServer::start().await;
    let sample = fixture("dataforseo/labs_google_keyword_suggestions_live.response.json");
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(sample[..sample.len() / 2].to_string()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(SUGGESTIONS)).respond_with(ok(sample)).expect(1).mount(&server).await;
    let out = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap();
    assert_eq!(out.value.len(), 1);
    assert_eq!(out.usage.requests, 2);
    assert_eq!(out.usage.cost, Usd::from_micros(2 * 10_100));
}

#[tokio::test]
async fn serp_top_urls_are_organic_and_ranked() {
    let server = MockServer::start().await;
    Mock::given(path(SERP))
        .and(body_partial_json(json!([{"keyword": "crm software", "depth": 10}])))
        .respond_with(ok(fixture("dataforseo/serp_organic_live_advanced.constructed.json")))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server).top_urls("crm  software", &Locale::default(), 10).await.unwrap();
    assert_eq!(out.value, ["https://a.example/crm", "https://b.example/crm", "https://c.example/crm"]);
    assert_eq!(out.usage.cost, Usd::from_micros(2_000));
    let requests = server.received_requests().await.unwrap();
    insta::assert_json_snapshot!("dataforseo_serp_request", body_of(&requests[0]));
}

#[tokio::test]
async fn empty_inputs_are_rejected_before_any_request() {
    let server = MockServer::start().await;
    let client = client(&server);
    assert!(matches!(
        client.keyword_suggestions(&suggestions("  ", 10)).await,
        Err(e) if e.kind() == ProviderErrorKind::BadRequest
    ));
    assert!(client.top_urls("", &Locale::default(), 10).await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(KeywordResearch::estimate(&client), Usd::from_micros(10_100));
}

#[test]
fn config_rejects_credentials_in_the_base_url() {
    let cfg = DataForSeoConfig::new("login", SecretString::from(SECRET))
        .with_base_url(format!("https://u:{SECRET}@x.example"));
    let err = DataForSeoClient::new(cfg).unwrap_err();
    assert_no_secret(&format!("{err} {err:?}"));
}

/// Which DataForSEO responses are billed (errors appendix; help center "What does the 40101
/// error mean?"): every task's reported `cost` — successes and `40101 Internal SE Server Error`,
/// which DataForSEO bills at the endpoint's price after retrying it itself — is charged, attempt
/// by attempt, whether the call finally succeeds or not; a `40101` that reports no cost is charged
/// the endpoint's configured price; a 200 whose body cannot be read is charged the endpoint's
/// price (the task ran); HTTP 401/402/404/500 and account errors (`40200`, `40203`) cost nothing.
#[tokio::test]
async fn billed_responses_are_charged_even_when_the_call_fails() {
    fn task_40101(cost: Option<f64>) -> String {
        let mut body = fixture_json("dataforseo/task_error_40202.constructed.json");
        body["tasks"][0]["status_code"] = json!(40101);
        body["tasks"][0]["status_message"] = json!("Internal SE Server Error.");
        match cost {
            Some(c) => {
                body["cost"] = json!(c);
                body["tasks"][0]["cost"] = json!(c);
            }
            None => {
                body.as_object_mut().unwrap().remove("cost");
                body["tasks"][0].as_object_mut().unwrap().remove("cost");
            }
        }
        body.to_string()
    }

    // Eight billed 40101 attempts: $0.0808 billed, not lost.
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS)).respond_with(ok(task_40101(Some(0.0101)))).expect(8).mount(&server).await;
    let err = DataForSeoClient::new(config(&server, 8))
        .unwrap()
        .keyword_suggestions(&suggestions("phone", 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Transient);
    assert_eq!(err.code(), Some("40101"));
    let billed = err.billed().expect("40101 is billed");
    assert_eq!(billed.cost, Usd::from_micros(8 * 10_100));
    assert_eq!(billed.requests, 8);
    assert!(err.to_string().contains("billed $0.080800"), "{err}");

    // A 40101 that reports no cost: the endpoint's price.
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS)).respond_with(ok(task_40101(None))).expect(1).mount(&server).await;
    let err = DataForSeoClient::new(config(&server, 1))
        .unwrap()
        .keyword_suggestions(&suggestions("phone", 1))
        .await
        .unwrap_err();
    assert_eq!(err.billed_cost(), Usd::from_micros(10_100));

    // A billed failure then a success: both are in the success's cost.
    let server = MockServer::start().await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(task_40101(Some(0.0101))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(SUGGESTIONS))
        .respond_with(ok(fixture("dataforseo/labs_google_keyword_suggestions_live.response.json")))
        .mount(&server)
        .await;
    let out = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap();
    assert_eq!(out.usage.cost, Usd::from_micros(2 * 10_100));

    // A second page failing keeps the first page's bill.
    let server = MockServer::start().await;
    let mut page = fixture_json("dataforseo/ranked_keywords_live.constructed.json");
    page["tasks"][0]["result"][0]["total_count"] = json!(10);
    Mock::given(path(RANKED))
        .and(body_partial_json(json!([{"offset": 3}])))
        .respond_with(ok(task_40101(Some(0.0101))))
        .mount(&server)
        .await;
    Mock::given(path(RANKED)).respond_with(ok(page.to_string())).mount(&server).await;
    let mut cfg = config(&server, 1);
    cfg.page_size = 3;
    let req = DomainKeywordsRequest { domain: "dataforseo.com".into(), locale: Locale::default(), limit: 10 };
    let err = DataForSeoClient::new(cfg).unwrap().ranked_keywords(&req).await.unwrap_err();
    assert_eq!(err.operation(), Some("ranked_keywords"));
    assert_eq!(err.billed_cost(), Usd::from_micros(2 * 10_100), "page 1 and the failed page 2");

    // Account errors cost nothing.
    for (status, code, message) in [
        (200, 40203, "The cost limit has been exceeded."),
        (200, 40200, "Payment Required."),
        (402, 40200, "Payment Required."),
        (401, 40100, "You are not authorized to access this resource."),
    ] {
        let server = MockServer::start().await;
        let body = json!({"status_code": code, "status_message": message, "cost": 0, "tasks": null});
        Mock::given(path(SUGGESTIONS))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let err = client(&server).keyword_suggestions(&suggestions("phone", 1)).await.unwrap_err();
        assert!(err.billed().is_none(), "{code}: {err}");
        assert_eq!(err.code(), Some(code.to_string().as_str()));
        assert!(!err.is_retryable(), "{code}");
    }
}
