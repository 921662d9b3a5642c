//! The store conformance suite (`infin8_core::testkit`) against a real PostgreSQL: one fresh
//! database per scenario. Needs `DATABASE_URL`; with `INFIN8_REQUIRE_POSTGRES=1` (CI) a missing
//! URL fails every scenario instead of running it against `MemoryStore`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use infin8_core::memory::MemoryStore;
use infin8_core::store::Store;
use infin8_core::testkit::TestStore;
use std::sync::Arc;

async fn fresh_store() -> TestStore {
    let Some(url) = common::database_url("conformance scenario (running it against MemoryStore instead)")
    else {
        return TestStore::new(Arc::new(MemoryStore::new()) as Arc<dyn Store>);
    };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    TestStore::new(Arc::new(store) as Arc<dyn Store>).with_guard(db)
}

infin8_core::conformance_suite!(fresh_store);
