use super::SqliteStore;
use crate::codec::{self, get_enum, get_id, get_json, get_opt_id, get_opt_json, get_opt_ts, get_ts};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::error::{ConflictReason, Entity, Error, Result};
use infin8_core::ids::{ReservationId, WorkflowId};
use infin8_core::ledger::rate_limit::{decide, window_start};
use infin8_core::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReservationState, ReserveUsage,
    UsageLine, UsageMetric, UsageRecord, UsageReservation,
};
use infin8_core::organization::Permission;
use infin8_core::store::UsageStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

fn reservation_row(r: &Row<'_>) -> rusqlite::Result<UsageReservation> {
    Ok(UsageReservation {
        id: get_id(r, 0)?,
        workflow_id: get_opt_id(r, 2)?,
        purpose: r.get(3)?,
        lines: get_json(r, 4)?,
        committed: get_opt_json(r, 5)?,
        state: get_enum(r, 6)?,
        created_at: get_ts(r, 7)?,
        replay_of: get_opt_id(r, 8)?,
        reaped_at: get_opt_ts(r, 9)?,
    })
}

/// The columns [`reservation_row`] reads.
macro_rules! reservation_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, workflow_id, purpose, lines, committed, state, created_at, replay_of, \
             reaped_at FROM usage_reservations ",
            $tail
        )
    };
}

pub(super) fn load_reservation(s: &Scoped<'_>, id: ReservationId) -> Res<Option<UsageReservation>> {
    s.row(reservation_select!("WHERE organization_id = ?1 AND id = ?2"), &[&codec::id(id)], reservation_row)
}

fn must_load(s: &Scoped<'_>, id: ReservationId) -> Res<UsageReservation> {
    load_reservation(s, id)?.ok_or_else(|| Fail::Domain(Error::not_found(Entity::UsageReservation, id)))
}

fn counter(s: &Scoped<'_>, metric: UsageMetric, scope: LedgerScope) -> Res<(i64, i64)> {
    Ok(s.row(
        "SELECT used, reserved FROM usage_tracking \
             WHERE organization_id = ?1 AND billing_period = ?2 AND metric = ?3",
        &[&scope.to_string(), &metric.as_str()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .unwrap_or((0, 0)))
}

/// Adds `used` and `reserved` deltas to a counter, creating it at zero.
fn add_to_counter(s: &Scoped<'_>, line: &UsageLine, used: i64, reserved: i64, now: &str) -> Res<()> {
    s.execute(
        "INSERT INTO usage_tracking (organization_id, billing_period, metric, used, reserved, updated_at) \
         VALUES (?1, ?2, ?3, max(?4, 0), max(?5, 0), ?6) \
         ON CONFLICT (organization_id, billing_period, metric) DO UPDATE SET \
         used = max(used + ?4, 0), reserved = max(reserved + ?5, 0), updated_at = ?6 \
         WHERE usage_tracking.organization_id = ?1",
        &[&line.scope.to_string(), &line.metric.as_str(), &used, &reserved, &now],
    )?;
    Ok(())
}

fn reserve(s: &Scoped<'_>, request: &ReserveUsage) -> Res<UsageReservation> {
    if let Some(existing) = load_reservation(s, request.id)? {
        if existing.lines == request.lines {
            return Ok(existing);
        }
        return Err(Error::conflict(
            Entity::UsageReservation,
            request.id,
            ConflictReason::IdempotencyKeyReused,
        )
        .into());
    }
    super::organization::require_org(s)?;
    insert_reservation(s, request)
}

/// Reserves every line of a new reservation (its id is free in this organization) or none:
/// `LimitExceeded` naming the first line that does not fit.
pub(super) fn insert_reservation(s: &Scoped<'_>, request: &ReserveUsage) -> Res<UsageReservation> {
    for line in &request.lines {
        if let Some(limit) = line.limit {
            let (used, reserved) = counter(s, line.metric, line.scope)?;
            let held = used.saturating_add(reserved);
            if held.saturating_add(line.amount) > limit {
                return Err(Error::LimitExceeded {
                    metric: line.metric,
                    limit,
                    used: held,
                    requested: line.amount,
                }
                .into());
            }
        }
    }
    let now = Utc::now();
    let now_s = codec::ts(now);
    for line in &request.lines {
        add_to_counter(s, line, 0, line.amount, &now_s)?;
    }
    s.execute(
        "INSERT INTO usage_reservations (organization_id, id, workflow_id, purpose, lines, state, created_at, \
         updated_at, replay_of) VALUES (?1, ?2, ?3, ?4, ?5, 'reserved', ?6, ?6, ?7)",
        &[
            &codec::id(request.id),
            &codec::opt_id(request.workflow_id),
            &request.purpose,
            &codec::json(&request.lines)?,
            &now_s,
            &codec::opt_id(request.replay_of),
        ],
    )?;
    must_load(s, request.id)
}

fn commit(s: &Scoped<'_>, id: ReservationId, actual: &[i64]) -> Res<UsageReservation> {
    // The order of checks follows the reference (`MemoryStore`): arguments, existence, shape,
    // then state.
    if actual.iter().any(|a| *a < 0) {
        return Err(Error::invalid("actual", "negative amount").into());
    }
    let r = must_load(s, id)?;
    if actual.len() != r.lines.len() {
        return Err(Error::invalid(
            "actual",
            format!("expected {} amounts, got {}", r.lines.len(), actual.len()),
        )
        .into());
    }
    match r.state {
        ReservationState::Committed => return Ok(r),
        ReservationState::Released => {
            return Err(Error::conflict(
                Entity::UsageReservation,
                id,
                ConflictReason::WrongState("reservation was released".into()),
            )
            .into());
        }
        ReservationState::Reserved => {}
    }
    commit_reserved(s, &r, actual, None)
}

/// Commits a `reserved` reservation with `actual`, stamping `reaped_at` when a reaper settles it.
pub(super) fn commit_reserved(
    s: &Scoped<'_>,
    r: &UsageReservation,
    actual: &[i64],
    reaped_at: Option<chrono::DateTime<Utc>>,
) -> Res<UsageReservation> {
    let now = codec::ts(Utc::now());
    for (line, spent) in r.lines.iter().zip(actual) {
        add_to_counter(s, line, *spent, -line.amount, &now)?;
    }
    s.execute(
        "UPDATE usage_reservations SET state = 'committed', committed = ?3, updated_at = ?4, reaped_at = ?5 \
         WHERE organization_id = ?1 AND id = ?2",
        &[&codec::id(r.id), &codec::json(actual)?, &now, &codec::opt_ts(reaped_at)],
    )?;
    must_load(s, r.id)
}

/// Commits the dangling reservations ([`ReapReservations::is_dangling`]) at their reserved
/// amounts.
fn reap(s: &Scoped<'_>, request: &ReapReservations) -> Res<Vec<UsageReservation>> {
    let open = s.rows(
        reservation_select!("WHERE organization_id = ?1 AND state = 'reserved' ORDER BY id"),
        &[],
        reservation_row,
    )?;
    let mut reaped = Vec::new();
    for r in open {
        let lease = match r.workflow_id {
            Some(w) => super::workflow::load_workflow(s, w)?.and_then(|w| w.lease),
            None => None,
        };
        if request.is_dangling(&r, lease.as_ref()) {
            let amounts: Vec<i64> = r.lines.iter().map(|l| l.amount).collect();
            reaped.push(commit_reserved(s, &r, &amounts, Some(request.now))?);
        }
    }
    Ok(reaped)
}

fn release(s: &Scoped<'_>, id: ReservationId) -> Res<UsageReservation> {
    let r = must_load(s, id)?;
    match r.state {
        ReservationState::Released => return Ok(r),
        ReservationState::Committed => {
            return Err(Error::conflict(
                Entity::UsageReservation,
                id,
                ConflictReason::WrongState("reservation was committed".into()),
            )
            .into());
        }
        ReservationState::Reserved => {}
    }
    let now = codec::ts(Utc::now());
    for line in &r.lines {
        add_to_counter(s, line, 0, -line.amount, &now)?;
    }
    s.execute(
        "UPDATE usage_reservations SET state = 'released', updated_at = ?3 WHERE organization_id = ?1 AND id = ?2",
        &[&codec::id(id), &now],
    )?;
    must_load(s, id)
}

/// Rate-limit windows are kept at least this long (seconds) after they close.
const PRUNE_AFTER_SECS: i64 = 86_400;

fn hit(s: &Scoped<'_>, request: &RateLimitRequest) -> Res<RateLimitDecision> {
    let len = i64::try_from(request.window.as_secs()).unwrap_or(i64::MAX);
    let start = window_start(request.now, request.window);
    let count = |at: i64| -> Res<u32> {
        let n: Option<i64> = s.row(
            "SELECT count FROM rate_limits \
             WHERE organization_id = ?1 AND key = ?2 AND window_seconds = ?3 AND window_start = ?4",
            &[&request.key, &len, &at],
            |r| r.get(0),
        )?;
        Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX))
    };
    let current = count(start)?;
    let previous = count(start.saturating_sub(len))?;
    let decision = decide(request, current, previous);
    if decision.allowed {
        let now = codec::ts(request.now);
        s.execute(
            "INSERT INTO rate_limits (organization_id, key, window_seconds, window_start, count, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (organization_id, key, window_seconds, window_start) DO UPDATE SET \
             count = count + excluded.count, updated_at = excluded.updated_at \
             WHERE rate_limits.organization_id = ?1",
            &[&request.key, &len, &start, &i64::from(request.cost), &now],
        )?;
        // Prune windows that can no longer matter: older than the previous window and more than
        // a day old, so a worker whose clock lags by less than a day still sees its windows.
        let horizon = start.saturating_sub(len.max(PRUNE_AFTER_SECS)).saturating_sub(len);
        s.execute(
            "DELETE FROM rate_limits WHERE organization_id = ?1 AND key = ?2 AND window_seconds = ?3 \
             AND window_start < ?4",
            &[&request.key, &len, &horizon],
        )?;
    }
    Ok(decision)
}

#[async_trait]
impl UsageStore for SqliteStore {
    async fn reserve_usage(&self, ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let org = ctx.org_id;
        self.db.write("reserve_usage", move |tx| reserve(&Scoped::new(tx, org), &request)).await
    }

    async fn commit_usage(
        &self,
        ctx: &TenantContext,
        id: ReservationId,
        actual: &[i64],
    ) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        let actual = actual.to_vec();
        self.db.write("commit_usage", move |tx| commit(&Scoped::new(tx, org), id, &actual)).await
    }

    async fn release_usage(&self, ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db.write("release_usage", move |tx| release(&Scoped::new(tx, org), id)).await
    }

    async fn reap_reservations(
        &self,
        ctx: &TenantContext,
        request: ReapReservations,
    ) -> Result<Vec<UsageReservation>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db.write("reap_reservations", move |tx| reap(&Scoped::new(tx, org), &request)).await
    }

    async fn list_reservations(
        &self,
        ctx: &TenantContext,
        workflow_id: WorkflowId,
    ) -> Result<Vec<UsageReservation>> {
        let org = ctx.org_id;
        self.db
            .read("list_reservations", move |tx| {
                Scoped::new(tx, org).rows(
                    reservation_select!(
                        "WHERE organization_id = ?1 AND workflow_id = ?2 ORDER BY created_at, id"
                    ),
                    &[&codec::id(workflow_id)],
                    reservation_row,
                )
            })
            .await
    }

    async fn get_usage(
        &self,
        ctx: &TenantContext,
        metric: UsageMetric,
        scope: LedgerScope,
    ) -> Result<UsageRecord> {
        let org = ctx.org_id;
        self.db
            .read("get_usage", move |tx| {
                let (used, reserved) = counter(&Scoped::new(tx, org), metric, scope)?;
                Ok(UsageRecord { metric, scope, used, reserved })
            })
            .await
    }

    async fn list_usage(&self, ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>> {
        let org = ctx.org_id;
        self.db
            .read("list_usage", move |tx| {
                let mut records = Scoped::new(tx, org).rows(
                    "SELECT metric, used, reserved FROM usage_tracking \
                     WHERE organization_id = ?1 AND billing_period = ?2",
                    &[&scope.to_string()],
                    |r| {
                        Ok(UsageRecord {
                            metric: get_enum(r, 0)?,
                            scope,
                            used: r.get(1)?,
                            reserved: r.get(2)?,
                        })
                    },
                )?;
                records.sort_by_key(|r| r.metric);
                Ok(records)
            })
            .await
    }

    async fn hit_rate_limit(
        &self,
        ctx: &TenantContext,
        request: RateLimitRequest,
    ) -> Result<RateLimitDecision> {
        ctx.role.require(Permission::RunWorkflows)?;
        if request.limit == 0 {
            return Err(Error::invalid("limit", "must be at least 1"));
        }
        if request.window.as_secs() < 1 {
            return Err(Error::invalid("window", "must be at least one second"));
        }
        let org = ctx.org_id;
        self.db.write("hit_rate_limit", move |tx| hit(&Scoped::new(tx, org), &request)).await
    }
}
