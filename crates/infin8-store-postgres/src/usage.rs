//! Usage ledger (reserve → commit/release) and rate limits: each counter change is one
//! `INSERT … ON CONFLICT DO UPDATE … WHERE` whose WHERE is the limit, so concurrent callers
//! never together exceed it (no read-modify-write race).

use crate::error::{corrupt, map_sqlx};
use crate::rows::{get, json, to_json, wire};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use infin8_core::ledger::rate_limit::{decide, window_start};
use infin8_core::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReservationState, ReserveUsage,
    UsageLine, UsageMetric, UsageRecord, UsageReservation, WindowKind,
};
use infin8_core::organization::Permission;
use infin8_core::store::UsageStore;
use infin8_core::workflow::Lease;
use infin8_core::{ConflictReason, Entity, Error, ReservationId, Result, TenantContext, WorkflowId};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use std::time::Duration;
use uuid::Uuid;

const RESERVATION_COLUMNS: &str =
    "id, workflow_id, purpose, lines, committed, state, created_at, replay_of, reaped_at";

/// [`RESERVATION_COLUMNS`] of a table aliased `r`.
const RESERVATION_COLUMNS_R: &str =
    "r.id, r.workflow_id, r.purpose, r.lines, r.committed, r.state, r.created_at, r.replay_of, r.reaped_at";

fn reservation(row: &PgRow, op: &'static str) -> Result<UsageReservation> {
    let workflow: Option<Uuid> = get(row, "workflow_id", op)?;
    Ok(UsageReservation {
        id: ReservationId::from_uuid(get(row, "id", op)?),
        workflow_id: workflow.map(WorkflowId::from_uuid),
        purpose: get(row, "purpose", op)?,
        lines: json(row, "lines", op)?,
        committed: {
            let v: Option<serde_json::Value> = get(row, "committed", op)?;
            v.map(|v| serde_json::from_value(v).map_err(|e| corrupt(op, e))).transpose()?
        },
        state: wire(row, "state", op)?,
        created_at: get(row, "created_at", op)?,
        replay_of: {
            let v: Option<Uuid> = get(row, "replay_of", op)?;
            v.map(ReservationId::from_uuid)
        },
        reaped_at: get(row, "reaped_at", op)?,
    })
}

async fn lock_reservation(
    conn: &mut PgConnection,
    id: ReservationId,
    op: &'static str,
) -> Result<UsageReservation> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RESERVATION_COLUMNS} FROM usage_reservations WHERE id = $1 FOR UPDATE"
    )))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(|e| map_sqlx(op, e))?
    .ok_or_else(|| Error::not_found(Entity::UsageReservation, id))?;
    reservation(&row, op)
}

/// Moves the counters of a reservation's lines: `reserved -= reserved_amount`, `used += used_delta`.
async fn settle(
    conn: &mut PgConnection,
    lines: &[UsageLine],
    used_delta: &[i64],
    op: &'static str,
) -> Result<()> {
    let metrics: Vec<&str> = lines.iter().map(|l| l.metric.as_str()).collect();
    let scopes: Vec<String> = lines.iter().map(|l| l.scope.to_string()).collect();
    let reserved: Vec<i64> = lines.iter().map(|l| l.amount).collect();
    // Lock the counters in the one order every ledger operation uses (byte order of
    // (metric, scope)), so concurrent commits, releases and reservations cannot deadlock.
    sqlx::query(
        "SELECT 1 FROM usage_tracking t JOIN UNNEST($1::text[], $2::text[]) AS u(metric, scope) \
         ON t.usage_type = u.metric AND t.billing_period = u.scope \
         ORDER BY t.usage_type COLLATE \"C\", t.billing_period COLLATE \"C\" FOR UPDATE OF t",
    )
    .bind(&metrics)
    .bind(&scopes)
    .execute(&mut *conn)
    .await
    .map_err(|e| map_sqlx(op, e))?;
    sqlx::query(
        "UPDATE usage_tracking t SET reserved = GREATEST(t.reserved - u.reserved, 0), used = t.used + u.used, \
         updated_at = now() FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[]) AS u(metric, scope, reserved, used) \
         WHERE t.usage_type = u.metric AND t.billing_period = u.scope",
    )
    .bind(&metrics)
    .bind(&scopes)
    .bind(&reserved)
    .bind(used_delta)
    .execute(conn)
    .await
    .map_err(|e| map_sqlx(op, e))?;
    Ok(())
}

async fn read_counter(
    conn: &mut PgConnection,
    metric: UsageMetric,
    scope: LedgerScope,
    op: &'static str,
) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT used, reserved FROM usage_tracking WHERE usage_type = $1 AND billing_period = $2",
    )
    .bind(metric.as_str())
    .bind(scope.to_string())
    .fetch_optional(conn)
    .await
    .map_err(|e| map_sqlx(op, e))?;
    match row {
        Some(r) => Ok((get(&r, "used", op)?, get(&r, "reserved", op)?)),
        None => Ok((0, 0)),
    }
}

fn until_next_window(now: DateTime<Utc>, window: Duration) -> Duration {
    let len = window.as_secs().max(1) as i64;
    let start = window_start(now, window);
    let elapsed = (now.timestamp() - start) as f64 + f64::from(now.timestamp_subsec_millis()) / 1000.0;
    Duration::from_secs_f64((len as f64 - elapsed).max(0.001))
}

/// Which column of the counters a set of lines adds to.
#[derive(Clone, Copy)]
pub(crate) enum Column {
    /// `reserved` (a reservation).
    Reserved,
    /// `used` (a charge committed at once).
    Used,
}

/// Adds each line's amount to its counter's `column` if `used + reserved + amount ≤ limit`
/// holds for it; returns the index of the first line (in locking order) that does not fit, after
/// which the caller must roll back. Counters are locked in the one order every ledger operation
/// uses (byte order of (metric, scope)), so concurrent operations cannot deadlock.
pub(crate) async fn add_lines(
    conn: &mut PgConnection,
    ctx: &TenantContext,
    lines: &[UsageLine],
    column: Column,
    op: &'static str,
) -> Result<Option<usize>> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|i| (lines[*i].metric.as_str(), lines[*i].scope.to_string()));
    let sql = match column {
        Column::Reserved => {
            "INSERT INTO usage_tracking AS t (organization_id, usage_type, billing_period, used, reserved) \
             SELECT $1, $2, $3, 0, $4 WHERE $5::int8 IS NULL OR $4 <= $5 \
             ON CONFLICT (organization_id, usage_type, billing_period) DO UPDATE \
             SET reserved = t.reserved + EXCLUDED.reserved, updated_at = now() \
             WHERE $5::int8 IS NULL OR t.used + t.reserved + EXCLUDED.reserved <= $5 \
             RETURNING t.reserved"
        }
        Column::Used => {
            "INSERT INTO usage_tracking AS t (organization_id, usage_type, billing_period, used, reserved) \
             SELECT $1, $2, $3, $4, 0 WHERE $5::int8 IS NULL OR $4 <= $5 \
             ON CONFLICT (organization_id, usage_type, billing_period) DO UPDATE \
             SET used = t.used + EXCLUDED.used, updated_at = now() \
             WHERE $5::int8 IS NULL OR t.used + t.reserved + EXCLUDED.used <= $5 \
             RETURNING t.used"
        }
    };
    for i in order {
        let line = &lines[i];
        let fits: Option<i64> = sqlx::query_scalar(sql)
            .bind(ctx.org_id.as_uuid())
            .bind(line.metric.as_str())
            .bind(line.scope.to_string())
            .bind(line.amount)
            .bind(line.limit)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| map_sqlx(op, e))?;
        if fits.is_none() {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

impl PgStore {
    /// The `LimitExceeded` of lines that did not fit (`failed` did not, in a rolled-back
    /// transaction): names the first line, in input order, that does not fit the counters as
    /// they are now.
    pub(crate) async fn limit_exceeded(
        &self,
        ctx: &TenantContext,
        lines: &[UsageLine],
        failed: usize,
        op: &'static str,
    ) -> Result<Error> {
        let mut tx = self.begin(ctx, op).await?;
        let mut report = None;
        for (i, line) in lines.iter().enumerate() {
            let (used, reserved) = read_counter(&mut tx, line.metric, line.scope, op).await?;
            let limit = line.limit.unwrap_or(i64::MAX);
            if i == failed || used.saturating_add(reserved).saturating_add(line.amount) > limit {
                report = Some((line, used.saturating_add(reserved)));
                break;
            }
        }
        commit(tx, op).await?;
        let (line, used) = report.ok_or_else(|| corrupt(op, "failed line vanished"))?;
        Ok(Error::LimitExceeded {
            metric: line.metric,
            limit: line.limit.unwrap_or(i64::MAX),
            used,
            requested: line.amount,
        })
    }
}

/// Commits, in `conn`'s transaction, the dangling reservations of the tenant
/// ([`ReapReservations::is_dangling`]) at their reserved amounts.
async fn reap(
    conn: &mut PgConnection,
    request: &ReapReservations,
    op: &'static str,
) -> Result<Vec<UsageReservation>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RESERVATION_COLUMNS_R}, w.lease_owner, w.lease_expires_at FROM usage_reservations r \
         LEFT JOIN intent_workflows w ON w.organization_id = r.organization_id AND w.id = r.workflow_id \
         WHERE r.state = 'reserved' AND ($1::uuid IS NULL OR r.workflow_id = $1) ORDER BY r.id FOR UPDATE OF r"
    )))
    .bind(request.workflow_id.map(|w| w.as_uuid()))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| map_sqlx(op, e))?;
    let mut dangling = Vec::new();
    for row in rows {
        let r = reservation(&row, op)?;
        let owner: Option<String> = get(&row, "lease_owner", op)?;
        let expires: Option<DateTime<Utc>> = get(&row, "lease_expires_at", op)?;
        let lease = owner.zip(expires).map(|(owner, expires_at)| Lease { owner, expires_at });
        if request.is_dangling(&r, lease.as_ref()) {
            dangling.push(r);
        }
    }
    // One counter update for all of them (one lock order; each counter once).
    let mut sums: std::collections::BTreeMap<(&'static str, String), UsageLine> = Default::default();
    for line in dangling.iter().flat_map(|r| &r.lines) {
        sums.entry((line.metric.as_str(), line.scope.to_string()))
            .and_modify(|l| l.amount += line.amount)
            .or_insert(*line);
    }
    let lines: Vec<UsageLine> = sums.into_values().collect();
    let used: Vec<i64> = lines.iter().map(|l| l.amount).collect();
    settle(&mut *conn, &lines, &used, op).await?;
    let mut reaped = Vec::with_capacity(dangling.len());
    for r in dangling {
        let amounts: Vec<i64> = r.lines.iter().map(|l| l.amount).collect();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE usage_reservations SET state = 'committed', committed = $2, reaped_at = $3, updated_at = now() \
             WHERE id = $1 RETURNING {RESERVATION_COLUMNS}"
        )))
        .bind(r.id.as_uuid())
        .bind(to_json(&amounts, op)?)
        .bind(request.now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| map_sqlx(op, e))?;
        reaped.push(reservation(&row, op)?);
    }
    Ok(reaped)
}

#[async_trait]
impl UsageStore for PgStore {
    async fn reserve_usage(&self, ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation> {
        const OP: &str = "reserve_usage";
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let lines_json = to_json(&request.lines, OP)?;
        let mut tx = self.begin(ctx, OP).await?;
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO usage_reservations (id, organization_id, workflow_id, purpose, lines, state, replay_of) \
             VALUES ($1, $2, $3, $4, $5, 'reserved', $6) ON CONFLICT (id) DO NOTHING RETURNING {RESERVATION_COLUMNS}"
        )))
        .bind(request.id.as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(request.workflow_id.map(|w| w.as_uuid()))
        .bind(&request.purpose)
        .bind(&lines_json)
        .bind(request.replay_of.map(|r| r.as_uuid()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let Some(row) = inserted else {
            // Idempotent replay: the recorded reservation, whatever its state.
            let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RESERVATION_COLUMNS} FROM usage_reservations WHERE id = $1"
            )))
            .bind(request.id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
            commit(tx, OP).await?;
            let Some(existing) = existing else {
                // The id is taken by another organization's reservation.
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    request.id,
                    ConflictReason::AlreadyExists,
                ));
            };
            let existing = reservation(&existing, OP)?;
            if existing.lines != request.lines {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    request.id,
                    ConflictReason::IdempotencyKeyReused,
                ));
            }
            return Ok(existing);
        };
        let recorded = reservation(&row, OP)?;
        match add_lines(&mut tx, ctx, &request.lines, Column::Reserved, OP).await? {
            None => {
                commit(tx, OP).await?;
                Ok(recorded)
            }
            Some(failed) => {
                // Nothing is reserved: roll back, then say which line does not fit.
                tx.rollback().await.map_err(|e| map_sqlx(OP, e))?;
                Err(self.limit_exceeded(ctx, &request.lines, failed, OP).await?)
            }
        }
    }

    async fn commit_usage(
        &self,
        ctx: &TenantContext,
        id: ReservationId,
        actual: &[i64],
    ) -> Result<UsageReservation> {
        const OP: &str = "commit_usage";
        ctx.role.require(Permission::RunWorkflows)?;
        if actual.iter().any(|a| *a < 0) {
            return Err(Error::invalid("actual", "negative amount"));
        }
        let mut tx = self.begin(ctx, OP).await?;
        let current = lock_reservation(&mut tx, id, OP).await?;
        // Replays validate their input too (the testkit's error precedence).
        if actual.len() != current.lines.len() {
            return Err(Error::invalid(
                "actual",
                format!("{} amounts for {} lines", actual.len(), current.lines.len()),
            ));
        }
        match current.state {
            ReservationState::Committed => {
                commit(tx, OP).await?;
                return Ok(current);
            }
            ReservationState::Released => {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    id,
                    ConflictReason::WrongState("released".into()),
                ));
            }
            ReservationState::Reserved => {}
        }
        settle(&mut tx, &current.lines, actual, OP).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE usage_reservations SET state = 'committed', committed = $2, updated_at = now() WHERE id = $1 \
             RETURNING {RESERVATION_COLUMNS}"
        )))
        .bind(id.as_uuid())
        .bind(to_json(&actual, OP)?)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let r = reservation(&row, OP)?;
        commit(tx, OP).await?;
        Ok(r)
    }

    async fn release_usage(&self, ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation> {
        const OP: &str = "release_usage";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let current = lock_reservation(&mut tx, id, OP).await?;
        match current.state {
            ReservationState::Released => {
                commit(tx, OP).await?;
                return Ok(current);
            }
            ReservationState::Committed => {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    id,
                    ConflictReason::WrongState("committed".into()),
                ));
            }
            ReservationState::Reserved => {}
        }
        settle(&mut tx, &current.lines, &vec![0; current.lines.len()], OP).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE usage_reservations SET state = 'released', updated_at = now() WHERE id = $1 \
             RETURNING {RESERVATION_COLUMNS}"
        )))
        .bind(id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let r = reservation(&row, OP)?;
        commit(tx, OP).await?;
        Ok(r)
    }

    async fn reap_reservations(
        &self,
        ctx: &TenantContext,
        request: ReapReservations,
    ) -> Result<Vec<UsageReservation>> {
        const OP: &str = "reap_reservations";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let reaped = reap(&mut tx, &request, OP).await?;
        commit(tx, OP).await?;
        Ok(reaped)
    }

    async fn list_reservations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<UsageReservation>> {
        const OP: &str = "list_reservations";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESERVATION_COLUMNS} FROM usage_reservations WHERE workflow_id = $1 ORDER BY created_at, id"
        )))
        .bind(workflow_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| reservation(r, OP)).collect()
    }

    async fn get_usage(
        &self,
        ctx: &TenantContext,
        metric: UsageMetric,
        scope: LedgerScope,
    ) -> Result<UsageRecord> {
        const OP: &str = "get_usage";
        let mut tx = self.begin(ctx, OP).await?;
        let (used, reserved) = read_counter(&mut tx, metric, scope, OP).await?;
        commit(tx, OP).await?;
        Ok(UsageRecord { metric, scope, used, reserved })
    }

    async fn list_usage(&self, ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>> {
        const OP: &str = "list_usage";
        let mut tx = self.begin(ctx, OP).await?;
        let rows =
            sqlx::query("SELECT usage_type, used, reserved FROM usage_tracking WHERE billing_period = $1")
                .bind(scope.to_string())
                .fetch_all(&mut *tx)
                .await
                .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let mut records = rows
            .iter()
            .map(|r| {
                Ok(UsageRecord {
                    metric: wire(r, "usage_type", OP)?,
                    scope,
                    used: get(r, "used", OP)?,
                    reserved: get(r, "reserved", OP)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        records.sort_by_key(|r| r.metric);
        Ok(records)
    }

    async fn hit_rate_limit(
        &self,
        ctx: &TenantContext,
        request: RateLimitRequest,
    ) -> Result<RateLimitDecision> {
        const OP: &str = "hit_rate_limit";
        ctx.role.require(Permission::RunWorkflows)?;
        if request.limit == 0 {
            return Err(Error::invalid("limit", "zero"));
        }
        if request.window < Duration::from_secs(1) {
            return Err(Error::invalid("window", "under one second"));
        }
        let len = request.window.as_secs() as i64;
        let start_secs = window_start(request.now, request.window);
        let start =
            Utc.timestamp_opt(start_secs, 0).single().ok_or_else(|| Error::invalid("now", "out of range"))?;
        let previous = Utc
            .timestamp_opt(start_secs - len, 0)
            .single()
            .ok_or_else(|| Error::invalid("now", "out of range"))?;
        // The weight of the previous window, exactly as `decide` computes it.
        let elapsed = (request.now.timestamp() - start_secs) as f64
            + f64::from(request.now.timestamp_subsec_millis()) / 1000.0;
        let weight = match request.kind {
            WindowKind::Fixed => 0.0,
            WindowKind::Sliding => 1.0 - (elapsed / len as f64).clamp(0.0, 1.0),
        };
        let mut tx = self.begin(ctx, OP).await?;
        // One statement: take `cost` if `previous * weight + current + cost <= limit` (the same
        // floating-point expression as `decide`), atomically under the counter's row lock.
        let row = sqlx::query(
            "WITH prev AS (SELECT COALESCE((SELECT count FROM rate_limits WHERE key = $2 AND window_seconds = $3 \
             AND window_start = $5), 0) AS c) \
             INSERT INTO rate_limits AS r (organization_id, key, window_seconds, window_start, count) \
             SELECT $1, $2, $3, $4, $6 FROM prev \
             WHERE prev.c::float8 * $7::float8 + 0::float8 + $6::float8 <= $8::float8 \
             ON CONFLICT (organization_id, key, window_seconds, window_start) DO UPDATE \
             SET count = r.count + EXCLUDED.count, updated_at = now() \
             WHERE (SELECT c FROM prev)::float8 * $7::float8 + r.count::float8 + $6::float8 <= $8::float8 \
             RETURNING r.count, (SELECT c FROM prev) AS previous",
        )
        .bind(ctx.org_id.as_uuid())
        .bind(&request.key)
        .bind(len)
        .bind(start)
        .bind(previous)
        .bind(i64::from(request.cost))
        .bind(weight)
        .bind(f64::from(request.limit))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        match row {
            Some(row) => {
                let count: i64 = get(&row, "count", OP)?;
                let prev: i64 = get(&row, "previous", OP)?;
                let before = u32::try_from(count - i64::from(request.cost)).unwrap_or(u32::MAX);
                let prev = u32::try_from(prev).unwrap_or(u32::MAX);
                let d = decide(&request, before, prev);
                Ok(RateLimitDecision { allowed: true, remaining: d.remaining, retry_after: None })
            }
            None => Ok(RateLimitDecision {
                allowed: false,
                remaining: 0,
                retry_after: Some(until_next_window(request.now, request.window)),
            }),
        }
    }
}
