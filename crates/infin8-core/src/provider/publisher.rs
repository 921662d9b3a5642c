use super::{Metered, ProviderError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a post goes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "at")]
pub enum PostStatus {
    /// Saved as a draft.
    Draft,
    /// Published now.
    Publish,
    /// Scheduled.
    Future(DateTime<Utc>),
}

/// A post to create or update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostDraft {
    /// Our idempotency key for this article on this platform: the publisher stores it with the
    /// post so that [`Publisher::find_post`] finds a post whose creation we did not get to record.
    pub idempotency_key: String,
    /// Title.
    pub title: String,
    /// Body HTML.
    pub content_html: String,
    /// Excerpt.
    pub excerpt: String,
    /// Preferred slug (platforms may alter it; never identity).
    pub slug: String,
    /// Status.
    pub status: PostStatus,
    /// Category names (created when missing).
    pub categories: Vec<String>,
    /// Tag names (created when missing).
    pub tags: Vec<String>,
    /// Meta title.
    pub meta_title: Option<String>,
    /// Meta description.
    pub meta_description: Option<String>,
    /// Provenance (models, sources, approvals, workflow), carried into the post's metadata.
    pub provenance: serde_json::Value,
}

/// A post on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPost {
    /// The platform's id.
    pub remote_id: String,
    /// Its URL.
    pub url: String,
    /// Its status on the platform (`"publish"`, `"draft"`).
    pub status: String,
}

/// A publishing platform.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Publisher: Send + Sync {
    /// The platform's name (`"wordpress"`, `"filesystem"`), the key of publish references.
    fn platform(&self) -> &str;

    /// Checks the credentials (and what they may do) with the provider's cheapest documented
    /// call, before anything is spent. `Ok(Some(what))` says what was verified, `Ok(None)` that
    /// there is nothing to check (an offline stand-in). The default checks nothing.
    ///
    /// # Errors
    /// [`ProviderError`], whose [`hint`](ProviderError::hint) names the setting to fix.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }

    /// Finds the post created with `idempotency_key`, if any (in any status).
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn find_post(&self, idempotency_key: &str) -> Result<Option<PublishedPost>, ProviderError>;

    /// Creates a post. Not idempotent by itself: callers hold a publish claim and call
    /// [`find_post`](Self::find_post) first.
    ///
    /// # Errors
    /// [`ProviderError`].
    async fn create_post(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError>;

    /// Updates an existing post.
    ///
    /// # Errors
    /// [`ProviderError`]; `NotFound` if the post is gone.
    async fn update_post(
        &self,
        remote_id: &str,
        draft: &PostDraft,
    ) -> Result<Metered<PublishedPost>, ProviderError>;
}
