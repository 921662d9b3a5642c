//! The worker's guarantees on the in-memory store (the same scenarios run on SQLite and
//! PostgreSQL from the facade crate's tests).
#![allow(clippy::unwrap_used)]

use infin8_core::engine::testing::runner::*;
use infin8_core::memory::MemoryStore;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_worker_runs_every_organizations_workflows() {
    worker_runs_every_organizations_workflows(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_worker_retries_a_temporary_failure_by_itself() {
    worker_retries_a_temporary_failure_by_itself(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_worker_gives_leases_back_on_shutdown() {
    worker_gives_leases_back_on_shutdown(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_a_subscriber_follows_a_run_and_counters_match_the_store() {
    let store = Arc::new(MemoryStore::new());
    a_subscriber_follows_a_run_and_counters_match_the_store(store.clone(), store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_worker_sweeps_an_organizations_dangling_reservations() {
    worker_sweeps_an_organizations_dangling_reservations(Arc::new(MemoryStore::new())).await;
}
