use super::{Metered, ProviderError};
use crate::money::Usd;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Who says a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    /// Instructions.
    System,
    /// The request.
    User,
    /// A previous answer.
    Assistant,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Role.
    pub role: ChatRole,
    /// Text.
    pub content: String,
}

impl ChatMessage {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: ChatRole::System, content: content.into() }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: ChatRole::User, content: content.into() }
    }
}

/// What shape the answer must have.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ResponseFormat {
    /// Free text.
    #[default]
    Text,
    /// A JSON object.
    Json,
    /// A JSON value valid against a JSON schema.
    JsonSchema {
        /// Schema name (`[a-zA-Z0-9_-]{1,64}`).
        name: String,
        /// The schema.
        schema: serde_json::Value,
    },
}

/// A chat completion request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CompletionRequest {
    /// What the engine is asking for (`"icp"`, `"subtopics"`, `"outline"`, `"section"`). Real
    /// models ignore it; offline scripted models answer by it; it is also logged.
    pub task: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Answer shape.
    pub response_format: ResponseFormat,
}

/// A completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completion {
    /// The answer text.
    pub content: String,
    /// For JSON formats: the parsed (and, with a schema, validated) answer.
    pub json: Option<serde_json::Value>,
    /// The model that answered.
    pub model: String,
    /// Why it stopped (`"stop"`, `"length"`), if said.
    pub finish_reason: Option<String>,
}

/// A chat language model.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LanguageModel: Send + Sync {
    /// The model's name, recorded in article provenance.
    fn model_name(&self) -> &str;

    /// An upper-bound estimate of the call's cost (e.g. prompt size + `max_tokens` at the
    /// model's price).
    fn estimate(&self, _request: &CompletionRequest) -> Usd {
        Usd::ZERO
    }

    /// Checks the credentials (and what they may do) with the provider's cheapest documented
    /// call, before anything is spent. `Ok(Some(what))` says what was verified, `Ok(None)` that
    /// there is nothing to check (an offline stand-in). The default checks nothing.
    ///
    /// # Errors
    /// [`ProviderError`], whose [`hint`](ProviderError::hint) names the setting to fix.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }

    /// Completes a chat. For JSON formats the answer is parsed (and checked against the schema
    /// where given) before returning.
    ///
    /// # Errors
    /// [`ProviderError`]; `Decode` if a JSON answer is not valid JSON for the schema.
    async fn complete(&self, request: &CompletionRequest) -> Result<Metered<Completion>, ProviderError>;
}
