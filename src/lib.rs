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
//! Start with the README's quickstart (`cargo run --release --example quickstart`) and
//! `ARCHITECTURE.md`.

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
