//! The append-only audit log.

use crate::error::map_sqlx;
use crate::rows::{actor, actor_columns, cursor, get, page};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use infin8_core::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::AuditStore;
use infin8_core::{AuditId, ConflictReason, Entity, Error, OrgId, Result, TenantContext, WorkflowId};
use sqlx::postgres::PgRow;
use uuid::Uuid;

const AUDIT_COLUMNS: &str = "id, organization_id, workflow_id, actor_type, actor_id, action, entity_type, entity_id, details, created_at";

fn audit_entry(row: &PgRow, op: &'static str) -> Result<AuditEntry> {
    let workflow: Option<Uuid> = get(row, "workflow_id", op)?;
    Ok(AuditEntry {
        id: AuditId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: workflow.map(WorkflowId::from_uuid),
        actor: actor(row, "actor_type", "actor_id", op)?,
        action: get(row, "action", op)?,
        entity_type: get(row, "entity_type", op)?,
        entity_id: get(row, "entity_id", op)?,
        details: get(row, "details", op)?,
        created_at: get(row, "created_at", op)?,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry> {
        const OP: &str = "append_audit";
        ctx.role.require(Permission::RunWorkflows)?;
        if entry.action.is_empty() {
            return Err(Error::invalid("action", "empty"));
        }
        let (actor_type, actor_id) = actor_columns(ctx.actor);
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO intent_audit_logs (id, organization_id, workflow_id, actor_type, actor_id, action, \
             entity_type, entity_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {AUDIT_COLUMNS}"
        )))
        .bind(entry.id.as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(entry.workflow_id.map(|w| w.as_uuid()))
        .bind(actor_type)
        .bind(actor_id)
        .bind(&entry.action)
        .bind(&entry.entity_type)
        .bind(&entry.entity_id)
        .bind(&entry.details)
        .fetch_one(&mut *tx)
        .await;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                drop(tx);
                return Err(match map_sqlx(OP, e) {
                    // Lookups come before conflicts: a taken id with a foreign workflow is
                    // `NotFound` (checked in a fresh transaction; the failed one is aborted).
                    Error::Conflict { .. } => {
                        let mut tx = self.begin(ctx, OP).await?;
                        if let Some(w) = entry.workflow_id {
                            crate::workflow::require_workflow(&mut tx, w, OP).await?;
                        } else if !crate::organization::organization_exists(&mut tx, ctx, OP).await? {
                            return Err(Error::not_found(Entity::Organization, ctx.org_id));
                        }
                        commit(tx, OP).await?;
                        Error::conflict(Entity::AuditEntry, entry.id, ConflictReason::AlreadyExists)
                    }
                    Error::NotFound { entity: Entity::Workflow, .. } => match entry.workflow_id {
                        Some(w) => Error::not_found(Entity::Workflow, w),
                        None => Error::not_found(Entity::Organization, ctx.org_id),
                    },
                    other => other,
                });
            }
        };
        let e = audit_entry(&row, OP)?;
        commit(tx, OP).await?;
        Ok(e)
    }

    async fn list_audit(&self, ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>> {
        const OP: &str = "list_audit";
        let after = cursor(query.cursor.as_ref())?;
        let size = page_size(query.limit);
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM intent_audit_logs WHERE ($1::uuid IS NULL OR workflow_id = $1) \
             AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
        )))
        .bind(query.workflow_id.map(|w| w.as_uuid()))
        .bind(after)
        .bind(size as i64 + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let items = rows.iter().map(|r| audit_entry(r, OP)).collect::<Result<Vec<_>>>()?;
        Ok(page(items, size, |e| e.id.as_uuid()))
    }
}
