//! The usage ledger: reserve → commit/release against per-counter limits.

use super::MemoryStore;
use super::state::{Counter, State};
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::ReservationId;
use crate::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReservationState, ReserveUsage,
    UsageMetric, UsageRecord, UsageReservation,
};
use crate::organization::Permission;
use crate::store::UsageStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl UsageStore for MemoryStore {
    async fn reserve_usage(&self, ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let mut state = self.lock();
        if let Some((org, existing)) = state.reservations.get(&request.id) {
            // Another organization's id is taken, like any id (nothing of it is revealed).
            let reason = if *org != ctx.org_id {
                ConflictReason::AlreadyExists
            } else if existing.lines == request.lines {
                return Ok(existing.clone());
            } else {
                ConflictReason::IdempotencyKeyReused
            };
            return Err(Error::conflict(Entity::UsageReservation, request.id, reason));
        }
        reserve_locked(&mut state, ctx, request)
    }

    async fn commit_usage(
        &self,
        ctx: &TenantContext,
        id: ReservationId,
        actual: &[i64],
    ) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        if actual.iter().any(|a| *a < 0) {
            return Err(Error::invalid("actual", "negative amount"));
        }
        let mut state = self.lock();
        let reservation = own(&state.reservations, ctx, id)?;
        if actual.len() != reservation.lines.len() {
            return Err(Error::invalid("actual", "one amount per line"));
        }
        match reservation.state {
            ReservationState::Committed => return Ok(reservation),
            ReservationState::Released => {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    id,
                    ConflictReason::WrongState("released".into()),
                ));
            }
            ReservationState::Reserved => {}
        }
        Ok(commit_locked(&mut state, ctx, reservation, actual, None))
    }

    async fn reap_reservations(
        &self,
        ctx: &TenantContext,
        request: ReapReservations,
    ) -> Result<Vec<UsageReservation>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let mut dangling: Vec<UsageReservation> = state
            .reservations
            .values()
            .filter(|(org, _)| *org == ctx.org_id)
            .map(|(_, r)| r)
            .filter(|r| {
                let lease = r
                    .workflow_id
                    .and_then(|w| state.workflows.get(&w))
                    .filter(|w| w.organization_id == ctx.org_id)
                    .and_then(|w| w.lease.as_ref());
                request.is_dangling(r, lease)
            })
            .cloned()
            .collect();
        dangling.sort_by_key(|r| r.id);
        Ok(dangling
            .into_iter()
            .map(|r| {
                let amounts: Vec<i64> = r.lines.iter().map(|l| l.amount).collect();
                commit_locked(&mut state, ctx, r, &amounts, Some(request.now))
            })
            .collect())
    }

    async fn release_usage(&self, ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let reservation = own(&state.reservations, ctx, id)?;
        match reservation.state {
            ReservationState::Released => return Ok(reservation),
            ReservationState::Committed => {
                return Err(Error::conflict(
                    Entity::UsageReservation,
                    id,
                    ConflictReason::WrongState("committed".into()),
                ));
            }
            ReservationState::Reserved => {}
        }
        for line in &reservation.lines {
            state.usage.entry((ctx.org_id, line.scope, line.metric)).or_default().reserved -= line.amount;
        }
        let mut reservation = reservation;
        reservation.state = ReservationState::Released;
        state.reservations.insert(id, (ctx.org_id, reservation.clone()));
        Ok(reservation)
    }

    async fn list_reservations(
        &self,
        ctx: &TenantContext,
        workflow_id: crate::ids::WorkflowId,
    ) -> Result<Vec<UsageReservation>> {
        let state = self.lock();
        let mut rows: Vec<UsageReservation> = state
            .reservations
            .values()
            .filter(|(org, r)| *org == ctx.org_id && r.workflow_id == Some(workflow_id))
            .map(|(_, r)| r.clone())
            .collect();
        rows.sort_by_key(|r| (r.created_at, r.id));
        Ok(rows)
    }

    async fn get_usage(
        &self,
        ctx: &TenantContext,
        metric: UsageMetric,
        scope: LedgerScope,
    ) -> Result<UsageRecord> {
        let state = self.lock();
        let c = state.usage.get(&(ctx.org_id, scope, metric)).copied().unwrap_or_default();
        Ok(record(metric, scope, c))
    }

    async fn list_usage(&self, ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>> {
        let state = self.lock();
        // Keys sort by (org, scope, metric): the scope's counters come out ordered by metric.
        Ok(state
            .usage
            .iter()
            .filter(|((org, s, _), _)| *org == ctx.org_id && *s == scope)
            .map(|((_, s, m), c)| record(*m, *s, *c))
            .collect())
    }

    async fn hit_rate_limit(
        &self,
        ctx: &TenantContext,
        request: RateLimitRequest,
    ) -> Result<RateLimitDecision> {
        ctx.role.require(Permission::RunWorkflows)?;
        self.hit_rate_limit_locked(ctx, &request)
    }
}

/// Reserves every line of a new reservation (its id is free) or none: `LimitExceeded` naming
/// the first line that does not fit.
pub(super) fn reserve_locked(
    state: &mut State,
    ctx: &TenantContext,
    request: ReserveUsage,
) -> Result<UsageReservation> {
    for line in &request.lines {
        let c = state.usage.get(&(ctx.org_id, line.scope, line.metric)).copied().unwrap_or_default();
        if let Some(limit) = line.limit
            && c.used + c.reserved + line.amount > limit
        {
            return Err(Error::LimitExceeded {
                metric: line.metric,
                limit,
                used: c.used + c.reserved,
                requested: line.amount,
            });
        }
    }
    for line in &request.lines {
        state.usage.entry((ctx.org_id, line.scope, line.metric)).or_default().reserved += line.amount;
    }
    let reservation = UsageReservation {
        id: request.id,
        workflow_id: request.workflow_id,
        purpose: request.purpose,
        lines: request.lines,
        committed: None,
        state: ReservationState::Reserved,
        created_at: Utc::now(),
        replay_of: request.replay_of,
        reaped_at: None,
    };
    state.reservations.insert(reservation.id, (ctx.org_id, reservation.clone()));
    Ok(reservation)
}

/// Commits a `reserved` reservation with `actual` (one amount per line), stamping `reaped_at`
/// when a reaper settles it.
pub(super) fn commit_locked(
    state: &mut State,
    ctx: &TenantContext,
    mut reservation: UsageReservation,
    actual: &[i64],
    reaped_at: Option<chrono::DateTime<Utc>>,
) -> UsageReservation {
    for (line, amount) in reservation.lines.iter().zip(actual) {
        let c = state.usage.entry((ctx.org_id, line.scope, line.metric)).or_default();
        c.reserved -= line.amount;
        c.used += amount;
    }
    reservation.state = ReservationState::Committed;
    reservation.committed = Some(actual.to_vec());
    reservation.reaped_at = reaped_at;
    state.reservations.insert(reservation.id, (ctx.org_id, reservation.clone()));
    reservation
}

fn record(metric: UsageMetric, scope: LedgerScope, c: Counter) -> UsageRecord {
    UsageRecord { metric, scope, used: c.used, reserved: c.reserved }
}

/// The caller's reservation, or `NotFound`.
fn own(
    table: &std::collections::HashMap<ReservationId, (crate::ids::OrgId, UsageReservation)>,
    ctx: &TenantContext,
    id: ReservationId,
) -> Result<UsageReservation> {
    table
        .get(&id)
        .filter(|(org, _)| *org == ctx.org_id)
        .map(|(_, r)| r.clone())
        .ok_or_else(|| Error::not_found(Entity::UsageReservation, id))
}
