//! Tenant isolation of the pipeline's later aggregates: clusters, approvals, articles, publish
//! references, the research cache, the usage ledger, rate limits and the audit log.

use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::article::{ArticleUpdate, NewArticle};
use crate::audit::{AuditQuery, NewAuditEntry};
use crate::cluster::{ClusterType, NewClusterSpoke, NewValidation, ValidationStatus};
use crate::ids::AuditId;
use crate::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use crate::publish::{PublishClaim, PublishClaimRequest};
use crate::research::NewResearchCacheEntry;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

/// A's clusters and validations cannot name B's workflow or keywords; B's are invisible to A.
pub async fn isolation_clusters(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let (a_wf, b_wf) = (new_workflow(s, &a).await, new_workflow(s, &b).await);
    let ak = seed_keywords(s, &a, &a_wf, &["hub", "spoke"]).await;
    let bk = seed_keywords(s, &b, &b_wf, &["hub", "spoke"]).await;
    let sp = |h, k| NewClusterSpoke {
        hub_keyword_id: h,
        spoke_keyword_id: k,
        similarity: 0.9,
        cluster_type: ClusterType::HubSpoke,
    };
    let val = |h| NewValidation {
        hub_keyword_id: h,
        status: ValidationStatus::Valid,
        avg_similarity: 0.9,
        spoke_count: 1,
        reasons: vec![],
        metadata: serde_json::Value::Null,
    };
    let b_clusters = s.replace_clusters(&b, b_wf.id, &[sp(bk[0], bk[1])]).await.unwrap();
    let b_vals = s.replace_validations(&b, b_wf.id, &[val(bk[0])]).await.unwrap();

    assert_not_found(s.replace_clusters(&a, b_wf.id, &[]).await);
    assert_not_found(s.replace_clusters(&a, a_wf.id, &[sp(ak[0], bk[1])]).await);
    assert_not_found(s.replace_validations(&a, b_wf.id, &[]).await);
    assert_not_found(s.replace_validations(&a, a_wf.id, &[val(bk[0])]).await);
    assert!(s.list_clusters(&a, b_wf.id).await.unwrap().is_empty());
    assert!(s.list_validations(&a, b_wf.id).await.unwrap().is_empty());
    assert_eq!(s.list_clusters(&b, b_wf.id).await.unwrap(), b_clusters);
    assert_eq!(s.list_validations(&b, b_wf.id).await.unwrap(), b_vals);
}

/// A cannot record approvals on B's workflow; B's approvals are invisible to A.
pub async fn isolation_approvals(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let b_wf = new_workflow(s, &b).await;
    let bk = seed_keywords(s, &b, &b_wf, &["k"]).await;
    let approval = NewApproval {
        workflow_id: b_wf.id,
        entity_type: ApprovalEntityType::SeedKeywords,
        entity_id: bk[0].as_uuid(),
        decision: crate::approval::Decision::Approved,
        feedback: None,
        confidence: None,
    };
    let b_rows = s.record_approvals(&b, std::slice::from_ref(&approval)).await.unwrap();
    let mut hostile = approval.clone();
    hostile.decision = Decision::Rejected;
    assert_not_found(s.record_approvals(&a, &[hostile]).await);
    assert!(s.list_approvals(&a, b_wf.id, None).await.unwrap().is_empty());
    assert_eq!(s.list_approvals(&b, b_wf.id, None).await.unwrap(), b_rows);
}

/// A cannot create articles in B's workflow or for B's keyword, read, update or list B's
/// articles, or write and read B's sections.
pub async fn isolation_articles_and_sections(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let (a_wf, b_wf) = (new_workflow(s, &a).await, new_workflow(s, &b).await);
    let ak = seed_keywords(s, &a, &a_wf, &["k"]).await;
    let bk = seed_keywords(s, &b, &b_wf, &["k"]).await;
    let new = |wf, kw| NewArticle {
        workflow_id: wf,
        keyword_id: kw,
        title: "t".into(),
        slug: "t".into(),
        sections_total: 1,
        focus_keyword: None,
    };
    let b_art = s.create_article(&b, new(b_wf.id, bk[0])).await.unwrap();
    let b_sec = s.upsert_section(&b, super::article::section(b_art.id, 0, "b")).await.unwrap();

    assert_not_found(s.create_article(&a, new(b_wf.id, bk[0])).await);
    assert_not_found(s.create_article(&a, new(a_wf.id, bk[0])).await);
    assert_not_found(s.create_article(&a, new(b_wf.id, ak[0])).await);
    assert_eq!(s.get_article(&a, b_art.id).await.unwrap(), None);
    assert!(s.list_articles(&a, b_wf.id).await.unwrap().is_empty());
    assert_not_found(
        s.update_article(&a, b_art.id, ArticleUpdate { title: Some("pwned".into()), ..Default::default() })
            .await,
    );
    assert_not_found(s.upsert_section(&a, super::article::section(b_art.id, 0, "a")).await);
    assert!(s.list_sections(&a, b_art.id).await.unwrap().is_empty());
    assert_eq!(s.get_article(&b, b_art.id).await.unwrap(), Some(b_art));
    assert_eq!(s.list_sections(&b, b_sec.article_id).await.unwrap(), vec![b_sec]);
}

/// A cannot claim B's article or mark or list B's publish references.
pub async fn isolation_publish(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let b_wf = new_workflow(s, &b).await;
    let bk = seed_keywords(s, &b, &b_wf, &["k"]).await;
    let b_art = s
        .create_article(
            &b,
            NewArticle {
                workflow_id: b_wf.id,
                keyword_id: bk[0],
                title: "t".into(),
                slug: "t".into(),
                sections_total: 1,
                focus_keyword: None,
            },
        )
        .await
        .unwrap();
    let req = |owner: &str| PublishClaimRequest {
        article_id: b_art.id,
        platform: "wordpress".into(),
        owner: owner.into(),
        now: at(0),
        lease: chrono::Duration::seconds(60),
        idempotency_key: "infin8-test-key".into(),
    };
    let PublishClaim::Won(b_ref) = s.claim_publish(&b, req("b-worker")).await.unwrap() else {
        panic!("b should win its own claim");
    };
    assert_not_found(s.claim_publish(&a, req("a-worker")).await);
    assert_not_found(s.mark_published(&a, b_ref.id, "b-worker", "x", "y", "publish", at(1)).await);
    assert_not_found(s.mark_publish_failed(&a, b_ref.id, "b-worker", "x", at(1)).await);
    assert!(s.list_publish_references(&a, b_art.id).await.unwrap().is_empty());
    assert_eq!(s.list_publish_references(&b, b_art.id).await.unwrap(), vec![b_ref]);
}

/// The research cache is per organization.
pub async fn isolation_research_cache(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let entry = |tag: &str| NewResearchCacheEntry {
        research_query: "shared query".into(),
        provider: tag.into(),
        results: vec![],
        created_at: at(0),
        expires_at: at(100),
    };
    let b_row = s.put_research(&b, entry("b")).await.unwrap();
    assert_eq!(s.get_research(&a, "shared query", at(1)).await.unwrap(), None);
    let a_row = s.put_research(&a, entry("a")).await.unwrap();
    assert_ne!(a_row.id, b_row.id);
    assert_eq!(s.get_research(&b, "shared query", at(1)).await.unwrap(), Some(b_row));
    assert_eq!(s.get_research(&a, "shared query", at(1)).await.unwrap(), Some(a_row));
}

/// Usage counters are per organization; A cannot commit or release B's reservation.
pub async fn isolation_usage(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let m = LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap());
    let line = UsageLine { metric: UsageMetric::WebResearch, scope: m, amount: 5, limit: Some(5) };
    let b_res = s
        .reserve_usage(
            &b,
            ReserveUsage {
                id: crate::ids::ReservationId::new(),
                workflow_id: None,
                purpose: "b".into(),
                replay_of: None,
                lines: vec![line],
            },
        )
        .await
        .unwrap();
    // B's full counter does not limit A.
    s.reserve_usage(
        &a,
        ReserveUsage {
            id: crate::ids::ReservationId::new(),
            workflow_id: None,
            purpose: "a".into(),
            replay_of: None,
            lines: vec![line],
        },
    )
    .await
    .unwrap();
    assert_not_found(s.commit_usage(&a, b_res.id, &[5]).await);
    assert_not_found(s.release_usage(&a, b_res.id).await);
    // Reserving under B's id is a conflict on a taken id, for any lines, and reveals nothing.
    let unlimited = UsageLine { amount: 1, limit: None, ..line };
    let taken = ReserveUsage {
        id: b_res.id,
        workflow_id: None,
        purpose: "a".into(),
        replay_of: None,
        lines: vec![unlimited],
    };
    assert_eq!(
        assert_conflict(s.reserve_usage(&a, taken).await),
        crate::error::ConflictReason::AlreadyExists
    );
    let b_rec = s.get_usage(&b, UsageMetric::WebResearch, m).await.unwrap();
    assert_eq!((b_rec.used, b_rec.reserved), (0, 5));
    assert_eq!(s.list_usage(&a, m).await.unwrap().len(), 1);
    assert_eq!(s.get_usage(&a, UsageMetric::WebResearch, m).await.unwrap().reserved, 5);
}

/// Rate limits are per organization.
pub async fn isolation_rate_limits(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let req = RateLimitRequest {
        key: "provider:shared".into(),
        limit: 1,
        window: std::time::Duration::from_secs(60),
        kind: WindowKind::Fixed,
        cost: 1,
        now: at(0),
    };
    assert!(s.hit_rate_limit(&b, req.clone()).await.unwrap().allowed);
    assert!(!s.hit_rate_limit(&b, req.clone()).await.unwrap().allowed);
    assert!(s.hit_rate_limit(&a, req.clone()).await.unwrap().allowed);
}

/// A cannot append audit entries about B's workflow; B's entries never appear in A's log.
pub async fn isolation_audit(ts: TestStore) {
    let s = &*ts.store;
    let (a, b) = (new_org(s).await, second_org(s).await);
    let b_wf = new_workflow(s, &b).await;
    let entry = |wf| NewAuditEntry {
        id: AuditId::new(),
        workflow_id: wf,
        action: "test.isolation".into(),
        entity_type: "test".into(),
        entity_id: None,
        details: serde_json::Value::Null,
    };
    s.append_audit(&b, entry(None)).await.unwrap();
    assert_not_found(s.append_audit(&a, entry(Some(b_wf.id))).await);
    let a_entry = s.append_audit(&a, entry(None)).await.unwrap();
    let a_log = s.list_audit(&a, AuditQuery { limit: Some(10_000), ..Default::default() }).await.unwrap();
    assert_eq!(a_log.items, vec![a_entry]);
    let b_log = s.list_audit(&b, AuditQuery { limit: Some(10_000), ..Default::default() }).await.unwrap();
    assert_eq!(b_log.items.len(), 2);
    assert!(b_log.items.iter().all(|e| e.organization_id == b.org_id));
}
