use super::SqliteStore;
use crate::codec::{self, get_enum, get_id, get_json, get_ts};
use crate::error::Res;
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::cluster::{ClusterSpoke, ClusterValidation, NewClusterSpoke, NewValidation};
use infin8_core::error::{Entity, Error, Result};
use infin8_core::ids::{ClusterId, KeywordId, ValidationId, WorkflowId};
use infin8_core::organization::Permission;
use infin8_core::store::ClusterStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;
use std::collections::BTreeSet;

fn spoke_row(r: &Row<'_>) -> rusqlite::Result<ClusterSpoke> {
    Ok(ClusterSpoke {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        hub_keyword_id: get_id(r, 3)?,
        spoke_keyword_id: get_id(r, 4)?,
        similarity: r.get::<_, f64>(5)? as f32,
        cluster_type: get_enum(r, 6)?,
        created_at: get_ts(r, 7)?,
    })
}

fn validation_row(r: &Row<'_>) -> rusqlite::Result<ClusterValidation> {
    Ok(ClusterValidation {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        hub_keyword_id: get_id(r, 3)?,
        status: get_enum(r, 4)?,
        avg_similarity: r.get::<_, f64>(5)? as f32,
        spoke_count: r.get(6)?,
        reasons: get_json(r, 7)?,
        metadata: get_json(r, 8)?,
        created_at: get_ts(r, 9)?,
    })
}

/// `NotFound` unless every keyword is in the scope's organization and in `workflow`.
fn require_keywords_in(s: &Scoped<'_>, workflow: WorkflowId, ids: &BTreeSet<KeywordId>) -> Res<()> {
    let found = super::keyword::keyword_kinds(s, ids)?;
    for id in ids {
        match found.get(id) {
            Some((_, wf)) if *wf == workflow => {}
            _ => return Err(Error::not_found(Entity::Keyword, id).into()),
        }
    }
    Ok(())
}

fn list_spokes(s: &Scoped<'_>, workflow: WorkflowId) -> Res<Vec<ClusterSpoke>> {
    s.rows(
        "SELECT id, organization_id, workflow_id, hub_keyword_id, spoke_keyword_id, similarity, cluster_type, \
         created_at FROM topic_clusters WHERE organization_id = ?1 AND workflow_id = ?2 \
         ORDER BY hub_keyword_id, similarity DESC, spoke_keyword_id",
        &[&codec::id(workflow)],
        spoke_row,
    )
}

fn list_validations(s: &Scoped<'_>, workflow: WorkflowId) -> Res<Vec<ClusterValidation>> {
    s.rows(
        "SELECT id, organization_id, workflow_id, hub_keyword_id, status, avg_similarity, spoke_count, reasons, \
         metadata, created_at FROM cluster_validation_results WHERE organization_id = ?1 AND workflow_id = ?2 \
         ORDER BY hub_keyword_id",
        &[&codec::id(workflow)],
        validation_row,
    )
}

#[async_trait]
impl ClusterStore for SqliteStore {
    async fn replace_clusters(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        spokes: &[NewClusterSpoke],
    ) -> Result<Vec<ClusterSpoke>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut seen = BTreeSet::new();
        for spoke in spokes {
            if spoke.hub_keyword_id == spoke.spoke_keyword_id {
                return Err(Error::invalid("spoke_keyword_id", "a hub cannot be its own spoke"));
            }
            if !seen.insert(spoke.spoke_keyword_id) {
                return Err(Error::invalid("spoke_keyword_id", "a keyword is the spoke of two hubs"));
            }
        }
        let org = ctx.org_id;
        let spokes = spokes.to_vec();
        self.db
            .write("replace_clusters", move |tx| {
                let s = Scoped::new(tx, org);
                super::workflow::require_workflow(&s, workflow_id)?;
                let ids: BTreeSet<KeywordId> =
                    spokes.iter().flat_map(|sp| [sp.hub_keyword_id, sp.spoke_keyword_id]).collect();
                require_keywords_in(&s, workflow_id, &ids)?;
                let wf = codec::id(workflow_id);
                s.execute("DELETE FROM cluster_validation_results WHERE organization_id = ?1 AND workflow_id = ?2", &[&wf])?;
                s.execute("DELETE FROM topic_clusters WHERE organization_id = ?1 AND workflow_id = ?2", &[&wf])?;
                let now = codec::ts(Utc::now());
                let mut insert = s.prepare(
                    "INSERT INTO topic_clusters (organization_id, id, workflow_id, hub_keyword_id, spoke_keyword_id, \
                     similarity, cluster_type, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?;
                for sp in &spokes {
                    insert.execute(&[
                        &codec::id(ClusterId::new()),
                        &wf,
                        &codec::id(sp.hub_keyword_id),
                        &codec::id(sp.spoke_keyword_id),
                        &f64::from(sp.similarity),
                        &sp.cluster_type.as_str(),
                        &now,
                    ])?;
                }
                drop(insert);
                list_spokes(&s, workflow_id)
            })
            .await
    }

    async fn list_clusters(&self, ctx: &TenantContext, workflow_id: WorkflowId) -> Result<Vec<ClusterSpoke>> {
        let org = ctx.org_id;
        self.db.read("list_clusters", move |tx| list_spokes(&Scoped::new(tx, org), workflow_id)).await
    }

    async fn replace_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
        validations: &[NewValidation],
    ) -> Result<Vec<ClusterValidation>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut hubs = BTreeSet::new();
        for v in validations {
            if !hubs.insert(v.hub_keyword_id) {
                return Err(Error::invalid("hub_keyword_id", "a hub appears twice"));
            }
        }
        let org = ctx.org_id;
        let validations = validations.to_vec();
        self.db
            .write("replace_validations", move |tx| {
                let s = Scoped::new(tx, org);
                super::workflow::require_workflow(&s, workflow_id)?;
                require_keywords_in(&s, workflow_id, &hubs)?;
                let wf = codec::id(workflow_id);
                s.execute("DELETE FROM cluster_validation_results WHERE organization_id = ?1 AND workflow_id = ?2", &[&wf])?;
                let now = codec::ts(Utc::now());
                let mut insert = s.prepare(
                    "INSERT INTO cluster_validation_results (organization_id, id, workflow_id, hub_keyword_id, status, \
                     avg_similarity, spoke_count, reasons, metadata, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?;
                for v in &validations {
                    insert.execute(&[
                        &codec::id(ValidationId::new()),
                        &wf,
                        &codec::id(v.hub_keyword_id),
                        &v.status.as_str(),
                        &f64::from(v.avg_similarity),
                        &v.spoke_count,
                        &codec::json(&v.reasons)?,
                        &codec::json(&v.metadata)?,
                        &now,
                    ])?;
                }
                drop(insert);
                list_validations(&s, workflow_id)
            })
            .await
    }

    async fn list_validations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<ClusterValidation>> {
        let org = ctx.org_id;
        self.db.read("list_validations", move |tx| list_validations(&Scoped::new(tx, org), workflow_id)).await
    }
}
