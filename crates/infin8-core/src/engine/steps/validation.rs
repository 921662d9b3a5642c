//! Step 7: the validation rules of [`crate::cluster::validate`] mark every cluster valid or
//! invalid, written with `replace_validations`.

use super::StepEnd;
use crate::cluster::{Cluster, ClusterSpoke, Clustering, KeywordFacts, validate_clusters};
use crate::engine::step::StepCtx;
use crate::error::Result;
use crate::ids::KeywordId;
use crate::keyword::KeywordQuery;
use std::collections::HashMap;

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
    let validations = validate_clusters(&clustering, &facts, &sc.engine.config.validation);
    sc.store().replace_validations(&sc.ctx, wf, &validations).await?;
    for v in &validations {
        sc.item_done(format!("{} {}", v.hub_keyword_id, v.status));
    }
    Ok(StepEnd::Completed)
}
