//! The durable runner across real processes: worker processes claim 20 workflows of three
//! organizations while a bounded loop SIGKILLs a random worker every few seconds and starts a
//! replacement. Every workflow must complete with exactly the keywords, clusters, sections,
//! posts and charges (net of the marked replays of calls a kill interrupted) of an undisturbed
//! single-process run, and a killed worker's workflows must
//! be taken over within one lease period plus a second.
//!
//! The workers are this test binary started again with `INFIN8_RUNNER_CHILD` set (the
//! `runner_child` test below is their entry point), so no other binary needs building.
//! PostgreSQL: 4 processes (needs `DATABASE_URL`; skipped without it unless
//! `INFIN8_REQUIRE_POSTGRES=1`). SQLite: 3 processes on one file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use infin8_core::article::{ArticleStatus, Source};
use infin8_core::engine::{Engine, PipelineConfig, SubtopicReview, Worker, WorkerConfig};
use infin8_core::keyword::KeywordQuery;
use infin8_core::ledger::{LedgerScope, UsageMetric};
use infin8_core::memory::MemoryStore;
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::provider::{
    Completion, CompletionRequest, LanguageModel, Metered, ProviderError, WebResearch, WebSearchRequest,
};
use infin8_core::store::Store;
use infin8_core::workflow::{WorkflowSettings, WorkflowState};
use infin8_core::{OrgId, TenantContext, Usd, UserId, WorkflowId};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BUSINESS: &str = "Northwind Analytics makes product analytics software for B2B SaaS companies: \
feature adoption, funnels, cohorts, retention and churn, A/B tests, privacy and self-hosting.";
const LEASE: Duration = Duration::from_secs(3);

/// Serialises the crash loops of the SQLite and PostgreSQL tests (they run in one binary).
static CRASH_LOOPS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const WORKFLOWS: usize = 20;

/// Web research at no cost: the research cache is shared by an organization's workflows, so
/// which workflow pays for a query depends on timing. Free research keeps every workflow's
/// ledger total equal to the reference run's, which is what the test compares.
struct FreeResearch(Arc<dyn WebResearch>);

#[async_trait]
impl WebResearch for FreeResearch {
    fn name(&self) -> &str {
        self.0.name()
    }
    async fn search(&self, request: &WebSearchRequest) -> Result<Metered<Vec<Source>>, ProviderError> {
        let mut out = self.0.search(request).await?;
        out.usage.cost = Usd::ZERO;
        Ok(out)
    }
}

/// A language model with network-like latency, so kills land in the middle of steps.
struct SlowModel(Arc<dyn LanguageModel>);

#[async_trait]
impl LanguageModel for SlowModel {
    fn model_name(&self) -> &str {
        self.0.model_name()
    }
    fn estimate(&self, request: &CompletionRequest) -> Usd {
        self.0.estimate(request)
    }
    async fn complete(&self, request: &CompletionRequest) -> Result<Metered<Completion>, ProviderError> {
        tokio::time::sleep(Duration::from_millis(120)).await;
        self.0.complete(request).await
    }
}

fn config() -> PipelineConfig {
    let mut config = PipelineConfig {
        auto_approve_seeds: true,
        subtopic_review: SubtopicReview::Auto,
        lease: LEASE,
        ..PipelineConfig::default()
    };
    // The quickstart's shape, smaller: thresholds for the offline lexical embeddings.
    config.article_scope = infin8_core::engine::ArticleScope::HubsAndSpokes;
    config.clustering = infin8_core::cluster::HubSpokeConfig {
        threshold: 0.55,
        ..infin8_core::cluster::HubSpokeConfig::default()
    };
    config.validation = infin8_core::cluster::ValidationRules {
        min_avg_similarity: 0.58,
        ..infin8_core::cluster::ValidationRules::default()
    };
    config.concurrency.keyword_research = 2;
    config.concurrency.articles = 2;
    config.concurrency.llm = 2;
    config.limits.max_seeds = 6;
    config.limits.longtails_per_seed = 8;
    config.limits.max_articles = 2;
    config.limits.max_sections = 3;
    config.limits.sources_per_section = 2;
    config
}

fn engine(store: Arc<dyn Store>, publish: &Path, name: &str) -> Engine {
    let mut providers =
        infin8_providers::OfflineProviders::new(publish).business_description(BUSINESS).build().unwrap();
    providers.web = Arc::new(FreeResearch(providers.web.clone()));
    providers.llm = Arc::new(SlowModel(providers.llm.clone()));
    Engine::builder()
        .store(store)
        .providers(providers)
        .config(config())
        .worker(name)
        .sleeper(infin8_providers::runtime::tokio_sleeper())
        .blocking(infin8_providers::runtime::tokio_blocking())
        .build()
        .unwrap()
}

async fn new_org(store: &dyn Store, name: &str) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(name, Plan::Enterprise);
    new.id = Some(ctx.org_id);
    new.business_description = Some(BUSINESS.into());
    store.create_organization(&ctx, new).await.unwrap();
    ctx
}

async fn create(engine: &Engine, ctx: &TenantContext) -> WorkflowId {
    engine
        .create_workflow(
            ctx,
            infin8_core::engine::CreateWorkflow {
                id: None,
                // One title for all: prompts (and so the offline model's answers and their
                // simulated cost) depend on it.
                title: "runner campaign".to_string(),
                description: None,
                competitor_urls: vec!["https://www.mixpanel.com/".into(), "amplitude.com".into()],
                settings: WorkflowSettings::default(),
            },
        )
        .await
        .unwrap()
        .id
}

/// What one workflow left in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Footprint {
    keywords: usize,
    clusters: usize,
    articles: usize,
    sections: usize,
    published: usize,
    cost_micros: i64,
    units: Vec<(UsageMetric, i64)>,
}

async fn footprint(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Footprint {
    let mut query = KeywordQuery::workflow(wf);
    query.limit = Some(10_000);
    let keywords = store.list_keywords(ctx, query).await.unwrap();
    assert!(keywords.next_cursor.is_none());
    let articles = store.list_articles(ctx, wf).await.unwrap();
    let mut sections = 0;
    for a in &articles {
        sections += store.list_sections(ctx, a.id).await.unwrap().len();
    }
    let usage = store.list_usage(ctx, LedgerScope::Workflow(wf)).await.unwrap();
    for u in &usage {
        assert_eq!(u.reserved, 0, "{wf}: {:?} still reserved", u.metric);
    }
    // Net of what paid calls re-made after a kill were charged again (each marked as a replay,
    // so the ledger shows true spend): that is what an undisturbed run spends.
    let replayed = infin8_core::engine::testing::snapshot::replayed_charges(store, ctx, wf).await;
    let net = |metric: UsageMetric, used: i64| {
        used - replayed.get(&(LedgerScope::Workflow(wf), metric)).copied().unwrap_or(0)
    };
    let cost =
        usage.iter().find(|u| u.metric == UsageMetric::CostMicros).map_or(0, |u| net(u.metric, u.used));
    Footprint {
        keywords: keywords.items.len(),
        clusters: store.list_clusters(ctx, wf).await.unwrap().len(),
        articles: articles.len(),
        sections,
        published: articles.iter().filter(|a| a.status == ArticleStatus::Published).count(),
        cost_micros: cost,
        // Web research units depend on which workflow of an organization researched a query
        // first (the cache is per organization); every other metric is per workflow.
        units: usage
            .iter()
            .filter(|u| !matches!(u.metric, UsageMetric::CostMicros | UsageMetric::WebResearch))
            .map(|u| (u.metric, net(u.metric, u.used)))
            .collect(),
    }
}

/// What the reaper committed, at reserved amounts, for reservations of `wf` whose call was not
/// made again (no replay points at them), in micro-dollars.
async fn reaped_estimate_micros(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> i64 {
    let all = store.list_reservations(ctx, wf).await.unwrap();
    all.iter()
        .filter(|r| r.reaped_at.is_some() && !all.iter().any(|x| x.replay_of == Some(r.id)))
        .flat_map(|r| r.lines.iter().zip(r.committed.clone().unwrap_or_default()))
        .filter(|(line, _)| line.metric == UsageMetric::CostMicros)
        .map(|(_, amount)| amount)
        .sum()
}

/// An undisturbed run of one workflow of an organization named `org` in one process: what
/// every workflow of that organization must look like (the organization's name is in the
/// prompts, so the offline model's answers and their simulated cost depend on it).
async fn reference(org: &str) -> Footprint {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = engine(store.clone(), dir.path(), "reference");
    let ctx = new_org(store.as_ref(), org).await;
    let wf = create(&engine, &ctx).await;
    let outcome = engine.run(&ctx, wf).await.unwrap();
    assert!(matches!(outcome, infin8_core::engine::Advance::Completed), "{outcome:?}");
    let f = footprint(store.as_ref(), &ctx, wf).await;
    assert!(f.published > 0 && f.cost_micros > 0 && f.sections > 0, "{f:?}");
    f
}

#[derive(Clone)]
enum Backend {
    Sqlite(PathBuf),
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres(String),
}

impl Backend {
    fn env(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite:{}", p.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    async fn open(spec: &str) -> Arc<dyn Store> {
        if let Some(path) = spec.strip_prefix("sqlite:") {
            return Arc::new(infin8::sqlite::SqliteStore::open(path).await.unwrap());
        }
        #[cfg(feature = "postgres")]
        {
            // A pool larger than the worker's concurrency: claims and heartbeats must not queue
            // behind the steps' own store calls (see the crate README on pool sizing).
            let pool = infin8::postgres::sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .connect(spec)
                .await
                .unwrap();
            let store = infin8::postgres::PgStore::from_pool(pool);
            store.migrate().await.unwrap();
            Arc::new(store)
        }
        #[cfg(not(feature = "postgres"))]
        panic!("postgres backend without the postgres feature: {spec}")
    }
}

fn spawn_worker(backend: &Backend, orgs: &[OrgId], publish: &Path, name: &str) -> Child {
    let ids: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    Command::new(std::env::current_exe().unwrap())
        .args(["runner_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("INFIN8_RUNNER_CHILD", "1")
        .env("INFIN8_RUNNER_DB", backend.env())
        .env("INFIN8_RUNNER_ORGS", ids.join(","))
        .env("INFIN8_RUNNER_PUBLISH", publish)
        .env("INFIN8_RUNNER_NAME", name)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// The worker process's entry point: does nothing unless started by [`crash_loop`].
#[test]
fn runner_child() {
    let Ok(spec) = std::env::var("INFIN8_RUNNER_DB") else { return };
    if std::env::var("INFIN8_RUNNER_CHILD").as_deref() != Ok("1") {
        return;
    }
    let orgs: Vec<OrgId> =
        std::env::var("INFIN8_RUNNER_ORGS").unwrap().split(',').map(|s| s.parse().unwrap()).collect();
    let publish = PathBuf::from(std::env::var("INFIN8_RUNNER_PUBLISH").unwrap());
    let name = std::env::var("INFIN8_RUNNER_NAME").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let store = Backend::open(&spec).await;
        let worker = Worker::new(
            engine(store, &publish, &name),
            WorkerConfig {
                // 3 or 4 processes × 7 slots > 20 workflows: a dead worker's workflows always
                // find a free slot (the recovery bound needs spare capacity, as in production).
                concurrency: 7,
                per_organization: 7,
                poll_interval: Duration::from_millis(100),
                organizations: Some(orgs),
                ..WorkerConfig::default()
            },
        )
        .unwrap();
        // Never leak a process: give up after three minutes whatever happens.
        worker.run(tokio::time::sleep(Duration::from_secs(180))).await;
    });
}

struct Fleet {
    children: Vec<(String, Child)>,
    started: usize,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the scenario; returns the recovery times measured after each kill.
async fn crash_loop(backend: Backend, processes: usize) -> Vec<Duration> {
    let publish = tempfile::tempdir().unwrap();
    let store = Backend::open(&backend.env()).await;
    let admin = engine(store.clone(), publish.path(), "setup");
    let mut orgs = Vec::new();
    let mut expected = HashMap::new();
    for n in 0..3 {
        let name = format!("runner test {n} {}", uuid::Uuid::new_v4().simple());
        let ctx = new_org(store.as_ref(), &name).await;
        expected.insert(ctx.org_id, reference(&name).await);
        orgs.push(ctx);
    }
    let mut workflows = Vec::new();
    for i in 0..WORKFLOWS {
        let ctx = orgs[i % 3];
        workflows.push((ctx, create(&admin, &ctx).await));
    }
    let org_ids: Vec<OrgId> = orgs.iter().map(|c| c.org_id).collect();
    let mut fleet = Fleet { children: Vec::new(), started: 0 };
    for _ in 0..processes {
        let name = format!("proc-{}", fleet.started);
        fleet.started += 1;
        fleet.children.push((name.clone(), spawn_worker(&backend, &org_ids, publish.path(), &name)));
    }

    let deadline = Instant::now() + Duration::from_secs(240);
    let mut recoveries = Vec::new();
    let mut kills = 0;
    loop {
        let mut done = 0;
        for (ctx, wf) in &workflows {
            if store.get_workflow(ctx, *wf).await.unwrap().unwrap().state == WorkflowState::Completed {
                done += 1;
            }
        }
        if done == WORKFLOWS {
            break;
        }
        assert!(Instant::now() < deadline, "only {done} of {WORKFLOWS} workflows completed in time");
        tokio::time::sleep(Duration::from_millis(1_500 + rand::random_range(0..1_500))).await;
        if kills >= 6 {
            continue;
        }
        // SIGKILL a random worker (std's `kill` sends SIGKILL on Unix) and start a replacement.
        let victim = rand::random_range(0..fleet.children.len());
        let (name, mut child) = fleet.children.swap_remove(victim);
        let killed_at = Instant::now();
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        let replacement = format!("proc-{}", fleet.started);
        fleet.started += 1;
        fleet
            .children
            .push((replacement.clone(), spawn_worker(&backend, &org_ids, publish.path(), &replacement)));
        // Recovery: every workflow the victim held is taken over by another worker.
        let mut held = Vec::new();
        for (ctx, wf) in &workflows {
            let w = store.get_workflow(ctx, *wf).await.unwrap().unwrap();
            if w.lease.as_ref().is_some_and(|l| l.owner == name) {
                held.push((*ctx, *wf));
            }
        }
        if held.is_empty() {
            continue;
        }
        loop {
            let mut stuck = 0;
            for (ctx, wf) in &held {
                let w = store.get_workflow(ctx, *wf).await.unwrap().unwrap();
                if w.lease.as_ref().is_some_and(|l| l.owner == name) {
                    stuck += 1;
                }
            }
            if stuck == 0 {
                break;
            }
            assert!(killed_at.elapsed() < LEASE * 5, "{stuck} workflows of {name} never taken over");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        recoveries.push(killed_at.elapsed());
    }
    drop(fleet);

    for (ctx, wf) in &workflows {
        let got = footprint(store.as_ref(), ctx, *wf).await;
        let want = &expected[&ctx.org_id];
        // A worker killed between sending a paid call and committing its reservation leaves the
        // reservation to the reaper, which commits it at the reserved (estimated) amount when the
        // call's result was kept and the call is not made again (ADR 0006: over-count rather than
        // lose spend). Only that much, and only then, may the ledger exceed the undisturbed run.
        let reaped = reaped_estimate_micros(store.as_ref(), ctx, *wf).await;
        let mut adjusted = got.clone();
        if got.cost_micros > want.cost_micros && got.cost_micros - want.cost_micros <= reaped {
            eprintln!(
                "workflow {wf}: +{} micro-dollars over the undisturbed run, within the {reaped} the reaper committed at reserved amounts",
                got.cost_micros - want.cost_micros
            );
            adjusted.cost_micros = want.cost_micros;
        }
        if adjusted != *want {
            // Say what the articles are, for the failure message.
            for a in store.list_articles(ctx, *wf).await.unwrap() {
                eprintln!("workflow {wf}: article {:?} {} error={:?}", a.title, a.status, a.error);
            }
        }
        assert_eq!(adjusted, *want, "workflow {wf}");
    }
    // One post per organization and keyword (the publish idempotency key, so an organization's
    // workflows on one keyword share their post): nothing was published twice, across every
    // process that ever ran, and every published article names an existing post.
    let mut keys = std::collections::BTreeSet::new();
    for (ctx, wf) in &workflows {
        for a in store.list_articles(ctx, *wf).await.unwrap() {
            if a.status == ArticleStatus::Published {
                let key = a.focus_keyword.clone().unwrap_or_default();
                keys.insert(infin8_core::publish::idempotency_key(ctx.org_id, &key, "filesystem"));
                let url = a.wordpress_url.clone().unwrap_or_default();
                let file = url.strip_prefix("file://").map(Path::new);
                assert!(file.is_some_and(Path::is_file), "{wf}: {url} is a post on disk");
            }
        }
    }
    let published = keys.len();
    let posts = std::fs::read_dir(publish.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .count();
    assert_eq!(posts, published, "posts on disk");
    assert!(kills >= 2, "the loop killed only {kills} workers before everything completed");
    recoveries
}

fn check_recoveries(label: &str, recoveries: &[Duration]) {
    let max = recoveries.iter().max().copied().unwrap_or_default();
    eprintln!(
        "{label}: {} takeovers measured after SIGKILL, max {:.2}s (lease {:.0}s)",
        recoveries.len(),
        max.as_secs_f64(),
        LEASE.as_secs_f64()
    );
    assert!(max <= LEASE + Duration::from_secs(1), "recovery took {max:?}, more than a lease plus a second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_three_worker_processes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    // One crash loop at a time: each runs 3–4 worker processes with a 3 s lease, and both at
    // once oversubscribe a 2-core machine until live workers' heartbeats miss their lease.
    let _one_at_a_time = CRASH_LOOPS.lock().await;
    let recoveries = crash_loop(Backend::Sqlite(dir.path().join("runner.sqlite")), 3).await;
    check_recoveries("sqlite", &recoveries);
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_four_worker_processes_survive_sigkill() {
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                std::env::var("INFIN8_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "INFIN8_REQUIRE_POSTGRES=1 but DATABASE_URL is not set"
            );
            eprintln!("skipping postgres runner test: DATABASE_URL is not set");
            return;
        }
    };
    // One crash loop at a time: each runs 3–4 worker processes with a 3 s lease, and both at
    // once oversubscribe a 2-core machine until live workers' heartbeats miss their lease.
    let _one_at_a_time = CRASH_LOOPS.lock().await;
    let recoveries = crash_loop(Backend::Postgres(url), 4).await;
    check_recoveries("postgres", &recoveries);
}
