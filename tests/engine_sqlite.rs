//! The engine's guarantees on the SQLite store (file-backed, WAL): crash anywhere then resume,
//! lease takeover, two engines racing, provider outage then retry, and cancel at a safe point;
//! crash anywhere then resume again with SERP-overlap clustering.
//! Run with `cargo test --test engine_sqlite`.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used)]

use infin8::sqlite::SqliteStore;
use infin8_core::engine::testing::FailMode;
use infin8_core::engine::testing::guarantees::*;
use infin8_core::store::Store;
use std::sync::Arc;

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("engine.sqlite")).await.unwrap();
    (Arc::new(store), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crash_anywhere_before_the_write_then_resume() {
    let (store, _dir) = sqlite().await;
    let checked = crash_anywhere_then_resume(store, &[FailMode::Before], 3).await;
    assert!(checked > 40, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_crash_anywhere_after_the_write_then_resume() {
    let (store, _dir) = sqlite().await;
    let checked = crash_anywhere_then_resume(store, &[FailMode::After], 3).await;
    assert!(checked > 40, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_another_worker_takes_over_only_after_the_lease_expires() {
    let (store, _dir) = sqlite().await;
    another_worker_takes_over_after_the_lease(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_two_engines_on_one_workflow_execute_each_effect_once() {
    let (store, _dir) = sqlite().await;
    for _ in 0..3 {
        two_engines_race(store.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_provider_outage_fails_retryably_and_retry_resumes() {
    let (store, _dir) = sqlite().await;
    provider_outage_then_retry(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_cancel_during_a_step_stops_at_the_next_safe_point() {
    let (store, _dir) = sqlite().await;
    cancel_stops_at_the_next_safe_point(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_serp_overlap_mode_crash_anywhere_then_resume() {
    let (store, _dir) = sqlite().await;
    let modes = [FailMode::Before, FailMode::After];
    let checked = crash_anywhere_then_resume_with(store, &modes, 5, serp_scenario_config()).await;
    assert!(checked > 40, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_runs_every_organizations_workflows() {
    let (store, _dir) = sqlite().await;
    infin8_core::engine::testing::runner::worker_runs_every_organizations_workflows(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_retries_a_temporary_failure_by_itself() {
    let (store, _dir) = sqlite().await;
    infin8_core::engine::testing::runner::worker_retries_a_temporary_failure_by_itself(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_gives_leases_back_on_shutdown() {
    let (store, _dir) = sqlite().await;
    infin8_core::engine::testing::runner::worker_gives_leases_back_on_shutdown(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_subscriber_follows_a_run_and_counters_match_the_store() {
    let (store, dir) = sqlite().await;
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("engine.sqlite")).await.unwrap());
    infin8_core::engine::testing::runner::a_subscriber_follows_a_run_and_counters_match_the_store(
        store, other,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_dropped_connection_is_ridden_out_in_the_same_run() {
    let (store, _dir) = sqlite().await;
    let modes = [FailMode::Before, FailMode::After];
    let checked = infin8_core::engine::testing::guarantees::transient_store_failures_are_ridden_out_in_place(
        store, &modes, 11,
    )
    .await;
    assert!(checked > 20, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_crash_never_separates_a_workflow_from_its_charge() {
    let (store, _dir) = sqlite().await;
    creation_and_its_charge_are_one_operation(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_worker_sweeps_an_organizations_dangling_reservations() {
    let (store, _dir) = sqlite().await;
    infin8_core::engine::testing::runner::worker_sweeps_an_organizations_dangling_reservations(store).await;
}
