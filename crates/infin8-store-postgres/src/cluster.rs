//! Topic clusters and their validations, replaced atomically per workflow.

use crate::error::map_sqlx;
use crate::rows::{get, wire};
use crate::store::{PgStore, commit};
use crate::workflow::require_workflow;
use async_trait::async_trait;
use infin8_core::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use infin8_core::organization::Permission;
use infin8_core::store::ClusterStore;
use infin8_core::{ClusterId, Error, KeywordId, OrgId, Result, TenantContext, ValidationId, WorkflowId};
use sqlx::postgres::PgRow;
use std::collections::HashSet;
use uuid::Uuid;

const SPOKE_COLUMNS: &str = "id, organization_id, workflow_id, hub_keyword_id, spoke_keyword_id, similarity_score, cluster_type, created_at";
const VALIDATION_COLUMNS: &str = "id, organization_id, workflow_id, hub_keyword_id, validation_status, \
    avg_similarity, spoke_count, reasons, metadata, created_at";

fn spoke(row: &PgRow, op: &'static str) -> Result<ClusterSpoke> {
    Ok(ClusterSpoke {
        id: ClusterId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        hub_keyword_id: KeywordId::from_uuid(get(row, "hub_keyword_id", op)?),
        spoke_keyword_id: KeywordId::from_uuid(get(row, "spoke_keyword_id", op)?),
        similarity: get(row, "similarity_score", op)?,
        cluster_type: wire(row, "cluster_type", op)?,
        created_at: get(row, "created_at", op)?,
    })
}

fn validation(row: &PgRow, op: &'static str) -> Result<ClusterValidation> {
    Ok(ClusterValidation {
        id: ValidationId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        hub_keyword_id: KeywordId::from_uuid(get(row, "hub_keyword_id", op)?),
        status: wire(row, "validation_status", op)?,
        avg_similarity: get(row, "avg_similarity", op)?,
        spoke_count: get(row, "spoke_count", op)?,
        reasons: get(row, "reasons", op)?,
        metadata: get(row, "metadata", op)?,
        created_at: get(row, "created_at", op)?,
    })
}

/// `NotFound` naming the first of `ids` that is not a keyword of `workflow_id` in the caller's
/// organization.
async fn require_keywords(
    conn: &mut sqlx::PgConnection,
    workflow_id: WorkflowId,
    ids: &[Uuid],
    op: &'static str,
) -> Result<()> {
    let found: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM keywords WHERE workflow_id = $1 AND id = ANY($2)")
            .bind(workflow_id.as_uuid())
            .bind(ids)
            .fetch_all(conn)
            .await
            .map_err(|e| map_sqlx(op, e))?;
    let found: HashSet<Uuid> = found.into_iter().collect();
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(Error::not_found(infin8_core::Entity::Keyword, missing)),
        None => Ok(()),
    }
}

async fn list_spokes(
    conn: &mut sqlx::PgConnection,
    workflow_id: WorkflowId,
    op: &'static str,
) -> Result<Vec<ClusterSpoke>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SPOKE_COLUMNS} FROM topic_clusters WHERE workflow_id = $1 \
         ORDER BY hub_keyword_id, similarity_score DESC, spoke_keyword_id"
    )))
    .bind(workflow_id.as_uuid())
    .fetch_all(conn)
    .await
    .map_err(|e| map_sqlx(op, e))?;
    rows.iter().map(|r| spoke(r, op)).collect()
}

#[async_trait]
impl ClusterStore for PgStore {
    async fn replace_clusters(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        spokes: &[NewClusterSpoke],
    ) -> Result<Vec<ClusterSpoke>> {
        const OP: &str = "replace_clusters";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut seen = HashSet::new();
        for s in spokes {
            if s.hub_keyword_id == s.spoke_keyword_id {
                return Err(Error::invalid("spoke_keyword_id", "a hub cannot be its own spoke"));
            }
            if !seen.insert(s.spoke_keyword_id) {
                return Err(Error::invalid("spoke_keyword_id", "a keyword is the spoke of two hubs"));
            }
        }
        let mut tx = self.begin(ctx, OP).await?;
        require_workflow(&mut tx, workflow_id, OP).await?;
        let mut keyword_ids: Vec<Uuid> =
            spokes.iter().flat_map(|s| [s.hub_keyword_id.as_uuid(), s.spoke_keyword_id.as_uuid()]).collect();
        keyword_ids.sort_unstable();
        keyword_ids.dedup();
        require_keywords(&mut tx, workflow_id, &keyword_ids, OP).await?;
        sqlx::query("DELETE FROM cluster_validation_results WHERE workflow_id = $1")
            .bind(workflow_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        sqlx::query("DELETE FROM topic_clusters WHERE workflow_id = $1")
            .bind(workflow_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        if !spokes.is_empty() {
            let ids: Vec<Uuid> = spokes.iter().map(|_| ClusterId::new().as_uuid()).collect();
            let hubs: Vec<Uuid> = spokes.iter().map(|s| s.hub_keyword_id.as_uuid()).collect();
            let spoke_ids: Vec<Uuid> = spokes.iter().map(|s| s.spoke_keyword_id.as_uuid()).collect();
            let sims: Vec<f32> = spokes.iter().map(|s| s.similarity).collect();
            let types: Vec<&str> = spokes.iter().map(|s| s.cluster_type.as_str()).collect();
            sqlx::query(
                "INSERT INTO topic_clusters (id, organization_id, workflow_id, hub_keyword_id, spoke_keyword_id, \
                 similarity_score, cluster_type) \
                 SELECT u.id, $1, $2, u.hub, u.spoke, u.sim, u.kind \
                 FROM UNNEST($3::uuid[], $4::uuid[], $5::uuid[], $6::real[], $7::text[]) AS u(id, hub, spoke, sim, kind)",
            )
            .bind(ctx.org_id.as_uuid())
            .bind(workflow_id.as_uuid())
            .bind(&ids)
            .bind(&hubs)
            .bind(&spoke_ids)
            .bind(&sims)
            .bind(&types)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        }
        let stored = list_spokes(&mut tx, workflow_id, OP).await?;
        commit(tx, OP).await?;
        Ok(stored)
    }

    async fn list_clusters(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>> {
        const OP: &str = "list_clusters";
        let mut tx = self.begin(ctx, OP).await?;
        let stored = list_spokes(&mut tx, workflow_id, OP).await?;
        commit(tx, OP).await?;
        Ok(stored)
    }

    async fn replace_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation],
    ) -> Result<Vec<ClusterValidation>> {
        const OP: &str = "replace_validations";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut seen = HashSet::new();
        if let Some(dup) = validations.iter().find(|v| !seen.insert(v.hub_keyword_id)) {
            return Err(Error::invalid(
                "hub_keyword_id",
                format!("hub {} appears twice", dup.hub_keyword_id),
            ));
        }
        let mut tx = self.begin(ctx, OP).await?;
        require_workflow(&mut tx, workflow_id, OP).await?;
        let hubs: Vec<Uuid> = validations.iter().map(|v| v.hub_keyword_id.as_uuid()).collect();
        require_keywords(&mut tx, workflow_id, &hubs, OP).await?;
        sqlx::query("DELETE FROM cluster_validation_results WHERE workflow_id = $1")
            .bind(workflow_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        if !validations.is_empty() {
            let ids: Vec<Uuid> = validations.iter().map(|_| ValidationId::new().as_uuid()).collect();
            let statuses: Vec<&str> = validations.iter().map(|v| v.status.as_str()).collect();
            let avgs: Vec<f32> = validations.iter().map(|v| v.avg_similarity).collect();
            let counts: Vec<i64> = validations.iter().map(|v| v.spoke_count).collect();
            // text[][] cannot be ragged: pass the reasons as JSON arrays and unpack them.
            let reasons: Vec<serde_json::Value> =
                validations.iter().map(|v| serde_json::Value::from(v.reasons.clone())).collect();
            let metadata: Vec<serde_json::Value> = validations.iter().map(|v| v.metadata.clone()).collect();
            sqlx::query(
                "INSERT INTO cluster_validation_results (id, organization_id, workflow_id, hub_keyword_id, \
                 validation_status, avg_similarity, spoke_count, reasons, metadata) \
                 SELECT u.id, $1, $2, u.hub, u.status, u.avg, u.spokes, \
                 ARRAY(SELECT jsonb_array_elements_text(u.reasons)), u.metadata \
                 FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::real[], $7::int8[], $8::jsonb[], $9::jsonb[]) \
                 AS u(id, hub, status, avg, spokes, reasons, metadata)",
            )
            .bind(ctx.org_id.as_uuid())
            .bind(workflow_id.as_uuid())
            .bind(&ids)
            .bind(&hubs)
            .bind(&statuses)
            .bind(&avgs)
            .bind(&counts)
            .bind(&reasons)
            .bind(&metadata)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VALIDATION_COLUMNS} FROM cluster_validation_results WHERE workflow_id = $1 ORDER BY hub_keyword_id"
        )))
        .bind(workflow_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| validation(r, OP)).collect()
    }

    async fn list_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<ClusterValidation>> {
        const OP: &str = "list_validations";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VALIDATION_COLUMNS} FROM cluster_validation_results WHERE workflow_id = $1 ORDER BY hub_keyword_id"
        )))
        .bind(workflow_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| validation(r, OP)).collect()
    }
}
