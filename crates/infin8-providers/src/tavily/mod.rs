//! Tavily → [`WebResearch`](infin8_core::provider::WebResearch): `POST /search` with search
//! depth, max results, include/exclude domains and optional raw content; results become
//! [`Source`](infin8_core::article::Source)s; the credits used (reported with `include_usage`,
//! else 1 for basic and 2 for advanced) times the configured price per credit are the cost.
//!
//! Errors: `{"detail": {"error": "…"}}` bodies, mapped by `error::kind_of_status` (the crate
//! README has the table); 401/403 → `auth`, 429 → `rate_limited` (with `Retry-After`), 432
//! (plan/key limit) and 433 (pay-as-you-go limit) → `quota_exhausted`, never retried. Only
//! successful searches are billed.

mod client;
mod config;
mod convert;
mod error;
#[cfg(test)]
mod fuzz;
mod wire;

pub use client::TavilyClient;
pub use config::{TAVILY_BASE_URL, TavilyConfig};
