//! Step 6: embeddings of the approved keywords (stored on the keywords), then hub-and-spoke
//! clusters ([`crate::cluster::hub_spoke`]) written with `replace_clusters`. With
//! [`ClusteringMethod::SerpOverlap`] the step clusters by shared top URLs instead
//! ([`super::serp_clustering`]) and embeds nothing.
//!
//! Embedding batches are cut from the full, id-ordered list of approved keywords, so a resume
//! cuts the same batches (and derives the same reservations); a batch whose keywords all have an
//! embedding is skipped. Each batch is written atomically.

use super::StepEnd;
use super::count;
use crate::cluster::{ClusterItem, ClusterType, Clustering, NewClusterSpoke, cluster_hub_spoke};
use crate::engine::config::ClusteringMethod;
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx};
use crate::error::{Error, Result};
use crate::ids::WorkflowId;
use crate::keyword::{FilterStatus, Keyword, KeywordQuery, KeywordUpdate};
use crate::ledger::UsageMetric;
use crate::provider::ProviderError;

/// The keywords approved by filtering, in id order.
pub(crate) async fn approved_keywords(sc: &StepCtx<'_>) -> Result<Vec<Keyword>> {
    let query = KeywordQuery {
        filter_status: Some(FilterStatus::Approved),
        ..KeywordQuery::workflow(sc.workflow_id())
    };
    let mut all = sc.keywords(query).await?;
    all.sort_by_key(|k| k.id);
    Ok(all)
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    match &sc.engine.config.clustering_method {
        ClusteringMethod::Embeddings => run_embeddings(sc).await,
        ClusteringMethod::SerpOverlap { settings, .. } => super::serp_clustering::run(sc, settings).await,
    }
}

/// The embeddings method: embed what has no embedding yet, then cluster on cosine.
async fn run_embeddings(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow_id();
    let keywords = approved_keywords(sc).await?;
    let batch = sc.engine.config.limits.embedding_batch;
    let chunks: Vec<&[Keyword]> = keywords.chunks(batch).collect();
    sc.planned(chunks.len() + 1);
    let embedder = sc.engine.providers.embedder.clone();
    let results: Vec<Result<()>> = bounded(
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let embedder = embedder.clone();
                async move {
                    if chunk.iter().all(|k| k.embedding.as_ref().is_some_and(|e| !e.is_empty())) {
                        sc.item_done(format!("embeddings batch {} (stored)", i + 1));
                        return Ok(());
                    }
                    sc.checkpoint().await?;
                    let texts: Vec<String> = chunk.iter().map(|k| k.normalized_keyword.clone()).collect();
                    let n = i64::try_from(texts.len()).unwrap_or(i64::MAX);
                    let spend = Spend {
                        key: format!("embed:{}:{}", chunk[0].id, n),
                        units: vec![(UsageMetric::Embeddings, n)],
                        cost: embedder.estimate(&texts),
                    };
                    let vectors = sc
                        .paid(Role::Embedder, spend, |_| Vec::new(), || embedder.embed(&texts))
                        .await?
                        .value;
                    if vectors.len() != chunk.len() {
                        return Err(ProviderError::decode(
                            embedder.model_name(),
                            format!("{} vectors for {} texts", vectors.len(), chunk.len()),
                            "",
                        )
                        .into());
                    }
                    let updates: Vec<KeywordUpdate> = chunk
                        .iter()
                        .zip(vectors)
                        .map(|(k, v)| KeywordUpdate { embedding: Some(v), ..KeywordUpdate::new(k.id) })
                        .collect();
                    sc.store().update_keywords(&sc.ctx, &updates).await?;
                    sc.item_done(format!("embeddings batch {}", i + 1));
                    Ok(())
                }
            })
            .collect(),
        sc.engine.config.concurrency.embeddings,
    )
    .await;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        return Err(e);
    }
    sc.checkpoint().await?;
    let keywords = approved_keywords(sc).await?;
    let owned: Vec<(crate::ids::KeywordId, i64, Vec<f32>)> = keywords
        .into_iter()
        .filter_map(|k| {
            let volume = k.metrics.search_volume.unwrap_or(0);
            k.embedding.map(|e| (k.id, volume, e))
        })
        .collect();
    let config = sc.engine.config.clustering.clone();
    // Clustering runs through the engine's blocking hook (seconds at 100k keywords).
    let clustering = sc
        .engine
        .blocking(move || {
            let items: Vec<ClusterItem<'_>> = owned
                .iter()
                .map(|(id, search_volume, embedding)| ClusterItem {
                    id: *id,
                    search_volume: *search_volume,
                    embedding,
                })
                .collect();
            cluster_hub_spoke(&items, &config)
        })
        .await?
        .map_err(|e| Error::invalid("embedding", e.to_string()))?;
    store_clusters(sc, wf, &clustering, ClusterType::HubSpoke).await
}

/// Replaces the workflow's clusters with `clustering` (one row per hub–spoke pair) and ends the
/// step. Shared by both clustering methods.
pub(crate) async fn store_clusters(
    sc: &StepCtx<'_>,
    wf: WorkflowId,
    clustering: &Clustering,
    cluster_type: ClusterType,
) -> Result<StepEnd> {
    let spokes: Vec<NewClusterSpoke> = clustering
        .clusters
        .iter()
        .flat_map(|c| {
            c.spokes.iter().map(move |&(spoke, similarity)| NewClusterSpoke {
                hub_keyword_id: c.hub,
                spoke_keyword_id: spoke,
                similarity,
                cluster_type,
            })
        })
        .collect();
    sc.store().replace_clusters(&sc.ctx, wf, &spokes).await?;
    let with_spokes = clustering.clusters.iter().filter(|c| !c.spokes.is_empty()).count();
    sc.count(|c| c.clusters = count(with_spokes));
    sc.item_done(format!("{} clusters", clustering.clusters.len()));
    Ok(StepEnd::Completed)
}
