//! A worker fleet on one database: workers claim runnable workflows of every organization, run
//! them under each organization's context, retry temporary failures with backoff, and give their
//! leases back on Ctrl-C / SIGTERM so another worker continues at once.
//!
//! Run with `cargo run --release --example worker -- --workers 4`.
//!
//! - Uses `<data-dir>/infin8.sqlite` (default: the quickstart's folder, so it picks up the
//!   quickstart's workflows), or PostgreSQL with `DATABASE_URL=postgres://…` (build with
//!   `--features postgres`). Start it several times, on one host (SQLite) or many (PostgreSQL):
//!   every workflow is run by exactly one worker at a time, and a killed worker's workflows are
//!   taken over when its lease lapses (30 s by default, `--lease`).
//! - `--demo N` first creates N demo workflows over three organizations (with the seed and
//!   subtopic gates auto-approved), and `--until-done` stops once they have all completed.
//! - Providers come from the environment as in the quickstart (offline by default; published
//!   posts go to `<data-dir>/published/`).

use anyhow::{Context, Result, bail};
use clap::Parser;
use infin8_core::engine::{
    CreateWorkflow, Engine, PipelineConfig, ProgressEvent, SubtopicReview, Worker, WorkerConfig,
};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::Store;
use infin8_core::workflow::{WorkflowSettings, WorkflowState};
use infin8_core::{OrgId, TenantContext, UserId, WorkflowId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(about = "Run infin8 workers that claim and run workflows of every organization.")]
struct Args {
    /// Workers in this process (each claims and runs on its own, under its own name).
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Workflows each worker runs at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Where the SQLite file and published posts are (ignored with `DATABASE_URL`).
    #[arg(long, default_value = "infin8-quickstart")]
    data_dir: PathBuf,
    /// Create this many demo workflows over three organizations first.
    #[arg(long, default_value_t = 0)]
    demo: usize,
    /// Stop once every demo workflow has completed (with `--demo`).
    #[arg(long)]
    until_done: bool,
    /// Lease length in seconds: how long a killed worker's workflows wait before takeover.
    #[arg(long, default_value_t = 30)]
    lease: u64,
    /// Print the demo organizations' progress feed (state changes and item progress) as the
    /// store delivers it: on PostgreSQL that includes what workers in other processes and hosts
    /// do. `--workers 0 --demo 20 --follow` only watches.
    #[arg(long)]
    follow: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if (args.workers == 0 && !args.follow) || args.concurrency == 0 {
        bail!("--workers and --concurrency must be at least 1 (--workers 0 only with --follow)");
    }
    if args.follow && args.demo == 0 {
        bail!("--follow watches the demo organizations: add --demo N");
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = args.data_dir.canonicalize()?;
    // Claims and lease heartbeats share the pool with the steps: size it above the workflows run
    // at once (see the PostgreSQL store's README on pool sizing).
    let connections = u32::try_from(args.workers * args.concurrency * 2 + 4).unwrap_or(u32::MAX);
    let (store, backend) = open_store(&data_dir, connections).await?;
    let (providers, selection) = infin8_providers::from_env(data_dir.join("published"))?;
    let mut config = PipelineConfig {
        auto_approve_seeds: true,
        subtopic_review: SubtopicReview::Auto,
        lease: Duration::from_secs(args.lease.max(1)),
        ..PipelineConfig::default()
    };
    config.limits.max_articles = 3;
    config.limits.max_sections = 3;
    println!("infin8 worker — store: {backend}; providers: {selection}");

    let started = Instant::now();
    let demo = create_demo(&store, &providers, &config, args.demo).await?;
    if !demo.is_empty() {
        println!("created or found {} demo workflows over 3 organizations", demo.len());
    }

    if args.follow {
        follow(&store, &demo).await?;
    }

    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let mut workers = Vec::new();
    for i in 0..args.workers {
        let name = format!("{host}-{}-w{i}", std::process::id());
        let log_name = name.clone();
        let engine = Engine::builder()
            .store(store.clone())
            .providers(providers.clone())
            .config(config.clone())
            .worker(name)
            .sleeper(infin8_providers::runtime::tokio_sleeper())
            .blocking(infin8_providers::runtime::tokio_blocking())
            .progress(Arc::new(move |e: &ProgressEvent| log(&log_name, e)))
            .build()?;
        let worker_config = WorkerConfig { concurrency: args.concurrency, ..WorkerConfig::default() };
        workers.push(Worker::new(engine, worker_config)?);
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for worker in workers {
        let mut rx = stop_rx.clone();
        handles.push(tokio::spawn(async move {
            worker
                .run(async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await
        }));
    }
    println!(
        "{} workers × {} workflows at once; Ctrl-C gives their leases back and stops",
        args.workers, args.concurrency
    );

    let reason = tokio::select! {
        r = shutdown_signal() => r,
        () = all_done(store.as_ref(), &demo), if args.until_done && !demo.is_empty() => "every demo workflow completed",
    };
    println!("stopping: {reason}");
    let _ = stop_tx.send(true);
    let mut total = infin8_core::engine::WorkerReport::default();
    for h in handles {
        let r = h.await?;
        total.claimed += r.claimed;
        total.completed += r.completed;
        total.failed += r.failed;
        total.retried += r.retried;
        total.released += r.released;
        total.errors += r.errors;
    }
    println!(
        "done in {:.1}s: {} claims, {} completed, {} failed runs, {} leases released, {} errors backed off",
        started.elapsed().as_secs_f64(),
        total.claimed,
        total.completed,
        total.failed,
        total.released,
        total.errors
    );
    Ok(())
}

fn log(worker: &str, event: &ProgressEvent) {
    match event {
        ProgressEvent::Claimed { workflow, state, .. } => println!("{worker}: claimed {workflow} at {state}"),
        ProgressEvent::StepFinished { workflow, step, state }
            if *state == WorkflowState::Completed || step.number() == 10 =>
        {
            println!("{worker}: {workflow} {}", state);
        }
        ProgressEvent::StepFailed { workflow, step, reason, kind, next_attempt_at, .. } => {
            let when =
                next_attempt_at.map_or(String::new(), |t| format!(", retried at {}", t.format("%H:%M:%S")));
            println!("{worker}: {workflow} step {} failed ({kind}{when}): {reason}", step.label());
        }
        ProgressEvent::Retrying { workflow, step, attempts, automatic: true } => {
            println!(
                "{worker}: {workflow} retrying step {} after {attempts} failed attempt(s)",
                step.label()
            );
        }
        ProgressEvent::LeaseReleased { workflow } => println!("{worker}: released {workflow}"),
        ProgressEvent::WorkerBackoff { error, wait } => {
            println!("{worker}: store error, retrying in {:.1}s: {error}", wait.as_secs_f64());
        }
        _ => {}
    }
}

/// Prints the progress feed of the demo organizations from now on (a task per organization).
async fn follow(store: &Arc<dyn Store>, demo: &[(TenantContext, WorkflowId)]) -> Result<()> {
    use futures::StreamExt;
    let mut orgs: Vec<TenantContext> = demo.iter().map(|(ctx, _)| *ctx).collect();
    orgs.sort_by_key(|c| c.org_id);
    orgs.dedup_by_key(|c| c.org_id);
    for ctx in orgs {
        let mut feed = store.subscribe_progress(&ctx).await?;
        tokio::spawn(async move {
            while let Some(event) = feed.next().await {
                match event {
                    Ok(ProgressEvent::StateChanged { workflow, from, to, .. }) => {
                        println!("feed: {workflow} {from} → {to}");
                    }
                    Ok(ProgressEvent::ItemsDone { workflow, step, count, last }) => {
                        println!("feed: {workflow} {}: {count} done (last: {last})", step.label());
                    }
                    Ok(_) => {}
                    Err(e) => println!("feed: {e}"),
                }
            }
        });
    }
    println!("following the progress feed of the demo organizations");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "interrupted",
        () = term => "terminated",
    }
}

/// Resolves once every workflow in `ids` is `COMPLETED`.
async fn all_done(store: &dyn Store, ids: &[(TenantContext, WorkflowId)]) {
    loop {
        let mut done = 0;
        for (ctx, id) in ids {
            if let Ok(Some(w)) = store.get_workflow(ctx, *id).await
                && w.state == WorkflowState::Completed
            {
                done += 1;
            }
        }
        if done == ids.len() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Creates `n` demo workflows over three organizations (ids derived from the index, so a rerun
/// finds them again).
async fn create_demo(
    store: &Arc<dyn Store>,
    providers: &infin8_core::provider::Providers,
    config: &PipelineConfig,
    n: usize,
) -> Result<Vec<(TenantContext, WorkflowId)>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let engine =
        Engine::builder().store(store.clone()).providers(providers.clone()).config(config.clone()).build()?;
    let mut out = Vec::new();
    for i in 0..n {
        let org_name = format!("Worker demo {}", i % 3 + 1);
        let org_id = OrgId::derive(&[b"worker-demo-org", org_name.as_bytes()]);
        let ctx = TenantContext::user(
            org_id,
            UserId::derive(&[b"worker-demo-owner", org_name.as_bytes()]),
            Role::Owner,
        );
        if store.get_organization(&ctx).await?.is_none() {
            let mut new = NewOrganization::new(org_name.clone(), Plan::Pro);
            new.id = Some(org_id);
            new.business_description = Some(
                "Product analytics software for B2B SaaS teams: funnels, retention, feature adoption.".into(),
            );
            store.create_organization(&ctx, new).await?;
        }
        let id = WorkflowId::derive(&[b"worker-demo-workflow", i.to_string().as_bytes()]);
        if store.get_workflow(&ctx, id).await?.is_none() {
            engine
                .create_workflow(
                    &ctx,
                    CreateWorkflow {
                        id: Some(id),
                        title: format!("Demo campaign {}", i + 1),
                        description: None,
                        competitor_urls: vec!["https://www.mixpanel.com/".into(), "amplitude.com".into()],
                        settings: WorkflowSettings::default(),
                    },
                )
                .await?;
        }
        out.push((ctx, id));
    }
    Ok(out)
}

/// SQLite by default; PostgreSQL when `DATABASE_URL` says so.
async fn open_store(data_dir: &Path, connections: u32) -> Result<(Arc<dyn Store>, String)> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        #[cfg(feature = "postgres")]
        {
            // Connect once first for a clear error (address, refused or bad password), then pool.
            drop(infin8::postgres::PgStore::connect(&url).await?);
            let pool = infin8::postgres::sqlx::postgres::PgPoolOptions::new()
                .max_connections(connections)
                .connect(&url)
                .await?;
            let store = infin8::postgres::PgStore::from_pool(pool);
            store.migrate().await?;
            return Ok((Arc::new(store), format!("postgresql ({connections} connections)")));
        }
        #[cfg(not(feature = "postgres"))]
        {
            let _ = connections;
            bail!("DATABASE_URL points at PostgreSQL: build with `--features postgres`");
        }
    }
    let path = data_dir.join("infin8.sqlite");
    let store = infin8::sqlite::SqliteStore::open(&path).await?;
    Ok((Arc::new(store), format!("sqlite {}", path.display())))
}
