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

    /// Checks the credentials (and what they may do) with the provider's cheapest documented
    /// call, before anything is spent. `Ok(Some(what))` says what was verified, `Ok(None)` that
    /// there is nothing to check (an offline stand-in). The default checks nothing.
    ///
    /// # Errors
    /// [`ProviderError`], whose [`hint`](ProviderError::hint) names the setting to fix.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }

    /// Embeds texts; one vector per text, in input order.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn embed(&self, texts: &[String]) -> Result<Metered<Vec<Vec<f32>>>, ProviderError>;
}
