//! The whole pipeline, from a business description and two competitors to published articles.
//!
//! Run with `cargo run --release --example quickstart`.
//!
//! - Creates (or reopens) `infin8-quickstart/infin8.sqlite` (`--data-dir` to choose the folder),
//!   an organization with a business description and two competitor URLs (`--org NAME` picks or
//!   creates another one: several tenants in one database), and runs its workflow to `COMPLETED`.
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
//! - Ends with a summary table and a self-contained HTML report, `<data-dir>/report.html`.

use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use infin8_core::approval::ApprovalEntityType;
use infin8_core::cluster::{HubSpokeConfig, ValidationRules, ValidationStatus};
use infin8_core::engine::{
    Advance, ArticleScope, CreateWorkflow, Engine, PipelineConfig, ProgressEvent, ProgressSink,
    SubtopicReview,
};
use infin8_core::error::{ConflictReason, Error};
use infin8_core::keyword::{FilterStatus, Keyword, KeywordQuery, KeywordType, StepStatus};
use infin8_core::ledger::{BillingPeriod, LedgerScope, UsageMetric};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::provider::Providers;
use infin8_core::store::Store;
use infin8_core::workflow::{Step, Workflow, WorkflowSettings};
use infin8_core::{KeywordId, OrgId, TenantContext, Usd, UserId, WorkflowId};
use infin8_providers::OfflineProviders;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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

    let (store, backend) = open_store(&data_dir).await?;
    let (providers, real) = choose_providers(&data_dir.join("published")).await?;
    println!(
        "infin8 quickstart — store: {backend}, providers: {}",
        if real.is_empty() {
            "offline (fixture keywords, built-in corpus, scripted model, hashing embeddings, files; \
             simulated list prices)"
                .to_string()
        } else {
            format!("real for {}, offline for the rest", real.join(", "))
        }
    );

    let bars = Arc::new(Bars::new());
    let offline_embeddings = !real.contains(&"embeddings");
    let engine = Engine::builder()
        .store(store.clone())
        .providers(providers)
        .config(pipeline_config(args.articles, offline_embeddings))
        .progress(bars.clone())
        .worker(format!("quickstart-{}", std::process::id()))
        .sleeper(infin8_providers::runtime::tokio_sleeper())
        .blocking(infin8_providers::runtime::tokio_blocking())
        .build()?;

    let ctx = organization(store.as_ref(), &args.org).await?;
    let workflow = workflow(&engine, &ctx, args.new).await?;
    println!("organization {:?} ({}), workflow {} in {}", args.org, ctx.org_id, workflow.id, workflow.state);
    println!(
        "note: the seed and subtopic review gates are auto-approved by recorded system decisions (demo mode)"
    );

    resume_failed(&engine, &ctx, &workflow).await?;
    let outcome = run_until_done(&engine, &ctx, workflow.id).await;
    bars.clear();
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
    let report = data_dir.join("report.html");
    std::fs::write(&report, report_html(store.as_ref(), &ctx, workflow.id).await?)?;
    println!("\nreport: {}", report.display());
    Ok(())
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

/// SQLite by default; PostgreSQL when `DATABASE_URL` says so.
async fn open_store(data_dir: &Path) -> Result<(Arc<dyn Store>, String)> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        #[cfg(feature = "postgres")]
        {
            let store = infin8::postgres::PgStore::connect(&url).await?;
            store.migrate().await?;
            return Ok((Arc::new(store), "postgresql (migrated)".into()));
        }
        #[cfg(not(feature = "postgres"))]
        bail!("DATABASE_URL points at PostgreSQL: build with `--features postgres`");
    }
    let path = data_dir.join("infin8.sqlite");
    let existed = path.exists();
    let store = infin8::sqlite::SqliteStore::open(&path).await?;
    let what = if existed { "reopened" } else { "created" };
    Ok((Arc::new(store), format!("sqlite {} ({what})", path.display())))
}

/// The providers: [`infin8_providers::from_env_with`] (the library's one selection — a partly
/// configured service is an error naming the missing variable), offline stand-ins about the demo
/// business for the rest, then [`Providers::preflight`]: every real service's credentials are
/// checked before anything is spent, and a failure stops here naming the variable to fix.
/// Returns the providers and the roles that are real.
///
/// All offline, calls are charged at simulated list prices; alongside a real service, the offline
/// roles are free, so simulated and real money never mix in one total.
async fn choose_providers(publish_dir: &Path) -> Result<(Providers, Vec<&'static str>)> {
    let offline = OfflineProviders::new(publish_dir).business_description(BUSINESS);
    let (providers, selection) = infin8_providers::from_env_with(offline)
        .map_err(|e| anyhow::anyhow!("provider configuration: {e}"))?;
    let roles = [
        (selection.keywords, "keywords"),
        (selection.web, "web research"),
        (selection.llm, "language model"),
        (selection.embedder, "embeddings"),
        (selection.publisher, "publisher"),
    ];
    let real: Vec<&'static str> = roles.iter().filter(|(b, _)| b.is_real()).map(|(_, r)| *r).collect();
    if !real.is_empty() {
        match providers.preflight().await {
            Ok(checks) => {
                for check in checks.iter().filter(|c| matches!(c.outcome, Ok(Some(_)))) {
                    println!("  checked {check}");
                }
            }
            Err(e) => bail!("{e}\nfix the variable named above and run again"),
        }
    }
    Ok((providers, real))
}

fn pipeline_config(articles: usize, lexical_embeddings: bool) -> PipelineConfig {
    let mut config = PipelineConfig {
        auto_approve_seeds: true,
        subtopic_review: SubtopicReview::Auto,
        article_scope: ArticleScope::HubsAndSpokes,
        ..PipelineConfig::default()
    };
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
async fn organization(store: &dyn Store, name: &str) -> Result<TenantContext> {
    let org_id = OrgId::derive(&[b"quickstart-org", name.as_bytes()]);
    let owner = UserId::derive(&[b"quickstart-owner", name.as_bytes()]);
    let ctx = TenantContext::user(org_id, owner, Role::Owner);
    if store.get_organization(&ctx).await?.is_none() {
        let mut new = NewOrganization::new(name, Plan::Pro);
        new.id = Some(org_id);
        new.website_url = Some(format!("https://{}.example", infin8_core::article::slugify(name)));
        new.business_description = Some(BUSINESS.into());
        new.target_audiences = vec!["product managers".into(), "growth teams".into(), "SaaS founders".into()];
        store.create_organization(&ctx, new).await?;
        println!("created organization {name:?}");
    }
    Ok(ctx)
}

/// The organization's last workflow (resumed), or a new one.
async fn workflow(engine: &Engine, ctx: &TenantContext, new: bool) -> Result<Workflow> {
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
        println!("resuming the last workflow ({} earlier)", existing.len());
        return Ok(last);
    }
    let id = WorkflowId::derive(&[ctx.org_id.to_string().as_bytes(), existing.len().to_string().as_bytes()]);
    let create = CreateWorkflow {
        id: Some(id),
        title: format!("Content campaign #{}", existing.len() + 1),
        description: Some("Pillar pages and supporting articles for product teams".into()),
        competitor_urls: COMPETITORS.iter().map(|s| (*s).to_string()).collect(),
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

/// Progress bars per step, drawn from the engine's events.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Step, ProgressBar>>,
}

impl Bars {
    fn new() -> Self {
        Self { multi: MultiProgress::new(), bars: Mutex::new(HashMap::new()) }
    }

    fn bar(&self, step: Step) -> ProgressBar {
        let mut bars = self.bars.lock().expect("bars");
        bars.entry(step)
            .or_insert_with(|| {
                let bar = self.multi.add(ProgressBar::new(0));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>18} [{bar:30}] {pos:>3}/{len:<3} {wide_msg}")
                        .expect("template")
                        .progress_chars("=> "),
                );
                bar.set_prefix(format!("{:>2}. {}", step.number(), step.label()));
                bar
            })
            .clone()
    }

    fn clear(&self) {
        for bar in self.bars.lock().expect("bars").values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}

impl ProgressSink for Bars {
    fn event(&self, event: &ProgressEvent) {
        match event {
            ProgressEvent::StepStarted { step, .. } => self.bar(*step).set_message("running"),
            ProgressEvent::ItemsPlanned { step, total, .. } => self.bar(*step).set_length(*total),
            ProgressEvent::ItemDone { step, label, .. } => {
                let bar = self.bar(*step);
                bar.inc(1);
                bar.set_message(label.chars().take(60).collect::<String>());
            }
            ProgressEvent::StepFinished { step, .. } => {
                let bar = self.bar(*step);
                bar.set_length(bar.position().max(1));
                bar.set_position(bar.length().unwrap_or(1));
                bar.finish_with_message("done");
            }
            ProgressEvent::StepFailed { step, reason, .. } => {
                self.bar(*step).abandon_with_message(format!("FAILED: {reason}"))
            }
            ProgressEvent::AutoApproved { step, approved, .. } => {
                let bar = self.bar(*step);
                bar.set_length(*approved);
                bar.set_position(*approved);
                bar.finish_with_message(format!("auto-approved {approved} (system decision, demo mode)"));
            }
            ProgressEvent::AwaitingApproval { step, pending, .. } => {
                self.bar(*step).set_message(format!("waiting for {pending} decisions"));
            }
            _ => {}
        }
    }
}

async fn keywords(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Result<Vec<Keyword>> {
    let mut out = Vec::new();
    let mut query = KeywordQuery { limit: Some(10_000), ..KeywordQuery::workflow(wf) };
    loop {
        let page = store.list_keywords(ctx, query.clone()).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The summary table: keywords by stage, clusters, articles, cost by metric.
async fn summary(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Result<()> {
    let w = store.get_workflow(ctx, wf).await?.context("workflow")?;
    let kws = keywords(store, ctx, wf).await?;
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A self-contained HTML report: each cluster as a hub-and-spoke SVG, and the articles with
/// links to their published files.
async fn report_html(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Result<String> {
    let w = store.get_workflow(ctx, wf).await?.context("workflow")?;
    let kws: HashMap<KeywordId, Keyword> =
        keywords(store, ctx, wf).await?.into_iter().map(|k| (k.id, k)).collect();
    let name = |id: &KeywordId| kws.get(id).map_or("?".to_string(), |k| k.keyword.clone());
    let spokes = store.list_clusters(ctx, wf).await?;
    let validations = store.list_validations(ctx, wf).await?;
    let articles = store.list_articles(ctx, wf).await?;
    let mut html = String::new();
    write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>infin8 report — {title}</title><style>
body{{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}}
.clusters{{display:flex;flex-wrap:wrap;gap:1rem}} .card{{border:1px solid #ddd;border-radius:8px;padding:.5rem}}
.valid{{border-color:#3a3}} .invalid{{border-color:#c55;opacity:.75}} table{{border-collapse:collapse}}
td,th{{padding:.3rem .6rem;border-bottom:1px solid #eee;text-align:left}} small{{color:#666}}
</style></head><body><h1>{title}</h1><p>State <b>{state}</b> · actual cost {cost} · estimate {est} · {n} clusters · {a} articles</p><h2>Topic clusters</h2><div class=\"clusters\">",
        title = esc(&w.title),
        state = w.state,
        cost = w.actual_cost,
        est = w.estimated_cost,
        n = validations.len(),
        a = articles.len(),
    )?;
    for v in &validations {
        let mine: Vec<_> = spokes.iter().filter(|s| s.hub_keyword_id == v.hub_keyword_id).collect();
        let (cx, cy, r) = (170.0_f64, 150.0_f64, 105.0_f64);
        let mut svg = String::new();
        for (i, s) in mine.iter().enumerate() {
            let angle = std::f64::consts::TAU * i as f64 / mine.len().max(1) as f64;
            let (x, y) = (cx + r * angle.cos(), cy + r * angle.sin());
            write!(
                svg,
                "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x:.0}\" y2=\"{y:.0}\" stroke=\"#9ab\" stroke-width=\"{:.1}\"/><circle cx=\"{x:.0}\" cy=\"{y:.0}\" r=\"5\" fill=\"#58a\"/><text x=\"{x:.0}\" y=\"{:.0}\" font-size=\"10\" text-anchor=\"middle\">{} ({:.2})</text>",
                1.0 + 3.0 * f64::from(s.similarity).max(0.0),
                y + 15.0,
                esc(&name(&s.spoke_keyword_id)),
                s.similarity
            )?;
        }
        write!(
            html,
            "<div class=\"card {status}\"><svg width=\"340\" height=\"300\" viewBox=\"0 0 340 300\">{svg}<circle cx=\"{cx}\" cy=\"{cy}\" r=\"9\" fill=\"#e83\"/><text x=\"{cx}\" y=\"{:.0}\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">{hub}</text></svg><br><small>{status} · avg similarity {avg:.2} · {n} spokes{why}</small></div>",
            cy - 14.0,
            status = v.status,
            hub = esc(&name(&v.hub_keyword_id)),
            avg = v.avg_similarity,
            n = v.spoke_count,
            why = if v.reasons.is_empty() {
                String::new()
            } else {
                format!(" · {}", esc(&v.reasons.join(", ")))
            },
        )?;
    }
    html.push_str("</div><h2>Articles</h2><table><tr><th>title</th><th>keyword</th><th>intent</th><th>words</th><th>SEO</th><th>quality</th><th>guards</th><th>post</th></tr>");
    for a in &articles {
        let link = match (post_outcome(store, ctx, a).await?, a.wordpress_url.as_deref()) {
            (Some(outcome), Some(u)) => format!("<a href=\"{}\">{outcome}</a>", esc(u)),
            _ => esc(a.error.as_deref().unwrap_or("-")),
        };
        // Guard results, stored per article in its provenance (`provenance.guards`).
        let guards = a.provenance["guards"].as_array().cloned().unwrap_or_default();
        let passed = guards.iter().filter(|g| g["passed"] == true).count();
        let details: String = guards
            .iter()
            .map(|g| {
                format!(
                    "<li>{} {}: {}{}</li>",
                    if g["passed"] == true { "✔" } else { "✘" },
                    esc(g["guard"].as_str().unwrap_or("")),
                    esc(g["measurement"].as_str().unwrap_or("")),
                    g["fix"].as_str().map_or(String::new(), |f| format!(" <i>(fixed: {})</i>", esc(f)))
                )
            })
            .collect();
        write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td><td><details><summary>{passed}/{} passed</summary><ul>{details}</ul></details></td><td>{link}</td></tr>",
            esc(&a.title),
            esc(&name(&a.keyword_id)),
            esc(a.provenance["intent"].as_str().unwrap_or("-")),
            a.word_count,
            a.seo_score.unwrap_or(0.0),
            a.quality_score.unwrap_or(0.0),
            guards.len(),
        )?;
    }
    html.push_str("</table><p><small>Generated by the infin8 quickstart. Offline runs use a scripted stand-in language model whose sections quote the built-in research corpus (extractive, cited, marked as an offline draft); an article failing a guard is not published.</small></p></body></html>\n");
    Ok(html)
}
