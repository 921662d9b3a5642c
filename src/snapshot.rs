//! Everything the store holds about one workflow, read once: what the report, the exports and
//! `infin8 status` are made from.

use infin8_core::approval::{Approval, ApprovalEntityType};
use infin8_core::article::Article;
use infin8_core::cluster::{ClusterSpoke, ClusterValidation};
use infin8_core::keyword::{Keyword, KeywordQuery};
use infin8_core::ledger::{LedgerScope, UsageRecord};
use infin8_core::publish::PublishStatus;
use infin8_core::store::Store;
use infin8_core::workflow::{Step, Transition, Workflow};
use infin8_core::{ArticleId, Entity, Error, KeywordId, Result, TenantContext, Usd, WorkflowId};
use std::collections::HashMap;

/// Where the `infin8` command keeps each step's cost in the workflow's metadata
/// (`{"cost_by_step": {"competitors": 120000, …}}`, micro-dollars by step wire prefix).
pub const COST_BY_STEP_KEY: &str = "cost_by_step";

/// One workflow and everything about it.
#[derive(Debug, Clone)]
pub struct WorkflowSnapshot {
    /// The workflow.
    pub workflow: Workflow,
    /// Every keyword, in store order.
    pub keywords: Vec<Keyword>,
    /// Cluster spokes.
    pub spokes: Vec<ClusterSpoke>,
    /// One validation per cluster.
    pub validations: Vec<ClusterValidation>,
    /// Articles.
    pub articles: Vec<Article>,
    /// Seed review decisions.
    pub seed_decisions: Vec<Approval>,
    /// Subtopic review decisions.
    pub subtopic_decisions: Vec<Approval>,
    /// The workflow's usage ledger.
    pub usage: Vec<UsageRecord>,
    /// State changes, oldest first.
    pub transitions: Vec<Transition>,
    /// What became of each article's post ("drafted", "published", …; see
    /// `PublishReference::outcome`), for the articles that have one.
    pub post_outcomes: HashMap<ArticleId, &'static str>,
    index: HashMap<KeywordId, usize>,
}

impl WorkflowSnapshot {
    /// Reads workflow `id` of `ctx`'s organization.
    ///
    /// # Errors
    /// `NotFound` for an unknown workflow; store failures.
    pub async fn load(store: &dyn Store, ctx: &TenantContext, id: WorkflowId) -> Result<Self> {
        let workflow =
            store.get_workflow(ctx, id).await?.ok_or_else(|| Error::not_found(Entity::Workflow, id))?;
        let keywords = all_keywords(store, ctx, id).await?;
        let index = keywords.iter().enumerate().map(|(i, k)| (k.id, i)).collect();
        let articles = store.list_articles(ctx, id).await?;
        let mut post_outcomes = HashMap::new();
        for a in &articles {
            let posted = store.list_publish_references(ctx, a.id).await?;
            if let Some(r) = posted.iter().find(|r| r.status == PublishStatus::Published) {
                post_outcomes.insert(a.id, r.outcome());
            }
        }
        Ok(Self {
            workflow,
            spokes: store.list_clusters(ctx, id).await?,
            validations: store.list_validations(ctx, id).await?,
            articles,
            post_outcomes,
            seed_decisions: store.list_approvals(ctx, id, Some(ApprovalEntityType::SeedKeywords)).await?,
            subtopic_decisions: store.list_approvals(ctx, id, Some(ApprovalEntityType::Subtopics)).await?,
            usage: store.list_usage(ctx, LedgerScope::Workflow(id)).await?,
            transitions: store.list_transitions(ctx, id).await?,
            keywords,
            index,
        })
    }

    /// A keyword by id.
    #[must_use]
    pub fn keyword(&self, id: KeywordId) -> Option<&Keyword> {
        self.index.get(&id).map(|&i| &self.keywords[i])
    }

    /// A keyword's text, `"?"` when unknown.
    #[must_use]
    pub fn text(&self, id: KeywordId) -> &str {
        self.keyword(id).map_or("?", |k| k.keyword.as_str())
    }

    /// Each step's recorded cost (see [`COST_BY_STEP_KEY`]), in step order.
    #[must_use]
    pub fn cost_by_step(&self) -> Vec<(Step, Usd)> {
        let recorded = &self.workflow.metadata[COST_BY_STEP_KEY];
        Step::ALL
            .iter()
            .filter_map(|s| recorded[s.wire_prefix()].as_i64().map(|m| (*s, Usd::from_micros(m))))
            .collect()
    }

    /// The hub of `keyword`'s cluster, if it is a hub or a spoke.
    #[must_use]
    pub fn hub_of(&self, keyword: KeywordId) -> Option<KeywordId> {
        if self.validations.iter().any(|v| v.hub_keyword_id == keyword) {
            return Some(keyword);
        }
        self.spokes.iter().find(|s| s.spoke_keyword_id == keyword).map(|s| s.hub_keyword_id)
    }
}

/// Adds this run's per-step costs to the workflow's recorded ones (metadata
/// [`COST_BY_STEP_KEY`]), keeping the rest of its metadata.
///
/// # Errors
/// Store failures.
pub async fn record_step_costs(
    store: &dyn Store,
    ctx: &TenantContext,
    id: WorkflowId,
    costs: &[(Step, Usd)],
) -> Result<()> {
    if costs.iter().all(|(_, c)| c.micros() == 0) {
        return Ok(());
    }
    let wf = store.get_workflow(ctx, id).await?.ok_or_else(|| Error::not_found(Entity::Workflow, id))?;
    let mut metadata = match wf.metadata {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let mut by_step = match metadata.remove(COST_BY_STEP_KEY) {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for (step, cost) in costs {
        let before = by_step.get(step.wire_prefix()).and_then(serde_json::Value::as_i64).unwrap_or(0);
        by_step.insert(step.wire_prefix().to_owned(), (before + cost.micros()).into());
    }
    metadata.insert(COST_BY_STEP_KEY.to_owned(), serde_json::Value::Object(by_step));
    let update = infin8_core::workflow::WorkflowUpdate {
        metadata: Some(serde_json::Value::Object(metadata)),
        ..Default::default()
    };
    store.update_workflow(ctx, id, update).await?;
    Ok(())
}

/// Every keyword of a workflow, page by page.
///
/// # Errors
/// Store failures.
pub async fn all_keywords(store: &dyn Store, ctx: &TenantContext, id: WorkflowId) -> Result<Vec<Keyword>> {
    let mut out = Vec::new();
    let mut query = KeywordQuery { limit: Some(10_000), ..KeywordQuery::workflow(id) };
    loop {
        let page = store.list_keywords(ctx, query.clone()).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return Ok(out),
        }
    }
}
