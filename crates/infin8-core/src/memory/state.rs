//! The tables of the in-memory store, and the lookups every aggregate shares.

use crate::approval::{Approval, ApprovalEntityType};
use crate::article::{Article, ArticleSection};
use crate::audit::AuditEntry;
use crate::cluster::{ClusterSpoke, ClusterValidation};
use crate::error::{Entity, Error, Result};
use crate::ids::{
    ApprovalId, ArticleId, AuditId, CompetitorId, KeywordId, OrgId, PublishId, ReservationId, UserId,
    WorkflowId,
};
use crate::keyword::Keyword;
use crate::ledger::{LedgerScope, UsageMetric, UsageReservation};
use crate::organization::{Member, Organization, OrganizationCompetitor};
use crate::publish::PublishReference;
use crate::research::ResearchCacheEntry;
use crate::tenant::TenantContext;
use crate::workflow::{Transition, Workflow};
use chrono::Utc;
use std::collections::{BTreeMap, HashMap};

/// `(used, reserved)` of one usage counter.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counter {
    pub(super) used: i64,
    pub(super) reserved: i64,
}

/// Every table. Ids are unique across organizations; every lookup goes through a tenant check.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) organizations: HashMap<OrgId, Organization>,
    pub(super) members: BTreeMap<(OrgId, UserId), Member>,
    pub(super) competitors: BTreeMap<CompetitorId, OrganizationCompetitor>,
    pub(super) workflows: BTreeMap<WorkflowId, Workflow>,
    /// Per workflow, oldest first.
    pub(super) transitions: HashMap<WorkflowId, Vec<Transition>>,
    pub(super) keywords: BTreeMap<KeywordId, Keyword>,
    /// `(workflow, normalized text)` → keyword.
    pub(super) keyword_index: HashMap<(WorkflowId, String), KeywordId>,
    pub(super) clusters: HashMap<WorkflowId, Vec<ClusterSpoke>>,
    pub(super) validations: HashMap<WorkflowId, Vec<ClusterValidation>>,
    pub(super) approvals: BTreeMap<ApprovalId, Approval>,
    pub(super) approval_index: HashMap<(WorkflowId, ApprovalEntityType, uuid::Uuid), ApprovalId>,
    pub(super) articles: BTreeMap<ArticleId, Article>,
    pub(super) article_index: HashMap<(WorkflowId, KeywordId), ArticleId>,
    /// Per article, by order.
    pub(super) sections: HashMap<ArticleId, BTreeMap<i32, ArticleSection>>,
    pub(super) publish: BTreeMap<PublishId, PublishReference>,
    pub(super) publish_index: HashMap<(ArticleId, String), PublishId>,
    pub(super) research: HashMap<(OrgId, String), ResearchCacheEntry>,
    pub(super) usage: BTreeMap<(OrgId, LedgerScope, UsageMetric), Counter>,
    pub(super) reservations: HashMap<ReservationId, (OrgId, UsageReservation)>,
    /// `(org, key, window length in seconds, window start)` → units taken.
    pub(super) rate_limits: HashMap<(OrgId, String, i64, i64), u32>,
    pub(super) audit: BTreeMap<AuditId, AuditEntry>,
}

impl State {
    /// The caller's organization, or `NotFound`.
    pub(super) fn organization(&self, ctx: &TenantContext) -> Result<&Organization> {
        self.organizations.get(&ctx.org_id).ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id))
    }

    /// A workflow of the caller's organization, or `NotFound`.
    pub(super) fn workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<&Workflow> {
        self.workflows
            .get(&id)
            .filter(|w| w.organization_id == ctx.org_id)
            .ok_or_else(|| Error::not_found(Entity::Workflow, id))
    }

    /// A keyword of the caller's organization, or `NotFound`.
    pub(super) fn keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<&Keyword> {
        self.keywords
            .get(&id)
            .filter(|k| k.organization_id == ctx.org_id)
            .ok_or_else(|| Error::not_found(Entity::Keyword, id))
    }

    /// A keyword of the caller's organization in `workflow`, or `NotFound`.
    pub(super) fn keyword_in(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        id: KeywordId,
    ) -> Result<&Keyword> {
        self.keyword(ctx, id)
            .ok()
            .filter(|k| k.workflow_id == workflow)
            .ok_or_else(|| Error::not_found(Entity::Keyword, id))
    }

    /// An article of the caller's organization, or `NotFound`.
    pub(super) fn article(&self, ctx: &TenantContext, id: ArticleId) -> Result<&Article> {
        self.articles
            .get(&id)
            .filter(|a| a.organization_id == ctx.org_id)
            .ok_or_else(|| Error::not_found(Entity::Article, id))
    }

    /// Appends an audit entry by `ctx.actor` (callers have validated everything first).
    pub(super) fn push_audit(
        &mut self,
        ctx: &TenantContext,
        workflow_id: Option<WorkflowId>,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        details: serde_json::Value,
    ) -> AuditEntry {
        let entry = AuditEntry {
            id: AuditId::new(),
            organization_id: ctx.org_id,
            workflow_id,
            actor: ctx.actor,
            action: action.to_string(),
            entity_type: entity_type.to_string(),
            entity_id,
            details,
            created_at: Utc::now(),
        };
        self.audit.insert(entry.id, entry.clone());
        entry
    }
}
