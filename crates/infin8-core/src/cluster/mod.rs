//! Topic clusters: the persisted model, and the clustering and validation rules.
//!
//! - [`embed`]: a pure lexical embedding ([`embed::hash_embed`]) for when no model is at hand.
//! - [`hub_spoke`]: greedy hub-and-spoke clustering on embeddings.
//! - [`serp_overlap`]: clustering by shared top-10 result URLs, behind the same output type.
//! - [`validate`]: per-cluster validation rules (step 7).
//!
//! How the hub-and-spoke sweep is made fast while staying exact, the benchmark numbers with the
//! commands that produced them, and the reasoning behind every default: `docs/clustering.md` in
//! this crate.

pub mod embed;
pub mod error;
pub mod hub_spoke;
mod kernel;
pub mod model;
mod prefilter;
pub mod serp_overlap;
pub mod similarity;
mod sweep;
pub mod validate;

pub use error::ClusterError;
pub use hub_spoke::{Cluster, ClusterItem, Clustering, HubSpokeConfig, cluster_hub_spoke};
pub use model::{
    ClusterSpoke, ClusterType, ClusterValidation, NewClusterSpoke, NewValidation, ValidationStatus,
};
pub use serp_overlap::{SerpItem, SerpOverlapConfig, cluster_serp_overlap};
pub use validate::{KeywordFacts, ValidationRules, validate_clusters};
