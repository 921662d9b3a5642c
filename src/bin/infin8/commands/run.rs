//! `infin8 run` and `infin8 retry`.

use crate::workspace::{Fallible, Workspace, fail};
use infin8::core::engine::{Advance, Engine};
use infin8::core::workflow::{Phase, WorkflowState};
use infin8::core::{TenantContext, WorkflowId};
use infin8::progress::TerminalProgress;
use infin8::snapshot::record_step_costs;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for a scheduled automatic retry before handing back to the user.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(15 * 60);

pub async fn run(ws: &Workspace, auto_approve: bool, report: bool) -> Fallible<ExitCode> {
    let chosen = ws.providers().await?;
    println!("infin8 — store: {}, providers: {}", ws.store_description, chosen.describe());
    for check in &chosen.checked {
        println!("  checked {check}");
    }
    let progress = Arc::new(TerminalProgress::new());
    let engine = ws.engine(&chosen, auto_approve, progress.clone())?;
    let wf = match ws.workflow().await? {
        Some(w) => {
            println!("resuming campaign {:?} ({}) in {}", w.title, w.id, w.state);
            w
        }
        None => {
            let w = ws.create_workflow(&engine).await?;
            println!(
                "started campaign {:?} ({}) for {:?}: estimated cost {}, budget {}",
                w.title,
                w.id,
                ws.config.organization.name,
                w.estimated_cost,
                ws.config.budget()
            );
            w
        }
    };
    if auto_approve {
        println!("note: --auto-approve passes the seed review by a recorded system decision");
    }
    let outcome = drive(&engine, &ws.owner, wf.id).await;
    progress.clear();
    record_step_costs(ws.store.as_ref(), &ws.owner, wf.id, &progress.cost_by_step()).await?;
    let code = match outcome? {
        Advance::Completed => {
            let w = ws.existing_workflow().await?;
            let articles = ws.store.list_articles(&ws.owner, w.id).await?;
            let published = articles.iter().filter(|a| a.wordpress_url.is_some()).count();
            println!(
                "completed: {} articles written, {published} published, {} valid clusters; cost {} of an estimated {}",
                articles.len(),
                w.counts.valid_clusters,
                w.actual_cost,
                w.estimated_cost
            );
            if published < articles.len() {
                println!(
                    "{} article(s) failed a guard and were not published: `infin8 export articles` says which and why",
                    articles.len() - published
                );
            }
            if !report {
                println!("next: `infin8 report` (HTML), `infin8 export keywords|clusters|articles`");
            }
            ExitCode::SUCCESS
        }
        Advance::AwaitingApproval { step, pending } => {
            let what = if step == infin8::core::workflow::Step::Subtopics { "subtopics" } else { "seeds" };
            println!(
                "waiting for review: {pending} {what} without a decision.\n  list them:   infin8 review {what}\n  \
                 decide:      infin8 review {what} approve --all   (or by id, --pattern, or export/import a CSV)\n  \
                 then:        infin8 run"
            );
            ExitCode::SUCCESS
        }
        Advance::Failed { step, reason, kind, attempts, .. } => {
            eprintln!(
                "step {} failed after {attempts} attempt(s) ({kind}: {}): {reason}\nfix the cause, then `infin8 retry`",
                step.label(),
                kind.advice()
            );
            ExitCode::FAILURE
        }
        Advance::Busy { step, owner, until } => {
            eprintln!(
                "step {} is being run by {owner} until {} UTC; try again then (a crashed run's lease lapses by itself)",
                step.label(),
                until.format("%H:%M:%S")
            );
            ExitCode::FAILURE
        }
        Advance::Cancelled => {
            println!("the workflow is cancelled; change the campaign title in the config to start a new one");
            ExitCode::FAILURE
        }
        other => {
            eprintln!("stopped: {other:?}");
            ExitCode::FAILURE
        }
    };
    if report {
        let path = super::write_report(ws, None, &chosen.describe()).await?;
        println!("report: {}", path.display());
    }
    Ok(code)
}

/// Runs the workflow: waits for a lease held elsewhere to lapse (once), retries due temporary
/// failures as a worker would ([`Engine::retry_automatically`], waiting up to
/// [`MAX_RETRY_WAIT`] for the scheduled time), and gives the lease back on Ctrl-C.
async fn drive(engine: &Engine, ctx: &TenantContext, id: WorkflowId) -> Fallible<Advance> {
    let mut waited_for_lease = false;
    loop {
        let w = engine.store().get_workflow(ctx, id).await?;
        if let Some(w) = &w
            && let WorkflowState::At(step, Phase::Failed) = w.state
        {
            match (w.failure_kind, w.next_attempt_at) {
                (Some(kind), Some(at)) if kind.retries_automatically() => {
                    let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                    if wait > MAX_RETRY_WAIT {
                        return fail(format!(
                            "step {} failed ({kind}); its automatic retry is due at {} UTC; run again then, or `infin8 retry` now",
                            step.label(),
                            at.format("%H:%M:%S")
                        ));
                    }
                    if !wait.is_zero() {
                        eprintln!(
                            "step {} failed temporarily; retrying in {:.0}s",
                            step.label(),
                            wait.as_secs_f64()
                        );
                        tokio::time::sleep(wait + Duration::from_millis(50)).await;
                    }
                    engine.retry_automatically(ctx, id).await?;
                }
                _ => {}
            }
        }
        let outcome = tokio::select! {
            outcome = engine.run(ctx, id) => outcome?,
            _ = tokio::signal::ctrl_c() => {
                let released = engine.store().release_lease(ctx, id, engine.worker()).await.unwrap_or(false);
                return fail(format!(
                    "interrupted{}; `infin8 run` continues where it stopped",
                    if released { " (lease released)" } else { "" }
                ));
            }
        };
        match outcome {
            Advance::Busy { owner, until, .. } if !waited_for_lease => {
                waited_for_lease = true;
                let wait =
                    (until - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200);
                eprintln!(
                    "another run ({owner}) holds this workflow until {} UTC; waiting {:.0}s for its lease to lapse",
                    until.format("%H:%M:%S"),
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
            }
            Advance::Failed { kind, next_attempt_at: Some(_), .. } if kind.retries_automatically() => {
                // Loop: the check above waits for the scheduled time and retries.
            }
            other => return Ok(other),
        }
    }
}

pub async fn retry(ws: &Workspace) -> Fallible<ExitCode> {
    let w = ws.existing_workflow().await?;
    let WorkflowState::At(step, Phase::Failed) = w.state else {
        return fail(format!("nothing to retry: the workflow is in {} (not a failed step)", w.state));
    };
    let chosen = ws.providers().await?;
    let engine = ws.engine(&chosen, false, Arc::new(infin8::core::engine::NoProgress))?;
    engine.retry(&ws.owner, w.id).await?;
    println!(
        "retrying step {} (failed {} time(s): {})",
        step.label(),
        w.attempts,
        w.last_error.as_deref().unwrap_or("no reason recorded")
    );
    run(ws, false, false).await
}
