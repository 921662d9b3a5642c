//! Simulated prices for the offline providers: what the same calls would cost with the real
//! clients of this crate at their default list prices, so an offline run exercises the usage
//! ledger, the workflow budget and the cost report with realistic numbers.

use crate::openai::ModelPrice;
use infin8_core::Usd;
use infin8_core::provider::SearchDepth;

/// One DataForSEO Labs live call (ranked keywords, suggestions, a metrics batch): $0.0101, the
/// real client's default `labs_call_estimate`.
pub const LIST_KEYWORD_CALL: Usd = Usd::from_micros(10_100);

/// One DataForSEO SERP live call per 10 results: $0.002, the real client's default
/// `serp_estimate_per_10`.
pub const LIST_SERP_PER_10: Usd = Usd::from_micros(2_000);

/// One Tavily credit (pay-as-you-go): $0.008, the real client's default `price_per_credit`. A
/// basic search uses one credit, an advanced one two.
pub const LIST_WEB_CREDIT: Usd = Usd::from_micros(8_000);

/// The language model's price per million prompt tokens: $0.15, OpenAI's list price for
/// `gpt-4o-mini`, the real client's default model.
pub const LIST_LLM_INPUT_PER_MILLION: Usd = Usd::from_micros(150_000);

/// The language model's price per million completion tokens: $0.60 (`gpt-4o-mini`).
pub const LIST_LLM_OUTPUT_PER_MILLION: Usd = Usd::from_micros(600_000);

/// The embedder's price per million input tokens: $0.02, OpenAI's list price for
/// `text-embedding-3-small`, the real client's default embedding model.
pub const LIST_EMBEDDING_PER_MILLION: Usd = Usd::from_micros(20_000);

/// Completion tokens a language-model estimate assumes when a request sets no `max_tokens` (the
/// real client's default `estimate_max_tokens`).
pub const ESTIMATE_MAX_TOKENS: u32 = 4096;

/// What the offline providers charge per call, reported through [`Metered`] usage like a real
/// client's cost and reserved beforehand through each provider's `estimate`.
///
/// The money is simulated: nothing is paid. [`OfflinePrices::list`] mirrors the real clients'
/// default list prices (the `LIST_*` constants); [`OfflinePrices::free`] charges nothing.
///
/// ```
/// use infin8_providers::offline::OfflinePrices;
/// use infin8_core::Usd;
/// let prices = OfflinePrices::list();
/// assert_eq!(prices.keyword_call, Usd::from_micros(10_100)); // $0.0101 per DataForSEO Labs call
/// let demo = OfflinePrices { web_credit: Usd::ZERO, ..OfflinePrices::list() };
/// assert!(!demo.is_free());
/// assert!(OfflinePrices::free().is_free());
/// ```
///
/// [`Metered`]: infin8_core::provider::Metered
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflinePrices {
    /// One keyword research call (ranked keywords, suggestions or metrics).
    pub keyword_call: Usd,
    /// One SERP call, per started 10 results of depth.
    pub serp_per_10: Usd,
    /// One web search credit (basic searches use one, advanced two).
    pub web_credit: Usd,
    /// Language model tokens (prompt and completion estimated as characters / 4).
    pub llm: ModelPrice,
    /// Embedding tokens (estimated as characters / 4).
    pub embedding: ModelPrice,
}

impl Default for OfflinePrices {
    /// [`OfflinePrices::list`].
    fn default() -> Self {
        Self::list()
    }
}

impl OfflinePrices {
    /// The real clients' default list prices (the `LIST_*` constants of this module).
    #[must_use]
    pub const fn list() -> Self {
        Self {
            keyword_call: LIST_KEYWORD_CALL,
            serp_per_10: LIST_SERP_PER_10,
            web_credit: LIST_WEB_CREDIT,
            llm: ModelPrice {
                input_per_million: LIST_LLM_INPUT_PER_MILLION,
                output_per_million: LIST_LLM_OUTPUT_PER_MILLION,
            },
            embedding: ModelPrice {
                input_per_million: LIST_EMBEDDING_PER_MILLION,
                output_per_million: Usd::ZERO,
            },
        }
    }

    /// Every call free.
    #[must_use]
    pub const fn free() -> Self {
        let zero = ModelPrice { input_per_million: Usd::ZERO, output_per_million: Usd::ZERO };
        Self {
            keyword_call: Usd::ZERO,
            serp_per_10: Usd::ZERO,
            web_credit: Usd::ZERO,
            llm: zero,
            embedding: zero,
        }
    }

    /// Whether every price is zero.
    #[must_use]
    pub fn is_free(&self) -> bool {
        *self == Self::free()
    }

    /// A SERP call of `depth` results.
    #[must_use]
    pub fn serp(&self, depth: u32) -> Usd {
        self.serp_per_10.times(i64::from(depth.max(1).div_ceil(10)))
    }

    /// A web search of `depth`.
    #[must_use]
    pub fn web_search(&self, depth: SearchDepth) -> Usd {
        let credits = match depth {
            SearchDepth::Basic => 1,
            SearchDepth::Advanced => 2,
        };
        self.web_credit.times(credits)
    }

    /// A language-model call of these token counts.
    #[must_use]
    pub fn llm_tokens(&self, prompt_tokens: u64, completion_tokens: u64) -> Usd {
        self.llm.cost(prompt_tokens, completion_tokens)
    }

    /// Embedding this many tokens.
    #[must_use]
    pub fn embedding_tokens(&self, tokens: u64) -> Usd {
        self.embedding.cost(tokens, 0)
    }
}

/// Tokens of `chars` characters, as every client in this crate estimates them (characters / 4).
pub(crate) fn chars_to_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataforseo::DataForSeoConfig;
    use crate::openai::{DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL, OpenAiConfig, PriceTable};
    use crate::tavily::TavilyConfig;
    use secrecy::SecretString;

    /// The simulated prices are the real clients' defaults: a change there must show here.
    #[test]
    fn list_prices_mirror_the_real_clients_defaults() {
        let dfs = DataForSeoConfig::new("login", SecretString::from("password"));
        assert_eq!(LIST_KEYWORD_CALL, dfs.labs_call_estimate);
        assert_eq!(LIST_SERP_PER_10, dfs.serp_estimate_per_10);
        let tavily = TavilyConfig::new(SecretString::from("tvly-key"));
        assert_eq!(LIST_WEB_CREDIT, tavily.price_per_credit);
        let table = PriceTable::openai_defaults();
        assert_eq!(table.price(DEFAULT_CHAT_MODEL), Some(OfflinePrices::list().llm));
        assert_eq!(table.price(DEFAULT_EMBEDDING_MODEL), Some(OfflinePrices::list().embedding));
        let openai = OpenAiConfig::openai(SecretString::from("sk-key"));
        assert_eq!(ESTIMATE_MAX_TOKENS, openai.estimate_max_tokens);
    }

    #[test]
    fn call_prices() {
        let p = OfflinePrices::list();
        assert_eq!(p.serp(10), Usd::from_micros(2_000));
        assert_eq!(p.serp(11), Usd::from_micros(4_000));
        assert_eq!(p.serp(0), Usd::from_micros(2_000));
        assert_eq!(p.web_search(SearchDepth::Advanced), Usd::from_micros(16_000));
        // 1,000 prompt tokens at $0.15/M + 1,000 completion tokens at $0.60/M = $0.00075.
        assert_eq!(p.llm_tokens(1_000, 1_000), Usd::from_micros(750));
        assert_eq!(p.embedding_tokens(1_000_000), Usd::from_micros(20_000));
        let free = OfflinePrices::free();
        assert_eq!(
            free.serp(100) + free.web_search(SearchDepth::Advanced) + free.llm_tokens(9, 9),
            Usd::ZERO
        );
        assert_eq!(chars_to_tokens(9), 3);
    }
}
