//! Running a workflow: create, advance one step, run until a gate, a failure or the end, retry,
//! cancel, and the progress view.

use super::builder::Engine;
use super::progress::{ProgressEvent, WorkflowProgress};
use super::step::{StepCtx, list_keywords};
use super::steps;
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::WorkflowId;
use crate::keyword::{FilterStatus, KeywordQuery, KeywordType};
use crate::ledger::{LedgerScope, UsageMetric};
use crate::money::Usd;
use crate::organization::Permission;
use crate::tenant::TenantContext;
use crate::workflow::{
    Lease, NewWorkflow, Phase, Step, TransitionRequest, Workflow, WorkflowCounts, WorkflowSettings,
    WorkflowState, WorkflowUpdate,
};
use serde::{Deserialize, Serialize};

/// Most transitions one [`Engine::run`] makes before returning (a guard against livelock).
const MAX_MOVES_PER_RUN: usize = 200;

/// What is needed to create a workflow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateWorkflow {
    /// Id to use (idempotent creation by the host); `None` for a fresh one.
    pub id: Option<WorkflowId>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Competitor URLs (normalized and deduplicated by the competitors step).
    pub competitor_urls: Vec<String>,
    /// Settings (budget, brand terms).
    pub settings: WorkflowSettings,
}

/// What [`Engine::advance`] (and [`Engine::run`]) ended with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Advance {
    /// The workflow moved (a step ran, a gate passed, or it advanced to the next step); there may
    /// be more to do.
    Moved(WorkflowState),
    /// It waits at a human gate for decisions on `pending` items.
    AwaitingApproval {
        /// The gate's step.
        step: Step,
        /// Items without a decision.
        pending: u64,
    },
    /// A step failed; [`Engine::retry`] resumes it.
    Failed {
        /// The step.
        step: Step,
        /// The recorded reason.
        reason: String,
        /// Whether trying again later can help without changing anything (provider outage,
        /// rate limit, transient store failure).
        retryable: bool,
        /// The error, when the failure happened in this call.
        error: Option<Error>,
    },
    /// Another worker holds the running step's lease.
    Busy {
        /// The step.
        step: Step,
        /// The lease holder.
        owner: String,
    },
    /// `COMPLETED`.
    Completed,
    /// `CANCELLED`.
    Cancelled,
}

impl Advance {
    /// The reason prefix recorded for retryable failures.
    pub const RETRYABLE: &'static str = "retryable: ";
}

impl Engine {
    /// Creates a workflow in `CREATED`, with its estimated cost, and counts it in the
    /// organization's monthly `workflows` usage.
    ///
    /// # Errors
    /// `Forbidden` without [`Permission::RunWorkflows`]; `LimitExceeded` when the plan's monthly
    /// workflows are used up; `NotFound` for an unknown organization; the store's validation
    /// errors (title).
    pub async fn create_workflow(&self, ctx: &TenantContext, new: CreateWorkflow) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = self
            .inner
            .store
            .get_organization(ctx)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id))?;
        let id = new.id.unwrap_or_default();
        let limits = self.inner.config.plan_limits.clone().unwrap_or_else(|| org.plan.limits());
        let estimated_cost = self.estimate_cost(new.competitor_urls.len());
        let workflow = self
            .inner
            .store
            .create_workflow(
                ctx,
                NewWorkflow {
                    id: Some(id),
                    title: new.title,
                    description: new.description,
                    competitor_urls: new.competitor_urls,
                    settings: new.settings,
                    estimated_cost,
                    metadata: serde_json::json!({ "engine": { "worker": self.inner.worker } }),
                },
            )
            .await?;
        let spend = super::ledger::Spend {
            key: "workflow".into(),
            units: vec![(UsageMetric::Workflows, 1)],
            cost: Usd::ZERO,
        };
        let lines = super::ledger::lines(&spend, id, None, &limits, (self.inner.clock)());
        let held = super::ledger::hold(self.inner.store.as_ref(), ctx, id, Step::Icp, &spend, lines).await?;
        if let super::ledger::Held::Live { reserved, .. } = &held {
            super::ledger::settle(self.inner.store.as_ref(), ctx, &held, reserved).await?;
        }
        Ok(workflow)
    }

    /// An upper-bound estimate of a whole run's cost from the providers' per-call estimates and
    /// the configured limits (with SERP-overlap clustering, one SERP call per keyword).
    #[must_use]
    pub fn estimate_cost(&self, competitors: usize) -> Usd {
        let c = &self.inner.config;
        let p = &self.inner.providers;
        let l = &c.limits;
        let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        let llm = p
            .llm
            .estimate(&crate::provider::CompletionRequest { max_tokens: Some(1_200), ..Default::default() });
        let web = p.web.estimate(&crate::provider::WebSearchRequest::new("", l.sources_per_section));
        let competitors = n(competitors.min(l.max_competitors));
        let seeds = n(l.max_seeds);
        let articles = n(l.max_articles);
        let sections = n(l.max_sections);
        let keywords = seeds * (1 + i64::from(l.longtails_per_seed));
        let serp = match (&c.clustering_method, &p.serp) {
            (super::config::ClusteringMethod::SerpOverlap { .. }, Some(serp)) => {
                serp.estimate().times(keywords)
            }
            _ => Usd::ZERO,
        };
        llm + p.keywords.estimate().times(competitors + seeds)
            + serp
            + llm.times(keywords / 4)
            + (llm + llm.times(sections) + web.times(sections)).times(articles)
    }

    /// Runs the next runnable thing: starts the workflow, claims and runs its pending step
    /// (or reclaims one whose worker's lease expired, or its own after a crash), moves a
    /// completed step on to the next, or passes a gate whose decisions are all recorded.
    ///
    /// # Errors
    /// `Forbidden` without [`Permission::RunWorkflows`]; `NotFound` for an unknown workflow;
    /// store failures that also prevented recording the step's failure (the step is left
    /// `*_PROCESSING` under this worker's lease, and the next `advance` resumes it).
    pub async fn advance(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Advance> {
        ctx.role.require(Permission::RunWorkflows)?;
        let wf = self.load(ctx, workflow).await?;
        match wf.state {
            WorkflowState::Completed => Ok(Advance::Completed),
            WorkflowState::Cancelled => Ok(Advance::Cancelled),
            WorkflowState::Created => {
                self.moved(ctx, &wf, WorkflowState::At(Step::Icp, Phase::Pending), None).await
            }
            WorkflowState::At(step, Phase::Completed) => {
                let to =
                    step.next().map_or(WorkflowState::Completed, |n| WorkflowState::At(n, Phase::Pending));
                self.moved(ctx, &wf, to, None).await
            }
            WorkflowState::At(step, Phase::Pending) if step.is_gate() => self.seed_gate(ctx, wf).await,
            WorkflowState::At(Step::Subtopics, Phase::AwaitingReview) => self.subtopic_gate(ctx, wf).await,
            WorkflowState::At(step, Phase::Pending) => self.claim_and_run(ctx, wf, step).await,
            WorkflowState::At(step, Phase::Processing) => {
                let now = (self.inner.clock)();
                match &wf.lease {
                    Some(l) if l.owner != self.inner.worker && l.expires_at > now => {
                        Ok(Advance::Busy { step, owner: l.owner.clone() })
                    }
                    _ => self.claim_and_run(ctx, wf, step).await,
                }
            }
            WorkflowState::At(step, _) => {
                let reason = wf.last_error.clone().unwrap_or_default();
                let retryable = reason.starts_with(Advance::RETRYABLE);
                Ok(Advance::Failed { step, reason, retryable, error: None })
            }
        }
    }

    /// Advances until the workflow waits at a gate, fails, is busy elsewhere, completes or is
    /// cancelled.
    ///
    /// # Errors
    /// As [`advance`](Self::advance).
    pub async fn run(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Advance> {
        for _ in 0..MAX_MOVES_PER_RUN {
            match self.advance(ctx, workflow).await? {
                Advance::Moved(_) => {}
                other => return Ok(other),
            }
        }
        let wf = self.load(ctx, workflow).await?;
        Ok(Advance::Moved(wf.state))
    }

    /// Moves a failed step back to pending so the next `advance` runs it again (idempotently:
    /// what it finished before is kept).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict(WrongState)` if the workflow is not in a `*_FAILED`
    /// state; `Conflict(StaleWorkflow)` if it moved meanwhile.
    pub async fn retry(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        let wf = self.load(ctx, workflow).await?;
        let WorkflowState::At(step, Phase::Failed) = wf.state else {
            return Err(Error::conflict(
                Entity::Workflow,
                workflow,
                ConflictReason::WrongState(format!("{} is not a failed state", wf.state)),
            ));
        };
        let req = self.request(&wf, WorkflowState::At(step, Phase::Pending)).with_reason("retry requested");
        Ok(self.inner.store.transition(ctx, req).await?.workflow)
    }

    /// Cancels the workflow. A step running elsewhere stops at its next safe point; work it
    /// finished stays recorded.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict(WrongState)` if it already completed.
    pub async fn cancel(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        loop {
            let wf = self.load(ctx, workflow).await?;
            match wf.state {
                WorkflowState::Cancelled => return Ok(wf),
                WorkflowState::Completed => {
                    return Err(Error::conflict(
                        Entity::Workflow,
                        workflow,
                        ConflictReason::WrongState("completed workflows cannot be cancelled".into()),
                    ));
                }
                _ => {}
            }
            let req = self.request(&wf, WorkflowState::Cancelled).with_reason("cancelled");
            match self.inner.store.transition(ctx, req).await {
                Ok(out) => return Ok(out.workflow),
                Err(Error::Conflict { reason: ConflictReason::StaleWorkflow { .. }, .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The progress view.
    ///
    /// # Errors
    /// `NotFound`; store failures.
    pub async fn progress(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<WorkflowProgress> {
        let wf = self.load(ctx, workflow).await?;
        let actual =
            self.inner.store.get_usage(ctx, UsageMetric::CostMicros, LedgerScope::Workflow(workflow)).await?;
        Ok(WorkflowProgress {
            workflow_id: wf.id,
            state: wf.state,
            current_step: wf.current_step(),
            step_label: wf.state.step().map(Step::label),
            completion_percentage: wf.completion_percentage(),
            awaiting_approval: matches!(
                wf.state,
                WorkflowState::At(Step::SeedReview, Phase::Pending)
                    | WorkflowState::At(Step::Subtopics, Phase::AwaitingReview)
            ),
            counts: wf.counts,
            actual_cost: Usd::from_micros(actual.used),
            estimated_cost: wf.estimated_cost,
            last_error: wf.last_error,
        })
    }

    pub(crate) async fn load(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Workflow> {
        self.inner
            .store
            .get_workflow(ctx, workflow)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Workflow, workflow))
    }

    /// A transition request from `wf`'s state and version whose idempotency key names this
    /// worker, so two workers never replay each other's transition.
    pub(crate) fn request(&self, wf: &Workflow, to: WorkflowState) -> TransitionRequest {
        let mut req = TransitionRequest::from_current(wf, to);
        req.idempotency_key = format!("{}:{}", req.idempotency_key, self.inner.worker);
        if to.is_processing() {
            let expires_at = (self.inner.clock)() + self.inner.config.lease_duration();
            req = req.with_lease(Lease { owner: self.inner.worker.clone(), expires_at });
        }
        req
    }

    /// Makes a bookkeeping transition; a lost race just reports the state now.
    pub(crate) async fn moved(
        &self,
        ctx: &TenantContext,
        wf: &Workflow,
        to: WorkflowState,
        reason: Option<String>,
    ) -> Result<Advance> {
        let mut req = self.request(wf, to);
        req.reason = reason;
        match self.inner.store.transition(ctx, req).await {
            Ok(out) => Ok(Advance::Moved(out.workflow.state)),
            Err(Error::Conflict { reason: ConflictReason::StaleWorkflow { current, .. }, .. }) => {
                Ok(Advance::Moved(current))
            }
            Err(e) => Err(e),
        }
    }

    async fn claim_and_run(&self, ctx: &TenantContext, wf: Workflow, step: Step) -> Result<Advance> {
        let processing = WorkflowState::At(step, Phase::Processing);
        let claimed = match self.inner.store.transition(ctx, self.request(&wf, processing)).await {
            Ok(out) if out.workflow.lease.as_ref().is_some_and(|l| l.owner == self.inner.worker) => {
                out.workflow
            }
            Ok(out) => return Ok(Advance::Moved(out.workflow.state)),
            Err(Error::Conflict { reason: ConflictReason::StaleWorkflow { current, .. }, .. }) => {
                return Ok(Advance::Moved(current));
            }
            Err(e) => return Err(e),
        };
        let org = self
            .inner
            .store
            .get_organization(ctx)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id))?;
        self.inner.progress.event(&ProgressEvent::StepStarted { workflow: wf.id, step });
        let sc = StepCtx::new(&self.inner, *ctx, step, claimed, org);
        let result = match step {
            Step::Icp => steps::icp::run(&sc).await,
            Step::Competitors => steps::competitors::run(&sc).await,
            Step::SeedReview => Ok(steps::StepEnd::Completed),
            Step::Longtails => steps::longtails::run(&sc).await,
            Step::Filtering => steps::filtering::run(&sc).await,
            Step::Clustering => steps::clustering::run(&sc).await,
            Step::Validation => steps::validation::run(&sc).await,
            Step::Subtopics => steps::subtopics::run(&sc).await,
            Step::Articles => steps::articles::run(&sc).await,
            Step::Publish => steps::publish::run(&sc).await,
        };
        match result {
            Ok(end) => {
                self.refresh(ctx, wf.id).await?;
                let to = match end {
                    steps::StepEnd::Completed => WorkflowState::At(step, Phase::Completed),
                    steps::StepEnd::AwaitReview => WorkflowState::At(step, Phase::AwaitingReview),
                };
                let current = sc.workflow();
                match self.inner.store.transition(ctx, self.request(&current, to)).await {
                    Ok(out) => {
                        self.inner.progress.event(&ProgressEvent::StepFinished {
                            workflow: wf.id,
                            step,
                            state: out.workflow.state,
                        });
                        Ok(Advance::Moved(out.workflow.state))
                    }
                    Err(Error::Conflict {
                        reason: ConflictReason::StaleWorkflow { current, .. }, ..
                    }) => Ok(stopped(current)),
                    Err(e) => Err(e),
                }
            }
            Err(Error::Cancelled { .. }) => Ok(Advance::Cancelled),
            Err(Error::Conflict { reason: ConflictReason::StaleWorkflow { current, .. }, .. }) => {
                Ok(stopped(current))
            }
            Err(error) => {
                let retryable = error.is_retryable();
                let reason = format!("{}{error}", if retryable { Advance::RETRYABLE } else { "" });
                // Record what was spent before failing; if the store is down, leave the step
                // processing under our lease for the next run to resume.
                self.refresh(ctx, wf.id).await.map_err(|_| clone_error(&error))?;
                let current = sc.workflow();
                let req = self
                    .request(&current, WorkflowState::At(step, Phase::Failed))
                    .with_reason(reason.clone());
                match self.inner.store.transition(ctx, req).await {
                    Ok(_) => {
                        self.inner.progress.event(&ProgressEvent::StepFailed {
                            workflow: wf.id,
                            step,
                            reason: reason.clone(),
                            retryable,
                        });
                        Ok(Advance::Failed { step, reason, retryable, error: Some(error) })
                    }
                    Err(Error::Conflict {
                        reason: ConflictReason::StaleWorkflow { current, .. }, ..
                    }) => Ok(stopped(current)),
                    Err(_) => Err(error),
                }
            }
        }
    }

    /// Recomputes the workflow's counters from the store and its actual cost from the ledger.
    pub(crate) async fn refresh(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<()> {
        let store = self.inner.store.as_ref();
        let keywords = list_keywords(store, ctx, KeywordQuery::workflow(workflow)).await?;
        let approvals = store
            .list_approvals(ctx, workflow, Some(crate::approval::ApprovalEntityType::SeedKeywords))
            .await?;
        let clusters = store.list_clusters(ctx, workflow).await?;
        let validations = store.list_validations(ctx, workflow).await?;
        let articles = store.list_articles(ctx, workflow).await?;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut hubs: Vec<_> = clusters.iter().map(|c| c.hub_keyword_id).collect();
        hubs.sort();
        hubs.dedup();
        let counts = WorkflowCounts {
            seed_keywords: count(keywords.iter().filter(|k| k.keyword_type == KeywordType::Seed).count()),
            approved_seeds: count(
                approvals.iter().filter(|a| a.decision == crate::approval::Decision::Approved).count(),
            ),
            longtail_keywords: count(
                keywords.iter().filter(|k| k.keyword_type == KeywordType::Longtail).count(),
            ),
            filtered_keywords: count(
                keywords.iter().filter(|k| k.filter_status == FilterStatus::Approved).count(),
            ),
            clusters: count(hubs.len()),
            valid_clusters: count(
                validations.iter().filter(|v| v.status == crate::cluster::ValidationStatus::Valid).count(),
            ),
            articles: count(
                articles
                    .iter()
                    .filter(|a| {
                        matches!(
                            a.status,
                            crate::article::ArticleStatus::Completed
                                | crate::article::ArticleStatus::Published
                        )
                    })
                    .count(),
            ),
            published: count(
                articles.iter().filter(|a| a.status == crate::article::ArticleStatus::Published).count(),
            ),
        };
        let cost = store.get_usage(ctx, UsageMetric::CostMicros, LedgerScope::Workflow(workflow)).await?;
        store
            .update_workflow(
                ctx,
                workflow,
                WorkflowUpdate {
                    counts: Some(counts),
                    actual_cost: Some(Usd::from_micros(cost.used)),
                    ..WorkflowUpdate::default()
                },
            )
            .await?;
        Ok(())
    }
}

/// What a step that lost its claim reports: cancelled, or moved by someone else.
fn stopped(current: WorkflowState) -> Advance {
    if current == WorkflowState::Cancelled { Advance::Cancelled } else { Advance::Moved(current) }
}

/// A copy of an error's message as a backend error (for reporting the original failure when
/// recording it fails).
fn clone_error(error: &Error) -> Error {
    Error::Backend {
        backend: "engine",
        operation: "record failure",
        message: error.to_string(),
        retryable: error.is_retryable(),
        source: None,
    }
}
