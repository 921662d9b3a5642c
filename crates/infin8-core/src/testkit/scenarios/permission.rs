//! Role checks the store enforces.

use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::organization::{OrganizationSettings, Role};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

/// A viewer cannot record approvals (`Forbidden`, nothing recorded); a member can.
pub async fn permissions_viewer_cannot_approve(ts: TestStore) {
    let s = &*ts.store;
    let owner = new_org(s).await;
    let wf = new_workflow(s, &owner).await;
    let ids = seed_keywords(s, &owner, &wf, &["approve me"]).await;
    let approval = NewApproval {
        workflow_id: wf.id,
        entity_type: ApprovalEntityType::SeedKeywords,
        entity_id: ids[0].as_uuid(),
        decision: Decision::Approved,
        feedback: None,
        confidence: None,
    };
    let viewer = member_ctx(s, &owner, Role::Viewer).await;
    assert_forbidden(s.record_approvals(&viewer, std::slice::from_ref(&approval)).await);
    assert!(s.list_approvals(&owner, wf.id, None).await.unwrap().is_empty());
    let member = member_ctx(s, &owner, Role::Member).await;
    let recorded = s.record_approvals(&member, &[approval]).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].decided_by, member.actor);
}

/// Members and viewers cannot change settings or manage members (`Forbidden`, nothing changes);
/// admins can.
pub async fn permissions_member_cannot_change_settings(ts: TestStore) {
    let s = &*ts.store;
    let owner = new_org(s).await;
    let before = s.get_organization(&owner).await.unwrap().unwrap();
    for role in [Role::Member, Role::Viewer] {
        let ctx = member_ctx(s, &owner, role).await;
        assert_forbidden(
            s.update_organization_profile(
                &ctx,
                Some("https://hijack.example".into()),
                None,
                Vec::new(),
                OrganizationSettings::default(),
            )
            .await,
        );
        assert_forbidden(s.upsert_member(&ctx, crate::ids::UserId::new(), Role::Owner).await);
    }
    assert_eq!(s.get_organization(&owner).await.unwrap().unwrap(), before);
    assert_eq!(s.list_members(&owner).await.unwrap().len(), 3);
    let admin = member_ctx(s, &owner, Role::Admin).await;
    let changed = s
        .update_organization_profile(
            &admin,
            Some("https://ok.example".into()),
            None,
            Vec::new(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(changed.website_url.as_deref(), Some("https://ok.example"));
}
