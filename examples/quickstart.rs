//! The whole pipeline, from a business description and two competitors to published articles.
//!
//! Run with `cargo run --release --example quickstart`.
//!
//! - Creates (or reopens) `infin8-quickstart/infin8.sqlite` (`--data-dir` to choose the folder),
//!   an organization with a business description and two competitor URLs (`--org NAME` picks or
//!   creates another one: several tenants in one database; `--business TEXT` and `--competitor
//!   URL` (repeatable) try your own business), and runs its workflow to `COMPLETED`. For your own
//!   campaign with human review, use the `infin8` command (`cargo run --release -- init`).
//! - Offline by default: fixture keyword data about the business's own topics (phrases of its
//!   description), a built-in research corpus, a scripted stand-in language model, lexical hashing
//!   embeddings, and a publisher writing HTML files into `<data-dir>/published/`. Offline calls
//!   are charged at simulated list prices (what the real services would cost), so the report shows
//!   a realistic cost and the workflow budget applies; nothing is paid. With the providers'
//!   environment variables set (`DATAFORSEO_LOGIN` + `DATAFORSEO_PASSWORD`, `TAVILY_API_KEY`,
//!   `OPENAI_API_KEY` (+ `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL`, `OPENAI_BASE_URL`),
//!   `WORDPRESS_URL` + `WORDPRESS_USERNAME` + `WORDPRESS_APP_PASSWORD`; the full list, with the
//!   base-URL overrides, is in the `infin8-providers` README) each role uses the real service
//!   instead: the same command. A partly configured service stops the program naming the missing
//!   variable, and every real service's credentials are checked before anything is spent. Then
//!   the offline roles left are free, so the cost shown is only real spending.
//! - The human gates (seed review, subtopic review) are passed by recorded *system* approvals,
//!   and the program says so.
//! - Re-running resumes the same workflow instead of starting over (`--new` starts another one).
//! - With `DATABASE_URL=postgres://…` (and the `postgres` feature) it uses PostgreSQL instead,
//!   migrating first.
//! - Ends with a summary table and a self-contained HTML report, `<data-dir>/report.html`,
//!   written by the same code as `infin8 report` (`infin8::report`); the store and providers are
//!   chosen by `infin8::setup`, as the `infin8` command does.

use anyhow::{Context, Result, bail};
use clap::Parser;
use infin8::progress::TerminalProgress;
use infin8::report::ReportInfo;
use infin8::setup::{ChosenProviders, choose_providers, open_store};
use infin8::snapshot::{WorkflowSnapshot, record_step_costs};
use infin8_core::approval::ApprovalEntityType;
use infin8_core::cluster::{HubSpokeConfig, ValidationRules, ValidationStatus};
use infin8_core::engine::{Advance, ArticleScope, CreateWorkflow, Engine, PipelineConfig, SubtopicReview};
use infin8_core::error::{ConflictReason, Error};
use infin8_core::keyword::{FilterStatus, Keyword, KeywordType, StepStatus};
use infin8_core::ledger::{BillingPeriod, LedgerScope, UsageMetric};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::Store;
use infin8_core::workflow::{Workflow, WorkflowSettings};
use infin8_core::{OrgId, TenantContext, Usd, UserId, WorkflowId};
use infin8_providers::OfflineProviders;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Run the whole infin8 pipeline for one organization, offline by default.")]
struct Args {
    /// The organization to use (created when missing).
    #[arg(long, default_value = "Northwind Analytics")]
    org: String,
    /// Where the SQLite file, published posts and the report go.
    #[arg(long, default_value = "infin8-quickstart")]
    data_dir: PathBuf,
    /// Start a new workflow instead of resuming the organization's last one.
    #[arg(long)]
    new: bool,
    /// Most articles to write.
    #[arg(long, default_value_t = 6)]
    articles: usize,
    /// What the business does, for whom (default: a demo B2B analytics company). Used when the
    /// organization is created, and for the offline keyword data.
    #[arg(long)]
    business: Option<String>,
    /// A competitor's site (repeatable; default: two analytics vendors). Used when a workflow is
    /// created.
    #[arg(long = "competitor")]
    competitors: Vec<String>,
}

const BUSINESS: &str = "Northwind Analytics makes product analytics software for B2B SaaS companies. \
Product managers and growth teams use it to track feature adoption, build funnels and cohorts, \
measure retention and churn, and run A/B tests without writing SQL. It connects to the data \
warehouse, respects customer privacy (GDPR-ready, self-hosting option), and is priced per \
tracked user so small teams can start free.";

const COMPETITORS: [&str; 2] = ["https://www.mixpanel.com/", "amplitude.com"];

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let data_dir = args.data_dir.canonicalize()?;

    let opened = open_store(&data_dir.join("infin8.sqlite")).await?;
    let (store, backend) = (opened.store, opened.description);
    let business = args.business.clone().unwrap_or_else(|| BUSINESS.to_owned());
    if args.business.is_none() && args.org != "Northwind Analytics" {
        println!(
            "note: {:?} uses the demo business description (B2B product analytics); pass --business \"…\" \
             to describe yours",
            args.org
        );
    }
    let offline = OfflineProviders::new(data_dir.join("published")).business_description(business.clone());
    let chosen = choose_providers(offline).await?;
    println!("infin8 quickstart — store: {backend}, providers: {}", chosen.describe());
    for check in &chosen.checked {
        println!("  checked {check}");
    }

    let bars = Arc::new(TerminalProgress::new());
    let engine = Engine::builder()
        .store(store.clone())
        .providers(chosen.providers.clone())
        .config(pipeline_config(args.articles, chosen.lexical_embeddings()))
        .progress(bars.clone())
        .worker(format!("quickstart-{}", std::process::id()))
        .sleeper(infin8_providers::runtime::tokio_sleeper())
        .blocking(infin8_providers::runtime::tokio_blocking())
        .build()?;

    let ctx = organization(store.as_ref(), &args.org, &business).await?;
    let competitors: Vec<String> = if args.competitors.is_empty() {
        COMPETITORS.iter().map(|s| (*s).to_string()).collect()
    } else {
        args.competitors.clone()
    };
    let workflow = workflow(&engine, &ctx, args.new, competitors).await?;
    println!("organization {:?} ({}), workflow {} in {}", args.org, ctx.org_id, workflow.id, workflow.state);
    println!(
        "note: the seed and subtopic review gates are auto-approved by recorded system decisions (demo mode)"
    );

    if workflow.state == infin8_core::workflow::WorkflowState::Completed {
        let report = write_report(store.as_ref(), &ctx, &args.org, &chosen, workflow.id, &data_dir).await?;
        println!(
            "this workflow is already complete; its report: {}\n  `--new` starts another campaign for {:?}; \
             `--org NAME --business \"…\" --competitor URL` tries another business; \
             `cargo run --release -- init` sets up your own campaign with human review",
            report.display(),
            args.org
        );
        return Ok(());
    }
    resume_failed(&engine, &ctx, &workflow).await?;
    let outcome = run_until_done(&engine, &ctx, workflow.id).await;
    bars.clear();
    record_step_costs(store.as_ref(), &ctx, workflow.id, &bars.cost_by_step()).await?;
    match outcome? {
        Advance::Completed => println!("workflow completed in {:.1}s", started.elapsed().as_secs_f64()),
        Advance::Failed { step, reason, kind, attempts, .. } => {
            summary(store.as_ref(), &ctx, workflow.id).await?;
            bail!(
                "step {} failed after {attempts} attempt(s) ({kind}: {}): {reason}\nrun the same command again to retry it",
                step.label(),
                kind.advice()
            );
        }
        Advance::Busy { step, owner, until } => {
            bail!(
                "step {} is being run by {owner}, whose lease holds until {} UTC; try again then \
                 (a crashed run's lease lapses by itself)",
                step.label(),
                until.format("%H:%M:%S")
            )
        }
        other => bail!("stopped: {other:?}"),
    }
    summary(store.as_ref(), &ctx, workflow.id).await?;
    let report = write_report(store.as_ref(), &ctx, &args.org, &chosen, workflow.id, &data_dir).await?;
    println!("\nreport: {}", report.display());
    Ok(())
}

/// The report, by the library's one report writer.
async fn write_report(
    store: &dyn Store,
    ctx: &TenantContext,
    org: &str,
    chosen: &ChosenProviders,
    wf: WorkflowId,
    data_dir: &Path,
) -> Result<PathBuf> {
    let snapshot = WorkflowSnapshot::load(store, ctx, wf).await?;
    let info = ReportInfo {
        organization: org.to_owned(),
        providers: chosen.describe(),
        settings: vec![("store".into(), "the quickstart's database".into())],
        generated_by: "the infin8 quickstart".into(),
    };
    let path = data_dir.join("report.html");
    std::fs::write(&path, infin8::report::render(&snapshot, &info))?;
    Ok(path)
}

/// A rerun of a failed workflow retries its failed step (the user asked by running again),
/// saying what failed and why.
async fn resume_failed(engine: &Engine, ctx: &TenantContext, workflow: &Workflow) -> Result<()> {
    let current = engine.store().get_workflow(ctx, workflow.id).await?.context("workflow vanished")?;
    if let infin8_core::workflow::WorkflowState::At(step, infin8_core::workflow::Phase::Failed) =
        current.state
    {
        let kind = current.failure_kind.unwrap_or(infin8_core::workflow::FailureKind::Permanent);
        println!(
            "retrying step {} ({}), which failed {} time(s) as {kind}: {}",
            step.label(),
            step.number(),
            current.attempts,
            current.last_error.as_deref().unwrap_or("no reason recorded")
        );
        engine.retry(ctx, workflow.id).await?;
    }
    Ok(())
}

/// Runs the workflow; waits once for a lease held by another process to lapse (a crashed run
/// holds it for at most one lease period), and on Ctrl-C gives the lease back so a rerun
/// continues at once.
async fn run_until_done(engine: &Engine, ctx: &TenantContext, id: WorkflowId) -> Result<Advance> {
    for waited in [false, true] {
        let outcome = tokio::select! {
            outcome = engine.run(ctx, id) => outcome?,
            _ = tokio::signal::ctrl_c() => {
                let released = engine.store().release_lease(ctx, id, engine.worker()).await.unwrap_or(false);
                bail!(
                    "interrupted{}; run the same command to continue where it stopped",
                    if released { " (lease released)" } else { "" }
                );
            }
        };
        match outcome {
            Advance::Busy { owner, until, .. } if !waited => {
                let wait = (until - chrono::Utc::now()).to_std().unwrap_or_default()
                    + std::time::Duration::from_millis(200);
                println!(
                    "another run ({owner}) holds this workflow until {} UTC; waiting {:.0}s for its lease to lapse",
                    until.format("%H:%M:%S"),
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
            }
            other => return Ok(other),
        }
    }
    engine.run(ctx, id).await.map_err(Into::into)
}

fn pipeline_config(articles: usize, lexical_embeddings: bool) -> PipelineConfig {
    let mut config = PipelineConfig {
        auto_approve_seeds: true,
        subtopic_review: SubtopicReview::Auto,
        article_scope: ArticleScope::HubsAndSpokes,
        ..PipelineConfig::default()
    };
    // Keywords in another language than the campaign's cannot rank for it.
    config.filter.allowed_languages = vec![config.locale.language_code.clone()];
    config.limits.max_seeds = 8;
    config.limits.longtails_per_seed = 12;
    config.limits.max_articles = articles;
    config.limits.max_sections = 5;
    config.limits.sources_per_section = 4;
    if lexical_embeddings {
        // Hashing embeddings see shared words, not meaning: their cosines run lower than a
        // sentence model's for the same paraphrases, so the thresholds are lowered to match.
        config.clustering = HubSpokeConfig { threshold: 0.55, ..HubSpokeConfig::default() };
        config.validation = ValidationRules { min_avg_similarity: 0.58, ..ValidationRules::default() };
    }
    config
}

/// The organization named `name`: its id and owner are derived from the name, so re-running
/// finds it again; created with the demo business description when missing.
async fn organization(store: &dyn Store, name: &str, business: &str) -> Result<TenantContext> {
    let org_id = OrgId::derive(&[b"quickstart-org", name.as_bytes()]);
    let owner = UserId::derive(&[b"quickstart-owner", name.as_bytes()]);
    let ctx = TenantContext::user(org_id, owner, Role::Owner);
    if store.get_organization(&ctx).await?.is_none() {
        let mut new = NewOrganization::new(name, Plan::Pro);
        new.id = Some(org_id);
        new.website_url = Some(format!("https://{}.example", infin8_core::article::slugify(name)));
        new.business_description = Some(business.into());
        new.target_audiences = vec!["product managers".into(), "growth teams".into(), "SaaS founders".into()];
        store.create_organization(&ctx, new).await?;
        println!("created organization {name:?}");
    }
    Ok(ctx)
}

/// The organization's last workflow (resumed), or a new one.
async fn workflow(
    engine: &Engine,
    ctx: &TenantContext,
    new: bool,
    competitors: Vec<String>,
) -> Result<Workflow> {
    let store = engine.store();
    let mut existing = Vec::new();
    let mut query = infin8_core::workflow::WorkflowQuery::default();
    loop {
        let page = store.list_workflows(ctx, query.clone()).await?;
        existing.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    if !new && let Some(last) = existing.pop() {
        let earlier = match existing.len() {
            0 => String::new(),
            n => format!(" ({n} earlier workflow(s) of this organization)"),
        };
        println!("resuming workflow {:?}, {}{earlier}", last.title, last.state);
        return Ok(last);
    }
    let id = WorkflowId::derive(&[ctx.org_id.to_string().as_bytes(), existing.len().to_string().as_bytes()]);
    let create = CreateWorkflow {
        id: Some(id),
        title: format!("Content campaign #{}", existing.len() + 1),
        description: Some("Pillar pages and supporting articles for product teams".into()),
        competitor_urls: competitors,
        settings: WorkflowSettings {
            budget: Some(Usd::from_micros(25_000_000)),
            ..WorkflowSettings::default()
        },
    };
    match engine.create_workflow(ctx, create).await {
        Ok(w) => Ok(w),
        Err(Error::Conflict { reason: ConflictReason::AlreadyExists, .. }) => {
            Ok(store.get_workflow(ctx, id).await?.context("workflow vanished")?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The summary table: keywords by stage, clusters, articles, cost by metric.
async fn summary(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Result<()> {
    let w = store.get_workflow(ctx, wf).await?.context("workflow")?;
    let kws = infin8::snapshot::all_keywords(store, ctx, wf).await?;
    let count = |f: &dyn Fn(&Keyword) -> bool| kws.iter().filter(|k| f(k)).count();
    let seeds_approved = store
        .list_approvals(ctx, wf, Some(ApprovalEntityType::SeedKeywords))
        .await?
        .iter()
        .filter(|a| a.decision == infin8_core::approval::Decision::Approved)
        .count();
    let validations = store.list_validations(ctx, wf).await?;
    let valid = validations.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    let articles = store.list_articles(ctx, wf).await?;

    println!("\n{:<36} {:>8}", "keywords", "count");
    println!("{}", "-".repeat(45));
    for (label, n) in [
        ("seed keywords (from competitors)", count(&|k| k.keyword_type == KeywordType::Seed)),
        ("seeds approved", seeds_approved),
        ("longtail keywords", count(&|k| k.keyword_type == KeywordType::Longtail)),
        ("kept by filtering", count(&|k| k.filter_status == FilterStatus::Approved)),
        ("rejected by filtering", count(&|k| k.filter_status == FilterStatus::Rejected)),
        ("with subtopics", count(&|k| k.subtopics_status == StepStatus::Completed)),
        ("with an article", count(&|k| k.article_status == StepStatus::Completed)),
    ] {
        println!("{label:<36} {n:>8}");
    }
    println!("\n{:<36} {:>8}", "clusters", "count");
    println!("{}", "-".repeat(45));
    println!("{:<36} {:>8}", "valid", valid);
    println!("{:<36} {:>8}", "invalid", validations.len() - valid);

    println!("\n{:<52} {:>6} {:>5} {:>5}  post", "articles", "words", "seo", "qual");
    println!("{}", "-".repeat(90));
    for a in &articles {
        println!(
            "{:<52} {:>6} {:>5.0} {:>5.0}  {}",
            a.title.chars().take(52).collect::<String>(),
            a.word_count,
            a.seo_score.unwrap_or(0.0),
            a.quality_score.unwrap_or(0.0),
            match (post_outcome(store, ctx, a).await?, a.wordpress_url.as_deref()) {
                (Some(outcome), Some(url)) => format!("{outcome} {url}"),
                _ => a.error.clone().unwrap_or_else(|| "-".into()),
            }
        );
    }

    println!("\n{:<24} {:>14}", "usage this month", "amount");
    println!("{}", "-".repeat(39));
    for u in store.list_usage(ctx, LedgerScope::Month(BillingPeriod::of(chrono::Utc::now()))).await? {
        let amount = if u.metric == UsageMetric::CostMicros {
            Usd::from_micros(u.used).to_string()
        } else {
            u.used.to_string()
        };
        println!("{:<24} {:>14}", u.metric.to_string(), amount);
    }
    println!("{:<24} {:>14}", "workflow actual cost", w.actual_cost.to_string());
    println!("{:<24} {:>14}", "workflow estimate", w.estimated_cost.to_string());
    Ok(())
}

/// What became of the article's post, as the store recorded it: "drafted", "published"…
/// (`PublishReference::outcome`), or `None` when it has no post.
async fn post_outcome(
    store: &dyn Store,
    ctx: &TenantContext,
    a: &infin8_core::article::Article,
) -> Result<Option<&'static str>> {
    Ok(store
        .list_publish_references(ctx, a.id)
        .await?
        .iter()
        .find(|r| r.status == infin8_core::publish::PublishStatus::Published)
        .map(infin8_core::publish::PublishReference::outcome))
}
