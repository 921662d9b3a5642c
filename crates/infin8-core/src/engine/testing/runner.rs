//! The worker's guarantees as backend-independent scenarios (memory, SQLite, PostgreSQL): it runs
//! every organization's workflows to the end, retries a temporary failure by itself after a
//! backoff, and gives its leases back on shutdown.

use super::fakes::FakeProviders;
use super::guarantees::{scenario_config, scenario_org, scenario_workflow};
use crate::engine::{Engine, PipelineConfig, ProgressEvent, Sleeper, Worker, WorkerConfig};
use crate::ids::{OrgId, WorkflowId};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::{ClaimRequest, RetryPolicy, WorkflowState};
use chrono::Utc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A sleeper on a plain thread (`infin8-core` has no runtime; tests need no more).
#[must_use]
pub fn thread_sleeper() -> Sleeper {
    Arc::new(|d| {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(d);
            let _ = tx.send(());
        });
        Box::pin(async move {
            let _ = rx.await;
        })
    })
}

fn worker_engine(
    store: Arc<dyn Store>,
    fakes: &FakeProviders,
    name: &str,
    config: PipelineConfig,
    events: Arc<Mutex<Vec<ProgressEvent>>>,
) -> Engine {
    Engine::builder()
        .store(store)
        .providers(fakes.providers())
        .config(config)
        .worker(name)
        .sleeper(thread_sleeper())
        .progress(Arc::new(move |e: &ProgressEvent| events.lock().expect("events").push(e.clone())))
        .build()
        .expect("engine")
}

fn worker_config(orgs: Vec<OrgId>, concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        concurrency,
        per_organization: 1,
        poll_interval: Duration::from_millis(10),
        organizations: Some(orgs),
        ..WorkerConfig::default()
    }
}

/// Resolves when every workflow is in `state` (panics after 60 s).
async fn all_in(store: &dyn Store, workflows: &[(TenantContext, WorkflowId)], state: WorkflowState) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut reached = 0;
        for (ctx, wf) in workflows {
            if store.get_workflow(ctx, *wf).await.expect("get").expect("workflow").state == state {
                reached += 1;
            }
        }
        if reached == workflows.len() {
            return;
        }
        assert!(Instant::now() < deadline, "{reached} of {} workflows reached {state}", workflows.len());
        thread_sleeper()(Duration::from_millis(10)).await;
    }
}

/// One worker, two slots, one workflow per organization at a time: all six workflows of three
/// organizations complete, and no lease is left behind.
pub async fn worker_runs_every_organizations_workflows(store: Arc<dyn Store>) {
    let fakes = FakeProviders::new();
    let events = Arc::new(Mutex::new(Vec::new()));
    let engine = worker_engine(store.clone(), &fakes, "fleet-a", scenario_config(), events.clone());
    let mut workflows = Vec::new();
    let mut orgs = Vec::new();
    for _ in 0..3 {
        let ctx = scenario_org(store.as_ref()).await;
        orgs.push(ctx.org_id);
        for _ in 0..2 {
            workflows.push((ctx, scenario_workflow(&engine, &ctx).await));
        }
    }
    let worker = Worker::new(engine, worker_config(orgs, 2)).expect("worker");
    let report = worker.run(all_in(store.as_ref(), &workflows, WorkflowState::Completed)).await;
    // Every workflow is COMPLETED in the store (the shutdown condition) and was claimed exactly
    // once. Shutdown can win the race against the last runs' bookkeeping, so up to the
    // concurrency (2) of completions may be uncounted in the report.
    assert_eq!(report.claimed, 6, "{report:?}");
    assert!(report.completed >= 4 && report.failed == 0 && report.errors == 0, "{report:?}");
    for (ctx, wf) in &workflows {
        let w = store.get_workflow(ctx, *wf).await.expect("get").expect("workflow");
        assert_eq!(w.lease, None);
        assert_eq!(w.attempts, 0);
    }
    // Per-organization fairness: never two workflows of one organization at once.
    let events = events.lock().expect("events");
    let mut running: Vec<OrgId> = Vec::new();
    let org_of = |wf: WorkflowId| workflows.iter().find(|(_, w)| *w == wf).map(|(c, _)| c.org_id);
    for e in events.iter() {
        match e {
            ProgressEvent::Claimed { organization, .. } => {
                assert!(!running.contains(organization), "two workflows of one organization at once");
                running.push(*organization);
            }
            ProgressEvent::StepFinished { workflow, step: crate::workflow::Step::Publish, .. } => {
                if let Some(org) = org_of(*workflow) {
                    running.retain(|o| *o != org);
                }
            }
            _ => {}
        }
    }
}

/// A provider outage fails a step as temporary; the worker retries it by itself once the backoff
/// has passed (and the outage is over), and the workflow completes with the attempt counter reset
/// and the automatic retry on record.
pub async fn worker_retries_a_temporary_failure_by_itself(store: Arc<dyn Store>) {
    let fakes = FakeProviders::new();
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut config = scenario_config();
    config.retry = RetryPolicy {
        max_attempts: 10,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        min_delay: Duration::from_millis(20),
    };
    let engine = worker_engine(store.clone(), &fakes, "fleet-b", config, events.clone());
    let ctx = scenario_org(store.as_ref()).await;
    let wf = scenario_workflow(&engine, &ctx).await;
    fakes.web.switch.set_outage(true);
    let worker = Worker::new(engine, worker_config(vec![ctx.org_id], 1)).expect("worker");
    let store2 = store.clone();
    let web = &fakes.web.switch;
    let watch = async move {
        // End the outage after the first recorded failure, then wait for completion.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let w = store2.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
            if w.failure_kind.is_some() {
                assert_eq!(w.failure_kind, Some(crate::workflow::FailureKind::Temporary));
                let due = w.next_attempt_at.expect("a temporary failure is due again");
                assert!(due > w.updated_at - chrono::Duration::seconds(1));
                web.set_outage(false);
                break;
            }
            assert!(Instant::now() < deadline, "never failed");
            thread_sleeper()(Duration::from_millis(5)).await;
        }
        all_in(store2.as_ref(), &[(ctx, wf)], WorkflowState::Completed).await;
    };
    let report = worker.run(watch).await;
    assert!(report.failed >= 1 && report.completed == 1, "{report:?}");
    let w = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
    assert_eq!((w.state, w.attempts, w.failure_kind), (WorkflowState::Completed, 0, None));
    let transitions = store.list_transitions(&ctx, wf).await.expect("transitions");
    assert!(
        transitions.iter().any(|t| t.reason.as_deref().is_some_and(|r| r.starts_with("automatic retry"))),
        "the automatic retry is recorded"
    );
    assert!(
        events
            .lock()
            .expect("events")
            .iter()
            .any(|e| matches!(e, ProgressEvent::Retrying { automatic: true, .. }))
    );
}

/// Shutdown while a workflow runs: the worker stops and gives the lease back, so another worker
/// claims the workflow at once (not a lease period later) and finishes it.
pub async fn worker_gives_leases_back_on_shutdown(store: Arc<dyn Store>) {
    let fakes = FakeProviders::new();
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut config = scenario_config();
    config.lease = Duration::from_secs(600);
    let engine = worker_engine(store.clone(), &fakes, "fleet-c", config.clone(), events.clone());
    // Model calls take a moment (as real ones do), so the run yields and shutdown can strike
    // mid-run even on a store whose calls never wait.
    *fakes.llm.hook.lock().expect("hook") = Some(Arc::new(|_| {
        let sleep = thread_sleeper();
        Box::pin(async move { sleep(Duration::from_millis(2)).await })
    }));
    let ctx = scenario_org(store.as_ref()).await;
    let wf = scenario_workflow(&engine, &ctx).await;
    let worker = Worker::new(engine, worker_config(vec![ctx.org_id], 1)).expect("worker");
    let seen = events.clone();
    let report = worker
        .run(async move {
            // Stop once the first step has finished: the workflow is mid-run and leased.
            loop {
                if seen
                    .lock()
                    .expect("events")
                    .iter()
                    .any(|e| matches!(e, ProgressEvent::StepFinished { .. }))
                {
                    return;
                }
                thread_sleeper()(Duration::from_millis(1)).await;
            }
        })
        .await;
    assert_eq!(report.released, 1, "{report:?}");
    let w = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
    assert_eq!(w.lease, None, "given back");
    assert_ne!(w.state, WorkflowState::Completed);
    let mut request = ClaimRequest::new("fleet-d", 1, Utc::now(), chrono::Duration::seconds(60));
    request.organizations = Some(vec![ctx.org_id]);
    assert_eq!(store.claim_workflows(request).await.expect("claim").len(), 1, "claimable at once");
    let other = worker_engine(store.clone(), &fakes, "fleet-d", config, Arc::new(Mutex::new(Vec::new())));
    assert!(matches!(other.run(&ctx, wf).await.expect("run"), crate::engine::Advance::Completed));
}
