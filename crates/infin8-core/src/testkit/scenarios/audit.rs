//! The append-only audit log.

use crate::audit::{AuditQuery, NewAuditEntry};
use crate::error::ConflictReason;
use crate::ids::{AuditId, WorkflowId};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

fn entry(workflow: Option<WorkflowId>, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        id: AuditId::new(),
        workflow_id: workflow,
        action: action.into(),
        entity_type: "keyword".into(),
        entity_id: Some(unique()),
        details: serde_json::json!({ "n": action }),
    }
}

/// Appended entries come back as written (actor and organization from the context), listed
/// oldest first, optionally for one workflow; an unknown workflow is `NotFound`.
pub async fn audit_append_and_list_oldest_first(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let mut appended = Vec::new();
    for i in 0..5 {
        let new = entry(if i % 2 == 0 { Some(wf.id) } else { None }, &format!("test.action{i}"));
        let got = s.append_audit(&ctx, new.clone()).await.unwrap();
        assert_eq!(got.id, new.id);
        assert_eq!(got.organization_id, ctx.org_id);
        assert_eq!(got.actor, ctx.actor);
        assert_eq!(got.workflow_id, new.workflow_id);
        assert_eq!((got.action.as_str(), got.entity_type.as_str()), (new.action.as_str(), "keyword"));
        assert_eq!(got.entity_id, new.entity_id);
        assert_eq!(got.details, new.details);
        appended.push(got);
    }
    let all = s.list_audit(&ctx, AuditQuery::default()).await.unwrap();
    // The workflow's creation entry comes first, then ours in order.
    assert_eq!(all.items.len(), 6);
    assert_eq!(all.items[0].action, "workflow.created");
    assert_eq!(&all.items[1..], &appended[..]);
    assert!(all.items.windows(2).all(|w| w[0].id < w[1].id));

    let of_wf =
        s.list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), ..Default::default() }).await.unwrap();
    assert_eq!(of_wf.items.len(), 4);
    assert!(of_wf.items.iter().all(|e| e.workflow_id == Some(wf.id)));

    assert_not_found(s.append_audit(&ctx, entry(Some(WorkflowId::new()), "ghost")).await);
    assert_eq!(s.list_audit(&ctx, AuditQuery::default()).await.unwrap().items.len(), 6);
}

/// Appending an existing id is `Conflict(AlreadyExists)` and leaves the original unchanged, in
/// any organization.
pub async fn audit_duplicate_id_conflicts_and_keeps_original(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let original = s.append_audit(&ctx, entry(None, "first")).await.unwrap();
    let mut dup = entry(None, "overwrite attempt");
    dup.id = original.id;
    assert_eq!(assert_conflict(s.append_audit(&ctx, dup.clone()).await), ConflictReason::AlreadyExists);
    let other = second_org(s).await;
    assert_eq!(assert_conflict(s.append_audit(&other, dup).await), ConflictReason::AlreadyExists);
    let listed = s.list_audit(&ctx, AuditQuery::default()).await.unwrap();
    assert_eq!(listed.items, vec![original]);
    assert!(s.list_audit(&other, AuditQuery::default()).await.unwrap().items.is_empty());
}
