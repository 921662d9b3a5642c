//! The whole conformance suite again, against TWO separately opened `SqliteStore`s on one file:
//! every call goes to the next handle in turn, so the suite's races (CAS transitions, usage
//! reservations, rate limits, publish claims, concurrent keyword upserts and article creation)
//! run across independent connections, coordinated only by SQLite's file locks.

#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::Result;
use infin8_core::approval::{Approval, ApprovalEntityType, NewApproval};
use infin8_core::article::{Article, ArticleSection, ArticleUpdate, NewArticle, NewSection};
use infin8_core::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use infin8_core::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use infin8_core::engine::ProgressEvent;
use infin8_core::engine::feed::ProgressStream;
use infin8_core::ids::{ArticleId, CompetitorId, KeywordId, PublishId, ReservationId, UserId, WorkflowId};
use infin8_core::keyword::{Keyword, KeywordQuery, KeywordUpdate, NewKeyword, UpsertedKeyword};
use infin8_core::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReserveUsage, UsageMetric,
    UsageRecord, UsageReservation,
};
use infin8_core::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, Organization, OrganizationCompetitor,
    OrganizationSettings, Role,
};
use infin8_core::page::Page;
use infin8_core::publish::{PublishClaim, PublishClaimRequest, PublishReference};
use infin8_core::research::{NewResearchCacheEntry, ResearchCacheEntry};
use infin8_core::store::*;
use infin8_core::tenant::TenantContext;
use infin8_core::testkit::TestStore;
use infin8_core::workflow::{
    ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionOutcome, TransitionRequest,
    Workflow, WorkflowQuery, WorkflowUpdate,
};
use infin8_store_sqlite::SqliteStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Two handles on one file; each call goes to the next one.
struct TwoHandles {
    handles: [SqliteStore; 2],
    next: AtomicUsize,
}

impl TwoHandles {
    fn pick(&self) -> &SqliteStore {
        &self.handles[self.next.fetch_add(1, Ordering::Relaxed) % 2]
    }
}

macro_rules! delegate {
    ($trait:ident { $( fn $name:ident( $( $arg:ident : $ty:ty ),* ) -> $ret:ty; )* }) => {
        #[async_trait]
        impl $trait for TwoHandles {
            $(
                async fn $name(&self, $( $arg: $ty ),*) -> $ret {
                    self.pick().$name($( $arg ),*).await
                }
            )*
        }
    };
}

delegate!(OrganizationStore {
    fn create_organization(ctx: &TenantContext, new: NewOrganization) -> Result<Organization>;
    fn get_organization(ctx: &TenantContext) -> Result<Option<Organization>>;
    fn update_organization_profile(
        ctx: &TenantContext,
        website_url: Option<String>,
        business_description: Option<String>,
        target_audiences: Vec<String>,
        settings: OrganizationSettings
    ) -> Result<Organization>;
    fn upsert_member(ctx: &TenantContext, user: UserId, role: Role) -> Result<Member>;
    fn list_members(ctx: &TenantContext) -> Result<Vec<Member>>;
    fn upsert_competitors(ctx: &TenantContext, competitors: &[NewCompetitor]) -> Result<Vec<OrganizationCompetitor>>;
    fn list_competitors(ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>>;
    fn update_competitor(
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64
    ) -> Result<OrganizationCompetitor>;
});

delegate!(WorkflowStore {
    fn create_workflow(ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow>;
    fn get_workflow(ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>>;
    fn list_workflows(ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>>;
    fn transition(ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome>;
    fn list_transitions(ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Transition>>;
    fn update_workflow(ctx: &TenantContext, id: WorkflowId, update: WorkflowUpdate) -> Result<Workflow>;
    fn claim_workflows(request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>>;
    fn renew_lease(ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool>;
    fn release_lease(ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool>;
    fn publish_progress(ctx: &TenantContext, events: &[ProgressEvent]) -> Result<()>;
    fn subscribe_progress(ctx: &TenantContext) -> Result<ProgressStream>;
});

delegate!(KeywordStore {
    fn upsert_keywords(ctx: &TenantContext, keywords: &[NewKeyword]) -> Result<Vec<UpsertedKeyword>>;
    fn get_keyword(ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>>;
    fn list_keywords(ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>>;
    fn update_keywords(ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()>;
});

delegate!(ClusterStore {
    fn replace_clusters(ctx: &TenantContext, workflow_id: WorkflowId, spokes: &[NewClusterSpoke]) -> Result<Vec<ClusterSpoke>>;
    fn list_clusters(ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>>;
    fn replace_validations(
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation]
    ) -> Result<Vec<ClusterValidation>>;
    fn list_validations(ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterValidation>>;
});

delegate!(ApprovalStore {
    fn record_approvals(ctx: &TenantContext, approvals: &[NewApproval]) -> Result<Vec<Approval>>;
    fn list_approvals(
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>
    ) -> Result<Vec<Approval>>;
});

delegate!(ArticleStore {
    fn create_article(ctx: &TenantContext, new: NewArticle) -> Result<Article>;
    fn get_article(ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>>;
    fn list_articles(ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>>;
    fn update_article(ctx: &TenantContext, id: ArticleId, update: ArticleUpdate) -> Result<Article>;
    fn upsert_section(ctx: &TenantContext, section: NewSection) -> Result<ArticleSection>;
    fn list_sections(ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>>;
});

delegate!(PublishStore {
    fn claim_publish(ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim>;
    fn mark_published(
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        remote_id: &str,
        remote_url: &str,
        post_status: &str,
        now: DateTime<Utc>
    ) -> Result<PublishReference>;
    fn mark_publish_failed(
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        now: DateTime<Utc>
    ) -> Result<PublishReference>;
    fn list_publish_references(ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<PublishReference>>;
});

delegate!(ResearchCacheStore {
    fn get_research(ctx: &TenantContext, query: &str, now: DateTime<Utc>) -> Result<Option<ResearchCacheEntry>>;
    fn put_research(ctx: &TenantContext, entry: NewResearchCacheEntry) -> Result<ResearchCacheEntry>;
    fn purge_expired_research(ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64>;
});

delegate!(UsageStore {
    fn reserve_usage(ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation>;
    fn commit_usage(ctx: &TenantContext, id: ReservationId, actual: &[i64]) -> Result<UsageReservation>;
    fn release_usage(ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation>;
    fn reap_reservations(ctx: &TenantContext, request: ReapReservations) -> Result<Vec<UsageReservation>>;
    fn list_reservations(ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<UsageReservation>>;
    fn get_usage(ctx: &TenantContext, metric: UsageMetric, scope: LedgerScope) -> Result<UsageRecord>;
    fn list_usage(ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>>;
    fn hit_rate_limit(ctx: &TenantContext, request: RateLimitRequest) -> Result<RateLimitDecision>;
});

delegate!(AuditStore {
    fn append_audit(ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry>;
    fn list_audit(ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>>;
});

impl Store for TwoHandles {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }
}

async fn fresh_pair() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    let a = SqliteStore::open(&path).await.unwrap();
    let b = SqliteStore::open(&path).await.unwrap();
    let pair = TwoHandles { handles: [a, b], next: AtomicUsize::new(0) };
    TestStore::new(Arc::new(pair) as Arc<dyn Store>).with_guard(dir)
}

infin8_core::conformance_suite!(fresh_pair);
