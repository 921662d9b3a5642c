//! The OpenAI-compatible client: shared state and the one way it posts.

use super::config::{OpenAiConfig, StructuredOutput};
use super::error::{PROVIDER, map_error};
use crate::config::{ConfigError, parse_base_url};
use crate::http::{HttpClient, Idempotency};
use infin8_core::Usd;
use infin8_core::provider::{ProviderError, ProviderErrorKind, ProviderUsage};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU32, Ordering};

/// An OpenAI-compatible server: [`LanguageModel`](infin8_core::provider::LanguageModel) (chat
/// completions) and [`Embedder`](infin8_core::provider::Embedder) (embeddings) in one client.
///
/// ```no_run
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// // OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_EMBEDDING_MODEL
/// let client = infin8_providers::openai::OpenAiClient::from_env()?;
/// // Or a local Ollama, no key:
/// use infin8_providers::openai::{OpenAiClient, OpenAiConfig};
/// let ollama = OpenAiClient::new(
///     OpenAiConfig::new("http://localhost:11434/v1", None)
///         .with_model("llama3.1:8b")
///         .with_embedding_model("nomic-embed-text"),
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OpenAiClient {
    http: HttpClient,
    base: url::Url,
    api_key: Option<SecretString>,
    pub(crate) config: OpenAiConfig,
    /// The lowest structured-output mode this server has shown it accepts so far.
    structured_mode: Arc<AtomicU8>,
    /// Parameter adjustments the model has asked for ([`QUIRK_MAX_COMPLETION_TOKENS`],
    /// [`QUIRK_NO_TEMPERATURE`]).
    quirks: Arc<AtomicU8>,
}

/// The model wants `max_completion_tokens` instead of `max_tokens` (OpenAI reasoning models).
pub(crate) const QUIRK_MAX_COMPLETION_TOKENS: u8 = 1;
/// The model accepts no `temperature` but its default (OpenAI reasoning models).
pub(crate) const QUIRK_NO_TEMPERATURE: u8 = 2;

impl std::fmt::Debug for OpenAiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiClient")
            .field("base_url", &self.base.as_str())
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("model", &self.config.model)
            .field("embedding_model", &self.config.embedding_model)
            .finish_non_exhaustive()
    }
}

pub(crate) fn mode_to_u8(mode: StructuredOutput) -> u8 {
    match mode {
        StructuredOutput::JsonSchema => 0,
        StructuredOutput::JsonObject => 1,
        StructuredOutput::PromptOnly => 2,
    }
}

pub(crate) fn mode_from_u8(n: u8) -> StructuredOutput {
    match n {
        0 => StructuredOutput::JsonSchema,
        1 => StructuredOutput::JsonObject,
        _ => StructuredOutput::PromptOnly,
    }
}

impl OpenAiClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] if the base URL or a model name is invalid, or the HTTP client cannot be
    /// built.
    pub fn new(config: OpenAiConfig) -> Result<Self, ConfigError> {
        let base = parse_base_url("OPENAI_BASE_URL", &config.base_url)?;
        if config.model.trim().is_empty() {
            return Err(ConfigError::invalid("OPENAI_MODEL", "empty"));
        }
        if config.embedding_model.trim().is_empty() {
            return Err(ConfigError::invalid("OPENAI_EMBEDDING_MODEL", "empty"));
        }
        let http = HttpClient::new(PROVIDER, &config.http)?;
        let structured_mode = Arc::new(AtomicU8::new(mode_to_u8(config.structured_output)));
        Ok(Self {
            http,
            base,
            api_key: config.api_key.clone(),
            config,
            structured_mode,
            quirks: Arc::new(AtomicU8::new(0)),
        })
    }

    /// A client configured from the environment (see [`OpenAiConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] if a variable is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(OpenAiConfig::from_env()?)
    }

    /// The structured-output mode the next JSON request starts with.
    #[must_use]
    pub fn structured_output(&self) -> StructuredOutput {
        mode_from_u8(self.structured_mode.load(Ordering::Relaxed))
    }

    /// The parameter adjustments learned so far.
    pub(crate) fn quirks(&self) -> u8 {
        self.quirks.load(Ordering::Relaxed)
    }

    /// Remembers a parameter adjustment; whether it is new.
    pub(crate) fn learn_quirk(&self, quirk: u8) -> bool {
        self.quirks.fetch_or(quirk, Ordering::Relaxed) & quirk == 0
    }

    /// Remembers that the server rejected `mode`.
    pub(crate) fn step_down_from(&self, mode: StructuredOutput) {
        self.structured_mode.fetch_max(mode_to_u8(mode).saturating_add(1).min(2), Ordering::Relaxed);
    }

    /// The price of tokens of `model` (or of the configured chat model, if `model` is unknown).
    pub(crate) fn cost(&self, models: &[&str], prompt_tokens: u64, completion_tokens: u64) -> Usd {
        match models.iter().find_map(|m| self.config.prices.price(m)) {
            Some(price) => price.cost(prompt_tokens, completion_tokens),
            None => {
                tracing::warn!(provider = PROVIDER, models = ?models, "no price for this model: cost recorded as zero");
                Usd::ZERO
            }
        }
    }

    /// Posts a JSON body to `path` (relative to the base URL) and parses a success with `parse`.
    /// Counts attempts, and what 2xx answers that could not be used cost, in `attempts`.
    pub(crate) async fn post<B: Serialize + Sync, T>(
        &self,
        path: &'static str,
        body: &B,
        attempts: &Attempts,
        parse: impl Fn(&str) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        self.http
            .execute(
                path,
                Idempotency::Idempotent,
                |client| {
                    attempts.sent.fetch_add(1, Ordering::Relaxed);
                    let request = client.post(url.clone()).json(body);
                    match &self.api_key {
                        Some(key) => request.bearer_auth(key.expose_secret()),
                        None => request,
                    }
                },
                |reply| {
                    if !reply.is_success() {
                        return Err(map_error(reply.status, reply.retry_after, &reply.body));
                    }
                    if let Some(error) = error_in_success(&reply.body) {
                        return Err(error);
                    }
                    parse(&reply.body).inspect_err(|_| {
                        // The server answered 2xx: it processed (and bills) the request even
                        // though the answer is unusable to us.
                        attempts.add_unusable(self.cost_of_unusable(&reply.body, attempts.prompt_tokens));
                    })
                },
            )
            .await
    }

    /// `GET {base}/models` (free): the key works and the server serves `model`. A model missing
    /// from a list of several is an error (`variable` names the setting); a server listing one
    /// model (llama.cpp's, which answers to any name) or none is given the benefit of the doubt.
    pub(crate) async fn check_model(
        &self,
        model: &str,
        variable: &str,
    ) -> Result<Option<String>, ProviderError> {
        let url = self
            .base
            .join("models")
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        let listed: Vec<String> = self
            .http
            .execute(
                "models",
                Idempotency::Idempotent,
                |client| {
                    let request = client.get(url.clone());
                    match &self.api_key {
                        Some(key) => request.bearer_auth(key.expose_secret()),
                        None => request,
                    }
                },
                |reply| {
                    if !reply.is_success() {
                        let error = map_error(reply.status, reply.retry_after, &reply.body);
                        return Err(if error.kind() == ProviderErrorKind::NotFound {
                            error.with_hint(
                                "check OPENAI_BASE_URL: it must include the version prefix, e.g. /v1",
                            )
                        } else {
                            error
                        });
                    }
                    let value: serde_json::Value = serde_json::from_str(&reply.body).map_err(|e| {
                        ProviderError::decode(PROVIDER, format!("invalid json: {e}"), &reply.body)
                    })?;
                    Ok(value
                        .get("data")
                        .and_then(serde_json::Value::as_array)
                        .map(|models| {
                            models
                                .iter()
                                .filter_map(|m| m.get("id").and_then(serde_json::Value::as_str))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default())
                },
            )
            .await
            .map_err(|e| e.with_operation("preflight"))?;
        let served =
            listed.iter().any(|id| id == model || id.strip_prefix(model).is_some_and(|t| t.starts_with(':')));
        if !served && listed.len() > 1 {
            let shown: Vec<&str> = listed.iter().take(8).map(String::as_str).collect();
            return Err(ProviderError::not_found(
                PROVIDER,
                format!("the server does not list the model {model:?} (it lists {})", shown.join(", ")),
            )
            .with_operation("preflight")
            .with_hint(format!("set {variable} to a model the server at OPENAI_BASE_URL serves")));
        }
        Ok(Some(if served {
            format!("model {model} served")
        } else {
            format!("model {model} not listed by the server; it may still answer to it")
        }))
    }

    /// What an unusable 2xx answer cost: its `usage` priced, when it says; else the prompt's
    /// estimated tokens and the body's length / 4 as completion tokens.
    fn cost_of_unusable(&self, body: &str, prompt_estimate: u64) -> Usd {
        let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let tokens = |name: &str| {
            value
                .pointer(&format!("/usage/{name}"))
                .and_then(serde_json::Value::as_f64)
                .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e15)
                .map(|t| t.round() as u64)
        };
        let prompt = tokens("prompt_tokens").unwrap_or(prompt_estimate);
        let completion =
            tokens("completion_tokens").unwrap_or_else(|| (body.chars().count() as u64).div_ceil(4));
        let model = value.get("model").and_then(serde_json::Value::as_str).unwrap_or_default();
        self.cost(
            &[model, self.config.model.as_str(), self.config.embedding_model.as_str()],
            prompt,
            completion,
        )
    }
}

/// The requests of one trait call, and what its unusable 2xx answers cost.
#[derive(Debug, Default)]
pub(crate) struct Attempts {
    /// Requests sent.
    pub(crate) sent: AtomicU32,
    /// Micro-dollars billed for 2xx answers that could not be used.
    unusable_micros: AtomicI64,
    /// The prompt's estimated tokens (for pricing an answer that does not say).
    pub(crate) prompt_tokens: u64,
}

impl Attempts {
    /// Attempts of a call whose prompt is about `prompt_tokens` tokens.
    pub(crate) fn new(prompt_tokens: u64) -> Self {
        Self { prompt_tokens, ..Self::default() }
    }

    fn add_unusable(&self, cost: Usd) {
        self.unusable_micros.fetch_add(cost.micros(), Ordering::Relaxed);
    }

    /// Requests sent so far.
    pub(crate) fn requests(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    /// What unusable 2xx answers cost so far.
    pub(crate) fn unusable_cost(&self) -> Usd {
        Usd::from_micros(self.unusable_micros.load(Ordering::Relaxed))
    }

    /// The usage billed for a call that failed: the unusable answers, plus `paid` (work already
    /// done and billed, e.g. earlier embedding batches).
    pub(crate) fn billed(&self, paid: &ProviderUsage) -> ProviderUsage {
        let mut usage = *paid;
        usage.cost += self.unusable_cost();
        usage.requests = self.requests();
        usage
    }
}

/// Some servers answer an error with HTTP 200 and an error body (`{"error": …}` or vLLM's
/// `{"object": "error", …}`).
fn error_in_success(body: &str) -> Option<ProviderError> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let flagged = value.get("object").and_then(serde_json::Value::as_str) == Some("error")
        || (value.get("error").is_some_and(|e| !e.is_null())
            && value.get("choices").is_none()
            && value.get("data").is_none());
    flagged.then(|| map_error(200, None, body))
}
