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

/// One role's result of [`Providers::preflight`].
#[derive(Debug)]
pub struct PreflightCheck {
    /// The role (`"keywords"`, `"serp"`, `"web"`, `"llm"`, `"embedder"`, `"publisher"`).
    pub role: &'static str,
    /// The provider or model name serving it.
    pub provider: String,
    /// What was verified (`Ok(None)`: nothing to check, an offline stand-in), or why not.
    pub outcome: Result<Option<String>, ProviderError>,
}

impl std::fmt::Display for PreflightCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): ", self.role, self.provider)?;
        match &self.outcome {
            Ok(Some(what)) => write!(f, "ok, {what}"),
            Ok(None) => write!(f, "nothing to check"),
            Err(e) => write!(f, "{e}"),
        }
    }
}

/// The roles whose [`Providers::preflight`] check failed.
#[derive(Debug, thiserror::Error)]
#[error("provider checks failed (nothing was spent):{}", list(.failures))]
pub struct PreflightError {
    /// The failed checks, one per role.
    pub failures: Vec<PreflightCheck>,
}

fn list(failures: &[PreflightCheck]) -> String {
    failures.iter().map(|c| format!("\n- {c}")).collect()
}

impl Providers {
    /// Checks every configured real service's credentials with its cheapest documented call
    /// (DataForSEO: account data; Tavily: key usage; OpenAI-compatible: the model list;
    /// WordPress: the authenticated user and whether it may create posts), all at once, before a
    /// workflow spends anything. A client serving two roles (keywords and SERP) is checked once.
    ///
    /// # Errors
    /// [`PreflightError`] listing each failed role; each error's hint names the setting or
    /// environment variable to fix.
    pub async fn preflight(&self) -> Result<Vec<PreflightCheck>, PreflightError> {
        let serp = self.serp.as_ref().filter(|s| s.name() != self.keywords.name());
        let (keywords, serp_outcome, web, llm, embedder, publisher) = futures::join!(
            self.keywords.preflight(),
            async {
                match serp {
                    Some(s) => Some(s.preflight().await),
                    None => None,
                }
            },
            self.web.preflight(),
            self.llm.preflight(),
            self.embedder.preflight(),
            self.publisher.preflight(),
        );
        let mut checks = vec![PreflightCheck {
            role: "keywords",
            provider: self.keywords.name().to_string(),
            outcome: keywords,
        }];
        if let (Some(s), Some(outcome)) = (serp, serp_outcome) {
            checks.push(PreflightCheck { role: "serp", provider: s.name().to_string(), outcome });
        }
        checks.push(PreflightCheck { role: "web", provider: self.web.name().to_string(), outcome: web });
        checks.push(PreflightCheck {
            role: "llm",
            provider: self.llm.model_name().to_string(),
            outcome: llm,
        });
        checks.push(PreflightCheck {
            role: "embedder",
            provider: self.embedder.model_name().to_string(),
            outcome: embedder,
        });
        checks.push(PreflightCheck {
            role: "publisher",
            provider: self.publisher.platform().to_string(),
            outcome: publisher,
        });
        if checks.iter().any(|c| c.outcome.is_err()) {
            return Err(PreflightError {
                failures: checks.into_iter().filter(|c| c.outcome.is_err()).collect(),
            });
        }
        Ok(checks)
    }
}
