//! Approvals at the human gates.

use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::audit::AuditQuery;
use crate::ids::WorkflowId;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

fn decision(wf: WorkflowId, entity: uuid::Uuid, t: ApprovalEntityType, d: Decision) -> NewApproval {
    NewApproval {
        workflow_id: wf,
        entity_type: t,
        entity_id: entity,
        decision: d,
        feedback: None,
        confidence: None,
    }
}

/// Decisions are recorded by the actor, listed by id (optionally by entity type); a new decision
/// on the same entity replaces the old one keeping its id and `created_at`; each decision appends
/// one `approval.recorded` audit entry.
pub async fn approvals_record_and_replace(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["one", "two"]).await;
    let mut first = decision(wf.id, k[0].as_uuid(), ApprovalEntityType::SeedKeywords, Decision::Approved);
    first.feedback = Some("good".into());
    first.confidence = Some(0.9);
    let recorded = s
        .record_approvals(
            &ctx,
            &[
                first.clone(),
                decision(wf.id, k[1].as_uuid(), ApprovalEntityType::SeedKeywords, Decision::Rejected),
                decision(wf.id, k[0].as_uuid(), ApprovalEntityType::Subtopics, Decision::Approved),
            ],
        )
        .await
        .unwrap();
    assert_eq!(recorded.len(), 3);
    let a = &recorded[0];
    assert_eq!(
        (a.workflow_id, a.entity_id, a.entity_type),
        (wf.id, k[0].as_uuid(), ApprovalEntityType::SeedKeywords)
    );
    assert_eq!(
        (a.decision, a.feedback.as_deref(), a.confidence),
        (Decision::Approved, Some("good"), Some(0.9))
    );
    assert_eq!(a.decided_by, ctx.actor);
    assert_eq!(a.organization_id, ctx.org_id);

    let all = s.list_approvals(&ctx, wf.id, None).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    let seeds = s.list_approvals(&ctx, wf.id, Some(ApprovalEntityType::SeedKeywords)).await.unwrap();
    assert_eq!(seeds.len(), 2);
    assert!(s.list_approvals(&ctx, wf.id, Some(ApprovalEntityType::Clusters)).await.unwrap().is_empty());

    // Re-decide the first entity.
    let mut again = decision(wf.id, k[0].as_uuid(), ApprovalEntityType::SeedKeywords, Decision::Rejected);
    again.feedback = Some("changed my mind".into());
    let other_user = member_ctx(s, &ctx, crate::organization::Role::Member).await;
    let replaced = s.record_approvals(&other_user, &[again]).await.unwrap();
    assert_eq!(replaced[0].id, a.id);
    assert_eq!(replaced[0].created_at, a.created_at);
    assert_eq!(replaced[0].decision, Decision::Rejected);
    assert_eq!(replaced[0].feedback.as_deref(), Some("changed my mind"));
    assert_eq!(replaced[0].decided_by, other_user.actor);
    let all = s.list_approvals(&ctx, wf.id, None).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.contains(&replaced[0]));

    let audit =
        s.list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), ..Default::default() }).await.unwrap();
    assert_eq!(audit.items.iter().filter(|e| e.action == "approval.recorded").count(), 4);
    assert!(s.list_approvals(&ctx, WorkflowId::new(), None).await.unwrap().is_empty());
}

/// A batch naming an unknown workflow is `NotFound` and records nothing (all or nothing).
pub async fn approvals_are_all_or_nothing(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["one"]).await;
    let batch = [
        decision(wf.id, k[0].as_uuid(), ApprovalEntityType::SeedKeywords, Decision::Approved),
        decision(WorkflowId::new(), k[0].as_uuid(), ApprovalEntityType::SeedKeywords, Decision::Approved),
    ];
    assert_not_found(s.record_approvals(&ctx, &batch).await);
    assert!(s.list_approvals(&ctx, wf.id, None).await.unwrap().is_empty());
    let audit =
        s.list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), ..Default::default() }).await.unwrap();
    assert_eq!(audit.items.iter().filter(|e| e.action == "approval.recorded").count(), 0);
}
