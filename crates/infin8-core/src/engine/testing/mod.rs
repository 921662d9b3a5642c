//! Test support for the engine (feature `testkit`): a store wrapper that fails on demand,
//! deterministic fake providers, and a snapshot of everything a workflow produced, for comparing
//! a crashed-and-resumed run with a clean one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

pub mod fakes;
pub mod faulty_store;
pub mod guarantees;
pub mod runner;
pub mod snapshot;

pub use fakes::FakeProviders;
pub use faulty_store::{FailMode, FaultyStore};
pub use snapshot::{Snapshot, snapshot};
