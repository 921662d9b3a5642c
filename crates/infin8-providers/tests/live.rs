//! Live smoke tests against the real services. Ignored by default: they need keys and cost a
//! few cents. Run with e.g. `DATAFORSEO_LOGIN=… DATAFORSEO_PASSWORD=…
//! DATAFORSEO_BASE_URL=https://sandbox.dataforseo.com cargo test -p infin8-providers --test live
//! -- --ignored dataforseo`.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use infin8_core::provider::{
    ChatMessage, CompletionRequest, Embedder, KeywordResearch, LanguageModel, Locale, Publisher,
    SuggestionsRequest, WebResearch, WebSearchRequest,
};

#[tokio::test]
#[ignore = "needs DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD (the sandbox is free)"]
async fn dataforseo_live() {
    let client = infin8_providers::dataforseo::DataForSeoClient::from_env().unwrap();
    let request = SuggestionsRequest { seed: "crm software".into(), locale: Locale::default(), limit: 5 };
    let out = client.keyword_suggestions(&request).await.unwrap();
    assert!(out.usage.requests >= 1);
}

#[tokio::test]
#[ignore = "needs TAVILY_API_KEY"]
async fn tavily_live() {
    let client = infin8_providers::tavily::TavilyClient::from_env().unwrap();
    let out = client.search(&WebSearchRequest::new("what is a crm", 3)).await.unwrap();
    assert!(!out.value.is_empty());
}

#[tokio::test]
#[ignore = "needs OPENAI_API_KEY or OPENAI_BASE_URL"]
async fn openai_live() {
    let client = infin8_providers::openai::OpenAiClient::from_env().unwrap();
    let request = CompletionRequest {
        task: "live".into(),
        messages: vec![ChatMessage::user("Say hello in one word.")],
        max_tokens: Some(20),
        ..CompletionRequest::default()
    };
    let out = client.complete(&request).await.unwrap();
    assert!(!out.value.content.is_empty());
    let vectors = client.embed(&["crm software".to_string()]).await.unwrap();
    assert_eq!(vectors.value.len(), 1);
}

#[tokio::test]
#[ignore = "needs WORDPRESS_URL, WORDPRESS_USERNAME and WORDPRESS_APP_PASSWORD (a test site)"]
async fn wordpress_live() {
    let client = infin8_providers::wordpress::WordPressClient::from_env().unwrap();
    assert_eq!(client.find_post("infin8-live-test-never-created").await.unwrap(), None);
}
