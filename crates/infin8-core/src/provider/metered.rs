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
