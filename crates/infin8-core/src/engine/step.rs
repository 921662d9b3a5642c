//! What a running step works with: the claimed workflow, the organization, the plan limits, and
//! the helpers every step uses (paid calls, safe points, listings).

use super::builder::EngineInner;
use super::config::ProviderRateLimit;
use super::ledger::{self, Held, Spend};
use super::progress::ProgressEvent;
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::WorkflowId;
use crate::keyword::{Keyword, KeywordQuery};
use crate::ledger::{RateLimitRequest, UsageMetric, WindowKind};
use crate::organization::{Organization, PlanLimits};
use crate::provider::{Metered, ProviderError, ProviderUsage};
use crate::tenant::TenantContext;
use crate::workflow::{Lease, Phase, Step, Workflow, WorkflowCounts, WorkflowState};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::{Mutex, PoisonError};

/// Which provider a call goes to (for rate limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Keywords,
    Web,
    Llm,
    Embedder,
    Publisher,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Keywords => "keyword_research",
            Role::Web => "web_research",
            Role::Llm => "llm",
            Role::Embedder => "embeddings",
            Role::Publisher => "publish",
        }
    }
}

/// A step in progress.
pub(crate) struct StepCtx<'a> {
    pub(crate) engine: &'a EngineInner,
    pub(crate) ctx: TenantContext,
    pub(crate) step: Step,
    pub(crate) org: Organization,
    pub(crate) limits: PlanLimits,
    workflow: Mutex<Workflow>,
    /// The workflow's counters as this step leaves them: each step sets the ones it owns from
    /// what it produced, and the engine writes them once when the step ends (no re-reading).
    counts: Mutex<WorkflowCounts>,
    /// Events emitted but not yet sent to the feed.
    pending: Mutex<Vec<ProgressEvent>>,
    /// When the feed was last sent to (safe points send at most once a second).
    last_flush: Mutex<Option<DateTime<Utc>>>,
}

impl<'a> StepCtx<'a> {
    pub(crate) fn new(
        engine: &'a EngineInner,
        ctx: TenantContext,
        step: Step,
        workflow: Workflow,
        org: Organization,
    ) -> Self {
        let limits = engine.config.plan_limits.clone().unwrap_or_else(|| org.plan.limits());
        let counts = Mutex::new(workflow.counts);
        Self {
            engine,
            ctx,
            step,
            org,
            limits,
            workflow: Mutex::new(workflow),
            counts,
            pending: Mutex::default(),
            last_flush: Mutex::default(),
        }
    }

    /// Sets the counters this step owns.
    pub(crate) fn count(&self, set: impl FnOnce(&mut WorkflowCounts)) {
        set(&mut self.counts.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// The workflow's counters as this step leaves them.
    pub(crate) fn counts(&self) -> WorkflowCounts {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The workflow as last seen (after claim or the last safe point).
    pub(crate) fn workflow(&self) -> Workflow {
        self.workflow.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn workflow_id(&self) -> WorkflowId {
        self.workflow.lock().unwrap_or_else(PoisonError::into_inner).id
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.engine.clock)()
    }

    pub(crate) fn store(&self) -> &dyn crate::store::Store {
        self.engine.store.as_ref()
    }

    /// Tells the host's sink now, and the feed at the next safe point (or the step's end).
    pub(crate) fn emit(&self, event: ProgressEvent) {
        self.engine.progress.event(&event);
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).push(event);
    }

    /// At a safe point: sends the pending events to the feed if a second has passed since the
    /// last send (or many are waiting), so a busy step costs the store one feed call a second,
    /// not one per safe point.
    async fn flush_feed_if_due(&self) {
        let now = (self.engine.clock)();
        let due = {
            let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner).len();
            let mut last = self.last_flush.lock().unwrap_or_else(PoisonError::into_inner);
            let due = pending > 0
                && (pending >= 256 || last.is_none_or(|t| now - t >= chrono::Duration::seconds(1)));
            if due {
                *last = Some(now);
            }
            due
        };
        if due {
            self.flush_feed().await;
        }
    }

    /// Sends the events emitted since the last flush to the organization's feed.
    pub(crate) async fn flush_feed(&self) {
        let events = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if !events.is_empty() {
            self.engine.feed(&self.ctx, events).await;
        }
    }

    pub(crate) fn planned(&self, total: usize) {
        self.emit(ProgressEvent::ItemsPlanned {
            workflow: self.workflow_id(),
            step: self.step,
            total: total as u64,
        });
    }

    pub(crate) fn item_done(&self, label: impl Into<String>) {
        self.emit(ProgressEvent::ItemDone {
            workflow: self.workflow_id(),
            step: self.step,
            label: label.into(),
        });
    }

    /// A safe point: stops the step if the workflow was cancelled (`Cancelled`) or taken over by
    /// another worker (`Conflict`), and renews the lease (no transition, no audit row) when half
    /// of it has run out.
    pub(crate) async fn checkpoint(&self) -> Result<()> {
        self.flush_feed_if_due().await;
        let id = self.workflow_id();
        let current = self
            .store()
            .get_workflow(&self.ctx, id)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Workflow, id))?;
        let ours = current.state == WorkflowState::At(self.step, Phase::Processing)
            && current.lease.as_ref().is_some_and(|l| l.owner == self.engine.worker);
        if current.state == WorkflowState::Cancelled {
            return Err(Error::Cancelled { workflow: id.to_string() });
        }
        if !ours {
            return Err(Error::conflict(
                Entity::Workflow,
                id,
                ConflictReason::StaleWorkflow { current: current.state, version: current.version },
            ));
        }
        let now = self.now();
        let lease = self.engine.config.lease_duration();
        let expires = current.lease.as_ref().map_or(now, |l| l.expires_at);
        let mut latest = current;
        if expires - now < lease / 2 {
            let renewed = Lease { owner: self.engine.worker.clone(), expires_at: now + lease };
            if !self.store().renew_lease(&self.ctx, id, renewed.clone()).await? {
                return Err(Error::conflict(
                    Entity::Workflow,
                    id,
                    ConflictReason::StaleWorkflow { current: latest.state, version: latest.version },
                ));
            }
            latest.lease = Some(renewed);
        }
        *self.workflow.lock().unwrap_or_else(PoisonError::into_inner) = latest;
        Ok(())
    }

    /// Takes one call from the organization's rate limit for `role`, waiting with the sleeper
    /// when one is configured.
    async fn rate_limit(&self, role: Role) -> Result<()> {
        let limits = &self.engine.config.rate_limits;
        let limit: Option<ProviderRateLimit> = match role {
            Role::Keywords => limits.keyword_research,
            Role::Web => limits.web_research,
            Role::Llm => limits.llm,
            Role::Embedder => limits.embeddings,
            Role::Publisher => limits.publish,
        };
        let Some(limit) = limit else { return Ok(()) };
        let key = format!("provider:{}", role.name());
        loop {
            let decision = self
                .store()
                .hit_rate_limit(
                    &self.ctx,
                    RateLimitRequest {
                        key: key.clone(),
                        limit: limit.calls,
                        window: limit.window,
                        kind: WindowKind::Sliding,
                        cost: 1,
                        now: self.now(),
                    },
                )
                .await?;
            if decision.allowed {
                return Ok(());
            }
            let wait = decision.retry_after.unwrap_or(std::time::Duration::from_secs(1));
            match &self.engine.sleeper {
                Some(sleep) => sleep(wait).await,
                None => return Err(Error::RateLimited { key, retry_after: wait }),
            }
        }
    }

    /// Makes a paid provider call: rate limit, reserve `spend`, call, commit the actual units
    /// (from `actual(usage)`) and cost, or release on failure. A call whose earlier run was
    /// paid for but whose result was lost (a crash) is charged again, flagged as a replay.
    pub(crate) async fn paid<T, F, Fut>(
        &self,
        role: Role,
        spend: Spend,
        actual: impl FnOnce(&ProviderUsage) -> Vec<(UsageMetric, i64)>,
        call: F,
    ) -> Result<Metered<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Metered<T>, ProviderError>>,
    {
        self.rate_limit(role).await?;
        let workflow = self.workflow();
        let lines = ledger::lines(&spend, workflow.id, workflow.settings.budget, &self.limits, self.now());
        // Made again after a crash lost an earlier paid result, the call is charged again and
        // flagged as a replay (the provider bills every call).
        let held = ledger::hold(
            self.store(),
            &self.ctx,
            workflow.id,
            self.step,
            &spend,
            lines.clone(),
            ledger::Charge::Replay,
        )
        .await?;
        match call().await {
            Ok(metered) => {
                let units = actual(&metered.usage);
                let amounts = ledger::actual_amounts(&lines, &units, metered.usage.cost);
                ledger::settle(self.store(), &self.ctx, &held, &amounts).await?;
                if matches!(held, Held::Live { .. }) {
                    for (line, amount) in lines.iter().zip(&amounts) {
                        if line.metric != UsageMetric::CostMicros {
                            self.emit(ProgressEvent::Cost {
                                workflow: workflow.id,
                                step: self.step,
                                metric: line.metric,
                                amount: *amount,
                                cost: metered.usage.cost,
                            });
                        }
                    }
                }
                Ok(metered)
            }
            Err(e) => {
                // If the release fails too, the reservation stays held: a replay finds it live.
                let _ = ledger::release(self.store(), &self.ctx, &held).await;
                // A failure the provider billed anyway (DataForSEO 40101, an answer that failed
                // its schema) is spent money: record it on its own reservation, keyed by the
                // failed attempt, outside the limits (the money is gone either way). The released
                // reservation lets the retry take the next generation and be charged too.
                if let (Some(billed), Held::Live { id, .. }) = (e.billed().copied(), &held) {
                    let failed = Spend {
                        key: format!("{}:billed-failure:{id}", spend.key),
                        units: actual(&billed),
                        cost: billed.cost,
                    };
                    let unlimited: Vec<_> =
                        lines.iter().map(|l| crate::ledger::UsageLine { limit: None, ..*l }).collect();
                    let amounts = ledger::actual_amounts(&unlimited, &failed.units, billed.cost);
                    let charged = ledger::hold(
                        self.store(),
                        &self.ctx,
                        workflow.id,
                        self.step,
                        &failed,
                        unlimited,
                        ledger::Charge::Once,
                    )
                    .await?;
                    ledger::settle(self.store(), &self.ctx, &charged, &amounts).await?;
                }
                Err(e.into())
            }
        }
    }

    /// Reserves a spend that is not one provider call (an article, a post).
    pub(crate) async fn reserve(&self, spend: &Spend) -> Result<Held> {
        let workflow = self.workflow();
        let lines = ledger::lines(spend, workflow.id, workflow.settings.budget, &self.limits, self.now());
        ledger::hold(self.store(), &self.ctx, workflow.id, self.step, spend, lines, ledger::Charge::Once)
            .await
    }

    /// Commits a reservation at its reserved amounts (nothing if already committed).
    pub(crate) async fn commit_reserved(&self, held: &Held) -> Result<()> {
        if let Held::Live { reserved, .. } = held {
            ledger::settle(self.store(), &self.ctx, held, reserved).await?;
        }
        Ok(())
    }

    /// Releases a reservation (nothing if committed).
    pub(crate) async fn release(&self, held: &Held) -> Result<()> {
        ledger::release(self.store(), &self.ctx, held).await
    }

    /// Charges a spend whose work was done, possibly by an earlier run that died before
    /// recording it (e.g. a post found by its idempotency key): commits it exactly once.
    pub(crate) async fn adopt(&self, spend: &Spend) -> Result<()> {
        let held = self.reserve(spend).await?;
        self.commit_reserved(&held).await
    }

    /// Every keyword matching `query`, across pages.
    pub(crate) async fn keywords(&self, query: KeywordQuery) -> Result<Vec<Keyword>> {
        list_keywords(self.store(), &self.ctx, query).await
    }
}

/// Every keyword matching `query`, across pages.
pub(crate) async fn list_keywords(
    store: &dyn crate::store::Store,
    ctx: &TenantContext,
    mut query: KeywordQuery,
) -> Result<Vec<Keyword>> {
    let mut out = Vec::new();
    query.limit = Some(crate::page::MAX_PAGE_SIZE);
    loop {
        let page = store.list_keywords(ctx, query.clone()).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The rough number of tokens of a text (4 characters per token).
pub(crate) fn approx_tokens(text: &str) -> i64 {
    i64::try_from(text.chars().count().div_ceil(4)).unwrap_or(i64::MAX)
}

/// Runs `futures` with at most `limit` at once; outputs in completion order. (Built from a
/// `Vec` of futures rather than a mapped stream, which keeps the engine's futures `Send` for
/// hosts that spawn them.)
pub(crate) async fn bounded<F: Future>(futures: Vec<F>, limit: usize) -> Vec<F::Output> {
    use futures::StreamExt;
    futures::stream::iter(futures).buffer_unordered(limit.max(1)).collect().await
}
