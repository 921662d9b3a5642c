//! # infin8
//!
//! An embeddable Rust engine for **intent-driven SEO content pipelines**: from a business
//! description and competitor sites, through keyword research, human review, filtering,
//! hub-and-spoke topic clustering and validation, to research-grounded articles written section by
//! section and published — multi-tenant, audited, resumable after any crash, and cost-guarded.
//!
//! This crate is a thin facade that re-exports the member crates:
//!
//! | re-export | crate | feature |
//! |---|---|---|
//! | [`core`] | `infin8-core`: domain, state machine, rules, `Store` and provider traits, engine, in-memory store | always |
//! | `sqlite` | `infin8-store-sqlite`: the embedded default store | `sqlite` (default) |
//! | `postgres` | `infin8-store-postgres`: PostgreSQL with row-level security | `postgres` |
//! | `providers` | `infin8-providers`: DataForSEO, Tavily, OpenAI-compatible, WordPress, offline | `providers` (default) |
//!
//! With the `cli` feature (default) it also holds the `infin8` command's building blocks, which
//! the quickstart example shares:
//!
//! | module | what |
//! |---|---|
//! | [`config`] | `infin8.toml`: sections, humane durations, market/language names → DataForSEO codes |
//! | [`setup`] | opening the store (SQLite, or PostgreSQL with `DATABASE_URL`) and choosing providers |
//! | [`progress`] | progress bars on a terminal, plain lines otherwise; cost per step |
//! | [`snapshot`] | everything stored about one workflow, read once |
//! | [`review`] | the human gates: listing, selecting by id/pattern/all, CSV round trip |
//! | [`export`] | keywords, clusters, articles as CSV or JSON |
//! | [`report`] | the self-contained HTML report |
//!
//! Start with the README's quickstart (`cargo run --release --example quickstart`), the `infin8`
//! command (`cargo run --release -- init`) and `ARCHITECTURE.md`.

pub use infin8_core as core;
pub use infin8_core::{Error, Result, Store, TenantContext};

#[cfg(feature = "sqlite")]
pub use infin8_store_sqlite as sqlite;

#[cfg(feature = "postgres")]
pub use infin8_store_postgres as postgres;

#[cfg(feature = "providers")]
pub use infin8_providers as providers;

#[cfg(feature = "cli")]
pub mod config;
#[cfg(feature = "cli")]
pub mod export;
#[cfg(feature = "cli")]
pub mod progress;
#[cfg(feature = "cli")]
pub mod report;
#[cfg(feature = "cli")]
pub mod review;
#[cfg(feature = "cli")]
pub mod setup;
#[cfg(feature = "cli")]
pub mod snapshot;
