//! Differential testing: a random sequence of store operations, generated from a `u64` seed, is
//! run against a backend and a fresh [`MemoryStore`] side by side; after every operation both
//! answers must agree, and so must every listing at the end.
//!
//! Answers are compared as JSON after translating the backend's store-generated ids (keyword,
//! article, section, publish reference, transition, approval … ids) to the memory store's, and
//! reducing store-chosen wall-clock times (`created_at`, `updated_at`, `completed_at`) to "set".
//! Errors are compared by kind (`NotFound`, the `Conflict` reason, `Invalid`, `Forbidden`,
//! `LimitExceeded` with its numbers). Operations are generated to hit edge cases often: illegal
//! and stale transitions, replays, foreign ids, hierarchy violations, limits, expired claims.
//!
//! # Using it from a backend
//!
//! ```ignore
//! #[tokio::test]
//! async fn agrees_with_memory() {
//!     for seed in 0..20 {
//!         let backend = fresh_store().await; // a TestStore; keep it alive for the run
//!         infin8_core::testkit::differential::run_differential(backend.store.clone(), seed, 300).await;
//!     }
//! }
//! ```
//!
//! The backend may be shared with other tests: the run creates its own organizations and only
//! compares their rows. A failure message names the seed and step, so a run can be replayed.
//!
//! [`MemoryStore`]: crate::memory::MemoryStore

mod compare;
mod listings;
mod ops_ledger;
mod ops_workflow;
mod rng;

pub use compare::{Translator, error_json, result_json, scrub_clock, to_json};
pub use rng::Rng;

use crate::error::Result;
use crate::ids::{ArticleId, KeywordId, OrgId, PublishId, ReservationId, UserId, WorkflowId};
use crate::memory::MemoryStore;
use crate::organization::{NewOrganization, Plan, Role};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::TransitionRequest;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// Runs `steps` random operations from `seed` against `backend` and a fresh `MemoryStore`,
/// asserting after each that both answered the same, and at the end that both hold the same
/// rows.
///
/// Returns how often each operation succeeded and failed (in both stores alike), so callers can
/// check that a run exercised what they care about.
///
/// # Panics
/// On the first disagreement, naming the seed, the step and the operation.
pub async fn run_differential(backend: Arc<dyn Store>, seed: u64, steps: usize) -> Report {
    let mut run = Differential::new(backend, seed).await;
    for step in 0..steps {
        run.step = step;
        run.random_op().await;
    }
    run.compare_listings().await;
    run.report
}

/// What a differential run did: per operation, how many calls succeeded and failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// `operation → (ok, err)`.
    pub ops: BTreeMap<String, (u64, u64)>,
}

impl Report {
    /// Adds another run's counts.
    pub fn merge(&mut self, other: &Report) {
        for (op, (ok, err)) in &other.ops {
            let e = self.ops.entry(op.clone()).or_default();
            e.0 += ok;
            e.1 += err;
        }
    }

    /// `(ok, err)` of one operation.
    #[must_use]
    pub fn count(&self, op: &str) -> (u64, u64) {
        self.ops.get(op).copied().unwrap_or_default()
    }
}

/// The state of one differential run: both stores, the generator, and handles (memory ids) of
/// what was created so far.
struct Differential {
    memory: Arc<dyn Store>,
    backend: Arc<dyn Store>,
    rng: Rng,
    seed: u64,
    step: usize,
    ids: Translator,
    /// Owner contexts of the run's organizations.
    orgs: Vec<TenantContext>,
    /// A viewer of `orgs[0]`.
    viewer: TenantContext,
    workflows: Vec<(usize, WorkflowId)>,
    keywords: Vec<(usize, WorkflowId, KeywordId, crate::keyword::KeywordType)>,
    articles: Vec<(usize, ArticleId)>,
    publish: Vec<(usize, PublishId)>,
    /// `(org, id, number of lines)`.
    reservations: Vec<(usize, ReservationId, usize)>,
    audit_ids: Vec<(usize, crate::ids::AuditId)>,
    requests: Vec<(usize, TransitionRequest)>,
    report: Report,
}

impl Differential {
    async fn new(backend: Arc<dyn Store>, seed: u64) -> Self {
        let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let mut orgs = Vec::new();
        for i in 0..2 {
            let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
            let new =
                NewOrganization::new(format!("diff-{seed}-{i}-{}", super::fixtures::unique()), Plan::Pro);
            for store in [&memory, &backend] {
                store.create_organization(&ctx, new.clone()).await.expect("create organization");
            }
            orgs.push(ctx);
        }
        let viewer = TenantContext::user(orgs[0].org_id, UserId::new(), Role::Viewer);
        for store in [&memory, &backend] {
            store
                .upsert_member(&orgs[0], viewer.actor.user_id().expect("user"), Role::Viewer)
                .await
                .expect("member");
        }
        Self {
            memory,
            backend,
            rng: Rng::new(seed),
            seed,
            step: 0,
            ids: Translator::default(),
            orgs,
            viewer,
            workflows: Vec::new(),
            keywords: Vec::new(),
            articles: Vec::new(),
            publish: Vec::new(),
            reservations: Vec::new(),
            audit_ids: Vec::new(),
            requests: Vec::new(),
            report: Report::default(),
        }
    }

    /// A random organization index (mostly the first).
    fn org(&mut self) -> usize {
        usize::from(self.rng.chance(25))
    }

    /// The backend's id for a memory-side id.
    fn be<I: std::str::FromStr + ToString>(&self, memory: I) -> I
    where
        I::Err: std::fmt::Debug,
    {
        self.ids.backend_id(&memory.to_string()).parse().expect("translated id parses")
    }

    /// Compares the two answers of one operation (learning new ids first).
    fn check(&mut self, op: &str, memory: Value, mut backend: Value) {
        let context = format!("seed {} step {} {op}", self.seed, self.step);
        if memory.get("ok").is_some() && backend.get("ok").is_some() {
            self.ids.learn_ids(&memory, &backend, &context);
        }
        self.ids.canonicalize(&mut backend);
        let mut memory = memory;
        scrub_clock(&mut memory);
        scrub_clock(&mut backend);
        assert_eq!(backend, memory, "{context}: backend (left) and memory (right) disagree");
    }

    /// Runs one operation on both stores; `call(store, is_backend)` builds the call and `view`
    /// turns its answer into JSON. Returns the memory store's answer.
    async fn both<T, F, Fut>(&mut self, op: &str, call: F, view: impl Fn(&T) -> Value) -> Result<T>
    where
        F: Fn(Arc<dyn Store>, bool) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let m = call(self.memory.clone(), false).await;
        let b = call(self.backend.clone(), true).await;
        let mj = result_json(m.as_ref().map(&view).map_err(clone_err));
        let bj = result_json(b.as_ref().map(&view).map_err(clone_err));
        self.check(op, mj, bj);
        let counts = self.report.ops.entry(op.to_string()).or_default();
        if m.is_ok() {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        m
    }

    async fn random_op(&mut self) {
        match self.rng.below(100) {
            0..8 => self.op_create_workflow().await,
            8..28 => self.op_transition().await,
            28..42 => self.op_upsert_keywords().await,
            42..48 => self.op_update_keywords().await,
            48..52 => self.op_list_keywords().await,
            52..56 => self.op_clusters().await,
            56..60 => self.op_approvals().await,
            60..66 => self.op_article().await,
            66..74 => self.op_publish().await,
            74..84 => self.op_usage().await,
            84..89 => self.op_rate_limit().await,
            89..95 => self.op_research().await,
            _ => self.op_audit().await,
        }
    }
}

/// An error re-made for comparison (errors are not `Clone`; only the compared parts matter).
fn clone_err(e: &crate::Error) -> crate::Error {
    use crate::Error;
    match e {
        Error::NotFound { entity, id } => Error::NotFound { entity: *entity, id: id.clone() },
        Error::Conflict { entity, id, reason } => {
            Error::Conflict { entity: *entity, id: id.clone(), reason: reason.clone() }
        }
        Error::Forbidden { action, role } => Error::Forbidden { action, role: *role },
        Error::Invalid(i) => Error::Invalid(i.clone()),
        Error::LimitExceeded { metric, limit, used, requested } => {
            Error::LimitExceeded { metric: *metric, limit: *limit, used: *used, requested: *requested }
        }
        other => Error::Backend {
            backend: "differential",
            operation: "compare",
            message: other.to_string(),
            retryable: false,
            source: None,
        },
    }
}
