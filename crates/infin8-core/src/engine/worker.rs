//! The worker: a claim loop that runs workflows of every organization with a concurrency limit,
//! per-organization fairness, automatic retry of temporary failures, and graceful shutdown.
//!
//! Runtime-agnostic like the engine: it waits through the engine's [`Sleeper`](super::Sleeper)
//! and runs its workflows concurrently inside the one future [`Worker::run`] returns (hosts
//! spawn that future, or several, on their runtime).

use super::builder::Engine;
use super::progress::ProgressEvent;
use super::run::Advance;
use crate::error::{Error, Result};
use crate::ids::{OrgId, WorkflowId};
use crate::tenant::TenantContext;
use crate::workflow::{ClaimRequest, ClaimedWorkflow, Phase, RetryPolicy, WorkflowState};
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// How a [`Worker`] runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerConfig {
    /// Workflows run at once (at least 1).
    pub concurrency: usize,
    /// Workflows of one organization run at once (at least 1): one busy tenant cannot take every
    /// slot.
    pub per_organization: usize,
    /// How often an idle worker looks for work.
    pub poll_interval: Duration,
    /// Only these organizations (a pool dedicated to some tenants); `None` for all.
    pub organizations: Option<Vec<OrgId>>,
    /// How the worker backs off when the store fails (database down, connection refused).
    pub store_backoff: RetryPolicy,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            per_organization: 2,
            poll_interval: Duration::from_millis(500),
            organizations: None,
            store_backoff: RetryPolicy {
                max_attempts: u32::MAX,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(30),
                min_delay: Duration::from_millis(100),
            },
        }
    }
}

/// What a worker did, returned when it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WorkerReport {
    /// Workflows claimed.
    pub claimed: u64,
    /// Workflows that reached `COMPLETED` under this worker.
    pub completed: u64,
    /// Runs that ended in a failed step (temporary ones are retried when due).
    pub failed: u64,
    /// Runs that stopped at a human gate.
    pub awaiting_people: u64,
    /// Automatic retries of temporary failures started.
    pub retried: u64,
    /// Leases given back at shutdown (their workflows can be claimed at once).
    pub released: u64,
    /// Store or engine errors the worker backed off from.
    pub errors: u64,
}

/// How one claimed workflow's run ended.
enum Outcome {
    Completed,
    Failed,
    AwaitingPeople,
    Other,
    Error(Error),
}

/// A claim loop over one engine: see the module docs.
#[derive(Debug, Clone)]
pub struct Worker {
    engine: Engine,
    config: WorkerConfig,
    /// When each organization's dangling reservations were last swept (see [`SWEEP_EVERY`]).
    swept: std::sync::Arc<std::sync::Mutex<HashMap<OrgId, chrono::DateTime<chrono::Utc>>>>,
}

/// How often a worker sweeps an organization's dangling reservations (reservations of workflows
/// that will not run again: failed or cancelled after a crash), on its first claim of that
/// organization and then at most this often. Every step start also settles its own workflow's.
pub const SWEEP_EVERY: Duration = Duration::from_secs(600);

impl Worker {
    /// A worker running workflows through `engine`, whose [`worker`](Engine::worker) name owns
    /// the leases.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `worker`) when the engine has no sleeper (a worker must wait
    /// between polls) or a limit is zero.
    pub fn new(engine: Engine, config: WorkerConfig) -> Result<Self> {
        if engine.inner.sleeper.is_none() {
            return Err(Error::invalid("worker", "the engine needs a sleeper (EngineBuilder::sleeper)"));
        }
        if config.concurrency == 0 || config.per_organization == 0 {
            return Err(Error::invalid("worker", "concurrency and per_organization must be at least 1"));
        }
        config.store_backoff.check()?;
        Ok(Self { engine, config, swept: std::sync::Arc::default() })
    }

    /// The engine.
    #[must_use]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    async fn sleep(&self, d: Duration) {
        if let Some(sleep) = &self.engine.inner.sleeper {
            sleep(d).await;
        }
    }

    fn emit(&self, event: ProgressEvent) {
        self.engine.inner.progress.event(&event);
    }

    /// Claims and runs workflows until `shutdown` completes, then stops claiming, abandons the
    /// runs in flight at their current await point (every step is crash-safe: its work so far is
    /// recorded, the rest is redone by the next claimer) and releases their leases, so another
    /// worker (or this one restarted) continues them at once.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) -> WorkerReport {
        let mut report = WorkerReport::default();
        let mut shutdown = std::pin::pin!(shutdown.fuse());
        let mut in_flight: FuturesUnordered<BoxFuture<'_, (ClaimedWorkflow, Outcome)>> =
            FuturesUnordered::new();
        let mut held: HashMap<WorkflowId, OrgId> = HashMap::new();
        let mut failures: u32 = 0;
        loop {
            let mut wait = self.config.poll_interval;
            if held.len() < self.config.concurrency {
                match self.claim(&held).await {
                    Ok(claimed) => {
                        failures = 0;
                        if !claimed.is_empty() {
                            wait = Duration::ZERO;
                        }
                        for c in claimed {
                            report.claimed += 1;
                            held.insert(c.workflow_id, c.organization_id);
                            in_flight.push(self.drive(c).boxed());
                        }
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        report.errors += 1;
                        wait = self.store_wait(failures);
                        self.emit(ProgressEvent::WorkerBackoff { error: e.to_string(), wait });
                    }
                }
            }
            // Wait for a run to end, the poll interval, or shutdown; runs progress meanwhile.
            let mut tick = std::pin::pin!(self.sleep(wait).fuse());
            let stop = loop {
                let done = futures::select! {
                    () = shutdown => break true,
                    () = tick => break false,
                    done = in_flight.select_next_some() => done,
                };
                let (c, outcome) = done;
                held.remove(&c.workflow_id);
                match outcome {
                    Outcome::Completed => report.completed += 1,
                    Outcome::Failed => report.failed += 1,
                    Outcome::AwaitingPeople => report.awaiting_people += 1,
                    Outcome::Other => {}
                    Outcome::Error(e) => {
                        // The lease is left to lapse: a store that failed may fail the release
                        // too, and the next claimer resumes the step either way.
                        report.errors += 1;
                        self.emit(ProgressEvent::WorkerBackoff {
                            error: e.to_string(),
                            wait: Duration::ZERO,
                        });
                    }
                }
                if held.len() < self.config.concurrency {
                    break false;
                }
            };
            if stop {
                drop(in_flight);
                report.released += self.release(&held).await;
                return report;
            }
        }
    }

    /// Whether `org`'s reservations are due for a sweep (and notes that one starts now).
    fn sweep_due(&self, org: OrgId) -> bool {
        let now = (self.engine.inner.clock)();
        let every = chrono::Duration::from_std(SWEEP_EVERY).unwrap_or(chrono::TimeDelta::MAX);
        let mut swept = self.swept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match swept.get(&org) {
            Some(last) if now - *last < every => false,
            _ => {
                swept.insert(org, now);
                true
            }
        }
    }

    fn store_wait(&self, failures: u32) -> Duration {
        let seed = [self.engine.worker().as_bytes(), &failures.to_le_bytes()].concat();
        self.config.store_backoff.delay(failures, crate::workflow::jitter(&seed), None)
    }

    async fn claim(&self, held: &HashMap<WorkflowId, OrgId>) -> Result<Vec<ClaimedWorkflow>> {
        let now = (self.engine.inner.clock)();
        let free = self.config.concurrency - held.len();
        let mut per_org: HashMap<OrgId, usize> = HashMap::new();
        for org in held.values() {
            *per_org.entry(*org).or_default() += 1;
        }
        let full: Vec<OrgId> =
            per_org.into_iter().filter(|(_, n)| *n >= self.config.per_organization).map(|(o, _)| o).collect();
        let mut request = ClaimRequest::new(
            self.engine.worker(),
            u32::try_from(free).unwrap_or(u32::MAX).min(crate::workflow::MAX_CLAIM),
            now,
            self.engine.inner.config.lease_duration(),
        );
        request.per_organization = u32::try_from(self.config.per_organization).unwrap_or(u32::MAX);
        request.organizations.clone_from(&self.config.organizations);
        request.exclude_organizations = full;
        self.engine.inner.store.claim_workflows(request).await
    }

    /// Runs one claimed workflow: an automatic retry first if it is a due temporary failure,
    /// then until a gate, a failure or the end.
    async fn drive(&self, c: ClaimedWorkflow) -> (ClaimedWorkflow, Outcome) {
        let ctx = TenantContext::system(c.organization_id);
        let claimed = ProgressEvent::Claimed {
            workflow: c.workflow_id,
            organization: c.organization_id,
            state: c.state,
        };
        self.engine.inner.announce(&ctx, vec![claimed]).await;
        if self.sweep_due(c.organization_id) {
            // Best effort: a store failure here is met again by the run itself.
            let _ = self.engine.reap_reservations(&ctx).await;
        }
        let outcome = self.drive_inner(&ctx, &c).await.unwrap_or_else(Outcome::Error);
        (c, outcome)
    }

    async fn drive_inner(&self, ctx: &TenantContext, c: &ClaimedWorkflow) -> Result<Outcome> {
        if let WorkflowState::At(_, Phase::Failed) = c.state {
            self.engine.retry_automatically(ctx, c.workflow_id).await?;
        }
        Ok(match self.engine.run(ctx, c.workflow_id).await? {
            Advance::Completed => Outcome::Completed,
            Advance::Failed { .. } => Outcome::Failed,
            Advance::AwaitingApproval { .. } => Outcome::AwaitingPeople,
            _ => Outcome::Other,
        })
    }

    /// Gives back the leases of `held`; returns how many were released.
    async fn release(&self, held: &HashMap<WorkflowId, OrgId>) -> u64 {
        let mut released = 0;
        for (workflow, org) in held {
            let ctx = TenantContext::system(*org);
            if let Ok(true) =
                self.engine.inner.store.release_lease(&ctx, *workflow, self.engine.worker()).await
            {
                released += 1;
                self.engine
                    .inner
                    .announce(&ctx, vec![ProgressEvent::LeaseReleased { workflow: *workflow }])
                    .await;
            }
        }
        released
    }
}
