//! OpenAI-compatible request and response shapes (private to the provider). Responses are
//! decoded leniently: servers omit `id`, `usage`, `finish_reason`, send `null`s and extra fields.

use crate::lenient;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A chat message on the wire.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WireMessage {
    pub(crate) role: &'static str,
    pub(crate) content: String,
}

/// `POST /chat/completions` body.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ChatRequest {
    pub(crate) model: String,
    pub(crate) messages: Vec<WireMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_tokens: Option<u32>,
    /// What OpenAI's reasoning models take instead of `max_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_format: Option<Value>,
    pub(crate) stream: bool,
}

/// `/chat/completions` response.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) model: Option<String>,
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) choices: Vec<Choice>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) usage: Option<Usage>,
}

/// One choice.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Choice {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) message: Option<ChoiceMessage>,
    /// Some servers answer in the legacy completions shape.
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) text: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) finish_reason: Option<String>,
}

/// The assistant message.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ChoiceMessage {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) content: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) refusal: Option<String>,
}

/// Token usage.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Usage {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) prompt_tokens: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) completion_tokens: Option<f64>,
}

/// `POST /embeddings` body.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EmbeddingsRequest {
    pub(crate) model: String,
    pub(crate) input: Vec<String>,
    pub(crate) encoding_format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dimensions: Option<usize>,
}

/// `/embeddings` response.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct EmbeddingsResponse {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) data: Vec<EmbeddingData>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) usage: Option<Usage>,
}

/// One vector.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct EmbeddingData {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) embedding: Vec<f32>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) index: Option<usize>,
}
