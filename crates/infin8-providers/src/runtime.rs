//! Tokio implementations of the engine's runtime hooks: how it sleeps (rate limits, heartbeats,
//! worker polls, backoff) and where it runs CPU-heavy work (clustering and filtering large
//! keyword lists), so `infin8-core` stays free of any runtime.
//!
//! ```no_run
//! # fn build(builder: infin8_core::engine::EngineBuilder) -> infin8_core::Result<infin8_core::engine::Engine> {
//! let engine = builder
//!     .sleeper(infin8_providers::runtime::tokio_sleeper())
//!     .blocking(infin8_providers::runtime::tokio_blocking())
//!     .build()?;
//! # Ok(engine) }
//! ```

use infin8_core::engine::{Blocking, Sleeper};
use std::sync::Arc;

/// Sleeps with `tokio::time::sleep`.
#[must_use]
pub fn tokio_sleeper() -> Sleeper {
    Arc::new(|d| Box::pin(tokio::time::sleep(d)))
}

/// Runs jobs on tokio's blocking pool (`spawn_blocking`), so a runtime worker thread stays free
/// while a large list is clustered.
#[must_use]
pub fn tokio_blocking() -> Blocking {
    Arc::new(|job| {
        Box::pin(async move {
            // A job that panics is reported by the engine as a dropped job (its result never
            // arrives); nothing else to do with the join error here.
            let _ = tokio::task::spawn_blocking(job).await;
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn blocking_jobs_run_off_the_runtime_thread() {
        let hook = tokio_blocking();
        let caller = std::thread::current().id();
        let (tx, rx) = std::sync::mpsc::channel();
        hook(Box::new(move || {
            tx.send(std::thread::current().id()).ok();
        }))
        .await;
        let ran_on = rx.recv().expect("the job ran");
        assert_ne!(ran_on, caller);
        let start = std::time::Instant::now();
        tokio_sleeper()(std::time::Duration::from_millis(20)).await;
        assert!(start.elapsed() >= std::time::Duration::from_millis(20));
    }
}
