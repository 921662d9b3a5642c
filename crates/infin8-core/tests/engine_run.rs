//! The engine end to end on the in-memory store with fake providers: the happy path, the human
//! gates, outages and retry, money limits, cancellation and publishing exactly once.
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used)]

mod engine_support;

use engine_support::*;
use futures::FutureExt;
use infin8_core::approval::ApprovalEntityType;
use infin8_core::article::ArticleStatus;
use infin8_core::article::plan::{META_DESCRIPTION_MAX, META_TITLE_MAX};
use infin8_core::engine::testing::{FakeProviders, snapshot};
use infin8_core::engine::{Advance, Icp, PipelineConfig, SubtopicReview};
use infin8_core::error::Error;
use infin8_core::ids::KeywordId;
use infin8_core::keyword::{KeywordQuery, KeywordType, StepStatus};
use infin8_core::ledger::{BillingPeriod, LedgerScope, UsageMetric};
use infin8_core::memory::MemoryStore;
use infin8_core::organization::{CompetitorStatus, Plan, Role};
use infin8_core::store::Store;
use infin8_core::tenant::TenantContext;
use infin8_core::testkit::fixtures::member_ctx;
use infin8_core::workflow::{FailureKind, Phase, Step, WorkflowState};
use infin8_core::{Usd, WorkflowId};
use std::sync::Arc;

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

async fn usage(
    store: &dyn Store,
    ctx: &TenantContext,
    metric: UsageMetric,
    scope: LedgerScope,
) -> (i64, i64) {
    let u = store.get_usage(ctx, metric, scope).await.unwrap();
    (u.used, u.reserved)
}

async fn all_reserved(store: &dyn Store, ctx: &TenantContext, wf: WorkflowId) -> i64 {
    let mut total = 0;
    for scope in [LedgerScope::Workflow(wf), LedgerScope::Month(BillingPeriod::of(now()))] {
        total += store.list_usage(ctx, scope).await.unwrap().iter().map(|u| u.reserved).sum::<i64>();
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_run_reaches_completed_with_everything_recorded() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    assert!(engine.progress(&ctx, wf).await.unwrap().estimated_cost > Usd::ZERO);

    let out = engine.run(&ctx, wf).await.unwrap();
    assert!(matches!(out, Advance::Completed), "{out:?}");
    let w = store.get_workflow(&ctx, wf).await.unwrap().unwrap();
    assert_eq!(w.state, WorkflowState::Completed);

    // 1. ICP validated and stored.
    let icp: Icp = serde_json::from_value(w.icp_data.clone().unwrap()).unwrap();
    assert!(icp.check().is_ok());
    // 2. Competitors normalized and deduped (junk skipped and recorded); seeds ranked.
    let competitors = store.list_competitors(&ctx).await.unwrap();
    let mut domains: Vec<_> = competitors.iter().map(|c| c.domain.clone()).collect();
    domains.sort();
    assert_eq!(domains, vec!["hubspot.com", "pipedrive.com"]);
    assert!(
        competitors.iter().all(|c| c.analysis_status == CompetitorStatus::Completed && c.keywords_found == 5)
    );
    assert_eq!(w.metadata["skipped_competitor_urls"][0]["url"], "not a url");
    let seeds =
        store.list_keywords(&ctx, KeywordQuery::workflow(wf).of_type(KeywordType::Seed)).await.unwrap().items;
    let mut seed_texts: Vec<_> = seeds.iter().map(|k| k.normalized_keyword.as_str()).collect();
    seed_texts.sort_unstable();
    assert_eq!(seed_texts, vec!["crm software", "email marketing", "sales pipeline"]);
    assert!(seeds.iter().all(|s| s.ai_suggested && s.source.starts_with("competitor:")));
    assert!(seeds.iter().all(|s| s.longtail_status == StepStatus::Completed));
    // 3. Auto-approval recorded as a system decision.
    let approvals = store.list_approvals(&ctx, wf, Some(ApprovalEntityType::SeedKeywords)).await.unwrap();
    assert_eq!(approvals.len(), 3);
    assert!(approvals.iter().all(|a| a.decided_by.user_id().is_none()));
    // 4-8. Counts.
    assert_eq!(w.counts.seed_keywords, 3);
    assert_eq!(w.counts.longtail_keywords, 18);
    assert!(w.counts.valid_clusters >= 2, "{:?}", w.counts);
    // 9. Articles with metrics, meta limits and provenance.
    let articles = store.list_articles(&ctx, wf).await.unwrap();
    assert_eq!(articles.len() as i64, w.counts.valid_clusters.min(3));
    for a in &articles {
        assert_eq!(a.status, ArticleStatus::Published);
        assert!(a.meta_title.as_ref().unwrap().chars().count() <= META_TITLE_MAX);
        assert!(a.meta_description.as_ref().unwrap().chars().count() <= META_DESCRIPTION_MAX);
        assert!(a.word_count > 50 && a.reading_time_minutes >= 1);
        assert!(a.seo_score.unwrap() > 50.0 && a.quality_score.unwrap() > 50.0);
        assert_eq!(a.provenance["workflow_id"], serde_json::json!(wf));
        assert_eq!(a.provenance["keyword_approved_by_human"], false);
        assert_eq!(
            a.provenance["models"].as_array().unwrap().len(),
            4,
            "lead, two sections (max_sections 4), conclusion"
        );
        assert!(!a.provenance["sources"].as_array().unwrap().is_empty());
        let sections = store.list_sections(&ctx, a.id).await.unwrap();
        assert_eq!(sections.len(), 4);
        assert!(sections.iter().all(|s| s.sources.len() == 3 && s.model.as_deref() == Some("fake-llm-1")));
    }
    // 10. One post per article, carrying provenance.
    let posts = fakes.publisher.posts();
    assert_eq!(posts.len(), articles.len());
    assert!(posts.values().all(|(_, d)| d.provenance["workflow_id"] == serde_json::json!(wf)));
    assert_eq!(w.counts.published, articles.len() as i64);
    // Money: every reservation settled; actual cost is the ledger's.
    assert_eq!(all_reserved(store.as_ref(), &ctx, wf).await, 0);
    let (cost, _) = usage(store.as_ref(), &ctx, UsageMetric::CostMicros, LedgerScope::Workflow(wf)).await;
    assert!(cost > 0);
    assert_eq!(w.actual_cost.micros(), cost);
    let month = LedgerScope::Month(BillingPeriod::of(now()));
    assert_eq!(usage(store.as_ref(), &ctx, UsageMetric::IcpGeneration, month).await.0, 1);
    assert_eq!(usage(store.as_ref(), &ctx, UsageMetric::KeywordResearch, month).await.0, 2 + 3);
    assert_eq!(usage(store.as_ref(), &ctx, UsageMetric::Publish, month).await.0, articles.len() as i64);
    assert_eq!(
        usage(store.as_ref(), &ctx, UsageMetric::ArticleGeneration, month).await.0,
        articles.len() as i64
    );
    let progress = engine.progress(&ctx, wf).await.unwrap();
    assert_eq!((progress.completion_percentage, progress.current_step), (100, Some(10)));
    assert_eq!(progress.actual_cost.micros(), cost);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_a_completed_workflow_again_changes_nothing() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    engine.run(&ctx, wf).await.unwrap();
    let before = snapshot(store.as_ref(), &ctx, wf, now()).await;
    let calls = fakes.total_calls();
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    assert_eq!(snapshot(store.as_ref(), &ctx, wf, now()).await, before);
    assert_eq!(fakes.total_calls(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_gate_waits_for_people_with_permission() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine =
        engine(store.clone(), &fakes, PipelineConfig { auto_approve_seeds: false, ..config() }, "w1");
    let owner = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &owner, None).await;
    match engine.run(&owner, wf).await.unwrap() {
        Advance::AwaitingApproval { step: Step::SeedReview, pending: 3 } => {}
        other => panic!("{other:?}"),
    }
    // Waiting is stable: running again does nothing.
    assert!(matches!(engine.run(&owner, wf).await.unwrap(), Advance::AwaitingApproval { .. }));
    let seeds = store
        .list_keywords(&owner, KeywordQuery::workflow(wf).of_type(KeywordType::Seed))
        .await
        .unwrap()
        .items;
    let by_text = |t: &str| seeds.iter().find(|k| k.normalized_keyword == t).unwrap().id;
    let viewer = member_ctx(store.as_ref(), &owner, Role::Viewer).await;
    assert!(matches!(
        engine.approve_seeds(&viewer, wf, &[by_text("crm software")]).await,
        Err(Error::Forbidden { .. })
    ));
    assert!(engine.approve_seeds(&owner, wf, &[KeywordId::new()]).await.unwrap_err().is_not_found());
    let member = member_ctx(store.as_ref(), &owner, Role::Member).await;
    engine.approve_seeds(&member, wf, &[by_text("crm software"), by_text("email marketing")]).await.unwrap();
    assert_eq!(
        store.get_workflow(&owner, wf).await.unwrap().unwrap().state,
        WorkflowState::At(Step::SeedReview, Phase::Pending),
        "one seed still undecided"
    );
    engine.reject_seeds(&member, wf, &[by_text("sales pipeline")], Some("off topic".into())).await.unwrap();
    assert_eq!(
        store.get_workflow(&owner, wf).await.unwrap().unwrap().state,
        WorkflowState::At(Step::SeedReview, Phase::Completed)
    );
    // Outside the gate decisions are refused.
    assert!(engine.approve_seeds(&member, wf, &[by_text("sales pipeline")]).await.unwrap_err().is_conflict());
    assert!(matches!(engine.run(&member, wf).await.unwrap(), Advance::Completed));
    let rejected = by_text("sales pipeline");
    let children = store
        .list_keywords(&owner, KeywordQuery { parent_id: Some(rejected), ..KeywordQuery::workflow(wf) })
        .await
        .unwrap();
    assert!(children.items.is_empty(), "a rejected seed is not expanded");
    let approved = store.get_keyword(&owner, by_text("crm software")).await.unwrap().unwrap();
    assert!(approved.user_selected);
    let articles = store.list_articles(&owner, wf).await.unwrap();
    assert!(!articles.is_empty());
    assert!(articles.iter().all(|a| a.provenance["keyword_approved_by_human"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtopic_gate_decides_which_keywords_get_articles() {
    let store = memory();
    let fakes = FakeProviders::new();
    let config = PipelineConfig { subtopic_review: SubtopicReview::Human, ..config() };
    let engine = engine(store.clone(), &fakes, config, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    let Advance::AwaitingApproval { step: Step::Subtopics, pending } = engine.run(&ctx, wf).await.unwrap()
    else {
        panic!("expected the subtopic gate");
    };
    let with_subtopics: Vec<_> = store
        .list_keywords(&ctx, KeywordQuery::workflow(wf))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|k| k.subtopics_status == StepStatus::Completed)
        .collect();
    assert_eq!(with_subtopics.len() as u64, pending);
    assert!(with_subtopics.iter().all(|k| (3..=8).contains(&k.subtopics.len())));
    let hubs: Vec<KeywordId> =
        store.list_validations(&ctx, wf).await.unwrap().iter().map(|v| v.hub_keyword_id).collect();
    let (reject, approve): (Vec<KeywordId>, Vec<KeywordId>) =
        with_subtopics.iter().map(|k| k.id).partition(|id| *id == hubs[0]);
    engine.reject_subtopics(&ctx, wf, &reject, None).await.unwrap();
    engine.approve_subtopics(&ctx, wf, &approve).await.unwrap();
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    let articles = store.list_articles(&ctx, wf).await.unwrap();
    assert!(articles.iter().all(|a| a.keyword_id != hubs[0]), "rejected subtopics get no article");
    assert!(articles.iter().all(|a| a.provenance["subtopics_approved_by_human"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_outage_fails_retryably_and_retry_resumes_to_the_same_result() {
    let clean_store = memory();
    let clean_fakes = FakeProviders::new();
    let clean = engine(clean_store.clone(), &clean_fakes, config(), "w1");
    let clean_ctx = org(clean_store.as_ref(), Plan::Pro).await;
    let clean_wf = create(&clean, &clean_ctx, None).await;
    clean.run(&clean_ctx, clean_wf).await.unwrap();

    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    fakes.web.switch.set_outage(true);
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed {
            step: Step::Articles,
            retryable: true,
            kind: FailureKind::Temporary,
            attempts: 1,
            reason,
            error: Some(Error::Provider(_)),
            ..
        } => {
            assert!(reason.contains("unavailable"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let w = store.get_workflow(&ctx, wf).await.unwrap().unwrap();
    assert_eq!(w.state, WorkflowState::At(Step::Articles, Phase::Failed));
    assert!(w.last_error.unwrap().contains("unavailable"));
    assert_eq!(all_reserved(store.as_ref(), &ctx, wf).await, 0, "failed calls released their reservations");
    // Still failed until someone retries.
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Failed { error: None, .. }));
    fakes.web.switch.set_outage(false);
    engine.retry(&ctx, wf).await.unwrap();
    assert!(engine.retry(&ctx, wf).await.unwrap_err().is_conflict(), "only a failed step can be retried");
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    assert_eq!(
        snapshot(store.as_ref(), &ctx, wf, now()).await,
        snapshot(clean_store.as_ref(), &clean_ctx, clean_wf, now()).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflow_budget_stops_before_spending_even_with_concurrency() {
    let store = memory();
    let fakes = FakeProviders::new();
    let mut config = config();
    config.concurrency.llm = 8;
    config.concurrency.articles = 3;
    config.limits.max_articles = 10;
    let engine = engine(store.clone(), &fakes, config, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let budget = Usd::from_micros(60_000);
    let wf = create(&engine, &ctx, Some(budget)).await;
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed {
            error: Some(Error::LimitExceeded { metric: UsageMetric::CostMicros, .. }),
            retryable: false,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    let (used, reserved) =
        usage(store.as_ref(), &ctx, UsageMetric::CostMicros, LedgerScope::Workflow(wf)).await;
    assert!(used <= budget.micros(), "spent {used} of {}", budget.micros());
    assert!(used > 0);
    assert_eq!(reserved, 0);
    let w = store.get_workflow(&ctx, wf).await.unwrap().unwrap();
    assert_eq!(w.actual_cost.micros(), used);
    assert!(w.last_error.unwrap().contains("limit exceeded"));
    // Raising the budget and retrying finishes the run.
    let mut settings = w.settings.clone();
    settings.budget = Some(Usd::from_micros(10_000_000));
    store
        .update_workflow(
            &ctx,
            wf,
            infin8_core::workflow::WorkflowUpdate { settings: Some(settings), ..Default::default() },
        )
        .await
        .unwrap();
    engine.retry(&ctx, wf).await.unwrap();
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_limit_fails_the_step_before_the_call() {
    let store = memory();
    let fakes = FakeProviders::new();
    let mut limits = Plan::Free.limits();
    limits.web_research = 2;
    let engine =
        engine(store.clone(), &fakes, PipelineConfig { plan_limits: Some(limits), ..config() }, "w1");
    let ctx = org(store.as_ref(), Plan::Free).await;
    let wf = create(&engine, &ctx, None).await;
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed {
            step: Step::Articles,
            error: Some(Error::LimitExceeded { metric: UsageMetric::WebResearch, limit: 2, .. }),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(fakes.web.switch.calls(), 2, "no call past the limit");
    let month = LedgerScope::Month(BillingPeriod::of(now()));
    assert_eq!(usage(store.as_ref(), &ctx, UsageMetric::WebResearch, month).await, (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_step_stops_at_the_next_safe_point() {
    let store = memory();
    let fakes = FakeProviders::new();
    let mut config = config();
    config.concurrency.articles = 1;
    let engine = engine(store.clone(), &fakes, config, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    let canceller = engine.clone();
    *fakes.llm.hook.lock().unwrap() = Some(Arc::new(move |task: String| {
        let engine = canceller.clone();
        async move {
            if task == "section" {
                engine.cancel(&ctx, wf).await.unwrap();
            }
        }
        .boxed()
    }));
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Cancelled));
    assert_eq!(fakes.llm.task_calls("section"), 1, "nothing ran after the safe point");
    let w = store.get_workflow(&ctx, wf).await.unwrap().unwrap();
    assert_eq!(w.state, WorkflowState::Cancelled);
    assert!(fakes.publisher.posts().is_empty());
    assert_eq!(all_reserved(store.as_ref(), &ctx, wf).await, 0);
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Cancelled));
    assert!(engine.cancel(&ctx, wf).await.is_ok(), "cancelling twice is fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_whose_answer_was_lost_is_adopted_not_duplicated() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    fakes.publisher.lose_next_answer.store(true, std::sync::atomic::Ordering::SeqCst);
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed { step: Step::Publish, retryable: true, .. } => {}
        other => panic!("{other:?}"),
    }
    let articles = store.list_articles(&ctx, wf).await.unwrap();
    let failed_refs: Vec<_> = {
        let mut v = Vec::new();
        for a in &articles {
            v.extend(store.list_publish_references(&ctx, a.id).await.unwrap());
        }
        v.into_iter().filter(|r| r.status == infin8_core::publish::PublishStatus::Failed).collect()
    };
    assert_eq!(failed_refs.len(), 1);
    assert!(failed_refs[0].last_error.as_deref().unwrap().contains("timed out"));
    engine.retry(&ctx, wf).await.unwrap();
    assert!(matches!(engine.run(&ctx, wf).await.unwrap(), Advance::Completed));
    let creates = fakes.publisher.creates.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(creates as usize, articles.len(), "never two posts for one article");
    let month = LedgerScope::Month(BillingPeriod::of(now()));
    assert_eq!(usage(store.as_ref(), &ctx, UsageMetric::Publish, month).await, (articles.len() as i64, 0));
    for a in &articles {
        let refs = store.list_publish_references(&ctx, a.id).await.unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].status, infin8_core::publish::PublishStatus::Published);
    }
    assert!(store.list_publish_references(&ctx, failed_refs[0].article_id).await.unwrap()[0].attempts >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_rate_limit_fails_retryably_without_a_sleeper() {
    use infin8_core::engine::RateLimits;
    let store = memory();
    let fakes = FakeProviders::new();
    let config = PipelineConfig {
        rate_limits: RateLimits::uniform(2, std::time::Duration::from_secs(60)),
        ..config()
    };
    let engine = engine(store.clone(), &fakes, config, "w1");
    let ctx = org(store.as_ref(), Plan::Pro).await;
    let wf = create(&engine, &ctx, None).await;
    // ICP (1 LLM call) passes; competitors make 2 keyword calls (the limit); the 3rd keyword call
    // (first longtail seed) is refused before reaching the provider.
    match engine.run(&ctx, wf).await.unwrap() {
        Advance::Failed {
            step: Step::Longtails,
            retryable: true,
            error: Some(Error::RateLimited { key, .. }),
            ..
        } => {
            assert_eq!(key, "provider:keyword_research");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fakes.keywords.switch.calls(), 2);
    // Another organization has its own window: its competitors step gets its own two calls.
    let other = org(store.as_ref(), Plan::Pro).await;
    let wf2 = create(&engine, &other, None).await;
    assert!(matches!(engine.run(&other, wf2).await.unwrap(), Advance::Failed { step: Step::Longtails, .. }));
    assert_eq!(fakes.keywords.switch.calls(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_runs_the_whole_pipeline_and_a_viewer_cannot_start_one() {
    let store = memory();
    let fakes = FakeProviders::new();
    let engine = engine(store.clone(), &fakes, config(), "w1");
    let owner = org(store.as_ref(), Plan::Pro).await;
    let viewer = member_ctx(store.as_ref(), &owner, Role::Viewer).await;
    assert!(matches!(
        engine.create_workflow(&viewer, engine_support::new_workflow(None)).await,
        Err(Error::Forbidden { .. })
    ));
    assert!(store.list_workflows(&owner, Default::default()).await.unwrap().items.is_empty());

    // A member has `RunWorkflows` but not `ChangeSettings`: the competitors step records the
    // organization's competitors as the system, so the member's run is not refused there.
    let member = member_ctx(store.as_ref(), &owner, Role::Member).await;
    let wf = create(&engine, &member, None).await;
    assert!(matches!(engine.advance(&viewer, wf).await, Err(Error::Forbidden { .. })));
    let out = engine.run(&member, wf).await.unwrap();
    assert!(matches!(out, Advance::Completed), "{out:?}");
    let competitors = store.list_competitors(&owner).await.unwrap();
    assert_eq!(competitors.len(), 2);
    assert!(competitors.iter().all(|c| c.analysis_status == CompetitorStatus::Completed));
    let w = store.get_workflow(&owner, wf).await.unwrap().unwrap();
    assert_eq!(w.created_by, member.actor.user_id());
}
