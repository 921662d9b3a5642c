//! Cluster validation (step 7): every rule is checked, every broken one is reported.
//!
//! Reasons (machine-readable, in this order):
//! - `avg_similarity_below_min`: the average spoke similarity is below `min_avg_similarity`;
//! - `too_few_spokes` / `too_many_spokes`: the spoke count is outside `min_spokes..=max_spokes`;
//! - `hub_volume_below_min`: the hub's search volume (unknown counts as 0) is below
//!   `min_hub_volume`;
//! - `intent_mismatch`: with `require_intent_match`, the hub's intent and the spokes' main intent
//!   (the most common known intent among spokes; ties: the hub's intent wins if tied, else the
//!   first in the order informational, navigational, commercial, transactional) are both known
//!   and differ.

use super::hub_spoke::{Cluster, Clustering};
use super::model::{NewValidation, ValidationStatus};
use crate::ids::KeywordId;
use crate::keyword::SearchIntent;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// What validation needs to know about a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeywordFacts {
    /// Monthly search volume, if known.
    pub search_volume: Option<i64>,
    /// Main search intent, if known.
    pub intent: Option<SearchIntent>,
}

/// Thresholds of [`validate_clusters`]. The defaults suit embedding clusters made at the default
/// threshold 0.75; see [`ValidationRules::serp_overlap`] for SERP-overlap clusters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValidationRules {
    /// Minimum average spoke similarity. Default 0.78: every spoke is already ≥ the clustering
    /// threshold (0.75), so this asks that the cluster has a core clearly above the edge rather
    /// than a ring of borderline matches, which is what a loose, chained topic looks like.
    pub min_avg_similarity: f32,
    /// Minimum spokes. Default 2: a pillar page with a single supporting article is not a topic
    /// cluster; such pairs are better merged into one article.
    pub min_spokes: usize,
    /// Maximum spokes. Default 30: a pillar page cannot link meaningfully to more supporting
    /// articles; a bigger cluster is too broad and should be re-clustered at a higher threshold.
    pub max_spokes: usize,
    /// Minimum hub search volume. Default 50 monthly searches: the hub becomes the pillar page, and
    /// a pillar nobody searches for brings no traffic to its spokes.
    pub min_hub_volume: i64,
    /// Whether the spokes' main intent must match the hub's (when both are known). Default true:
    /// one page cannot serve "learn about" and "buy" searches at once.
    pub require_intent_match: bool,
}

impl Default for ValidationRules {
    fn default() -> Self {
        Self {
            min_avg_similarity: 0.78,
            min_spokes: 2,
            max_spokes: 30,
            min_hub_volume: 50,
            require_intent_match: true,
        }
    }
}

impl ValidationRules {
    /// Defaults for SERP-overlap clusters, whose similarity is the shared fraction of the top 10:
    /// `min_avg_similarity` 0.3 (three shared URLs on average), the rest as [`Default`].
    #[must_use]
    pub fn serp_overlap() -> Self {
        Self { min_avg_similarity: 0.3, ..Self::default() }
    }
}

/// Validates every cluster of `clustering` (one [`NewValidation`] per cluster, in cluster
/// order; unclustered keywords get none). `facts` supplies volumes and intents; a keyword missing
/// from it counts as unknown. Total: never fails, never panics.
#[must_use]
pub fn validate_clusters(
    clustering: &Clustering,
    facts: &HashMap<KeywordId, KeywordFacts>,
    rules: &ValidationRules,
) -> Vec<NewValidation> {
    clustering.clusters.iter().map(|c| validate_cluster(c, facts, rules)).collect()
}

/// Validates one cluster (see [`validate_clusters`]).
#[must_use]
pub fn validate_cluster(
    cluster: &Cluster,
    facts: &HashMap<KeywordId, KeywordFacts>,
    rules: &ValidationRules,
) -> NewValidation {
    let fact = |id: &KeywordId| facts.get(id).copied().unwrap_or_default();
    let avg = cluster.avg_similarity();
    let spoke_count = cluster.spokes.len();
    let hub = fact(&cluster.hub);
    let hub_volume = hub.search_volume.unwrap_or(0);
    let spoke_intent = main_intent(cluster.spokes.iter().map(|(id, _)| fact(id).intent), hub.intent);
    let mut reasons = Vec::new();
    if avg < rules.min_avg_similarity || avg.is_nan() {
        reasons.push("avg_similarity_below_min".to_owned());
    }
    if spoke_count < rules.min_spokes {
        reasons.push("too_few_spokes".to_owned());
    }
    if spoke_count > rules.max_spokes {
        reasons.push("too_many_spokes".to_owned());
    }
    if hub_volume < rules.min_hub_volume {
        reasons.push("hub_volume_below_min".to_owned());
    }
    let intent_mismatch = matches!((hub.intent, spoke_intent), (Some(h), Some(s)) if h != s);
    if rules.require_intent_match && intent_mismatch {
        reasons.push("intent_mismatch".to_owned());
    }
    let status = if reasons.is_empty() { ValidationStatus::Valid } else { ValidationStatus::Invalid };
    let metadata = json!({
        "rules": rules,
        "measured": {
            "avg_similarity": avg,
            "min_similarity": cluster.spokes.iter().map(|s| s.1).reduce(f32::min),
            "spoke_count": spoke_count,
            "hub_volume": hub.search_volume,
            "hub_intent": hub.intent,
            "spokes_main_intent": spoke_intent,
        },
    });
    NewValidation {
        hub_keyword_id: cluster.hub,
        status,
        avg_similarity: avg,
        spoke_count: i64::try_from(spoke_count).unwrap_or(i64::MAX),
        reasons,
        metadata,
    }
}

/// The most common known intent; ties go to `prefer` if it is among the tied, else to the first
/// in declaration order.
fn main_intent(
    intents: impl Iterator<Item = Option<SearchIntent>>,
    prefer: Option<SearchIntent>,
) -> Option<SearchIntent> {
    const ALL: [SearchIntent; 4] = [
        SearchIntent::Informational,
        SearchIntent::Navigational,
        SearchIntent::Commercial,
        SearchIntent::Transactional,
    ];
    let mut counts = [0_usize; 4];
    for intent in intents.flatten() {
        if let Some(i) = ALL.iter().position(|&a| a == intent) {
            counts[i] += 1;
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return None;
    }
    if let Some(p) = prefer
        && ALL.iter().position(|&a| a == p).is_some_and(|i| counts[i] == best)
    {
        return Some(p);
    }
    ALL.iter().zip(counts).find(|&(_, c)| c == best).map(|(&a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(list: &[(KeywordId, i64, Option<SearchIntent>)]) -> HashMap<KeywordId, KeywordFacts> {
        list.iter().map(|&(id, v, intent)| (id, KeywordFacts { search_volume: Some(v), intent })).collect()
    }

    #[test]
    fn valid_cluster_has_no_reasons() {
        let [h, a, b] = [KeywordId::new(), KeywordId::new(), KeywordId::new()];
        let c = Cluster { hub: h, spokes: vec![(a, 0.9), (b, 0.8)] };
        let info = Some(SearchIntent::Informational);
        let f = facts(&[(h, 500, info), (a, 10, info), (b, 10, None)]);
        let v = validate_cluster(&c, &f, &ValidationRules::default());
        assert_eq!(v.status, ValidationStatus::Valid, "{:?}", v.reasons);
        assert!(v.reasons.is_empty());
        assert_eq!(v.spoke_count, 2);
        assert!((v.avg_similarity - 0.85).abs() < 1e-6);
    }

    #[test]
    fn every_broken_rule_is_listed() {
        let [h, a] = [KeywordId::new(), KeywordId::new()];
        let c = Cluster { hub: h, spokes: vec![(a, 0.76)] };
        let f =
            facts(&[(h, 10, Some(SearchIntent::Informational)), (a, 10, Some(SearchIntent::Transactional))]);
        let v = validate_cluster(&c, &f, &ValidationRules::default());
        assert_eq!(v.status, ValidationStatus::Invalid);
        assert_eq!(
            v.reasons,
            ["avg_similarity_below_min", "too_few_spokes", "hub_volume_below_min", "intent_mismatch"]
        );
        assert_eq!(v.metadata["measured"]["hub_volume"], 10);
        let lax = ValidationRules { require_intent_match: false, ..ValidationRules::default() };
        assert!(!validate_cluster(&c, &f, &lax).reasons.contains(&"intent_mismatch".to_owned()));
    }

    #[test]
    fn too_many_spokes_and_unknown_facts() {
        let h = KeywordId::new();
        let spokes: Vec<_> = (0..31).map(|_| (KeywordId::new(), 0.9)).collect();
        let c = Cluster { hub: h, spokes };
        let v = validate_cluster(&c, &HashMap::new(), &ValidationRules::default());
        assert_eq!(v.reasons, ["too_many_spokes", "hub_volume_below_min"]);
    }

    #[test]
    fn main_intent_ties_prefer_hub() {
        use SearchIntent::*;
        let xs = [Some(Commercial), Some(Informational), None];
        assert_eq!(main_intent(xs.into_iter(), Some(Informational)), Some(Informational));
        assert_eq!(main_intent(xs.into_iter(), None), Some(Informational));
        assert_eq!(main_intent([None].into_iter(), None), None);
    }
}
