//! The append-only audit log.

use super::MemoryStore;
use super::page::{paginate, parse_cursor};
use crate::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::AuditId;
use crate::organization::Permission;
use crate::page::Page;
use crate::store::AuditStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl AuditStore for MemoryStore {
    async fn append_audit(&self, ctx: &TenantContext, entry: NewAuditEntry) -> Result<AuditEntry> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        if let Some(wf) = entry.workflow_id {
            state.workflow(ctx, wf)?;
        }
        if state.audit.contains_key(&entry.id) {
            return Err(Error::conflict(Entity::AuditEntry, entry.id, ConflictReason::AlreadyExists));
        }
        let row = AuditEntry {
            id: entry.id,
            organization_id: ctx.org_id,
            workflow_id: entry.workflow_id,
            actor: ctx.actor,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            details: entry.details,
            created_at: Utc::now(),
        };
        state.audit.insert(row.id, row.clone());
        Ok(row)
    }

    async fn list_audit(&self, ctx: &TenantContext, query: AuditQuery) -> Result<Page<AuditEntry>> {
        let after = parse_cursor::<AuditId>(query.cursor.as_ref())?;
        let state = self.lock();
        let rows = state
            .audit
            .values()
            .filter(|e| {
                e.organization_id == ctx.org_id && query.workflow_id.is_none_or(|w| e.workflow_id == Some(w))
            })
            .cloned();
        Ok(paginate(rows, |e| e.id, after, query.limit))
    }
}
