//! The engine's guarantees on PostgreSQL. Needs `DATABASE_URL`; without it the tests skip
//! (saying so), unless `INFIN8_REQUIRE_POSTGRES=1` (CI), which turns a skip into a failure.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::panic)]

use infin8::postgres::PgStore;
use infin8_core::engine::testing::FailMode;
use infin8_core::engine::testing::guarantees::*;
use infin8_core::store::Store;
use std::sync::Arc;

async fn postgres(test: &str) -> Option<Arc<dyn Store>> {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            if std::env::var("INFIN8_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("INFIN8_REQUIRE_POSTGRES=1 but DATABASE_URL is not set");
            }
            eprintln!("skipping postgres engine test {test}: DATABASE_URL is not set");
            return None;
        }
    };
    let store = PgStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    Some(Arc::new(store))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crash_anywhere_then_resume() {
    let Some(store) = postgres("crash").await else { return };
    let checked = crash_anywhere_then_resume(store, &[FailMode::Before, FailMode::After], 7).await;
    assert!(checked > 20, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_another_worker_takes_over_only_after_the_lease_expires() {
    let Some(store) = postgres("lease").await else { return };
    another_worker_takes_over_after_the_lease(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_engines_on_one_workflow_execute_each_effect_once() {
    let Some(store) = postgres("race").await else { return };
    for _ in 0..3 {
        two_engines_race(store.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_provider_outage_fails_retryably_and_retry_resumes() {
    let Some(store) = postgres("outage").await else { return };
    provider_outage_then_retry(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cancel_during_a_step_stops_at_the_next_safe_point() {
    let Some(store) = postgres("cancel").await else { return };
    cancel_stops_at_the_next_safe_point(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_runs_every_organizations_workflows() {
    let Some(store) = postgres("worker").await else { return };
    infin8_core::engine::testing::runner::worker_runs_every_organizations_workflows(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_retries_a_temporary_failure_by_itself() {
    let Some(store) = postgres("worker retry").await else { return };
    infin8_core::engine::testing::runner::worker_retries_a_temporary_failure_by_itself(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_gives_leases_back_on_shutdown() {
    let Some(store) = postgres("worker shutdown").await else { return };
    infin8_core::engine::testing::runner::worker_gives_leases_back_on_shutdown(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_subscriber_follows_a_run_and_counters_match_the_store() {
    let Some(store) = postgres("feed").await else { return };
    // Another pool: its LISTEN connection shares nothing with the engine's, as in another process.
    let Some(other) = postgres("feed").await else { return };
    infin8_core::engine::testing::runner::a_subscriber_follows_a_run_and_counters_match_the_store(
        store, other,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_dropped_connection_is_ridden_out_in_the_same_run() {
    let Some(store) = postgres("transient").await else { return };
    let modes = [FailMode::Before, FailMode::After];
    let checked = infin8_core::engine::testing::guarantees::transient_store_failures_are_ridden_out_in_place(
        store, &modes, 23,
    )
    .await;
    assert!(checked > 20, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_worker_sweeps_an_organizations_dangling_reservations() {
    let Some(store) = postgres("sweep").await else { return };
    infin8_core::engine::testing::runner::worker_sweeps_an_organizations_dangling_reservations(store).await;
}
