//! Claiming work across organizations: which workflows a worker may take, in what order, and
//! how many per organization. Decided here; each store runs the decision atomically (a locked
//! `UPDATE … FOR UPDATE SKIP LOCKED` on PostgreSQL, one `BEGIN IMMEDIATE` transaction on SQLite,
//! the mutex in memory). See ADR 0004.

use super::failure::FailureKind;
use super::model::{Lease, Workflow};
use super::state::{Phase, WorkflowState};
use crate::ids::{OrgId, WorkflowId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most workflows one claim hands out.
pub const MAX_CLAIM: u32 = 1_000;

/// A worker's request for runnable workflows.
///
/// A workflow is runnable when it is not terminal and not waiting for people
/// ([`WorkflowState::awaits_people`]), nobody holds an unexpired lease on it, and, if it failed,
/// its failure is [`Temporary`](super::FailureKind::Temporary) and due
/// (`next_attempt_at <= now`). Runnable workflows are handed out oldest-due first (a failed one
/// is due at its `next_attempt_at`, any other at its `updated_at`), at most
/// `per_organization` of one organization per claim, so one busy tenant cannot starve the
/// others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// The worker's name; it becomes the lease owner.
    pub owner: String,
    /// The most workflows to hand out (1..=[`MAX_CLAIM`]).
    pub limit: u32,
    /// The most workflows of one organization in this claim (at least 1).
    pub per_organization: u32,
    /// When the leases given out lapse.
    pub lease_expires_at: DateTime<Utc>,
    /// The time now (leases that lapsed at or before it are free; failures due at or before it
    /// are retried).
    pub now: DateTime<Utc>,
    /// Only these organizations (a worker pool dedicated to some tenants); `None` for all.
    pub organizations: Option<Vec<OrgId>>,
    /// Never these organizations (for example those this worker already runs its share of).
    pub exclude_organizations: Vec<OrgId>,
}

impl ClaimRequest {
    /// A request for up to `limit` workflows, leased to `owner` until `now + lease`, one per
    /// organization at most.
    #[must_use]
    pub fn new(owner: impl Into<String>, limit: u32, now: DateTime<Utc>, lease: chrono::Duration) -> Self {
        Self {
            owner: owner.into(),
            limit,
            per_organization: 1,
            lease_expires_at: now + lease,
            now,
            organizations: None,
            exclude_organizations: Vec::new(),
        }
    }

    /// Checks the request.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::error::InvalidInput) (field `claim`) for an empty owner, a limit
    /// outside 1..=[`MAX_CLAIM`], a zero `per_organization`, or a lease that lapses before `now`.
    pub fn check(&self) -> Result<(), crate::error::InvalidInput> {
        let bad = |reason: &str| Err(crate::error::InvalidInput::new("claim", reason));
        if self.owner.trim().is_empty() {
            return bad("owner is empty");
        }
        if self.limit == 0 || self.limit > MAX_CLAIM {
            return bad("limit must be 1..=1000");
        }
        if self.per_organization == 0 {
            return bad("per_organization must be at least 1");
        }
        if self.lease_expires_at <= self.now {
            return bad("the lease must lapse after now");
        }
        Ok(())
    }

    /// Whether `candidate` may be handed out by this request (its organization is allowed and
    /// it is runnable at `now`).
    #[must_use]
    pub fn accepts(&self, candidate: &ClaimCandidate) -> bool {
        let org = candidate.organization_id;
        self.organizations.as_ref().is_none_or(|only| only.contains(&org))
            && !self.exclude_organizations.contains(&org)
            && candidate.is_runnable(self.now)
    }

    /// Picks from `candidates` what this request hands out: those it
    /// [`accepts`](Self::accepts), oldest due first (ties by id), at most `per_organization`
    /// per organization, at most `limit` in all.
    #[must_use]
    pub fn select(&self, candidates: &[ClaimCandidate]) -> Vec<(OrgId, WorkflowId)> {
        let mut candidates: Vec<(OrgId, WorkflowId, DateTime<Utc>)> = candidates
            .iter()
            .filter(|c| self.accepts(c))
            .map(|c| (c.organization_id, c.workflow_id, c.due_at()))
            .collect();
        candidates.sort_by_key(|(_, id, due)| (*due, *id));
        let mut taken: Vec<(OrgId, u32)> = Vec::new();
        let mut out = Vec::new();
        for (org, id, _) in candidates {
            if out.len() >= self.limit as usize {
                break;
            }
            let count = match taken.iter_mut().find(|(o, _)| *o == org) {
                Some((_, n)) => n,
                None => {
                    taken.push((org, 0));
                    &mut taken.last_mut().expect("just pushed").1
                }
            };
            if *count < self.per_organization {
                *count += 1;
                out.push((org, id));
            }
        }
        out
    }

    /// The lease every claimed workflow gets.
    #[must_use]
    pub fn lease(&self) -> Lease {
        Lease { owner: self.owner.clone(), expires_at: self.lease_expires_at }
    }
}

/// A workflow handed to a worker: only its ids, state and lease (no tenant data). The worker
/// does all further work under that organization's [`TenantContext`](crate::TenantContext).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedWorkflow {
    /// The organization.
    pub organization_id: OrgId,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its state when claimed.
    pub state: WorkflowState,
    /// The lease now held.
    pub lease: Lease,
}

/// What a claim looks at of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCandidate {
    /// The organization.
    pub organization_id: OrgId,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its state.
    pub state: WorkflowState,
    /// When its lease lapses, if it has one.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// Its failure kind, if failed.
    pub failure_kind: Option<FailureKind>,
    /// When a temporary failure is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
}

impl ClaimCandidate {
    /// Whether a worker may claim it at `now`: not terminal, no unexpired lease, not waiting for
    /// people (unless the engine marked the gate due because configuration passes it), and (if
    /// failed) a temporary failure that is due.
    #[must_use]
    pub fn is_runnable(&self, now: DateTime<Utc>) -> bool {
        let unleased = self.lease_expires_at.is_none_or(|at| at <= now);
        let due_now = self.next_attempt_at.is_some_and(|at| at <= now);
        let due = if self.state.holds_lease() {
            true
        } else if matches!(self.state, WorkflowState::At(_, Phase::Failed)) {
            self.failure_kind.is_some_and(FailureKind::retries_automatically) && due_now
        } else {
            // A gate is claimable only when the engine marked it due (passed by configuration).
            self.state.awaits_people() && due_now
        };
        unleased && due
    }

    /// When it became due, for ordering: its `next_attempt_at` if it failed, else its
    /// `updated_at`.
    #[must_use]
    pub fn due_at(&self) -> DateTime<Utc> {
        self.next_attempt_at.unwrap_or(self.updated_at)
    }
}

impl From<&Workflow> for ClaimCandidate {
    fn from(w: &Workflow) -> Self {
        Self {
            organization_id: w.organization_id,
            workflow_id: w.id,
            state: w.state,
            lease_expires_at: w.lease.as_ref().map(|l| l.expires_at),
            failure_kind: w.failure_kind,
            next_attempt_at: w.next_attempt_at,
            updated_at: w.updated_at,
        }
    }
}

impl Workflow {
    /// Whether a worker may claim the workflow at `now` (see [`ClaimCandidate::is_runnable`]).
    #[must_use]
    pub fn is_runnable(&self, now: DateTime<Utc>) -> bool {
        ClaimCandidate::from(self).is_runnable(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_is_fair_and_ordered() {
        let now = Utc::now();
        let a = OrgId::new();
        let b = OrgId::new();
        let ids: Vec<WorkflowId> = (0..5).map(|_| WorkflowId::new()).collect();
        let at = |s: i64| now + chrono::Duration::seconds(s);
        let c = |org, id, due| ClaimCandidate {
            organization_id: org,
            workflow_id: id,
            state: WorkflowState::Created,
            lease_expires_at: None,
            failure_kind: None,
            next_attempt_at: None,
            updated_at: due,
        };
        let candidates = vec![
            c(b, ids[4], at(11)),
            c(a, ids[0], at(1)),
            c(a, ids[1], at(2)),
            c(a, ids[2], at(3)),
            c(b, ids[3], at(10)),
        ];
        let mut req = ClaimRequest::new("w", 3, now, chrono::Duration::seconds(30));
        assert_eq!(req.select(&candidates), vec![(a, ids[0]), (b, ids[3])]);
        req.per_organization = 2;
        assert_eq!(req.select(&candidates), vec![(a, ids[0]), (a, ids[1]), (b, ids[3])]);
        req.limit = 1;
        assert_eq!(req.select(&candidates), vec![(a, ids[0])]);
    }

    #[test]
    fn check_rejects_bad_requests() {
        let now = Utc::now();
        let ok = ClaimRequest::new("w", 3, now, chrono::Duration::seconds(30));
        assert!(ok.check().is_ok());
        assert!(ClaimRequest { owner: " ".into(), ..ok.clone() }.check().is_err());
        assert!(ClaimRequest { limit: 0, ..ok.clone() }.check().is_err());
        assert!(ClaimRequest { limit: MAX_CLAIM + 1, ..ok.clone() }.check().is_err());
        assert!(ClaimRequest { per_organization: 0, ..ok.clone() }.check().is_err());
        assert!(ClaimRequest { lease_expires_at: now, ..ok }.check().is_err());
    }
}
