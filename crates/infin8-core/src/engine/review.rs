//! The human gates: seed review (step 3) and, when configured, subtopic review (step 8).
//!
//! Decisions are recorded as approvals (one per keyword; a later decision replaces an earlier
//! one). A gate passes on the next `advance` (or at once, from the approving call) when every
//! item has a decision. With `auto_approve_seeds` / [`SubtopicReview::Auto`] the engine records
//! the undecided items as approved by the system, and says so in a progress event and in each
//! approval's feedback.

use super::builder::Engine;
use super::config::SubtopicReview;
use super::progress::ProgressEvent;
use super::run::Advance;
use super::step::list_keywords;
use crate::approval::{Approval, ApprovalEntityType, Decision, NewApproval};
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::{KeywordId, WorkflowId};
use crate::keyword::{Keyword, KeywordQuery, KeywordType, KeywordUpdate, StepStatus};
use crate::organization::Permission;
use crate::tenant::{Actor, TenantContext};
use crate::workflow::{Phase, Step, Workflow, WorkflowCounts, WorkflowState, WorkflowUpdate};
use std::collections::{HashMap, HashSet};

/// The feedback recorded on system auto-approvals.
pub const AUTO_APPROVAL_FEEDBACK: &str = "auto-approved by the engine (configuration)";

impl Engine {
    /// Approves seed keywords (bulk) while the workflow waits in `SEED_REVIEW_PENDING`; the gate
    /// passes once every seed has a decision.
    ///
    /// # Errors
    /// `Forbidden` without [`Permission::Approve`]; `NotFound` for an unknown workflow or an id
    /// that is not one of its seeds; `Conflict(WrongState)` outside the gate.
    pub async fn approve_seeds(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        seeds: &[KeywordId],
    ) -> Result<Vec<Approval>> {
        self.record_review(ctx, workflow, ApprovalEntityType::SeedKeywords, seeds, Decision::Approved, None)
            .await
    }

    /// Rejects seed keywords (bulk), with optional feedback.
    ///
    /// # Errors
    /// As [`approve_seeds`](Self::approve_seeds).
    pub async fn reject_seeds(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        seeds: &[KeywordId],
        feedback: Option<String>,
    ) -> Result<Vec<Approval>> {
        self.record_review(
            ctx,
            workflow,
            ApprovalEntityType::SeedKeywords,
            seeds,
            Decision::Rejected,
            feedback,
        )
        .await
    }

    /// Approves keywords' subtopics (bulk) while the workflow waits in
    /// `SUBTOPIC_AWAITING_REVIEW`.
    ///
    /// # Errors
    /// As [`approve_seeds`](Self::approve_seeds); ids must be keywords with subtopics.
    pub async fn approve_subtopics(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        keywords: &[KeywordId],
    ) -> Result<Vec<Approval>> {
        self.record_review(ctx, workflow, ApprovalEntityType::Subtopics, keywords, Decision::Approved, None)
            .await
    }

    /// Rejects keywords' subtopics (bulk): those keywords get no article.
    ///
    /// # Errors
    /// As [`approve_subtopics`](Self::approve_subtopics).
    pub async fn reject_subtopics(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        keywords: &[KeywordId],
        feedback: Option<String>,
    ) -> Result<Vec<Approval>> {
        self.record_review(
            ctx,
            workflow,
            ApprovalEntityType::Subtopics,
            keywords,
            Decision::Rejected,
            feedback,
        )
        .await
    }

    /// Records one decision with feedback on items of a gate (seeds for
    /// [`ApprovalEntityType::SeedKeywords`], keywords with subtopics for
    /// [`ApprovalEntityType::Subtopics`]), as the member of `ctx`: what the `approve_*` and
    /// `reject_*` methods do, with feedback on approvals too.
    ///
    /// # Errors
    /// As [`approve_seeds`](Self::approve_seeds).
    pub async fn record_review(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        entity: ApprovalEntityType,
        ids: &[KeywordId],
        decision: Decision,
        feedback: Option<String>,
    ) -> Result<Vec<Approval>> {
        ctx.role.require(Permission::Approve)?;
        let wf = self.load(ctx, workflow).await?;
        let gate = gate_state(entity);
        if wf.state != gate {
            return Err(Error::conflict(
                Entity::Workflow,
                workflow,
                ConflictReason::WrongState(format!(
                    "decisions are taken in {gate}, the workflow is in {}",
                    wf.state
                )),
            ));
        }
        let items: HashSet<KeywordId> =
            self.gate_items(ctx, workflow, entity).await?.iter().map(|k| k.id).collect();
        if let Some(bad) = ids.iter().find(|id| !items.contains(id)) {
            return Err(Error::not_found(Entity::Keyword, bad));
        }
        let new: Vec<NewApproval> = ids
            .iter()
            .map(|id| NewApproval {
                workflow_id: workflow,
                entity_type: entity,
                entity_id: id.as_uuid(),
                decision,
                feedback: feedback.clone(),
                confidence: None,
            })
            .collect();
        let recorded = self.inner.store.record_approvals(ctx, &new).await?;
        // Pass the gate now if that was the last decision (a lost race is fine: someone else did).
        let wf = self.load(ctx, workflow).await?;
        if wf.state == gate {
            let _ = match entity {
                ApprovalEntityType::Subtopics => self.subtopic_gate(ctx, wf).await?,
                _ => self.seed_gate(ctx, wf).await?,
            };
        }
        Ok(recorded)
    }

    /// The items a gate decides on: seeds, or keywords with generated subtopics.
    async fn gate_items(
        &self,
        ctx: &TenantContext,
        workflow: WorkflowId,
        entity: ApprovalEntityType,
    ) -> Result<Vec<Keyword>> {
        let all = list_keywords(self.inner.store.as_ref(), ctx, KeywordQuery::workflow(workflow)).await?;
        Ok(match entity {
            ApprovalEntityType::Subtopics => {
                all.into_iter().filter(|k| k.subtopics_status == StepStatus::Completed).collect()
            }
            _ => all.into_iter().filter(|k| k.keyword_type == KeywordType::Seed).collect(),
        })
    }

    pub(crate) async fn seed_gate(&self, ctx: &TenantContext, wf: Workflow) -> Result<Advance> {
        let auto = self.inner.config.auto_approve_seeds;
        self.gate(ctx, wf, ApprovalEntityType::SeedKeywords, auto).await
    }

    pub(crate) async fn subtopic_gate(&self, ctx: &TenantContext, wf: Workflow) -> Result<Advance> {
        let auto = self.inner.config.subtopic_review == SubtopicReview::Auto;
        self.gate(ctx, wf, ApprovalEntityType::Subtopics, auto).await
    }

    async fn gate(
        &self,
        ctx: &TenantContext,
        wf: Workflow,
        entity: ApprovalEntityType,
        auto: bool,
    ) -> Result<Advance> {
        let step = if entity == ApprovalEntityType::Subtopics { Step::Subtopics } else { Step::SeedReview };
        let items = self.gate_items(ctx, wf.id, entity).await?;
        let approvals = self.inner.store.list_approvals(ctx, wf.id, Some(entity)).await?;
        let decided: HashMap<uuid::Uuid, &Approval> = approvals.iter().map(|a| (a.entity_id, a)).collect();
        let undecided: Vec<&Keyword> =
            items.iter().filter(|k| !decided.contains_key(&k.id.as_uuid())).collect();
        if !undecided.is_empty() {
            if !auto {
                let pending = undecided.len() as u64;
                self.inner
                    .announce(ctx, vec![ProgressEvent::AwaitingApproval { workflow: wf.id, step, pending }])
                    .await;
                return Ok(Advance::AwaitingApproval { step, pending });
            }
            let system = TenantContext::system(ctx.org_id);
            let new: Vec<NewApproval> = undecided
                .iter()
                .map(|k| NewApproval {
                    workflow_id: wf.id,
                    entity_type: entity,
                    entity_id: k.id.as_uuid(),
                    decision: Decision::Approved,
                    feedback: Some(AUTO_APPROVAL_FEEDBACK.to_string()),
                    confidence: k.decision_confidence,
                })
                .collect();
            self.inner.store.record_approvals(&system, &new).await?;
            self.inner
                .announce(
                    ctx,
                    vec![ProgressEvent::AutoApproved { workflow: wf.id, step, approved: new.len() as u64 }],
                )
                .await;
        }
        if entity == ApprovalEntityType::SeedKeywords {
            // Mark seeds a human approved as user-selected.
            let approvals = self.inner.store.list_approvals(ctx, wf.id, Some(entity)).await?;
            let updates: Vec<KeywordUpdate> = approvals
                .iter()
                .filter(|a| matches!(a.decided_by, Actor::User(_)))
                .map(|a| KeywordUpdate {
                    user_selected: Some(a.decision == Decision::Approved),
                    ..KeywordUpdate::new(KeywordId::from_uuid(a.entity_id))
                })
                .collect();
            if !updates.is_empty() {
                self.inner.store.update_keywords(ctx, &updates).await?;
            }
            // The gate's counter, written once as it passes.
            let approved = approvals.iter().filter(|a| a.decision == Decision::Approved).count();
            let counts = WorkflowCounts { approved_seeds: super::steps::count(approved), ..wf.counts };
            if counts != wf.counts {
                let update = WorkflowUpdate { counts: Some(counts), ..WorkflowUpdate::default() };
                self.inner.store.update_workflow(ctx, wf.id, update).await?;
            }
        }
        self.moved(ctx, &wf, WorkflowState::At(step, Phase::Completed), Some("every item decided".into()))
            .await
    }
}

fn gate_state(entity: ApprovalEntityType) -> WorkflowState {
    match entity {
        ApprovalEntityType::Subtopics => WorkflowState::At(Step::Subtopics, Phase::AwaitingReview),
        _ => WorkflowState::At(Step::SeedReview, Phase::Pending),
    }
}
