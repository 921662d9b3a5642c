//! Step 6 with [`ClusteringMethod::SerpOverlap`](crate::engine::ClusteringMethod::SerpOverlap):
//! the top result URLs of every approved keyword, then SERP-overlap clusters
//! ([`crate::cluster::serp_overlap`]) written with `replace_clusters` as `serp_overlap`.
//!
//! A keyword's stored URLs ([`KeywordMetrics::serp_urls`]) are used as they are when it has at
//! least `min_shared_urls` of them (fewer could never make it share enough with anyone, and
//! keyword research often stores just the one URL a competitor ranks with). Otherwise, unless a
//! fetch is already recorded on it, its top `top_n` URLs are bought from the SERP provider: one
//! call per keyword, at most `concurrency.keyword_research` at once, rate-limited and metered as
//! keyword research (the SERP API belongs to the keyword research provider and shares its
//! account limits), reserved before the call like every paid call. Each answer is written at
//! once onto its keyword: the URLs into its metrics, and a `"serp"` record into its
//! `decision_metadata` (`{"provider", "depth", "urls"}`), which marks a SERP that came back short
//! or empty as fetched. A resumed step therefore asks only for what is still missing, and the
//! ledger's derived reservation ids keep a call whose answer was lost in a crash from being
//! charged twice.
//!
//! The embedder is not called: nothing after step 6 reads embeddings.

use super::StepEnd;
use super::clustering::store_clusters;
use super::filtering::merge_metadata;
use crate::cluster::{ClusterType, SerpItem, SerpOverlapConfig, cluster_serp_overlap};
use crate::engine::ledger::Spend;
use crate::engine::step::{Role, StepCtx, bounded};
use crate::error::{Error, Result};
use crate::keyword::{Keyword, KeywordMetrics, KeywordUpdate};
use crate::ledger::UsageMetric;
use serde_json::json;

/// The `decision_metadata` key recording a SERP fetch.
pub(crate) const SERP_RECORD: &str = "serp";

/// Whether the step must fetch `keyword`'s top URLs: fewer than `min_shared_urls` stored and no
/// fetch recorded.
pub(crate) fn needs_top_urls(keyword: &Keyword, settings: &SerpOverlapConfig) -> bool {
    keyword.metrics.serp_urls.len() < settings.min_shared_urls
        && keyword.decision_metadata.get(SERP_RECORD).is_none()
}

/// The update persisting a fetch: the URLs (at most `top_n`) into the metrics, the record into
/// the decision metadata (other keys kept).
pub(crate) fn fetched_update(
    keyword: &Keyword,
    provider: &str,
    depth: u32,
    urls: Vec<String>,
    top_n: usize,
) -> KeywordUpdate {
    let urls: Vec<String> = urls.into_iter().take(top_n).collect();
    let record = json!({ "provider": provider, "depth": depth, "urls": urls.len() });
    KeywordUpdate {
        metrics: Some(KeywordMetrics { serp_urls: urls, ..keyword.metrics.clone() }),
        decision_metadata: Some(merge_metadata(&keyword.decision_metadata, SERP_RECORD, record)),
        ..KeywordUpdate::new(keyword.id)
    }
}

pub(crate) async fn run(sc: &StepCtx<'_>, settings: &SerpOverlapConfig) -> Result<StepEnd> {
    let wf = sc.workflow_id();
    let keywords = super::clustering::approved_keywords(sc).await?;
    let todo: Vec<&Keyword> = keywords.iter().filter(|k| needs_top_urls(k, settings)).collect();
    sc.planned(todo.len() + 1);
    if !todo.is_empty() {
        fetch_top_urls(sc, &todo, settings).await?;
    }
    sc.checkpoint().await?;
    let keywords = super::clustering::approved_keywords(sc).await?;
    let items: Vec<SerpItem<'_>> = keywords
        .iter()
        .map(|k| SerpItem {
            id: k.id,
            search_volume: k.metrics.search_volume.unwrap_or(0),
            urls: &k.metrics.serp_urls,
        })
        .collect();
    let clustering =
        cluster_serp_overlap(&items, settings).map_err(|e| Error::invalid("clustering", e.to_string()))?;
    store_clusters(sc, wf, &clustering, ClusterType::SerpOverlap).await
}

/// Buys and persists the top URLs of `todo`, concurrently. Every call that succeeded is
/// persisted even when another failed; the first failure (in keyword order) is returned.
async fn fetch_top_urls(sc: &StepCtx<'_>, todo: &[&Keyword], settings: &SerpOverlapConfig) -> Result<()> {
    let serp = sc.engine.providers.serp.clone().ok_or_else(|| {
        Error::invalid("engine", "clustering method serp_overlap needs a SERP provider (serp_research)")
    })?;
    let config = &sc.engine.config;
    let depth = u32::try_from(settings.top_n).unwrap_or(u32::MAX);
    let mut results: Vec<(usize, Result<()>)> = bounded(
        todo.iter()
            .enumerate()
            .map(|(i, &k)| {
                let serp = serp.clone();
                async move {
                    let r = async {
                        sc.checkpoint().await?;
                        let spend = Spend {
                            key: format!("serp:{}", k.id),
                            units: vec![(UsageMetric::KeywordResearch, 1)],
                            cost: serp.estimate(),
                        };
                        let urls = sc
                            .paid(
                                Role::Keywords,
                                spend,
                                |_| Vec::new(),
                                || serp.top_urls(&k.keyword, &config.locale, depth),
                            )
                            .await?
                            .value;
                        let update = fetched_update(k, serp.name(), depth, urls, settings.top_n);
                        sc.store().update_keywords(&sc.ctx, &[update]).await?;
                        sc.item_done(format!("top URLs of {}", k.keyword));
                        Ok(())
                    }
                    .await;
                    (i, r)
                }
            })
            .collect(),
        config.concurrency.keyword_research,
    )
    .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().try_for_each(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{KeywordId, OrgId, WorkflowId};
    use crate::keyword::{FilterStatus, KeywordType, StepStatus};

    fn keyword(urls: usize, metadata: serde_json::Value) -> Keyword {
        let now = chrono::Utc::now();
        Keyword {
            id: KeywordId::new(),
            organization_id: OrgId::new(),
            workflow_id: WorkflowId::new(),
            parent_id: None,
            keyword_type: KeywordType::Longtail,
            keyword: "crm pricing".into(),
            normalized_keyword: "crm pricing".into(),
            source: "test".into(),
            metrics: KeywordMetrics {
                search_volume: Some(70),
                serp_urls: (0..urls).map(|i| format!("https://u{i}.example/")).collect(),
                ..KeywordMetrics::default()
            },
            language: None,
            is_navigational: false,
            longtail_status: StepStatus::NotStarted,
            subtopics_status: StepStatus::NotStarted,
            article_status: StepStatus::NotStarted,
            filter_status: FilterStatus::Approved,
            ai_suggested: true,
            user_selected: false,
            decision_confidence: None,
            decision_metadata: metadata,
            subtopics: Vec::new(),
            embedding: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn fetches_only_keywords_without_enough_urls_or_a_recorded_fetch() {
        let settings = SerpOverlapConfig::default();
        let filter = json!({ "filter": { "status": "approved" } });
        assert!(needs_top_urls(&keyword(0, serde_json::Value::Null), &settings));
        assert!(needs_top_urls(&keyword(1, filter.clone()), &settings), "one ranking URL is no SERP");
        assert!(!needs_top_urls(&keyword(3, filter.clone()), &settings));
        let fetched = merge_metadata(&filter, SERP_RECORD, json!({ "urls": 0 }));
        assert!(!needs_top_urls(&keyword(0, fetched), &settings), "an empty SERP is not asked again");
        let strict = SerpOverlapConfig { min_shared_urls: 5, ..SerpOverlapConfig::default() };
        assert!(needs_top_urls(&keyword(4, filter), &strict));
    }

    #[test]
    fn a_fetch_keeps_other_metrics_and_metadata_and_caps_urls() {
        let k = keyword(1, json!({ "filter": { "status": "approved" } }));
        let urls: Vec<String> = (0..12).map(|i| format!("https://r{i}.example/")).collect();
        let u = fetched_update(&k, "fake-serp", 10, urls, 10);
        let m = u.metrics.unwrap();
        assert_eq!(m.search_volume, Some(70));
        assert_eq!(m.serp_urls.len(), 10);
        assert_eq!(m.serp_urls[0], "https://r0.example/");
        let meta = u.decision_metadata.unwrap();
        assert_eq!(meta["filter"]["status"], "approved");
        assert_eq!(meta[SERP_RECORD], json!({ "provider": "fake-serp", "depth": 10, "urls": 10 }));
        assert!(u.embedding.is_none() && u.filter_status.is_none());
    }
}
