#![doc = include_str!("../README.md")]
//!
//! ## Modules
//! - [`dataforseo`]: DataForSEO v3 keyword research and SERP client.
//! - [`openai`]: OpenAI-compatible chat completions and embeddings client.
//! - [`tavily`]: Tavily web research client.
//! - [`wordpress`]: WordPress REST API v2 publisher.
//! - [`offline`]: deterministic, network-free providers for demos and tests.
//! - [`json_schema`]: the JSON Schema subset validator used for structured outputs.
//! - [`config`]: configuration errors.
//! - [`http`]: the HTTP layer every real client shares (timeouts, retries, rate limits).
//! - [`runtime`]: tokio implementations of the engine's sleep and blocking hooks.

pub mod config;
pub mod dataforseo;
#[cfg(test)]
mod fuzz_support;
pub mod http;
pub mod json_schema;
mod lenient;
pub mod offline;
pub mod openai;
pub mod runtime;
mod selection;
pub mod tavily;
pub mod wordpress;

pub use config::{ConfigError, VarLookup, process_env};
pub use offline::OfflineProviders;
pub use secrecy::SecretString;
pub use selection::{Backing, PROVIDER_VARIABLES, ProviderSelection, from_env, from_env_with, from_vars};
