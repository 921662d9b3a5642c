//! The subcommands.

mod review;
mod run;

use crate::workspace::{Fallible, Workspace, fail};
use crate::{Cli, Command, ExportWhat, FormatArg};
use infin8::core::workflow::{Phase, WorkflowState};
use infin8::export::{self, Format};
use infin8::report::ReportInfo;
use infin8::snapshot::WorkflowSnapshot;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn dispatch(cli: Cli) -> Fallible<ExitCode> {
    match cli.command {
        Command::Init { org, business, competitors, force } => {
            init(&cli.config, &org, business, competitors, force)
        }
        Command::Run { auto_approve, report } => {
            run::run(&Workspace::open(&cli.config).await?, auto_approve, report).await
        }
        Command::Review { gate, action } => {
            let ws = Workspace::open(&cli.config).await?;
            review::review(&ws, gate, action, cli.member.as_deref()).await
        }
        Command::Status => status(&Workspace::open(&cli.config).await?).await,
        Command::Retry => run::retry(&Workspace::open(&cli.config).await?).await,
        Command::Cancel => cancel(&Workspace::open(&cli.config).await?).await,
        Command::Export { what, format, output } => {
            export_cmd(&Workspace::open(&cli.config).await?, what, format, output.as_deref()).await
        }
        Command::Report { output } => {
            let ws = Workspace::open(&cli.config).await?;
            let path =
                write_report(&ws, output, "offline or environment providers (see `infin8 run`)").await?;
            println!("report: {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init(
    path: &Path,
    org: &str,
    business: Option<String>,
    competitors: Vec<String>,
    force: bool,
) -> Fallible<ExitCode> {
    if path.exists() && !force {
        return fail(format!("{} already exists (use --force to overwrite it)", path.display()));
    }
    let business = business.unwrap_or_else(|| {
        format!(
            "{org} sells … to … Describe what you sell, to whom, and what makes it different, in two or three sentences."
        )
    });
    let competitors = if competitors.is_empty() {
        vec!["https://www.competitor-one.example/".to_owned(), "competitor-two.example".to_owned()]
    } else {
        competitors
    };
    let text = infin8::config::template(org, &business, &competitors);
    // The written file must load: a name with odd characters is escaped, never a broken file.
    infin8::config::Config::parse(&text, path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    println!("wrote {}: check the business description and competitors, then `infin8 run`", path.display());
    Ok(ExitCode::SUCCESS)
}

async fn status(ws: &Workspace) -> Fallible<ExitCode> {
    let Some(w) = ws.workflow().await? else {
        println!(
            "organization {:?}: no workflow yet (start it with `infin8 run`)",
            ws.config.organization.name
        );
        return Ok(ExitCode::SUCCESS);
    };
    let c = &w.counts;
    println!("campaign   {} ({})", w.title, w.id);
    println!("store      {}", ws.store_description);
    match w.state.step() {
        Some(step) => println!("state      {} (step {} of 10: {})", w.state, step.number(), step.label()),
        None => println!("state      {}", w.state),
    }
    println!(
        "keywords   {} seeds ({} approved), {} longtails, {} kept by filtering",
        c.seed_keywords, c.approved_seeds, c.longtail_keywords, c.filtered_keywords
    );
    println!("clusters   {} ({} valid)", c.clusters, c.valid_clusters);
    let articles = ws.store.list_articles(&ws.owner, w.id).await?;
    let published = articles.iter().filter(|a| a.wordpress_url.is_some()).count();
    let failed = articles.iter().filter(|a| a.error.is_some() && a.wordpress_url.is_none()).count();
    println!(
        "articles   {} written, {published} published{}",
        articles.len(),
        if failed > 0 {
            format!(", {failed} not publishable (see `infin8 export articles`)")
        } else {
            String::new()
        }
    );
    println!(
        "cost       {} spent of an estimated {}; budget {}",
        w.actual_cost,
        w.estimated_cost,
        w.settings.budget.map_or("none".to_owned(), |b| b.to_string())
    );
    if let WorkflowState::At(step, Phase::Failed) = w.state {
        println!(
            "failure    step {} failed {} time(s){}: {}",
            step.label(),
            w.attempts,
            w.failure_kind.map_or(String::new(), |k| format!(" ({k}: {})", k.advice())),
            w.last_error.as_deref().unwrap_or("no reason recorded")
        );
        match w.next_attempt_at {
            Some(at) => println!(
                "next try   {} UTC (`infin8 run` waits for it; `infin8 retry` retries now)",
                at.format("%Y-%m-%d %H:%M:%S")
            ),
            None => println!("next try   none scheduled: fix the cause, then `infin8 retry`"),
        }
    }
    if let Some(lease) = &w.lease
        && lease.expires_at > chrono::Utc::now()
    {
        println!("running    by {} (lease until {} UTC)", lease.owner, lease.expires_at.format("%H:%M:%S"));
    }
    match w.state {
        WorkflowState::At(infin8::core::workflow::Step::SeedReview, Phase::Pending) => {
            println!("next       review the seeds: `infin8 review seeds`");
        }
        WorkflowState::At(infin8::core::workflow::Step::Subtopics, Phase::AwaitingReview) => {
            println!("next       review the subtopics: `infin8 review subtopics`");
        }
        WorkflowState::Completed => println!("next       `infin8 report` for the full picture"),
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

async fn cancel(ws: &Workspace) -> Fallible<ExitCode> {
    ws.existing_workflow().await?;
    let chosen = ws.providers().await?;
    let engine = ws.engine(&chosen, false, std::sync::Arc::new(infin8::core::engine::NoProgress))?;
    let w = engine.cancel(&ws.owner, ws.workflow_id).await?;
    println!("workflow {} is {}", w.id, w.state);
    Ok(ExitCode::SUCCESS)
}

async fn export_cmd(
    ws: &Workspace,
    what: ExportWhat,
    format: FormatArg,
    output: Option<&Path>,
) -> Fallible<ExitCode> {
    let w = ws.existing_workflow().await?;
    let s = WorkflowSnapshot::load(ws.store.as_ref(), &ws.owner, w.id).await?;
    let format = match format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let mut buffer = Vec::new();
    match what {
        ExportWhat::Keywords => export::write(&export::keywords(&s), format, &mut buffer)?,
        ExportWhat::Clusters => export::write(&export::clusters(&s), format, &mut buffer)?,
        ExportWhat::Articles => export::write(&export::articles(&s), format, &mut buffer)?,
    }
    match output {
        Some(path) => {
            std::fs::write(path, &buffer)?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), &buffer)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the report (default `report.html` next to the config); returns its path.
pub async fn write_report(ws: &Workspace, output: Option<PathBuf>, providers: &str) -> Fallible<PathBuf> {
    let w = ws.existing_workflow().await?;
    let s = WorkflowSnapshot::load(ws.store.as_ref(), &ws.owner, w.id).await?;
    let info = ReportInfo {
        organization: ws.config.organization.name.clone(),
        providers: providers.to_owned(),
        settings: ws.report_settings(),
        generated_by: "infin8 report".into(),
    };
    let path = output.unwrap_or_else(|| ws.dir.join("report.html"));
    std::fs::write(&path, infin8::report::render(&s, &info))?;
    Ok(path)
}
