//! A store wrapper that fails on demand: the Nth mutating call (and, for a crash, everything
//! after it), before or after the wrapped store applied it.

use crate::approval::{Approval, ApprovalEntityType, NewApproval};
use crate::article::{Article, ArticleSection, ArticleUpdate, NewArticle, NewSection};
use crate::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use crate::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use crate::error::{Error, Result};
use crate::ids::{ArticleId, CompetitorId, KeywordId, PublishId, ReservationId, UserId, WorkflowId};
use crate::keyword::{Keyword, KeywordQuery, KeywordUpdate, NewKeyword, UpsertedKeyword};
use crate::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReserveUsage, UsageMetric,
    UsageRecord, UsageReservation,
};
use crate::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, Organization, OrganizationCompetitor,
    OrganizationSettings, Role,
};
use crate::page::Page;
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference};
use crate::research::{NewResearchCacheEntry, ResearchCacheEntry};
use crate::store::{
    ApprovalStore, ArticleStore, AuditStore, ClusterStore, KeywordStore, OrganizationStore, PublishStore,
    ResearchCacheStore, Store, UsageStore, WorkflowStore,
};
use crate::tenant::TenantContext;
use crate::workflow::{
    ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionOutcome, TransitionRequest,
    Workflow, WorkflowQuery, WorkflowUpdate,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// When the injected failure strikes relative to the wrapped call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailMode {
    /// The call fails without reaching the store (nothing written).
    Before,
    /// The store applies the call, then the caller gets an error (the answer is lost).
    After,
}

/// Wraps a store and fails its mutating calls on demand. Counting starts at 1.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    calls: AtomicU64,
    fail_at: AtomicU64,
    sticky: AtomicBool,
    after: AtomicBool,
    crashed: AtomicBool,
}

impl std::fmt::Debug for FaultyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyStore")
            .field("calls", &self.calls.load(Ordering::SeqCst))
            .field("fail_at", &self.fail_at.load(Ordering::SeqCst))
            .field("crashed", &self.crashed.load(Ordering::SeqCst))
            .finish()
    }
}

impl FaultyStore {
    /// A wrapper that fails nothing yet.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            calls: AtomicU64::new(0),
            fail_at: AtomicU64::new(0),
            sticky: AtomicBool::new(false),
            after: AtomicBool::new(false),
            crashed: AtomicBool::new(false),
        }
    }

    /// The process "dies" at mutating call `n`: that call and every later call (reads too)
    /// fail.
    #[must_use]
    pub fn crash_at(self, n: u64, mode: FailMode) -> Self {
        self.fail_at.store(n, Ordering::SeqCst);
        self.sticky.store(true, Ordering::SeqCst);
        self.after.store(mode == FailMode::After, Ordering::SeqCst);
        self
    }

    /// Only mutating call `n` fails; later calls work.
    #[must_use]
    pub fn fail_once_at(self, n: u64, mode: FailMode) -> Self {
        self.fail_at.store(n, Ordering::SeqCst);
        self.sticky.store(false, Ordering::SeqCst);
        self.after.store(mode == FailMode::After, Ordering::SeqCst);
        self
    }

    /// Mutating calls made so far.
    pub fn mutations(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Whether the injected failure has struck.
    pub fn struck(&self) -> bool {
        self.crashed.load(Ordering::SeqCst)
    }

    fn injected(operation: &'static str) -> Error {
        Error::Backend {
            backend: "faulty",
            operation,
            message: "injected failure".into(),
            retryable: true,
            source: None,
        }
    }

    async fn read<T>(&self, operation: &'static str, f: impl Future<Output = Result<T>>) -> Result<T> {
        if self.sticky.load(Ordering::SeqCst) && self.crashed.load(Ordering::SeqCst) {
            return Err(Self::injected(operation));
        }
        f.await
    }

    async fn write<T>(&self, operation: &'static str, f: impl Future<Output = Result<T>>) -> Result<T> {
        let sticky = self.sticky.load(Ordering::SeqCst);
        if sticky && self.crashed.load(Ordering::SeqCst) {
            return Err(Self::injected(operation));
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let at = self.fail_at.load(Ordering::SeqCst);
        if at == 0 || n != at {
            return f.await;
        }
        self.crashed.store(true, Ordering::SeqCst);
        if self.after.load(Ordering::SeqCst) {
            let _ = f.await;
        }
        Err(Self::injected(operation))
    }
}

impl Store for FaultyStore {
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
}

#[async_trait]
impl OrganizationStore for FaultyStore {
    async fn create_organization(&self, ctx: &TenantContext, new: NewOrganization) -> Result<Organization> {
        self.write("create_organization", self.inner.create_organization(ctx, new)).await
    }
    async fn get_organization(&self, ctx: &TenantContext) -> Result<Option<Organization>> {
        self.read("get_organization", self.inner.get_organization(ctx)).await
    }
    async fn update_organization_profile(
        &self,
        ctx: &TenantContext,
        website_url: Option<String>,
        business_description: Option<String>,
        target_audiences: Vec<String>,
        settings: OrganizationSettings,
    ) -> Result<Organization> {
        self.write(
            "update_organization_profile",
            self.inner.update_organization_profile(
                ctx,
                website_url,
                business_description,
                target_audiences,
                settings,
            ),
        )
        .await
    }
    async fn upsert_member(&self, ctx: &TenantContext, user: UserId, role: Role) -> Result<Member> {
        self.write("upsert_member", self.inner.upsert_member(ctx, user, role)).await
    }
    async fn list_members(&self, ctx: &TenantContext) -> Result<Vec<Member>> {
        self.read("list_members", self.inner.list_members(ctx)).await
    }
    async fn upsert_competitors(
        &self,
        ctx: &TenantContext,
        competitors: &[NewCompetitor],
    ) -> Result<Vec<OrganizationCompetitor>> {
        self.write("upsert_competitors", self.inner.upsert_competitors(ctx, competitors)).await
    }
    async fn list_competitors(&self, ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>> {
        self.read("list_competitors", self.inner.list_competitors(ctx)).await
    }
    async fn update_competitor(
        &self,
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64,
    ) -> Result<OrganizationCompetitor> {
        self.write("update_competitor", self.inner.update_competitor(ctx, id, status, keywords_found)).await
    }
}

#[async_trait]
impl WorkflowStore for FaultyStore {
    async fn create_workflow(&self, ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow> {
        self.write("create_workflow", self.inner.create_workflow(ctx, new)).await
    }
    async fn get_workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>> {
        self.read("get_workflow", self.inner.get_workflow(ctx, id)).await
    }
    async fn list_workflows(&self, ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>> {
        self.read("list_workflows", self.inner.list_workflows(ctx, query)).await
    }
    async fn transition(&self, ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome> {
        self.write("transition", self.inner.transition(ctx, request)).await
    }
    async fn list_transitions(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<Transition>> {
        self.read("list_transitions", self.inner.list_transitions(ctx, workflow_id)).await
    }
    async fn update_workflow(
        &self,
        ctx: &TenantContext,
        id: WorkflowId,
        update: WorkflowUpdate,
    ) -> Result<Workflow> {
        self.write("update_workflow", self.inner.update_workflow(ctx, id, update)).await
    }
    async fn claim_workflows(&self, request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>> {
        self.write("claim_workflows", self.inner.claim_workflows(request)).await
    }
    async fn renew_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool> {
        self.write("renew_lease", self.inner.renew_lease(ctx, workflow_id, lease)).await
    }
    async fn release_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool> {
        self.write("release_lease", self.inner.release_lease(ctx, workflow_id, owner)).await
    }
    async fn publish_progress(
        &self,
        ctx: &TenantContext,
        events: &[crate::engine::ProgressEvent],
    ) -> Result<()> {
        // Not a crash point: the feed is best effort and the engine never waits on it.
        self.inner.publish_progress(ctx, events).await
    }
    async fn subscribe_progress(&self, ctx: &TenantContext) -> Result<crate::engine::feed::ProgressStream> {
        self.inner.subscribe_progress(ctx).await
    }
}

#[async_trait]
impl KeywordStore for FaultyStore {
    async fn upsert_keywords(
        &self,
        ctx: &TenantContext,
        keywords: &[NewKeyword],
    ) -> Result<Vec<UpsertedKeyword>> {
        self.write("upsert_keywords", self.inner.upsert_keywords(ctx, keywords)).await
    }
    async fn get_keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>> {
        self.read("get_keyword", self.inner.get_keyword(ctx, id)).await
    }
    async fn list_keywords(&self, ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>> {
        self.read("list_keywords", self.inner.list_keywords(ctx, query)).await
    }
    async fn update_keywords(&self, ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()> {
        self.write("update_keywords", self.inner.update_keywords(ctx, updates)).await
    }
}

#[async_trait]
impl ClusterStore for FaultyStore {
    async fn replace_clusters(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        spokes: &[NewClusterSpoke],
    ) -> Result<Vec<ClusterSpoke>> {
        self.write("replace_clusters", self.inner.replace_clusters(ctx, workflow_id, spokes)).await
    }
    async fn list_clusters(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>> {
        self.read("list_clusters", self.inner.list_clusters(ctx, workflow_id)).await
    }
    async fn replace_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation],
    ) -> Result<Vec<ClusterValidation>> {
        self.write("replace_validations", self.inner.replace_validations(ctx, workflow_id, validations)).await
    }
    async fn list_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<ClusterValidation>> {
        self.read("list_validations", self.inner.list_validations(ctx, workflow_id)).await
    }
}

#[async_trait]
impl ApprovalStore for FaultyStore {
    async fn record_approvals(
        &self,
        ctx: &TenantContext,
        approvals: &[NewApproval],
    ) -> Result<Vec<Approval>> {
        self.write("record_approvals", self.inner.record_approvals(ctx, approvals)).await
    }
    async fn list_approvals(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>,
    ) -> Result<Vec<Approval>> {
        self.read("list_approvals", self.inner.list_approvals(ctx, workflow_id, entity_type)).await
    }
}

#[async_trait]
impl ArticleStore for FaultyStore {
    async fn create_article(&self, ctx: &TenantContext, new: NewArticle) -> Result<Article> {
        self.write("create_article", self.inner.create_article(ctx, new)).await
    }
    async fn get_article(&self, ctx: &TenantContext, id: ArticleId) -> Result<Option<Article>> {
        self.read("get_article", self.inner.get_article(ctx, id)).await
    }
    async fn list_articles(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<Article>> {
        self.read("list_articles", self.inner.list_articles(ctx, workflow_id)).await
    }
    async fn update_article(
        &self,
        ctx: &TenantContext,
        id: ArticleId,
        update: ArticleUpdate,
    ) -> Result<Article> {
        self.write("update_article", self.inner.update_article(ctx, id, update)).await
    }
    async fn upsert_section(&self, ctx: &TenantContext, section: NewSection) -> Result<ArticleSection> {
        self.write("upsert_section", self.inner.upsert_section(ctx, section)).await
    }
    async fn list_sections(&self, ctx: &TenantContext, article_id: ArticleId) -> Result<Vec<ArticleSection>> {
        self.read("list_sections", self.inner.list_sections(ctx, article_id)).await
    }
}

#[async_trait]
impl PublishStore for FaultyStore {
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim> {
        self.write("claim_publish", self.inner.claim_publish(ctx, request)).await
    }
    // The post's remote id, URL and status are recorded together, as the platform reported them.
    #[allow(clippy::too_many_arguments)]
    async fn mark_published(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        remote_id: &str,
        remote_url: &str,
        post_status: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        self.write(
            "mark_published",
            self.inner.mark_published(ctx, id, owner, remote_id, remote_url, post_status, now),
        )
        .await
    }
    async fn mark_publish_failed(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        self.write("mark_publish_failed", self.inner.mark_publish_failed(ctx, id, owner, error, now)).await
    }
    async fn list_publish_references(
        &self,
        ctx: &TenantContext,
        article_id: ArticleId,
    ) -> Result<Vec<PublishReference>> {
        self.read("list_publish_references", self.inner.list_publish_references(ctx, article_id)).await
    }
}

#[async_trait]
impl ResearchCacheStore for FaultyStore {
    async fn get_research(
        &self,
        ctx: &TenantContext,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ResearchCacheEntry>> {
        self.read("get_research", self.inner.get_research(ctx, query, now)).await
    }
    async fn put_research(
        &self,
        ctx: &TenantContext,
        entry: NewResearchCacheEntry,
    ) -> Result<ResearchCacheEntry> {
        self.write("put_research", self.inner.put_research(ctx, entry)).await
    }
    async fn purge_expired_research(&self, ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64> {
        self.write("purge_expired_research", self.inner.purge_expired_research(ctx, now)).await
    }
}

#[async_trait]
impl UsageStore for FaultyStore {
    async fn reserve_usage(&self, ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation> {
        self.write("reserve_usage", self.inner.reserve_usage(ctx, request)).await
    }
    async fn commit_usage(
        &self,
        ctx: &TenantContext,
        id: ReservationId,
        actual: &[i64],
    ) -> Result<UsageReservation> {
        self.write("commit_usage", self.inner.commit_usage(ctx, id, actual)).await
    }
    async fn release_usage(&self, ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation> {
        self.write("release_usage", self.inner.release_usage(ctx, id)).await
    }
    async fn reap_reservations(
        &self,
        ctx: &TenantContext,
        request: ReapReservations,
    ) -> Result<Vec<UsageReservation>> {
        self.write("reap_reservations", self.inner.reap_reservations(ctx, request)).await
    }
    async fn list_reservations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<UsageReservation>> {
        self.read("list_reservations", self.inner.list_reservations(ctx, workflow_id)).await
    }
    async fn get_usage(
        &self,
        ctx: &TenantContext,
        metric: UsageMetric,
        scope: LedgerScope,
    ) -> Result<UsageRecord> {
        self.read("get_usage", self.inner.get_usage(ctx, metric, scope)).await
    }
    async fn list_usage(&self, ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>> {
        self.read("list_usage", self.inner.list_usage(ctx, scope)).await
    }
    async fn hit_rate_limit(
        &self,
        ctx: &TenantContext,
        request: RateLimitRequest,
    ) -> Result<RateLimitDecision> {
        self.write("hit_rate_limit", self.inner.hit_rate_limit(ctx, request)).await
    }
}

#[async_trait]
impl AuditStore for FaultyStore {
    async fn append_audit(&self, ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry> {
        self.write("append_audit", self.inner.append_audit(ctx, entry)).await
    }
    async fn list_audit(&self, ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>> {
        self.read("list_audit", self.inner.list_audit(ctx, query)).await
    }
}
