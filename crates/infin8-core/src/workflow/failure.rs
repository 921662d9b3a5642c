//! Why a step failed, and when it is tried again: the failure kind, the retry policy and its
//! backoff schedule. Decided here, once; stores only persist the result.

use crate::error::Error;
use crate::provider::ProviderErrorKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

crate::wire::wire_enum!(
    /// What kind of failure stopped a step. Persisted with the workflow (`failure_kind`), so a
    /// worker fleet can decide what to retry without parsing messages.
    FailureKind, "failure kind" {
        /// A passing fault (provider outage, rate limit, dropped connection): retried
        /// automatically with backoff until the policy's attempts are used up.
        Temporary => "temporary",
        /// A temporary failure that kept failing for every attempt the policy allows. Waits for
        /// an explicit retry.
        RetriesExhausted => "retries_exhausted",
        /// Retrying the same thing cannot help (bad request, bad data, a bug). Waits for an
        /// explicit retry after something changed.
        Permanent => "permanent",
        /// A provider account is out of credit or over its quota. Waits for an explicit retry.
        Quota => "quota",
        /// A provider rejected the credentials. Waits for an explicit retry after they are fixed.
        Auth => "auth",
        /// The plan's usage limit or the workflow's budget would be exceeded. Waits for an
        /// explicit retry (after the limit or budget is raised, or the next billing period).
        Budget => "budget",
    }
);

impl FailureKind {
    /// Whether a worker retries it by itself when it is due.
    #[must_use]
    pub const fn retries_automatically(self) -> bool {
        matches!(self, Self::Temporary)
    }

    /// A short hint of what the user can do, for consoles and reports.
    #[must_use]
    pub const fn advice(self) -> &'static str {
        match self {
            Self::Temporary => "retried automatically",
            Self::RetriesExhausted => "kept failing; check the provider's status, then retry",
            Self::Permanent => "fix the cause, then retry",
            Self::Quota => "add credit or raise the provider's quota, then retry",
            Self::Auth => "fix the provider's credentials, then retry",
            Self::Budget => "raise the budget or plan limit (or wait for the next period), then retry",
        }
    }

    /// The kind of a step's error, before the retry policy is applied: quota and auth from the
    /// provider, budget for plan and budget limits, temporary for anything
    /// [`Error::is_retryable`] says may pass and for a conflict with a concurrent writer (a row
    /// that appeared or changed state under the step: another worker ran the same step after
    /// this one's lease lapsed; trying again reads what it wrote), permanent otherwise.
    #[must_use]
    pub fn of(error: &Error) -> Self {
        use crate::error::ConflictReason;
        match error {
            Error::LimitExceeded { .. } => Self::Budget,
            Error::Provider(e) if e.kind() == ProviderErrorKind::QuotaExhausted => Self::Quota,
            Error::Provider(e) if e.kind() == ProviderErrorKind::Auth => Self::Auth,
            Error::Conflict {
                reason:
                    ConflictReason::AlreadyExists
                    | ConflictReason::WrongState(_)
                    | ConflictReason::StaleWorkflow { .. },
                ..
            } => Self::Temporary,
            e if e.is_retryable() => Self::Temporary,
            _ => Self::Permanent,
        }
    }
}

/// How temporary failures are retried: exponential backoff with full jitter
/// (`random(0, min(max_delay, base_delay × 2^(attempt−1)))`, never below `min_delay`), up to
/// `max_attempts` attempts of a step in all. Set in
/// [`PipelineConfig::retry`](crate::engine::PipelineConfig) and persisted with each workflow
/// when it is created, so every worker applies the same policy to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryPolicy {
    /// Attempts of one step in all (the first run included) before a temporary failure becomes
    /// [`FailureKind::RetriesExhausted`]. At least 1.
    pub max_attempts: u32,
    /// The backoff cap of the first retry.
    pub base_delay: Duration,
    /// The largest backoff cap.
    pub max_delay: Duration,
    /// The shortest wait (so a jitter of zero does not retry in a busy loop).
    pub min_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(300),
            min_delay: Duration::from_millis(250),
        }
    }
}

impl RetryPolicy {
    /// The backoff cap before attempt `attempt + 1`, after `attempt` (≥ 1) failed attempts:
    /// `min(max_delay, base_delay × 2^(attempt−1))`.
    #[must_use]
    pub fn cap(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay)
    }

    /// The wait after `attempt` failed attempts with "full jitter": `jitter` (in `[0, 1)`) of
    /// [`cap`](Self::cap), at least `min_delay`, and at least the provider's `retry_after`
    /// hint when one was given.
    #[must_use]
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 };
        let cap = self.cap(attempt);
        let jittered = cap.mul_f64(jitter).max(self.min_delay.min(cap));
        retry_after.map_or(jittered, |hint| jittered.max(hint))
    }

    /// Decides how a failed attempt is recorded: the step's error, how many attempts failed
    /// before this one, a jitter in `[0, 1)` and the time now. A temporary failure is retried
    /// after a backoff until `max_attempts` attempts failed; every other kind waits for an
    /// explicit retry.
    #[must_use]
    pub fn plan_failure(
        &self,
        error: &Error,
        failed_before: u32,
        jitter: f64,
        now: DateTime<Utc>,
    ) -> Failure {
        let attempt = failed_before.saturating_add(1);
        match FailureKind::of(error) {
            FailureKind::Temporary if attempt < self.max_attempts.max(1) => {
                let wait = self.delay(attempt, jitter, error.retry_after());
                let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                Failure { kind: FailureKind::Temporary, next_attempt_at: now.checked_add_signed(wait) }
            }
            FailureKind::Temporary => Failure { kind: FailureKind::RetriesExhausted, next_attempt_at: None },
            kind => Failure { kind, next_attempt_at: None },
        }
    }

    /// Checks the policy.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::error::InvalidInput) (field `retry`) when `max_attempts` is 0 or
    /// `base_delay` exceeds `max_delay`.
    pub fn check(&self) -> Result<(), crate::error::InvalidInput> {
        if self.max_attempts == 0 {
            return Err(crate::error::InvalidInput::new("retry", "max_attempts must be at least 1"));
        }
        if self.base_delay > self.max_delay {
            return Err(crate::error::InvalidInput::new("retry", "base_delay must not exceed max_delay"));
        }
        Ok(())
    }
}

/// A failure as recorded when a step enters `*_FAILED`: its kind and, for temporary failures,
/// when a worker may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The kind.
    pub kind: FailureKind,
    /// When the step is due again (temporary failures only).
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A deterministic jitter in `[0, 1)` from a seed (e.g. the workflow id and attempt), so the
/// schedule is reproducible in tests and spreads workflows apart in production. (`infin8-core`
/// has no random source of its own.)
#[must_use]
pub fn jitter(seed: &[u8]) -> f64 {
    // FNV-1a, then the top 53 bits as a fraction.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    #[allow(clippy::cast_precision_loss)]
    let fraction = (h >> 11) as f64 / (1u64 << 53) as f64;
    fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Entity;
    use crate::provider::ProviderError;

    fn unavailable() -> Error {
        Error::Provider(ProviderError::Unavailable {
            provider: "p".into(),
            status: Some(503),
            message: "down".into(),
        })
    }

    #[test]
    fn kinds_of_errors() {
        assert_eq!(FailureKind::of(&unavailable()), FailureKind::Temporary);
        let quota =
            Error::Provider(ProviderError::QuotaExhausted { provider: "p".into(), message: "x".into() });
        assert_eq!(FailureKind::of(&quota), FailureKind::Quota);
        let auth = Error::Provider(ProviderError::Auth { provider: "p".into(), message: "x".into() });
        assert_eq!(FailureKind::of(&auth), FailureKind::Auth);
        let budget = Error::LimitExceeded {
            metric: crate::ledger::UsageMetric::CostMicros,
            limit: 1,
            used: 1,
            requested: 1,
        };
        assert_eq!(FailureKind::of(&budget), FailureKind::Budget);
        assert_eq!(FailureKind::of(&Error::not_found(Entity::Workflow, "x")), FailureKind::Permanent);
        let raced = Error::conflict(Entity::Cluster, "x", crate::error::ConflictReason::AlreadyExists);
        assert_eq!(FailureKind::of(&raced), FailureKind::Temporary, "a concurrent writer: try again");
        let reused =
            Error::conflict(Entity::Workflow, "x", crate::error::ConflictReason::IdempotencyKeyReused);
        assert_eq!(FailureKind::of(&reused), FailureKind::Permanent);
    }

    #[test]
    fn wire_names_round_trip() {
        for kind in [
            FailureKind::Temporary,
            FailureKind::RetriesExhausted,
            FailureKind::Permanent,
            FailureKind::Quota,
            FailureKind::Auth,
            FailureKind::Budget,
        ] {
            assert_eq!(kind.as_str().parse::<FailureKind>().unwrap(), kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), serde_json::json!(kind.as_str()));
        }
        assert!("later".parse::<FailureKind>().is_err());
    }

    #[test]
    fn backoff_caps_double_up_to_the_maximum() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
            min_delay: Duration::from_millis(100),
        };
        let caps: Vec<u64> = (1..=6).map(|a| p.cap(a).as_secs()).collect();
        assert_eq!(caps, [1, 2, 4, 8, 10, 10]);
        assert_eq!(p.cap(u32::MAX), Duration::from_secs(10));
        // Full jitter: anywhere in [min, cap], and the provider's hint is a floor.
        assert_eq!(p.delay(3, 0.5, None), Duration::from_secs(2));
        assert_eq!(p.delay(3, 0.0, None), Duration::from_millis(100));
        assert_eq!(p.delay(3, f64::NAN, None), Duration::from_millis(100));
        assert_eq!(p.delay(1, 0.5, Some(Duration::from_secs(30))), Duration::from_secs(30));
    }

    #[test]
    fn temporary_failures_retry_until_attempts_run_out() {
        let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
        let now = Utc::now();
        let first = p.plan_failure(&unavailable(), 0, 0.5, now);
        assert_eq!(first.kind, FailureKind::Temporary);
        assert!(first.next_attempt_at.unwrap() > now);
        let second = p.plan_failure(&unavailable(), 1, 0.5, now);
        assert_eq!(second.kind, FailureKind::Temporary);
        let third = p.plan_failure(&unavailable(), 2, 0.5, now);
        assert_eq!(third, Failure { kind: FailureKind::RetriesExhausted, next_attempt_at: None });
        let permanent = p.plan_failure(&Error::invalid("x", "y"), 0, 0.5, now);
        assert_eq!(permanent, Failure { kind: FailureKind::Permanent, next_attempt_at: None });
    }

    #[test]
    fn jitter_is_a_fraction_and_spreads() {
        let values: Vec<f64> = (0..1000u32).map(|i| jitter(&i.to_le_bytes())).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let low = values.iter().filter(|v| **v < 0.5).count();
        assert!((400..600).contains(&low), "roughly uniform: {low} of 1000 below 0.5");
    }

    #[test]
    fn policy_check() {
        assert!(RetryPolicy::default().check().is_ok());
        assert!(RetryPolicy { max_attempts: 0, ..RetryPolicy::default() }.check().is_err());
        let inverted = RetryPolicy {
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        assert!(inverted.check().is_err());
    }
}
