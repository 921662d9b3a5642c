//! Publish references: one per (article, platform), claimed before the remote create so that an
//! article is never posted twice.

use crate::ids::{ArticleId, OrgId, PublishId};
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Where a publish reference is.
    PublishStatus, "publish status" {
        /// A worker holds the claim and is publishing.
        Claimed => "claimed",
        /// Published; `remote_id` set.
        Published => "published",
        /// The last attempt failed; may be claimed again.
        Failed => "failed",
    }
);

/// A publish reference (`publish_references` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishReference {
    /// Id.
    pub id: PublishId,
    /// Owner.
    pub organization_id: OrgId,
    /// The article.
    pub article_id: ArticleId,
    /// Platform (`"wordpress"`, `"filesystem"`).
    pub platform: String,
    /// Status.
    pub status: PublishStatus,
    /// The idempotency key sent to the platform: the one of the claim that created the
    /// reference ([`PublishClaimRequest::idempotency_key`], derived by [`idempotency_key`]),
    /// kept from then on.
    pub idempotency_key: String,
    /// Who holds the claim.
    pub claim_owner: Option<String>,
    /// When the claim lapses.
    pub claim_expires_at: Option<DateTime<Utc>>,
    /// Remote post id.
    pub remote_id: Option<String>,
    /// Remote URL.
    pub remote_url: Option<String>,
    /// Attempts so far (1 after the first claim).
    pub attempts: i32,
    /// Last error.
    pub last_error: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
    /// Published.
    pub published_at: Option<DateTime<Utc>>,
    /// What the platform made of the post, as it reported it (`"draft"`, `"publish"`,
    /// `"future"`, `"pending"`…); `None` before it was published, or for references recorded
    /// before the status was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_status: Option<String>,
}

impl PublishReference {
    /// What became of the article on the platform, in one word for people: `"drafted"`,
    /// `"scheduled"`, `"pending review"`, `"published"` (the post is live), `"posted"` (done, status
    /// not recorded), `"publishing"` (claimed) or `"failed"`. A draft is never called published.
    #[must_use]
    pub fn outcome(&self) -> &'static str {
        match self.status {
            PublishStatus::Claimed => "publishing",
            PublishStatus::Failed => "failed",
            PublishStatus::Published => match self.post_status.as_deref() {
                Some("publish") => "published",
                Some("future") => "scheduled",
                Some("pending") => "pending review",
                Some("private") => "published privately",
                Some(_) => "drafted",
                None => "posted",
            },
        }
    }
}

/// The idempotency key of the post of `keyword` for `organization` on `target` (the platform):
/// `infin8-` and a UUIDv5 of the three, with the keyword normalized (NFKC, case-folded, spaces
/// collapsed). It depends on nothing a store generates, so a store rebuilt from nothing (the
/// database file lost, the same organization id) derives the same key, and the publisher's
/// [`find_post`](crate::provider::Publisher::find_post) adopts the post it already made instead
/// of making a second one. One post per organization, keyword and target: a later workflow's
/// article on a keyword already posted adopts that post too.
#[must_use]
pub fn idempotency_key(organization: OrgId, keyword: &str, target: &str) -> String {
    let normalized =
        crate::keyword::normalize_keyword(keyword).unwrap_or_else(|_| keyword.trim().to_string());
    let org = organization.to_string();
    let id = crate::ids::PublishId::derive(&[
        b"idempotency-key",
        org.as_bytes(),
        normalized.as_bytes(),
        target.as_bytes(),
    ]);
    format!("infin8-{id}")
}

/// A request to claim publishing of an article on a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishClaimRequest {
    /// The article (must exist in the caller's organization).
    pub article_id: ArticleId,
    /// The platform.
    pub platform: String,
    /// The claimant.
    pub owner: String,
    /// Now (the claim's clock).
    pub now: DateTime<Utc>,
    /// How long the claim holds.
    pub lease: chrono::Duration,
    /// The key recorded when this claim creates the reference ([`idempotency_key`]); a
    /// reference that exists keeps the key it has. Must not be blank.
    pub idempotency_key: String,
}

impl PublishClaimRequest {
    /// Checks what every store checks first: the idempotency key is not blank.
    ///
    /// # Errors
    /// [`InvalidInput`](crate::error::InvalidInput) (field `idempotency_key`).
    pub fn validate(&self) -> Result<(), crate::error::InvalidInput> {
        if self.idempotency_key.trim().is_empty() {
            return Err(crate::error::InvalidInput::new("idempotency_key", "empty"));
        }
        Ok(())
    }
}

/// The outcome of a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum PublishClaim {
    /// The caller holds the claim and must publish (then mark published or failed). `attempts`
    /// counts this attempt.
    Won(PublishReference),
    /// Already published: adopt the remote post, publish nothing.
    AlreadyPublished(PublishReference),
    /// Another claimant holds an unexpired claim.
    HeldByOther(PublishReference),
}
