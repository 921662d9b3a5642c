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
    // The shutdown condition is the store's COMPLETED: it can win the race against the run's own
    // report bookkeeping (and its last progress announcements), so `completed` may be 0 or 1.
    assert!(report.failed >= 1 && report.completed <= 1 && report.errors == 0, "{report:?}");
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

/// The counters a workflow should show, recounted from everything the store holds (what the
/// engine used to do after every step; now the reference the maintained counters are held to).
pub async fn recount(
    store: &dyn Store,
    ctx: &TenantContext,
    wf: WorkflowId,
) -> crate::workflow::WorkflowCounts {
    use crate::approval::{ApprovalEntityType, Decision};
    use crate::article::ArticleStatus;
    use crate::cluster::ValidationStatus;
    use crate::keyword::{FilterStatus, KeywordQuery, KeywordType};
    let keywords =
        crate::engine::step::list_keywords(store, ctx, KeywordQuery::workflow(wf)).await.expect("keywords");
    let approvals =
        store.list_approvals(ctx, wf, Some(ApprovalEntityType::SeedKeywords)).await.expect("approvals");
    let clusters = store.list_clusters(ctx, wf).await.expect("clusters");
    let validations = store.list_validations(ctx, wf).await.expect("validations");
    let articles = store.list_articles(ctx, wf).await.expect("articles");
    let n = |n: usize| i64::try_from(n).expect("count");
    let mut hubs: Vec<_> = clusters.iter().map(|c| c.hub_keyword_id).collect();
    hubs.sort();
    hubs.dedup();
    crate::workflow::WorkflowCounts {
        seed_keywords: n(keywords.iter().filter(|k| k.keyword_type == KeywordType::Seed).count()),
        approved_seeds: n(approvals.iter().filter(|a| a.decision == Decision::Approved).count()),
        longtail_keywords: n(keywords.iter().filter(|k| k.keyword_type == KeywordType::Longtail).count()),
        filtered_keywords: n(keywords.iter().filter(|k| k.filter_status == FilterStatus::Approved).count()),
        clusters: n(hubs.len()),
        valid_clusters: n(validations.iter().filter(|v| v.status == ValidationStatus::Valid).count()),
        articles: n(articles
            .iter()
            .filter(|a| matches!(a.status, ArticleStatus::Completed | ArticleStatus::Published))
            .count()),
        published: n(articles.iter().filter(|a| a.status == ArticleStatus::Published).count()),
    }
}

/// A host follows a run through the progress feed of ANOTHER store handle (PostgreSQL: another
/// pool, as another process would; SQLite: another handle on the file): it sees every state
/// change in order, step starts and finishes, and summarized item progress; at the end the
/// workflow's maintained counters equal a full recount of the store, and its actual cost equals
/// the ledger.
pub async fn a_subscriber_follows_a_run_and_counters_match_the_store(
    store: Arc<dyn Store>,
    subscriber: Arc<dyn Store>,
) {
    use crate::engine::Advance;
    use crate::ledger::{LedgerScope, UsageMetric};
    use futures::StreamExt;
    let fakes = FakeProviders::new();
    let events = Arc::new(Mutex::new(Vec::new()));
    let engine = worker_engine(store.clone(), &fakes, "feed-host", scenario_config(), events);
    let ctx = scenario_org(store.as_ref()).await;
    let viewer =
        TenantContext::user(ctx.org_id, crate::ids::UserId::new(), crate::organization::Role::Viewer);
    let mut feed = subscriber.subscribe_progress(&viewer).await.expect("subscribe");
    let wf = scenario_workflow(&engine, &ctx).await;
    match engine.run(&ctx, wf).await.expect("run") {
        Advance::Completed => {}
        other => panic!("the run ended with {other:?}"),
    }
    let mut seen = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), feed.next()).await;
        let event = next.expect("the feed reaches COMPLETED within 10 s").expect("open").expect("event");
        let done = matches!(event, ProgressEvent::StateChanged { to: WorkflowState::Completed, .. });
        seen.push(event);
        if done {
            break;
        }
    }
    assert!(seen.iter().all(|e| e.workflow() == Some(wf)), "only this workflow's events");
    let changes: Vec<(WorkflowState, WorkflowState, i64)> = seen
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::StateChanged { from, to, version, .. } => Some((*from, *to, *version)),
            _ => None,
        })
        .collect();
    assert_eq!(changes.first().map(|c| c.0), Some(WorkflowState::Created), "{changes:?}");
    for pair in changes.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "state changes chain: {changes:?}");
        assert_eq!(pair[0].2 + 1, pair[1].2, "versions follow each other: {changes:?}");
    }
    for step in crate::workflow::Step::ALL {
        let started =
            seen.iter().position(|e| matches!(e, ProgressEvent::StepStarted { step: s, .. } if *s == step));
        let finished =
            seen.iter().position(|e| matches!(e, ProgressEvent::StepFinished { step: s, .. } if *s == step));
        if let (Some(s), Some(f)) = (started, finished) {
            assert!(s < f, "{step:?}: started after it finished");
        }
        // (A gate passed by configuration moves on without running a step.)
        if step != crate::workflow::Step::SeedReview {
            assert!(finished.is_some(), "{step:?} finished on the feed: {seen:?}");
        }
    }
    assert!(
        seen.iter().any(|e| matches!(e, ProgressEvent::ItemsDone { count, .. } if *count > 1)),
        "item progress is summarized: {seen:?}"
    );
    assert!(!seen.iter().any(|e| matches!(e, ProgressEvent::ItemDone { .. })), "no single items on the feed");
    let w = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
    assert_eq!(w.counts, recount(store.as_ref(), &ctx, wf).await);
    assert!(w.counts.articles > 0 && w.counts.published > 0, "{:?}", w.counts);
    let spent =
        store.get_usage(&ctx, UsageMetric::CostMicros, LedgerScope::Workflow(wf)).await.expect("usage");
    assert_eq!(w.actual_cost.micros(), spent.used);
}

/// A workflow cancelled after a crash left a paid call reserved; it will never run again. A
/// worker's first claim in that organization sweeps it: committed at its reserved amount and
/// stamped as reaped, while the running workflow completes as usual.
pub async fn worker_sweeps_an_organizations_dangling_reservations(store: Arc<dyn Store>) {
    use crate::ids::ReservationId;
    use crate::ledger::{BillingPeriod, LedgerScope, ReservationState, ReserveUsage, UsageLine, UsageMetric};
    let fakes = FakeProviders::new();
    let events = Arc::new(Mutex::new(Vec::new()));
    let engine = worker_engine(store.clone(), &fakes, "sweeper", scenario_config(), events);
    let ctx = scenario_org(store.as_ref()).await;
    let dead = scenario_workflow(&engine, &ctx).await;
    let month = LedgerScope::Month(BillingPeriod::of(Utc::now()));
    let held = ReserveUsage {
        id: ReservationId::new(),
        workflow_id: Some(dead),
        purpose: "section:1".into(),
        replay_of: None,
        lines: vec![UsageLine { metric: UsageMetric::LlmTokens, scope: month, amount: 777, limit: None }],
    };
    let held = store.reserve_usage(&ctx, held).await.expect("reserve");
    engine.cancel(&ctx, dead).await.expect("cancel");
    let live = scenario_workflow(&engine, &ctx).await;
    let worker = Worker::new(engine, worker_config(vec![ctx.org_id], 1)).expect("worker");
    worker.run(all_in(store.as_ref(), &[(ctx, live)], WorkflowState::Completed)).await;
    let after = store.list_reservations(&ctx, dead).await.expect("reservations");
    let swept = after.iter().find(|r| r.id == held.id).expect("the reservation");
    assert_eq!(swept.state, ReservationState::Committed);
    assert!(swept.reaped_at.is_some(), "stamped as reaped");
    assert_eq!(store.get_usage(&ctx, UsageMetric::LlmTokens, month).await.expect("usage").reserved, 0);
}
