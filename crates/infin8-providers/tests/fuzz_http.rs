//! Every client, end to end over HTTP, given arbitrary response bytes with any status: a value or
//! a typed error, never a panic. (The pure decoders are fuzzed harder in each provider's `fuzz`
//! unit tests.) `PROPTEST_CASES` sets the number of cases (default here: 24 per client).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, fast_http};
use infin8_core::provider::{
    ChatMessage, CompletionRequest, Embedder, KeywordResearch, LanguageModel, Locale, PostDraft, PostStatus,
    Publisher, ResponseFormat, SuggestionsRequest, WebResearch, WebSearchRequest,
};
use infin8_providers::SecretString;
use infin8_providers::dataforseo::{DataForSeoClient, DataForSeoConfig};
use infin8_providers::openai::{OpenAiClient, OpenAiConfig};
use infin8_providers::tavily::{TavilyClient, TavilyConfig};
use infin8_providers::wordpress::{WordPressClient, WordPressConfig};
use proptest::prelude::*;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

fn response() -> impl Strategy<Value = (u16, Vec<u8>)> {
    let status = prop_oneof![Just(200_u16), Just(201), 400u16..600];
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1024),
        ".{0,200}".prop_map(String::into_bytes),
        Just(b"{\"tasks\": [{\"status_code\": 20000, \"result\": [{\"items\": [".to_vec()),
        Just(b"{\"choices\": [{\"message\": {\"content\": \"hi\"}}], \"data\": [".to_vec()),
        Just(b"<html><body>Service Unavailable</body></html>".to_vec()),
    ];
    (status, body)
}

/// Serves `(status, body)` to every request, runs `call`, and checks the outcome is typed.
fn serve<F, Fut, T>((status, body): (u16, Vec<u8>), call: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, infin8_core::provider::ProviderError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(matchers::any())
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        if let Err(e) = call(server.uri()).await {
            let _ = (e.kind(), e.to_string(), e.billed_cost(), e.hint());
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn dataforseo_never_panics(reply in response()) {
        serve(reply, |uri| async move {
            let client = DataForSeoClient::new(
                DataForSeoConfig::new("login", SecretString::from(SECRET)).with_base_url(uri).with_http(fast_http(2)),
            )
            .unwrap();
            client.keyword_suggestions(&SuggestionsRequest { seed: "crm".into(), locale: Locale::default(), limit: 5 }).await?;
            client.preflight().await.map(|_| ())
        });
    }

    #[test]
    fn tavily_never_panics(reply in response()) {
        serve(reply, |uri| async move {
            let client = TavilyClient::new(
                TavilyConfig::new(SecretString::from(SECRET)).with_base_url(uri).with_http(fast_http(2)),
            )
            .unwrap();
            client.search(&WebSearchRequest::new("crm", 5)).await?;
            client.preflight().await.map(|_| ())
        });
    }

    #[test]
    fn openai_never_panics(reply in response()) {
        serve(reply, |uri| async move {
            let client = OpenAiClient::new(
                OpenAiConfig::new(format!("{uri}/v1"), Some(SecretString::from(SECRET))).with_http(fast_http(2)),
            )
            .unwrap();
            let request = CompletionRequest {
                task: "fuzz".into(),
                messages: vec![ChatMessage::user("hi")],
                response_format: ResponseFormat::Json,
                ..CompletionRequest::default()
            };
            client.complete(&request).await?;
            client.embed(&["a".to_string(), "b".to_string()]).await?;
            LanguageModel::preflight(&client).await.map(|_| ())
        });
    }

    #[test]
    fn wordpress_never_panics(reply in response()) {
        serve(reply, |uri| async move {
            let client = WordPressClient::new(
                WordPressConfig::new(uri, "editor", SecretString::from(SECRET)).with_http(fast_http(2)),
            )
            .unwrap();
            let draft = PostDraft {
                idempotency_key: "k".into(),
                title: "T".into(),
                content_html: "<p>c</p>".into(),
                excerpt: "e".into(),
                slug: "t".into(),
                status: PostStatus::Draft,
                categories: vec!["CRM".into()],
                tags: vec![],
                meta_title: Some("T".into()),
                meta_description: Some("D".into()),
                provenance: serde_json::Value::Null,
            };
            client.find_post("k").await?;
            client.create_post(&draft).await?;
            client.preflight().await.map(|_| ())
        });
    }
}
