//! Publish idempotency keys survive the loss of the local database: the offline pipeline
//! publishes into a folder, the SQLite file is deleted, and the same organization (same id) runs
//! a new workflow on a fresh file: the filesystem publisher finds every post by its key
//! (organization, keyword, platform) and the rebuilt store adopts it — no second file.
//! Run with `cargo test --test publish_rebuilt_store`.
#![cfg(all(feature = "sqlite", feature = "providers"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use infin8::sqlite::SqliteStore;
use infin8_core::article::ArticleStatus;
use infin8_core::engine::{Advance, CreateWorkflow, Engine, PipelineConfig, SubtopicReview};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::publish::PublishStatus;
use infin8_core::store::Store;
use infin8_core::{OrgId, TenantContext, UserId, WorkflowId};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const BUSINESS: &str = "Northwind Analytics makes product analytics software for B2B SaaS companies: \
feature adoption, funnels, cohorts, retention and churn, A/B tests, privacy and self-hosting.";

fn config() -> PipelineConfig {
    let mut config = PipelineConfig {
        auto_approve_seeds: true,
        subtopic_review: SubtopicReview::Auto,
        ..PipelineConfig::default()
    };
    config.article_scope = infin8_core::engine::ArticleScope::HubsAndSpokes;
    config.clustering = infin8_core::cluster::HubSpokeConfig {
        threshold: 0.55,
        ..infin8_core::cluster::HubSpokeConfig::default()
    };
    config.validation = infin8_core::cluster::ValidationRules {
        min_avg_similarity: 0.58,
        ..infin8_core::cluster::ValidationRules::default()
    };
    config.limits.max_seeds = 6;
    config.limits.longtails_per_seed = 8;
    config.limits.max_articles = 3;
    config.limits.max_sections = 3;
    config.limits.sources_per_section = 2;
    config
}

/// Runs one workflow (a fresh random id, as a host without the lost database would make) of
/// the organization `org` to the end on the SQLite file `db`, publishing into `publish`; returns
/// the published articles' focus keyword → post URL.
async fn run_once(db: &Path, publish: &Path, org: OrgId) -> BTreeMap<String, String> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).await.unwrap());
    let ctx = TenantContext::user(org, UserId::derive(&[b"owner"]), Role::Owner);
    if store.get_organization(&ctx).await.unwrap().is_none() {
        let mut new = NewOrganization::new("northwind", Plan::Enterprise);
        new.id = Some(org);
        new.business_description = Some(BUSINESS.into());
        store.create_organization(&ctx, new).await.unwrap();
    }
    let providers =
        infin8_providers::OfflineProviders::new(publish).business_description(BUSINESS).build().unwrap();
    let engine = Engine::builder()
        .store(store.clone())
        .providers(providers)
        .config(config())
        .worker("w")
        .build()
        .unwrap();
    let wf = engine
        .create_workflow(
            &ctx,
            CreateWorkflow {
                id: Some(WorkflowId::new()),
                title: "campaign".into(),
                competitor_urls: vec!["https://www.mixpanel.com/".into(), "amplitude.com".into()],
                ..CreateWorkflow::default()
            },
        )
        .await
        .unwrap();
    let outcome = engine.run(&ctx, wf.id).await.unwrap();
    assert!(matches!(outcome, Advance::Completed), "{outcome:?}");
    let mut out = BTreeMap::new();
    for a in store.list_articles(&ctx, wf.id).await.unwrap() {
        if a.status != ArticleStatus::Published {
            continue;
        }
        let refs = store.list_publish_references(&ctx, a.id).await.unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].status, PublishStatus::Published);
        assert_eq!(refs[0].post_status.as_deref(), Some("draft"), "posts are drafts by default");
        assert_eq!(refs[0].outcome(), "drafted");
        let key = a.focus_keyword.clone().unwrap();
        assert_eq!(refs[0].idempotency_key, infin8_core::publish::idempotency_key(org, &key, "filesystem"));
        out.insert(key, a.wordpress_url.clone().unwrap());
    }
    out
}

fn post_files(publish: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(publish)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuilt_store_adopts_the_posts_instead_of_duplicating_them() {
    let dir = tempfile::tempdir().unwrap();
    let (db, publish) = (dir.path().join("infin8.sqlite"), dir.path().join("published"));
    let org = OrgId::derive(&[b"rebuilt-store-test"]);
    let first = run_once(&db, &publish, org).await;
    assert!(!first.is_empty(), "the first run published something");
    let files = post_files(&publish);
    assert_eq!(files.len(), first.len(), "one file per post: {files:?}");

    // The database is lost (with its WAL and shared-memory files); the posts are not.
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.path().join(format!("infin8.sqlite{suffix}"));
        if path.exists() {
            std::fs::remove_file(path).unwrap();
        }
    }
    let second = run_once(&db, &publish, org).await;
    assert_eq!(second, first, "the same posts, adopted by their keys");
    assert_eq!(post_files(&publish), files, "no post was made twice");
}
