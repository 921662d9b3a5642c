//! The engine's guarantees on the in-memory store: crash anywhere then resume, lease takeover,
//! and two engines racing.
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used)]

use infin8_core::engine::testing::FailMode;
use infin8_core::engine::testing::guarantees::*;
use infin8_core::memory::MemoryStore;
use infin8_core::store::Store;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_at_every_write_before_it_applies_then_resume() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let checked = crash_anywhere_then_resume(store, &[FailMode::Before], 1).await;
    assert!(checked > 100, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_at_every_write_after_it_applies_then_resume() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let checked = crash_anywhere_then_resume(store, &[FailMode::After], 1).await;
    assert!(checked > 100, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_dropped_connection_at_any_write_is_ridden_out_in_the_same_run() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let checked =
        transient_store_failures_are_ridden_out_in_place(store, &[FailMode::Before, FailMode::After], 2)
            .await;
    assert!(checked > 100, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_worker_takes_over_only_after_the_lease_expires() {
    another_worker_takes_over_after_the_lease(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_on_one_workflow_execute_each_effect_once() {
    for _ in 0..5 {
        two_engines_race(Arc::new(MemoryStore::new())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_outage_fails_retryably_and_retry_resumes() {
    provider_outage_then_retry(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_step_stops_at_the_next_safe_point() {
    cancel_stops_at_the_next_safe_point(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serp_overlap_mode_crash_at_every_write_then_resume() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let modes = [FailMode::Before, FailMode::After];
    let checked = crash_anywhere_then_resume_with(store, &modes, 1, serp_scenario_config()).await;
    assert!(checked > 200, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_never_separates_a_workflow_from_its_charge() {
    creation_and_its_charge_are_one_operation(Arc::new(MemoryStore::new())).await;
}
