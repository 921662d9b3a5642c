//! Embeddings: [`Embedder`] for [`OpenAiClient`].

use super::client::{Attempts, OpenAiClient};
use super::convert::{parse_object, vectors_in_order};
use super::error::PROVIDER;
use super::wire::{EmbeddingsRequest, EmbeddingsResponse};
use crate::http::record_call;
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::provider::{Embedder, Metered, ProviderError, ProviderUsage};

const EMBEDDINGS: &str = "embeddings";

fn tokens_estimate(texts: &[String]) -> u64 {
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    (chars as u64).div_ceil(4)
}

#[async_trait]
impl Embedder for OpenAiClient {
    fn model_name(&self) -> &str {
        &self.config.embedding_model
    }

    fn dimensions(&self) -> Option<usize> {
        self.config.embedding_dimensions
    }

    /// `GET /models`: the key works and the embedding model is served.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        self.check_model(&self.config.embedding_model, "OPENAI_EMBEDDING_MODEL").await
    }

    /// Characters / 4 tokens at the embedding model's price.
    fn estimate(&self, texts: &[String]) -> Usd {
        self.config
            .prices
            .price(&self.config.embedding_model)
            .map_or(Usd::ZERO, |p| p.cost(tokens_estimate(texts), 0))
    }

    /// Embeds in batches of `embedding_batch_size`, in input order. Empty texts are sent as a
    /// single space (servers reject empty input).
    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError> {
        let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(texts.len());
        let mut prompt_tokens = 0_u64;
        // What the batches already embedded cost: billed even if a later batch fails.
        let mut paid = ProviderUsage::default();
        for batch in texts.chunks(self.config.embedding_batch_size.max(1)) {
            let input: Vec<String> =
                batch.iter().map(|t| if t.trim().is_empty() { " ".to_string() } else { t.clone() }).collect();
            let body = EmbeddingsRequest {
                model: self.config.embedding_model.clone(),
                input,
                encoding_format: "float",
                dimensions: self.config.embedding_dimensions,
            };
            let expected_dim = self.config.embedding_dimensions.or_else(|| vectors.first().map(Vec::len));
            let attempts = Attempts::new(tokens_estimate(batch));
            let (batch_vectors, tokens) = self
                .post(EMBEDDINGS, &body, &attempts, |text| {
                    let response: EmbeddingsResponse = parse_object(text)?;
                    let tokens = response
                        .usage
                        .as_ref()
                        .and_then(|u| u.prompt_tokens)
                        .filter(|t| t.is_finite() && *t >= 0.0)
                        .map(|t| t.round() as u64);
                    Ok((vectors_in_order(response, batch.len(), expected_dim, text)?, tokens))
                })
                .await
                .map_err(|e| {
                    let mut billed = attempts.billed(&paid);
                    billed.requests = billed.requests.saturating_add(paid.requests);
                    e.with_billed(billed).with_operation("embed")
                })?;
            let batch_tokens = tokens.unwrap_or_else(|| tokens_estimate(batch));
            prompt_tokens += batch_tokens;
            paid.add(&ProviderUsage {
                cost: self.cost(&[self.config.embedding_model.as_str()], batch_tokens, 0)
                    + attempts.unusable_cost(),
                requests: attempts.requests(),
                prompt_tokens: batch_tokens,
                items: batch_vectors.len() as u64,
                ..ProviderUsage::default()
            });
            vectors.extend(batch_vectors);
        }
        let usage = ProviderUsage {
            cost: if texts.is_empty() { Usd::ZERO } else { paid.cost },
            requests: paid.requests,
            prompt_tokens,
            completion_tokens: 0,
            items: vectors.len() as u64,
        };
        record_call(PROVIDER, EMBEDDINGS, &usage);
        Ok(Metered::new(vectors, usage))
    }
}
