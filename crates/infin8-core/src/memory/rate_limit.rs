//! Rate limits per (organization, key, window), counted in fixed windows.

use super::MemoryStore;
use crate::error::{Error, Result};
use crate::ledger::rate_limit::{decide, window_start};
use crate::ledger::{RateLimitDecision, RateLimitRequest};
use crate::tenant::TenantContext;
use std::time::Duration;

impl MemoryStore {
    /// Takes units from a rate limit atomically (the body of
    /// [`UsageStore::hit_rate_limit`](crate::store::UsageStore::hit_rate_limit)).
    pub(super) fn hit_rate_limit_locked(
        &self,
        ctx: &TenantContext,
        request: &RateLimitRequest,
    ) -> Result<RateLimitDecision> {
        if request.limit == 0 {
            return Err(Error::invalid("limit", "zero"));
        }
        if request.window < Duration::from_secs(1) {
            return Err(Error::invalid("window", "under one second"));
        }
        let len = i64::try_from(request.window.as_secs()).unwrap_or(i64::MAX);
        let start = window_start(request.now, request.window);
        let mut state = self.lock();
        let key = |s: i64| (ctx.org_id, request.key.clone(), len, s);
        let current = state.rate_limits.get(&key(start)).copied().unwrap_or(0);
        let previous = state.rate_limits.get(&key(start.saturating_sub(len))).copied().unwrap_or(0);
        let decision = decide(request, current, previous);
        if decision.allowed {
            state.rate_limits.insert(key(start), current.saturating_add(request.cost));
        }
        Ok(decision)
    }
}
