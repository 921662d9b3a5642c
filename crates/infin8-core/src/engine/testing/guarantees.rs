//! The engine's guarantees as backend-independent scenarios: each takes a store (memory, SQLite,
//! PostgreSQL…) and panics on a violation. Every scenario makes its own organizations, so they may
//! share a store.

use super::fakes::FakeProviders;
use super::faulty_store::{FailMode, FaultyStore};
use super::snapshot::{Snapshot, snapshot};
use crate::engine::{Advance, CreateWorkflow, Engine, PipelineConfig};
use crate::ids::{OrgId, UserId, WorkflowId};
use crate::organization::{NewOrganization, Plan, Role};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::WorkflowSettings;
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The scenarios' fixed clock: mid-month, so no run crosses a billing period.
#[must_use]
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 15, 12, 0, 0).single().expect("valid instant")
}

/// The scenarios' configuration (small limits; thresholds for the 64-dimension hash embedder;
/// seeds auto-approved).
#[must_use]
pub fn scenario_config() -> PipelineConfig {
    use crate::cluster::{HubSpokeConfig, ValidationRules};
    use crate::engine::StepLimits;
    PipelineConfig {
        limits: StepLimits {
            max_competitors: 2,
            keywords_per_competitor: 10,
            max_seeds: 3,
            longtails_per_seed: 6,
            max_articles: 3,
            sources_per_section: 3,
            max_sections: 4,
            embedding_batch: 4,
        },
        clustering: HubSpokeConfig { threshold: 0.55, ..HubSpokeConfig::default() },
        validation: ValidationRules { min_avg_similarity: 0.55, min_spokes: 1, ..ValidationRules::default() },
        auto_approve_seeds: true,
        ..PipelineConfig::default()
    }
}

/// The scenarios' configuration with SERP-overlap clustering (3 shared URLs of the top 10, as
/// the fake SERP derives them from keyword words) and one keyword research call at a time, so a
/// crash can lose at most one SERP answer.
#[must_use]
pub fn serp_scenario_config() -> PipelineConfig {
    use crate::engine::ClusteringMethod;
    let mut config = scenario_config();
    config.clustering_method = ClusteringMethod::serp_overlap();
    config.concurrency.keyword_research = 1;
    config
}

/// An engine on `store` with `fakes`, the scenario config and clock.
pub fn scenario_engine(store: Arc<dyn Store>, fakes: &FakeProviders, worker: &str) -> Engine {
    scenario_engine_at(store, fakes, worker, fixed_now())
}

fn scenario_engine_at(
    store: Arc<dyn Store>,
    fakes: &FakeProviders,
    worker: &str,
    now: DateTime<Utc>,
) -> Engine {
    engine_with(store, fakes, worker, now, scenario_config())
}

/// An engine on `store` with `fakes`, `config`, and the clock fixed at `now`.
pub fn engine_with(
    store: Arc<dyn Store>,
    fakes: &FakeProviders,
    worker: &str,
    now: DateTime<Utc>,
    config: PipelineConfig,
) -> Engine {
    Engine::builder()
        .store(store)
        .providers(fakes.providers())
        .config(config)
        .worker(worker)
        .clock(Arc::new(move || now))
        .build()
        .expect("engine")
}

/// A new organization with a business description; its owner's context.
pub async fn scenario_org(store: &dyn Store) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(format!("acme-{}", uuid::Uuid::new_v4().simple()), Plan::Pro);
    new.id = Some(ctx.org_id);
    new.business_description =
        Some("Acme sells a CRM for small sales teams: pipeline, leads and email in one place.".into());
    store.create_organization(&ctx, new).await.expect("create organization");
    ctx
}

/// A workflow with two competitors (plus a junk URL and a duplicate).
pub async fn scenario_workflow(engine: &Engine, ctx: &TenantContext) -> WorkflowId {
    engine
        .create_workflow(
            ctx,
            CreateWorkflow {
                id: None,
                title: "Q2 content campaign".into(),
                description: Some("Articles for small sales teams".into()),
                competitor_urls: vec![
                    "https://www.pipedrive.com/".into(),
                    "hubspot.com".into(),
                    "not a url".into(),
                    "Pipedrive.com".into(),
                ],
                settings: WorkflowSettings::default(),
            },
        )
        .await
        .expect("create workflow")
        .id
}

/// A clean run: its snapshot, the number of mutating store calls it made, and its posts.
pub async fn clean_run(store: Arc<dyn Store>) -> (Snapshot, u64, usize) {
    let (snap, mutations, fakes) = clean_run_with(store, scenario_config()).await;
    (snap, mutations, fakes.publisher.posts().len())
}

/// A clean run with `config`: its snapshot, the number of mutating store calls it made, and its
/// fakes (for their call counts).
pub async fn clean_run_with(store: Arc<dyn Store>, config: PipelineConfig) -> (Snapshot, u64, FakeProviders) {
    let fakes = FakeProviders::new();
    let ctx = scenario_org(store.as_ref()).await;
    let engine = |s: Arc<dyn Store>| engine_with(s, &fakes, "clean", fixed_now(), config.clone());
    let wf = scenario_workflow(&engine(store.clone()), &ctx).await;
    let counting = Arc::new(FaultyStore::new(store.clone()));
    let out = engine(counting.clone()).run(&ctx, wf).await.expect("clean run");
    assert!(matches!(out, Advance::Completed), "clean run ended {out:?}");
    let snap = snapshot(store.as_ref(), &ctx, wf, fixed_now()).await;
    let mutations = counting.mutations();
    (snap, mutations, fakes)
}

/// Crash anywhere, then resume: for every `stride`-th mutating call `n` of a clean run and each
/// mode, a run dies at call `n` (nothing more reaches the store), and a second run by the same
/// worker on the healthy store must reach `COMPLETED` with exactly the clean run's snapshot and
/// no duplicate post. Returns how many crash points were checked.
pub async fn crash_anywhere_then_resume(store: Arc<dyn Store>, modes: &[FailMode], stride: u64) -> usize {
    crash_anywhere_then_resume_with(store, modes, stride, scenario_config()).await
}

/// [`crash_anywhere_then_resume`] with `config`. Besides the snapshot, it checks that the crashed
/// and the resumed run together asked the SERP provider at most `concurrency.keyword_research`
/// times more than a clean run: only answers in flight when the process died may be asked again
/// (their charge is not repeated: the snapshot holds the usage counters).
pub async fn crash_anywhere_then_resume_with(
    store: Arc<dyn Store>,
    modes: &[FailMode],
    stride: u64,
    config: PipelineConfig,
) -> usize {
    let (clean, mutations, clean_fakes) = clean_run_with(store.clone(), config.clone()).await;
    let posts = clean_fakes.publisher.posts().len();
    let serp_slack = config.concurrency.keyword_research as u64;
    assert!(mutations > 20, "a clean run makes many writes ({mutations})");
    let mut checked = 0;
    let mut replays = 0;
    for n in (1..=mutations).step_by(usize::try_from(stride.max(1)).unwrap_or(1)) {
        for &mode in modes {
            let fakes = FakeProviders::new();
            let engine = |s: Arc<dyn Store>| engine_with(s, &fakes, "w", fixed_now(), config.clone());
            let ctx = scenario_org(store.as_ref()).await;
            let wf = scenario_workflow(&engine(store.clone()), &ctx).await;
            let faulty = Arc::new(FaultyStore::new(store.clone()).crash_at(n, mode));
            let crashed = engine(faulty.clone()).run(&ctx, wf).await;
            assert!(faulty.struck(), "call {n} ({mode:?}) was never made; run ended {crashed:?}");
            let resumed = engine(store.clone()).run(&ctx, wf).await;
            assert!(
                matches!(resumed, Ok(Advance::Completed)),
                "crash at call {n} ({mode:?}): resume ended {resumed:?}"
            );
            let snap = snapshot(store.as_ref(), &ctx, wf, fixed_now()).await;
            assert!(snap == clean, "crash at call {n} ({mode:?}) changed the result:\n{}", snap.diff(&clean));
            // Nothing dangles: what the dead run reserved was reaped when the step ran again.
            assert_eq!(
                still_reserved(store.as_ref(), &ctx, wf).await,
                0,
                "crash at call {n} ({mode:?}) left a reservation open"
            );
            // A paid call made again is charged again, marked as the replay of a committed one
            // (the snapshot compares the ledger net of exactly these).
            let reservations = store.list_reservations(&ctx, wf).await.expect("reservations");
            for replay in reservations.iter().filter(|r| r.replay_of.is_some()) {
                let target = reservations.iter().find(|r| Some(r.id) == replay.replay_of);
                assert!(
                    target.is_some_and(|t| t.state == crate::ledger::ReservationState::Committed),
                    "crash at call {n} ({mode:?}): {replay:?} replays a committed reservation"
                );
                assert_eq!(replay.state, crate::ledger::ReservationState::Committed);
                assert!(replay.purpose.ends_with("(replay)"), "{}", replay.purpose);
                replays += 1;
            }
            assert_eq!(fakes.publisher.posts().len(), posts);
            assert_eq!(
                fakes.publisher.creates.load(Ordering::SeqCst) as usize,
                posts,
                "crash at call {n} ({mode:?}) created a post twice"
            );
            assert!(
                fakes.serp.switch.calls() <= clean_fakes.serp.switch.calls() + serp_slack,
                "crash at call {n} ({mode:?}) asked the SERP provider {} times (clean run: {})",
                fakes.serp.switch.calls(),
                clean_fakes.serp.switch.calls()
            );
            checked += 1;
        }
    }
    if modes.contains(&FailMode::After) && stride == 1 {
        assert!(replays > 0, "some crash lost a paid result, and its call was charged again as a replay");
    }
    checked
}

/// One transient store failure (a dropped connection) at any write, before or after it took
/// effect: the step re-runs in place and the SAME run completes, with the clean run's result, no
/// post made twice and the SERP provider asked no more than the in-flight slack. Returns how many
/// points were checked.
pub async fn transient_store_failures_are_ridden_out_in_place(
    store: Arc<dyn Store>,
    modes: &[FailMode],
    stride: u64,
) -> usize {
    let config = scenario_config();
    let (clean, mutations, clean_fakes) = clean_run_with(store.clone(), config.clone()).await;
    let posts = clean_fakes.publisher.posts().len();
    let serp_slack = config.concurrency.keyword_research as u64;
    let mut checked = 0;
    for n in (1..=mutations).step_by(usize::try_from(stride.max(1)).unwrap_or(1)) {
        for &mode in modes {
            let fakes = FakeProviders::new();
            let ctx = scenario_org(store.as_ref()).await;
            let plain = engine_with(store.clone(), &fakes, "w", fixed_now(), config.clone());
            let wf = scenario_workflow(&plain, &ctx).await;
            let faulty = Arc::new(FaultyStore::new(store.clone()).fail_once_at(n, mode));
            let engine = engine_with(faulty.clone(), &fakes, "w", fixed_now(), config.clone());
            let ran = engine.run(&ctx, wf).await;
            assert!(faulty.struck(), "call {n} ({mode:?}) was never made; run ended {ran:?}");
            // A failure outside any step (creating the next step's transition) is the host's to
            // retry; the engine's `run` reports it. Inside a step it must be ridden out.
            let ran = match ran {
                Ok(advance) => advance,
                Err(e) => {
                    assert!(e.is_retryable(), "call {n} ({mode:?}): {e}");
                    engine.run(&ctx, wf).await.expect("the second run")
                }
            };
            assert!(
                matches!(ran, Advance::Completed),
                "failure at call {n} ({mode:?}): the run ended {ran:?}"
            );
            let snap = snapshot(store.as_ref(), &ctx, wf, fixed_now()).await;
            assert!(
                snap == clean,
                "failure at call {n} ({mode:?}) changed the result:\n{}",
                snap.diff(&clean)
            );
            let w = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
            assert_eq!(w.attempts, 0, "failure at call {n} ({mode:?}) failed a step");
            assert_eq!(
                fakes.publisher.creates.load(Ordering::SeqCst) as usize,
                posts,
                "failure at call {n} ({mode:?}) created a post twice"
            );
            assert!(fakes.serp.switch.calls() <= clean_fakes.serp.switch.calls() + serp_slack);
            checked += 1;
        }
    }
    checked
}

/// Creating a workflow and charging it are one store operation: a crash before or after it
/// leaves the workflow with its `workflows` unit charged, or neither — never one without the
/// other, and no reservation open.
pub async fn creation_and_its_charge_are_one_operation(store: Arc<dyn Store>) {
    use crate::ledger::{BillingPeriod, LedgerScope, UsageMetric};
    for mode in [FailMode::Before, FailMode::After] {
        let fakes = FakeProviders::new();
        let ctx = scenario_org(store.as_ref()).await;
        let faulty = Arc::new(FaultyStore::new(store.clone()).crash_at(1, mode));
        let id = WorkflowId::new();
        let create =
            CreateWorkflow { id: Some(id), title: "crash at creation".into(), ..CreateWorkflow::default() };
        let out = scenario_engine(faulty.clone(), &fakes, "w").create_workflow(&ctx, create).await;
        assert!(out.is_err() && faulty.struck(), "{mode:?}: {out:?}");
        let exists = store.get_workflow(&ctx, id).await.expect("read").is_some();
        let month = LedgerScope::Month(BillingPeriod::of(fixed_now()));
        let counter = store.get_usage(&ctx, UsageMetric::Workflows, month).await.expect("usage");
        assert_eq!(exists, mode == FailMode::After, "{mode:?}");
        assert_eq!((counter.used, counter.reserved), (i64::from(exists), 0), "{mode:?}: charged iff created");
        let charges = store.list_reservations(&ctx, id).await.expect("reservations");
        assert_eq!(charges.len(), usize::from(exists), "{mode:?}");
        // Creating it again (the host retries with its id) never charges twice.
        let again =
            CreateWorkflow { id: Some(id), title: "crash at creation".into(), ..CreateWorkflow::default() };
        let retried = scenario_engine(store.clone(), &fakes, "w").create_workflow(&ctx, again).await;
        assert_eq!(retried.is_ok(), !exists, "{mode:?}: {retried:?}");
        let counter = store.get_usage(&ctx, UsageMetric::Workflows, month).await.expect("usage");
        assert_eq!((counter.used, counter.reserved), (1, 0), "{mode:?}");
    }
}

/// A worker dies inside a step; another worker (another name) takes the step over only once the
/// lease expired, and the result equals a clean run.
pub async fn another_worker_takes_over_after_the_lease(store: Arc<dyn Store>) {
    let (clean, mutations, _) = clean_run(store.clone()).await;
    // The first crash point from the middle of a clean run on that dies inside a step (not
    // between two steps' bookkeeping transitions).
    let mut inside = None;
    for n in mutations / 2..mutations {
        let fakes = FakeProviders::new();
        let ctx = scenario_org(store.as_ref()).await;
        let wf = scenario_workflow(&scenario_engine(store.clone(), &fakes, "a"), &ctx).await;
        let faulty = Arc::new(FaultyStore::new(store.clone()).crash_at(n, FailMode::After));
        let _ = scenario_engine(faulty, &fakes, "a").run(&ctx, wf).await;
        let stuck = store.get_workflow(&ctx, wf).await.expect("read").expect("workflow");
        if stuck.state.is_processing() {
            inside = Some((fakes, ctx, wf));
            break;
        }
    }
    let (fakes, ctx, wf) = inside.expect("some crash point of the second half dies inside a step");
    let b = scenario_engine(store.clone(), &fakes, "b");
    match b.run(&ctx, wf).await.expect("run") {
        Advance::Busy { owner, .. } => assert_eq!(owner, "a"),
        other => panic!("the lease still holds, got {other:?}"),
    }
    let later = fixed_now() + scenario_config().lease_duration() + chrono::Duration::seconds(1);
    let b = scenario_engine_at(store.clone(), &fakes, "b", later);
    assert!(matches!(b.run(&ctx, wf).await.expect("run"), Advance::Completed));
    let snap = snapshot(store.as_ref(), &ctx, wf, fixed_now()).await;
    assert!(snap == clean, "{}", snap.diff(&clean));
}

/// Two engines run the same workflow at once: the result equals a clean run and every provider
/// call happened as often as in a clean run (each step's effects executed once).
pub async fn two_engines_race(store: Arc<dyn Store>) {
    let clean_fakes = FakeProviders::new();
    let clean_ctx = scenario_org(store.as_ref()).await;
    let clean_engine = scenario_engine(store.clone(), &clean_fakes, "clean");
    let clean_wf = scenario_workflow(&clean_engine, &clean_ctx).await;
    clean_engine.run(&clean_ctx, clean_wf).await.expect("clean run");
    let clean = snapshot(store.as_ref(), &clean_ctx, clean_wf, fixed_now()).await;

    let fakes = FakeProviders::new();
    let ctx = scenario_org(store.as_ref()).await;
    let a = scenario_engine(store.clone(), &fakes, "a");
    let b = scenario_engine(store.clone(), &fakes, "b");
    let wf = scenario_workflow(&a, &ctx).await;
    // Both run at once. A loser sees `Busy` (the winner holds the step's lease) and returns; the
    // winner runs on to the end. Nothing polls or sleeps.
    let run = move |engine: Engine| async move { engine.run(&ctx, wf).await.expect("run") };
    let (ra, rb) = tokio::join!(tokio::spawn(run(a.clone())), tokio::spawn(run(b)));
    let outcomes = [ra.expect("a"), rb.expect("b")];
    assert!(
        outcomes.iter().any(|o| matches!(o, Advance::Completed)),
        "one engine finished the workflow: {outcomes:?}"
    );
    assert!(outcomes.iter().all(|o| matches!(o, Advance::Completed | Advance::Busy { .. })), "{outcomes:?}");
    assert!(matches!(a.run(&ctx, wf).await.expect("run"), Advance::Completed));
    let snap = snapshot(store.as_ref(), &ctx, wf, fixed_now()).await;
    assert!(snap == clean, "{}", snap.diff(&clean));
    assert_eq!(fakes.total_calls(), clean_fakes.total_calls(), "every provider call made once");
    for task in ["icp", "subtopics", "outline", "section"] {
        assert_eq!(fakes.llm.task_calls(task), clean_fakes.llm.task_calls(task), "{task}");
    }
    assert_eq!(
        fakes.publisher.creates.load(Ordering::SeqCst),
        clean_fakes.publisher.creates.load(Ordering::SeqCst)
    );
}

/// Everything still reserved (not committed or released) for a workflow, this month and in its
/// budget.
async fn still_reserved(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> i64 {
    use crate::ledger::{BillingPeriod, LedgerScope};
    let mut total = 0;
    for scope in [LedgerScope::Workflow(wf), LedgerScope::Month(BillingPeriod::of(fixed_now()))] {
        let rows = store.list_usage(ctx, scope).await.expect("list usage");
        total += rows.iter().map(|u| u.reserved).sum::<i64>();
    }
    total
}

/// A provider outage fails the step with a retryable reason and releases what it reserved; the
/// workflow stays failed until someone calls `retry`, and then resumes to exactly a clean run's
/// result, with no article keeping the error of its failed attempt.
pub async fn provider_outage_then_retry(store: Arc<dyn Store>) {
    use crate::workflow::{Phase, Step, WorkflowState};
    let (clean, _, clean_posts) = clean_run(store.clone()).await;
    let fakes = FakeProviders::new();
    let engine = scenario_engine(store.clone(), &fakes, "w1");
    let ctx = scenario_org(store.as_ref()).await;
    let wf = scenario_workflow(&engine, &ctx).await;
    fakes.web.switch.set_outage(true);
    match engine.run(&ctx, wf).await.expect("run") {
        Advance::Failed {
            step: Step::Articles,
            retryable: true,
            kind: crate::workflow::FailureKind::Temporary,
            attempts: 1,
            next_attempt_at: Some(due),
            reason,
            ..
        } => {
            assert!(!reason.starts_with("retryable"), "the kind is a column, not a prefix: {reason}");
            assert!(due > fixed_now(), "retried after a backoff");
        }
        other => panic!("expected a retryable failure of the articles step, got {other:?}"),
    }
    let failed = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
    assert_eq!(failed.state, WorkflowState::At(Step::Articles, Phase::Failed));
    assert_eq!(failed.failure_kind, Some(crate::workflow::FailureKind::Temporary));
    assert_eq!(failed.lease, None, "a failed workflow holds no lease");
    assert!(failed.last_error.is_some_and(|e| e.contains("unavailable")));
    assert_eq!(still_reserved(store.as_ref(), &ctx, wf).await, 0, "failed calls released their reservations");
    assert!(matches!(engine.run(&ctx, wf).await.expect("run"), Advance::Failed { .. }), "no silent retry");
    let articles = store.list_articles(&ctx, wf).await.expect("articles");
    assert!(
        articles.iter().any(|a| a.error.as_deref().is_some_and(|e| e.contains("unavailable"))),
        "the failed article records its error"
    );
    fakes.web.switch.set_outage(false);
    engine.retry(&ctx, wf).await.expect("retry");
    assert!(matches!(engine.run(&ctx, wf).await.expect("run"), Advance::Completed));
    for article in store.list_articles(&ctx, wf).await.expect("articles") {
        assert_eq!(article.error, None, "article {} succeeded on retry and keeps no error", article.id);
    }
    assert_eq!(snapshot(store.as_ref(), &ctx, wf, fixed_now()).await, clean);
    assert_eq!(fakes.publisher.posts().len(), clean_posts);
}

/// Cancelling while a step runs stops it at the next safe point: nothing runs after it, nothing
/// stays reserved, nothing is published, and the workflow stays `CANCELLED`.
pub async fn cancel_stops_at_the_next_safe_point(store: Arc<dyn Store>) {
    use crate::workflow::WorkflowState;
    use futures::FutureExt;
    let fakes = FakeProviders::new();
    let mut config = scenario_config();
    config.concurrency.articles = 1;
    let engine = Engine::builder()
        .store(store.clone())
        .providers(fakes.providers())
        .config(config)
        .worker("w1")
        .clock(Arc::new(fixed_now))
        .build()
        .expect("engine");
    let ctx = scenario_org(store.as_ref()).await;
    let wf = scenario_workflow(&engine, &ctx).await;
    let canceller = engine.clone();
    *fakes.llm.hook.lock().expect("hook lock") = Some(Arc::new(move |task: String| {
        let engine = canceller.clone();
        async move {
            if task == "section" {
                engine.cancel(&ctx, wf).await.expect("cancel");
            }
        }
        .boxed()
    }));
    assert!(matches!(engine.run(&ctx, wf).await.expect("run"), Advance::Cancelled));
    assert_eq!(fakes.llm.task_calls("section"), 1, "nothing ran after the safe point");
    let w = store.get_workflow(&ctx, wf).await.expect("get").expect("workflow");
    assert_eq!(w.state, WorkflowState::Cancelled);
    assert!(fakes.publisher.posts().is_empty());
    assert_eq!(still_reserved(store.as_ref(), &ctx, wf).await, 0);
    assert!(matches!(engine.run(&ctx, wf).await.expect("run"), Advance::Cancelled));
}
