//! Differential property test: random operation sequences run against `SqliteStore` and the
//! reference `MemoryStore`; every outcome (success values or error kinds) and the final state
//! must agree.

#![allow(clippy::unwrap_used, clippy::panic)]

use infin8_core::error::{ConflictReason, Error};
use infin8_core::ids::{KeywordId, OrgId, ReservationId, UserId, WorkflowId};
use infin8_core::keyword::{FilterStatus, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword};
use infin8_core::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use infin8_core::memory::MemoryStore;
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::Store;
use infin8_core::tenant::TenantContext;
use infin8_core::testkit::fixtures::at;
use infin8_core::workflow::{NewWorkflow, TransitionRequest, WorkflowState};
use infin8_store_sqlite::SqliteStore;
use proptest::prelude::*;
use std::collections::HashMap;
use std::time::Duration;

const TEXTS: &[&str] = &[
    "best crm",
    "  Best   CRM ",
    "crm software",
    "ＣＲＭ software",
    "email marketing",
    "Email Marketing\t",
    "seo tools",
    "",
    "bad\u{0}text",
];

#[derive(Debug, Clone)]
enum Op {
    Upsert(Vec<usize>),
    Transition { to: usize, stale: bool, key: u8 },
    Reserve { id: u8, amount: i64, limit: Option<i64> },
    Commit { id: u8, actual: i64 },
    Release { id: u8 },
    Hit { secs: i64, cost: u32, sliding: bool },
    Approve { keyword: usize, approve: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let states = WorkflowState::all().len();
    prop_oneof![
        prop::collection::vec(0..TEXTS.len(), 0..6).prop_map(Op::Upsert),
        (0..states, any::<bool>(), 0u8..4).prop_map(|(to, stale, key)| Op::Transition { to, stale, key }),
        (0u8..6, -1i64..5, prop::option::of(0i64..8)).prop_map(|(id, amount, limit)| Op::Reserve {
            id,
            amount,
            limit
        }),
        (0u8..6, -1i64..6).prop_map(|(id, actual)| Op::Commit { id, actual }),
        (0u8..6).prop_map(|id| Op::Release { id }),
        (0i64..200, 0u32..4, any::<bool>()).prop_map(|(secs, cost, sliding)| Op::Hit { secs, cost, sliding }),
        (0usize..6, any::<bool>()).prop_map(|(keyword, approve)| Op::Approve { keyword, approve }),
    ]
}

/// What a call returned, in terms both backends must agree on.
fn kind(err: &Error) -> String {
    match err {
        Error::NotFound { entity, .. } => format!("not_found:{entity}"),
        Error::Conflict { reason, .. } => match reason {
            ConflictReason::StaleWorkflow { current, version } => format!("stale:{current}:{version}"),
            ConflictReason::IllegalTransition { .. } => "illegal".into(),
            ConflictReason::IdempotencyKeyReused => "key_reused".into(),
            ConflictReason::AlreadyExists => "exists".into(),
            ConflictReason::WrongState(_) => "wrong_state".into(),
            other => format!("{other:?}"),
        },
        Error::Invalid(e) => format!("invalid:{}", e.field),
        Error::LimitExceeded { metric, limit, used, requested } => {
            format!("limit:{metric}:{limit}:{used}:{requested}")
        }
        other => panic!("unexpected error {other:?}"),
    }
}

/// One backend under test, with the ids it assigned, numbered in order of first appearance.
struct Side {
    store: Box<dyn Store>,
    canon: HashMap<KeywordId, usize>,
    ids: Vec<KeywordId>,
}

impl Side {
    fn canonical(&mut self, id: KeywordId) -> usize {
        let next = self.canon.len();
        *self.canon.entry(id).or_insert_with(|| {
            self.ids.push(id);
            next
        })
    }

    async fn apply(&mut self, ctx: &TenantContext, wf: WorkflowId, op: &Op) -> String {
        let s = &*self.store;
        match op {
            Op::Upsert(texts) => {
                let batch: Vec<_> = texts
                    .iter()
                    .map(|i| NewKeyword::new(wf, KeywordType::Seed, None, TEXTS[*i], "diff"))
                    .collect();
                match s.upsert_keywords(ctx, &batch).await {
                    Ok(out) => {
                        let out: Vec<_> = out.into_iter().map(|u| (u.id, u.created)).collect();
                        format!(
                            "{:?}",
                            out.into_iter().map(|(id, c)| (self.canonical(id), c)).collect::<Vec<_>>()
                        )
                    }
                    Err(e) => kind(&e),
                }
            }
            Op::Transition { to, stale, key } => {
                let current = s.get_workflow(ctx, wf).await.unwrap().unwrap();
                let mut req = TransitionRequest::from_current(&current, WorkflowState::all()[*to]);
                if *stale {
                    req.expected_version += 1;
                }
                req.idempotency_key = format!("k{key}");
                match s.transition(ctx, req).await {
                    Ok(o) => format!("ok:{}:{}:{}", o.workflow.state, o.workflow.version, o.replayed),
                    Err(e) => kind(&e),
                }
            }
            Op::Reserve { id, amount, limit } => {
                let request = ReserveUsage {
                    id: ReservationId::derive(&[&[*id]]),
                    workflow_id: None,
                    purpose: "diff".into(),
                    replay_of: None,
                    lines: vec![UsageLine {
                        metric: UsageMetric::WebResearch,
                        scope: scope(),
                        amount: *amount,
                        limit: *limit,
                    }],
                };
                match s.reserve_usage(ctx, request).await {
                    Ok(r) => format!("ok:{}:{:?}", r.state, r.committed),
                    Err(e) => kind(&e),
                }
            }
            Op::Commit { id, actual } => {
                match s.commit_usage(ctx, ReservationId::derive(&[&[*id]]), &[*actual]).await {
                    Ok(r) => format!("ok:{}:{:?}", r.state, r.committed),
                    Err(e) => kind(&e),
                }
            }
            Op::Release { id } => match s.release_usage(ctx, ReservationId::derive(&[&[*id]])).await {
                Ok(r) => format!("ok:{}:{:?}", r.state, r.committed),
                Err(e) => kind(&e),
            },
            Op::Hit { secs, cost, sliding } => {
                let request = RateLimitRequest {
                    key: "diff".into(),
                    limit: 5,
                    window: Duration::from_secs(60),
                    kind: if *sliding { WindowKind::Sliding } else { WindowKind::Fixed },
                    cost: *cost,
                    now: at(*secs),
                };
                match s.hit_rate_limit(ctx, request).await {
                    Ok(d) => format!("{d:?}"),
                    Err(e) => kind(&e),
                }
            }
            Op::Approve { keyword, approve } => {
                let Some(id) = self.ids.get(*keyword).copied() else { return "skip".into() };
                let mut update = KeywordUpdate::new(id);
                update.filter_status =
                    Some(if *approve { FilterStatus::Approved } else { FilterStatus::Rejected });
                update.user_selected = Some(*approve);
                match s.update_keywords(ctx, &[update]).await {
                    Ok(()) => "ok".into(),
                    Err(e) => kind(&e),
                }
            }
        }
    }

    /// The observable end state.
    async fn summary(&mut self, ctx: &TenantContext, wf: WorkflowId) -> String {
        let s = &*self.store;
        let w = s.get_workflow(ctx, wf).await.unwrap().unwrap();
        let transitions: Vec<_> = s
            .list_transitions(ctx, wf)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.from_state, t.to_state, t.version, t.idempotency_key))
            .collect();
        let keywords = s.list_keywords(ctx, KeywordQuery::workflow(wf)).await.unwrap().items;
        let usage = s.get_usage(ctx, UsageMetric::WebResearch, scope()).await.unwrap();
        let keywords: Vec<_> = keywords
            .into_iter()
            .map(|k| {
                (self.canonical(k.id), k.keyword, k.normalized_keyword, k.filter_status, k.user_selected)
            })
            .collect();
        format!("{} v{} {:?} {:?} {:?}", w.state, w.version, transitions, keywords, usage)
    }
}

fn scope() -> LedgerScope {
    LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap())
}

async fn setup(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) {
    let mut org = NewOrganization::new(format!("diff-{}", ctx.org_id), Plan::Pro);
    org.id = Some(ctx.org_id);
    store.create_organization(ctx, org).await.unwrap();
    store
        .create_workflow(ctx, NewWorkflow { id: Some(wf), title: "diff".into(), ..NewWorkflow::default() })
        .await
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_agrees_with_memory(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
            let wf = WorkflowId::new();
            let mut memory = Side { store: Box::new(MemoryStore::new()), canon: HashMap::new(), ids: Vec::new() };
            let mut sqlite =
                Side { store: Box::new(SqliteStore::open_in_memory().unwrap()), canon: HashMap::new(), ids: Vec::new() };
            setup(&*memory.store, &ctx, wf).await;
            setup(&*sqlite.store, &ctx, wf).await;
            for (i, op) in ops.iter().enumerate() {
                let expected = memory.apply(&ctx, wf, op).await;
                let got = sqlite.apply(&ctx, wf, op).await;
                assert_eq!(got, expected, "op #{i} {op:?}");
            }
            assert_eq!(sqlite.summary(&ctx, wf).await, memory.summary(&ctx, wf).await);
        });
    }
}
