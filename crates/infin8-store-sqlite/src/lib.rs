#![doc = include_str!("../README.md")]
//!
//! ## Modules
//! - [`SqliteStore`]: the store, implementing every `infin8_core::store` trait.
//! - [`SqliteOptions`], [`Synchronous`]: open options (busy timeout, durability, readers).
//! - [`SqliteError`], [`SqliteErrorKind`]: failures of the database file, naming its path.
//! - [`SCHEMA_VERSION`]: the newest embedded migration.

mod codec;
mod db;
mod error;
mod options;
mod schema;
mod scope;
mod store;

pub use error::{SqliteError, SqliteErrorKind};
pub use options::{SqliteOptions, Synchronous};
pub use schema::SCHEMA_VERSION;
pub use store::SqliteStore;
