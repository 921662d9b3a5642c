#![doc = include_str!("../README.md")]
//!
//! ## Modules
//! - [`store`]: [`PgStore`], connecting, migrating, the tenant transaction.
//! - One private module per aggregate implements its `infin8_core::store` trait:
//!   organizations, workflows, keywords, clusters, approvals, articles, publishing, research
//!   cache, usage and rate limits, audit.

mod approval;
mod article;
mod audit;
mod cluster;
mod error;
mod keyword;
mod organization;
mod publish;
mod research;
mod rows;
pub mod store;
mod usage;
mod workflow;

/// The sqlx this crate is built with, so hosts can build the pool for
/// [`PgStore::from_pool`] without a version mismatch.
pub use sqlx;
pub use store::{APP_ROLE, MIGRATOR, PgStore, TENANT_SETTING};
