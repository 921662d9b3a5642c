//! Step 7: the validation rules of [`crate::cluster::validate`] mark every cluster valid or
//! invalid, written with `replace_validations`.
//!
//! A cluster is judged by how it was formed (its stored `cluster_type`, not the current
//! configuration): embedding clusters with [`PipelineConfig::validation`] as it is; SERP-overlap
//! clusters, whose similarity is the shared fraction of the top URLs rather than a cosine, with
//! the same rules except `min_avg_similarity`, which becomes
//! [`ClusteringMethod::min_avg_overlap`]. Their validation metadata says so
//! (`"cluster_type": "serp_overlap"`, `"similarity": "shared_top_url_fraction"`).
//!
//! [`PipelineConfig::validation`]: crate::engine::PipelineConfig::validation
//! [`ClusteringMethod::min_avg_overlap`]: crate::engine::ClusteringMethod::min_avg_overlap

use super::StepEnd;
use super::count;
use crate::cluster::validate::validate_cluster;
use crate::cluster::{
    Cluster, ClusterSpoke, ClusterType, Clustering, KeywordFacts, NewValidation, ValidationRules,
    ValidationStatus,
};
use crate::engine::step::StepCtx;
use crate::error::Result;
use crate::ids::KeywordId;
use crate::keyword::KeywordQuery;
use std::collections::{HashMap, HashSet};

/// Rebuilds the clustering from stored spokes (hubs in first-seen order, spokes as stored).
pub(crate) fn clustering_of(spokes: &[ClusterSpoke]) -> Clustering {
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut index: HashMap<KeywordId, usize> = HashMap::new();
    for s in spokes {
        let i = *index.entry(s.hub_keyword_id).or_insert_with(|| {
            clusters.push(Cluster { hub: s.hub_keyword_id, spokes: Vec::new() });
            clusters.len() - 1
        });
        clusters[i].spokes.push((s.spoke_keyword_id, s.similarity));
    }
    Clustering { clusters, unclustered: Vec::new() }
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow_id();
    let spokes = sc.store().list_clusters(&sc.ctx, wf).await?;
    let clustering = clustering_of(&spokes);
    sc.planned(clustering.clusters.len());
    let facts: HashMap<KeywordId, KeywordFacts> = sc
        .keywords(KeywordQuery::workflow(wf))
        .await?
        .into_iter()
        .map(|k| (k.id, KeywordFacts { search_volume: k.metrics.search_volume, intent: k.metrics.intent }))
        .collect();
    let config = &sc.engine.config;
    let overlap_hubs: HashSet<KeywordId> = spokes
        .iter()
        .filter(|s| s.cluster_type == ClusterType::SerpOverlap)
        .map(|s| s.hub_keyword_id)
        .collect();
    let overlap_rules = ValidationRules {
        min_avg_similarity: config.clustering_method.min_avg_overlap(),
        ..config.validation.clone()
    };
    let validations: Vec<NewValidation> = clustering
        .clusters
        .iter()
        .map(|c| {
            if overlap_hubs.contains(&c.hub) {
                let mut v = validate_cluster(c, &facts, &overlap_rules);
                if let Some(m) = v.metadata.as_object_mut() {
                    m.insert("cluster_type".into(), ClusterType::SerpOverlap.as_str().into());
                    m.insert("similarity".into(), "shared_top_url_fraction".into());
                }
                v
            } else {
                validate_cluster(c, &facts, &config.validation)
            }
        })
        .collect();
    sc.store().replace_validations(&sc.ctx, wf, &validations).await?;
    let valid = validations.iter().filter(|v| v.status == ValidationStatus::Valid).count();
    sc.count(|c| c.valid_clusters = count(valid));
    for v in &validations {
        sc.item_done(format!("{} {}", v.hub_keyword_id, v.status));
    }
    Ok(StepEnd::Completed)
}
