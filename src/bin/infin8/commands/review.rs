//! `infin8 review seeds|subtopics [list|approve|reject|export|import]`.

use crate::workspace::{Fallible, Workspace, fail};
use crate::{GateArg, ReviewAction, Selection};
use infin8::core::approval::{ApprovalEntityType, Decision};
use infin8::core::engine::{Engine, NoProgress};
use infin8::core::workflow::{Phase, Step, WorkflowState};
use infin8::core::{KeywordId, TenantContext};
use infin8::review::{Gate, ReviewRow, read_csv, rows, select, short_id, write_csv};
use infin8::snapshot::WorkflowSnapshot;
use std::process::ExitCode;
use std::sync::Arc;

pub async fn review(
    ws: &Workspace,
    gate: GateArg,
    action: Option<ReviewAction>,
    member: Option<&str>,
) -> Fallible<ExitCode> {
    let gate = match gate {
        GateArg::Seeds => Gate::Seeds,
        GateArg::Subtopics => Gate::Subtopics,
    };
    let w = ws.existing_workflow().await?;
    let s = WorkflowSnapshot::load(ws.store.as_ref(), &ws.owner, w.id).await?;
    let items = rows(&s, gate);
    let open = match gate {
        Gate::Seeds => w.state == WorkflowState::At(Step::SeedReview, Phase::Pending),
        Gate::Subtopics => w.state == WorkflowState::At(Step::Subtopics, Phase::AwaitingReview),
    };
    let name = if gate == Gate::Seeds { "seeds" } else { "subtopics" };
    match action.unwrap_or(ReviewAction::List) {
        ReviewAction::List => {
            list(&items, gate);
            if open {
                let undecided = items.iter().filter(|r| r.decision.is_empty()).count();
                println!(
                    "\n{undecided} without a decision; `infin8 review {name} approve|reject ID… | --pattern P | --all`"
                );
            } else {
                println!("\n(the workflow is in {}: this review is not open)", w.state);
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewAction::Export { file } => {
            write_csv(&items, std::fs::File::create(&file)?)?;
            println!(
                "wrote {} {name} to {}: fill the `decision` column (approve or reject) and optionally `feedback`, \
                 then `infin8 review {name} import {}`",
                items.len(),
                file.display(),
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ReviewAction::Import { file } => {
            let decisions = read_csv(std::fs::File::open(&file)?, &file.display().to_string(), &items)?;
            if decisions.is_empty() {
                return fail(format!("{} has no row with a decision (approve or reject)", file.display()));
            }
            let (ctx, who) = gate_open(ws, open, &w.state, member).await?;
            let engine = engine(ws)?;
            let mut approved = 0;
            let mut rejected = 0;
            // One call per distinct (decision, feedback): the engine records them in bulk.
            let mut groups: Vec<(DecisionKey, Vec<KeywordId>)> = Vec::new();
            for d in decisions {
                let key = (d.decision, signed(&who, d.feedback));
                match groups.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, ids)) => ids.push(d.id),
                    None => groups.push((key, vec![d.id])),
                }
            }
            for ((decision, feedback), ids) in groups {
                decide(&engine, &ctx, w.id, gate, decision, &ids, feedback).await?;
                if decision == Decision::Approved { approved += ids.len() } else { rejected += ids.len() }
            }
            report_decisions(ws, gate, approved, rejected, &who).await
        }
        ReviewAction::Approve(sel) => {
            apply(ws, &items, gate, open, &w.state, member, sel, Decision::Approved).await
        }
        ReviewAction::Reject(sel) => {
            apply(ws, &items, gate, open, &w.state, member, sel, Decision::Rejected).await
        }
    }
}

/// A decision and its (signed) feedback: decisions alike are recorded in one call.
type DecisionKey = (Decision, Option<String>);

#[allow(clippy::too_many_arguments)]
async fn apply(
    ws: &Workspace,
    items: &[ReviewRow],
    gate: Gate,
    open: bool,
    state: &WorkflowState,
    member: Option<&str>,
    sel: Selection,
    decision: Decision,
) -> Fallible<ExitCode> {
    if sel.ids.is_empty() && sel.patterns.is_empty() && !sel.all {
        return fail("say which: item ids, --pattern PATTERN, or --all");
    }
    let ids = select(items, &sel.ids, &sel.patterns, sel.all)?;
    let (ctx, who) = gate_open(ws, open, state, member).await?;
    let engine = engine(ws)?;
    decide(&engine, &ctx, ws.workflow_id, gate, decision, &ids, signed(&who, sel.feedback)).await?;
    let (a, r) = if decision == Decision::Approved { (ids.len(), 0) } else { (0, ids.len()) };
    report_decisions(ws, gate, a, r, &who).await
}

/// Decisions carry who took them: the approval's actor is the member's id, and the feedback
/// starts with their name (`"alice: too broad"`), so exports and the report show it.
fn signed(who: &str, feedback: Option<String>) -> Option<String> {
    Some(match feedback {
        Some(f) if !f.trim().is_empty() => format!("{who}: {}", f.trim()),
        _ => who.to_owned(),
    })
}

async fn gate_open(
    ws: &Workspace,
    open: bool,
    state: &WorkflowState,
    member: Option<&str>,
) -> Fallible<(TenantContext, String)> {
    if !open {
        return fail(format!("this review is not open: the workflow is in {state} (`infin8 status`)"));
    }
    ws.member(member).await
}

fn engine(ws: &Workspace) -> Fallible<Engine> {
    // Decisions need no provider calls: offline stand-ins (never a paid call) serve the engine.
    let providers =
        infin8::providers::OfflineProviders::new(ws.dir.join(&ws.config.publish.directory)).build()?;
    let mut config = ws.config.pipeline_config(true);
    config.auto_approve_seeds = false;
    Ok(Engine::builder()
        .store(ws.store.clone())
        .providers(providers)
        .config(config)
        .progress(Arc::new(NoProgress))
        .build()?)
}

async fn decide(
    engine: &Engine,
    ctx: &TenantContext,
    wf: infin8::core::WorkflowId,
    gate: Gate,
    decision: Decision,
    ids: &[KeywordId],
    feedback: Option<String>,
) -> Fallible<()> {
    let entity = match gate {
        Gate::Seeds => ApprovalEntityType::SeedKeywords,
        Gate::Subtopics => ApprovalEntityType::Subtopics,
    };
    engine.record_review(ctx, wf, entity, ids, decision, feedback).await?;
    // The last decision passes the gate under this engine's lease: give it back so the next
    // `infin8 run` starts at once.
    let _ = engine.store().release_lease(ctx, wf, engine.worker()).await;
    Ok(())
}

async fn report_decisions(
    ws: &Workspace,
    gate: Gate,
    approved: usize,
    rejected: usize,
    who: &str,
) -> Fallible<ExitCode> {
    let w = ws.existing_workflow().await?;
    let s = WorkflowSnapshot::load(ws.store.as_ref(), &ws.owner, w.id).await?;
    let undecided = rows(&s, gate).iter().filter(|r| r.decision.is_empty()).count();
    println!("recorded as {who}: {approved} approved, {rejected} rejected; {undecided} without a decision");
    if undecided == 0 {
        println!("the review is complete (workflow now {}): continue with `infin8 run`", w.state);
    }
    Ok(ExitCode::SUCCESS)
}

fn list(items: &[ReviewRow], gate: Gate) {
    let last = if gate == Gate::Seeds { "competitor" } else { "subtopics" };
    println!(
        "{:<8}  {:<40} {:>8} {:>4} {:<14} {:>6}  {:<9} {last}",
        "id", "keyword", "volume", "KD", "intent", "CPC", "decision"
    );
    for r in items {
        println!(
            "{:<8}  {:<40} {:>8} {:>4} {:<14} {:>6}  {:<9} {}",
            short_id(&r.id),
            r.keyword.chars().take(40).collect::<String>(),
            r.volume.map_or("-".into(), |v| v.to_string()),
            r.difficulty.map_or("-".into(), |v| v.to_string()),
            r.intent.as_deref().unwrap_or("-"),
            r.cpc.map_or("-".into(), |v| format!("{v:.2}")),
            if r.decision.is_empty() { "-" } else { &r.decision },
            r.source.chars().take(60).collect::<String>(),
        );
    }
}
