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
//! `status_code` at the top and per task, mapped by `error::map_status_code` (the crate README has
//! the table): rate limits (`40202`), resubmits (`40103`) and internal errors (`5xxxx`) are
//! retried; balance and cost-limit codes (`40200`, `40203`) are quota errors, never retried; a
//! failed metrics batch among good ones is logged and its keywords omitted, not fatal. Costs are
//! the envelopes' `cost`, summed over every attempt made — failed attempts that DataForSEO billed
//! (`40101`) included, on success and on failure ([`ProviderError::billed`](infin8_core::provider::ProviderError::billed)).

mod client;
mod config;
mod convert;
mod error;
#[cfg(test)]
mod fuzz;
mod wire;

pub use client::DataForSeoClient;
pub use config::{DATAFORSEO_BASE_URL, DATAFORSEO_SANDBOX_URL, DataForSeoConfig};
