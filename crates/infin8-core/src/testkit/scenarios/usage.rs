//! The usage ledger: reserve → commit/release.

use crate::error::{ConflictReason, Error};
use crate::ids::{ReservationId, WorkflowId};
use crate::ledger::{
    BillingPeriod, LedgerScope, ReservationState, ReserveUsage, UsageLine, UsageMetric, UsageRecord,
};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::sync::Arc;

fn month() -> LedgerScope {
    LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap())
}

fn line(metric: UsageMetric, scope: LedgerScope, amount: i64, limit: Option<i64>) -> UsageLine {
    UsageLine { metric, scope, amount, limit }
}

fn reserve(lines: Vec<UsageLine>) -> ReserveUsage {
    ReserveUsage {
        id: ReservationId::new(),
        workflow_id: None,
        purpose: "test".into(),
        replay_of: None,
        lines,
    }
}

fn rec(metric: UsageMetric, scope: LedgerScope, used: i64, reserved: i64) -> UsageRecord {
    UsageRecord { metric, scope, used, reserved }
}

/// Reserve → commit (actual may differ, even exceed) → release arithmetic; untouched counters
/// read as zero; `list_usage` lists a scope's counters ordered by metric.
pub async fn usage_reserve_commit_release(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let m = month();
    use UsageMetric::*;
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 0, 0));

    let mut req = reserve(vec![line(LlmTokens, m, 1_000, Some(10_000)), line(CostMicros, m, 50, None)]);
    let wf = WorkflowId::new();
    req.workflow_id = Some(wf);
    req.purpose = "section:3".into();
    let r = s.reserve_usage(&ctx, req.clone()).await.unwrap();
    assert_eq!((r.id, r.workflow_id, r.purpose.as_str()), (req.id, Some(wf), "section:3"));
    assert_eq!(r.lines, req.lines);
    assert_eq!((r.state, r.committed.clone()), (ReservationState::Reserved, None));
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 0, 1_000));
    assert_eq!(s.get_usage(&ctx, CostMicros, m).await.unwrap(), rec(CostMicros, m, 0, 50));

    let c = s.commit_usage(&ctx, r.id, &[1_200, 40]).await.unwrap();
    assert_eq!(c.state, ReservationState::Committed);
    assert_eq!(c.committed, Some(vec![1_200, 40]));
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 1_200, 0));
    assert_eq!(s.get_usage(&ctx, CostMicros, m).await.unwrap(), rec(CostMicros, m, 40, 0));
    // Committing again returns it unchanged (the amounts are still validated).
    assert_eq!(s.commit_usage(&ctx, r.id, &[1, 1]).await.unwrap(), c);
    assert_invalid(s.commit_usage(&ctx, r.id, &[1]).await);
    assert_invalid(s.commit_usage(&ctx, r.id, &[1, -1]).await);
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 1_200, 0));

    let r2 = s.reserve_usage(&ctx, reserve(vec![line(LlmTokens, m, 500, Some(10_000))])).await.unwrap();
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 1_200, 500));
    let rel = s.release_usage(&ctx, r2.id).await.unwrap();
    assert_eq!(rel.state, ReservationState::Released);
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 1_200, 0));
    assert_eq!(s.release_usage(&ctx, r2.id).await.unwrap(), rel, "release is idempotent");
    assert_eq!(s.get_usage(&ctx, LlmTokens, m).await.unwrap(), rec(LlmTokens, m, 1_200, 0));

    // Ordered by metric (the enum's order).
    s.reserve_usage(&ctx, reserve(vec![line(Workflows, m, 1, None), line(Publish, m, 2, None)]))
        .await
        .unwrap();
    let listed = s.list_usage(&ctx, m).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.metric).collect::<Vec<_>>(),
        vec![Workflows, LlmTokens, Publish, CostMicros]
    );
    assert!(listed.contains(&rec(Publish, m, 0, 2)));
    assert!(s.list_usage(&ctx, LedgerScope::Workflow(WorkflowId::new())).await.unwrap().is_empty());

    assert_not_found(s.commit_usage(&ctx, ReservationId::new(), &[1]).await);
    assert_not_found(s.release_usage(&ctx, ReservationId::new()).await);
}

/// 32 concurrent reservations of 1 against a limit of 10: exactly 10 succeed, the rest are
/// `LimitExceeded`, and `reserved == 10`.
pub async fn usage_reservation_race_respects_limit(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let m = month();
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let store = store.clone();
            let barrier = barrier.clone();
            let req = reserve(vec![line(UsageMetric::WebResearch, m, 1, Some(10))]);
            tokio::spawn(async move {
                barrier.wait().await;
                store.reserve_usage(&ctx, req).await
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::LimitExceeded { metric, limit, requested, .. }) => {
                assert_eq!((metric, limit, requested), (UsageMetric::WebResearch, 10, 1));
                refused += 1;
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, refused), (10, 22));
    assert_eq!(
        store.get_usage(&ctx, UsageMetric::WebResearch, m).await.unwrap(),
        rec(UsageMetric::WebResearch, m, 0, 10)
    );
}

/// Reserving an existing id returns the recorded reservation, whatever its state, and changes
/// nothing; the same id with other lines is `Conflict(IdempotencyKeyReused)`.
pub async fn usage_reserve_is_idempotent_by_id(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let m = month();
    let req = reserve(vec![line(UsageMetric::Embeddings, m, 3, Some(5))]);
    let first = s.reserve_usage(&ctx, req.clone()).await.unwrap();
    let second = s.reserve_usage(&ctx, req.clone()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(s.get_usage(&ctx, UsageMetric::Embeddings, m).await.unwrap().reserved, 3);
    // Even though a second reservation would not fit (3 + 3 > 5), the replay succeeds.
    let committed = s.commit_usage(&ctx, req.id, &[2]).await.unwrap();
    assert_eq!(s.reserve_usage(&ctx, req.clone()).await.unwrap(), committed);
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::Embeddings, m).await.unwrap(),
        rec(UsageMetric::Embeddings, m, 2, 0)
    );

    let mut changed = req.clone();
    changed.lines[0].amount = 4;
    assert_eq!(assert_conflict(s.reserve_usage(&ctx, changed).await), ConflictReason::IdempotencyKeyReused);
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::Embeddings, m).await.unwrap(),
        rec(UsageMetric::Embeddings, m, 2, 0)
    );
}

/// Release then commit, or commit then release, is `Conflict(WrongState)`; bad `actual` is
/// `Invalid`; nothing changes.
pub async fn usage_state_conflicts(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let m = month();
    let a = s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Publish, m, 2, None)])).await.unwrap();
    s.release_usage(&ctx, a.id).await.unwrap();
    assert!(matches!(assert_conflict(s.commit_usage(&ctx, a.id, &[2]).await), ConflictReason::WrongState(_)));
    let b = s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Publish, m, 3, None)])).await.unwrap();
    assert_invalid(s.commit_usage(&ctx, b.id, &[]).await);
    assert_invalid(s.commit_usage(&ctx, b.id, &[1, 2]).await);
    assert_invalid(s.commit_usage(&ctx, b.id, &[-1]).await);
    assert_eq!(s.get_usage(&ctx, UsageMetric::Publish, m).await.unwrap(), rec(UsageMetric::Publish, m, 0, 3));
    s.commit_usage(&ctx, b.id, &[3]).await.unwrap();
    assert!(matches!(assert_conflict(s.release_usage(&ctx, b.id).await), ConflictReason::WrongState(_)));
    assert_eq!(s.get_usage(&ctx, UsageMetric::Publish, m).await.unwrap(), rec(UsageMetric::Publish, m, 3, 0));
}

/// A multi-line reservation whose second line does not fit reserves nothing and names that line;
/// malformed requests are `Invalid`.
pub async fn usage_multi_line_all_or_nothing(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let m = month();
    let wf_scope = LedgerScope::Workflow(WorkflowId::new());
    s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::CostMicros, wf_scope, 90, Some(100))]))
        .await
        .unwrap();
    let req = reserve(vec![
        line(UsageMetric::LlmTokens, m, 10, Some(1_000)),
        line(UsageMetric::CostMicros, wf_scope, 20, Some(100)),
        line(UsageMetric::CostMicros, m, 20, Some(1_000)),
    ]);
    match s.reserve_usage(&ctx, req.clone()).await {
        Err(Error::LimitExceeded { metric, limit, used, requested }) => {
            assert_eq!((metric, limit, used, requested), (UsageMetric::CostMicros, 100, 90, 20));
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::LlmTokens, m).await.unwrap(),
        rec(UsageMetric::LlmTokens, m, 0, 0)
    );
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::CostMicros, m).await.unwrap(),
        rec(UsageMetric::CostMicros, m, 0, 0)
    );
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::CostMicros, wf_scope).await.unwrap(),
        rec(UsageMetric::CostMicros, wf_scope, 0, 90)
    );
    assert_not_found(s.commit_usage(&ctx, req.id, &[1, 1, 1]).await);

    // Exactly at the limit fits.
    s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::CostMicros, wf_scope, 10, Some(100))]))
        .await
        .unwrap();

    assert_invalid(s.reserve_usage(&ctx, reserve(vec![])).await);
    assert_invalid(s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Publish, m, -1, None)])).await);
    assert_invalid(
        s.reserve_usage(
            &ctx,
            reserve(vec![line(UsageMetric::Publish, m, 1, None), line(UsageMetric::Publish, m, 2, None)]),
        )
        .await,
    );
    assert_eq!(s.get_usage(&ctx, UsageMetric::Publish, m).await.unwrap(), rec(UsageMetric::Publish, m, 0, 0));
}

/// Each billing period (and each workflow scope) has its own counter: next month's limit is
/// independent of this month's usage.
pub async fn usage_period_rollover(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let jan = BillingPeriod::new(2030, 1).unwrap();
    let (this, next) = (LedgerScope::Month(jan), LedgerScope::Month(jan.next()));
    let r =
        s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Workflows, this, 2, Some(2))])).await.unwrap();
    s.commit_usage(&ctx, r.id, &[2]).await.unwrap();
    assert!(matches!(
        s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Workflows, this, 1, Some(2))])).await,
        Err(Error::LimitExceeded { .. })
    ));
    s.reserve_usage(&ctx, reserve(vec![line(UsageMetric::Workflows, next, 2, Some(2))])).await.unwrap();
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::Workflows, this).await.unwrap(),
        rec(UsageMetric::Workflows, this, 2, 0)
    );
    assert_eq!(
        s.get_usage(&ctx, UsageMetric::Workflows, next).await.unwrap(),
        rec(UsageMetric::Workflows, next, 0, 2)
    );
    assert_eq!(s.list_usage(&ctx, next).await.unwrap(), vec![rec(UsageMetric::Workflows, next, 0, 2)]);
}
