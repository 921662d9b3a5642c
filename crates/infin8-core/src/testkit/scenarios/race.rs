//! Races on natural keys and idempotency keys: concurrent duplicates resolve to one row.

use crate::error::{ConflictReason, Error};
use crate::ids::{OrgId, UserId, WorkflowId};
use crate::organization::{NewOrganization, Plan, Role};
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{NewWorkflow, Phase, Step, TransitionRequest, WorkflowState};
use std::sync::Arc;

/// 8 concurrent replays of one transition request (same idempotency key): all succeed, exactly
/// one applies it (`replayed == false`), the rest report the same recorded transition, and one
/// row is written.
pub async fn workflow_concurrent_replays_apply_once(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let wf = new_workflow(&*store, &ctx).await;
    let req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending));
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, barrier, req) = (store.clone(), barrier.clone(), req.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.transition(&ctx, req).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().expect("a replay of the same request succeeds"));
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    let first = outcomes.iter().find(|o| !o.replayed).unwrap().transition.clone();
    assert!(outcomes.iter().all(|o| o.transition == first));
    assert!(outcomes.iter().all(|o| o.workflow.version == 2));
    assert_eq!(store.list_transitions(&ctx, wf.id).await.unwrap(), vec![first]);
}

/// 8 concurrent creations of one workflow id: one succeeds, the others are
/// `Conflict(AlreadyExists)`; likewise for one organization id.
pub async fn creation_races_on_one_id(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let id = WorkflowId::new();
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let new = NewWorkflow { id: Some(id), title: format!("racer {i}"), ..Default::default() };
            tokio::spawn(async move {
                barrier.wait().await;
                store.create_workflow(&ctx, new).await
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Conflict { reason: ConflictReason::AlreadyExists, .. }) => conflicts += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 7));
    let audit = store
        .list_audit(&ctx, crate::audit::AuditQuery { workflow_id: Some(id), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1, "one workflow.created entry");

    let org = OrgId::new();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            let ctx = TenantContext::user(org, UserId::new(), Role::Owner);
            let new = NewOrganization::new(format!("race-{org}"), Plan::Free);
            tokio::spawn(async move {
                barrier.wait().await;
                store.create_organization(&ctx, new).await
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Conflict { reason: ConflictReason::AlreadyExists, .. }) => conflicts += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, conflicts), (1, 7));
    let owner = TenantContext::user(org, UserId::new(), Role::Owner);
    assert_eq!(store.list_members(&owner).await.unwrap().len(), 1, "only the winner became owner");
}

/// Cancelling works from any non-terminal state, clears the lease, and is final.
pub async fn workflow_cancel_from_non_terminal_states(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    for target in [
        WorkflowState::Created,
        WorkflowState::At(Step::Icp, Phase::Processing),
        WorkflowState::At(Step::SeedReview, Phase::Pending),
        WorkflowState::At(Step::Clustering, Phase::Failed),
        WorkflowState::At(Step::Subtopics, Phase::AwaitingReview),
        WorkflowState::At(Step::Publish, Phase::Completed),
    ] {
        let wf = drive_to(s, &ctx, &new_workflow(s, &ctx).await, target).await;
        let out =
            s.transition(&ctx, TransitionRequest::from_current(&wf, WorkflowState::Cancelled)).await.unwrap();
        assert_eq!(out.workflow.state, WorkflowState::Cancelled, "from {target}");
        assert_eq!(out.transition.kind, crate::workflow::TransitionKind::Cancel);
        assert_eq!((out.workflow.lease.clone(), out.workflow.completed_at), (None, None));
        let again = s
            .transition(&ctx, TransitionRequest::from_current(&out.workflow, WorkflowState::Cancelled))
            .await;
        assert!(matches!(assert_conflict(again), ConflictReason::IllegalTransition { .. }));
    }
}
