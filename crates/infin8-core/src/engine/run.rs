//! Running a workflow: create, advance one step, run until a gate, a failure or the end, retry,
//! cancel, and the progress view.

use super::builder::Engine;
use super::progress::{ProgressEvent, WorkflowProgress};
use super::step::StepCtx;
use super::steps;
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::WorkflowId;
use crate::ledger::{LedgerScope, ReapReservations, UsageMetric, UsageReservation};
use crate::money::Usd;
use crate::organization::Permission;
use crate::tenant::TenantContext;
use crate::workflow::{
    FailureKind, Lease, NewWorkflow, Phase, Step, TransitionRequest, Workflow, WorkflowSettings,
    WorkflowState, WorkflowUpdate,
};
use chrono::{DateTime, Utc};
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
    /// A step failed. A [`Worker`](super::Worker) retries a temporary failure by itself when it
    /// is due; [`Engine::retry`] resumes any failed step at once.
    Failed {
        /// The step.
        step: Step,
        /// The recorded reason.
        reason: String,
        /// What kind of failure it was.
        kind: FailureKind,
        /// Failed attempts of this step so far.
        attempts: u32,
        /// When a worker retries it by itself (temporary failures only).
        next_attempt_at: Option<DateTime<Utc>>,
        /// Whether trying again later can help without changing anything (provider outage,
        /// rate limit, transient store failure), whether or not attempts remain.
        retryable: bool,
        /// The error, when the failure happened in this call.
        error: Option<Error>,
    },
    /// Another worker holds the workflow's lease.
    Busy {
        /// The step (the next one, before the workflow started).
        step: Step,
        /// The lease holder.
        owner: String,
        /// When the lease lapses unless renewed (a dead holder's lease is taken over then).
        until: DateTime<Utc>,
    },
    /// `COMPLETED`.
    Completed,
    /// `CANCELLED`.
    Cancelled,
}

impl Engine {
    /// Creates a workflow in `CREATED`, with its estimated cost, and counts it in the
    /// organization's monthly `workflows` usage, in one atomic store operation.
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
        let mut settings = new.settings;
        settings.retry.get_or_insert(self.inner.config.retry);
        // The `workflows` unit is charged by the creating store call itself: a crash cannot
        // leave a workflow without its charge, nor a charge (or an open reservation) without it.
        let charge = super::ledger::creation_charge(id, &limits, (self.inner.clock)());
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
                    settings,
                    estimated_cost,
                    metadata: serde_json::json!({ "engine": { "worker": self.inner.worker } }),
                    charge: Some(charge),
                },
            )
            .await?;
        Ok(workflow)
    }

    /// Settles the organization's dangling reservations: those still `reserved` whose owner is
    /// gone (their workflow's lease lapsed or was released, or they are older than an hour; see
    /// [`ReapReservations`]). Each is committed at its reserved amounts. Every step start does
    /// this for its own workflow; hosts call it at start-up to sweep workflows that will not run
    /// again (failed, cancelled). Returns what was reaped.
    ///
    /// # Errors
    /// `Forbidden` without [`Permission::RunWorkflows`]; store failures.
    pub async fn reap_reservations(&self, ctx: &TenantContext) -> Result<Vec<UsageReservation>> {
        ctx.role.require(Permission::RunWorkflows)?;
        self.inner.store.reap_reservations(ctx, ReapReservations::organization((self.inner.clock)())).await
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
        let now = (self.inner.clock)();
        if let Some(l) = &wf.lease
            && l.owner != self.inner.worker
            && l.expires_at > now
            && wf.state.holds_lease()
        {
            let step = wf.state.step().unwrap_or(Step::Icp);
            return Ok(Advance::Busy { step, owner: l.owner.clone(), until: l.expires_at });
        }
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
            WorkflowState::At(step, Phase::Pending | Phase::Processing) => {
                self.claim_and_run(ctx, wf, step).await
            }
            WorkflowState::At(step, _) => Ok(failed(step, &wf, None)),
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
    /// what it finished before is kept), whatever its failure kind. The failed-attempt count is
    /// kept until the step completes.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict(WrongState)` if the workflow is not in a `*_FAILED`
    /// state; `Conflict(StaleWorkflow)` if it moved meanwhile.
    pub async fn retry(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Workflow> {
        self.retry_with(ctx, workflow, false).await
    }

    /// What a [`Worker`](super::Worker) does with a claimed workflow whose temporary failure is
    /// due: [`retry`](Self::retry) it, recorded as automatic. A failure of another kind, or one
    /// not yet due, is left alone (`Conflict(WrongState)`).
    ///
    /// # Errors
    /// As [`retry`](Self::retry), and `Conflict(WrongState)` when the failure is not a due
    /// temporary one.
    pub async fn retry_automatically(&self, ctx: &TenantContext, workflow: WorkflowId) -> Result<Workflow> {
        self.retry_with(ctx, workflow, true).await
    }

    async fn retry_with(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        automatic: bool,
    ) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        let wf = self.load(ctx, workflow).await?;
        let wrong =
            |why: String| Error::conflict(Entity::Workflow, workflow, ConflictReason::WrongState(why));
        let WorkflowState::At(step, Phase::Failed) = wf.state else {
            return Err(wrong(format!("{} is not a failed state", wf.state)));
        };
        let now = (self.inner.clock)();
        let due = wf.failure_kind.is_some_and(FailureKind::retries_automatically)
            && wf.next_attempt_at.is_some_and(|at| at <= now);
        let leased_elsewhere =
            wf.lease.as_ref().is_some_and(|l| l.owner != self.inner.worker && l.expires_at > now);
        if automatic && (!due || leased_elsewhere) {
            return Err(wrong(format!("{} is not a due temporary failure", wf.state)));
        }
        let policy = wf.settings.retry.unwrap_or(self.inner.config.retry);
        let reason = if automatic {
            format!(
                "automatic retry {} of {} after a temporary failure",
                wf.attempts,
                policy.max_attempts.saturating_sub(1)
            )
        } else {
            "retry requested".to_string()
        };
        let req = self.request(&wf, WorkflowState::At(step, Phase::Pending)).with_reason(reason);
        let out = self.inner.transition(ctx, req).await?;
        self.inner
            .announce(ctx, vec![ProgressEvent::Retrying { workflow, step, attempts: wf.attempts, automatic }])
            .await;
        Ok(out.workflow)
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
            match self.inner.transition(ctx, req).await {
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
            failure_kind: wf.failure_kind,
            attempts: wf.attempts,
            next_attempt_at: wf.next_attempt_at,
            lease: wf.lease,
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
    /// worker, so two workers never replay each other's transition, carrying this worker's
    /// lease into every state that holds one.
    pub(crate) fn request(&self, wf: &Workflow, to: WorkflowState) -> TransitionRequest {
        let mut req = TransitionRequest::from_current(wf, to);
        req.idempotency_key = format!("{}:{}", req.idempotency_key, self.inner.worker);
        let now = (self.inner.clock)();
        if to.holds_lease() {
            let expires_at = now + self.inner.config.lease_duration();
            req = req.with_lease(Lease { owner: self.inner.worker.clone(), expires_at });
        }
        // A gate that configuration passes is due at once: if this worker dies before passing
        // it, another claims it (a gate waiting for people is never claimed).
        let passed_by_config = match to {
            WorkflowState::At(Step::SeedReview, Phase::Pending) => self.inner.config.auto_approve_seeds,
            WorkflowState::At(Step::Subtopics, Phase::AwaitingReview) => {
                self.inner.config.subtopic_review == super::config::SubtopicReview::Auto
            }
            _ => false,
        };
        if passed_by_config {
            req.due_at = Some(now);
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
        match self.inner.transition(ctx, req).await {
            Ok(out) => Ok(Advance::Moved(out.workflow.state)),
            Err(Error::Conflict { reason: ConflictReason::StaleWorkflow { current, .. }, .. }) => {
                Ok(Advance::Moved(current))
            }
            Err(e) => Err(e),
        }
    }

    async fn claim_and_run(&self, ctx: &TenantContext, wf: Workflow, step: Step) -> Result<Advance> {
        // Nobody else runs this workflow now (`advance` checked its lease): reservations its
        // earlier runs left open belong to dead owners. Settle them before the step runs again.
        self.inner
            .store
            .reap_reservations(
                ctx,
                ReapReservations::workflow(wf.id, self.inner.worker.clone(), (self.inner.clock)()),
            )
            .await?;
        let processing = WorkflowState::At(step, Phase::Processing);
        let claimed = match self.inner.transition(ctx, self.request(&wf, processing)).await {
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
        self.inner.announce(ctx, vec![ProgressEvent::StepStarted { workflow: wf.id, step }]).await;
        let sc = StepCtx::new(&self.inner, *ctx, step, claimed, org);
        let work = || async {
            match step {
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
            }
        };
        // A transient store failure (a dropped connection) re-runs the step in place, after a
        // backoff, under the same lease: steps are idempotent. The wait is inside the heartbeat
        // (the lease stays ours while we wait), and a safe point before the re-run stops it if
        // the workflow was taken over or cancelled meanwhile.
        let steps_with_retry = async {
            let mut store_failures = 0;
            loop {
                let result = work().await;
                match &result {
                    Err(e @ Error::Backend { retryable: true, .. })
                        if store_failures + 1 < self.inner.config.store_retry.max_attempts =>
                    {
                        store_failures += 1;
                        let seed =
                            [wf.id.as_uuid().as_bytes().as_slice(), &store_failures.to_le_bytes()].concat();
                        let wait = self.inner.config.store_retry.delay(
                            store_failures,
                            crate::workflow::jitter(&seed),
                            None,
                        );
                        self.inner.progress.event(&ProgressEvent::StoreRetry {
                            workflow: wf.id,
                            step,
                            error: e.to_string(),
                            wait,
                        });
                        if let Some(sleep) = &self.inner.sleeper {
                            sleep(wait).await;
                        }
                        if let Err(lost) = sc.checkpoint().await
                            && !matches!(lost, Error::Backend { retryable: true, .. })
                        {
                            break Err(lost);
                        }
                    }
                    _ => break result,
                }
            }
        };
        let result = self.with_heartbeat(ctx, wf.id, steps_with_retry).await;
        sc.flush_feed().await;
        match result {
            Ok(end) => {
                self.bookkeep(ctx, &sc).await?;
                let to = match end {
                    steps::StepEnd::Completed => WorkflowState::At(step, Phase::Completed),
                    steps::StepEnd::AwaitReview => WorkflowState::At(step, Phase::AwaitingReview),
                };
                let current = sc.workflow();
                match self.inner.transition(ctx, self.request(&current, to)).await {
                    Ok(out) => {
                        self.inner
                            .announce(
                                ctx,
                                vec![ProgressEvent::StepFinished {
                                    workflow: wf.id,
                                    step,
                                    state: out.workflow.state,
                                }],
                            )
                            .await;
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
                // Record what was spent before failing; if the store is down, leave the step
                // processing under our lease for the next run to resume.
                self.bookkeep(ctx, &sc).await.map_err(|_| clone_error(&error))?;
                let current = sc.workflow();
                let policy = current.settings.retry.unwrap_or(self.inner.config.retry);
                let seed =
                    [current.id.as_uuid().as_bytes().as_slice(), &current.attempts.to_le_bytes()].concat();
                let failure = policy.plan_failure(
                    &error,
                    current.attempts,
                    crate::workflow::jitter(&seed),
                    (self.inner.clock)(),
                );
                let reason = error.to_string();
                let req = self
                    .request(&current, WorkflowState::At(step, Phase::Failed))
                    .with_reason(reason.clone())
                    .with_failure(failure);
                match self.inner.transition(ctx, req).await {
                    Ok(out) => {
                        let retryable = error.is_retryable();
                        self.inner
                            .announce(
                                ctx,
                                vec![ProgressEvent::StepFailed {
                                    workflow: wf.id,
                                    step,
                                    reason,
                                    retryable,
                                    kind: failure.kind,
                                    next_attempt_at: failure.next_attempt_at,
                                }],
                            )
                            .await;
                        Ok(failed(step, &out.workflow, Some(error)))
                    }
                    Err(Error::Conflict {
                        reason: ConflictReason::StaleWorkflow { current, .. }, ..
                    }) => Ok(stopped(current)),
                    Err(_) => Err(error),
                }
            }
        }
    }

    /// Runs `work` while renewing this worker's lease on the workflow every
    /// [`heartbeat`](super::PipelineConfig) (needs a sleeper; without one, safe points renew it).
    /// Renewals write no transition or audit row. A failed renewal is left to the next safe
    /// point, which stops the step if the lease was lost.
    async fn with_heartbeat<T>(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        work: impl std::future::Future<Output = T>,
    ) -> T {
        use futures::FutureExt;
        let Some(sleep) = self.inner.sleeper.clone() else { return work.await };
        let every = self.inner.config.heartbeat();
        let beat = async {
            loop {
                sleep(every).await;
                let lease = Lease {
                    owner: self.inner.worker.clone(),
                    expires_at: (self.inner.clock)() + self.inner.config.lease_duration(),
                };
                if let Ok(false) = self.inner.store.renew_lease(ctx, workflow, lease).await {
                    // Lost: stop beating and let the step's next safe point find out.
                    futures::future::pending::<()>().await;
                }
            }
        };
        let work = std::pin::pin!(work.fuse());
        let beat = std::pin::pin!(beat.fuse());
        match futures::future::select(work, beat).await {
            futures::future::Either::Left((out, _)) => out,
            futures::future::Either::Right(((), work)) => work.await,
        }
    }

    /// A step's bookkeeping, in two store calls whatever the workflow's size: the counters the
    /// step set as it worked (see `StepCtx::count`) and the actual cost (one aggregate over the
    /// ledger) are written once. Nothing is re-read.
    async fn bookkeep(&self, ctx: &TenantContext, sc: &StepCtx<'_>) -> Result<()> {
        let store = self.inner.store.as_ref();
        let wf = sc.workflow();
        let cost = store.get_usage(ctx, UsageMetric::CostMicros, LedgerScope::Workflow(wf.id)).await?;
        let counts = sc.counts();
        let actual_cost = Usd::from_micros(cost.used);
        if counts == wf.counts && actual_cost == wf.actual_cost {
            return Ok(());
        }
        store
            .update_workflow(
                ctx,
                wf.id,
                WorkflowUpdate {
                    counts: (counts != wf.counts).then_some(counts),
                    actual_cost: (actual_cost != wf.actual_cost).then_some(actual_cost),
                    ..WorkflowUpdate::default()
                },
            )
            .await?;
        Ok(())
    }
}

/// The [`Advance::Failed`] of a workflow as recorded.
fn failed(step: Step, wf: &Workflow, error: Option<Error>) -> Advance {
    let kind = wf.failure_kind.unwrap_or(FailureKind::Permanent);
    Advance::Failed {
        step,
        reason: wf.last_error.clone().unwrap_or_default(),
        kind,
        attempts: wf.attempts,
        next_attempt_at: wf.next_attempt_at,
        retryable: matches!(kind, FailureKind::Temporary | FailureKind::RetriesExhausted),
        error,
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
