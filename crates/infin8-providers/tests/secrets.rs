//! Secrets never reach `Debug`, `Display`, errors or `tracing` output; fixtures hold no
//! credentials.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http};
use infin8_core::provider::{
    ChatMessage, CompletionRequest, KeywordResearch, LanguageModel, PostDraft, PostStatus, Publisher,
    SuggestionsRequest, WebResearch, WebSearchRequest,
};
use infin8_providers::SecretString;
use infin8_providers::dataforseo::{DataForSeoClient, DataForSeoConfig};
use infin8_providers::openai::{OpenAiClient, OpenAiConfig};
use infin8_providers::tavily::{TavilyClient, TavilyConfig};
use infin8_providers::wordpress::{WordPressClient, WordPressConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Every request fails once with a retryable error that echoes nothing, then with 401.
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(503)).up_to_n_times(4).mount(&server).await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_string("{\"message\": \"denied\"}"))
        .mount(&server)
        .await;
    let secret = || SecretString::from(SECRET);
    let dfs_config =
        DataForSeoConfig::new("login", secret()).with_base_url(server.uri()).with_http(fast_http(2));
    let tavily_config = TavilyConfig::new(secret()).with_base_url(server.uri()).with_http(fast_http(2));
    let openai_config =
        OpenAiConfig::new(format!("{}/v1", server.uri()), Some(secret())).with_http(fast_http(2));
    let wp_config = WordPressConfig::new(server.uri(), "editor", secret()).with_http(fast_http(2));
    let dfs = DataForSeoClient::new(dfs_config.clone()).unwrap();
    let tavily = TavilyClient::new(tavily_config.clone()).unwrap();
    let openai = OpenAiClient::new(openai_config.clone()).unwrap();
    let wp = WordPressClient::new(wp_config.clone()).unwrap();

    let mut errors = Vec::new();
    errors.push(
        dfs.keyword_suggestions(&SuggestionsRequest {
            seed: "crm".into(),
            locale: Default::default(),
            limit: 5,
        })
        .await
        .unwrap_err(),
    );
    errors.push(tavily.search(&WebSearchRequest::new("crm", 5)).await.unwrap_err());
    let request =
        CompletionRequest { messages: vec![ChatMessage::user("hi")], ..CompletionRequest::default() };
    errors.push(openai.complete(&request).await.unwrap_err());
    let draft = PostDraft {
        idempotency_key: "k".into(),
        title: "t".into(),
        content_html: "<p>c</p>".into(),
        excerpt: "e".into(),
        slug: "s".into(),
        status: PostStatus::Draft,
        categories: vec![],
        tags: vec![],
        meta_title: None,
        meta_description: None,
        provenance: serde_json::Value::Null,
    };
    errors.push(wp.create_post(&draft).await.unwrap_err());

    let mut everything = String::new();
    for e in &errors {
        everything.push_str(&format!("{e}\n{e:?}\n"));
    }
    everything.push_str(&format!(
        "{dfs:?}{tavily:?}{openai:?}{wp:?}{dfs_config:?}{tavily_config:?}{openai_config:?}{wp_config:?}"
    ));
    assert_no_secret(&everything);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("provider_request"), "spans were recorded: {logs}");
    assert!(logs.contains("retrying provider request"), "retries were logged: {logs}");
    assert_no_secret(&logs);
    // The Basic/Bearer header values never appear either.
    assert!(!logs.to_lowercase().contains("authorization"), "{logs}");
}

/// Looks for things shaped like credentials in every fixture.
#[test]
fn fixtures_hold_no_credentials() {
    let root = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![std::path::PathBuf::from(root)];
    let mut scanned = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            scanned += 1;
            for (i, _) in text.match_indices("sk-") {
                let tail: String = text[i + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                assert!(tail.len() < 20, "{}: an OpenAI-like key", path.display());
            }
            for (i, _) in text.match_indices("tvly-") {
                let tail: String = text[i + 5..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                assert!(tail.len() < 16, "{}: a Tavily-like key", path.display());
            }
            let lower = text.to_lowercase();
            assert!(!lower.contains("authorization: basic"), "{}: an auth header", path.display());
            assert!(!lower.contains("authorization: bearer"), "{}: an auth header", path.display());
            assert!(!text.contains("AKIA"), "{}: an AWS key id", path.display());
            assert!(!lower.contains("\"password\":"), "{}: a password field", path.display());
        }
    }
    assert!(scanned >= 10, "scanned {scanned} fixtures");
}
