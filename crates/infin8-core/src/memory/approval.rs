//! Approvals, one per `(workflow, entity type, entity id)`.

use super::MemoryStore;
use crate::approval::{Approval, ApprovalEntityType, NewApproval};
use crate::error::Result;
use crate::ids::{ApprovalId, WorkflowId};
use crate::organization::Permission;
use crate::store::ApprovalStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl ApprovalStore for MemoryStore {
    async fn record_approvals(
        &self,
        ctx: &TenantContext,
        approvals: &[NewApproval],
    ) -> Result<Vec<Approval>> {
        ctx.role.require(Permission::Approve)?;
        let mut state = self.lock();
        for a in approvals {
            state.workflow(ctx, a.workflow_id)?;
        }
        let now = Utc::now();
        let mut out = Vec::with_capacity(approvals.len());
        for a in approvals {
            let key = (a.workflow_id, a.entity_type, a.entity_id);
            let existing = state.approval_index.get(&key).and_then(|id| state.approvals.get(id)).cloned();
            let (id, created_at) =
                existing.map_or_else(|| (ApprovalId::new(), now), |e| (e.id, e.created_at));
            let row = Approval {
                id,
                organization_id: ctx.org_id,
                workflow_id: a.workflow_id,
                entity_type: a.entity_type,
                entity_id: a.entity_id,
                decision: a.decision,
                feedback: a.feedback.clone(),
                confidence: a.confidence,
                decided_by: ctx.actor,
                created_at,
                updated_at: now,
            };
            state.approval_index.insert(key, id);
            state.approvals.insert(id, row.clone());
            state.push_audit(
                ctx,
                Some(a.workflow_id),
                "approval.recorded",
                a.entity_type.as_str(),
                Some(a.entity_id.to_string()),
                serde_json::json!({ "approval_id": id, "decision": a.decision, "feedback": a.feedback }),
            );
            out.push(row);
        }
        Ok(out)
    }

    async fn list_approvals(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>,
    ) -> Result<Vec<Approval>> {
        let state = self.lock();
        Ok(state
            .approvals
            .values()
            .filter(|a| {
                a.organization_id == ctx.org_id
                    && a.workflow_id == workflow_id
                    && entity_type.is_none_or(|t| a.entity_type == t)
            })
            .cloned()
            .collect())
    }
}
