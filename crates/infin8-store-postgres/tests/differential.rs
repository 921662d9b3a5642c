//! Differential test: random operation sequences against `PgStore` and `MemoryStore` must agree
//! step by step (`infin8_core::testkit::differential`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use infin8_core::store::Store;
use infin8_core::testkit::differential::{Report, run_differential};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agrees_with_memory_store() {
    let Some(url) = common::database_url("agrees_with_memory_store") else { return };
    let db = common::TestDb::create(&url).await;
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let mut total = Report::default();
    for seed in 0..8 {
        let report = run_differential(store.clone(), seed, 250).await;
        total.merge(&report);
    }
    // The runs exercised both outcomes of the operations that matter most here.
    for op in ["transition", "reserve_usage", "upsert_keywords"] {
        let (ok, err) = total
            .ops
            .iter()
            .filter(|(k, _)| k.starts_with(op))
            .fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1));
        assert!(ok > 0, "{op} never succeeded: {:?}", total.ops);
        assert!(err > 0 || op == "upsert_keywords", "{op} never failed: {:?}", total.ops);
    }
}
