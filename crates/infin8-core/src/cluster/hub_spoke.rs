//! Greedy hub-and-spoke clustering on embeddings (step 6).
//!
//! The rule, sequentially: walk the keywords by search volume, highest first (ties: input
//! order). A keyword not yet assigned becomes a hub and takes as spokes every still-unassigned
//! keyword whose cosine similarity with it is ≥ `threshold` — with `max_spokes` set, only the
//! most similar ones (ties: input order); the others stay unassigned for later hubs. A hub that
//! gets fewer than `min_spokes` spokes (with the default `min_spokes = 1`: none) is reported in
//! [`Clustering::unclustered`] and takes nothing. Every keyword ends in exactly one place: a hub,
//! a spoke of one hub, or unclustered.
//!
//! The implementation computes exactly this result, however many threads run it (see
//! [`crate::cluster`] for how it is made fast).

use super::ClusterError;
use super::sweep;
use crate::ids::KeywordId;
use serde::{Deserialize, Serialize};

/// Settings of [`cluster_hub_spoke`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HubSpokeConfig {
    /// Minimum cosine similarity of a spoke to its hub, in `(-1, 1]`. Default 0.75: on sentence
    /// embeddings (OpenAI, MiniLM) paraphrases of one search need sit at 0.75–0.9 and different
    /// needs of one theme at 0.5–0.7, so 0.75 groups keywords one article can answer.
    pub threshold: f32,
    /// At most this many spokes per hub (the most similar). Default `None`: unbounded.
    pub max_spokes: Option<usize>,
    /// A hub with fewer spokes is reported unclustered. Default 1; must be ≥ 1.
    pub min_spokes: usize,
    /// Threads to use with the `parallel` feature: `None` = rayon's current pool. The result does
    /// not depend on it. Ignored without the feature.
    pub threads: Option<usize>,
}

impl Default for HubSpokeConfig {
    fn default() -> Self {
        Self { threshold: 0.75, max_spokes: None, min_spokes: 1, threads: None }
    }
}

impl HubSpokeConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`ClusterError::InvalidConfig`] naming the field.
    pub fn check(&self) -> Result<(), ClusterError> {
        if !self.threshold.is_finite() || self.threshold <= -1.0 || self.threshold > 1.0 {
            return Err(ClusterError::config("threshold", "must be in (-1, 1]"));
        }
        if self.min_spokes == 0 {
            return Err(ClusterError::config("min_spokes", "must be at least 1"));
        }
        if self.max_spokes.is_some_and(|m| m < self.min_spokes) {
            return Err(ClusterError::config("max_spokes", "must be at least min_spokes"));
        }
        if self.threads == Some(0) {
            return Err(ClusterError::config("threads", "must be at least 1"));
        }
        Ok(())
    }
}

/// One keyword to cluster: its id, its volume (hub order) and its embedding. Embeddings need not
/// be normalized; every one must have the same dimension, finite components and a non-zero norm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterItem<'a> {
    /// The keyword.
    pub id: KeywordId,
    /// Monthly search volume (unknown: 0).
    pub search_volume: i64,
    /// The embedding.
    pub embedding: &'a [f32],
}

/// One cluster: a hub and its spokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The hub keyword.
    pub hub: KeywordId,
    /// The spokes with their similarity to the hub (cosine, or SERP overlap fraction), most
    /// similar first (ties: input order).
    pub spokes: Vec<(KeywordId, f32)>,
}

impl Cluster {
    /// The average spoke similarity (0 without spokes).
    #[must_use]
    pub fn avg_similarity(&self) -> f32 {
        if self.spokes.is_empty() {
            return 0.0;
        }
        let sum: f64 = self.spokes.iter().map(|&(_, s)| f64::from(s)).sum();
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let avg = (sum / self.spokes.len() as f64) as f32;
        avg
    }
}

/// The result of a clustering: clusters in hub order (highest volume first) and the keywords in
/// no cluster (hubs that found too few spokes), also in hub order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Clustering {
    /// The clusters.
    pub clusters: Vec<Cluster>,
    /// Keywords in no cluster.
    pub unclustered: Vec<KeywordId>,
}

impl Clustering {
    /// The number of keywords placed (hubs + spokes + unclustered).
    #[must_use]
    pub fn keyword_count(&self) -> usize {
        self.unclustered.len() + self.clusters.iter().map(|c| 1 + c.spokes.len()).sum::<usize>()
    }
}

/// Clusters keywords by the greedy hub-and-spoke rule (see the [module docs](self)).
///
/// Memory: no N×N matrix; besides the output, an 8-bit copy of the leading dimensions of each
/// centred vector (`N × k` bytes: `k ≈ 0.35·d` on isotropic data at the default threshold, more
/// when all vectors share a large common component, up to `d`), a few words per keyword, and per
/// thread one chunk of widened codes and one tile of products.
///
/// # Errors
/// [`ClusterError::InvalidConfig`] for a bad config; [`ClusterError::WrongDimension`],
/// [`ClusterError::NonFinite`], [`ClusterError::ZeroNorm`] or [`ClusterError::DuplicateKeyword`]
/// naming the first offending keyword.
pub fn cluster_hub_spoke(
    items: &[ClusterItem<'_>],
    config: &HubSpokeConfig,
) -> Result<Clustering, ClusterError> {
    config.check()?;
    let rows: Vec<&[f32]> = items.iter().map(|i| i.embedding).collect();
    let ids: Vec<KeywordId> = items.iter().map(|i| i.id).collect();
    let volumes: Vec<i64> = items.iter().map(|i| i.search_volume).collect();
    let assignment = sweep::assign(&ids, &volumes, &rows, config)?;
    Ok(assignment.into_clustering(&ids))
}
