use super::{SqliteStore, cursor, page};
use crate::codec::{
    self, get_actor, get_enum, get_id, get_json, get_opt_enum, get_opt_id, get_opt_json, get_opt_ts, get_ts,
};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::engine::ProgressEvent;
use infin8_core::engine::feed::ProgressStream;
use infin8_core::error::{ConflictReason, Entity, Error, Result};
use infin8_core::ids::{TransitionId, WorkflowId};
use infin8_core::money::Usd;
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::WorkflowStore;
use infin8_core::tenant::TenantContext;
use infin8_core::workflow::{
    ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionKind, TransitionOutcome,
    TransitionRequest, Workflow, WorkflowCounts, WorkflowQuery, WorkflowState, WorkflowUpdate,
};
use rusqlite::Row;
use rusqlite::types::Type;

macro_rules! wf_cols {
    () => {
        "id, organization_id, title, description, state, version, icp_data, competitor_urls, \
         settings, seed_keywords_count, approved_seeds_count, longtail_keywords_count, \
         filtered_keywords_count, clusters_count, valid_clusters_count, articles_count, published_count, \
         estimated_cost_micros, actual_cost_micros, metadata, last_error, lease_owner, lease_expires_at, \
         created_by, created_at, updated_at, completed_at, failure_kind, attempts, next_attempt_at"
    };
}

macro_rules! wf_select {
    ($tail:literal) => {
        concat!("SELECT ", wf_cols!(), " FROM intent_workflows ", $tail)
    };
}

macro_rules! transition_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, workflow_id, from_state, to_state, kind, version, actor_user_id, \
             reason, idempotency_key, metadata, created_at FROM workflow_transitions ",
            $tail
        )
    };
}

fn workflow_row(r: &Row<'_>) -> rusqlite::Result<Workflow> {
    let lease_owner: Option<String> = r.get(21)?;
    let lease_expires = get_opt_ts(r, 22)?;
    Ok(Workflow {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        state: get_enum(r, 4)?,
        version: r.get(5)?,
        icp_data: get_opt_json(r, 6)?,
        competitor_urls: get_json(r, 7)?,
        settings: get_json(r, 8)?,
        counts: WorkflowCounts {
            seed_keywords: r.get(9)?,
            approved_seeds: r.get(10)?,
            longtail_keywords: r.get(11)?,
            filtered_keywords: r.get(12)?,
            clusters: r.get(13)?,
            valid_clusters: r.get(14)?,
            articles: r.get(15)?,
            published: r.get(16)?,
        },
        estimated_cost: Usd::from_micros(r.get(17)?),
        actual_cost: Usd::from_micros(r.get(18)?),
        metadata: get_json(r, 19)?,
        last_error: r.get(20)?,
        lease: match (lease_owner, lease_expires) {
            (Some(owner), Some(expires_at)) => Some(Lease { owner, expires_at }),
            _ => None,
        },
        created_by: get_opt_id(r, 23)?,
        created_at: get_ts(r, 24)?,
        updated_at: get_ts(r, 25)?,
        completed_at: get_opt_ts(r, 26)?,
        failure_kind: get_opt_enum(r, 27)?,
        attempts: r.get(28)?,
        next_attempt_at: get_opt_ts(r, 29)?,
    })
}

fn kind_str(kind: TransitionKind) -> &'static str {
    match kind {
        TransitionKind::Start => "start",
        TransitionKind::Claim => "claim",
        TransitionKind::Reclaim => "reclaim",
        TransitionKind::Complete => "complete",
        TransitionKind::AwaitReview => "await_review",
        TransitionKind::Approve => "approve",
        TransitionKind::Fail => "fail",
        TransitionKind::Retry => "retry",
        TransitionKind::Advance => "advance",
        TransitionKind::Finish => "finish",
        TransitionKind::Cancel => "cancel",
    }
}

fn transition_row(r: &Row<'_>) -> rusqlite::Result<Transition> {
    let kind: String = r.get(5)?;
    let kind = serde_json::from_value(serde_json::Value::String(kind))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, Type::Text, Box::new(e)))?;
    Ok(Transition {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        from_state: get_enum(r, 3)?,
        to_state: get_enum(r, 4)?,
        kind,
        version: r.get(6)?,
        actor: get_actor(r, 7)?,
        reason: r.get(8)?,
        idempotency_key: r.get(9)?,
        metadata: get_json(r, 10)?,
        created_at: get_ts(r, 11)?,
    })
}

/// The workflow, if it is in the scope's organization.
pub(super) fn load_workflow(s: &Scoped<'_>, id: WorkflowId) -> Res<Option<Workflow>> {
    s.row(wf_select!("WHERE organization_id = ?1 AND id = ?2"), &[&codec::id(id)], workflow_row)
}

/// `NotFound` unless the workflow is in the scope's organization.
pub(super) fn require_workflow(s: &Scoped<'_>, id: WorkflowId) -> Res<()> {
    if s.exists("SELECT 1 FROM intent_workflows WHERE organization_id = ?1 AND id = ?2", &[&codec::id(id)])? {
        Ok(())
    } else {
        Err(Error::not_found(Entity::Workflow, id).into())
    }
}

fn must_load(s: &Scoped<'_>, id: WorkflowId) -> Res<Workflow> {
    load_workflow(s, id)?.ok_or_else(|| Fail::Domain(Error::not_found(Entity::Workflow, id)))
}

fn load_transition_by_key(s: &Scoped<'_>, workflow: WorkflowId, key: &str) -> Res<Option<Transition>> {
    s.row(
        transition_select!("WHERE organization_id = ?1 AND workflow_id = ?2 AND idempotency_key = ?3"),
        &[&codec::id(workflow), &key],
        transition_row,
    )
}

fn apply_transition(
    s: &Scoped<'_>,
    ctx: &TenantContext,
    req: &TransitionRequest,
    now: DateTime<Utc>,
) -> Res<TransitionOutcome> {
    let current = must_load(s, req.workflow_id)?;
    if let Some(recorded) = load_transition_by_key(s, req.workflow_id, &req.idempotency_key)? {
        if recorded.from_state == req.from && recorded.to_state == req.to {
            return Ok(TransitionOutcome { workflow: current, transition: recorded, replayed: true });
        }
        return Err(
            Error::conflict(Entity::Workflow, req.workflow_id, ConflictReason::IdempotencyKeyReused).into()
        );
    }
    let kind = req.check()?;
    let stale = || {
        Fail::Domain(Error::conflict(
            Entity::Workflow,
            req.workflow_id,
            ConflictReason::StaleWorkflow { current: current.state, version: current.version },
        ))
    };
    if current.state != req.from || current.version != req.expected_version {
        return Err(stale());
    }
    let now_s = codec::ts(now);
    let planned = req.effects().apply(&current, req.to, now);
    let updated = s.row(
        concat!(
            "UPDATE intent_workflows SET state = ?3, version = version + 1, last_error = ?4, lease_owner = ?5, \
             lease_expires_at = ?6, completed_at = ?7, updated_at = ?8, failure_kind = ?11, attempts = ?12, \
             next_attempt_at = ?13 \
             WHERE organization_id = ?1 AND id = ?2 AND state = ?9 AND version = ?10 RETURNING ",
            wf_cols!()
        ),
        &[
            &codec::id(req.workflow_id),
            &req.to.as_wire(),
            &planned.last_error,
            &planned.lease.as_ref().map(|l| l.owner.clone()),
            &planned.lease.as_ref().map(|l| codec::ts(l.expires_at)),
            &codec::opt_ts(planned.completed_at),
            &now_s,
            &req.from.as_wire(),
            &req.expected_version,
            &planned.failure_kind.map(|k| k.as_str()),
            &planned.attempts,
            &codec::opt_ts(planned.next_attempt_at),
        ],
        workflow_row,
    )?;
    let Some(workflow) = updated else {
        return Err(stale());
    };
    let version = req.expected_version + 1;
    let transition = Transition {
        id: TransitionId::new(),
        organization_id: ctx.org_id,
        workflow_id: req.workflow_id,
        from_state: req.from,
        to_state: req.to,
        kind,
        version,
        actor: ctx.actor,
        reason: req.reason.clone(),
        idempotency_key: req.idempotency_key.clone(),
        metadata: req.metadata.clone(),
        created_at: now,
    };
    s.execute(
        "INSERT INTO workflow_transitions (organization_id, id, workflow_id, from_state, to_state, kind, version, \
         actor_user_id, reason, idempotency_key, metadata, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &[
            &codec::id(transition.id),
            &codec::id(req.workflow_id),
            &req.from.as_wire(),
            &req.to.as_wire(),
            &kind_str(kind),
            &version,
            &codec::actor(ctx.actor),
            &req.reason,
            &req.idempotency_key,
            &codec::json(&req.metadata)?,
            &now_s,
        ],
    )?;
    let details = req.audit_details(kind, version);
    super::audit::insert_system_audit(
        s,
        ctx,
        Some(req.workflow_id),
        "workflow.transition",
        "workflow",
        Some(req.workflow_id.to_string()),
        &details,
        &now_s,
    )?;
    Ok(TransitionOutcome { workflow, transition, replayed: false })
}

#[async_trait]
impl WorkflowStore for SqliteStore {
    async fn create_workflow(&self, ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        new.validate()?;
        let ctx = *ctx;
        self.db
            .write("create_workflow", move |tx| {
                let s = Scoped::new(tx, ctx.org_id);
                super::organization::require_org(&s)?;
                let id = new.id.unwrap_or_default();
                let now = codec::ts(Utc::now());
                let inserted = s.execute(
                    "INSERT INTO intent_workflows (organization_id, id, title, description, state, version, \
                     competitor_urls, settings, estimated_cost_micros, metadata, created_by, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, 'CREATED', 1, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                    &[
                        &codec::id(id),
                        &new.title,
                        &new.description,
                        &codec::json(&new.competitor_urls)?,
                        &codec::json(&new.settings)?,
                        &new.estimated_cost.micros(),
                        &codec::json(&new.metadata)?,
                        &codec::opt_id(ctx.actor.user_id()),
                        &now,
                    ],
                );
                match inserted {
                    Err(Fail::Sql(e)) if super::is_unique_violation(&e) => {
                        return Err(Error::conflict(Entity::Workflow, id, ConflictReason::AlreadyExists).into());
                    }
                    other => other?,
                };
                let details = serde_json::json!({ "title": new.title });
                super::audit::insert_system_audit(
                    &s,
                    &ctx,
                    Some(id),
                    "workflow.created",
                    "workflow",
                    Some(id.to_string()),
                    &details,
                    &now,
                )?;
                // The charge, in the same transaction: all of it with the workflow, or nothing.
                if let Some(mut charge) = new.charge {
                    charge.workflow_id = Some(id);
                    let taken = || {
                        Fail::Domain(Error::conflict(
                            Entity::UsageReservation,
                            charge.id,
                            ConflictReason::AlreadyExists,
                        ))
                    };
                    if super::usage::load_reservation(&s, charge.id)?.is_some() {
                        return Err(taken());
                    }
                    let amounts: Vec<i64> = charge.lines.iter().map(|l| l.amount).collect();
                    // Another organization's id: the primary key refuses it.
                    let reserved = match super::usage::insert_reservation(&s, &charge) {
                        Err(Fail::Sql(e)) if super::is_unique_violation(&e) => return Err(taken()),
                        other => other?,
                    };
                    super::usage::commit_reserved(&s, &reserved, &amounts, None)?;
                }
                must_load(&s, id)
            })
            .await
    }

    async fn get_workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>> {
        let org = ctx.org_id;
        self.db.read("get_workflow", move |tx| load_workflow(&Scoped::new(tx, org), id)).await
    }

    async fn list_workflows(&self, ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>> {
        let org = ctx.org_id;
        self.db
            .read("list_workflows", move |tx| {
                let after = cursor(query.cursor.as_ref())?;
                let limit = page_size(query.limit);
                let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
                let rows = Scoped::new(tx, org).rows(
                    wf_select!(
                        "WHERE organization_id = ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR id > ?3) \
                         ORDER BY id LIMIT ?4"
                    ),
                    &[&query.state.map(WorkflowState::as_wire), &after, &fetch],
                    workflow_row,
                )?;
                Ok(page(rows, limit, |w| w.id.to_string()))
            })
            .await
    }

    async fn transition(&self, ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome> {
        ctx.role.require(Permission::RunWorkflows)?;
        let ctx = *ctx;
        self.db
            .write("transition", move |tx| {
                apply_transition(&Scoped::new(tx, ctx.org_id), &ctx, &request, Utc::now())
            })
            .await
    }

    async fn list_transitions(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<Transition>> {
        let org = ctx.org_id;
        self.db
            .read("list_transitions", move |tx| {
                let s = Scoped::new(tx, org);
                require_workflow(&s, workflow_id)?;
                s.rows(
                    transition_select!("WHERE organization_id = ?1 AND workflow_id = ?2 ORDER BY version"),
                    &[&codec::id(workflow_id)],
                    transition_row,
                )
            })
            .await
    }

    async fn update_workflow(
        &self,
        ctx: &TenantContext,
        id: WorkflowId,
        update: WorkflowUpdate,
    ) -> Result<Workflow> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db
            .write("update_workflow", move |tx| {
                let s = Scoped::new(tx, org);
                let c = update.counts;
                let n = s.execute(
                    "UPDATE intent_workflows SET icp_data = coalesce(?3, icp_data), \
                     seed_keywords_count = coalesce(?4, seed_keywords_count), \
                     approved_seeds_count = coalesce(?5, approved_seeds_count), \
                     longtail_keywords_count = coalesce(?6, longtail_keywords_count), \
                     filtered_keywords_count = coalesce(?7, filtered_keywords_count), \
                     clusters_count = coalesce(?8, clusters_count), \
                     valid_clusters_count = coalesce(?9, valid_clusters_count), \
                     articles_count = coalesce(?10, articles_count), \
                     published_count = coalesce(?11, published_count), \
                     estimated_cost_micros = coalesce(?12, estimated_cost_micros), \
                     actual_cost_micros = coalesce(?13, actual_cost_micros), \
                     metadata = coalesce(?14, metadata), settings = coalesce(?15, settings), updated_at = ?16 \
                     WHERE organization_id = ?1 AND id = ?2",
                    &[
                        &codec::id(id),
                        &update.icp_data.as_ref().map(codec::json).transpose()?,
                        &c.map(|c| c.seed_keywords),
                        &c.map(|c| c.approved_seeds),
                        &c.map(|c| c.longtail_keywords),
                        &c.map(|c| c.filtered_keywords),
                        &c.map(|c| c.clusters),
                        &c.map(|c| c.valid_clusters),
                        &c.map(|c| c.articles),
                        &c.map(|c| c.published),
                        &update.estimated_cost.map(Usd::micros),
                        &update.actual_cost.map(Usd::micros),
                        &update.metadata.as_ref().map(codec::json).transpose()?,
                        &update.settings.as_ref().map(codec::json).transpose()?,
                        &codec::ts(Utc::now()),
                    ],
                )?;
                if n == 0 {
                    return Err(Error::not_found(Entity::Workflow, id).into());
                }
                must_load(&s, id)
            })
            .await
    }

    async fn claim_workflows(&self, request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>> {
        request.check()?;
        self.db.write("claim_workflows", move |tx| super::claim::claim(tx, &request)).await
    }

    async fn renew_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db
            .write("renew_lease", move |tx| {
                let s = Scoped::new(tx, org);
                require_workflow(&s, workflow_id)?;
                let n = s.execute(
                    "UPDATE intent_workflows SET lease_expires_at = ?4 \
                     WHERE organization_id = ?1 AND id = ?2 AND lease_owner = ?3",
                    &[&codec::id(workflow_id), &lease.owner, &codec::ts(lease.expires_at)],
                )?;
                Ok(n > 0)
            })
            .await
    }

    async fn release_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        let owner = owner.to_owned();
        self.db
            .write("release_lease", move |tx| {
                let s = Scoped::new(tx, org);
                require_workflow(&s, workflow_id)?;
                let n = s.execute(
                    "UPDATE intent_workflows SET lease_owner = NULL, lease_expires_at = NULL \
                     WHERE organization_id = ?1 AND id = ?2 AND lease_owner = ?3",
                    &[&codec::id(workflow_id), &owner],
                )?;
                Ok(n > 0)
            })
            .await
    }

    async fn publish_progress(&self, ctx: &TenantContext, events: &[ProgressEvent]) -> Result<()> {
        ctx.role.require(Permission::RunWorkflows)?;
        self.progress.publish(ctx.org_id, events);
        Ok(())
    }

    async fn subscribe_progress(&self, ctx: &TenantContext) -> Result<ProgressStream> {
        Ok(self.progress.subscribe(ctx.org_id))
    }
}
