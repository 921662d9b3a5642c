//! OpenAI-compatible contract tests against a local mock serving documented payloads.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{SECRET, assert_no_secret, fast_http, fixture, fixture_json};
use infin8_core::Usd;
use infin8_core::provider::{
    ChatMessage, CompletionRequest, Embedder, LanguageModel, ProviderError, ResponseFormat,
};
use infin8_providers::SecretString;
use infin8_providers::openai::{ModelPrice, OpenAiClient, OpenAiConfig, StructuredOutput};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CHAT: &str = "/v1/chat/completions";
const EMBED: &str = "/v1/embeddings";

fn config(server: &MockServer, attempts: u32) -> OpenAiConfig {
    OpenAiConfig::new(format!("{}/v1", server.uri()), Some(SecretString::from(SECRET)))
        .with_model("gpt-4o-mini")
        .with_http(fast_http(attempts))
}

fn client(server: &MockServer) -> OpenAiClient {
    OpenAiClient::new(config(server, 3)).unwrap()
}

fn ok(body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

fn chat_with(content: &str) -> String {
    json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
           "usage": {"prompt_tokens": 100, "completion_tokens": 20}})
    .to_string()
}

fn request(format: ResponseFormat) -> CompletionRequest {
    CompletionRequest {
        task: "subtopics".into(),
        messages: vec![
            ChatMessage::system("You plan articles."),
            ChatMessage::user("Subtopics for \"crm software\"."),
        ],
        temperature: Some(0.3),
        max_tokens: Some(400),
        response_format: format,
    }
}

fn subtopics_schema() -> ResponseFormat {
    ResponseFormat::JsonSchema {
        name: "sub topics!".into(),
        schema: json!({"type": "object", "required": ["subtopics"], "additionalProperties": false,
                       "properties": {"subtopics": {"type": "array", "minItems": 2, "items": {"type": "string"}}}}),
    }
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn chat_parses_the_documented_response_with_usage_and_cost() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHAT))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .respond_with(ok(fixture("openai/chat_completions.default.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let out = client.complete(&request(ResponseFormat::Text)).await.unwrap();
    assert_eq!(out.value.content, "Hello! How can I assist you today?");
    assert_eq!(out.value.finish_reason.as_deref(), Some("stop"));
    assert_eq!(out.value.model, "gpt-5.4");
    assert_eq!(out.value.json, None);
    assert_eq!((out.usage.prompt_tokens, out.usage.completion_tokens), (19, 10));
    // gpt-5.4 is not priced: the configured model's price applies (0.15/0.60 per million).
    assert_eq!(out.usage.cost, ModelPrice::per_million(0.15, 0.60).cost(19, 10));
    assert_eq!(out.usage.requests, 1);
    let sent = body_of(&server.received_requests().await.unwrap()[0]);
    insta::assert_json_snapshot!("openai_chat_text_request", sent);
    assert!(LanguageModel::estimate(&client, &request(ResponseFormat::Text)) > Usd::ZERO);
}

#[tokio::test]
async fn lenient_about_what_compatible_servers_send() {
    let server = MockServer::start().await;
    // llama.cpp / Ollama style: no id, no usage, finish_reason null.
    Mock::given(path(CHAT))
        .respond_with(ok(r#"{"object":"chat.completion","choices":[{"message":{"content":"Fine."},"finish_reason":null}]}"#))
        .mount(&server)
        .await;
    let cfg = OpenAiConfig::new(format!("{}/v1", server.uri()), None)
        .with_model("llama3.1:8b")
        .with_http(fast_http(1));
    let local = OpenAiClient::new(cfg).unwrap();
    let out = local.complete(&request(ResponseFormat::Text)).await.unwrap();
    assert_eq!(out.value.content, "Fine.");
    assert_eq!(out.value.finish_reason, None);
    assert_eq!(out.value.model, "llama3.1:8b");
    assert!(out.usage.prompt_tokens > 0, "estimated from characters");
    assert_eq!(out.usage.completion_tokens, 2);
    assert_eq!(out.usage.cost, Usd::ZERO, "a local model has no price");
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("authorization").is_none(), "no key, no header");
}

#[tokio::test]
async fn json_schema_answers_are_validated() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .and(body_string_contains("json_schema"))
        .respond_with(ok(chat_with(r#"{"subtopics": ["crm pricing", "crm for startups"]}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let out = client(&server).complete(&request(subtopics_schema())).await.unwrap();
    assert_eq!(out.value.json.unwrap()["subtopics"][1], "crm for startups");
    let sent = body_of(&server.received_requests().await.unwrap()[0]);
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(sent["response_format"]["json_schema"]["name"], "sub_topics_");
    insta::assert_json_snapshot!("openai_chat_json_schema_request", sent);
}

#[tokio::test]
async fn unsupported_json_schema_steps_down_and_extracts_json_from_text() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .and(body_string_contains("\"json_schema\""))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "object": "error", "message": "response_format type json_schema is not supported by this server",
            "type": "BadRequestError", "param": null, "code": 400})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(CHAT))
        .and(body_string_contains("json_object"))
        .respond_with(ok(chat_with(
            "Sure! Here you go:\n```json\n{\"subtopics\": [\"a\", \"b\", \"c\"]}\n```",
        )))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let out = client.complete(&request(subtopics_schema())).await.unwrap();
    assert_eq!(out.value.json.unwrap()["subtopics"].as_array().unwrap().len(), 3);
    assert_eq!(out.usage.requests, 2);
    assert_eq!(client.structured_output(), StructuredOutput::JsonObject);
    // The next call goes straight to json_object, with the schema in a system message.
    let out = client.complete(&request(subtopics_schema())).await.unwrap();
    assert_eq!(out.usage.requests, 1);
    let last = body_of(server.received_requests().await.unwrap().last().unwrap());
    assert!(last["messages"][0]["content"].as_str().unwrap().contains("JSON Schema"));
}

#[tokio::test]
async fn an_answer_that_breaks_the_schema_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ok(chat_with(r#"{"subtopics": ["only one"]}"#)))
        .mount(&server)
        .await;
    let err = client(&server).complete(&request(subtopics_schema())).await.unwrap_err();
    match err.root() {
        ProviderError::Decode { message, .. } => assert!(message.contains("fewer than 2 items"), "{message}"),
        other => panic!("{other:?}"),
    }
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ok(chat_with("I think the subtopics are pricing and setup.")))
        .mount(&server)
        .await;
    let err = self::client(&server).complete(&request(ResponseFormat::Json)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Decode { .. }));
}

#[tokio::test]
async fn insufficient_quota_is_quota_and_not_retried() {
    let server = MockServer::start().await;
    let sample = fixture_json("openai/errors.samples.json")["openai_429_insufficient_quota"]["body"].clone();
    Mock::given(path(CHAT))
        .respond_with(ResponseTemplate::new(429).set_body_json(sample))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).complete(&request(ResponseFormat::Text)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::QuotaExhausted { .. }), "{err:?}");
}

#[tokio::test]
async fn rate_limit_with_retry_after_ms_then_success() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "300").set_body_json(json!({
            "error": {"message": "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3. Please try again in 20s.",
                      "type": "requests", "param": null, "code": "rate_limit_exceeded"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(CHAT))
        .respond_with(ok(fixture("openai/chat_completions.default.response.json")))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let out = client(&server).complete(&request(ResponseFormat::Text)).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(280) && waited < Duration::from_secs(5),
        "retry-after-ms wins: {waited:?}"
    );
    assert_eq!(out.usage.requests, 2);
}

#[tokio::test]
async fn vllm_flat_errors_and_auth_errors_keep_the_message() {
    let server = MockServer::start().await;
    let bodies = fixture_json("openai/errors.samples.json")["vllm_400_flat_error_object"]["bodies"].clone();
    Mock::given(path(CHAT))
        .respond_with(ResponseTemplate::new(400).set_body_json(bodies[0].clone()))
        .mount(&server)
        .await;
    match client(&server).complete(&request(ResponseFormat::Text)).await.unwrap_err().root() {
        ProviderError::BadRequest { message, .. } => {
            assert_eq!(message, "max_tokens must be at least 1, got -53.")
        }
        other => panic!("{other:?}"),
    }
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "Incorrect API key provided: s3cr3t-Pa***LEAK.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})))
        .expect(1)
        .mount(&server)
        .await;
    let client = self::client(&server);
    let err = client.complete(&request(ResponseFormat::Text)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Auth { .. }));
    assert_no_secret(&format!("{err} {err:?} {client:?} {:?}", config(&server, 1)));
}

#[tokio::test]
async fn html_5xx_burst_then_success_timeout_and_malformed_json() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_raw("<html><body>Service Unavailable</body></html>", "text/html"),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path(CHAT))
        .respond_with(ok(fixture("openai/chat_completions.default.response.json")))
        .mount(&server)
        .await;
    let out = OpenAiClient::new(config(&server, 4))
        .unwrap()
        .complete(&request(ResponseFormat::Text))
        .await
        .unwrap();
    assert_eq!(out.usage.requests, 3);

    let slow = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(
            ok(fixture("openai/chat_completions.default.response.json")).set_delay(Duration::from_secs(4)),
        )
        .expect(2)
        .mount(&slow)
        .await;
    let err = OpenAiClient::new(config(&slow, 2))
        .unwrap()
        .complete(&request(ResponseFormat::Text))
        .await
        .unwrap_err();
    assert!(matches!(err.root(), ProviderError::Timeout { .. }), "{err:?}");

    // A truncated 2xx is retried a bounded number of times (here: all 3 attempts).
    let broken = MockServer::start().await;
    Mock::given(path(CHAT)).respond_with(ok("{\"choices\": [{\"message\": ")).expect(3).mount(&broken).await;
    let err = self::client(&broken).complete(&request(ResponseFormat::Text)).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Decode { .. }), "{err:?}");
    assert!(!err.is_retryable());
    assert!(err.billed_cost() > Usd::ZERO, "the server answered 2xx: it generated, and billed, something");

    let error_200 = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ok(r#"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}"#))
        .mount(&error_200)
        .await;
    let err = self::client(&error_200).complete(&request(ResponseFormat::Text)).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test]
async fn embeddings_parse_the_documented_sample() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(EMBED))
        .respond_with(ok(fixture("openai/embeddings.response.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let out = client.embed(&["The food was delicious and the waiter...".to_string()]).await.unwrap();
    assert_eq!(out.value, vec![vec![0.002_306_425_5, -0.009_327_292, -0.002_884_222_2]]);
    assert_eq!(out.usage.prompt_tokens, 8);
    assert_eq!(Embedder::model_name(&client), "text-embedding-3-small");
    assert_eq!(out.usage.cost, ModelPrice::per_million(0.02, 0.0).cost(8, 0));
    let sent = body_of(&server.received_requests().await.unwrap()[0]);
    insta::assert_json_snapshot!("openai_embeddings_request", sent);
}

/// Answers each embeddings batch with one vector per input, in reverse order, each vector
/// encoding the input's number.
struct ReversedEmbeddings;

impl wiremock::Respond for ReversedEmbeddings {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let inputs = body["input"].as_array().unwrap();
        let mut data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let n: f32 = text.as_str().unwrap().trim_start_matches("text ").parse().unwrap_or(-1.0);
                json!({"object": "embedding", "index": i, "embedding": [n, 1.0]})
            })
            .collect();
        data.reverse();
        ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data, "model": "m", "usage": {"prompt_tokens": 3, "total_tokens": 3}}))
    }
}

#[tokio::test]
async fn embeddings_batch_and_keep_input_order() {
    let server = MockServer::start().await;
    Mock::given(path(EMBED)).respond_with(ReversedEmbeddings).expect(3).mount(&server).await;
    let mut cfg = config(&server, 1);
    cfg.embedding_batch_size = 2;
    let client = OpenAiClient::new(cfg).unwrap();
    let texts: Vec<String> = (0..5).map(|i| format!("text {i}")).collect();
    let out = client.embed(&texts).await.unwrap();
    let firsts: Vec<f32> = out.value.iter().map(|v| v[0]).collect();
    assert_eq!(firsts, [0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(out.usage.requests, 3);
    assert_eq!(out.usage.prompt_tokens, 9);
    let empty = client.embed(&[]).await.unwrap();
    assert!(empty.value.is_empty());
    assert_eq!(empty.usage.requests, 0);
}

#[tokio::test]
async fn embeddings_with_missing_vectors_or_wrong_dimensions_fail() {
    let server = MockServer::start().await;
    Mock::given(path(EMBED))
        .respond_with(ok(r#"{"data":[{"embedding":[1,2],"index":0}],"usage":{"prompt_tokens":2}}"#))
        .mount(&server)
        .await;
    let err = client(&server).embed(&["a".to_string(), "b".to_string()]).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Decode { .. }), "{err:?}");
    let mut cfg = config(&server, 1);
    cfg.embedding_dimensions = Some(3);
    let err = OpenAiClient::new(cfg).unwrap().embed(&["a".to_string()]).await.unwrap_err();
    assert!(matches!(err.root(), ProviderError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn reasoning_model_parameter_errors_are_adjusted_once_and_remembered() {
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .and(body_string_contains("\"max_tokens\""))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(CHAT))
        .and(body_string_contains("\"temperature\""))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Unsupported value: 'temperature' does not support 0.3 with this model. Only the default (1) value is supported.",
            "type": "invalid_request_error", "param": "temperature", "code": "unsupported_value"}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(CHAT))
        .respond_with(ok(fixture("openai/chat_completions.default.response.json")))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let out = client.complete(&request(ResponseFormat::Text)).await.unwrap();
    assert_eq!(out.usage.requests, 3);
    let out = client.complete(&request(ResponseFormat::Text)).await.unwrap();
    assert_eq!(out.usage.requests, 1, "learned");
    let last = body_of(server.received_requests().await.unwrap().last().unwrap());
    assert_eq!(last["max_completion_tokens"], 400);
    assert!(last.get("max_tokens").is_none() && last.get("temperature").is_none());
}

/// Which OpenAI-compatible responses are billed (OpenAI bills the tokens of every completion it
/// generates): a 2xx, at its `usage` tokens priced by the table — including an answer we cannot
/// use (one that fails its JSON schema, a refusal, a truncated body); an embedding call failing
/// at a later batch still paid for the earlier ones; never an error status (400, 401, 429, 5xx).
#[tokio::test]
async fn billed_responses_are_generated_answers_even_unusable_ones() {
    let price = ModelPrice::per_million(0.15, 0.60);
    let paid = price.cost(100, 20);

    // An answer that breaks its schema was generated: billed.
    let server = MockServer::start().await;
    Mock::given(path(CHAT))
        .respond_with(ok(chat_with(r#"{"subtopics": ["only one"]}"#)))
        .mount(&server)
        .await;
    let err = client(&server).complete(&request(subtopics_schema())).await.unwrap_err();
    assert_eq!(err.kind(), infin8_core::provider::ProviderErrorKind::Decode);
    assert_eq!(err.billed_cost(), paid);
    assert_eq!(err.billed().unwrap().prompt_tokens, 100);

    // A refusal is a 2xx with usage: billed too.
    let server = MockServer::start().await;
    let refusal = json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}}],
                         "usage": {"prompt_tokens": 100, "completion_tokens": 20}});
    Mock::given(path(CHAT)).respond_with(ok(refusal.to_string())).mount(&server).await;
    let err = client(&server).complete(&request(ResponseFormat::Text)).await.unwrap_err();
    assert_eq!(err.billed_cost(), paid, "{err}");

    // Error statuses are not billed.
    for status in [400_u16, 401, 429, 500] {
        let server = MockServer::start().await;
        Mock::given(path(CHAT))
            .respond_with(ResponseTemplate::new(status).set_body_json(
                json!({"error": {"message": "no", "type": "invalid_request_error", "param": null, "code": null}}),
            ))
            .mount(&server)
            .await;
        let err = OpenAiClient::new(config(&server, 1))
            .unwrap()
            .complete(&request(ResponseFormat::Text))
            .await
            .unwrap_err();
        assert!(err.billed().is_none(), "{status}: {err}");
    }

    // Embeddings: batch 1 paid, batch 2 failed.
    let server = MockServer::start().await;
    Mock::given(path(EMBED))
        .and(body_string_contains("\"a\""))
        .respond_with(ok(json!({"data": [{"index": 0, "embedding": [0.1, 0.2]}],
                                 "usage": {"prompt_tokens": 1_000_000}})
        .to_string()))
        .mount(&server)
        .await;
    Mock::given(path(EMBED)).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let mut cfg = config(&server, 1);
    cfg.embedding_batch_size = 1;
    let err = OpenAiClient::new(cfg).unwrap().embed(&["a".to_string(), "b".to_string()]).await.unwrap_err();
    assert_eq!(err.operation(), Some("embed"));
    assert_eq!(err.billed_cost(), Usd::from_micros(20_000), "1M tokens of text-embedding-3-small");
}
