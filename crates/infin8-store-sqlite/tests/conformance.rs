//! The store conformance suite, run against a file-backed `SqliteStore` in a fresh temp dir.

#![allow(clippy::unwrap_used)]

use infin8_core::store::Store;
use infin8_core::testkit::TestStore;
use infin8_store_sqlite::SqliteStore;
use std::sync::Arc;

async fn fresh_store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("infin8.sqlite")).await.unwrap();
    TestStore::new(Arc::new(store) as Arc<dyn Store>).with_guard(dir)
}

infin8_core::conformance_suite!(fresh_store);
