//! Chat completions: [`LanguageModel`] for [`OpenAiClient`].

use super::client::{Attempts, OpenAiClient, QUIRK_MAX_COMPLETION_TOKENS, QUIRK_NO_TEMPERATURE};
use super::config::StructuredOutput;
use super::convert::{ChatAnswer, chat_answer, extract_json, parse_object};
use super::error::{PROVIDER, rejects_response_format};
use super::wire::{ChatRequest, ChatResponse, WireMessage};
use crate::http::record_call;
use crate::json_schema::validate;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::provider::{
    ChatRole, Completion, CompletionRequest, LanguageModel, Metered, ProviderError, ProviderUsage,
    ResponseFormat,
};
use serde_json::{Value, json};

const CHAT: &str = "chat/completions";

fn role(role: ChatRole) -> &'static str {
    match role {
        ChatRole::System => "system",
        ChatRole::User => "user",
        ChatRole::Assistant => "assistant",
    }
}

/// A schema name as OpenAI accepts it: `[a-zA-Z0-9_-]{1,64}`.
fn schema_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if clean.is_empty() { "answer".to_string() } else { clean }
}

fn chars_to_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4)
}

impl OpenAiClient {
    /// The request body for `request` in structured-output `mode`.
    fn chat_body(&self, request: &CompletionRequest, mode: StructuredOutput) -> ChatRequest {
        let mut instruction = None;
        let response_format = match (&request.response_format, mode) {
            (ResponseFormat::Text, _) => None,
            (ResponseFormat::Json, StructuredOutput::PromptOnly) => {
                instruction = Some("Respond with only a JSON object: no prose, no code fences.".to_string());
                None
            }
            (ResponseFormat::Json, _) => {
                // OpenAI requires the word "JSON" in the messages for json_object.
                instruction = Some("Respond with a JSON object.".to_string());
                Some(json!({"type": "json_object"}))
            }
            (ResponseFormat::JsonSchema { name, schema }, StructuredOutput::JsonSchema) => Some(json!({
                "type": "json_schema",
                "json_schema": {"name": schema_name(name), "schema": schema, "strict": self.config.strict_schemas},
            })),
            (ResponseFormat::JsonSchema { schema, .. }, mode) => {
                instruction = Some(format!(
                    "Respond with only a JSON value, no prose and no code fences, valid against this JSON Schema:\n{schema}"
                ));
                (mode == StructuredOutput::JsonObject).then(|| json!({"type": "json_object"}))
            }
        };
        let mut messages: Vec<WireMessage> = Vec::with_capacity(request.messages.len() + 1);
        if let Some(content) = instruction {
            messages.push(WireMessage { role: "system", content });
        }
        messages.extend(
            request.messages.iter().map(|m| WireMessage { role: role(m.role), content: m.content.clone() }),
        );
        let quirks = self.quirks();
        let completion_tokens = quirks & QUIRK_MAX_COMPLETION_TOKENS != 0;
        ChatRequest {
            model: self.config.model.clone(),
            messages,
            temperature: if quirks & QUIRK_NO_TEMPERATURE != 0 { None } else { request.temperature },
            max_tokens: if completion_tokens { None } else { request.max_tokens },
            max_completion_tokens: if completion_tokens { request.max_tokens } else { None },
            response_format,
            stream: false,
        }
    }

    /// Sends the request, stepping down structured-output modes the server rejects.
    async fn chat_answer(
        &self,
        request: &CompletionRequest,
        attempts: &Attempts,
    ) -> Result<ChatAnswer, ProviderError> {
        let needs_format = !matches!(request.response_format, ResponseFormat::Text);
        let mut mode = self.structured_output();
        loop {
            let body = self.chat_body(request, mode);
            let result = self
                .post(CHAT, &body, attempts, |text| {
                    let response: ChatResponse = parse_object(text)?;
                    chat_answer(&response, text)
                })
                .await;
            if let Err(e) = &result
                && let Some(quirk) = parameter_quirk(e)
                && self.learn_quirk(quirk)
            {
                tracing::warn!(provider = PROVIDER, error = %e, "the model rejected a parameter; adjusting");
                continue;
            }
            match result {
                Err(e)
                    if needs_format
                        && mode != StructuredOutput::PromptOnly
                        && rejects_response_format(&e) =>
                {
                    tracing::warn!(provider = PROVIDER, ?mode, error = %e, "server rejected the response format; stepping down");
                    self.step_down_from(mode);
                    mode = self.structured_output();
                }
                other => return other,
            }
        }
    }
}

/// The parameter adjustment a 400 asks for: OpenAI's reasoning models reject `max_tokens`
/// ("use 'max_completion_tokens' instead") and any `temperature` but the default.
fn parameter_quirk(error: &ProviderError) -> Option<u8> {
    let ProviderError::BadRequest { message, .. } = error.root() else {
        return None;
    };
    let m = message.to_lowercase();
    if m.contains("max_completion_tokens") && m.contains("max_tokens") {
        Some(QUIRK_MAX_COMPLETION_TOKENS)
    } else if m.contains("temperature") && (m.contains("unsupported") || m.contains("does not support")) {
        Some(QUIRK_NO_TEMPERATURE)
    } else {
        None
    }
}

/// The JSON of an answer, checked against the requested format.
fn answer_json(format: &ResponseFormat, answer: &ChatAnswer) -> Result<Option<Value>, ProviderError> {
    let truncated = if answer.finish_reason.as_deref() == Some("length") {
        " (the answer was cut off: finish_reason length)"
    } else {
        ""
    };
    let decode =
        |what: String| ProviderError::decode(PROVIDER, format!("{what}{truncated}"), &answer.content);
    match format {
        ResponseFormat::Text => Ok(None),
        ResponseFormat::Json => match extract_json(&answer.content) {
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(decode("the answer is JSON but not an object".to_string())),
            None => Err(decode("the answer is not JSON".to_string())),
        },
        ResponseFormat::JsonSchema { schema, .. } => {
            let value =
                extract_json(&answer.content).ok_or_else(|| decode("the answer is not JSON".to_string()))?;
            validate(schema, &value).map_err(|errors| {
                decode(format!("the answer does not match the schema: {}", errors.join("; ")))
            })?;
            Ok(Some(value))
        }
    }
}

#[async_trait]
impl LanguageModel for OpenAiClient {
    fn model_name(&self) -> &str {
        &self.config.model
    }

    /// `GET /models`: the key works and the chat model is served.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        self.check_model(&self.config.model, "OPENAI_MODEL").await
    }

    /// Prompt characters / 4 plus `max_tokens` (or the configured assumption) at the model's
    /// price; zero for an unpriced model.
    fn estimate(&self, request: &CompletionRequest) -> Usd {
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let completion = u64::from(request.max_tokens.unwrap_or(self.config.estimate_max_tokens));
        self.config
            .prices
            .price(&self.config.model)
            .map_or(Usd::ZERO, |p| p.cost(chars_to_tokens(prompt_chars), completion))
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Metered<Completion>, ProviderError> {
        if request.messages.is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "no messages").with_operation("complete"));
        }
        let prompt_chars: usize = request.messages.iter().map(|m| m.content.chars().count()).sum();
        let attempts = Attempts::new(chars_to_tokens(prompt_chars));
        let answer = self.chat_answer(request, &attempts).await.map_err(|e| {
            e.with_billed(attempts.billed(&ProviderUsage::default())).with_operation("complete")
        })?;
        let prompt_tokens = answer.prompt_tokens.unwrap_or_else(|| chars_to_tokens(prompt_chars));
        let completion_tokens =
            answer.completion_tokens.unwrap_or_else(|| chars_to_tokens(answer.content.chars().count()));
        let model = answer.model.clone().unwrap_or_else(|| self.config.model.clone());
        let usage = ProviderUsage {
            cost: self.cost(&[model.as_str(), self.config.model.as_str()], prompt_tokens, completion_tokens)
                + attempts.unusable_cost(),
            requests: attempts.requests(),
            prompt_tokens,
            completion_tokens,
            items: 1,
        };
        tracing::debug!(
            provider = PROVIDER,
            task = %request.task,
            model = %model,
            id = answer.id.as_deref().unwrap_or("-"),
            finish_reason = ?answer.finish_reason,
            "chat completion"
        );
        record_call(PROVIDER, CHAT, &usage);
        // An answer that fails its format was generated, and paid for, all the same.
        let json = answer_json(&request.response_format, &answer)
            .map_err(|e| e.with_billed(usage).with_operation("complete"))?;
        Ok(Metered::new(
            Completion { content: answer.content, json, model, finish_reason: answer.finish_reason },
            usage,
        ))
    }
}
