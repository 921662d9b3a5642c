//! Charging the usage ledger around paid calls: reserve the estimate (all-or-nothing against the
//! plan's monthly limits, the monthly spend cap and the workflow budget), call, commit the actual
//! amounts, or release on failure.
//!
//! Reservation ids are derived from `(workflow, step, item key, generation)`. A replay after a
//! crash derives the same id, and `reserve_usage` returns the recorded reservation instead of
//! charging again: a `reserved` one was left by this step's earlier run (a reaper settles those
//! of dead owners before a step runs, see [`ReapReservations`](crate::ledger::ReapReservations))
//! and is used for this attempt; a `released` one means an earlier attempt failed, and the next
//! generation is used. A `committed` one means the call was paid for and its result lost: a paid
//! call made again ([`Charge::Replay`]) is charged again on the next generation, flagged with
//! `replay_of`, so the ledger shows what was really spent; work that is not re-made
//! ([`Charge::Once`], e.g. adopting a post found by its key) is not charged again.
//!
//! Workflow creation charges its `workflows` unit in the creating store call itself
//! ([`creation_charge`]), so a crash cannot separate a workflow from its charge.

use crate::error::{ConflictReason, Error, Result};
use crate::ids::{ReservationId, WorkflowId};
use crate::ledger::{BillingPeriod, LedgerScope, ReservationState, ReserveUsage, UsageLine, UsageMetric};
use crate::money::Usd;
use crate::organization::PlanLimits;
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::workflow::Step;
use chrono::{DateTime, Utc};

/// The most generations tried for one item (each failed attempt uses one).
const MAX_GENERATIONS: u32 = 1_000;

/// What a paid call is expected to use: units per metric and a cost, reserved before the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spend {
    /// The item key, unique within the step (`"icp"`, `"competitor:example.com"`).
    pub key: String,
    /// Units per metric (each metric at most once; not [`UsageMetric::CostMicros`]).
    pub units: Vec<(UsageMetric, i64)>,
    /// Estimated cost.
    pub cost: Usd,
}

/// What a `committed` reservation found for an item means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charge {
    /// The work is charged exactly once: a committed reservation means it was paid for.
    Once,
    /// A paid call about to be made (again): a committed reservation means an earlier run paid
    /// for a call whose result it lost, and this call is charged again as its replay.
    Replay,
}

/// A reservation held for a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Held {
    /// Reserved now or by an earlier run that died before committing: commit it.
    Live {
        /// The reservation.
        id: ReservationId,
        /// The amounts reserved, per line.
        reserved: Vec<i64>,
    },
    /// Committed by an earlier run: the call is not charged again.
    Committed,
}

/// The ledger lines of a spend: each metric against its monthly limit, the cost against the
/// monthly spend cap and against the workflow's budget.
pub(crate) fn lines(
    spend: &Spend,
    workflow: WorkflowId,
    budget: Option<Usd>,
    limits: &PlanLimits,
    now: DateTime<Utc>,
) -> Vec<UsageLine> {
    let month = LedgerScope::Month(BillingPeriod::of(now));
    let mut out: Vec<UsageLine> = spend
        .units
        .iter()
        .map(|&(metric, amount)| UsageLine {
            metric,
            scope: month,
            amount: amount.max(0),
            limit: Some(limits.limit(metric)),
        })
        .collect();
    let cost = spend.cost.micros().max(0);
    out.push(UsageLine {
        metric: UsageMetric::CostMicros,
        scope: month,
        amount: cost,
        limit: Some(limits.monthly_spend.micros()),
    });
    out.push(UsageLine {
        metric: UsageMetric::CostMicros,
        scope: LedgerScope::Workflow(workflow),
        amount: cost,
        limit: budget.map(Usd::micros),
    });
    out
}

/// The actual amounts to commit, line by line, given actual units per metric and the actual cost.
pub(crate) fn actual_amounts(lines: &[UsageLine], units: &[(UsageMetric, i64)], cost: Usd) -> Vec<i64> {
    lines
        .iter()
        .map(|l| {
            if l.metric == UsageMetric::CostMicros {
                cost.micros().max(0)
            } else {
                units.iter().find(|(m, _)| *m == l.metric).map_or(l.amount, |(_, a)| (*a).max(0))
            }
        })
        .collect()
}

/// Attempts per ledger operation when the store reports a retryable failure (a deadlock or
/// serialization failure between concurrent reservations). Every ledger operation is idempotent,
/// so trying again is safe.
const LEDGER_ATTEMPTS: usize = 4;

/// Runs a ledger operation, trying again on retryable store failures.
async fn retrying<T, F, Fut>(mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(Error::Backend { retryable: true, .. }) if attempt < LEDGER_ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

/// Reserves a spend (see the [module docs](self)).
///
/// # Errors
/// `LimitExceeded` when a line does not fit (nothing reserved); store failures.
pub(crate) async fn hold(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: WorkflowId,
    step: Step,
    spend: &Spend,
    lines: Vec<UsageLine>,
    charge: Charge,
) -> Result<Held> {
    let mut replay_of = None;
    for generation in 0..MAX_GENERATIONS {
        let id = reservation_id(workflow, step, &spend.key, generation);
        let request = ReserveUsage {
            id,
            workflow_id: Some(workflow),
            purpose: match replay_of {
                Some(_) => format!("{}:{} (replay)", step.label(), spend.key),
                None => format!("{}:{}", step.label(), spend.key),
            },
            lines: lines.clone(),
            replay_of,
        };
        match retrying(|| store.reserve_usage(ctx, request.clone())).await {
            Ok(r) => match (r.state, charge) {
                (ReservationState::Reserved, _) => {
                    return Ok(Held::Live { id, reserved: r.lines.iter().map(|l| l.amount).collect() });
                }
                (ReservationState::Committed, Charge::Once) => return Ok(Held::Committed),
                (ReservationState::Committed, Charge::Replay) => {
                    // This call makes the committed one's again: the next generation replays it.
                    replay_of = Some(r.id);
                }
                (ReservationState::Released, _) => {}
            },
            // Recorded with other lines (e.g. the plan changed since): a new generation.
            Err(Error::Conflict { reason: ConflictReason::IdempotencyKeyReused, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(Error::invalid("reservation", format!("too many attempts for {}", spend.key)))
}

/// The id of an item's reservation of one generation.
fn reservation_id(workflow: WorkflowId, step: Step, key: &str, generation: u32) -> ReservationId {
    ReservationId::derive(&[
        workflow.to_string().as_bytes(),
        step.wire_prefix().as_bytes(),
        key.as_bytes(),
        generation.to_string().as_bytes(),
    ])
}

/// What creating `workflow` costs: one unit of the organization's monthly `workflows` limit,
/// charged by the store's `create_workflow` in the same atomic operation
/// ([`NewWorkflow::charge`](crate::workflow::NewWorkflow::charge)). Its id is the one the
/// creation charge always had (`workflow`'s first generation of item `workflow` in the ICP step).
pub(crate) fn creation_charge(workflow: WorkflowId, limits: &PlanLimits, now: DateTime<Utc>) -> ReserveUsage {
    let spend = Spend { key: "workflow".into(), units: vec![(UsageMetric::Workflows, 1)], cost: Usd::ZERO };
    ReserveUsage {
        id: reservation_id(workflow, Step::Icp, &spend.key, 0),
        workflow_id: Some(workflow),
        purpose: format!("{}:{}", Step::Icp.label(), spend.key),
        lines: lines(&spend, workflow, None, limits, now),
        replay_of: None,
    }
}

/// Commits a live reservation with the actual amounts; nothing for an already committed one.
///
/// # Errors
/// Store failures.
pub(crate) async fn settle(
    store: &dyn Store,
    ctx: &TenantContext,
    held: &Held,
    actual: &[i64],
) -> Result<()> {
    if let Held::Live { id, .. } = held {
        retrying(|| store.commit_usage(ctx, *id, actual)).await?;
    }
    Ok(())
}

/// Releases a live reservation (the call failed; nothing was spent).
///
/// # Errors
/// Store failures.
pub(crate) async fn release(store: &dyn Store, ctx: &TenantContext, held: &Held) -> Result<()> {
    if let Held::Live { id, .. } = held {
        retrying(|| store.release_usage(ctx, *id)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organization::Plan;

    #[test]
    fn lines_cover_metric_month_cap_and_budget() {
        let wf = WorkflowId::new();
        let spend = Spend {
            key: "icp".into(),
            units: vec![(UsageMetric::IcpGeneration, 1), (UsageMetric::LlmTokens, 900)],
            cost: Usd::from_micros(1_500),
        };
        let limits = Plan::Free.limits();
        let ls = lines(&spend, wf, Some(Usd::from_micros(10_000)), &limits, Utc::now());
        assert_eq!(ls.len(), 4);
        assert_eq!(ls[0].limit, Some(limits.icp_generation));
        assert_eq!(ls[2].metric, UsageMetric::CostMicros);
        assert_eq!(ls[2].limit, Some(limits.monthly_spend.micros()));
        assert_eq!(ls[3].scope, LedgerScope::Workflow(wf));
        assert_eq!(ls[3].limit, Some(10_000));
        let actual = actual_amounts(&ls, &[(UsageMetric::LlmTokens, 700)], Usd::from_micros(1_200));
        assert_eq!(actual, vec![1, 700, 1_200, 1_200]);
    }
}
