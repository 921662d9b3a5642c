//! A real lexical embedding with no model: character n-gram feature hashing.

use super::pricing::{OfflinePrices, chars_to_tokens};
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::cluster::embed::hash_embed;
use infin8_core::provider::{Embedder, Metered, ProviderError, ProviderUsage};

/// The default dimension.
pub const DEFAULT_HASH_DIM: usize = 256;

/// An [`Embedder`] that hashes each text's character 2-, 3- and 4-grams and words into a fixed
/// number of dimensions and L2-normalizes the sum.
///
/// Keywords sharing words or word pieces ("crm software", "crm softwares", "software for crm")
/// get a high cosine similarity; unrelated ones a cosine near zero. It knows nothing of synonyms.
/// Deterministic and offline. Token usage is estimated as characters / 4; free by default, or
/// charged at simulated prices ([`with_prices`](Self::with_prices)).
///
/// This wraps [`infin8_core::cluster::embed::hash_embed`], so vectors are identical to the ones
/// the core's clustering computes when no embedder is given.
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dim: usize,
    name: String,
    prices: OfflinePrices,
}

impl Default for HashingEmbedder {
    fn default() -> Self {
        Self::new(DEFAULT_HASH_DIM)
    }
}

impl HashingEmbedder {
    /// An embedder into `dim` dimensions (at least 1).
    #[must_use]
    pub fn new(dim: usize) -> Self {
        let dim = dim.max(1);
        Self { dim, name: format!("hashing-ngram-{dim}"), prices: OfflinePrices::free() }
    }

    /// Charges tokens at these simulated prices ([`OfflinePrices::embedding`]; free by default).
    #[must_use]
    pub fn with_prices(mut self, prices: OfflinePrices) -> Self {
        self.prices = prices;
        self
    }
}

#[async_trait]
impl Embedder for HashingEmbedder {
    fn model_name(&self) -> &str {
        &self.name
    }

    fn dimensions(&self) -> Option<usize> {
        Some(self.dim)
    }

    /// Characters / 4 at the simulated price.
    fn estimate(&self, texts: &[String]) -> Usd {
        self.prices.embedding_tokens(tokens_of(texts))
    }

    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError> {
        let vectors: Vec<Vec<f32>> = texts.iter().map(|t| hash_embed(t, self.dim)).collect();
        let prompt_tokens = tokens_of(texts);
        let usage = ProviderUsage {
            cost: self.prices.embedding_tokens(prompt_tokens),
            prompt_tokens,
            items: texts.len() as u64,
            ..ProviderUsage::default()
        };
        Ok(Metered::new(vectors, usage))
    }
}

fn tokens_of(texts: &[String]) -> u64 {
    chars_to_tokens(texts.iter().map(|t| t.chars().count()).sum())
}
