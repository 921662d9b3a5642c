//! Approvals at the human gates.

use crate::error::map_sqlx;
use crate::rows::{actor, actor_columns, get, wire};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use infin8_core::approval::{Approval, ApprovalEntityType, NewApproval};
use infin8_core::organization::Permission;
use infin8_core::store::ApprovalStore;
use infin8_core::{ApprovalId, AuditId, Entity, Error, OrgId, Result, TenantContext, WorkflowId};
use sqlx::postgres::PgRow;
use std::collections::HashSet;
use uuid::Uuid;

const APPROVAL_COLUMNS: &str = "id, organization_id, workflow_id, entity_type, entity_id, decision, feedback, \
    confidence, approver_type, approver_id, created_at, updated_at";

fn approval(row: &PgRow, op: &'static str) -> Result<Approval> {
    Ok(Approval {
        id: ApprovalId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        entity_type: wire(row, "entity_type", op)?,
        entity_id: get(row, "entity_id", op)?,
        decision: wire(row, "decision", op)?,
        feedback: get(row, "feedback", op)?,
        confidence: get(row, "confidence", op)?,
        decided_by: actor(row, "approver_type", "approver_id", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
    })
}

#[async_trait]
impl ApprovalStore for PgStore {
    async fn record_approvals(
        &self,
        ctx: &TenantContext,
        approvals: &[NewApproval],
    ) -> Result<Vec<Approval>> {
        const OP: &str = "record_approvals";
        ctx.role.require(Permission::Approve)?;
        let (actor_type, actor_id) = actor_columns(ctx.actor);
        let mut tx = self.begin(ctx, OP).await?;
        let workflows: HashSet<WorkflowId> = approvals.iter().map(|a| a.workflow_id).collect();
        let wanted: Vec<Uuid> = workflows.iter().map(|w| w.as_uuid()).collect();
        let found: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM intent_workflows WHERE id = ANY($1)")
            .bind(&wanted)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        if let Some(missing) = approvals.iter().find(|a| !found.contains(&a.workflow_id.as_uuid())) {
            return Err(Error::not_found(Entity::Workflow, missing.workflow_id));
        }
        // In order: a later decision on the same entity replaces an earlier one, also within
        // one batch. One statement per decision, all in this transaction.
        let mut out = Vec::with_capacity(approvals.len());
        for a in approvals {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH ap AS (INSERT INTO intent_approvals (id, organization_id, workflow_id, entity_type, entity_id, \
                 decision, feedback, confidence, approver_type, approver_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (workflow_id, entity_type, entity_id) DO UPDATE SET decision = EXCLUDED.decision, \
                 feedback = EXCLUDED.feedback, confidence = EXCLUDED.confidence, \
                 approver_type = EXCLUDED.approver_type, approver_id = EXCLUDED.approver_id, updated_at = now() \
                 RETURNING *), \
                 audit AS (INSERT INTO intent_audit_logs (id, organization_id, workflow_id, actor_type, actor_id, \
                 action, entity_type, entity_id, details) \
                 SELECT $11, organization_id, workflow_id, $9, $10, 'approval.recorded', entity_type, \
                 entity_id::text, jsonb_build_object('decision', decision, 'feedback', feedback, 'approval_id', id) \
                 FROM ap) \
                 SELECT {APPROVAL_COLUMNS} FROM ap"
            )))
            .bind(ApprovalId::new().as_uuid())
            .bind(ctx.org_id.as_uuid())
            .bind(a.workflow_id.as_uuid())
            .bind(a.entity_type.as_str())
            .bind(a.entity_id)
            .bind(a.decision.as_str())
            .bind(&a.feedback)
            .bind(a.confidence)
            .bind(actor_type)
            .bind(actor_id)
            .bind(AuditId::new().as_uuid())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
            out.push(approval(&row, OP)?);
        }
        commit(tx, OP).await?;
        // Report each entity's final decision (a batch may decide one entity twice).
        let last: std::collections::HashMap<(WorkflowId, ApprovalEntityType, Uuid), Approval> =
            out.iter().map(|a| ((a.workflow_id, a.entity_type, a.entity_id), a.clone())).collect();
        Ok(out
            .into_iter()
            .map(|a| last.get(&(a.workflow_id, a.entity_type, a.entity_id)).cloned().unwrap_or(a))
            .collect())
    }

    async fn list_approvals(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>,
    ) -> Result<Vec<Approval>> {
        const OP: &str = "list_approvals";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPROVAL_COLUMNS} FROM intent_approvals WHERE workflow_id = $1 \
             AND ($2::text IS NULL OR entity_type = $2) ORDER BY id"
        )))
        .bind(workflow_id.as_uuid())
        .bind(entity_type.map(|t| t.as_str()))
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| approval(r, OP)).collect()
    }
}
