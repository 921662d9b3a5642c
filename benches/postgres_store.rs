//! Benchmarks of the PostgreSQL store (`infin8-store-postgres`) against a real server.
//!
//! Run with `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --features postgres
//! --bench postgres_store` (add `-- --quick` for a fast pass). Without `DATABASE_URL` it prints a
//! line and measures nothing. It creates a database `infin8_bench_<uuid>`, migrates it, and drops
//! it at the end.
//!
//! - `pg_transitions/tasks_1`, `pg_transitions/tasks_16`: compare-and-set transitions per second
//!   with 1 and 16 concurrent tasks, each on its own workflow (`X_PROCESSING → X_PROCESSING`
//!   reclaims, so every iteration is a full CAS: update + transition row + audit row, in one
//!   transaction that also switches role and tenant);
//! - `pg_upsert_keywords/{1000,10000,50000}`: one `upsert_keywords` call inserting N new keywords
//!   (with metrics) into a fresh workflow: one `INSERT … SELECT FROM UNNEST(…)` statement;
//! - `pg_upsert_longtails/50000`: 50,000 longtails under 100 seeds of a fresh workflow (every row
//!   also names a same-workflow parent), the shape of the pipeline's longtail step.
//!
//! - `pg_claims/workers_{1,16}`: `claim_workflows` calls per second (one workflow each) by 1 and
//!   16 concurrent workers over 1,000 runnable workflows of 10 organizations. Each lease lapses a
//!   millisecond later, so the same rows stay claimable and every call does the full work: the
//!   `SECURITY DEFINER` function's organization scan, `FOR UPDATE SKIP LOCKED`, the lease update.
//!
//! The crate README records results beside `pgbench -S` / `-N` on the same machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput};
use infin8_core::ids::{OrgId, UserId};
use infin8_core::keyword::{KeywordMetrics, KeywordType, NewKeyword, SearchIntent};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::{KeywordStore, OrganizationStore, WorkflowStore};
use infin8_core::tenant::TenantContext;
use infin8_core::workflow::{Lease, NewWorkflow, Phase, Step, TransitionRequest, Workflow, WorkflowState};
use infin8_store_postgres::PgStore;
use infin8_store_postgres::sqlx::{self, Connection};
use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

const PROCESSING: WorkflowState = WorkflowState::At(Step::Icp, Phase::Processing);

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: PgStore,
    ctx: TenantContext,
    admin: sqlx::postgres::PgConnectOptions,
    database: String,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let (admin, database, pool) = (self.admin.clone(), self.database.clone(), self.store.pool().clone());
        self.rt.block_on(async move {
            pool.close().await;
            let mut conn = sqlx::PgConnection::connect_with(&admin).await.unwrap();
            let sql = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        });
    }
}

fn fixture(url: &str) -> Fixture {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let admin = sqlx::postgres::PgConnectOptions::from_str(url).expect("DATABASE_URL parses");
    let database = format!("infin8_bench_{}", uuid::Uuid::new_v4().simple());
    let (store, ctx) = rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect_with(&admin).await.unwrap();
        let sql = format!("CREATE DATABASE \"{database}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(20)
            .connect_with(admin.clone().database(&database))
            .await
            .unwrap();
        let store = PgStore::from_pool(pool);
        store.migrate().await.unwrap();
        let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
        let mut org = NewOrganization::new("bench", Plan::Enterprise);
        org.id = Some(ctx.org_id);
        store.create_organization(&ctx, org).await.unwrap();
        (store, ctx)
    });
    Fixture { rt, store, ctx, admin, database }
}

/// A workflow moved to `ICP_PROCESSING`, ready for reclaim transitions.
async fn processing_workflow(store: &PgStore, ctx: &TenantContext) -> Workflow {
    let mut wf = store
        .create_workflow(ctx, NewWorkflow { title: "bench".into(), ..NewWorkflow::default() })
        .await
        .unwrap();
    for to in [WorkflowState::At(Step::Icp, Phase::Pending), PROCESSING] {
        wf = store
            .transition(ctx, TransitionRequest::from_current(&wf, to).with_lease(lease()))
            .await
            .unwrap()
            .workflow;
    }
    wf
}

fn lease() -> Lease {
    Lease { owner: "bench".into(), expires_at: chrono::Utc::now() + chrono::Duration::minutes(5) }
}

/// `n` reclaim transitions on one workflow, in a row.
async fn reclaims(store: &PgStore, ctx: &TenantContext, mut wf: Workflow, n: u64) -> Workflow {
    for _ in 0..n {
        let request = TransitionRequest::from_current(&wf, PROCESSING).with_lease(lease());
        wf = store.transition(ctx, request).await.unwrap().workflow;
    }
    wf
}

fn bench_transitions(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("pg_transitions");
    group.throughput(Throughput::Elements(1)).sample_size(10).measurement_time(Duration::from_secs(8));
    for tasks in [1u64, 16] {
        let workflows: Vec<Workflow> = f.rt.block_on(async {
            let mut v = Vec::new();
            for _ in 0..tasks {
                v.push(processing_workflow(&f.store, &f.ctx).await);
            }
            v
        });
        let mut workflows = Some(workflows);
        group.bench_function(BenchmarkId::new("tasks", tasks), |b| {
            b.iter_custom(|iters| {
                let per_task = iters.div_ceil(tasks);
                let current = workflows.take().unwrap();
                let start = Instant::now();
                let done = f.rt.block_on(async {
                    let handles: Vec<_> = current
                        .into_iter()
                        .map(|wf| {
                            let (store, ctx) = (f.store.clone(), f.ctx);
                            tokio::spawn(async move { reclaims(&store, &ctx, wf, per_task).await })
                        })
                        .collect();
                    let mut out = Vec::new();
                    for h in handles {
                        out.push(h.await.unwrap());
                    }
                    out
                });
                let elapsed = start.elapsed();
                workflows = Some(done);
                // Time per transition actually run, scaled to the `iters` criterion asked for.
                elapsed.mul_f64(iters as f64 / (per_task * tasks) as f64)
            });
        });
    }
    group.finish();
}

fn keywords(wf: infin8_core::ids::WorkflowId, n: usize, seed: u64) -> Vec<NewKeyword> {
    (0..n)
        .map(|i| {
            NewKeyword::new(wf, KeywordType::Seed, None, format!("bench keyword {seed} {i}"), "bench")
                .with_metrics(KeywordMetrics {
                    search_volume: Some((i as i64 * 7919) % 100_000),
                    cpc: Some(1.25),
                    difficulty: Some((i % 100) as i32),
                    intent: Some(SearchIntent::Informational),
                    ..KeywordMetrics::default()
                })
        })
        .collect()
}

/// A new, empty workflow titled `title`.
fn fresh_workflow(f: &Fixture, title: &str) -> Workflow {
    let new = NewWorkflow { title: title.into(), ..Default::default() };
    f.rt.block_on(f.store.create_workflow(&f.ctx, new)).unwrap()
}

/// The time of one `upsert_keywords` call inserting `batch` (all new keywords).
fn timed_upsert(f: &Fixture, batch: &[NewKeyword]) -> Duration {
    let start = Instant::now();
    let out = f.rt.block_on(f.store.upsert_keywords(&f.ctx, batch)).unwrap();
    let elapsed = start.elapsed();
    assert!(out.iter().all(|k| k.created));
    black_box(out);
    elapsed
}

fn bench_upsert(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("pg_upsert_keywords");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for n in [1_000usize, 10_000, 50_000] {
        group.throughput(Throughput::Elements(n as u64));
        let mut seed = 0u64;
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    seed += 1;
                    let wf = fresh_workflow(f, "kw");
                    total += timed_upsert(f, &keywords(wf.id, n, seed));
                }
                total
            });
        });
    }
    group.finish();
}

/// 50,000 longtails under 100 seeds of a fresh workflow: the shape of the pipeline's longtail
/// step, where every row also names a parent in the same workflow.
fn bench_upsert_longtails(c: &mut Criterion, f: &Fixture) {
    const SEEDS: usize = 100;
    const LONGTAILS: usize = 50_000;
    let mut group = c.benchmark_group("pg_upsert_longtails");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(LONGTAILS as u64));
    let mut seed = 1_000_000u64;
    group.bench_function(BenchmarkId::from_parameter(LONGTAILS), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                seed += 1;
                let wf = fresh_workflow(f, "lt");
                let parents =
                    f.rt.block_on(f.store.upsert_keywords(&f.ctx, &keywords(wf.id, SEEDS, seed))).unwrap();
                let batch: Vec<NewKeyword> = (0..LONGTAILS)
                    .map(|i| {
                        let parent = parents[i % SEEDS].id;
                        NewKeyword::new(
                            wf.id,
                            KeywordType::Longtail,
                            Some(parent),
                            format!("long tail {seed} {i}"),
                            "bench",
                        )
                        .with_metrics(KeywordMetrics {
                            search_volume: Some(i as i64 % 5_000),
                            ..KeywordMetrics::default()
                        })
                    })
                    .collect();
                total += timed_upsert(f, &batch);
            }
            total
        });
    });
    group.finish();
}

fn bench_claims(c: &mut Criterion, f: &Fixture) {
    use infin8_core::workflow::ClaimRequest;
    let orgs: Vec<TenantContext> = f.rt.block_on(async {
        let mut orgs = Vec::new();
        for i in 0..10 {
            let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
            let mut org = NewOrganization::new(format!("claim bench {i}"), Plan::Enterprise);
            org.id = Some(ctx.org_id);
            f.store.create_organization(&ctx, org).await.unwrap();
            for w in 0..100 {
                let new = NewWorkflow { title: format!("claim {w}"), ..Default::default() };
                f.store.create_workflow(&ctx, new).await.unwrap();
            }
            orgs.push(ctx);
        }
        orgs
    });
    let only: Vec<OrgId> = orgs.iter().map(|c| c.org_id).collect();
    let mut group = c.benchmark_group("pg_claims");
    group.throughput(Throughput::Elements(1)).sample_size(10).measurement_time(Duration::from_secs(8));
    for workers in [1u64, 16] {
        group.bench_function(BenchmarkId::new("workers", workers), |b| {
            b.iter_custom(|iters| {
                let per_worker = iters.div_ceil(workers);
                let start = Instant::now();
                f.rt.block_on(async {
                    let handles: Vec<_> = (0..workers)
                        .map(|w| {
                            let (store, only) = (f.store.clone(), only.clone());
                            tokio::spawn(async move {
                                let mut claimed = 0;
                                for _ in 0..per_worker {
                                    let now = chrono::Utc::now();
                                    let mut req = ClaimRequest::new(
                                        format!("bench-{w}"),
                                        1,
                                        now,
                                        chrono::Duration::milliseconds(1),
                                    );
                                    req.organizations = Some(only.clone());
                                    claimed += store.claim_workflows(req).await.unwrap().len();
                                }
                                claimed
                            })
                        })
                        .collect();
                    let mut claimed = 0;
                    for h in handles {
                        claimed += h.await.unwrap();
                    }
                    black_box(claimed)
                });
                start.elapsed().mul_f64(iters as f64 / (per_worker * workers) as f64)
            });
        });
    }
    group.finish();
}

fn main() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("postgres_store bench: DATABASE_URL is not set; nothing measured");
        return;
    };
    let mut c = Criterion::default().configure_from_args();
    let f = fixture(&url);
    bench_transitions(&mut c, &f);
    bench_upsert(&mut c, &f);
    bench_upsert_longtails(&mut c, &f);
    bench_claims(&mut c, &f);
    drop(f);
    c.final_summary();
}
