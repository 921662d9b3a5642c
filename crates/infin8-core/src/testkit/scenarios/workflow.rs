//! Workflows: creation, reads, listing and non-state updates.

use crate::audit::AuditQuery;
use crate::error::ConflictReason;
use crate::ids::{OrgId, UserId, WorkflowId};
use crate::money::Usd;
use crate::organization::Role;
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{
    NewWorkflow, Phase, Step, WorkflowCounts, WorkflowQuery, WorkflowSettings, WorkflowState, WorkflowUpdate,
};

/// Create → get → list → update round-trip; creation appends one `workflow.created` audit entry;
/// updates keep the version and state.
pub async fn workflow_create_get_list_update(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let id = WorkflowId::new();
    let mut settings = WorkflowSettings { budget: Some(Usd::from_micros(5_000_000)), ..Default::default() };
    settings.brand_terms = vec!["acme".into()];
    settings.extra.insert("custom".into(), serde_json::json!(7));
    let new = NewWorkflow {
        id: Some(id),
        title: "Q1 campaign".into(),
        description: Some("desc".into()),
        competitor_urls: vec!["https://a.example".into(), "b.example".into()],
        settings: settings.clone(),
        estimated_cost: Usd::from_micros(1_234),
        metadata: serde_json::json!({ "k": [1, 2] }),
        charge: None,
    };
    let wf = s.create_workflow(&ctx, new).await.unwrap();
    assert_eq!(wf.id, id);
    assert_eq!(wf.organization_id, ctx.org_id);
    assert_eq!(wf.state, WorkflowState::Created);
    assert_eq!(wf.version, 1);
    assert_eq!(wf.title, "Q1 campaign");
    assert_eq!(wf.settings, settings);
    assert_eq!(wf.competitor_urls.len(), 2);
    assert_eq!(wf.estimated_cost, Usd::from_micros(1_234));
    assert_eq!(wf.actual_cost, Usd::ZERO);
    assert_eq!(wf.counts, WorkflowCounts::default());
    assert_eq!(wf.created_by, ctx.actor.user_id());
    assert_eq!((wf.last_error.clone(), wf.lease.clone(), wf.completed_at), (None, None, None));
    assert_eq!(s.get_workflow(&ctx, id).await.unwrap(), Some(wf.clone()));

    let audit = s.list_audit(&ctx, AuditQuery { workflow_id: Some(id), ..Default::default() }).await.unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].action, "workflow.created");
    assert_eq!(audit.items[0].actor, ctx.actor);
    assert_eq!(audit.items[0].workflow_id, Some(id));

    let other = new_workflow(s, &ctx).await;
    let listed = s.list_workflows(&ctx, WorkflowQuery::default()).await.unwrap();
    assert_eq!(listed.items.iter().map(|w| w.id).collect::<Vec<_>>(), {
        let mut ids = vec![wf.id, other.id];
        ids.sort();
        ids
    });
    assert_eq!(listed.next_cursor, None);

    let counts = WorkflowCounts { seed_keywords: 12, approved_seeds: 5, ..Default::default() };
    let update = WorkflowUpdate {
        icp_data: Some(serde_json::json!({ "persona": "cfo" })),
        counts: Some(counts),
        actual_cost: Some(Usd::from_micros(99)),
        metadata: Some(serde_json::json!({ "note": "x" })),
        ..Default::default()
    };
    let updated = s.update_workflow(&ctx, id, update).await.unwrap();
    assert_eq!(updated.icp_data, Some(serde_json::json!({ "persona": "cfo" })));
    assert_eq!(updated.counts, counts);
    assert_eq!(updated.actual_cost, Usd::from_micros(99));
    assert_eq!(updated.estimated_cost, Usd::from_micros(1_234), "untouched field kept");
    assert_eq!(updated.settings, settings, "untouched field kept");
    assert_eq!(updated.metadata, serde_json::json!({ "note": "x" }));
    assert_eq!((updated.version, updated.state), (1, WorkflowState::Created));
    assert_eq!(updated.created_at, wf.created_at);
    assert!(updated.updated_at >= wf.updated_at);
    assert_eq!(s.get_workflow(&ctx, id).await.unwrap(), Some(updated));
    assert!(s.list_transitions(&ctx, id).await.unwrap().is_empty());
    assert_not_found(s.update_workflow(&ctx, WorkflowId::new(), WorkflowUpdate::default()).await);
    assert_eq!(s.get_workflow(&ctx, WorkflowId::new()).await.unwrap(), None);
}

/// Empty or over-long titles are `Invalid`; an existing id (in any organization) is
/// `Conflict(AlreadyExists)`; a missing organization is `NotFound`. Nothing is written.
pub async fn workflow_create_rejects_bad_input(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let titled = |t: String| NewWorkflow { title: t, ..Default::default() };
    assert_eq!(assert_invalid(s.create_workflow(&ctx, titled(String::new())).await), "title");
    assert_eq!(assert_invalid(s.create_workflow(&ctx, titled("   ".into())).await), "title");
    assert_eq!(assert_invalid(s.create_workflow(&ctx, titled("x".repeat(501))).await), "title");
    s.create_workflow(&ctx, titled("é".repeat(500))).await.unwrap();

    let existing = new_workflow(s, &ctx).await;
    let dup = NewWorkflow { id: Some(existing.id), title: "again".into(), ..Default::default() };
    assert_eq!(assert_conflict(s.create_workflow(&ctx, dup.clone()).await), ConflictReason::AlreadyExists);
    let other = second_org(s).await;
    assert_eq!(assert_conflict(s.create_workflow(&other, dup).await), ConflictReason::AlreadyExists);
    assert_eq!(s.get_workflow(&ctx, existing.id).await.unwrap(), Some(existing));
    assert!(s.list_workflows(&other, WorkflowQuery::default()).await.unwrap().items.is_empty());

    let missing = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    assert_not_found(s.create_workflow(&missing, titled("t".into())).await);
    assert_eq!(s.list_workflows(&ctx, WorkflowQuery::default()).await.unwrap().items.len(), 2);
}

/// `list_workflows` filters by state.
pub async fn workflow_list_filters_by_state(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let a = new_workflow(s, &ctx).await;
    let b = new_workflow(s, &ctx).await;
    let c = new_workflow(s, &ctx).await;
    let pending = WorkflowState::At(Step::Icp, Phase::Pending);
    drive_to(s, &ctx, &a, pending).await;
    drive_to(s, &ctx, &c, pending).await;
    let q = |state| WorkflowQuery { state: Some(state), ..Default::default() };
    let got = s.list_workflows(&ctx, q(pending)).await.unwrap();
    let mut want = vec![a.id, c.id];
    want.sort();
    assert_eq!(got.items.iter().map(|w| w.id).collect::<Vec<_>>(), want);
    assert!(got.items.iter().all(|w| w.state == pending && w.version == 2));
    let created = s.list_workflows(&ctx, q(WorkflowState::Created)).await.unwrap();
    assert_eq!(created.items.iter().map(|w| w.id).collect::<Vec<_>>(), vec![b.id]);
    assert!(s.list_workflows(&ctx, q(WorkflowState::Completed)).await.unwrap().items.is_empty());
}
