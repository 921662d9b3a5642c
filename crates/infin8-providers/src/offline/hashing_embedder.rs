//! A real lexical embedding with no model: character n-gram feature hashing.

use async_trait::async_trait;
use infin8_core::cluster::embed::hash_embed;
use infin8_core::provider::{Embedder, Metered, ProviderError, ProviderUsage};

/// The default dimension.
pub const DEFAULT_HASH_DIM: usize = 256;

/// An [`Embedder`] that hashes each text's character 2-, 3- and 4-grams and words into a fixed
/// number of dimensions and L2-normalizes the sum.
///
/// Keywords sharing words or word pieces ("crm software", "crm softwares", "software for crm")
/// get a high cosine similarity; unrelated ones a cosine near zero. It knows nothing of synonyms.
/// Deterministic, offline, free. Token usage is estimated as characters / 4.
///
/// This wraps [`infin8_core::cluster::embed::hash_embed`], so vectors are identical to the ones
/// the core's clustering computes when no embedder is given.
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dim: usize,
    name: String,
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
        Self { dim, name: format!("hashing-ngram-{dim}") }
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

    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError> {
        let vectors: Vec<Vec<f32>> = texts.iter().map(|t| hash_embed(t, self.dim)).collect();
        let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
        let usage = ProviderUsage {
            prompt_tokens: (chars as u64).div_ceil(4),
            items: texts.len() as u64,
            ..ProviderUsage::default()
        };
        Ok(Metered::new(vectors, usage))
    }
}
