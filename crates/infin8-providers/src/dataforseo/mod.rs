//! DataForSEO v3 → [`KeywordResearch`](infin8_core::provider::KeywordResearch) and
//! [`SerpResearch`](infin8_core::provider::SerpResearch).
//!
//! | trait method | endpoint |
//! |---|---|
//! | `ranked_keywords` | `POST /v3/dataforseo_labs/google/ranked_keywords/live` (paged by `offset`, ordered by volume) |
//! | `keyword_suggestions` | `POST /v3/dataforseo_labs/google/keyword_suggestions/live` (paged) |
//! | `keyword_metrics` | `POST /v3/dataforseo_labs/google/keyword_overview/live` (≤ 700 keywords per task) |
//! | `top_urls` | `POST /v3/serp/google/organic/live/advanced` |
//!
//! HTTP Basic auth; one task per live call (DataForSEO rejects more with `40000`), batching
//! through the keyword arrays inside a task. The outcome is read from the envelope's
//! `status_code` at the top and per task: rate limits (`40202`) and internal errors (`50000`) are
//! retried, balance codes are [`QuotaExhausted`](infin8_core::provider::ProviderError), a failed
//! metrics batch among good ones is logged and its keywords omitted, not fatal. Costs are the
//! envelopes' `cost`, summed over every call made (failed attempts that DataForSEO billed
//! included).

mod client;
mod config;
mod convert;
mod error;
mod wire;

pub use client::DataForSeoClient;
pub use config::{DATAFORSEO_BASE_URL, DATAFORSEO_SANDBOX_URL, DataForSeoConfig};
