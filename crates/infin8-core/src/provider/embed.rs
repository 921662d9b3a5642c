use super::{Metered, ProviderError};
use crate::money::Usd;
use async_trait::async_trait;

/// Texts to vectors.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Embedder: Send + Sync {
    /// The model's name.
    fn model_name(&self) -> &str;

    /// The vectors' dimension, if fixed and known before the first call.
    fn dimensions(&self) -> Option<usize>;

    /// An upper-bound estimate of embedding `texts`.
    fn estimate(&self, _texts: &[String]) -> Usd {
        Usd::ZERO
    }

    /// Embeds texts; one vector per text, in input order.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError>;
}
