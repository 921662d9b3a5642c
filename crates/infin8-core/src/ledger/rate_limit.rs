//! Rate limits per (organization, key, window).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A rate-limit counter (`rate_limits` row): units taken in one fixed window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitWindow {
    /// Owner.
    pub organization_id: crate::ids::OrgId,
    /// The limited thing.
    pub key: String,
    /// Window start, seconds since the Unix epoch (see [`window_start`]).
    pub window_start: i64,
    /// Window length, seconds.
    pub window_secs: i64,
    /// Units taken.
    pub count: i64,
}

/// How a window counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// Fixed windows aligned to multiples of the window length since the Unix epoch.
    Fixed,
    /// Sliding window, approximated from the current and previous fixed windows: the previous
    /// window's count weighted by how much of it still overlaps the sliding window.
    Sliding,
}

/// A request to take one (or `cost`) unit from a rate limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitRequest {
    /// The limited thing (`"provider:dataforseo"`).
    pub key: String,
    /// Units per window.
    pub limit: u32,
    /// Window length (≥ 1 second).
    pub window: Duration,
    /// Fixed or sliding.
    pub kind: WindowKind,
    /// Units to take (usually 1).
    pub cost: u32,
    /// Now.
    pub now: DateTime<Utc>,
}

/// The decision: allowed (and counted) or refused (and not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitDecision {
    /// Whether the units were taken.
    pub allowed: bool,
    /// Units left in the window after this request.
    pub remaining: u32,
    /// When refused: how long until the request could succeed.
    pub retry_after: Option<Duration>,
}

/// The start of the fixed window containing `now`, in whole seconds since the epoch.
#[must_use]
pub fn window_start(now: DateTime<Utc>, window: Duration) -> i64 {
    let len = window.as_secs().max(1) as i64;
    now.timestamp().div_euclid(len) * len
}

/// Decides a request given the counts already taken in the current and previous fixed windows.
/// Pure; stores call it inside their atomic section and persist `current + cost` when allowed.
#[must_use]
pub fn decide(request: &RateLimitRequest, current: u32, previous: u32) -> RateLimitDecision {
    let len = request.window.as_secs().max(1) as i64;
    let start = window_start(request.now, request.window);
    let elapsed =
        (request.now.timestamp() - start) as f64 + f64::from(request.now.timestamp_subsec_millis()) / 1000.0;
    let weight = match request.kind {
        WindowKind::Fixed => 0.0,
        WindowKind::Sliding => 1.0 - (elapsed / len as f64).clamp(0.0, 1.0),
    };
    let effective = f64::from(previous) * weight + f64::from(current);
    let limit = f64::from(request.limit);
    if effective + f64::from(request.cost) <= limit {
        let left = (limit - effective - f64::from(request.cost)).floor().max(0.0);
        RateLimitDecision { allowed: true, remaining: left as u32, retry_after: None }
    } else {
        let until_next = Duration::from_secs_f64((len as f64 - elapsed).max(0.001));
        RateLimitDecision { allowed: false, remaining: 0, retry_after: Some(until_next) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn req(kind: WindowKind, secs_into_window: i64) -> RateLimitRequest {
        RateLimitRequest {
            key: "k".into(),
            limit: 10,
            window: Duration::from_secs(60),
            kind,
            cost: 1,
            now: Utc.timestamp_opt(6_000 + secs_into_window, 0).unwrap(),
        }
    }

    #[test]
    fn fixed_window() {
        assert!(decide(&req(WindowKind::Fixed, 0), 9, 10).allowed);
        let d = decide(&req(WindowKind::Fixed, 15), 10, 0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after, Some(Duration::from_secs(45)));
    }

    #[test]
    fn sliding_window_weights_previous() {
        // 15 s into the window, 75% of the previous window still counts: 10 * 0.75 + 2 = 9.5.
        assert!(!decide(&req(WindowKind::Sliding, 15), 2, 10).allowed);
        assert!(decide(&req(WindowKind::Sliding, 45), 2, 10).allowed);
    }
}
