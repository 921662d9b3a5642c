//! The durable runner's store operations: claiming across organizations, leases (expiry,
//! renewal, release) and failure records.

use crate::audit::AuditQuery;
use crate::ids::{OrgId, WorkflowId};
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{
    ClaimRequest, Failure, FailureKind, Lease, Phase, Step, TransitionRequest, Workflow, WorkflowState,
};
use std::collections::HashMap;

fn claim(owner: &str, limit: u32, now_secs: i64, orgs: &[OrgId]) -> ClaimRequest {
    let mut req = ClaimRequest::new(owner, limit, at(now_secs), chrono::Duration::seconds(30));
    req.per_organization = limit;
    req.organizations = Some(orgs.to_vec());
    req
}

async fn failed_with(s: &dyn crate::store::Store, ctx: &TenantContext, failure: Failure) -> Workflow {
    let wf = new_workflow(s, ctx).await;
    let wf = drive_to(s, ctx, &wf, WorkflowState::At(Step::Icp, Phase::Processing)).await;
    let req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Failed))
        .with_reason("provider down")
        .with_failure(failure);
    s.transition(ctx, req).await.unwrap().workflow
}

/// 16 workers claim at once from 3 organizations' 12 runnable workflows: every workflow goes to
/// exactly one worker, and all 12 are handed out.
pub async fn claim_race_one_winner_each(ts: TestStore) {
    let store = ts.store.clone();
    let mut orgs = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let ctx = new_org(&*store).await;
        orgs.push(ctx.org_id);
        for _ in 0..4 {
            ids.push(new_workflow(&*store, &ctx).await.id);
        }
    }
    let mut tasks = Vec::new();
    for w in 0..16 {
        let store = store.clone();
        let req = claim(&format!("worker-{w}"), 3, 0, &orgs);
        tasks.push(tokio::spawn(async move { store.claim_workflows(req).await.unwrap() }));
    }
    let mut owners: HashMap<WorkflowId, Vec<String>> = HashMap::new();
    for t in tasks {
        for c in t.await.unwrap() {
            assert!(orgs.contains(&c.organization_id));
            assert_eq!(c.state, WorkflowState::Created);
            owners.entry(c.workflow_id).or_default().push(c.lease.owner);
        }
    }
    for (id, who) in &owners {
        assert_eq!(who.len(), 1, "{id} claimed by {who:?}");
    }
    let mut claimed: Vec<_> = owners.keys().copied().collect();
    claimed.sort();
    ids.sort();
    assert_eq!(claimed, ids, "every runnable workflow handed out once");
    // Nothing is left to claim while the leases hold.
    assert!(store.claim_workflows(claim("late", 10, 1, &orgs)).await.unwrap().is_empty());
}

/// A claimed workflow carries the lease (readable by its tenant); another worker gets it only
/// after the lease lapses, and the first worker's renewal then fails.
pub async fn claim_lease_expiry_takeover(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let first = s.claim_workflows(claim("a", 1, 0, &[ctx.org_id])).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].lease, Lease { owner: "a".into(), expires_at: at(30) });
    let read = s.get_workflow(&ctx, wf.id).await.unwrap().unwrap();
    assert_eq!(read.lease, Some(Lease { owner: "a".into(), expires_at: at(30) }));
    assert_eq!(read.version, wf.version, "a claim is not a transition");

    assert!(s.claim_workflows(claim("b", 1, 29, &[ctx.org_id])).await.unwrap().is_empty());
    let taken = s.claim_workflows(claim("b", 1, 30, &[ctx.org_id])).await.unwrap();
    assert_eq!(taken.len(), 1, "a lease that lapsed at `now` is free");
    assert_eq!(taken[0].lease.owner, "b");
    let renewed = s.renew_lease(&ctx, wf.id, Lease { owner: "a".into(), expires_at: at(90) }).await.unwrap();
    assert!(!renewed, "the old owner lost the lease");
    let read = s.get_workflow(&ctx, wf.id).await.unwrap().unwrap();
    assert_eq!(read.lease, Some(Lease { owner: "b".into(), expires_at: at(60) }));
}

/// Renewing extends the lease and writes no transition and no audit row; releasing frees the
/// workflow at once for any worker; neither works for a worker that does not hold the lease.
pub async fn lease_renew_and_release(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    s.claim_workflows(claim("a", 1, 0, &[ctx.org_id])).await.unwrap();
    let audit_before =
        s.list_audit(&ctx, AuditQuery { limit: Some(1_000), ..Default::default() }).await.unwrap();
    let transitions_before = s.list_transitions(&ctx, wf.id).await.unwrap().len();

    assert!(s.renew_lease(&ctx, wf.id, Lease { owner: "a".into(), expires_at: at(100) }).await.unwrap());
    assert!(!s.renew_lease(&ctx, wf.id, Lease { owner: "z".into(), expires_at: at(500) }).await.unwrap());
    let read = s.get_workflow(&ctx, wf.id).await.unwrap().unwrap();
    assert_eq!(read.lease, Some(Lease { owner: "a".into(), expires_at: at(100) }));
    assert!(s.claim_workflows(claim("b", 1, 50, &[ctx.org_id])).await.unwrap().is_empty(), "renewed");

    assert!(!s.release_lease(&ctx, wf.id, "z").await.unwrap());
    assert!(s.release_lease(&ctx, wf.id, "a").await.unwrap());
    assert!(!s.release_lease(&ctx, wf.id, "a").await.unwrap(), "released once");
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap().lease, None);
    let next = s.claim_workflows(claim("b", 1, 50, &[ctx.org_id])).await.unwrap();
    assert_eq!(next.len(), 1, "a released workflow is claimable at once");

    let audit_after =
        s.list_audit(&ctx, AuditQuery { limit: Some(1_000), ..Default::default() }).await.unwrap();
    assert_eq!(audit_after.items.len(), audit_before.items.len(), "leases write no audit rows");
    assert_eq!(s.list_transitions(&ctx, wf.id).await.unwrap().len(), transitions_before);

    // Tenancy: another organization can neither renew nor release it (it does not exist there).
    let other = second_org(s).await;
    assert!(s.release_lease(&other, wf.id, "b").await.unwrap_err().is_not_found());
    assert!(
        s.renew_lease(&other, wf.id, Lease { owner: "b".into(), expires_at: at(999) })
            .await
            .unwrap_err()
            .is_not_found()
    );
}

/// Workflows waiting for people (seed review, subtopic review), finished, cancelled, or failed
/// for good are never claimed; every other unleased state is, and so is a gate entered with a
/// due time (one that configuration passes) once it is due.
pub async fn claim_skips_gates_terminal_and_permanent_failures(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let mut never = Vec::new();
    for target in [
        WorkflowState::At(Step::SeedReview, Phase::Pending),
        WorkflowState::At(Step::Subtopics, Phase::AwaitingReview),
        WorkflowState::Completed,
        WorkflowState::Cancelled,
    ] {
        let wf = new_workflow(s, &ctx).await;
        never.push(drive_to(s, &ctx, &wf, target).await.id);
    }
    for kind in [
        FailureKind::Permanent,
        FailureKind::RetriesExhausted,
        FailureKind::Quota,
        FailureKind::Auth,
        FailureKind::Budget,
    ] {
        never.push(failed_with(s, &ctx, Failure { kind, next_attempt_at: Some(at(-10)) }).await.id);
    }
    let mut runnable = Vec::new();
    for target in [
        WorkflowState::Created,
        WorkflowState::At(Step::Icp, Phase::Pending),
        WorkflowState::At(Step::SeedReview, Phase::Completed),
        WorkflowState::At(Step::Articles, Phase::Completed),
    ] {
        let wf = new_workflow(s, &ctx).await;
        runnable.push(drive_to(s, &ctx, &wf, target).await.id);
    }
    // A gate that configuration passes is entered with a due time: claimable once due, so a
    // crash between entering and passing it cannot strand the workflow.
    let gate = new_workflow(s, &ctx).await;
    let before = drive_to(s, &ctx, &gate, WorkflowState::At(Step::Competitors, Phase::Completed)).await;
    let mut enter =
        TransitionRequest::from_current(&before, WorkflowState::At(Step::SeedReview, Phase::Pending));
    enter.due_at = Some(at(-5));
    let entered = s.transition(&ctx, enter).await.unwrap().workflow;
    assert_eq!(entered.next_attempt_at, Some(at(-5)));
    runnable.push(gate.id);
    let mut req = claim("w", 100, 0, &[ctx.org_id]);
    req.per_organization = 100;
    let mut got: Vec<_> = s.claim_workflows(req).await.unwrap().into_iter().map(|c| c.workflow_id).collect();
    got.sort();
    runnable.sort();
    assert_eq!(got, runnable);
    for id in never {
        assert_eq!(s.get_workflow(&ctx, id).await.unwrap().unwrap().lease, None);
    }
}

/// A temporary failure is claimed only once its `next_attempt_at` has come, and due workflows
/// are handed out oldest-due first.
pub async fn claim_honours_due_time(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let later =
        failed_with(s, &ctx, Failure { kind: FailureKind::Temporary, next_attempt_at: Some(at(60)) }).await;
    let sooner =
        failed_with(s, &ctx, Failure { kind: FailureKind::Temporary, next_attempt_at: Some(at(20)) }).await;
    assert!(s.claim_workflows(claim("w", 5, 19, &[ctx.org_id])).await.unwrap().is_empty());
    let mut long_lease = claim("w", 5, 20, &[ctx.org_id]);
    long_lease.lease_expires_at = at(500);
    let first = s.claim_workflows(long_lease).await.unwrap();
    assert_eq!(first.iter().map(|c| c.workflow_id).collect::<Vec<_>>(), vec![sooner.id]);
    assert_eq!(first[0].state, WorkflowState::At(Step::Icp, Phase::Failed));
    let second = s.claim_workflows(claim("w", 5, 61, &[ctx.org_id])).await.unwrap();
    assert_eq!(second.iter().map(|c| c.workflow_id).collect::<Vec<_>>(), vec![later.id]);
    // Oldest due first across both: release, then claim one at a time.
    for wf in [&later, &sooner] {
        s.release_lease(&ctx, wf.id, "w").await.unwrap();
    }
    let one = s.claim_workflows(claim("x", 1, 100, &[ctx.org_id])).await.unwrap();
    assert_eq!(one[0].workflow_id, sooner.id);
}

/// Per-organization fairness: a claim takes at most `per_organization` of one organization, so
/// a tenant with many due workflows cannot take every slot; organization filters are honoured.
pub async fn claim_is_fair_across_organizations(ts: TestStore) {
    let s = &*ts.store;
    let busy = new_org(s).await;
    let quiet = new_org(s).await;
    for _ in 0..5 {
        new_workflow(s, &busy).await;
    }
    let lone = new_workflow(s, &quiet).await;
    let mut req = claim("w", 2, 0, &[busy.org_id, quiet.org_id]);
    req.per_organization = 1;
    let got = s.claim_workflows(req.clone()).await.unwrap();
    assert_eq!(got.len(), 2);
    let orgs: Vec<_> = got.iter().map(|c| c.organization_id).collect();
    assert!(orgs.contains(&busy.org_id) && orgs.contains(&quiet.org_id), "{orgs:?}");
    assert!(got.iter().any(|c| c.workflow_id == lone.id));

    req.exclude_organizations = vec![busy.org_id];
    assert!(s.claim_workflows(req.clone()).await.unwrap().is_empty(), "the quiet tenant has nothing left");
    req.organizations = Some(vec![quiet.org_id]);
    req.exclude_organizations.clear();
    assert!(s.claim_workflows(req).await.unwrap().is_empty());
}

/// The failure record round-trips: kind and due time are set entering `*_FAILED`, the attempt
/// counter counts failures of the step, a retry clears kind and due time but keeps the count,
/// and completing the step resets it. The transition's audit details carry the request's fields
/// (the same on every backend).
pub async fn failure_kinds_round_trip(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let failure = Failure { kind: FailureKind::Temporary, next_attempt_at: Some(at(42)) };
    let wf = failed_with(s, &ctx, failure).await;
    assert_eq!(wf.failure_kind, Some(FailureKind::Temporary));
    assert_eq!(wf.next_attempt_at, Some(at(42)));
    assert_eq!(wf.attempts, 1);
    assert_eq!(wf.last_error.as_deref(), Some("provider down"));
    assert_eq!(s.get_workflow(&ctx, wf.id).await.unwrap().unwrap(), wf);

    let audit = s
        .list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), limit: Some(1_000), ..Default::default() })
        .await
        .unwrap();
    let last = audit.items.iter().rev().find(|e| e.action == "workflow.transition").unwrap();
    let d = &last.details;
    assert_eq!(d["from"], "ICP_PROCESSING");
    assert_eq!(d["to"], "ICP_FAILED");
    assert_eq!(d["kind"], "fail");
    assert_eq!(d["version"], wf.version);
    assert_eq!(d["reason"], "provider down");
    assert_eq!(d["failure_kind"], "temporary");
    assert!(d["idempotency_key"].as_str().is_some_and(|k| !k.is_empty()));
    assert!(d["next_attempt_at"].is_string());

    let retried = s
        .transition(&ctx, TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending)))
        .await
        .unwrap()
        .workflow;
    assert_eq!((retried.failure_kind, retried.next_attempt_at, retried.attempts), (None, None, 1));
    assert_eq!(retried.last_error, None);
    let again = drive_to(s, &ctx, &retried, WorkflowState::At(Step::Icp, Phase::Processing)).await;
    let req = TransitionRequest::from_current(&again, WorkflowState::At(Step::Icp, Phase::Failed))
        .with_reason("bad answer");
    let failed = s.transition(&ctx, req).await.unwrap().workflow;
    assert_eq!(failed.failure_kind, Some(FailureKind::Permanent), "no failure given: permanent");
    assert_eq!(failed.attempts, 2);
    let done = drive_to(s, &ctx, &failed, WorkflowState::At(Step::Icp, Phase::Completed)).await;
    assert_eq!(done.attempts, 0, "a completed step resets the count");
    assert_eq!(s.get_workflow(&ctx, done.id).await.unwrap().unwrap().attempts, 0);
}

/// A lease given with a transition is kept while the workflow moves through states a worker
/// drives (pending, processing, completed steps) and cleared on entering a gate, a failure or
/// the end.
pub async fn workflow_lease_follows_the_worker(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let lease = Lease { owner: "w".into(), expires_at: at(60) };
    let mut current = wf;
    for to in [
        WorkflowState::At(Step::Icp, Phase::Pending),
        WorkflowState::At(Step::Icp, Phase::Processing),
        WorkflowState::At(Step::Icp, Phase::Completed),
        WorkflowState::At(Step::Competitors, Phase::Pending),
    ] {
        let req = TransitionRequest::from_current(&current, to).with_lease(lease.clone());
        current = s.transition(&ctx, req).await.unwrap().workflow;
        assert_eq!(current.lease, Some(lease.clone()), "kept entering {to}");
    }
    let to_processing =
        TransitionRequest::from_current(&current, WorkflowState::At(Step::Competitors, Phase::Processing))
            .with_lease(lease.clone());
    current = s.transition(&ctx, to_processing).await.unwrap().workflow;
    let failed =
        TransitionRequest::from_current(&current, WorkflowState::At(Step::Competitors, Phase::Failed))
            .with_lease(lease.clone());
    current = s.transition(&ctx, failed).await.unwrap().workflow;
    assert_eq!(current.lease, None, "cleared entering a failure");
    let back =
        TransitionRequest::from_current(&current, WorkflowState::At(Step::Competitors, Phase::Pending))
            .with_lease(lease.clone());
    current = s.transition(&ctx, back).await.unwrap().workflow;
    let current = drive_to(s, &ctx, &current, WorkflowState::At(Step::SeedReview, Phase::Pending)).await;
    assert_eq!(current.lease, None, "cleared at the seed review gate");
    let cancel = TransitionRequest::from_current(&current, WorkflowState::Cancelled).with_lease(lease);
    let current = s.transition(&ctx, cancel).await.unwrap().workflow;
    assert_eq!(current.lease, None, "cleared at the end");
}

/// The next event of a subscription, waiting at most 10 s (PostgreSQL delivers asynchronously).
async fn next_event(sub: &mut crate::engine::feed::ProgressStream) -> crate::engine::ProgressEvent {
    use futures::StreamExt;
    tokio::time::timeout(std::time::Duration::from_secs(10), sub.next())
        .await
        .expect("an event within 10 s")
        .expect("the subscription is open")
        .expect("a well-formed event")
}

/// The progress feed: events reach the subscribers of the publishing organization, in order, and
/// no other organization's; any role may subscribe, a viewer may not publish.
pub async fn progress_feed_reaches_the_organization_only(ts: TestStore) {
    use crate::engine::ProgressEvent;
    let s = &*ts.store;
    let a = new_org(s).await;
    let b = second_org(s).await;
    let viewer = member_ctx(s, &a, crate::organization::Role::Viewer).await;
    let mut sub_a = s.subscribe_progress(&viewer).await.unwrap();
    let mut sub_b = s.subscribe_progress(&b).await.unwrap();
    let wf = new_workflow(s, &a).await;
    let started = ProgressEvent::StepStarted { workflow: wf.id, step: Step::Icp };
    let changed = ProgressEvent::StateChanged {
        workflow: wf.id,
        from: WorkflowState::Created,
        to: WorkflowState::At(Step::Icp, Phase::Processing),
        version: 2,
    };
    assert_forbidden(s.publish_progress(&viewer, std::slice::from_ref(&started)).await);
    s.publish_progress(&a, &[changed.clone(), started.clone()]).await.unwrap();
    s.publish_progress(&a, &[]).await.unwrap();
    let other = new_workflow(s, &b).await;
    let marker = ProgressEvent::LeaseReleased { workflow: other.id };
    s.publish_progress(&b, std::slice::from_ref(&marker)).await.unwrap();
    assert_eq!(next_event(&mut sub_a).await, changed);
    assert_eq!(next_event(&mut sub_a).await, started);
    // B's first event is its own: nothing of A's (sent earlier) came before it.
    assert_eq!(next_event(&mut sub_b).await, marker);
    // A subscription opened later does not see earlier events, and sees new ones.
    let mut late = s.subscribe_progress(&a).await.unwrap();
    let finished = ProgressEvent::LeaseReleased { workflow: wf.id };
    s.publish_progress(&a, std::slice::from_ref(&finished)).await.unwrap();
    assert_eq!(next_event(&mut late).await, finished);
    assert_eq!(next_event(&mut sub_a).await, finished);
}
