//! Ledgers: usage with an atomic reserve → commit/release cost guard, and rate limits.

pub mod rate_limit;
pub mod usage;

pub use rate_limit::{RateLimitDecision, RateLimitRequest, RateLimitWindow, WindowKind};
pub use usage::{
    BillingPeriod, LedgerScope, ReapReservations, ReservationState, ReserveUsage, UsageLine, UsageMetric,
    UsageRecord, UsageReservation,
};
