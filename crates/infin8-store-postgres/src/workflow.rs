//! Workflows and their compare-and-set transitions.

use crate::error::{corrupt, map_sqlx};
use crate::rows::{actor, actor_columns, cursor, get, json, page, to_json, wire, wire_opt};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use futures::StreamExt;
use infin8_core::engine::ProgressEvent;
use infin8_core::engine::feed::{self, ProgressStream};
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::WorkflowStore;
use infin8_core::workflow::{
    AttemptsChange, ClaimRequest, ClaimedWorkflow, Lease, NewWorkflow, Transition, TransitionKind,
    TransitionOutcome, TransitionRequest, Workflow, WorkflowCounts, WorkflowQuery, WorkflowState,
    WorkflowUpdate,
};
use infin8_core::{
    AuditId, ConflictReason, Entity, Error, OrgId, Result, TenantContext, TransitionId, Usd, UserId,
    WorkflowId,
};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// The workflow columns, money as micro-dollars.
macro_rules! workflow_columns {
    () => {
        "id, organization_id, title, description, state, version, icp_data, competitor_urls, settings, \
         total_seed_keywords, approved_seed_keywords, total_longtail_keywords, filtered_keywords, \
         total_clusters, valid_clusters, total_articles, published_articles, \
         (estimated_cost * 1000000)::bigint AS estimated_cost_micros, \
         (actual_cost * 1000000)::bigint AS actual_cost_micros, metadata, last_error, lease_owner, \
         lease_expires_at, created_by, created_at, updated_at, completed_at, failure_kind, attempts, \
         next_attempt_at"
    };
}

const TRANSITION_COLUMNS: &str = "id, organization_id, workflow_id, from_state, to_state, kind, version, \
    actor_type, actor_id, reason, idempotency_key, metadata, created_at";

pub(crate) fn workflow(row: &PgRow, op: &'static str) -> Result<Workflow> {
    let lease_owner: Option<String> = get(row, "lease_owner", op)?;
    let lease_expires_at = get(row, "lease_expires_at", op)?;
    let created_by: Option<Uuid> = get(row, "created_by", op)?;
    Ok(Workflow {
        id: WorkflowId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        title: get(row, "title", op)?,
        description: get(row, "description", op)?,
        state: wire(row, "state", op)?,
        version: get(row, "version", op)?,
        icp_data: get(row, "icp_data", op)?,
        competitor_urls: get(row, "competitor_urls", op)?,
        settings: json(row, "settings", op)?,
        counts: WorkflowCounts {
            seed_keywords: get(row, "total_seed_keywords", op)?,
            approved_seeds: get(row, "approved_seed_keywords", op)?,
            longtail_keywords: get(row, "total_longtail_keywords", op)?,
            filtered_keywords: get(row, "filtered_keywords", op)?,
            clusters: get(row, "total_clusters", op)?,
            valid_clusters: get(row, "valid_clusters", op)?,
            articles: get(row, "total_articles", op)?,
            published: get(row, "published_articles", op)?,
        },
        estimated_cost: Usd::from_micros(get(row, "estimated_cost_micros", op)?),
        actual_cost: Usd::from_micros(get(row, "actual_cost_micros", op)?),
        metadata: get(row, "metadata", op)?,
        last_error: get(row, "last_error", op)?,
        lease: match (lease_owner, lease_expires_at) {
            (Some(owner), Some(expires_at)) => Some(Lease { owner, expires_at }),
            _ => None,
        },
        created_by: created_by.map(UserId::from_uuid),
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
        completed_at: get(row, "completed_at", op)?,
        failure_kind: wire_opt(row, "failure_kind", op)?,
        attempts: u32::try_from(get::<i32>(row, "attempts", op)?).map_err(|e| corrupt(op, e))?,
        next_attempt_at: get(row, "next_attempt_at", op)?,
    })
}

fn transition(row: &PgRow, op: &'static str) -> Result<Transition> {
    let kind: String = get(row, "kind", op)?;
    Ok(Transition {
        id: TransitionId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        from_state: wire(row, "from_state", op)?,
        to_state: wire(row, "to_state", op)?,
        kind: serde_json::from_value(serde_json::Value::String(kind)).map_err(|e| corrupt(op, e))?,
        version: get(row, "version", op)?,
        actor: actor(row, "actor_type", "actor_id", op)?,
        reason: get(row, "reason", op)?,
        idempotency_key: get(row, "idempotency_key", op)?,
        metadata: get(row, "metadata", op)?,
        created_at: get(row, "created_at", op)?,
    })
}

fn kind_str(kind: TransitionKind, op: &'static str) -> Result<String> {
    match to_json(&kind, op)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(corrupt(op, format!("transition kind {other}"))),
    }
}

/// The unique constraint recording each idempotency key once per workflow.
const IDEMPOTENCY_KEY_CONSTRAINT: &str = "workflow_transitions_workflow_id_idempotency_key_key";

/// Whether `err` is the transition insert breaking [`IDEMPOTENCY_KEY_CONSTRAINT`].
fn is_idempotency_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.kind() == sqlx::error::ErrorKind::UniqueViolation
            && db.constraint() == Some(IDEMPOTENCY_KEY_CONSTRAINT))
}

/// The workflow with `id` in the caller's organization, inside a tenant transaction.
pub(crate) async fn fetch_workflow(
    conn: &mut PgConnection,
    id: WorkflowId,
    op: &'static str,
) -> Result<Option<Workflow>> {
    let row = sqlx::query(concat!("SELECT ", workflow_columns!(), " FROM intent_workflows WHERE id = $1"))
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(|e| map_sqlx(op, e))?;
    row.map(|r| workflow(&r, op)).transpose()
}

/// `NotFound` unless the workflow exists in the caller's organization.
pub(crate) async fn require_workflow(
    conn: &mut PgConnection,
    id: WorkflowId,
    op: &'static str,
) -> Result<()> {
    let row = sqlx::query("SELECT 1 FROM intent_workflows WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(|e| map_sqlx(op, e))?;
    row.map(|_| ()).ok_or_else(|| Error::not_found(Entity::Workflow, id))
}

#[async_trait]
impl WorkflowStore for PgStore {
    async fn create_workflow(&self, ctx: &TenantContext, new: NewWorkflow) -> Result<Workflow> {
        const OP: &str = "create_workflow";
        ctx.role.require(Permission::RunWorkflows)?;
        new.validate()?;
        let id = new.id.unwrap_or_default();
        let settings = to_json(&new.settings, OP)?;
        let (actor_type, actor_id) = actor_columns(ctx.actor);
        let details = serde_json::json!({ "title": new.title });
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(concat!(
            "WITH wf AS (INSERT INTO intent_workflows (id, organization_id, title, description, competitor_urls, \
             settings, estimated_cost, metadata, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7::bigint::numeric / 1000000, $8, $9) RETURNING *), \
             audit AS (INSERT INTO intent_audit_logs (id, organization_id, workflow_id, actor_type, actor_id, \
             action, entity_type, entity_id, details, created_at) \
             SELECT $10, organization_id, id, $11, $12, 'workflow.created', 'workflow', id::text, $13, created_at \
             FROM wf) \
             SELECT ",
            workflow_columns!(),
            " FROM wf"
        ))
        .bind(id.as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(&new.title)
        .bind(&new.description)
        .bind(&new.competitor_urls)
        .bind(&settings)
        .bind(new.estimated_cost.micros())
        .bind(&new.metadata)
        .bind(ctx.actor.user_id().map(|u| u.as_uuid()))
        .bind(AuditId::new().as_uuid())
        .bind(actor_type)
        .bind(actor_id)
        .bind(&details)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match map_sqlx(OP, e) {
            Error::Conflict { .. } => Error::conflict(Entity::Workflow, id, ConflictReason::AlreadyExists),
            Error::NotFound { .. } => Error::not_found(Entity::Organization, ctx.org_id),
            other => other,
        })?;
        let wf = workflow(&row, OP)?;
        // The charge, in the same transaction: all of it with the workflow, or nothing.
        if let Some(mut charge) = new.charge {
            charge.workflow_id = Some(id);
            let amounts: Vec<i64> = charge.lines.iter().map(|l| l.amount).collect();
            let inserted = sqlx::query(
                "INSERT INTO usage_reservations (id, organization_id, workflow_id, purpose, lines, committed, state, \
                 replay_of) VALUES ($1, $2, $3, $4, $5, $6, 'committed', $7) ON CONFLICT (id) DO NOTHING RETURNING id",
            )
            .bind(charge.id.as_uuid())
            .bind(ctx.org_id.as_uuid())
            .bind(id.as_uuid())
            .bind(&charge.purpose)
            .bind(to_json(&charge.lines, OP)?)
            .bind(to_json(&amounts, OP)?)
            .bind(charge.replay_of.map(|r| r.as_uuid()))
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
            if inserted.is_none() {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    charge.id,
                    ConflictReason::AlreadyExists,
                ));
            }
            if let Some(failed) =
                crate::usage::add_lines(&mut tx, ctx, &charge.lines, crate::usage::Column::Used, OP).await?
            {
                tx.rollback().await.map_err(|e| map_sqlx(OP, e))?;
                return Err(self.limit_exceeded(ctx, &charge.lines, failed, OP).await?);
            }
        }
        commit(tx, OP).await?;
        Ok(wf)
    }

    async fn get_workflow(&self, ctx: &TenantContext, id: WorkflowId) -> Result<Option<Workflow>> {
        const OP: &str = "get_workflow";
        let mut tx = self.begin(ctx, OP).await?;
        let wf = fetch_workflow(&mut tx, id, OP).await?;
        commit(tx, OP).await?;
        Ok(wf)
    }

    async fn list_workflows(&self, ctx: &TenantContext, query: WorkflowQuery) -> Result<Page<Workflow>> {
        const OP: &str = "list_workflows";
        let after = cursor(query.cursor.as_ref())?;
        let size = page_size(query.limit);
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            workflow_columns!(),
            " FROM intent_workflows WHERE ($1::text IS NULL OR state = $1) AND ($2::uuid IS NULL OR id > $2) \
             ORDER BY id LIMIT $3"
        ))
        .bind(query.state.map(|s| s.as_wire()))
        .bind(after)
        .bind(size as i64 + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let items = rows.iter().map(|r| workflow(r, OP)).collect::<Result<Vec<_>>>()?;
        Ok(page(items, size, |w| w.id.as_uuid()))
    }

    async fn transition(&self, ctx: &TenantContext, request: TransitionRequest) -> Result<TransitionOutcome> {
        const OP: &str = "transition";
        ctx.role.require(Permission::RunWorkflows)?;
        let kind = request.check()?;
        let effects = request.effects();
        let last_error = effects.last_error.clone();
        let lease = effects.lease.clone();
        let attempts = match effects.attempts {
            AttemptsChange::Keep => "keep",
            AttemptsChange::Increment => "increment",
            AttemptsChange::Reset => "reset",
        };
        let (actor_type, actor_id) = actor_columns(ctx.actor);
        let kind_name = kind_str(kind, OP)?;
        let from = request.from.as_wire();
        let to = request.to.as_wire();
        let transition_id = TransitionId::new();
        let details = request.audit_details(kind, request.expected_version + 1);
        let mut tx = self.begin(ctx, OP).await?;
        // The compare-and-set, the transition row and the audit row: one statement, one
        // transaction. A replayed request finds the version moved on (zero rows); a key reused
        // for another transition passes the CAS but breaks `UNIQUE (workflow_id,
        // idempotency_key)`, which rolls the statement back. Both go to the slow path below. (No
        // `NOT EXISTS` probe here: the unique index already makes that check on insert, and a
        // generic plan could answer the probe by scanning every transition of the workflow.)
        let result = sqlx::query(concat!(
            "WITH upd AS (UPDATE intent_workflows SET state = $4, version = version + 1, last_error = $5, \
             lease_owner = $6, lease_expires_at = $7, \
             completed_at = CASE WHEN $4 = 'COMPLETED' THEN now() ELSE completed_at END, updated_at = now(), \
             failure_kind = $17, next_attempt_at = $18, \
             attempts = CASE $19 WHEN 'increment' THEN attempts + 1 WHEN 'reset' THEN 0 ELSE attempts END \
             WHERE id = $1 AND state = $2 AND version = $3 \
             RETURNING *), \
             tr AS (INSERT INTO workflow_transitions (id, organization_id, workflow_id, from_state, to_state, \
             kind, version, actor_type, actor_id, reason, idempotency_key, metadata, created_at) \
             SELECT $9, organization_id, id, $2, $4, $10, version, $11, $12, $13, $8, $14, updated_at FROM upd), \
             audit AS (INSERT INTO intent_audit_logs (id, organization_id, workflow_id, actor_type, actor_id, \
             action, entity_type, entity_id, details, created_at) \
             SELECT $15, organization_id, id, $11, $12, 'workflow.transition', 'workflow', id::text, $16, \
             updated_at FROM upd) \
             SELECT ",
            workflow_columns!(),
            " FROM upd"
        ))
        .bind(request.workflow_id.as_uuid())
        .bind(&from)
        .bind(request.expected_version)
        .bind(&to)
        .bind(&last_error)
        .bind(lease.as_ref().map(|l| l.owner.as_str()))
        .bind(lease.as_ref().map(|l| l.expires_at))
        .bind(&request.idempotency_key)
        .bind(transition_id.as_uuid())
        .bind(&kind_name)
        .bind(actor_type)
        .bind(actor_id)
        .bind(&request.reason)
        .bind(&request.metadata)
        .bind(AuditId::new().as_uuid())
        .bind(&details)
        .bind(effects.failure_kind.map(|k| k.as_str()))
        .bind(effects.next_attempt_at)
        .bind(attempts)
        .fetch_optional(&mut *tx)
        .await;
        let row = match result {
            Ok(row) => row,
            Err(e) if is_idempotency_key_violation(&e) => {
                // The failed statement aborted this transaction: resolve in a fresh one.
                drop(tx);
                tx = self.begin(ctx, OP).await?;
                None
            }
            Err(e) => return Err(map_sqlx(OP, e)),
        };
        if let Some(row) = row {
            let wf = workflow(&row, OP)?;
            commit(tx, OP).await?;
            let transition = Transition {
                id: transition_id,
                organization_id: wf.organization_id,
                workflow_id: wf.id,
                from_state: request.from,
                to_state: request.to,
                kind,
                version: wf.version,
                actor: ctx.actor,
                reason: request.reason,
                idempotency_key: request.idempotency_key,
                metadata: request.metadata,
                created_at: wf.updated_at,
            };
            return Ok(TransitionOutcome { workflow: wf, transition, replayed: false });
        }
        // Slow path (a new statement sees what committed meanwhile): replay, reuse, missing, stale.
        let recorded = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSITION_COLUMNS} FROM workflow_transitions WHERE workflow_id = $1 AND idempotency_key = $2"
        )))
        .bind(request.workflow_id.as_uuid())
        .bind(&request.idempotency_key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let current = fetch_workflow(&mut tx, request.workflow_id, OP)
            .await?
            .ok_or_else(|| Error::not_found(Entity::Workflow, request.workflow_id))?;
        commit(tx, OP).await?;
        if let Some(row) = recorded {
            let recorded = transition(&row, OP)?;
            if recorded.from_state == request.from && recorded.to_state == request.to {
                return Ok(TransitionOutcome { workflow: current, transition: recorded, replayed: true });
            }
            return Err(Error::conflict(
                Entity::Workflow,
                request.workflow_id,
                ConflictReason::IdempotencyKeyReused,
            ));
        }
        Err(Error::conflict(
            Entity::Workflow,
            request.workflow_id,
            ConflictReason::StaleWorkflow { current: current.state, version: current.version },
        ))
    }

    async fn list_transitions(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<Transition>> {
        const OP: &str = "list_transitions";
        let mut tx = self.begin(ctx, OP).await?;
        require_workflow(&mut tx, workflow_id, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRANSITION_COLUMNS} FROM workflow_transitions WHERE workflow_id = $1 ORDER BY version"
        )))
        .bind(workflow_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| transition(r, OP)).collect()
    }

    async fn update_workflow(
        &self,
        ctx: &TenantContext,
        id: WorkflowId,
        update: WorkflowUpdate,
    ) -> Result<Workflow> {
        const OP: &str = "update_workflow";
        ctx.role.require(Permission::RunWorkflows)?;
        let settings = update.settings.as_ref().map(|s| to_json(s, OP)).transpose()?;
        let counts = update.counts;
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(concat!(
            "UPDATE intent_workflows SET icp_data = COALESCE($2, icp_data), \
             total_seed_keywords = COALESCE($3, total_seed_keywords), \
             approved_seed_keywords = COALESCE($4, approved_seed_keywords), \
             total_longtail_keywords = COALESCE($5, total_longtail_keywords), \
             filtered_keywords = COALESCE($6, filtered_keywords), \
             total_clusters = COALESCE($7, total_clusters), valid_clusters = COALESCE($8, valid_clusters), \
             total_articles = COALESCE($9, total_articles), published_articles = COALESCE($10, published_articles), \
             estimated_cost = COALESCE($11::bigint::numeric / 1000000, estimated_cost), \
             actual_cost = COALESCE($12::bigint::numeric / 1000000, actual_cost), \
             metadata = COALESCE($13, metadata), settings = COALESCE($14, settings), updated_at = now() \
             WHERE id = $1 RETURNING ",
            workflow_columns!()
        ))
        .bind(id.as_uuid())
        .bind(&update.icp_data)
        .bind(counts.map(|c| c.seed_keywords))
        .bind(counts.map(|c| c.approved_seeds))
        .bind(counts.map(|c| c.longtail_keywords))
        .bind(counts.map(|c| c.filtered_keywords))
        .bind(counts.map(|c| c.clusters))
        .bind(counts.map(|c| c.valid_clusters))
        .bind(counts.map(|c| c.articles))
        .bind(counts.map(|c| c.published))
        .bind(update.estimated_cost.map(Usd::micros))
        .bind(update.actual_cost.map(Usd::micros))
        .bind(&update.metadata)
        .bind(&settings)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?
        .ok_or_else(|| Error::not_found(Entity::Workflow, id))?;
        let wf = workflow(&row, OP)?;
        commit(tx, OP).await?;
        Ok(wf)
    }

    async fn claim_workflows(&self, request: ClaimRequest) -> Result<Vec<ClaimedWorkflow>> {
        const OP: &str = "claim_workflows";
        request.check()?;
        let runnable: Vec<String> =
            WorkflowState::runnable().into_iter().map(WorkflowState::as_wire).collect();
        let failed: Vec<String> = WorkflowState::failed().into_iter().map(WorkflowState::as_wire).collect();
        let gates: Vec<String> = WorkflowState::all()
            .into_iter()
            .filter(|s| s.awaits_people())
            .map(WorkflowState::as_wire)
            .collect();
        let only: Option<Vec<Uuid>> =
            request.organizations.as_ref().map(|o| o.iter().map(|id| id.as_uuid()).collect());
        let exclude: Vec<Uuid> = request.exclude_organizations.iter().map(|id| id.as_uuid()).collect();
        let mut tx = self.begin_untenanted(OP).await?;
        let rows = sqlx::query(
            "SELECT organization_id, workflow_id, state FROM infin8_claim_workflows($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&request.owner)
        .bind(i32::try_from(request.limit).unwrap_or(i32::MAX))
        .bind(i32::try_from(request.per_organization).unwrap_or(i32::MAX))
        .bind(request.lease_expires_at)
        .bind(request.now)
        .bind(only)
        .bind(exclude)
        .bind(runnable)
        .bind(failed)
        .bind(gates)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let lease = request.lease();
        rows.iter()
            .map(|r| {
                Ok(ClaimedWorkflow {
                    organization_id: OrgId::from_uuid(get(r, "organization_id", OP)?),
                    workflow_id: WorkflowId::from_uuid(get(r, "workflow_id", OP)?),
                    state: wire(r, "state", OP)?,
                    lease: lease.clone(),
                })
            })
            .collect()
    }

    async fn renew_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, lease: Lease) -> Result<bool> {
        const OP: &str = "renew_lease";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        require_workflow(&mut tx, workflow_id, OP).await?;
        let done = sqlx::query(
            "UPDATE intent_workflows SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2",
        )
        .bind(workflow_id.as_uuid())
        .bind(&lease.owner)
        .bind(lease.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn release_lease(&self, ctx: &TenantContext, workflow_id: WorkflowId, owner: &str) -> Result<bool> {
        const OP: &str = "release_lease";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        require_workflow(&mut tx, workflow_id, OP).await?;
        let done = sqlx::query(
            "UPDATE intent_workflows SET lease_owner = NULL, lease_expires_at = NULL \
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(workflow_id.as_uuid())
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn publish_progress(&self, ctx: &TenantContext, events: &[ProgressEvent]) -> Result<()> {
        const OP: &str = "publish_progress";
        ctx.role.require(Permission::RunWorkflows)?;
        if events.is_empty() {
            return Ok(());
        }
        let payloads: Vec<String> = events.iter().map(feed::encode).collect::<Result<_>>()?;
        // One statement, one transaction: the notifications are delivered in order, at commit.
        // (No tenant transaction: nothing is read or written, and the channel is the caller's
        // organization's.)
        sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, i) ORDER BY i")
            .bind(feed::channel(ctx.org_id))
            .bind(&payloads)
            .execute(self.pool())
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        Ok(())
    }

    async fn subscribe_progress(&self, ctx: &TenantContext) -> Result<ProgressStream> {
        const OP: &str = "subscribe_progress";
        // A subscription holds one connection of the pool while it is open (LISTEN is per
        // connection); the listener reconnects by itself if the connection drops.
        let mut listener =
            sqlx::postgres::PgListener::connect_with(self.pool()).await.map_err(|e| map_sqlx(OP, e))?;
        listener.listen(&feed::channel(ctx.org_id)).await.map_err(|e| map_sqlx(OP, e))?;
        let stream = listener.into_stream().map(|n| match n {
            Ok(n) => feed::decode(n.payload()),
            Err(e) => Err(map_sqlx(OP, e)),
        });
        Ok(Box::pin(stream))
    }
}
