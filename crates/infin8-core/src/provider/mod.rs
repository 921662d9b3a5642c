//! The provider seam: small role traits for keyword research, web research, language models,
//! embeddings and publishing, bundled in [`Providers`]. Implementations live in
//! `infin8-providers` (real HTTP clients and offline stand-ins); hosts may write their own.
//!
//! Every call returns [`Metered`] output: the value plus what the call cost, so the engine can
//! charge the usage ledger. Each trait also has a synchronous `estimate` of a call's cost, which
//! the engine reserves against the organization's limits *before* calling.
//!
//! With the `mock` feature, `mockall` mocks (`MockKeywordResearch`, …) are generated for hosts'
//! tests.

mod embed;
mod error;
mod keyword;
mod llm;
mod metered;
mod publisher;
mod web;

pub use embed::Embedder;
pub use error::{BoxError, ErrorContext, ProviderError, ProviderErrorKind};
pub use keyword::{
    DomainKeywordsRequest, KeywordIdea, KeywordMetricsRequest, KeywordResearch, Locale, SerpResearch,
    SuggestionsRequest,
};
pub use llm::{ChatMessage, ChatRole, Completion, CompletionRequest, LanguageModel, ResponseFormat};
pub use metered::{Metered, ProviderUsage};
pub use publisher::{PostDraft, PostStatus, PublishedPost, Publisher};
pub use web::{SearchDepth, WebResearch, WebSearchRequest};

#[cfg(feature = "mock")]
pub use embed::MockEmbedder;
#[cfg(feature = "mock")]
pub use keyword::{MockKeywordResearch, MockSerpResearch};
#[cfg(feature = "mock")]
pub use llm::MockLanguageModel;
#[cfg(feature = "mock")]
pub use publisher::MockPublisher;
#[cfg(feature = "mock")]
pub use web::MockWebResearch;

use std::sync::Arc;

/// The providers an engine uses, any of which may be swapped.
#[derive(Clone)]
pub struct Providers {
    /// Keyword research (competitor keywords, suggestions, metrics).
    pub keywords: Arc<dyn KeywordResearch>,
    /// SERP top URLs, for SERP-overlap clustering; optional.
    pub serp: Option<Arc<dyn SerpResearch>>,
    /// Web research for article sections.
    pub web: Arc<dyn WebResearch>,
    /// The language model.
    pub llm: Arc<dyn LanguageModel>,
    /// The embedder.
    pub embedder: Arc<dyn Embedder>,
    /// The publisher.
    pub publisher: Arc<dyn Publisher>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers")
            .field("keywords", &self.keywords.name())
            .field("serp", &self.serp.as_ref().map(|s| s.name().to_string()))
            .field("web", &self.web.name())
            .field("llm", &self.llm.model_name())
            .field("embedder", &self.embedder.model_name())
            .field("publisher", &self.publisher.platform())
            .finish()
    }
}
