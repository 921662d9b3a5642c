//! Workflow transitions: the legal path, compare-and-set, idempotency, races.

use crate::audit::AuditQuery;
use crate::error::{ConflictReason, Error};
use crate::ids::WorkflowId;
use crate::tenant::Actor;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{
    Lease, Phase, Step, TransitionKind, TransitionRequest, WorkflowState, check_transition, legal_transitions,
};
use std::sync::Arc;

/// The happy path from `CREATED` to `COMPLETED`: each transition bumps the version by one,
/// records one transition row (with its kind and actor) and one `workflow.transition` audit
/// entry; `completed_at` is set at the end.
pub async fn workflow_full_legal_path_to_completed(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let mut wf = new_workflow(s, &ctx).await;
    let mut steps = 0;
    while wf.state != WorkflowState::Completed {
        let (to, kind) = legal_transitions(wf.state)
            .into_iter()
            .find(|(_, k)| {
                matches!(
                    k,
                    TransitionKind::Start
                        | TransitionKind::Claim
                        | TransitionKind::Complete
                        | TransitionKind::Approve
                        | TransitionKind::Advance
                        | TransitionKind::Finish
                )
            })
            .unwrap();
        let before = wf.version;
        let out = s.transition(&ctx, request_to(&wf, to)).await.unwrap();
        assert!(!out.replayed);
        assert_eq!(out.workflow.state, to);
        assert_eq!(out.workflow.version, before + 1);
        assert_eq!(out.transition.kind, kind);
        assert_eq!(out.transition.from_state, wf.state);
        assert_eq!(out.transition.to_state, to);
        assert_eq!(out.transition.version, before + 1);
        assert_eq!(out.transition.actor, ctx.actor);
        assert_eq!(out.transition.workflow_id, wf.id);
        assert_eq!(out.transition.organization_id, ctx.org_id);
        assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap(), Some(out.workflow.clone()));
        wf = out.workflow;
        steps += 1;
        assert!(steps < 100);
    }
    assert!(wf.completed_at.is_some());
    assert_eq!(wf.completion_percentage(), 100);
    assert_eq!(wf.lease, None);

    let transitions = s.list_transitions(&ctx, wf.id).await.unwrap();
    assert_eq!(transitions.len(), steps);
    assert_eq!(
        transitions.iter().map(|t| t.version).collect::<Vec<_>>(),
        (2..=wf.version).collect::<Vec<_>>()
    );
    assert_eq!(transitions[0].from_state, WorkflowState::Created);
    assert_eq!(transitions.last().unwrap().to_state, WorkflowState::Completed);
    for pair in transitions.windows(2) {
        assert_eq!(pair[0].to_state, pair[1].from_state, "oldest first, contiguous");
    }
    let audit = s
        .list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), limit: Some(1_000), ..Default::default() })
        .await
        .unwrap();
    let transition_entries = audit.items.iter().filter(|e| e.action == "workflow.transition").count();
    assert_eq!(transition_entries, steps);
    assert_eq!(audit.items.iter().filter(|e| e.action == "workflow.created").count(), 1);
    // Terminal: nothing leaves COMPLETED.
    let err = s.transition(&ctx, TransitionRequest::from_current(&wf, WorkflowState::Cancelled)).await;
    assert!(matches!(assert_conflict(err), ConflictReason::IllegalTransition { .. }));
}

/// An edge missing from the table is `Conflict(IllegalTransition)` and changes nothing; an
/// unknown workflow is `NotFound`.
pub async fn workflow_illegal_transition_conflicts(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    for to in [
        WorkflowState::Completed,
        WorkflowState::At(Step::Icp, Phase::Processing),
        WorkflowState::At(Step::Publish, Phase::Pending),
        WorkflowState::Created,
    ] {
        assert!(check_transition(wf.state, to).is_err());
        let reason = assert_conflict(s.transition(&ctx, TransitionRequest::from_current(&wf, to)).await);
        assert_eq!(reason, ConflictReason::IllegalTransition { from: WorkflowState::Created, to });
    }
    // A gate cannot be processed.
    let gate = drive_to(s, &ctx, &wf, WorkflowState::At(Step::SeedReview, Phase::Pending)).await;
    let to = WorkflowState::At(Step::Longtails, Phase::Pending);
    let reason = assert_conflict(s.transition(&ctx, TransitionRequest::from_current(&gate, to)).await);
    assert!(matches!(reason, ConflictReason::IllegalTransition { .. }));
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap(), Some(gate.clone()));
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len() as i64, gate.version - 1);

    let mut ghost = TransitionRequest::from_current(&gate, WorkflowState::Cancelled);
    ghost.workflow_id = WorkflowId::new();
    assert_not_found(s.transition(&ctx, ghost).await);
    assert_not_found(s.list_transitions(&ctx, WorkflowId::new()).await);
}

/// A request whose `from` or `expected_version` is out of date is
/// `Conflict(StaleWorkflow { current, version })` naming the real state, and changes nothing.
pub async fn workflow_stale_transition_conflicts(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let moved = drive_to(s, &ctx, &wf, WorkflowState::At(Step::Icp, Phase::Pending)).await;

    // Stale version, right state.
    let mut req = TransitionRequest::from_current(&moved, WorkflowState::At(Step::Icp, Phase::Processing));
    req.expected_version = 1;
    req.idempotency_key = format!("stale-version-{}", unique());
    let reason = assert_conflict(s.transition(&ctx, req).await);
    assert_eq!(reason, ConflictReason::StaleWorkflow { current: moved.state, version: moved.version });

    // Stale state, right version (a legal edge from the stale state).
    let mut req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending));
    req.expected_version = moved.version;
    req.idempotency_key = format!("stale-state-{}", unique());
    let reason = assert_conflict(s.transition(&ctx, req).await);
    assert_eq!(reason, ConflictReason::StaleWorkflow { current: moved.state, version: moved.version });

    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap(), Some(moved.clone()));
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len(), 1);
}

/// Entering `*_FAILED` sets `last_error` from the reason; leaving it (retry) clears it.
pub async fn workflow_failed_sets_and_clears_last_error(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let processing = drive_to(s, &ctx, &wf, WorkflowState::At(Step::Icp, Phase::Processing)).await;
    let failed_state = WorkflowState::At(Step::Icp, Phase::Failed);
    let out = s
        .transition(
            &ctx,
            TransitionRequest::from_current(&processing, failed_state).with_reason("llm timed out"),
        )
        .await
        .unwrap();
    assert_eq!(out.workflow.last_error.as_deref(), Some("llm timed out"));
    assert_eq!(out.workflow.lease, None);
    assert_eq!(out.transition.reason.as_deref(), Some("llm timed out"));
    assert_eq!(out.transition.kind, TransitionKind::Fail);
    assert_eq!(
        s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().last_error.as_deref(),
        Some("llm timed out")
    );

    let retried = s
        .transition(
            &ctx,
            TransitionRequest::from_current(&out.workflow, WorkflowState::At(Step::Icp, Phase::Pending))
                .with_reason("operator retry"),
        )
        .await
        .unwrap();
    assert_eq!(retried.transition.kind, TransitionKind::Retry);
    // The reason of a non-failing transition is recorded on the transition only.
    assert_eq!(retried.transition.reason.as_deref(), Some("operator retry"));
    assert_eq!(retried.workflow.last_error, None);
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().last_error, None);
}

/// The lease is set on entering `*_PROCESSING`, replaced on a reclaim by another worker, and
/// cleared on entering a failure.
pub async fn workflow_lease_reclaim_replaces_owner(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf =
        drive_to(s, &ctx, &new_workflow(s, &ctx).await, WorkflowState::At(Step::Icp, Phase::Pending)).await;
    let processing = WorkflowState::At(Step::Icp, Phase::Processing);
    let lease = Lease { owner: "worker-a".into(), expires_at: at(60) };
    let a = s
        .transition(&ctx, TransitionRequest::from_current(&wf, processing).with_lease(lease.clone()))
        .await
        .unwrap();
    assert_eq!(a.workflow.lease, Some(lease.clone()));
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().lease, Some(lease));

    let lease_b = Lease { owner: "worker-b".into(), expires_at: at(120) };
    let b = s
        .transition(
            &ctx,
            TransitionRequest::from_current(&a.workflow, processing).with_lease(lease_b.clone()),
        )
        .await
        .unwrap();
    assert_eq!(b.transition.kind, TransitionKind::Reclaim);
    assert_eq!(b.workflow.lease, Some(lease_b));
    assert_eq!(b.workflow.version, a.workflow.version + 1);

    // A lease given for a state a worker does not hold (a failure) is not kept.
    let done = s
        .transition(
            &ctx,
            TransitionRequest::from_current(&b.workflow, WorkflowState::At(Step::Icp, Phase::Failed))
                .with_lease(Lease { owner: "worker-b".into(), expires_at: at(999) }),
        )
        .await
        .unwrap();
    assert_eq!(done.workflow.lease, None);
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().lease, None);
}

/// 16 concurrent transitions from the same `(state, version)` with distinct idempotency keys:
/// exactly one succeeds, 15 get `Conflict`, exactly one transition row is added.
pub async fn workflow_transition_cas_race(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let wf = drive_to(
        &*store,
        &ctx,
        &new_workflow(&*store, &ctx).await,
        WorkflowState::At(Step::Icp, Phase::Pending),
    )
    .await;
    let rows_before = store.list_transitions(&ctx, wf.id).await.unwrap().len();
    let processing = WorkflowState::At(Step::Icp, Phase::Processing);
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let barrier = barrier.clone();
        let mut req = TransitionRequest::from_current(&wf, processing)
            .with_lease(Lease { owner: format!("worker-{i}"), expires_at: at(600) });
        req.idempotency_key = format!("race-{i}-{}", unique());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.transition(&ctx, req).await
        }));
    }
    let mut ok = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(out) => ok.push(out),
            Err(Error::Conflict { reason, .. }) => {
                assert!(
                    matches!(reason, ConflictReason::StaleWorkflow { current, version } if current == processing && version == wf.version + 1),
                    "{reason:?}"
                );
                conflicts += 1;
            }
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    assert_eq!(ok.len(), 1);
    assert_eq!(conflicts, 15);
    let winner = &ok[0];
    assert!(!winner.replayed);
    let now = store.get_workflow(&ctx, wf.id).await.unwrap().unwrap();
    assert_eq!(now.version, wf.version + 1);
    assert_eq!(now.lease, winner.workflow.lease);
    let rows = store.list_transitions(&ctx, wf.id).await.unwrap();
    assert_eq!(rows.len(), rows_before + 1);
    assert_eq!(rows.last().unwrap().idempotency_key, winner.transition.idempotency_key);
}

/// Replaying a request returns the recorded transition with `replayed = true`, adds no row and
/// leaves the version, even after the workflow moved on.
pub async fn workflow_transition_replay_is_idempotent(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending));
    let first = s.transition(&ctx, req.clone()).await.unwrap();
    assert!(!first.replayed);
    let second = s.transition(&ctx, req.clone()).await.unwrap();
    assert!(second.replayed);
    assert_eq!(second.transition, first.transition);
    assert_eq!(second.workflow, first.workflow);
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len(), 1);
    let audit =
        s.list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), ..Default::default() }).await.unwrap();
    assert_eq!(audit.items.iter().filter(|e| e.action == "workflow.transition").count(), 1);

    let moved = drive_to(s, &ctx, &first.workflow, WorkflowState::At(Step::Icp, Phase::Processing)).await;
    let third = s.transition(&ctx, req).await.unwrap();
    assert!(third.replayed);
    assert_eq!(third.transition, first.transition);
    assert_eq!(third.workflow, moved, "a replay reports the workflow as it is now");
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len(), 2);
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().version, moved.version);
    assert_eq!(third.transition.actor, Actor::User(ctx.actor.user_id().unwrap()));
}

/// Reusing an idempotency key for a different transition is `Conflict(IdempotencyKeyReused)`.
pub async fn workflow_idempotency_key_reuse_conflicts(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let mut req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending));
    req.idempotency_key = format!("key-{}", unique());
    let first = s.transition(&ctx, req.clone()).await.unwrap();

    let mut other = TransitionRequest::from_current(&first.workflow, WorkflowState::Cancelled);
    other.idempotency_key = req.idempotency_key.clone();
    assert_eq!(assert_conflict(s.transition(&ctx, other).await), ConflictReason::IdempotencyKeyReused);
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap(), Some(first.workflow.clone()));
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len(), 1);

    // The same key on another workflow is independent.
    let wf2 = new_workflow(s, &ctx).await;
    let mut req2 = TransitionRequest::from_current(&wf2, WorkflowState::Cancelled);
    req2.idempotency_key = req.idempotency_key.clone();
    let out = s.transition(&ctx, req2).await.unwrap();
    assert!(!out.replayed);
    assert_eq!(out.workflow.state, WorkflowState::Cancelled);
}
