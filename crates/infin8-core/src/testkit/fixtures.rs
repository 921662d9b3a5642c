//! Helpers shared by the scenarios, public so backends can use them in their own tests.
//!
//! Every helper creates fresh, randomly named rows, so scenarios never collide when they share a
//! database.

use crate::error::{ConflictReason, Error};
use crate::ids::{KeywordId, OrgId, UserId};
use crate::keyword::{KeywordType, NewKeyword};
use crate::organization::{NewOrganization, Plan, Role};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::{Lease, NewWorkflow, TransitionRequest, Workflow, WorkflowState, legal_transitions};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{HashMap, VecDeque};

/// A random suffix (UUIDv4, simple form).
#[must_use]
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A fixed instant `secs` seconds after 2030-01-01T00:00:00Z, in whole seconds (so every backend
/// stores it exactly).
#[must_use]
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_893_456_000 + secs, 0).single().expect("valid instant")
}

/// Creates a new organization (random name, Pro plan) and returns its owner's context.
pub async fn new_org(store: &dyn Store) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(format!("org-{}", unique()), Plan::Pro);
    new.id = Some(ctx.org_id);
    store.create_organization(&ctx, new).await.expect("create organization");
    ctx
}

/// Another organization, for isolation scenarios (same as [`new_org`]).
pub async fn second_org(store: &dyn Store) -> TenantContext {
    new_org(store).await
}

/// Adds a new user with `role` to the owner's organization and returns their context.
pub async fn member_ctx(store: &dyn Store, owner: &TenantContext, role: Role) -> TenantContext {
    let user = UserId::new();
    store.upsert_member(owner, user, role).await.expect("upsert member");
    TenantContext::user(owner.org_id, user, role)
}

/// A new workflow in `CREATED` with a random title.
pub async fn new_workflow(store: &dyn Store, ctx: &TenantContext) -> Workflow {
    let new = NewWorkflow {
        title: format!("campaign {}", unique()),
        description: Some("conformance".into()),
        competitor_urls: vec!["https://example.com".into()],
        metadata: serde_json::json!({ "suite": "conformance" }),
        ..NewWorkflow::default()
    };
    store.create_workflow(ctx, new).await.expect("create workflow")
}

/// The shortest legal path of states from `from` to `to` (excluding `from`), if any.
#[must_use]
pub fn path_between(from: WorkflowState, to: WorkflowState) -> Option<Vec<WorkflowState>> {
    let mut prev: HashMap<WorkflowState, WorkflowState> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(s) = queue.pop_front() {
        if s == to {
            let mut path = vec![to];
            let mut cur = to;
            while let Some(p) = prev.get(&cur) {
                if *p == from {
                    break;
                }
                path.push(*p);
                cur = *p;
            }
            path.reverse();
            return Some(if from == to { Vec::new() } else { path });
        }
        for (next, _) in legal_transitions(s) {
            if next != from && !prev.contains_key(&next) {
                prev.insert(next, s);
                queue.push_back(next);
            }
        }
    }
    None
}

/// A transition request from the workflow's current state: with a lease when entering
/// `*_PROCESSING`, and a reason when entering `*_FAILED`.
#[must_use]
pub fn request_to(workflow: &Workflow, to: WorkflowState) -> TransitionRequest {
    let mut req = TransitionRequest::from_current(workflow, to);
    if to.is_processing() {
        req = req.with_lease(Lease { owner: "conformance-worker".into(), expires_at: at(3_600) });
    }
    if to.phase() == Some(crate::workflow::Phase::Failed) {
        req = req.with_reason("conformance failure");
    }
    req
}

/// Walks the workflow through legal transitions (shortest path) to `target` and returns it there.
///
/// # Panics
/// If `target` is unreachable or a transition fails.
pub async fn drive_to(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: &Workflow,
    target: WorkflowState,
) -> Workflow {
    let mut wf = store.get_workflow(ctx, workflow.id).await.unwrap().expect("workflow exists");
    let path =
        path_between(wf.state, target).unwrap_or_else(|| panic!("{} unreachable from {}", target, wf.state));
    for to in path {
        wf = store.transition(ctx, request_to(&wf, to)).await.expect("transition").workflow;
    }
    assert_eq!(wf.state, target);
    wf
}

/// Inserts seed keywords and returns their ids in input order.
pub async fn seed_keywords(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: &Workflow,
    texts: &[&str],
) -> Vec<KeywordId> {
    let new: Vec<_> = texts
        .iter()
        .map(|t| NewKeyword::new(workflow.id, KeywordType::Seed, None, *t, "conformance"))
        .collect();
    store.upsert_keywords(ctx, &new).await.expect("upsert seeds").into_iter().map(|u| u.id).collect()
}

/// Inserts longtail keywords under `parent` and returns their ids in input order.
pub async fn longtail_keywords(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: &Workflow,
    parent: KeywordId,
    texts: &[&str],
) -> Vec<KeywordId> {
    let new: Vec<_> = texts
        .iter()
        .map(|t| NewKeyword::new(workflow.id, KeywordType::Longtail, Some(parent), *t, "conformance"))
        .collect();
    store.upsert_keywords(ctx, &new).await.expect("upsert longtails").into_iter().map(|u| u.id).collect()
}

/// Asserts `NotFound`.
#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Asserts `Invalid`, returning the field named.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>) -> &'static str {
    match result {
        Err(Error::Invalid(e)) => e.field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Asserts `Forbidden`.
#[track_caller]
pub fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Forbidden { .. }) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

/// Asserts `Conflict` and returns its reason.
#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, Error>) -> ConflictReason {
    match result {
        Err(Error::Conflict { reason, .. }) => reason,
        other => panic!("expected Conflict, got {other:?}"),
    }
}
