//! OpenAI-compatible client configuration and price table.

use crate::config::{ConfigError, VarLookup, parse_base_url, process_env, var};
use crate::http::HttpConfig;
use infin8_core::Usd;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::time::Duration;

/// OpenAI's API (the `/v1` prefix included, as for every compatible server).
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// The chat model used when none is configured.
pub const DEFAULT_CHAT_MODEL: &str = "gpt-4o-mini";
/// The embedding model used when none is configured.
pub const DEFAULT_EMBEDDING_MODEL: &str = "text-embedding-3-small";

/// A model's price in dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelPrice {
    /// Per million prompt (input) tokens.
    pub input_per_million: Usd,
    /// Per million completion (output) tokens.
    pub output_per_million: Usd,
}

impl ModelPrice {
    /// A price from dollars per million input and output tokens.
    #[must_use]
    pub fn per_million(input_dollars: f64, output_dollars: f64) -> Self {
        Self {
            input_per_million: Usd::from_dollars(input_dollars),
            output_per_million: Usd::from_dollars(output_dollars),
        }
    }

    /// The cost of a call, rounded up to the micro-dollar.
    #[must_use]
    pub fn cost(&self, prompt_tokens: u64, completion_tokens: u64) -> Usd {
        let part = |tokens: u64, per_million: Usd| -> i64 {
            let micros = i128::from(tokens) * i128::from(per_million.micros());
            i64::try_from((micros + 999_999) / 1_000_000).unwrap_or(i64::MAX)
        };
        Usd::from_micros(part(prompt_tokens, self.input_per_million))
            + Usd::from_micros(part(completion_tokens, self.output_per_million))
    }
}

/// Prices per model. A model is priced by its exact name, else by the longest configured name
/// it starts with (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`); an unknown model costs zero (self-
/// hosted servers), which is logged once per call as a warning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriceTable(BTreeMap<String, ModelPrice>);

impl PriceTable {
    /// An empty table (everything free).
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// OpenAI's list prices for common models as of late 2026 (standard tier). Check them
    /// against your contract and override with [`with`](Self::with).
    #[must_use]
    pub fn openai_defaults() -> Self {
        Self::empty()
            .with("gpt-4o-mini", ModelPrice::per_million(0.15, 0.60))
            .with("gpt-4o", ModelPrice::per_million(2.50, 10.00))
            .with("gpt-4.1-nano", ModelPrice::per_million(0.10, 0.40))
            .with("gpt-4.1-mini", ModelPrice::per_million(0.40, 1.60))
            .with("gpt-4.1", ModelPrice::per_million(2.00, 8.00))
            .with("text-embedding-3-small", ModelPrice::per_million(0.02, 0.0))
            .with("text-embedding-3-large", ModelPrice::per_million(0.13, 0.0))
            .with("text-embedding-ada-002", ModelPrice::per_million(0.10, 0.0))
    }

    /// Sets a model's price.
    #[must_use]
    pub fn with(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        self.0.insert(model.into(), price);
        self
    }

    /// The price of `model`, if known.
    #[must_use]
    pub fn price(&self, model: &str) -> Option<ModelPrice> {
        if let Some(p) = self.0.get(model) {
            return Some(*p);
        }
        self.0
            .iter()
            .filter(|(name, _)| model.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
            .map(|(_, p)| *p)
    }
}

/// How structured answers are requested. The client starts at the configured mode and steps
/// down, for the rest of its life, when a server rejects a mode (many "compatible" servers lack
/// `json_schema`); whatever the mode, the answer is extracted and validated client-side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StructuredOutput {
    /// `response_format: {"type": "json_schema", …}` (OpenAI, vLLM, llama.cpp, recent Ollama).
    JsonSchema,
    /// `response_format: {"type": "json_object"}` plus the schema in a system message.
    JsonObject,
    /// No `response_format`; the schema in a system message, JSON extracted from the text.
    PromptOnly,
}

/// How to reach an OpenAI-compatible server. `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Base URL including the version prefix (`https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` for Ollama, `http://localhost:8000/v1` for vLLM).
    pub base_url: String,
    /// API key, sent as a Bearer token; `None` for local servers that need none.
    pub api_key: Option<SecretString>,
    /// Chat model.
    pub model: String,
    /// Embedding model.
    pub embedding_model: String,
    /// Embedding dimensions to request (`dimensions`, text-embedding-3 models only) and to expect.
    pub embedding_dimensions: Option<usize>,
    /// Most texts per embeddings request.
    pub embedding_batch_size: usize,
    /// Prices.
    pub prices: PriceTable,
    /// The first structured-output mode to try.
    pub structured_output: StructuredOutput,
    /// Whether `json_schema` requests are `strict` (OpenAI then requires every property to be
    /// required and `additionalProperties: false`; a schema that is not gets a 400 and the
    /// client steps down to `json_object`).
    pub strict_schemas: bool,
    /// `max_tokens` assumed by [`estimate`](infin8_core::provider::LanguageModel::estimate) when
    /// a request sets none.
    pub estimate_max_tokens: u32,
    /// HTTP behaviour. Default: 300 s per attempt (long generations), no client-side limit.
    pub http: HttpConfig,
}

impl OpenAiConfig {
    /// A configuration for `base_url`, with default models and OpenAI's prices.
    pub fn new(base_url: impl Into<String>, api_key: Option<SecretString>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            model: DEFAULT_CHAT_MODEL.to_string(),
            embedding_model: DEFAULT_EMBEDDING_MODEL.to_string(),
            embedding_dimensions: None,
            embedding_batch_size: 256,
            prices: PriceTable::openai_defaults(),
            structured_output: StructuredOutput::JsonSchema,
            strict_schemas: false,
            estimate_max_tokens: 4096,
            http: HttpConfig::default().with_request_timeout(Duration::from_secs(300)),
        }
    }

    /// OpenAI itself.
    pub fn openai(api_key: SecretString) -> Self {
        Self::new(OPENAI_BASE_URL, Some(api_key))
    }

    /// From `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL`. A key
    /// is required unless the base URL points elsewhere than OpenAI.
    ///
    /// # Errors
    /// [`ConfigError::MissingVar`] if neither a key nor a non-OpenAI base URL is set;
    /// [`ConfigError::Invalid`] for a bad base URL.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(get: VarLookup<'_>) -> Result<Self, ConfigError> {
        let key = var(get, "OPENAI_API_KEY").map(SecretString::from);
        let base = var(get, "OPENAI_BASE_URL").unwrap_or_else(|| OPENAI_BASE_URL.to_string());
        let parsed = parse_base_url("OPENAI_BASE_URL", &base)?;
        if key.is_none() && parsed.host_str() == Some("api.openai.com") {
            return Err(ConfigError::MissingVar { name: "OPENAI_API_KEY" });
        }
        let mut config = Self::new(base, key);
        if let Some(model) = var(get, "OPENAI_MODEL") {
            config.model = model;
        }
        if let Some(model) = var(get, "OPENAI_EMBEDDING_MODEL") {
            config.embedding_model = model;
        }
        Ok(config)
    }

    /// Sets the chat model.
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the embedding model.
    #[must_use]
    pub fn with_embedding_model(mut self, model: impl Into<String>) -> Self {
        self.embedding_model = model.into();
        self
    }

    /// Sets the HTTP behaviour.
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_by_exact_name_then_longest_prefix() {
        let table = PriceTable::openai_defaults();
        assert_eq!(table.price("gpt-4o-mini-2024-07-18"), table.price("gpt-4o-mini"));
        assert_ne!(table.price("gpt-4o-2024-08-06"), table.price("gpt-4o-mini"));
        assert_eq!(table.price("llama3.1:8b"), None);
        let p = ModelPrice::per_million(0.15, 0.60);
        assert_eq!(p.cost(1_000_000, 1_000_000), Usd::from_dollars(0.75));
        assert_eq!(p.cost(19, 10).micros(), 3 + 6, "rounded up per part");
        assert_eq!(p.cost(0, 0), Usd::ZERO);
    }
}
