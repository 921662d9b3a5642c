//! Usage metrics, billing periods and reservations.

use crate::error::InvalidInput;
use crate::ids::{ReservationId, WorkflowId};
use crate::wire::wire_enum;
use crate::workflow::Lease;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

wire_enum!(
    /// What is counted.
    UsageMetric, "usage metric" {
        /// Workflows started.
        Workflows => "workflows",
        /// ICP generations.
        IcpGeneration => "icp_generation",
        /// Keyword research calls.
        KeywordResearch => "keyword_research",
        /// Web research calls.
        WebResearch => "web_research",
        /// LLM tokens.
        LlmTokens => "llm_tokens",
        /// Texts embedded.
        Embeddings => "embeddings",
        /// Articles generated.
        ArticleGeneration => "article_generation",
        /// Posts published.
        Publish => "publish",
        /// Provider spend in micro-dollars.
        CostMicros => "cost_usd_micros",
    }
);

/// A billing period: a calendar month in UTC, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BillingPeriod {
    year: i32,
    month: u32,
}

impl BillingPeriod {
    /// The period containing `at` (UTC).
    #[must_use]
    pub fn of(at: DateTime<Utc>) -> Self {
        Self { year: at.year(), month: at.month() }
    }

    /// A period from year and month.
    ///
    /// # Errors
    /// [`InvalidInput`] for a month outside 1..=12 or a year outside 1970..=9999.
    pub fn new(year: i32, month: u32) -> Result<Self, InvalidInput> {
        if !(1..=12).contains(&month) || !(1970..=9999).contains(&year) {
            return Err(InvalidInput::new("billing_period", format!("{year}-{month} is not a month")));
        }
        Ok(Self { year, month })
    }

    /// The following month.
    #[must_use]
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }
}

impl fmt::Display for BillingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for BillingPeriod {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || InvalidInput::new("billing_period", format!("{s:?} is not YYYY-MM"));
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Self::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?)
    }
}

impl Serialize for BillingPeriod {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BillingPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What a usage counter is kept for: an organization's billing month, or one workflow's whole
/// life (its budget). Wire form: `2026-11` or `workflow:<uuid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerScope {
    /// A billing month.
    Month(BillingPeriod),
    /// One workflow.
    Workflow(WorkflowId),
}

impl fmt::Display for LedgerScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Month(p) => write!(f, "{p}"),
            Self::Workflow(w) => write!(f, "workflow:{w}"),
        }
    }
}

impl FromStr for LedgerScope {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("workflow:") {
            Some(id) => id
                .parse()
                .map(Self::Workflow)
                .map_err(|_| InvalidInput::new("ledger_scope", format!("{s:?} is not a workflow scope"))),
            None => s.parse().map(Self::Month),
        }
    }
}

impl Serialize for LedgerScope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LedgerScope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A usage counter (`usage_tracking` row): committed usage and outstanding reservations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Metric.
    pub metric: UsageMetric,
    /// Scope.
    pub scope: LedgerScope,
    /// Committed.
    pub used: i64,
    /// Reserved, not yet committed or released.
    pub reserved: i64,
}

/// One counter a reservation holds against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    /// Metric.
    pub metric: UsageMetric,
    /// Scope.
    pub scope: LedgerScope,
    /// Amount to reserve (≥ 0).
    pub amount: i64,
    /// `used + reserved + amount` must stay ≤ this; `None` for no limit (count only).
    pub limit: Option<i64>,
}

/// A reservation request: all lines are reserved, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveUsage {
    /// Caller-chosen id (derive it from the work item so a replay finds the same reservation).
    pub id: ReservationId,
    /// The workflow it is for, if any.
    pub workflow_id: Option<WorkflowId>,
    /// What it is for (`"icp"`, `"section:3"`), recorded.
    pub purpose: String,
    /// The counters (each `(metric, scope)` at most once).
    pub lines: Vec<UsageLine>,
    /// The committed reservation whose paid call this one makes again (its result was lost in a
    /// crash): the call is charged again, and the ledger row says it was a replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_of: Option<ReservationId>,
}

impl ReserveUsage {
    /// Checks the request's shape, as every store does before touching a counter: at least one
    /// line, no negative amount, no `(metric, scope)` twice.
    ///
    /// # Errors
    /// [`InvalidInput`] (field `lines` or `amount`).
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if self.lines.is_empty() {
            return Err(InvalidInput::new("lines", "a reservation needs at least one line"));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.lines.len());
        for line in &self.lines {
            if line.amount < 0 {
                return Err(InvalidInput::new("amount", "negative"));
            }
            if !seen.insert((line.metric, line.scope)) {
                return Err(InvalidInput::new(
                    "lines",
                    format!("{} for {} appears twice", line.metric, line.scope),
                ));
            }
        }
        Ok(())
    }
}

wire_enum!(
    /// Where a reservation is.
    ReservationState, "reservation state" {
        /// Held.
        Reserved => "reserved",
        /// Actual amounts charged.
        Committed => "committed",
        /// Given back.
        Released => "released",
    }
);

/// A recorded reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReservation {
    /// Id.
    pub id: ReservationId,
    /// Workflow.
    pub workflow_id: Option<WorkflowId>,
    /// Purpose.
    pub purpose: String,
    /// Lines as reserved.
    pub lines: Vec<UsageLine>,
    /// Committed amounts per line (after commit).
    pub committed: Option<Vec<i64>>,
    /// State.
    pub state: ReservationState,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The committed reservation whose paid call this one made again after a crash (see
    /// [`ReserveUsage::replay_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_of: Option<ReservationId>,
    /// When a reaper settled it because its owner was gone ([`ReapReservations`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaped_at: Option<DateTime<Utc>>,
}

/// A reaper's request: settle the reservations still `reserved` whose owner is gone, so that no
/// reservation holds a plan limit forever after its worker died.
///
/// A reservation's owner is whoever holds its workflow's lease (every step runs under one). A
/// reservation is *dangling* ([`is_dangling`](Self::is_dangling)) when it is `reserved` and
/// - its workflow is not leased, or its lease has lapsed at `now`, or is held by the reaper
///   itself (`owner`: a worker reaps a workflow it holds just before it runs a step of it, when
///   nothing of its own is in flight there), or
/// - it is older than `max_age` (no paid call takes that long), or has no workflow and is older
///   than `max_age`.
///
/// A dangling reservation is **committed at its reserved amounts** and stamped `reaped_at`: its
/// owner died between reserving and recording, most likely during the paid call, which the
/// provider bills either way; counting the estimate keeps the budget from under-counting, and a
/// step that makes the call again is charged again as a replay
/// ([`ReserveUsage::replay_of`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReapReservations {
    /// Only this workflow's reservations (`None`: the whole organization's).
    pub workflow_id: Option<WorkflowId>,
    /// The reaper's worker id: a lease it holds counts as gone. `None` for a reaper that holds
    /// no lease it could be running under (a sweep of a whole organization).
    pub owner: Option<String>,
    /// Now (the leases' clock).
    pub now: DateTime<Utc>,
    /// Reservations older than this are dangling whatever holds their workflow.
    pub max_age: chrono::Duration,
}

impl ReapReservations {
    /// The default bound on a reservation's age: one hour.
    pub const DEFAULT_MAX_AGE: chrono::Duration = chrono::Duration::hours(1);

    /// A sweep of the whole organization at `now`, with the default age bound.
    #[must_use]
    pub fn organization(now: DateTime<Utc>) -> Self {
        Self { workflow_id: None, owner: None, now, max_age: Self::DEFAULT_MAX_AGE }
    }

    /// The reaping of `workflow` by `owner`, the worker about to run a step of it.
    #[must_use]
    pub fn workflow(workflow: WorkflowId, owner: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self { workflow_id: Some(workflow), owner: Some(owner.into()), now, max_age: Self::DEFAULT_MAX_AGE }
    }

    /// Whether `reservation` is dangling, given its workflow's lease (`None` when the workflow
    /// holds none or the reservation has no workflow). Every store reaps exactly these.
    #[must_use]
    pub fn is_dangling(&self, reservation: &UsageReservation, lease: Option<&Lease>) -> bool {
        if reservation.state != ReservationState::Reserved {
            return false;
        }
        if self.workflow_id.is_some() && reservation.workflow_id != self.workflow_id {
            return false;
        }
        if reservation.created_at + self.max_age <= self.now {
            return true;
        }
        if reservation.workflow_id.is_none() {
            return false;
        }
        match lease {
            None => true,
            Some(l) => l.expires_at <= self.now || self.owner.as_deref() == Some(l.owner.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn billing_period_is_utc_month() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 23, 59, 59).unwrap();
        let p = BillingPeriod::of(at);
        assert_eq!(p.to_string(), "2026-12");
        assert_eq!(p.next().to_string(), "2027-01");
        assert_eq!("2026-03".parse::<BillingPeriod>().unwrap().to_string(), "2026-03");
        for bad in ["2026-13", "2026-00", "26-01", "2026-1", "2026/01", "abcd-ef", ""] {
            assert!(bad.parse::<BillingPeriod>().is_err(), "{bad}");
        }
    }

    #[test]
    fn scope_round_trips() {
        let w = WorkflowId::new();
        for s in [LedgerScope::Workflow(w), LedgerScope::Month(BillingPeriod::new(2026, 11).unwrap())] {
            assert_eq!(s.to_string().parse::<LedgerScope>().unwrap(), s);
        }
        assert!("workflow:nope".parse::<LedgerScope>().is_err());
    }
}
