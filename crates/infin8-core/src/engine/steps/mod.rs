//! The ten steps. Each runs after the engine claimed the workflow (`*_PROCESSING` under this
//! worker's lease), writes its results through the store's idempotent operations (natural keys,
//! upserts, replace-all, claims), and may run again after a crash with the same result.

pub(crate) mod articles;
pub(crate) mod clustering;
pub(crate) mod competitors;
pub(crate) mod filtering;
pub(crate) mod icp;
pub(crate) mod longtails;
pub(crate) mod publish;
pub(crate) mod serp_clustering;
pub(crate) mod subtopics;
pub(crate) mod validation;

/// How a step ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepEnd {
    /// Move to `*_COMPLETED`.
    Completed,
    /// Move to `*_AWAITING_REVIEW` (subtopics with a review gate).
    AwaitReview,
}

/// A length as a workflow counter.
pub(crate) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Parses a JSON answer of the language model into `T`.
pub(crate) fn parse_answer<T: serde::de::DeserializeOwned>(
    provider: &str,
    completion: &crate::provider::Completion,
) -> Result<T, crate::provider::ProviderError> {
    let value = match &completion.json {
        Some(v) => v.clone(),
        None => serde_json::from_str(&completion.content).map_err(|e| {
            crate::provider::ProviderError::decode(provider, e.to_string(), &completion.content)
        })?,
    };
    serde_json::from_value(value)
        .map_err(|e| crate::provider::ProviderError::decode(provider, e.to_string(), &completion.content))
}
