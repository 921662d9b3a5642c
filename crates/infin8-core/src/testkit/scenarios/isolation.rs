//! Tenant isolation: organization B's rows are invisible to organization A, and writes naming
//! B's ids fail for A.

use crate::audit::AuditQuery;
use crate::keyword::{KeywordQuery, KeywordType, KeywordUpdate, NewKeyword};
use crate::organization::{CompetitorStatus, NewCompetitor};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{Phase, Step, TransitionRequest, WorkflowQuery, WorkflowState, WorkflowUpdate};

/// Organizations, members and competitors of B are invisible to A; A cannot update B's
/// competitor.
pub async fn isolation_organizations_members_competitors(ts: TestStore) {
    let s = &*ts.store;
    let a = new_org(s).await;
    let b = second_org(s).await;
    s.upsert_member(&b, crate::ids::UserId::new(), crate::organization::Role::Member).await.unwrap();
    let b_comp = s.upsert_competitors(&b, &[NewCompetitor { url: "b-rival.example".into() }]).await.unwrap();
    let a_comp = s.upsert_competitors(&a, &[NewCompetitor { url: "b-rival.example".into() }]).await.unwrap();
    assert_ne!(a_comp[0].id, b_comp[0].id, "same site, separate rows per organization");

    assert_eq!(s.get_organization(&a).await.unwrap().unwrap().id, a.org_id);
    let a_members = s.list_members(&a).await.unwrap();
    assert_eq!(a_members.len(), 1);
    assert!(a_members.iter().all(|m| m.organization_id == a.org_id));
    assert_eq!(s.list_members(&b).await.unwrap().len(), 2);
    assert_eq!(s.list_competitors(&a).await.unwrap(), a_comp);

    assert_not_found(s.update_competitor(&a, b_comp[0].id, CompetitorStatus::Failed, 9).await);
    assert_eq!(s.list_competitors(&b).await.unwrap(), b_comp);
}

/// B's workflows are `None`/absent for A; A cannot update, transition or list transitions of
/// them; B's transitions are unaffected.
pub async fn isolation_workflows(ts: TestStore) {
    let s = &*ts.store;
    let a = new_org(s).await;
    let b = second_org(s).await;
    let a_wf = new_workflow(s, &a).await;
    let b_wf = new_workflow(s, &b).await;
    let b_wf = drive_to(s, &b, &b_wf, WorkflowState::At(Step::Icp, Phase::Pending)).await;

    assert_eq!(s.get_workflow(&a, b_wf.id).await.unwrap(), None);
    let listed =
        s.list_workflows(&a, WorkflowQuery { limit: Some(10_000), ..Default::default() }).await.unwrap();
    assert_eq!(listed.items.iter().map(|w| w.id).collect::<Vec<_>>(), vec![a_wf.id]);
    assert_not_found(
        s.update_workflow(
            &a,
            b_wf.id,
            WorkflowUpdate { metadata: Some(serde_json::json!(1)), ..Default::default() },
        )
        .await,
    );
    assert_not_found(
        s.transition(
            &a,
            TransitionRequest::from_current(&b_wf, WorkflowState::At(Step::Icp, Phase::Processing)),
        )
        .await,
    );
    assert_not_found(s.list_transitions(&a, b_wf.id).await);
    let b_now = s.get_workflow(&b, b_wf.id).await.unwrap().unwrap();
    assert_eq!(b_now, b_wf);
    assert_eq!(s.list_transitions(&b, b_wf.id).await.unwrap().len(), 1);
    let a_audit = s.list_audit(&a, AuditQuery { limit: Some(10_000), ..Default::default() }).await.unwrap();
    assert!(a_audit.items.iter().all(|e| e.organization_id == a.org_id));
    assert!(a_audit.items.iter().all(|e| e.workflow_id != Some(b_wf.id)));
    assert!(
        s.list_audit(&a, AuditQuery { workflow_id: Some(b_wf.id), ..Default::default() })
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// B's keywords are `None` for A; listing B's workflow gives an empty page; A cannot upsert into
/// B's workflow, under B's parent, or update B's keywords.
pub async fn isolation_keywords(ts: TestStore) {
    let s = &*ts.store;
    let a = new_org(s).await;
    let b = second_org(s).await;
    let a_wf = new_workflow(s, &a).await;
    let b_wf = new_workflow(s, &b).await;
    let b_ids = seed_keywords(s, &b, &b_wf, &["shared text", "b only"]).await;
    let a_ids = seed_keywords(s, &a, &a_wf, &["shared text"]).await;
    assert_ne!(a_ids[0], b_ids[0]);

    assert_eq!(s.get_keyword(&a, b_ids[0]).await.unwrap(), None);
    assert!(s.list_keywords(&a, KeywordQuery::workflow(b_wf.id)).await.unwrap().items.is_empty());
    assert_eq!(s.list_keywords(&a, KeywordQuery::workflow(a_wf.id)).await.unwrap().items.len(), 1);
    // Into B's workflow.
    assert_not_found(
        s.upsert_keywords(&a, &[NewKeyword::new(b_wf.id, KeywordType::Seed, None, "intruder", "x")]).await,
    );
    // Under B's parent, in A's workflow.
    assert_not_found(
        s.upsert_keywords(
            &a,
            &[NewKeyword::new(a_wf.id, KeywordType::Longtail, Some(b_ids[0]), "child", "x")],
        )
        .await,
    );
    // Updating B's keyword.
    assert_not_found(
        s.update_keywords(&a, &[KeywordUpdate { user_selected: Some(true), ..KeywordUpdate::new(b_ids[1]) }])
            .await,
    );
    assert!(!s.get_keyword(&b, b_ids[1]).await.unwrap().unwrap().user_selected);
    assert_eq!(s.list_keywords(&b, KeywordQuery::workflow(b_wf.id)).await.unwrap().items.len(), 2);
    assert_eq!(s.list_keywords(&a, KeywordQuery::workflow(a_wf.id)).await.unwrap().items.len(), 1);
}
