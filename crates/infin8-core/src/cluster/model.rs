//! Persisted cluster rows: one row per hub–spoke pair, one validation per hub.

use crate::ids::{ClusterId, KeywordId, OrgId, ValidationId, WorkflowId};
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// How a cluster was formed.
    ClusterType, "cluster type" {
        /// Greedy hub-and-spoke on embeddings.
        HubSpoke => "hub_spoke",
        /// Shared top-10 SERP URLs.
        SerpOverlap => "serp_overlap",
    }
);

wire_enum!(
    /// A cluster's validation outcome.
    ValidationStatus, "validation status" {
        /// Passes every rule.
        Valid => "valid",
        /// Breaks at least one rule; the reasons are recorded.
        Invalid => "invalid",
    }
);

/// One spoke of a hub-and-spoke cluster (`topic_clusters` row). A cluster is identified by its
/// hub keyword; each keyword is a spoke of at most one hub per workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpoke {
    /// Id.
    pub id: ClusterId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// The hub keyword.
    pub hub_keyword_id: KeywordId,
    /// The spoke keyword.
    pub spoke_keyword_id: KeywordId,
    /// Similarity of spoke to hub (cosine, or SERP overlap fraction).
    pub similarity: f32,
    /// How the cluster was formed.
    pub cluster_type: ClusterType,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A spoke to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewClusterSpoke {
    /// Hub keyword.
    pub hub_keyword_id: KeywordId,
    /// Spoke keyword.
    pub spoke_keyword_id: KeywordId,
    /// Similarity.
    pub similarity: f32,
    /// How formed.
    pub cluster_type: ClusterType,
}

/// A cluster's validation result (`cluster_validation_results` row), one per hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterValidation {
    /// Id.
    pub id: ValidationId,
    /// Owner.
    pub organization_id: OrgId,
    /// Workflow.
    pub workflow_id: WorkflowId,
    /// The cluster's hub.
    pub hub_keyword_id: KeywordId,
    /// Outcome.
    pub status: ValidationStatus,
    /// Average spoke similarity.
    pub avg_similarity: f32,
    /// Number of spokes.
    pub spoke_count: i64,
    /// Every broken rule, machine-readable (`"avg_similarity_below_min"`); empty when valid.
    pub reasons: Vec<String>,
    /// Details (thresholds used, measured values).
    pub metadata: serde_json::Value,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A validation to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewValidation {
    /// The cluster's hub.
    pub hub_keyword_id: KeywordId,
    /// Outcome.
    pub status: ValidationStatus,
    /// Average similarity.
    pub avg_similarity: f32,
    /// Spoke count.
    pub spoke_count: i64,
    /// Reasons.
    pub reasons: Vec<String>,
    /// Details.
    pub metadata: serde_json::Value,
}
