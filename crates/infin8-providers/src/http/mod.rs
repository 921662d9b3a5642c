//! The one HTTP layer every real client shares: client construction (rustls with the ring
//! provider, connect/read/total timeouts), retries (exponential backoff with full jitter,
//! honouring `Retry-After` and `retry-after-ms`, bounded in attempts and total time, never
//! retrying a non-idempotent request the server may have processed), a client-side rate limiter,
//! status → error mapping, and one `tracing` span per attempt.
//!
//! Only the configuration types are public: reqwest never appears in a public signature.

mod client;
mod config;
mod retry;
mod status;

pub(crate) use client::{HttpClient, Idempotency};
pub use config::{HttpConfig, RateLimit, RetryPolicy};
pub use retry::parse_retry_after;
pub(crate) use status::{error_for_status, record_call, truncate_message};
