//! Topic clusters and their validations, replaced per workflow.

use super::MemoryStore;
use crate::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use crate::error::{Error, Result};
use crate::ids::{ClusterId, ValidationId, WorkflowId};
use crate::organization::Permission;
use crate::store::ClusterStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;
use std::collections::HashSet;

#[async_trait]
impl ClusterStore for MemoryStore {
    async fn replace_clusters(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        spokes: &[NewClusterSpoke],
    ) -> Result<Vec<ClusterSpoke>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.workflow(ctx, workflow_id)?;
        let mut seen = HashSet::new();
        for s in spokes {
            state.keyword_in(ctx, workflow_id, s.hub_keyword_id)?;
            state.keyword_in(ctx, workflow_id, s.spoke_keyword_id)?;
            if s.hub_keyword_id == s.spoke_keyword_id {
                return Err(Error::invalid("spoke_keyword_id", "a hub cannot be its own spoke"));
            }
            if !seen.insert(s.spoke_keyword_id) {
                return Err(Error::invalid(
                    "spoke_keyword_id",
                    "a keyword is the spoke of more than one hub",
                ));
            }
        }
        let now = Utc::now();
        let mut rows: Vec<ClusterSpoke> = spokes
            .iter()
            .map(|s| ClusterSpoke {
                id: ClusterId::new(),
                organization_id: ctx.org_id,
                workflow_id,
                hub_keyword_id: s.hub_keyword_id,
                spoke_keyword_id: s.spoke_keyword_id,
                similarity: s.similarity,
                cluster_type: s.cluster_type,
                created_at: now,
            })
            .collect();
        sort_spokes(&mut rows);
        state.clusters.insert(workflow_id, rows.clone());
        state.validations.remove(&workflow_id);
        Ok(rows)
    }

    async fn list_clusters(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>> {
        let state = self.lock();
        if state.workflow(ctx, workflow_id).is_err() {
            return Ok(Vec::new());
        }
        Ok(state.clusters.get(&workflow_id).cloned().unwrap_or_default())
    }

    async fn replace_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation],
    ) -> Result<Vec<ClusterValidation>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        state.workflow(ctx, workflow_id)?;
        let mut seen = HashSet::new();
        for v in validations {
            state.keyword_in(ctx, workflow_id, v.hub_keyword_id)?;
            if !seen.insert(v.hub_keyword_id) {
                return Err(Error::invalid("hub_keyword_id", "a hub appears twice"));
            }
        }
        let now = Utc::now();
        let mut rows: Vec<ClusterValidation> = validations
            .iter()
            .map(|v| ClusterValidation {
                id: ValidationId::new(),
                organization_id: ctx.org_id,
                workflow_id,
                hub_keyword_id: v.hub_keyword_id,
                status: v.status,
                avg_similarity: v.avg_similarity,
                spoke_count: v.spoke_count,
                reasons: v.reasons.clone(),
                metadata: v.metadata.clone(),
                created_at: now,
            })
            .collect();
        rows.sort_by_key(|v| v.hub_keyword_id);
        state.validations.insert(workflow_id, rows.clone());
        Ok(rows)
    }

    async fn list_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<ClusterValidation>> {
        let state = self.lock();
        if state.workflow(ctx, workflow_id).is_err() {
            return Ok(Vec::new());
        }
        Ok(state.validations.get(&workflow_id).cloned().unwrap_or_default())
    }
}

/// The listing order: hub, similarity descending, spoke.
fn sort_spokes(rows: &mut [ClusterSpoke]) {
    rows.sort_by(|a, b| {
        a.hub_keyword_id
            .cmp(&b.hub_keyword_id)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.spoke_keyword_id.cmp(&b.spoke_keyword_id))
    });
}
