//! The in-memory store: the reference semantics of the [`Store`] traits.
//!
//! All state sits behind one mutex, so every operation is atomic and isolated by construction
//! (no operation awaits while holding it). Cloning a [`MemoryStore`] gives another handle to the
//! same data. Used by tests and examples, and as the oracle of the differential tests.
//!
//! ```
//! use infin8_core::memory::MemoryStore;
//! use infin8_core::store::{OrganizationStore, Store};
//! use infin8_core::organization::{NewOrganization, Plan, Role};
//! use infin8_core::{OrgId, TenantContext, UserId};
//!
//! # futures::executor::block_on(async {
//! let store = MemoryStore::new();
//! let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
//! store.create_organization(&ctx, NewOrganization::new("Acme", Plan::Free)).await?;
//! assert_eq!(store.backend_name(), "memory");
//! assert_eq!(store.list_members(&ctx).await?.len(), 1);
//! # Ok::<_, infin8_core::Error>(())
//! # }).unwrap();
//! ```

mod approval;
mod article;
mod audit;
mod cluster;
mod keyword;
mod organization;
mod page;
mod publish;
mod rate_limit;
mod research;
mod state;
mod usage;
mod workflow;

use crate::store::Store;
use state::State;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// An in-memory [`Store`]: `Clone`, `Send + Sync`, every operation atomic.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    progress: crate::engine::feed::ProgressHub,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The state, locked. Operations validate everything before they mutate, so a poisoned lock
    /// (a panic elsewhere) never leaves a half-applied write behind and is safe to recover.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl Store for MemoryStore {
    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organization::{NewOrganization, Plan, Role};
    use crate::store::OrganizationStore;
    use crate::{OrgId, TenantContext, UserId};

    fn assert_store<T: Store + Clone + Send + Sync + 'static>() {}

    #[test]
    fn is_a_clonable_shareable_store() {
        assert_store::<MemoryStore>();
        let _: std::sync::Arc<dyn Store> = std::sync::Arc::new(MemoryStore::new());
        assert_eq!(MemoryStore::new().backend_name(), "memory");
    }

    #[tokio::test]
    async fn clones_share_one_state_and_new_stores_do_not() {
        let a = MemoryStore::new();
        let b = a.clone();
        let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
        a.create_organization(&ctx, NewOrganization::new("shared", Plan::Free)).await.unwrap();
        assert!(b.get_organization(&ctx).await.unwrap().is_some());
        assert!(MemoryStore::new().get_organization(&ctx).await.unwrap().is_none());
    }
}
