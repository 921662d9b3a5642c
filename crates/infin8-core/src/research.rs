//! The web research cache: results per (organization, normalized query), with a TTL.

use crate::article::Source;
use crate::ids::{OrgId, ResearchCacheId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A cached research result (`tavily_research_cache` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResearchCacheEntry {
    /// Id.
    pub id: ResearchCacheId,
    /// Owner.
    pub organization_id: OrgId,
    /// The query as first asked.
    pub research_query: String,
    /// The normalized query (the key, unique per organization).
    pub normalized_query: String,
    /// Provider that answered.
    pub provider: String,
    /// The sources.
    pub results: Vec<Source>,
    /// Cached at.
    pub created_at: DateTime<Utc>,
    /// Fresh until.
    pub expires_at: DateTime<Utc>,
}

/// A result to cache (upserted by normalized query).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewResearchCacheEntry {
    /// The query.
    pub research_query: String,
    /// Provider.
    pub provider: String,
    /// Sources.
    pub results: Vec<Source>,
    /// Cached at.
    pub created_at: DateTime<Utc>,
    /// Fresh until.
    pub expires_at: DateTime<Utc>,
}

/// Normalizes a research query for cache lookup: the keyword normalization (NFKC, case-fold,
/// whitespace collapse), or the trimmed lower-cased query when that rejects it.
#[must_use]
pub fn normalize_query(query: &str) -> String {
    crate::keyword::normalize_keyword(query).unwrap_or_else(|_| query.trim().to_lowercase())
}
