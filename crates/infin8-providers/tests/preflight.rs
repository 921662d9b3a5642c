//! `preflight`: each real service's credentials are checked with its cheapest documented call,
//! against a local mock with good and bad credentials.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http};
use infin8_core::provider::{
    Embedder, KeywordResearch, LanguageModel, ProviderErrorKind, Publisher, WebResearch,
};
use infin8_providers::dataforseo::{DataForSeoClient, DataForSeoConfig};
use infin8_providers::openai::{OpenAiClient, OpenAiConfig};
use infin8_providers::tavily::{TavilyClient, TavilyConfig};
use infin8_providers::wordpress::{WordPressClient, WordPressConfig};
use infin8_providers::{OfflineProviders, SecretString, from_vars};
use serde_json::json;
use std::collections::HashMap;
use wiremock::matchers::{basic_auth, bearer_token, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER_DATA: &str = "/v3/appendix/user_data";

fn user_data(balance: f64) -> serde_json::Value {
    json!({"version": "0.1.20240801", "status_code": 20000, "status_message": "Ok.", "cost": 0,
           "tasks_count": 1, "tasks_error": 0,
           "tasks": [{"id": "1", "status_code": 20000, "status_message": "Ok.", "cost": 0, "result_count": 1,
                      "path": ["v3", "appendix", "user_data"], "data": {"api": "appendix", "function": "user_data"},
                      "result": [{"login": "api-login@example.com", "timezone": "UTC",
                                  "money": {"total": 50.0, "balance": balance}}]}]})
}

async fn dataforseo_site() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(USER_DATA))
        .and(basic_auth("api-login@example.com", SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_data(12.5)))
        .mount(&server)
        .await;
    Mock::given(path(USER_DATA))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "version": "0.1", "status_code": 40100,
            "status_message": "You are not authorized to access this resource.", "tasks": null})))
        .mount(&server)
        .await;
    server
}

fn dataforseo(server: &MockServer, password: &str) -> DataForSeoClient {
    DataForSeoClient::new(
        DataForSeoConfig::new("api-login@example.com", SecretString::from(password.to_string()))
            .with_base_url(server.uri())
            .with_http(fast_http(3)),
    )
    .unwrap()
}

#[tokio::test]
async fn dataforseo_checks_the_account_for_free() {
    let server = dataforseo_site().await;
    let ok = KeywordResearch::preflight(&dataforseo(&server, SECRET)).await.unwrap().unwrap();
    assert!(ok.contains("balance $12.50"), "{ok}");
    let bad = dataforseo(&server, "wrong");
    let err = KeywordResearch::preflight(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Auth);
    assert_eq!(err.operation(), Some("preflight"));
    assert!(err.to_string().contains("DATAFORSEO_PASSWORD"), "{err}");
    assert_no_secret(&err.to_string());

    let broke = MockServer::start().await;
    Mock::given(path(USER_DATA))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_data(0.0)))
        .mount(&broke)
        .await;
    let err = KeywordResearch::preflight(&dataforseo(&broke, SECRET)).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::QuotaExhausted);
    // Nothing but the free call was made.
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.url.path(), USER_DATA);
    }
}

fn tavily(server: &MockServer, key: &str) -> TavilyClient {
    TavilyClient::new(
        TavilyConfig::new(SecretString::from(key.to_string()))
            .with_base_url(server.uri())
            .with_http(fast_http(3)),
    )
    .unwrap()
}

#[tokio::test]
async fn tavily_checks_the_key_with_its_usage() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/usage"))
        .and(bearer_token(SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": {"usage": 150, "limit": 1000},
            "account": {"current_plan": "Researcher", "plan_usage": 150, "plan_limit": 1000}})))
        .mount(&server)
        .await;
    Mock::given(path("/usage"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"detail": {"error": "Unauthorized: missing or invalid API key."}})),
        )
        .mount(&server)
        .await;
    let ok = tavily(&server, SECRET).preflight().await.unwrap().unwrap();
    assert!(ok.contains("150 of 1000"), "{ok}");
    let err = tavily(&server, "tvly-wrong").preflight().await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Auth);
    assert!(err.to_string().contains("TAVILY_API_KEY"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "auth failures are not retried");

    let spent = MockServer::start().await;
    Mock::given(path("/usage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": {"usage": 1000, "limit": 1000}, "account": {"plan_usage": 1000, "plan_limit": 1000}})))
        .mount(&spent)
        .await;
    assert_eq!(
        tavily(&spent, SECRET).preflight().await.unwrap_err().kind(),
        ProviderErrorKind::QuotaExhausted
    );
}

fn openai(server: &MockServer, key: &str, model: &str) -> OpenAiClient {
    OpenAiClient::new(
        OpenAiConfig::new(format!("{}/v1", server.uri()), Some(SecretString::from(key.to_string())))
            .with_model(model)
            .with_http(fast_http(3)),
    )
    .unwrap()
}

#[tokio::test]
async fn openai_checks_the_key_and_the_models_with_the_model_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(bearer_token(SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [
            {"id": "gpt-4o-mini", "object": "model", "owned_by": "system"},
            {"id": "text-embedding-3-small", "object": "model", "owned_by": "system"},
            {"id": "gpt-4o", "object": "model", "owned_by": "system"}]})))
        .mount(&server)
        .await;
    Mock::given(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": "Incorrect API key provided: sk-wrong.", "type": "invalid_request_error",
            "param": null, "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    let good = openai(&server, SECRET, "gpt-4o-mini");
    assert!(LanguageModel::preflight(&good).await.unwrap().unwrap().contains("gpt-4o-mini"));
    assert!(Embedder::preflight(&good).await.unwrap().unwrap().contains("text-embedding-3-small"));
    let err = LanguageModel::preflight(&openai(&server, "sk-wrong", "gpt-4o-mini")).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Auth);
    assert!(err.to_string().contains("OPENAI_API_KEY"), "{err}");
    let err = LanguageModel::preflight(&openai(&server, SECRET, "gpt-5-typo")).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    assert!(err.to_string().contains("OPENAI_MODEL"), "{err}");

    // A wrong base URL (no /v1): the models route is missing.
    let bare = MockServer::start().await;
    let client = OpenAiClient::new(
        OpenAiConfig::new(bare.uri(), Some(SecretString::from(SECRET))).with_http(fast_http(1)),
    )
    .unwrap();
    let err = LanguageModel::preflight(&client).await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::NotFound);
    assert!(err.to_string().contains("OPENAI_BASE_URL"), "{err}");
}

async fn wordpress_site(capabilities: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/wp-json/wp/v2/users/me"))
        .and(query_param("context", "edit"))
        .and(basic_auth("editor", SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 2, "name": "Ed Itor", "slug": "editor", "roles": ["author"], "capabilities": capabilities})))
        .mount(&server)
        .await;
    Mock::given(path("/wp-json/wp/v2/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "incorrect_password",
            "message": "<strong>Error:</strong> The provided password is an invalid application password.",
            "data": {"status": 401}})))
        .mount(&server)
        .await;
    server
}

fn wordpress(server: &MockServer, password: &str) -> WordPressClient {
    WordPressClient::new(
        WordPressConfig::new(server.uri(), "editor", SecretString::from(password.to_string()))
            .with_http(fast_http(3)),
    )
    .unwrap()
}

#[tokio::test]
async fn wordpress_checks_the_user_and_that_it_may_create_posts() {
    let server = wordpress_site(json!({"edit_posts": true, "publish_posts": true, "read": true})).await;
    let ok = wordpress(&server, SECRET).preflight().await.unwrap().unwrap();
    assert!(ok.contains("may create posts") && ok.contains("publish"), "{ok}");
    let err = wordpress(&server, "wrong password").preflight().await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Auth);
    assert_eq!(err.code(), Some("incorrect_password"));
    assert!(err.to_string().contains("WORDPRESS_APP_PASSWORD"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"));

    let reader = wordpress_site(json!({"read": true})).await;
    let err = wordpress(&reader, SECRET).preflight().await.unwrap_err();
    assert_eq!(err.kind(), ProviderErrorKind::Auth);
    assert!(err.to_string().contains("may not create posts"), "{err}");

    let drafts_only = wordpress_site(json!({"edit_posts": true, "read": true})).await;
    let ok = wordpress(&drafts_only, SECRET).preflight().await.unwrap().unwrap();
    assert!(ok.contains("drafts only"), "{ok}");
}

#[tokio::test]
async fn providers_preflight_lists_each_broken_role_and_the_variable_to_fix() {
    let dfs = dataforseo_site().await;
    let wp = wordpress_site(json!({"edit_posts": true, "publish_posts": true})).await;
    let vars: HashMap<&str, String> = [
        ("DATAFORSEO_LOGIN", "api-login@example.com".to_string()),
        ("DATAFORSEO_PASSWORD", SECRET.to_string()),
        ("DATAFORSEO_BASE_URL", dfs.uri()),
        ("WORDPRESS_URL", wp.uri()),
        ("WORDPRESS_USERNAME", "editor".to_string()),
        ("WORDPRESS_APP_PASSWORD", "wrong password".to_string()),
    ]
    .into_iter()
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let (providers, _) =
        from_vars(OfflineProviders::new(dir.path()), &|n: &str| vars.get(n).cloned()).unwrap();
    let err = providers.preflight().await.unwrap_err();
    assert_eq!(err.failures.len(), 1, "{err}");
    assert_eq!(err.failures[0].role, "publisher");
    let text = err.to_string();
    assert!(text.contains("publisher (wordpress)") && text.contains("WORDPRESS_APP_PASSWORD"), "{text}");
    assert_no_secret(&text);

    let mut fixed = vars.clone();
    fixed.insert("WORDPRESS_APP_PASSWORD", SECRET.to_string());
    let (providers, _) =
        from_vars(OfflineProviders::new(dir.path()), &|n: &str| fixed.get(n).cloned()).unwrap();
    let checks = providers.preflight().await.unwrap();
    let roles: Vec<&str> = checks.iter().map(|c| c.role).collect();
    assert_eq!(
        roles,
        ["keywords", "web", "llm", "embedder", "publisher"],
        "the SERP role shares the keyword client"
    );
    assert!(
        checks
            .iter()
            .filter(|c| c.provider != "dataforseo" && c.provider != "wordpress")
            .all(|c| matches!(c.outcome, Ok(None)))
    );
    assert_eq!(
        dfs.received_requests().await.unwrap().len(),
        2,
        "DataForSEO checked once per preflight, for two roles"
    );
}
