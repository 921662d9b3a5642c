//! Workflows and their transitions.

use super::MemoryStore;
use super::page::{paginate, parse_cursor};
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::{TransitionId, WorkflowId};
use crate::organization::Permission;
use crate::page::Page;
use crate::store::WorkflowStore;
use crate::tenant::TenantContext;
use crate::workflow::{
    ClaimCandidate, ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionOutcome,
    TransitionRequest, Workflow, WorkflowCounts, WorkflowQuery, WorkflowState, WorkflowUpdate,
};
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl WorkflowStore for MemoryStore {
    async fn create_workflow(&self, ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        new.validate()?;
        let mut state = self.lock();
        state.organization(ctx)?;
        let id = new.id.unwrap_or_default();
        if state.workflows.contains_key(&id) {
            return Err(Error::conflict(Entity::Workflow, id, ConflictReason::AlreadyExists));
        }
        // The charge: reserved and committed under the same lock as the creation, or nothing.
        if let Some(mut charge) = new.charge {
            if state.reservations.contains_key(&charge.id) {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    charge.id,
                    ConflictReason::AlreadyExists,
                ));
            }
            charge.workflow_id = Some(id);
            let amounts: Vec<i64> = charge.lines.iter().map(|l| l.amount).collect();
            let reserved = super::usage::reserve_locked(&mut state, ctx, charge)?;
            super::usage::commit_locked(&mut state, ctx, reserved, &amounts, None);
        }
        let now = Utc::now();
        let workflow = Workflow {
            id,
            organization_id: ctx.org_id,
            title: new.title,
            description: new.description,
            state: WorkflowState::Created,
            version: 1,
            icp_data: None,
            competitor_urls: new.competitor_urls,
            settings: new.settings,
            counts: WorkflowCounts::default(),
            estimated_cost: new.estimated_cost,
            actual_cost: crate::money::Usd::ZERO,
            metadata: new.metadata,
            last_error: None,
            lease: None,
            failure_kind: None,
            attempts: 0,
            next_attempt_at: None,
            created_by: ctx.actor.user_id(),
            created_at: now,
            updated_at: now,
            completed_at: None,
        };
        state.workflows.insert(id, workflow.clone());
        state.push_audit(
            ctx,
            Some(id),
            "workflow.created",
            "workflow",
            Some(id.to_string()),
            serde_json::json!({ "title": workflow.title }),
        );
        Ok(workflow)
    }

    async fn get_workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>> {
        Ok(self.lock().workflow(ctx, id).ok().cloned())
    }

    async fn list_workflows(&self, ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>> {
        let after = parse_cursor::<WorkflowId>(query.cursor.as_ref())?;
        let state = self.lock();
        let rows = state
            .workflows
            .values()
            .filter(|w| w.organization_id == ctx.org_id && query.state.is_none_or(|s| w.state == s))
            .cloned();
        Ok(paginate(rows, |w| w.id, after, query.limit))
    }

    async fn transition(&self, ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let current = state.workflow(ctx, request.workflow_id)?.clone();
        let id = current.id;
        let recorded = state
            .transitions
            .get(&id)
            .and_then(|ts| ts.iter().find(|t| t.idempotency_key == request.idempotency_key))
            .cloned();
        if let Some(recorded) = recorded {
            if recorded.from_state == request.from && recorded.to_state == request.to {
                return Ok(TransitionOutcome { workflow: current, transition: recorded, replayed: true });
            }
            return Err(Error::conflict(Entity::Workflow, id, ConflictReason::IdempotencyKeyReused));
        }
        let kind = request.check()?;
        if current.state != request.from || current.version != request.expected_version {
            return Err(Error::conflict(
                Entity::Workflow,
                id,
                ConflictReason::StaleWorkflow { current: current.state, version: current.version },
            ));
        }
        let now = Utc::now();
        let workflow = request.effects().apply(&current, request.to, now);
        let request_details = request.audit_details(kind, workflow.version);
        let transition = Transition {
            id: TransitionId::new(),
            organization_id: ctx.org_id,
            workflow_id: id,
            from_state: request.from,
            to_state: request.to,
            kind,
            version: workflow.version,
            actor: ctx.actor,
            reason: request.reason,
            idempotency_key: request.idempotency_key,
            metadata: request.metadata,
            created_at: now,
        };
        let details = request_details;
        state.workflows.insert(id, workflow.clone());
        state.transitions.entry(id).or_default().push(transition.clone());
        state.push_audit(ctx, Some(id), "workflow.transition", "workflow", Some(id.to_string()), details);
        Ok(TransitionOutcome { workflow, transition, replayed: false })
    }

    async fn list_transitions(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<Transition>> {
        let state = self.lock();
        state.workflow(ctx, workflow_id)?;
        Ok(state.transitions.get(&workflow_id).cloned().unwrap_or_default())
    }

    async fn update_workflow(
        &self,
        ctx: &TenantContext,
        id: WorkflowId,
        update: WorkflowUpdate,
    ) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.workflow(ctx, id)?;
        let workflow = state.workflows.get_mut(&id).ok_or_else(|| Error::not_found(Entity::Workflow, id))?;
        if let Some(icp) = update.icp_data {
            workflow.icp_data = Some(icp);
        }
        if let Some(counts) = update.counts {
            workflow.counts = counts;
        }
        if let Some(cost) = update.estimated_cost {
            workflow.estimated_cost = cost;
        }
        if let Some(cost) = update.actual_cost {
            workflow.actual_cost = cost;
        }
        if let Some(metadata) = update.metadata {
            workflow.metadata = metadata;
        }
        if let Some(settings) = update.settings {
            workflow.settings = settings;
        }
        workflow.updated_at = Utc::now();
        Ok(workflow.clone())
    }

    async fn claim_workflows(&self, request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>> {
        request.check()?;
        let mut state = self.lock();
        let candidates: Vec<ClaimCandidate> = state.workflows.values().map(ClaimCandidate::from).collect();
        let lease = request.lease();
        let mut out = Vec::new();
        for (org, id) in request.select(&candidates) {
            if let Some(w) = state.workflows.get_mut(&id) {
                w.lease = Some(lease.clone());
                out.push(ClaimedWorkflow {
                    organization_id: org,
                    workflow_id: id,
                    state: w.state,
                    lease: lease.clone(),
                });
            }
        }
        Ok(out)
    }

    async fn renew_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool> {
        self.with_lease(ctx, workflow_id, &lease.owner.clone(), |held| *held = Some(lease))
    }

    async fn release_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool> {
        self.with_lease(ctx, workflow_id, owner, |held| *held = None)
    }

    async fn publish_progress(
        &self,
        ctx: &TenantContext,
        events: &[crate::engine::ProgressEvent],
    ) -> Result<()> {
        ctx.role.require(Permission::RunWorkflows)?;
        self.progress.publish(ctx.org_id, events);
        Ok(())
    }

    async fn subscribe_progress(&self, ctx: &TenantContext) -> Result<crate::engine::feed::ProgressStream> {
        Ok(self.progress.subscribe(ctx.org_id))
    }
}

impl MemoryStore {
    /// Applies `change` to the workflow's lease if `owner` holds it; `false` (nothing changed)
    /// otherwise. Shared by renewal and release.
    fn with_lease(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        owner: &str,
        change: impl FnOnce(&mut Option<Lease>),
    ) -> Result<bool> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.workflow(ctx, workflow_id)?;
        let w = state
            .workflows
            .get_mut(&workflow_id)
            .ok_or_else(|| Error::not_found(Entity::Workflow, workflow_id))?;
        if w.lease.as_ref().is_some_and(|l| l.owner == owner) {
            change(&mut w.lease);
            return Ok(true);
        }
        Ok(false)
    }
}
