//! The store conformance suite, held against [`MemoryStore`].
//!
//! Run with `cargo test -p infin8-core --features testkit conformance`.

#![cfg(feature = "testkit")]

use infin8_core::memory::MemoryStore;
use infin8_core::testkit::TestStore;
use std::sync::Arc;

async fn fresh_store() -> TestStore {
    TestStore::new(Arc::new(MemoryStore::new()))
}

infin8_core::conformance_suite!(fresh_store);

/// The suite again, every scenario on ONE shared store (as a backend that hands out the same
/// database to every test would): scenarios must not depend on an empty store or on each other.
mod shared {
    use infin8_core::memory::MemoryStore;
    use infin8_core::testkit::TestStore;
    use std::sync::{Arc, OnceLock};

    async fn shared_store() -> TestStore {
        static STORE: OnceLock<MemoryStore> = OnceLock::new();
        TestStore::new(Arc::new(STORE.get_or_init(MemoryStore::new).clone()))
    }

    infin8_core::conformance_suite!(shared_store);
}

/// The differential runner agrees with itself: memory against memory over many seeds (a
/// disagreement here would be nondeterminism in `MemoryStore` or a bug in the runner), and its
/// generator reaches both the success and the failure path of every kind of write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn differential_memory_vs_memory() {
    let mut total = infin8_core::testkit::differential::Report::default();
    for seed in 0..40 {
        let backend = fresh_store().await;
        let report =
            infin8_core::testkit::differential::run_differential(backend.store.clone(), seed, 400).await;
        total.merge(&report);
    }
    for op in [
        "create_workflow",
        "transition",
        "upsert_keywords",
        "update_keywords",
        "replace_clusters",
        "record_approvals",
        "create_article",
        "upsert_section",
        "mark_published",
        "mark_publish_failed",
        "reserve_usage",
        "commit_usage",
        "release_usage",
        "hit_rate_limit",
        "put_research",
        "append_audit",
    ] {
        let (ok, err) = total.count(op);
        assert!(ok > 0 && err > 0, "{op}: {ok} ok, {err} err");
    }
    for op in ["claim_publish", "get_research", "list_keywords", "final list_keywords"] {
        assert!(total.count(op).0 > 0, "{op} never succeeded");
    }
    eprintln!("{total:#?}");
}
