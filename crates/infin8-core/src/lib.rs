#![doc = include_str!("../README.md")]
//!
//! ## Modules
//! - Tenancy and errors: [`tenant`], [`error`], [`ids`], [`money`], [`page`].
//! - The domain: [`organization`], [`workflow`], [`keyword`], [`cluster`], [`approval`],
//!   [`article`], [`publish`], [`research`], [`ledger`], [`audit`].
//! - Seams: [`store`] (persistence) and [`provider`] (the outside world).
//! - [`memory`]: the in-memory store, reference semantics for every backend.
//! - [`engine`]: the pipeline engine.
//! - `testkit` (feature `testkit`): the store conformance suite.

pub mod approval;
pub mod article;
pub mod audit;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod ids;
pub mod keyword;
pub mod ledger;
pub mod memory;
pub mod money;
pub mod organization;
pub mod page;
pub mod provider;
pub mod publish;
pub mod research;
pub mod store;
pub mod tenant;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod wire;
pub mod workflow;

pub use error::{ConflictReason, Entity, Error, InvalidInput, Result};
pub use ids::*;
pub use money::Usd;
pub use store::Store;
pub use tenant::{Actor, TenantContext};
