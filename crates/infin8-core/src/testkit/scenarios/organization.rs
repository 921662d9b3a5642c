//! Organizations, members and competitors.

use crate::error::ConflictReason;
use crate::ids::{CompetitorId, OrgId, UserId};
use crate::organization::{
    CompetitorStatus, NewCompetitor, NewOrganization, OnboardingStatus, OrganizationSettings, Plan, Role,
    SubscriptionStatus,
};
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

/// Create → get round-trip; the creating user becomes owner; duplicate id or name conflicts;
/// empty name and mismatched id are invalid; a missing organization reads as `None`.
pub async fn organization_create_get_and_duplicates(ts: TestStore) {
    let s = &*ts.store;
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let name = format!("acme-{}", unique());
    let mut new = NewOrganization::new(name.clone(), Plan::Starter);
    new.website_url = Some("https://acme.example".into());
    new.business_description = Some("we sell anvils".into());
    new.target_audiences = vec!["coyotes".into()];
    new.settings.blog_settings = serde_json::json!({ "tone": "dry" });
    assert_eq!(s.get_organization(&ctx).await.unwrap(), None);

    let org = s.create_organization(&ctx, new.clone()).await.unwrap();
    assert_eq!(org.id, ctx.org_id);
    assert_eq!(org.name, name);
    assert_eq!(org.plan, Plan::Starter);
    assert_eq!(org.subscription_status, SubscriptionStatus::Trialing);
    assert_eq!(org.onboarding_status, OnboardingStatus::NotStarted);
    assert_eq!(org.website_url.as_deref(), Some("https://acme.example"));
    assert_eq!(org.target_audiences, vec!["coyotes".to_string()]);
    assert_eq!(org.settings.blog_settings, serde_json::json!({ "tone": "dry" }));
    assert_eq!(s.get_organization(&ctx).await.unwrap(), Some(org.clone()));

    let members = s.list_members(&ctx).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user_id, ctx.actor.user_id().unwrap());
    assert_eq!(members[0].role, Role::Owner);
    assert_eq!(members[0].organization_id, ctx.org_id);

    // Same id again.
    let again =
        s.create_organization(&ctx, NewOrganization::new(format!("x-{}", unique()), Plan::Free)).await;
    assert_eq!(assert_conflict(again), ConflictReason::AlreadyExists);
    // Same name, other id.
    let other = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let dup_name = s.create_organization(&other, NewOrganization::new(name.clone(), Plan::Free)).await;
    assert_eq!(assert_conflict(dup_name), ConflictReason::AlreadyExists);
    assert_eq!(s.get_organization(&other).await.unwrap(), None);
    // Empty name, mismatched id.
    assert_invalid(s.create_organization(&other, NewOrganization::new("  ", Plan::Free)).await);
    let mut mismatched = NewOrganization::new(format!("m-{}", unique()), Plan::Free);
    mismatched.id = Some(OrgId::new());
    assert_invalid(s.create_organization(&other, mismatched).await);
    assert_eq!(s.get_organization(&other).await.unwrap(), None);
    // The system actor creates an organization without members.
    let sys = TenantContext::system(OrgId::new());
    s.create_organization(&sys, NewOrganization::new(format!("sys-{}", unique()), Plan::Free)).await.unwrap();
    assert!(s.list_members(&sys).await.unwrap().is_empty());
    // The original is unchanged.
    assert_eq!(s.get_organization(&ctx).await.unwrap(), Some(org));
}

/// The profile update replaces the four profile fields and keeps the rest; `NotFound` for a
/// missing organization.
pub async fn organization_profile_update(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let before = s.get_organization(&ctx).await.unwrap().unwrap();
    let settings = OrganizationSettings {
        blog_settings: serde_json::json!({ "author": "ann" }),
        content_settings: serde_json::json!({ "length": 1500 }),
        keyword_settings: serde_json::json!({ "location": "DE" }),
    };
    let updated = s
        .update_organization_profile(
            &ctx,
            Some("https://new.example".into()),
            Some("new description".into()),
            vec!["a".into(), "b".into()],
            settings.clone(),
        )
        .await
        .unwrap();
    assert_eq!(updated.website_url.as_deref(), Some("https://new.example"));
    assert_eq!(updated.business_description.as_deref(), Some("new description"));
    assert_eq!(updated.target_audiences, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(updated.settings, settings);
    assert_eq!(updated.name, before.name);
    assert_eq!(updated.plan, before.plan);
    assert_eq!(updated.created_at, before.created_at);
    assert!(updated.updated_at >= before.updated_at);
    assert_eq!(s.get_organization(&ctx).await.unwrap(), Some(updated));

    let cleared = s
        .update_organization_profile(&ctx, None, None, Vec::new(), OrganizationSettings::default())
        .await
        .unwrap();
    assert_eq!(cleared.website_url, None);
    assert!(cleared.target_audiences.is_empty());

    let missing = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    assert_not_found(
        s.update_organization_profile(&missing, None, None, Vec::new(), OrganizationSettings::default())
            .await,
    );
}

/// Members are added, re-roled (keeping `created_at`) and listed by user id; `upsert_member`
/// requires `ManageMembers`; `NotFound` for a missing organization.
pub async fn members_upsert_and_list(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let users: Vec<UserId> = (0..4).map(|_| UserId::new()).collect();
    for (u, role) in users.iter().zip([Role::Admin, Role::Member, Role::Viewer, Role::Member]) {
        let m = s.upsert_member(&ctx, *u, role).await.unwrap();
        assert_eq!((m.user_id, m.role, m.organization_id), (*u, role, ctx.org_id));
    }
    let first = s.list_members(&ctx).await.unwrap();
    assert_eq!(first.len(), 5);
    assert!(first.windows(2).all(|w| w[0].user_id < w[1].user_id), "ordered by user id");

    let promoted = s.upsert_member(&ctx, users[1], Role::Admin).await.unwrap();
    assert_eq!(promoted.role, Role::Admin);
    let listed = s.list_members(&ctx).await.unwrap();
    assert_eq!(listed.len(), 5);
    let old = first.iter().find(|m| m.user_id == users[1]).unwrap();
    let new = listed.iter().find(|m| m.user_id == users[1]).unwrap();
    assert_eq!(new.role, Role::Admin);
    assert_eq!(new.created_at, old.created_at);

    for role in [Role::Member, Role::Viewer] {
        let weak = TenantContext::user(ctx.org_id, UserId::new(), role);
        assert_forbidden(s.upsert_member(&weak, UserId::new(), Role::Owner).await);
    }
    let admin = TenantContext::user(ctx.org_id, users[0], Role::Admin);
    s.upsert_member(&admin, users[2], Role::Member).await.unwrap();
    assert_eq!(s.list_members(&ctx).await.unwrap().len(), 5);

    let missing = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    assert_not_found(s.upsert_member(&missing, UserId::new(), Role::Member).await);
    assert!(s.list_members(&missing).await.unwrap().is_empty());
}

/// Competitor URLs are normalized; the same site is stored once; duplicates map to the same row
/// in input order; one junk URL fails the batch and adds nothing.
pub async fn competitors_normalize_and_dedupe(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let input =
        ["Example.com/", "http://www.example.com:80", "https://shop.example.org:8443/Blog/", "example.com"];
    let rows = s.upsert_competitors(&ctx, &input.map(|u| NewCompetitor { url: u.into() })).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].id, rows[1].id);
    assert_eq!(rows[0].id, rows[3].id);
    assert_ne!(rows[0].id, rows[2].id);
    assert_eq!(rows[0].normalized_url, "https://example.com");
    assert_eq!(rows[0].domain, "example.com");
    assert_eq!(rows[0].url, "Example.com/", "the url as first entered");
    assert_eq!(rows[2].normalized_url, "https://shop.example.org:8443/blog");
    assert_eq!(rows[2].analysis_status, CompetitorStatus::Pending);
    assert_eq!(rows[2].keywords_found, 0);
    for r in &rows {
        assert_eq!(r.organization_id, ctx.org_id);
    }

    let listed = s.list_competitors(&ctx).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.windows(2).all(|w| w[0].id < w[1].id));
    assert!(listed.contains(&rows[0]) && listed.contains(&rows[2]));

    // Re-adding returns the existing row; a new one is added alongside.
    let again = s
        .upsert_competitors(
            &ctx,
            &[
                NewCompetitor { url: "https://EXAMPLE.com?utm=1".into() },
                NewCompetitor { url: "other.example.net".into() },
            ],
        )
        .await
        .unwrap();
    assert_eq!(again[0], rows[0]);
    assert_eq!(s.list_competitors(&ctx).await.unwrap().len(), 3);

    // Junk anywhere: nothing is added.
    let bad = s
        .upsert_competitors(
            &ctx,
            &[NewCompetitor { url: "fresh.example.io".into() }, NewCompetitor { url: "not a url".into() }],
        )
        .await;
    assert_eq!(assert_invalid(bad), "competitor_url");
    assert_eq!(s.list_competitors(&ctx).await.unwrap().len(), 3);

    let missing = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    assert_not_found(s.upsert_competitors(&missing, &[NewCompetitor { url: "example.com".into() }]).await);
}

/// `update_competitor` sets status and count; unknown ids are `NotFound`.
pub async fn competitor_update(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let rows = s.upsert_competitors(&ctx, &[NewCompetitor { url: "rival.example".into() }]).await.unwrap();
    let updated = s.update_competitor(&ctx, rows[0].id, CompetitorStatus::Completed, 42).await.unwrap();
    assert_eq!(updated.analysis_status, CompetitorStatus::Completed);
    assert_eq!(updated.keywords_found, 42);
    assert_eq!(updated.normalized_url, rows[0].normalized_url);
    assert_eq!(updated.created_at, rows[0].created_at);
    assert_eq!(s.list_competitors(&ctx).await.unwrap(), vec![updated]);
    assert_not_found(s.update_competitor(&ctx, CompetitorId::new(), CompetitorStatus::Failed, 0).await);
}
