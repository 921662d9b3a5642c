//! Every write requires a permission (store convention 10): a `Viewer` writes nothing, the
//! pipeline's writes need `RunWorkflows`, competitors and organizations need `ChangeSettings`.

use super::article::new_article;
use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::article::ArticleUpdate;
use crate::audit::{AuditQuery, NewAuditEntry};
use crate::cluster::{ClusterType, NewClusterSpoke, NewValidation, ValidationStatus};
use crate::ids::{
    ArticleId, AuditId, CompetitorId, KeywordId, OrgId, PublishId, ReservationId, UserId, WorkflowId,
};
use crate::keyword::{KeywordQuery, KeywordType, KeywordUpdate, NewKeyword};
use crate::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use crate::organization::{CompetitorStatus, NewCompetitor, NewOrganization, Plan, Role};
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference};
use crate::research::NewResearchCacheEntry;
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::{NewWorkflow, Phase, Step, WorkflowQuery, WorkflowState, WorkflowUpdate};

/// Rows of one organization, made by its owner, that every write below aims at.
struct Target {
    wf: crate::workflow::Workflow,
    keywords: Vec<KeywordId>,
    article: ArticleId,
    competitor: CompetitorId,
    publish: PublishReference,
    reservation: ReservationId,
}

fn month() -> LedgerScope {
    LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap())
}

fn reserve(id: ReservationId, workflow: Option<WorkflowId>) -> ReserveUsage {
    ReserveUsage {
        id,
        workflow_id: workflow,
        purpose: "permissions".into(),
        replay_of: None,
        lines: vec![UsageLine {
            metric: UsageMetric::WebResearch,
            scope: month(),
            amount: 1,
            limit: Some(10),
        }],
    }
}

fn rate_limit(now: i64) -> RateLimitRequest {
    RateLimitRequest {
        key: "provider:permissions".into(),
        limit: 1,
        window: std::time::Duration::from_secs(60),
        kind: WindowKind::Fixed,
        cost: 1,
        now: at(now),
    }
}

fn research(query: &str) -> NewResearchCacheEntry {
    NewResearchCacheEntry {
        research_query: query.into(),
        provider: "permissions".into(),
        results: vec![],
        created_at: at(0),
        expires_at: at(100),
    }
}

fn spoke(hub: KeywordId, spoke: KeywordId) -> NewClusterSpoke {
    NewClusterSpoke {
        hub_keyword_id: hub,
        spoke_keyword_id: spoke,
        similarity: 0.9,
        cluster_type: ClusterType::HubSpoke,
    }
}

fn validation(hub: KeywordId) -> NewValidation {
    NewValidation {
        hub_keyword_id: hub,
        status: ValidationStatus::Valid,
        avg_similarity: 0.9,
        spoke_count: 1,
        reasons: vec![],
        metadata: serde_json::Value::Null,
    }
}

fn approval(wf: WorkflowId, kw: KeywordId) -> NewApproval {
    NewApproval {
        workflow_id: wf,
        entity_type: ApprovalEntityType::SeedKeywords,
        entity_id: kw.as_uuid(),
        decision: Decision::Approved,
        feedback: None,
        confidence: None,
    }
}

fn audit(wf: Option<WorkflowId>) -> NewAuditEntry {
    NewAuditEntry {
        id: AuditId::new(),
        workflow_id: wf,
        action: "test.permissions".into(),
        entity_type: "test".into(),
        entity_id: None,
        details: serde_json::Value::Null,
    }
}

fn claim(article: ArticleId, owner: &str, now: i64) -> PublishClaimRequest {
    PublishClaimRequest {
        article_id: article,
        platform: "wordpress".into(),
        owner: owner.into(),
        now: at(now),
        lease: chrono::Duration::seconds(60),
        idempotency_key: "infin8-test-key".into(),
    }
}

async fn target(s: &dyn Store, owner: &TenantContext) -> Target {
    let wf = new_workflow(s, owner).await;
    let keywords = seed_keywords(s, owner, &wf, &["hub", "spoke"]).await;
    let article = s.create_article(owner, new_article(wf.id, keywords[0], "t")).await.unwrap().id;
    let competitor =
        s.upsert_competitors(owner, &[NewCompetitor { url: "https://rival.example".into() }]).await.unwrap()
            [0]
        .id;
    let PublishClaim::Won(publish) = s.claim_publish(owner, claim(article, "owner-worker", 0)).await.unwrap()
    else {
        panic!("the owner's first claim wins");
    };
    let reservation = s.reserve_usage(owner, reserve(ReservationId::new(), Some(wf.id))).await.unwrap().id;
    Target { wf, keywords, article, competitor, publish, reservation }
}

/// Everything a caller can read of the organization, to show a refused write changed nothing.
async fn everything(s: &dyn Store, ctx: &TenantContext, t: &Target) -> String {
    let wf = t.wf.id;
    let all_audit = AuditQuery { limit: Some(10_000), ..Default::default() };
    let all_keywords = KeywordQuery { limit: Some(10_000), ..KeywordQuery::workflow(wf) };
    let all_workflows = WorkflowQuery { limit: Some(10_000), ..Default::default() };
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        s.get_organization(ctx).await.unwrap(),
        s.list_members(ctx).await.unwrap(),
        s.list_competitors(ctx).await.unwrap(),
        s.list_workflows(ctx, all_workflows).await.unwrap().items,
        s.list_transitions(ctx, wf).await.unwrap(),
        s.list_keywords(ctx, all_keywords).await.unwrap().items,
        s.list_clusters(ctx, wf).await.unwrap(),
        s.list_validations(ctx, wf).await.unwrap(),
        s.list_approvals(ctx, wf, None).await.unwrap(),
        s.list_articles(ctx, wf).await.unwrap(),
        s.list_sections(ctx, t.article).await.unwrap(),
        s.list_publish_references(ctx, t.article).await.unwrap(),
        s.get_research(ctx, "permissions query", at(1)).await.unwrap(),
        s.list_usage(ctx, month()).await.unwrap(),
        s.list_usage(ctx, LedgerScope::Workflow(wf)).await.unwrap(),
        s.list_audit(ctx, all_audit).await.unwrap().items,
        s.get_workflow(ctx, wf).await.unwrap(),
    )
}

/// A viewer is refused every write of every store (`Forbidden`, checked before input and
/// lookups, so bad input and unknown ids are `Forbidden` too) and nothing changes: not a row,
/// not a counter, not a rate-limit window, not the audit log.
pub async fn permissions_viewer_writes_nothing(ts: TestStore) {
    let s = &*ts.store;
    let owner = new_org(s).await;
    let t = target(s, &owner).await;
    s.put_research(&owner, research("permissions query")).await.unwrap();
    let viewer = member_ctx(s, &owner, Role::Viewer).await;
    let before = everything(s, &owner, &t).await;
    let (wf, k) = (t.wf.id, &t.keywords);

    // Organization store.
    let mut org = NewOrganization::new(format!("org-{}", unique()), Plan::Pro);
    org.id = Some(viewer.org_id);
    assert_forbidden(s.create_organization(&viewer, org).await);
    let elsewhere = TenantContext::user(OrgId::new(), UserId::new(), Role::Viewer);
    let mut fresh = NewOrganization::new(format!("org-{}", unique()), Plan::Pro);
    fresh.id = Some(elsewhere.org_id);
    assert_forbidden(s.create_organization(&elsewhere, fresh).await);
    assert_eq!(s.get_organization(&elsewhere).await.unwrap(), None, "no organization was created");
    assert_forbidden(
        s.upsert_competitors(&viewer, &[NewCompetitor { url: "https://new-rival.example".into() }]).await,
    );
    assert_forbidden(s.upsert_competitors(&viewer, &[NewCompetitor { url: "not a url".into() }]).await);
    assert_forbidden(s.update_competitor(&viewer, t.competitor, CompetitorStatus::Completed, 7).await);
    assert_forbidden(s.update_competitor(&viewer, CompetitorId::new(), CompetitorStatus::Failed, 0).await);

    // Workflow store.
    assert_forbidden(
        s.create_workflow(&viewer, NewWorkflow { title: "mine".into(), ..Default::default() }).await,
    );
    assert_forbidden(
        s.create_workflow(&viewer, NewWorkflow { title: "  ".into(), ..Default::default() }).await,
    );
    let start = request_to(&t.wf, WorkflowState::At(Step::Icp, Phase::Pending));
    assert_forbidden(s.transition(&viewer, start).await);
    let illegal = request_to(&t.wf, WorkflowState::Completed);
    assert_forbidden(s.transition(&viewer, illegal).await);
    let update =
        WorkflowUpdate { metadata: Some(serde_json::json!({ "viewer": true })), ..Default::default() };
    assert_forbidden(s.update_workflow(&viewer, wf, update.clone()).await);
    assert_forbidden(s.update_workflow(&viewer, WorkflowId::new(), update).await);

    // Keyword store.
    let kw = NewKeyword::new(wf, KeywordType::Seed, None, "viewer keyword", "viewer");
    assert_forbidden(s.upsert_keywords(&viewer, &[kw]).await);
    assert_forbidden(
        s.upsert_keywords(&viewer, &[NewKeyword::new(wf, KeywordType::Seed, None, "  ", "v")]).await,
    );
    let selected = KeywordUpdate { user_selected: Some(true), ..KeywordUpdate::new(k[0]) };
    assert_forbidden(s.update_keywords(&viewer, &[selected]).await);
    assert_forbidden(s.update_keywords(&viewer, &[KeywordUpdate::new(KeywordId::new())]).await);

    // Cluster and approval stores.
    assert_forbidden(s.replace_clusters(&viewer, wf, &[spoke(k[0], k[1])]).await);
    assert_forbidden(s.replace_clusters(&viewer, WorkflowId::new(), &[]).await);
    assert_forbidden(s.replace_validations(&viewer, wf, &[validation(k[0])]).await);
    assert_forbidden(s.record_approvals(&viewer, &[approval(wf, k[0])]).await);

    // Article store.
    assert_forbidden(s.create_article(&viewer, new_article(wf, k[1], "t")).await);
    let retitle = ArticleUpdate { title: Some("viewer".into()), error: Some(None), ..Default::default() };
    assert_forbidden(s.update_article(&viewer, t.article, retitle).await);
    assert_forbidden(s.upsert_section(&viewer, super::article::section(t.article, 0, "viewer")).await);
    assert_forbidden(s.upsert_section(&viewer, super::article::section(t.article, -1, "negative")).await);

    // Publish store: a viewer can neither take the claim over nor settle it.
    assert_forbidden(s.claim_publish(&viewer, claim(t.article, "viewer-worker", 3_600)).await);
    assert_forbidden(
        s.mark_published(&viewer, t.publish.id, "owner-worker", "1", "https://x", "publish", at(1)).await,
    );
    assert_forbidden(s.mark_publish_failed(&viewer, t.publish.id, "owner-worker", "no", at(1)).await);
    assert_forbidden(s.mark_publish_failed(&viewer, PublishId::new(), "owner-worker", "no", at(1)).await);

    // Research cache.
    assert_forbidden(s.put_research(&viewer, research("viewer query")).await);
    assert_forbidden(s.purge_expired_research(&viewer, at(1_000)).await);

    // Usage ledger and rate limits.
    assert_forbidden(s.reserve_usage(&viewer, reserve(ReservationId::new(), None)).await);
    assert_forbidden(s.reserve_usage(&viewer, reserve(t.reservation, Some(wf))).await);
    assert_forbidden(s.commit_usage(&viewer, t.reservation, &[1]).await);
    assert_forbidden(s.commit_usage(&viewer, t.reservation, &[-1, 2]).await);
    assert_forbidden(s.release_usage(&viewer, t.reservation).await);
    assert_forbidden(s.hit_rate_limit(&viewer, rate_limit(0)).await);
    assert_forbidden(s.hit_rate_limit(&viewer, RateLimitRequest { limit: 0, ..rate_limit(0) }).await);

    // Audit log.
    assert_forbidden(s.append_audit(&viewer, audit(Some(wf))).await);
    assert_forbidden(s.append_audit(&viewer, audit(None)).await);

    assert_eq!(everything(s, &owner, &t).await, before, "a refused write changed something");
    assert_eq!(everything(s, &viewer, &t).await, before, "a viewer reads what the owner reads");
    // The viewer's refused hit took nothing from the window, and its purge deleted nothing.
    assert!(s.hit_rate_limit(&owner, rate_limit(0)).await.unwrap().allowed);
    assert!(s.get_research(&owner, "permissions query", at(1)).await.unwrap().is_some());
}

/// Members run the whole pipeline (every `RunWorkflows` write) and record approvals, but may
/// not create organizations or write competitors (`ChangeSettings`, nothing written); admins
/// and the system context may.
pub async fn permissions_member_runs_pipeline_admin_changes_settings(ts: TestStore) {
    let s = &*ts.store;
    let owner = new_org(s).await;
    let t = target(s, &owner).await;
    let member = member_ctx(s, &owner, Role::Member).await;

    // Competitors and organizations: refused to a member, nothing changes.
    let competitors = s.list_competitors(&owner).await.unwrap();
    let rival = NewCompetitor { url: "https://member-rival.example".into() };
    assert_forbidden(s.upsert_competitors(&member, std::slice::from_ref(&rival)).await);
    assert_forbidden(s.update_competitor(&member, t.competitor, CompetitorStatus::Completed, 9).await);
    let someone = TenantContext::user(OrgId::new(), UserId::new(), Role::Member);
    let mut org = NewOrganization::new(format!("org-{}", unique()), Plan::Pro);
    org.id = Some(someone.org_id);
    assert_forbidden(s.create_organization(&someone, org).await);
    assert_eq!(s.get_organization(&someone).await.unwrap(), None);
    assert_eq!(s.list_competitors(&owner).await.unwrap(), competitors);

    // ... allowed to an admin and to the system (which acts as an admin).
    let admin = member_ctx(s, &owner, Role::Admin).await;
    let added = s.upsert_competitors(&admin, &[rival]).await.unwrap();
    assert_eq!(added.len(), 1);
    let system = TenantContext::system(owner.org_id);
    let updated = s.update_competitor(&system, added[0].id, CompetitorStatus::Completed, 9).await.unwrap();
    assert_eq!((updated.analysis_status, updated.keywords_found), (CompetitorStatus::Completed, 9));
    let by_admin = TenantContext::user(OrgId::new(), UserId::new(), Role::Admin);
    let mut org = NewOrganization::new(format!("org-{}", unique()), Plan::Pro);
    org.id = Some(by_admin.org_id);
    s.create_organization(&by_admin, org).await.unwrap();

    // The pipeline's writes, as a member.
    let wf = new_workflow(s, &member).await;
    let wf = s
        .transition(&member, request_to(&wf, WorkflowState::At(Step::Icp, Phase::Pending)))
        .await
        .unwrap()
        .workflow;
    assert_eq!(wf.state, WorkflowState::At(Step::Icp, Phase::Pending));
    let update =
        WorkflowUpdate { metadata: Some(serde_json::json!({ "member": true })), ..Default::default() };
    assert_eq!(s.update_workflow(&member, wf.id, update).await.unwrap().metadata["member"], true);
    let k = seed_keywords(s, &member, &wf, &["member hub", "member spoke"]).await;
    let selected = KeywordUpdate { user_selected: Some(true), ..KeywordUpdate::new(k[0]) };
    s.update_keywords(&member, &[selected]).await.unwrap();
    assert_eq!(s.replace_clusters(&member, wf.id, &[spoke(k[0], k[1])]).await.unwrap().len(), 1);
    assert_eq!(s.replace_validations(&member, wf.id, &[validation(k[0])]).await.unwrap().len(), 1);
    assert_eq!(s.record_approvals(&member, &[approval(wf.id, k[0])]).await.unwrap().len(), 1);
    let a = s.create_article(&member, new_article(wf.id, k[0], "t")).await.unwrap();
    let failed = ArticleUpdate { error: Some(Some("member".into())), ..Default::default() };
    assert_eq!(s.update_article(&member, a.id, failed).await.unwrap().error.as_deref(), Some("member"));
    s.upsert_section(&member, super::article::section(a.id, 0, "member")).await.unwrap();
    let PublishClaim::Won(r) = s.claim_publish(&member, claim(a.id, "member-worker", 0)).await.unwrap()
    else {
        panic!("the member's first claim wins");
    };
    s.mark_publish_failed(&member, r.id, "member-worker", "retry later", at(1)).await.unwrap();
    let PublishClaim::Won(r) = s.claim_publish(&member, claim(a.id, "member-worker", 2)).await.unwrap()
    else {
        panic!("a failed reference is claimable again");
    };
    s.mark_published(&member, r.id, "member-worker", "7", "https://blog.example/7", "publish", at(3))
        .await
        .unwrap();
    s.put_research(&member, research("member query")).await.unwrap();
    assert_eq!(s.purge_expired_research(&member, at(1_000)).await.unwrap(), 1);
    let held = s.reserve_usage(&member, reserve(ReservationId::new(), Some(wf.id))).await.unwrap();
    s.commit_usage(&member, held.id, &[1]).await.unwrap();
    let other = s.reserve_usage(&member, reserve(ReservationId::new(), Some(wf.id))).await.unwrap();
    s.release_usage(&member, other.id).await.unwrap();
    assert!(s.hit_rate_limit(&member, rate_limit(0)).await.unwrap().allowed);
    let entry = s.append_audit(&member, audit(Some(wf.id))).await.unwrap();
    assert_eq!(entry.actor, member.actor);
}
