//! The ledger tells the truth: workflow creation and its charge are one atomic operation,
//! reservations whose owner died are reaped, and a call made again after a crash is marked as a
//! replay.

use crate::error::{ConflictReason, Entity, Error};
use crate::ids::{ReservationId, WorkflowId};
use crate::ledger::{
    BillingPeriod, LedgerScope, ReapReservations, ReservationState, ReserveUsage, UsageLine, UsageMetric,
};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{Lease, NewWorkflow, Phase, Step, TransitionRequest, WorkflowState};
use std::sync::Arc;

fn month() -> LedgerScope {
    LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap())
}

/// A creation charge of one `workflows` unit against `limit`.
fn charge(limit: i64) -> ReserveUsage {
    ReserveUsage {
        id: ReservationId::new(),
        workflow_id: None,
        purpose: "icp:workflow".into(),
        replay_of: None,
        lines: vec![
            UsageLine { metric: UsageMetric::Workflows, scope: month(), amount: 1, limit: Some(limit) },
            UsageLine { metric: UsageMetric::CostMicros, scope: month(), amount: 0, limit: None },
        ],
    }
}

fn charged(title: &str, charge: ReserveUsage) -> NewWorkflow {
    NewWorkflow {
        id: Some(WorkflowId::new()),
        title: title.into(),
        charge: Some(charge),
        ..NewWorkflow::default()
    }
}

async fn workflows_used(s: &dyn crate::store::Store, ctx: &crate::tenant::TenantContext) -> (i64, i64) {
    let u = s.get_usage(ctx, UsageMetric::Workflows, month()).await.unwrap();
    (u.used, u.reserved)
}

/// Creating a workflow with a charge creates both or neither: the charge is recorded as a
/// reservation of the workflow committed at its amounts; a charge that does not fit, a taken
/// reservation id, a taken workflow id or a malformed charge create nothing and charge nothing.
pub async fn workflow_creation_charges_atomically(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let first = charge(2);
    let new = charged("first", first.clone());
    let wf = s.create_workflow(&ctx, new.clone()).await.unwrap();
    assert_eq!(workflows_used(s, &ctx).await, (1, 0));
    let recorded = s.list_reservations(&ctx, wf.id).await.unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let r = &recorded[0];
    assert_eq!((r.id, r.workflow_id, r.state), (first.id, Some(wf.id), ReservationState::Committed));
    assert_eq!((r.lines.clone(), r.committed.clone()), (first.lines.clone(), Some(vec![1, 0])));
    assert_eq!((r.replay_of, r.reaped_at), (None, None));

    // The same workflow id again: nothing more is charged.
    assert_eq!(
        assert_conflict(
            s.create_workflow(&ctx, NewWorkflow { id: Some(wf.id), ..charged("again", charge(10)) }).await
        ),
        ConflictReason::AlreadyExists
    );
    assert_eq!(workflows_used(s, &ctx).await, (1, 0));

    // The charge's reservation id taken (here by another organization): no workflow either.
    let other = second_org(s).await;
    let taken = charge(10);
    s.reserve_usage(&other, taken.clone()).await.unwrap();
    let orphan = charged("orphan", taken);
    match s.create_workflow(&ctx, orphan.clone()).await {
        Err(Error::Conflict {
            entity: Entity::UsageReservation,
            reason: ConflictReason::AlreadyExists,
            ..
        }) => {}
        other => panic!("expected Conflict(AlreadyExists) on the reservation, got {other:?}"),
    }
    assert_eq!(s.get_workflow(&ctx, orphan.id.unwrap()).await.unwrap(), None, "nothing created");
    assert_eq!(workflows_used(s, &ctx).await, (1, 0));

    // Malformed charge: Invalid, nothing written.
    let mut bad = charge(10);
    bad.lines[0].amount = -1;
    let bad = charged("bad", bad);
    assert_invalid(s.create_workflow(&ctx, bad.clone()).await);
    assert_eq!(s.get_workflow(&ctx, bad.id.unwrap()).await.unwrap(), None);

    // The second fits the limit of 2, the third does not: LimitExceeded, nothing created.
    s.create_workflow(&ctx, charged("second", charge(2))).await.unwrap();
    assert_eq!(workflows_used(s, &ctx).await, (2, 0));
    let third = charged("third", charge(2));
    match s.create_workflow(&ctx, third.clone()).await {
        Err(Error::LimitExceeded { metric: UsageMetric::Workflows, limit: 2, used: 2, requested: 1 }) => {}
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    assert_eq!(s.get_workflow(&ctx, third.id.unwrap()).await.unwrap(), None, "nothing created");
    assert!(s.list_reservations(&ctx, third.id.unwrap()).await.unwrap().is_empty(), "nothing charged");
    assert_eq!(workflows_used(s, &ctx).await, (2, 0));
    let listed = s.list_workflows(&ctx, crate::workflow::WorkflowQuery::default()).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    // Without a charge, creation charges nothing.
    let free = s.create_workflow(&ctx, NewWorkflow { title: "free".into(), ..NewWorkflow::default() }).await;
    assert!(s.list_reservations(&ctx, free.unwrap().id).await.unwrap().is_empty());
    assert_eq!(workflows_used(s, &ctx).await, (2, 0));
}

/// Racing creations against a limit of 3: exactly 3 workflows exist, each with its charge, and
/// the counter says 3 — never a workflow without its charge or a charge without its workflow.
pub async fn workflow_creation_charge_race_respects_limit(ts: TestStore) {
    let s = ts.store.clone();
    let ctx = new_org(s.as_ref()).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = Arc::clone(&s);
        tasks.push(tokio::spawn(async move {
            let new = charged(&format!("racer {i}"), charge(3));
            (new.id.unwrap(), s.create_workflow(&ctx, new).await)
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            (id, Ok(wf)) => {
                assert_eq!(wf.id, id);
                created.push(id);
            }
            (id, Err(Error::LimitExceeded { metric: UsageMetric::Workflows, .. })) => {
                assert_eq!(s.get_workflow(&ctx, id).await.unwrap(), None);
                assert!(s.list_reservations(&ctx, id).await.unwrap().is_empty());
            }
            (_, Err(e)) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(created.len(), 3);
    for id in created {
        let charges = s.list_reservations(&ctx, id).await.unwrap();
        assert_eq!(charges.len(), 1);
        assert_eq!(charges[0].state, ReservationState::Committed);
    }
    assert_eq!(workflows_used(s.as_ref(), &ctx).await, (3, 0));
}

/// A reservation of `amount` tokens for `workflow`.
fn tokens(workflow: Option<WorkflowId>, amount: i64) -> ReserveUsage {
    ReserveUsage {
        id: ReservationId::new(),
        workflow_id: workflow,
        purpose: "section:1".into(),
        replay_of: None,
        lines: vec![UsageLine {
            metric: UsageMetric::LlmTokens,
            scope: month(),
            amount,
            limit: Some(1_000_000),
        }],
    }
}

/// The reaper commits, at their reserved amounts, exactly the reservations whose owner is gone:
/// its workflow holds no lease, or a lapsed one, or one held by the reaper itself (for a reaping
/// of that workflow), or it is older than the bound. Live owners' reservations, settled ones and
/// other organizations' are untouched; reaping again reaps nothing.
pub async fn reaper_settles_dangling_reservations(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let other = second_org(s).await;
    // W1 leased until at(3600) (lapsed at the reaper's now), W2 leased to a live worker, W3 with
    // no lease (CREATED).
    let w1 = new_workflow(s, &ctx).await;
    let w1 = drive_to(s, &ctx, &w1, WorkflowState::At(Step::Icp, Phase::Processing)).await;
    let w2 = new_workflow(s, &ctx).await;
    let w2 = drive_to(s, &ctx, &w2, WorkflowState::At(Step::Icp, Phase::Pending)).await;
    let alive = Lease { owner: "alive".into(), expires_at: at(20_000) };
    let req = TransitionRequest::from_current(&w2, WorkflowState::At(Step::Icp, Phase::Processing))
        .with_lease(alive.clone());
    let w2 = s.transition(&ctx, req).await.unwrap().workflow;
    assert_eq!(w2.lease, Some(alive));
    let w3 = new_workflow(s, &ctx).await;
    let r1 = s.reserve_usage(&ctx, tokens(Some(w1.id), 100)).await.unwrap();
    let r2 = s.reserve_usage(&ctx, tokens(Some(w2.id), 20)).await.unwrap();
    let r3 = s.reserve_usage(&ctx, tokens(Some(w3.id), 3)).await.unwrap();
    let r4 = s.reserve_usage(&ctx, tokens(None, 4_000)).await.unwrap();
    let done = s.reserve_usage(&ctx, tokens(Some(w3.id), 50_000)).await.unwrap();
    s.commit_usage(&ctx, done.id, &[7]).await.unwrap();
    let gone = s.reserve_usage(&ctx, tokens(Some(w3.id), 600_000)).await.unwrap();
    s.release_usage(&ctx, gone.id).await.unwrap();
    let theirs = new_workflow(s, &other).await;
    s.reserve_usage(&other, tokens(Some(theirs.id), 9)).await.unwrap();
    assert_eq!(s.get_usage(&ctx, UsageMetric::LlmTokens, month()).await.unwrap().reserved, 4_123);

    let now = at(7_200);
    let sweep = |max_age| ReapReservations { workflow_id: None, owner: None, now, max_age };
    let forever = chrono::Duration::days(365 * 100);
    let viewer = member_ctx(s, &ctx, crate::organization::Role::Viewer).await;
    assert_forbidden(s.reap_reservations(&viewer, sweep(forever)).await);

    let mut reaped = s.reap_reservations(&ctx, sweep(forever)).await.unwrap();
    reaped.sort_by_key(|r| r.lines[0].amount);
    assert_eq!(reaped.iter().map(|r| r.id).collect::<Vec<_>>(), vec![r3.id, r1.id], "no lease, lapsed lease");
    for r in &reaped {
        assert_eq!(r.state, ReservationState::Committed);
        assert_eq!(r.committed, Some(vec![r.lines[0].amount]), "committed at the reserved amounts");
        assert!(r.reaped_at.is_some(), "stamped as reaped");
    }
    let u = s.get_usage(&ctx, UsageMetric::LlmTokens, month()).await.unwrap();
    assert_eq!((u.used, u.reserved), (7 + 103, 4_020));
    assert_eq!(s.list_reservations(&ctx, w1.id).await.unwrap()[0], reaped[1], "what it returned is stored");
    assert!(s.reap_reservations(&ctx, sweep(forever)).await.unwrap().is_empty(), "idempotent");

    // A worker reaping W2 for itself: another's live lease protects it, its own does not.
    let mut mine = ReapReservations::workflow(w2.id, "someone-else", now);
    mine.max_age = forever;
    assert!(s.reap_reservations(&ctx, mine.clone()).await.unwrap().is_empty());
    mine.owner = Some("alive".into());
    let own = s.reap_reservations(&ctx, mine).await.unwrap();
    assert_eq!(own.iter().map(|r| r.id).collect::<Vec<_>>(), vec![r2.id]);

    // Older than the bound: reaped whoever holds it (here the one without a workflow).
    let old = s.reap_reservations(&ctx, sweep(chrono::Duration::zero())).await.unwrap();
    assert_eq!(old.iter().map(|r| r.id).collect::<Vec<_>>(), vec![r4.id]);
    let u = s.get_usage(&ctx, UsageMetric::LlmTokens, month()).await.unwrap();
    assert_eq!((u.used, u.reserved), (7 + 103 + 20 + 4_000, 0), "nothing dangles");
    // Settled ones were left as they were; the other organization's is untouched.
    let w3_rows = s.list_reservations(&ctx, w3.id).await.unwrap();
    let find = |id| w3_rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!((find(done.id).committed.clone(), find(done.id).reaped_at), (Some(vec![7]), None));
    assert_eq!(find(gone.id).state, ReservationState::Released);
    let theirs_usage = s.get_usage(&other, UsageMetric::LlmTokens, month()).await.unwrap();
    assert_eq!((theirs_usage.used, theirs_usage.reserved), (0, 9));
}

/// A reservation that makes a paid call again records which one it replays; the mark survives
/// the idempotent replay of the reservation itself and the commit.
pub async fn usage_replay_is_recorded(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let first = s.reserve_usage(&ctx, tokens(Some(wf.id), 10)).await.unwrap();
    assert_eq!(first.replay_of, None);
    s.commit_usage(&ctx, first.id, &[12]).await.unwrap();
    let mut again = tokens(Some(wf.id), 10);
    again.replay_of = Some(first.id);
    let replay = s.reserve_usage(&ctx, again.clone()).await.unwrap();
    assert_eq!(replay.replay_of, Some(first.id));
    assert_eq!(s.reserve_usage(&ctx, again).await.unwrap(), replay, "idempotent by id");
    let committed = s.commit_usage(&ctx, replay.id, &[11]).await.unwrap();
    assert_eq!(committed.replay_of, Some(first.id));
    let mut rows: Vec<_> =
        s.list_reservations(&ctx, wf.id).await.unwrap().into_iter().map(|r| (r.id, r.replay_of)).collect();
    rows.sort_by_key(|(_, of)| of.is_some());
    assert_eq!(rows, vec![(first.id, None), (replay.id, Some(first.id))]);
    let u = s.get_usage(&ctx, UsageMetric::LlmTokens, month()).await.unwrap();
    assert_eq!(u.used, 23, "both calls are charged");
    assert!(s.list_reservations(&ctx, WorkflowId::new()).await.unwrap().is_empty());
}
