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
    /// The idempotency key sent to the platform (stable per article and platform).
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
