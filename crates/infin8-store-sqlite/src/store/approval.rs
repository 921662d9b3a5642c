use super::SqliteStore;
use crate::codec::{self, get_actor, get_enum, get_id, get_ts};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::approval::{Approval, ApprovalEntityType, NewApproval};
use infin8_core::error::{Entity, Error, Result};
use infin8_core::ids::{ApprovalId, WorkflowId};
use infin8_core::organization::Permission;
use infin8_core::store::ApprovalStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;
use std::collections::BTreeSet;

fn approval_row(r: &Row<'_>) -> rusqlite::Result<Approval> {
    Ok(Approval {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        entity_type: get_enum(r, 3)?,
        entity_id: get_id(r, 4)?,
        decision: get_enum(r, 5)?,
        feedback: r.get(6)?,
        confidence: r.get(7)?,
        decided_by: get_actor(r, 8)?,
        created_at: get_ts(r, 9)?,
        updated_at: get_ts(r, 10)?,
    })
}

#[async_trait]
impl ApprovalStore for SqliteStore {
    async fn record_approvals(
        &self,
        ctx: &TenantContext,
        approvals: &[NewApproval],
    ) -> Result<Vec<Approval>> {
        ctx.role.require(Permission::Approve)?;
        let ctx = *ctx;
        let approvals = approvals.to_vec();
        self.db
            .write("record_approvals", move |tx| {
                let s = Scoped::new(tx, ctx.org_id);
                let workflows: BTreeSet<WorkflowId> = approvals.iter().map(|a| a.workflow_id).collect();
                for wf in &workflows {
                    super::workflow::require_workflow(&s, *wf)?;
                }
                let now = codec::ts(Utc::now());
                let mut out = Vec::with_capacity(approvals.len());
                for a in &approvals {
                    let row = s.row(
                        "INSERT INTO intent_approvals (organization_id, id, workflow_id, entity_type, entity_id, \
                         decision, feedback, confidence, decided_by, created_at, updated_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) \
                         ON CONFLICT (workflow_id, entity_type, entity_id) DO UPDATE SET \
                         decision = excluded.decision, feedback = excluded.feedback, \
                         confidence = excluded.confidence, decided_by = excluded.decided_by, \
                         updated_at = excluded.updated_at \
                         WHERE intent_approvals.organization_id = ?1 \
                         RETURNING id, organization_id, workflow_id, entity_type, entity_id, decision, feedback, \
                         confidence, decided_by, created_at, updated_at",
                        &[
                            &codec::id(ApprovalId::new()),
                            &codec::id(a.workflow_id),
                            &a.entity_type.as_str(),
                            &codec::id(a.entity_id),
                            &a.decision.as_str(),
                            &a.feedback,
                            &a.confidence,
                            &codec::actor(ctx.actor),
                            &now,
                        ],
                        approval_row,
                    )?;
                    let approval = row.ok_or_else(|| Error::not_found(Entity::Workflow, a.workflow_id))?;
                    let details = serde_json::json!({
                        "entity_type": a.entity_type,
                        "entity_id": a.entity_id,
                        "decision": a.decision,
                        "feedback": a.feedback,
                    });
                    super::audit::insert_system_audit(
                        &s,
                        &ctx,
                        Some(a.workflow_id),
                        "approval.recorded",
                        "approval",
                        Some(approval.id.to_string()),
                        &details,
                        &now,
                    )?;
                    out.push(approval);
                }
                Ok(out)
            })
            .await
    }

    async fn list_approvals(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        entity_type: Option<ApprovalEntityType>,
    ) -> Result<Vec<Approval>> {
        let org = ctx.org_id;
        self.db
            .read("list_approvals", move |tx| {
                Scoped::new(tx, org).rows(
                    "SELECT id, organization_id, workflow_id, entity_type, entity_id, decision, feedback, confidence, \
                     decided_by, created_at, updated_at FROM intent_approvals \
                     WHERE organization_id = ?1 AND workflow_id = ?2 AND (?3 IS NULL OR entity_type = ?3) ORDER BY id",
                    &[&codec::id(workflow_id), &entity_type.map(|t| t.as_str())],
                    approval_row,
                )
            })
            .await
    }
}
