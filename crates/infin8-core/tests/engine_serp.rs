//! SERP-overlap clustering in the engine (step 6 with `ClusteringMethod::SerpOverlap`) on the
//! in-memory store with fake providers: clusters from scripted URLs, stored URLs used without a
//! call, a failure in the middle resumed without asking or charging twice, validation judging
//! overlap clusters by overlap, and the default (embeddings) mode untouched.
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used)]

mod engine_support;

use engine_support::*;
use infin8_core::cluster::{ClusterType, SerpOverlapConfig, ValidationStatus};
use infin8_core::engine::testing::FakeProviders;
use infin8_core::engine::testing::fakes::FakeSerp;
use infin8_core::engine::{Advance, ClusteringMethod, Engine, PipelineConfig};
use infin8_core::error::Error;
use infin8_core::keyword::{FilterStatus, Keyword, KeywordMetrics, KeywordQuery, KeywordUpdate};
use infin8_core::ledger::{BillingPeriod, LedgerScope, UsageMetric};
use infin8_core::memory::MemoryStore;
use infin8_core::organization::Plan;
use infin8_core::store::Store;
use infin8_core::tenant::TenantContext;
use infin8_core::workflow::{Phase, Step, WorkflowState};
use infin8_core::{KeywordId, WorkflowId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

fn serp_config() -> PipelineConfig {
    PipelineConfig { clustering_method: ClusteringMethod::serp_overlap(), ..config() }
}

/// Advances until the workflow is in `target` (panics if it ends elsewhere).
async fn advance_to(engine: &Engine, ctx: &TenantContext, wf: WorkflowId, target: WorkflowState) {
    for _ in 0..60 {
        let state = engine.store().get_workflow(ctx, wf).await.unwrap().unwrap().state;
        if state == target {
            return;
        }
        match engine.advance(ctx, wf).await.unwrap() {
            Advance::Moved(_) => {}
            other => panic!("stopped at {other:?} before {target}"),
        }
    }
    panic!("never reached {target}");
}

async fn approved(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> Vec<Keyword> {
    let query = KeywordQuery { filter_status: Some(FilterStatus::Approved), ..KeywordQuery::workflow(wf) };
    let mut all = store.list_keywords(ctx, query).await.unwrap().items;
    all.sort_by_key(|k| k.id);
    all
}

async fn keyword_research_used(store: &dyn Store, ctx: &TenantContext) -> (i64, i64) {
    let month = LedgerScope::Month(BillingPeriod::of(now()));
    let u = store.get_usage(ctx, UsageMetric::KeywordResearch, month).await.unwrap();
    (u.used, u.reserved)
}

fn urls(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("https://{prefix}{i}.example/")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serp_mode_clusters_by_scripted_shared_urls_and_validates_by_overlap() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, serp_config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Clustering, Phase::Pending)).await;

    // Three themes: every keyword of a theme shares the theme's 5 URLs (similarity 0.5) and has
    // 5 of its own; the theme's lowest-volume keyword shares only 2 (no spoke anywhere).
    let keywords = approved(store.as_ref(), &ctx, wf).await;
    let theme_of =
        |k: &Keyword| ["crm", "email", "sales"].into_iter().find(|t| k.normalized_keyword.contains(t));
    let mut themes: HashMap<&str, Vec<&Keyword>> = HashMap::new();
    for k in &keywords {
        themes.entry(theme_of(k).unwrap()).or_default().push(k);
    }
    assert_eq!(themes.len(), 3);
    let mut expected_hubs = HashSet::new();
    let mut expected_spokes: HashMap<KeywordId, KeywordId> = HashMap::new();
    let mut odd_ones = Vec::new();
    for (theme, members) in &mut themes {
        members.sort_by_key(|k| std::cmp::Reverse(k.metrics.search_volume.unwrap_or(0)));
        assert!(members.len() >= 3, "{theme}: {}", members.len());
        let hub = members[0].id;
        expected_hubs.insert(hub);
        let shared = urls(theme, 5);
        for (i, k) in members.iter().enumerate() {
            let own = urls(&format!("{}-", k.normalized_keyword.replace(' ', "-")), 5);
            let odd = i == members.len() - 1;
            let list: Vec<String> = if odd {
                shared[..2].iter().chain(&own).cloned().collect()
            } else {
                shared.iter().chain(&own).cloned().collect()
            };
            fakes.serp.script(&k.keyword, &list.iter().map(String::as_str).collect::<Vec<_>>());
            if odd {
                odd_ones.push(k.id);
            } else if i > 0 {
                expected_spokes.insert(k.id, hub);
            }
        }
    }

    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Clustering, Phase::Completed)).await;
    assert_eq!(fakes.embedder.switch.calls(), 0, "SERP mode embeds nothing");
    assert_eq!(fakes.serp.switch.calls() as usize, keywords.len(), "one call per keyword without URLs");
    let answered: HashSet<String> = fakes.serp.answered().into_iter().collect();
    assert_eq!(answered, keywords.iter().map(|k| k.keyword.clone()).collect());
    // Every call metered as keyword research: 2 competitors + 3 seeds + the SERP calls.
    assert_eq!(keyword_research_used(store.as_ref(), &ctx).await, (5 + keywords.len() as i64, 0));
    // The URLs and the fetch record are on the keywords.
    for k in approved(store.as_ref(), &ctx, wf).await {
        assert_eq!(k.metrics.serp_urls.len(), if odd_ones.contains(&k.id) { 7 } else { 10 });
        assert_eq!(k.decision_metadata["serp"]["provider"], "fake-serp");
        assert_eq!(k.decision_metadata["filter"]["status"], "approved", "the filter record is kept");
        assert!(k.embedding.is_none());
    }

    let clusters = store.list_clusters(&ctx, wf).await.unwrap();
    assert!(clusters.iter().all(|c| c.cluster_type == ClusterType::SerpOverlap));
    let got: HashMap<KeywordId, KeywordId> =
        clusters.iter().map(|c| (c.spoke_keyword_id, c.hub_keyword_id)).collect();
    assert_eq!(got, expected_spokes);
    assert!(clusters.iter().all(|c| (c.similarity - 0.5).abs() < 1e-6), "5 shared of the top 10");
    let placed: HashSet<KeywordId> =
        clusters.iter().flat_map(|c| [c.hub_keyword_id, c.spoke_keyword_id]).collect();
    assert!(odd_ones.iter().all(|id| !placed.contains(id)), "two shared URLs make no spoke");

    // Validation: the overlap threshold (0.3) applies, not the cosine one (0.55 in this config),
    // which 0.5 would fail.
    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Validation, Phase::Completed)).await;
    let validations = store.list_validations(&ctx, wf).await.unwrap();
    assert_eq!(validations.iter().map(|v| v.hub_keyword_id).collect::<HashSet<_>>(), expected_hubs);
    for v in &validations {
        assert_eq!(v.status, ValidationStatus::Valid, "{:?}", v.reasons);
        assert_eq!(v.metadata["cluster_type"], "serp_overlap");
        assert_eq!(v.metadata["similarity"], "shared_top_url_fraction");
        let min = v.metadata["rules"]["min_avg_similarity"].as_f64().unwrap();
        assert!((min - 0.3).abs() < 1e-6, "{min}");
    }
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    let calls = fakes.serp.switch.calls();
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    assert_eq!(fakes.serp.switch.calls(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stricter_overlap_threshold_invalidates_loose_clusters() {
    let store = memory();
    let fakes = FakeProviders::new();
    let method =
        ClusteringMethod::SerpOverlap { settings: SerpOverlapConfig::default(), min_avg_overlap: 0.9 };
    let engine =
        engine(store.clone(), &fakes, PipelineConfig { clustering_method: method, ..config() }, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Validation, Phase::Completed)).await;
    let validations = store.list_validations(&ctx, wf).await.unwrap();
    assert!(!validations.is_empty());
    for v in &validations {
        assert_eq!(v.status, ValidationStatus::Invalid);
        assert!(v.reasons.contains(&"avg_similarity_below_min".to_owned()), "{:?}", v.reasons);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_urls_are_used_and_a_failure_midway_is_resumed_without_asking_or_charging_twice() {
    let store = memory();
    let fakes = FakeProviders::new();
    let mut config = serp_config();
    config.concurrency.keyword_research = 1;
    let engine = engine(store.clone(), &fakes, config, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Clustering, Phase::Pending)).await;
    let keywords = approved(store.as_ref(), &ctx, wf).await;
    assert!(keywords.len() >= 6, "{}", keywords.len());
    let (used_before, _) = keyword_research_used(store.as_ref(), &ctx).await;

    // keywords[0] has a full SERP stored: used as is. keywords[2] has one ranking URL stored:
    // not enough, asked. keywords[1]'s SERP comes back empty: asked once, recorded, not again.
    let stored = urls("stored", 10);
    let set_urls = |k: &Keyword, urls: Vec<String>| KeywordUpdate {
        metrics: Some(KeywordMetrics { serp_urls: urls, ..k.metrics.clone() }),
        ..KeywordUpdate::new(k.id)
    };
    store
        .update_keywords(
            &ctx,
            &[set_urls(&keywords[0], stored.clone()), set_urls(&keywords[2], urls("ranking", 1))],
        )
        .await
        .unwrap();
    fakes.serp.script(&keywords[1].keyword, &[]);

    // The provider answers three calls, then fails: the step fails retryably, keeping the three.
    *fakes.serp.fail_after.lock().unwrap() = Some(3);
    match engine.advance(&ctx, wf).await.unwrap() {
        Advance::Failed {
            step: Step::Clustering, retryable: true, error: Some(Error::Provider(_)), ..
        } => {}
        other => panic!("{other:?}"),
    }
    let asked: Vec<String> = keywords[1..].iter().map(|k| k.keyword.clone()).collect();
    assert_eq!(fakes.serp.answered(), asked[..3]);
    assert_eq!(
        keyword_research_used(store.as_ref(), &ctx).await,
        (used_before + 3, 0),
        "failed calls released their reservations"
    );
    let after_failure = store.get_keyword(&ctx, keywords[1].id).await.unwrap().unwrap();
    assert!(after_failure.metrics.serp_urls.is_empty());
    assert_eq!(after_failure.decision_metadata["serp"]["urls"], 0);
    assert!(store.list_clusters(&ctx, wf).await.unwrap().is_empty());

    *fakes.serp.fail_after.lock().unwrap() = None;
    engine.retry(&ctx, wf).await.unwrap();
    advance_to(&engine, &ctx, wf, WorkflowState::At(Step::Clustering, Phase::Completed)).await;
    assert_eq!(fakes.serp.answered(), asked, "each keyword answered once, the stored one never");
    assert_eq!(
        keyword_research_used(store.as_ref(), &ctx).await,
        (used_before + asked.len() as i64, 0),
        "each SERP call charged once"
    );
    let kept = store.get_keyword(&ctx, keywords[0].id).await.unwrap().unwrap();
    assert_eq!(kept.metrics.serp_urls, stored);
    assert!(kept.decision_metadata.get("serp").is_none());
    let topped = store.get_keyword(&ctx, keywords[2].id).await.unwrap().unwrap();
    let mut fetched = FakeSerp::derived_urls(&keywords[2].keyword);
    fetched.truncate(10);
    assert_eq!(topped.metrics.serp_urls, fetched, "the ranking URL was replaced by the fetched SERP");
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    assert_eq!(fakes.serp.answered(), asked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mode_embeds_and_never_asks_for_serps() {
    let store = memory();
    let fakes = FakeProviders::new();
    assert_eq!(config().clustering_method, ClusteringMethod::Embeddings);
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    assert_eq!(fakes.serp.switch.calls(), 0);
    assert!(fakes.embedder.switch.calls() > 0);
    let clusters = store.list_clusters(&ctx, wf).await.unwrap();
    assert!(!clusters.is_empty());
    assert!(clusters.iter().all(|c| c.cluster_type == ClusterType::HubSpoke));
    for v in store.list_validations(&ctx, wf).await.unwrap() {
        assert!(v.metadata.get("cluster_type").is_none());
    }
}

#[test]
fn serp_mode_needs_a_serp_provider_and_sane_settings() {
    let fakes = FakeProviders::new();
    let build = |serp: bool, method: ClusteringMethod| {
        let mut providers = fakes.providers();
        if !serp {
            providers.serp = None;
        }
        Engine::builder()
            .store(memory())
            .providers(providers)
            .config(PipelineConfig { clustering_method: method, ..PipelineConfig::default() })
            .build()
    };
    let err = build(false, ClusteringMethod::serp_overlap()).unwrap_err();
    assert!(err.to_string().contains("serp"), "{err}");
    assert!(build(true, ClusteringMethod::serp_overlap()).is_ok());
    assert!(build(false, ClusteringMethod::Embeddings).is_ok(), "embeddings need no SERP provider");
    let zero = SerpOverlapConfig { min_shared_urls: 0, ..SerpOverlapConfig::default() };
    let bad = ClusteringMethod::SerpOverlap { settings: zero, min_avg_overlap: 0.3 };
    assert!(matches!(build(true, bad), Err(Error::Invalid(_))));
    let bad =
        ClusteringMethod::SerpOverlap { settings: SerpOverlapConfig::default(), min_avg_overlap: f32::NAN };
    assert!(matches!(build(true, bad), Err(Error::Invalid(_))));
}

#[test]
fn clustering_method_config_round_trips() {
    let parsed: PipelineConfig = serde_json::from_value(serde_json::json!({
        "clustering_method": { "method": "serp_overlap", "settings": { "min_shared_urls": 4 } }
    }))
    .unwrap();
    match &parsed.clustering_method {
        ClusteringMethod::SerpOverlap { settings, min_avg_overlap } => {
            assert_eq!((settings.min_shared_urls, settings.top_n), (4, 10));
            assert!((min_avg_overlap - 0.3).abs() < 1e-6);
        }
        other => panic!("{other:?}"),
    }
    let back: PipelineConfig = serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
    assert_eq!(back, parsed);
    let default: PipelineConfig = serde_json::from_value(serde_json::json!({})).unwrap();
    assert_eq!(default.clustering_method, ClusteringMethod::Embeddings);
    assert_eq!(
        serde_json::to_value(ClusteringMethod::Embeddings).unwrap(),
        serde_json::json!({ "method": "embeddings" })
    );
}
