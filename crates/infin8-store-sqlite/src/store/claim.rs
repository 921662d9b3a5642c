//! The store's one cross-tenant operation: claiming runnable workflows for a worker (ADR 0004).
//!
//! Everything else runs through [`Scoped`](crate::scope::Scoped). This module reads only the
//! columns a claim decides on, lets core decide ([`ClaimRequest::select`]), and writes only the
//! lease columns of the chosen rows, all in the one `BEGIN IMMEDIATE` transaction that
//! serializes it against every other writer, in this process or another.

use crate::codec::{self, get_enum, get_id, get_opt_enum, get_opt_ts, get_ts};
use crate::error::Res;
use infin8_core::workflow::{ClaimCandidate, ClaimRequest, ClaimedWorkflow, WorkflowState};
use rusqlite::Transaction;
use std::collections::HashMap;

/// Claims workflows for `request` inside the write transaction `tx`.
pub(super) fn claim(tx: &Transaction<'_>, request: &ClaimRequest) -> Res<Vec<ClaimedWorkflow>> {
    let now = codec::ts(request.now);
    let mut stmt = tx.prepare_cached(
        "SELECT organization_id, id, state, lease_expires_at, failure_kind, next_attempt_at, updated_at \
         FROM intent_workflows \
         WHERE state NOT IN ('COMPLETED', 'CANCELLED') \
         AND (lease_expires_at IS NULL OR lease_expires_at <= ?1) \
         ORDER BY coalesce(next_attempt_at, updated_at), id",
    )?;
    let candidates: Vec<ClaimCandidate> = stmt
        .query_map([&now], |r| {
            Ok(ClaimCandidate {
                organization_id: get_id(r, 0)?,
                workflow_id: get_id(r, 1)?,
                state: get_enum(r, 2)?,
                lease_expires_at: get_opt_ts(r, 3)?,
                failure_kind: get_opt_enum(r, 4)?,
                next_attempt_at: get_opt_ts(r, 5)?,
                updated_at: get_ts(r, 6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let states: HashMap<_, WorkflowState> = candidates.iter().map(|c| (c.workflow_id, c.state)).collect();
    let lease = request.lease();
    let expires = codec::ts(lease.expires_at);
    let mut update = tx.prepare_cached(
        "UPDATE intent_workflows SET lease_owner = ?1, lease_expires_at = ?2 WHERE id = ?3 AND organization_id = ?4",
    )?;
    let mut out = Vec::new();
    for (org, id) in request.select(&candidates) {
        let Some(state) = states.get(&id).copied() else { continue };
        update.execute(rusqlite::params![lease.owner, expires, codec::id(id), codec::id(org)])?;
        out.push(ClaimedWorkflow { organization_id: org, workflow_id: id, state, lease: lease.clone() });
    }
    Ok(out)
}
