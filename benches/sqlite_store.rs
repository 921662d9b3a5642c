//! Benchmarks of the embedded SQLite store (`infin8-store-sqlite`), file-backed in a temp dir.
//!
//! Run with `cargo bench --bench sqlite_store` (add `-- --quick` for a fast pass).
//!
//! - `sqlite_upsert_keywords/{1000,10000,50000}`: one `upsert_keywords` call inserting N new
//!   keywords (with metrics) into a fresh workflow;
//! - `sqlite_upsert_keywords/raw_rusqlite/{…}`: the ceiling: the same rows into the same table
//!   with one cached prepared statement in one transaction, straight through rusqlite;
//! - `sqlite_transitions/sequential_10000`: 10,000 compare-and-set transitions in a row
//!   (ICP pending → processing → failed → pending …), each with its transition and audit rows;
//! - `sqlite_usage/concurrent_reservations_1000`: 1,000 reservations spawned at once on a
//!   multi-threaded runtime against one limited counter.

#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infin8_core::ids::{KeywordId, OrgId, ReservationId, UserId, WorkflowId};
use infin8_core::keyword::{KeywordMetrics, KeywordType, NewKeyword, SearchIntent};
use infin8_core::ledger::{BillingPeriod, LedgerScope, ReserveUsage, UsageLine, UsageMetric};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::{KeywordStore, OrganizationStore, Store, WorkflowStore};
use infin8_core::tenant::TenantContext;
use infin8_core::workflow::{Lease, NewWorkflow, Phase, Step, TransitionRequest, Workflow, WorkflowState};
use infin8_store_sqlite::SqliteStore;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: SqliteStore,
    ctx: TenantContext,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite");
    let store = rt.block_on(SqliteStore::open(&path)).unwrap();
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut org = NewOrganization::new("bench", Plan::Enterprise);
    org.id = Some(ctx.org_id);
    rt.block_on(store.create_organization(&ctx, org)).unwrap();
    Fixture { rt, store, ctx, path, _dir: dir }
}

fn new_workflow(f: &Fixture) -> Workflow {
    let new = NewWorkflow { title: "bench".into(), ..NewWorkflow::default() };
    f.rt.block_on(f.store.create_workflow(&f.ctx, new)).unwrap()
}

/// N distinct keywords with metrics, deterministic.
fn keywords(workflow: WorkflowId, n: usize) -> Vec<NewKeyword> {
    (0..n)
        .map(|i| {
            NewKeyword::new(
                workflow,
                KeywordType::Seed,
                None,
                format!("best crm software {i} for teams"),
                "bench",
            )
            .with_metrics(KeywordMetrics {
                search_volume: Some((i % 9_000) as i64 * 10),
                cpc: Some((i % 500) as f64 / 100.0),
                difficulty: Some((i % 100) as i32),
                intent: Some(SearchIntent::Commercial),
                ..KeywordMetrics::default()
            })
        })
        .collect()
}

/// The same rows through raw rusqlite: the same columns and values the store binds, one
/// transaction, one cached prepared statement, no normalization.
fn raw_insert(conn: &mut rusqlite::Connection, org: &str, workflow: &str, rows: &[NewKeyword]) {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
    {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO keywords (organization_id, id, workflow_id, parent_id, keyword_type, keyword, \
                 normalized_keyword, source, search_volume, competition_level, competition_index, cpc, difficulty, \
                 intent, serp_urls, language, ai_suggested, decision_confidence, decision_metadata, created_at, \
                 updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                 ?18, ?19, ?20, ?20) ON CONFLICT (organization_id, workflow_id, normalized_keyword) DO NOTHING",
            )
            .unwrap();
        for k in rows {
            let m = &k.metrics;
            stmt.execute(rusqlite::params![
                org,
                KeywordId::new().to_string(),
                workflow,
                None::<String>,
                "seed",
                k.keyword,
                k.keyword,
                k.source,
                m.search_volume,
                m.competition_level.map(|c| c.as_str()),
                m.competition_index,
                m.cpc,
                m.difficulty,
                m.intent.map(|i| i.as_str()),
                "[]",
                k.language,
                k.ai_suggested,
                k.decision_confidence,
                "null",
                now,
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// This process's CPU time (user + system, all threads) in seconds, from `/proc/self/stat`
/// (Linux, 100 ticks per second); `None` elsewhere. Reported next to criterion's wall-clock
/// numbers because the benchmark machine is shared: CPU time does not count waiting for a core.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Accumulates CPU time and elements over a benchmark's iterations and prints the rate.
#[derive(Default)]
struct CpuRate {
    cpu: f64,
    elements: u64,
}

impl CpuRate {
    fn time<T>(&mut self, elements: u64, f: impl FnOnce() -> T) -> (T, Duration) {
        let (cpu0, start) = (cpu_seconds(), Instant::now());
        let out = f();
        let wall = start.elapsed();
        if let (Some(a), Some(b)) = (cpu0, cpu_seconds()) {
            self.cpu += b - a;
            self.elements += elements;
        }
        (out, wall)
    }

    fn report(&self, name: &str) {
        if self.cpu > 0.0 {
            println!("{name}: {:.0} elements per CPU-second", self.elements as f64 / self.cpu);
        }
    }
}

fn bench_upsert(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("sqlite_upsert_keywords");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(6));
    // The same pragmas as the store's writer.
    let mut conn = rusqlite::Connection::open(&f.path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -32768;",
    )
    .unwrap();
    let org = f.ctx.org_id.to_string();
    for n in [1_000usize, 10_000, 50_000] {
        group.throughput(Throughput::Elements(n as u64));
        let mut rate = CpuRate::default();
        group.bench_with_input(BenchmarkId::new("store", n), &n, |b, &n| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let wf = new_workflow(&f);
                    let batch = keywords(wf.id, n);
                    let (out, wall) = rate
                        .time(n as u64, || f.rt.block_on(f.store.upsert_keywords(&f.ctx, &batch)).unwrap());
                    total += wall;
                    assert_eq!(black_box(out).len(), n);
                }
                total
            });
        });
        rate.report(&format!("sqlite_upsert_keywords/store/{n}"));
        let mut rate = CpuRate::default();
        group.bench_with_input(BenchmarkId::new("raw_rusqlite", n), &n, |b, &n| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let wf = new_workflow(&f);
                    let batch = keywords(wf.id, n);
                    let wf_id = wf.id.to_string();
                    total += rate.time(n as u64, || raw_insert(&mut conn, &org, &wf_id, &batch)).1;
                }
                total
            });
        });
        rate.report(&format!("sqlite_upsert_keywords/raw_rusqlite/{n}"));
    }
    group.finish();
}

fn bench_transitions(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("sqlite_transitions");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    const N: u64 = 10_000;
    group.throughput(Throughput::Elements(N));
    let cycle = [
        WorkflowState::At(Step::Icp, Phase::Processing),
        WorkflowState::At(Step::Icp, Phase::Failed),
        WorkflowState::At(Step::Icp, Phase::Pending),
    ];
    let mut rate = CpuRate::default();
    group.bench_function("sequential_10000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut wf = new_workflow(&f);
                let req = TransitionRequest::from_current(&wf, WorkflowState::At(Step::Icp, Phase::Pending));
                wf = f.rt.block_on(f.store.transition(&f.ctx, req)).unwrap().workflow;
                let ((), wall) = rate.time(N, || {
                    for i in 0..N as usize {
                        let to = cycle[i % 3];
                        let mut req = TransitionRequest::from_current(&wf, to);
                        if to.is_processing() {
                            req = req
                                .with_lease(Lease { owner: "bench".into(), expires_at: chrono::Utc::now() });
                        }
                        if to.phase() == Some(Phase::Failed) {
                            req = req.with_reason("bench failure");
                        }
                        wf = f.rt.block_on(f.store.transition(&f.ctx, req)).unwrap().workflow;
                    }
                });
                total += wall;
                assert_eq!(wf.version, N as i64 + 2);
            }
            total
        });
    });
    rate.report("sqlite_transitions/sequential_10000");
    group.finish();
}

fn bench_reservations(c: &mut Criterion) {
    let f = fixture();
    let store: Arc<dyn Store> = Arc::new(f.store.clone());
    let mut group = c.benchmark_group("sqlite_usage");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    const N: usize = 1_000;
    group.throughput(Throughput::Elements(N as u64));
    let mut month = BillingPeriod::new(2030, 1).unwrap();
    let mut rate = CpuRate::default();
    group.bench_function("concurrent_reservations_1000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh counter per iteration: 1,000 reservations of 1 against a limit of 900.
                month = month.next();
                let scope = LedgerScope::Month(month);
                let (granted, wall) = rate.time(N as u64, || {
                    f.rt.block_on(async {
                        let tasks: Vec<_> = (0..N)
                            .map(|_| {
                                let (store, ctx) = (store.clone(), f.ctx);
                                tokio::spawn(async move {
                                    let request = ReserveUsage {
                                        id: ReservationId::new(),
                                        workflow_id: None,
                                        purpose: "bench".into(),
                                        replay_of: None,
                                        lines: vec![UsageLine {
                                            metric: UsageMetric::LlmTokens,
                                            scope,
                                            amount: 1,
                                            limit: Some(900),
                                        }],
                                    };
                                    store.reserve_usage(&ctx, request).await.is_ok()
                                })
                            })
                            .collect();
                        let mut granted = 0;
                        for t in tasks {
                            granted += usize::from(t.await.unwrap());
                        }
                        granted
                    })
                });
                total += wall;
                assert_eq!(granted, 900);
            }
            total
        });
    });
    rate.report("sqlite_usage/concurrent_reservations_1000");
    group.finish();
}

criterion_group!(benches, bench_upsert, bench_transitions, bench_reservations);
criterion_main!(benches);
