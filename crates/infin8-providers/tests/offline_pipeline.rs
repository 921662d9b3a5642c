//! The engine over the offline providers: seeds about the business, simulated prices in the
//! ledger, and a workflow budget that stops the run.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use infin8_core::engine::testing::guarantees::{fixed_now, scenario_config};
use infin8_core::engine::{Advance, CreateWorkflow, Engine, SubtopicReview};
use infin8_core::error::Error;
use infin8_core::keyword::{KeywordQuery, KeywordType};
use infin8_core::ledger::{LedgerScope, UsageMetric};
use infin8_core::memory::MemoryStore;
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::Store;
use infin8_core::workflow::WorkflowSettings;
use infin8_core::{OrgId, TenantContext, Usd, UserId, WorkflowId};
use infin8_providers::offline::OfflineProviders;
use std::sync::Arc;

const NORTHWIND: &str = "Northwind Analytics makes product analytics software for B2B SaaS companies. \
Product managers and growth teams use it to track feature adoption, build funnels and cohorts, \
measure retention and churn, and run A/B tests without writing SQL. It connects to the data \
warehouse, respects customer privacy (GDPR-ready, self-hosting option), and is priced per \
tracked user so small teams can start free.";

fn engine(store: Arc<dyn Store>, publish_dir: &std::path::Path) -> Engine {
    let providers =
        OfflineProviders::new(publish_dir).business_description(NORTHWIND).embedding_dim(64).build().unwrap();
    Engine::builder()
        .store(store)
        .providers(providers)
        .config(infin8_core::engine::PipelineConfig {
            subtopic_review: SubtopicReview::None,
            ..scenario_config()
        })
        .worker("offline")
        .clock(Arc::new(fixed_now))
        .build()
        .unwrap()
}

async fn northwind(store: &dyn Store) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(format!("northwind-{}", uuid::Uuid::new_v4().simple()), Plan::Pro);
    new.id = Some(ctx.org_id);
    new.business_description = Some(NORTHWIND.into());
    store.create_organization(&ctx, new).await.unwrap();
    ctx
}

async fn workflow(engine: &Engine, ctx: &TenantContext, budget: Usd) -> WorkflowId {
    let create = CreateWorkflow {
        id: None,
        title: "Analytics campaign".into(),
        description: None,
        competitor_urls: vec!["https://www.mixpanel.com/".into(), "amplitude.com".into()],
        settings: WorkflowSettings { budget: Some(budget), ..WorkflowSettings::default() },
    };
    engine.create_workflow(ctx, create).await.unwrap().id
}

async fn spent(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> (i64, i64) {
    let usage = store.list_usage(ctx, LedgerScope::Workflow(wf)).await.unwrap();
    let cost = usage.iter().find(|u| u.metric == UsageMetric::CostMicros).unwrap();
    (cost.used, cost.reserved)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_run_is_about_the_business_and_costs_money_within_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());

    // A generous budget: the run completes, with a plausible non-zero cost.
    let ctx = northwind(store.as_ref()).await;
    let engine = engine(store.clone(), &dir.path().join("published"));
    let wf = workflow(&engine, &ctx, Usd::from_micros(25_000_000)).await;
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    let w = store.get_workflow(&ctx, wf).await.unwrap().unwrap();
    assert!(w.estimated_cost > Usd::ZERO, "estimate {}", w.estimated_cost);
    assert!(w.actual_cost > Usd::from_micros(10_000), "actual {}", w.actual_cost);
    assert!(w.actual_cost < Usd::from_micros(5_000_000), "actual {}", w.actual_cost);
    let (used, reserved) = spent(store.as_ref(), &ctx, wf).await;
    assert_eq!(used, w.actual_cost.micros(), "the ledger and the workflow agree");
    assert_eq!(reserved, 0);

    let seeds: Vec<String> = store
        .list_keywords(
            &ctx,
            KeywordQuery { keyword_type: Some(KeywordType::Seed), ..KeywordQuery::workflow(wf) },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|k| k.keyword)
        .collect();
    assert!(!seeds.is_empty());
    // Every seed is the competitor's brand or made of the business's own words (plus the
    // generator's modifiers).
    let description = NORTHWIND.to_lowercase();
    let own = |word: &str| {
        description.split(|c: char| !c.is_alphanumeric()).any(|w| w == word)
            || ["best", "strategy", "software", "tools", "platform", "services"].contains(&word)
    };
    for seed in &seeds {
        let brand = seed.contains("mixpanel") || seed.contains("amplitude");
        assert!(brand || seed.split(' ').all(own), "{seed:?} is not about the business: {seeds:?}");
    }
    assert!(seeds.iter().any(|s| !s.contains("mixpanel") && !s.contains("amplitude")), "{seeds:?}");

    // The same run under half that cost stops at the budget, before overspending.
    let tight = Usd::from_micros(w.actual_cost.micros() / 2);
    let ctx = northwind(store.as_ref()).await;
    let engine = self::engine(store.clone(), &dir.path().join("published-tight"));
    let wf = workflow(&engine, &ctx, tight).await;
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed {
            error: Some(Error::LimitExceeded { metric: UsageMetric::CostMicros, .. }), ..
        } => {}
        other => panic!("expected the budget to stop the run: {other:?}"),
    }
    let (used, reserved) = spent(store.as_ref(), &ctx, wf).await;
    assert!(used > 0 && used <= tight.micros(), "spent {used} of {}", tight.micros());
    assert_eq!(reserved, 0);
}
