use super::ProviderError;
use crate::money::Usd;
use serde::{Deserialize, Serialize};

/// What a provider call consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProviderUsage {
    /// What the call cost (as reported by the provider, or computed from its price table).
    pub cost: Usd,
    /// HTTP requests made (retries included).
    pub requests: u32,
    /// Prompt / input tokens (language models, embedders).
    pub prompt_tokens: u64,
    /// Completion / output tokens (language models).
    pub completion_tokens: u64,
    /// Items produced or processed (keywords returned, texts embedded, results found).
    pub items: u64,
}

impl ProviderUsage {
    /// Adds another call's usage to this one.
    pub fn add(&mut self, other: &ProviderUsage) {
        self.cost += other.cost;
        self.requests = self.requests.saturating_add(other.requests);
        self.prompt_tokens = self.prompt_tokens.saturating_add(other.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(other.completion_tokens);
        self.items = self.items.saturating_add(other.items);
    }

    /// Total tokens.
    #[must_use]
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }

    /// What a call's outcome consumed and must be charged as actual usage: the success's usage,
    /// or — when the call failed — what the provider billed for it anyway
    /// ([`ProviderError::billed`]: a DataForSEO task failed with `40101`, a completion whose
    /// answer failed its schema, the batches of an embedding call before the one that failed).
    /// `None` when a failure cost nothing: then a reservation is released, not committed.
    ///
    /// This is the one rule the engine's metering applies around every paid call: commit
    /// `charged(&outcome)` when it is `Some`, release otherwise — so the ledger shows money spent
    /// on failed attempts too.
    #[must_use]
    pub fn charged<T>(outcome: &Result<Metered<T>, ProviderError>) -> Option<&ProviderUsage> {
        match outcome {
            Ok(metered) => Some(&metered.usage),
            Err(error) => error.billed(),
        }
    }
}

/// A provider's output with what producing it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Metered<T> {
    /// The output.
    pub value: T,
    /// The cost and usage.
    pub usage: ProviderUsage,
}

impl<T> Metered<T> {
    /// Output with usage.
    pub fn new(value: T, usage: ProviderUsage) -> Self {
        Self { value, usage }
    }

    /// Output that cost nothing (offline providers).
    pub fn free(value: T) -> Self {
        Self { value, usage: ProviderUsage::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charged_is_the_success_or_the_billed_part_of_a_failure() {
        let usage = ProviderUsage { cost: Usd::from_micros(10_100), requests: 1, ..ProviderUsage::default() };
        let ok: Result<Metered<()>, ProviderError> = Ok(Metered::new((), usage));
        assert_eq!(ProviderUsage::charged(&ok), Some(&usage));
        let free: Result<Metered<()>, ProviderError> = Ok(Metered::free(()));
        assert_eq!(
            ProviderUsage::charged(&free),
            Some(&ProviderUsage::default()),
            "a free success commits zero"
        );
        let billed: Result<Metered<()>, ProviderError> =
            Err(ProviderError::unavailable("dataforseo", "Internal SE Server Error.").with_billed(usage));
        assert_eq!(ProviderUsage::charged(&billed), Some(&usage));
        let unbilled: Result<Metered<()>, ProviderError> = Err(ProviderError::auth("tavily", "bad key"));
        assert_eq!(ProviderUsage::charged(&unbilled), None, "release the reservation");
    }
}
