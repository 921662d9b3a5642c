use crate::error::Result;
use crate::ids::ReservationId;
use crate::ledger::{
    LedgerScope, RateLimitDecision, RateLimitRequest, ReapReservations, ReserveUsage, UsageMetric,
    UsageRecord, UsageReservation,
};
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Usage ledger (reserve → commit/release) and rate limits.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Reserves every line of the request, or none: for each line,
    /// `used + reserved + amount ≤ limit` must hold (when a limit is given), and then `reserved`
    /// grows by `amount`. Concurrent reservations never together exceed a limit.
    ///
    /// Idempotent by `request.id`: reserving an id that exists returns the recorded reservation
    /// (whatever its state) and changes nothing.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// - `Forbidden` without `RunWorkflows`;
    /// - `LimitExceeded` naming the first line that does not fit (nothing is reserved);
    /// - `Invalid` for a negative amount, no lines, or a `(metric, scope)` twice;
    /// - `Conflict(IdempotencyKeyReused)` if the id exists with different lines.
    async fn reserve_usage(&self, ctx: &TenantContext, request: ReserveUsage) -> Result<UsageReservation>;

    /// Commits a reservation with the actual amounts (one per line, in order; may differ from the
    /// reserved amounts, and may exceed them: what was spent was spent): `reserved` shrinks by
    /// the reserved amount and `used` grows by the actual one. Committing a committed reservation
    /// again returns it unchanged.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound`; `Invalid` if `actual` has the wrong length or a
    /// negative amount; `Conflict(WrongState)` if it was released.
    async fn commit_usage(
        &self,
        ctx: &TenantContext,
        id: ReservationId,
        actual: &[i64],
    ) -> Result<UsageReservation>;

    /// Releases a reservation: `reserved` shrinks, `used` is unchanged. Releasing a released one
    /// again returns it unchanged.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `NotFound`; `Conflict(WrongState)` if it was committed.
    async fn release_usage(&self, ctx: &TenantContext, id: ReservationId) -> Result<UsageReservation>;

    /// Settles the caller's dangling reservations (see [`ReapReservations`]: `reserved`, and
    /// whose owner is gone): each is committed at its reserved amounts and stamped `reaped_at`,
    /// atomically. Returns the reaped reservations (empty when none dangled). Idempotent: a
    /// reaped reservation is committed, and never dangles again.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`.
    async fn reap_reservations(
        &self,
        ctx: &TenantContext,
        request: ReapReservations,
    ) -> Result<Vec<UsageReservation>>;

    /// The reservations made for a workflow (every state), oldest first (ties by id): the
    /// ledger's lines behind its counters, with their replay and reaper marks.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_reservations(
        &self,
        ctx: &TenantContext,
        workflow_id: crate::ids::WorkflowId,
    ) -> Result<Vec<UsageReservation>>;

    /// A counter (zero if never touched).
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_usage(
        &self,
        ctx: &TenantContext,
        metric: UsageMetric,
        scope: LedgerScope,
    ) -> Result<UsageRecord>;

    /// Every counter of a scope, ordered by metric.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_usage(&self, ctx: &TenantContext, scope: LedgerScope) -> Result<Vec<UsageRecord>>;

    /// Takes `request.cost` units from the rate limit `(organization, key)` if the window allows
    /// (see [`decide`](crate::ledger::rate_limit::decide)), atomically: concurrent callers never
    /// together exceed the limit.
    /// Requires [`Permission::RunWorkflows`](crate::organization::Permission::RunWorkflows) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `RunWorkflows`; `Invalid` for a zero limit or a window under one second.
    async fn hit_rate_limit(
        &self,
        ctx: &TenantContext,
        request: RateLimitRequest,
    ) -> Result<RateLimitDecision>;
}
