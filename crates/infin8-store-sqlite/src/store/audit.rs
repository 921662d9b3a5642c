use super::{SqliteStore, cursor, page};
use crate::codec::{self, get_actor, get_id, get_json, get_opt_id, get_ts};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use infin8_core::error::{ConflictReason, Entity, Error, Result};
use infin8_core::ids::{AuditId, WorkflowId};
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::AuditStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_opt_id(r, 2)?,
        actor: get_actor(r, 3)?,
        action: r.get(4)?,
        entity_type: r.get(5)?,
        entity_id: r.get(6)?,
        details: get_json(r, 7)?,
        created_at: get_ts(r, 8)?,
    })
}

const INSERT_AUDIT: &str = "INSERT INTO intent_audit_logs (organization_id, id, workflow_id, actor_user_id, action, \
     entity_type, entity_id, details, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/// Appends an audit entry written by the store itself (fresh id), inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) fn insert_system_audit(
    s: &Scoped<'_>,
    ctx: &TenantContext,
    workflow_id: Option<WorkflowId>,
    action: &str,
    entity_type: &str,
    entity_id: Option<String>,
    details: &serde_json::Value,
    now: &str,
) -> Res<()> {
    s.execute(
        INSERT_AUDIT,
        &[
            &codec::id(AuditId::new()),
            &codec::opt_id(workflow_id),
            &codec::actor(ctx.actor),
            &action,
            &entity_type,
            &entity_id,
            &codec::json(details)?,
            &now,
        ],
    )?;
    Ok(())
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry> {
        ctx.role.require(Permission::RunWorkflows)?;
        let ctx = *ctx;
        self.db
            .write("append_audit", move |tx| {
                let s = Scoped::new(tx, ctx.org_id);
                if let Some(wf) = entry.workflow_id {
                    super::workflow::require_workflow(&s, wf)?;
                } else {
                    super::organization::require_org(&s)?;
                }
                let now = Utc::now();
                let inserted = s.execute(
                    INSERT_AUDIT,
                    &[
                        &codec::id(entry.id),
                        &codec::opt_id(entry.workflow_id),
                        &codec::actor(ctx.actor),
                        &entry.action,
                        &entry.entity_type,
                        &entry.entity_id,
                        &codec::json(&entry.details)?,
                        &codec::ts(now),
                    ],
                );
                match inserted {
                    Err(Fail::Sql(e)) if super::is_unique_violation(&e) => {
                        return Err(Error::conflict(
                            Entity::AuditEntry,
                            entry.id,
                            ConflictReason::AlreadyExists,
                        )
                        .into());
                    }
                    other => other?,
                };
                Ok(AuditEntry {
                    id: entry.id,
                    organization_id: ctx.org_id,
                    workflow_id: entry.workflow_id,
                    actor: ctx.actor,
                    action: entry.action,
                    entity_type: entry.entity_type,
                    entity_id: entry.entity_id,
                    details: entry.details,
                    created_at: now,
                })
            })
            .await
    }

    async fn list_audit(&self, ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>> {
        let org = ctx.org_id;
        self.db
            .read("list_audit", move |tx| {
                let after = cursor(query.cursor.as_ref())?;
                let limit = page_size(query.limit);
                let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
                let rows = Scoped::new(tx, org).rows(
                    "SELECT id, organization_id, workflow_id, actor_user_id, action, entity_type, entity_id, details, \
                     created_at FROM intent_audit_logs \
                     WHERE organization_id = ?1 AND (?2 IS NULL OR workflow_id = ?2) AND (?3 IS NULL OR id > ?3) \
                     ORDER BY id LIMIT ?4",
                    &[&codec::opt_id(query.workflow_id), &after, &fetch],
                    audit_row,
                )?;
                Ok(page(rows, limit, |e| e.id.to_string()))
            })
            .await
    }
}
