//! OpenAI-compatible chat completions and embeddings →
//! [`LanguageModel`](infin8_core::provider::LanguageModel) and
//! [`Embedder`](infin8_core::provider::Embedder).
//!
//! Works unchanged against OpenAI, Ollama (`http://localhost:11434/v1`), vLLM, llama.cpp's
//! `llama-server`, LiteLLM and other compatible servers: point `base_url` at them.
//!
//! - `POST {base}/chat/completions`: messages, temperature, `max_tokens`; JSON answers through
//!   `response_format` `json_schema` where the server supports it, stepping down to
//!   `json_object` and then to a prompt instruction when it does not (see
//!   [`StructuredOutput`]); the answer is always extracted from the text and validated against the
//!   schema client-side. Lenient about what compatible servers really send: `finish_reason` null
//!   or empty, no `usage` (tokens are then estimated as characters / 4), no `id`, vLLM's flat
//!   `{"object": "error"}` bodies, HTML error pages.
//! - `POST {base}/embeddings`: batched, order restored by `index`, dimensions checked.
//! - Costs: tokens from the response priced with a configurable [`PriceTable`].
//! - A 429 whose body says `insufficient_quota` is [`QuotaExhausted`](infin8_core::provider::ProviderError)
//!   and never retried; other 429s honour `retry-after-ms`, `Retry-After`, or the "try again in
//!   644ms" hint of the message.

mod chat;
mod client;
mod config;
mod convert;
mod embeddings;
mod error;
#[cfg(test)]
mod fuzz;
mod wire;

pub use client::OpenAiClient;
pub use config::{
    DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, ModelPrice, OPENAI_BASE_URL, OpenAiConfig, PriceTable,
    StructuredOutput,
};
