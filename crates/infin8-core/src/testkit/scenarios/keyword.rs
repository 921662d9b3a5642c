//! Keywords: upsert by normalized text, hierarchy, updates.

use crate::ids::KeywordId;
use crate::keyword::{
    FilterStatus, KeywordMetrics, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword, SearchIntent,
    StepStatus,
};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Upsert → get → list → update round-trip of every field.
pub async fn keywords_upsert_get_list_update(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let metrics = KeywordMetrics {
        search_volume: Some(1_200),
        competition_level: Some(crate::keyword::CompetitionLevel::High),
        competition_index: Some(77),
        cpc: Some(3.5),
        difficulty: Some(41),
        intent: Some(SearchIntent::Commercial),
        serp_urls: vec!["https://a.example/1".into(), "https://b.example/2".into()],
    };
    let mut seed =
        NewKeyword::new(wf.id, KeywordType::Seed, None, "  Best CRM  ", "competitor:rival.example")
            .with_metrics(metrics.clone());
    seed.language = Some("en".into());
    seed.ai_suggested = true;
    seed.decision_confidence = Some(0.75);
    seed.decision_metadata = serde_json::json!({ "why": "volume" });
    let up = s.upsert_keywords(&ctx, &[seed]).await.unwrap();
    assert_eq!(up.len(), 1);
    assert!(up[0].created);
    let kw = s.get_keyword(&ctx, up[0].id).await.unwrap().unwrap();
    assert_eq!(kw.id, up[0].id);
    assert_eq!(kw.organization_id, ctx.org_id);
    assert_eq!(kw.workflow_id, wf.id);
    assert_eq!(kw.parent_id, None);
    assert_eq!(kw.keyword_type, KeywordType::Seed);
    assert_eq!(kw.keyword, "  Best CRM  ", "the text as first given");
    assert_eq!(kw.normalized_keyword, "best crm");
    assert_eq!(kw.source, "competitor:rival.example");
    assert_eq!(kw.metrics, metrics);
    assert_eq!(kw.language.as_deref(), Some("en"));
    assert!(kw.ai_suggested && !kw.user_selected && !kw.is_navigational);
    assert_eq!(kw.decision_confidence, Some(0.75));
    assert_eq!(kw.decision_metadata, serde_json::json!({ "why": "volume" }));
    assert_eq!(
        (kw.longtail_status, kw.subtopics_status, kw.article_status),
        (StepStatus::NotStarted, StepStatus::NotStarted, StepStatus::NotStarted)
    );
    assert_eq!(kw.filter_status, FilterStatus::Pending);
    assert!(kw.subtopics.is_empty());
    assert_eq!(kw.embedding, None);

    let lt = longtail_keywords(s, &ctx, &wf, kw.id, &["best crm for startups"]).await;
    let sub = s
        .upsert_keywords(
            &ctx,
            &[NewKeyword::new(wf.id, KeywordType::Subtopic, Some(lt[0]), "pricing", "llm")],
        )
        .await
        .unwrap();
    let sub_kw = s.get_keyword(&ctx, sub[0].id).await.unwrap().unwrap();
    assert_eq!(sub_kw.parent_id, Some(lt[0]));

    let list = s.list_keywords(&ctx, KeywordQuery::workflow(wf.id)).await.unwrap();
    let mut want = vec![kw.id, lt[0], sub[0].id];
    want.sort();
    assert_eq!(list.items.iter().map(|k| k.id).collect::<Vec<_>>(), want);
    assert_eq!(list.next_cursor, None);
    assert!(list.items.contains(&kw));

    let new_metrics = KeywordMetrics { search_volume: Some(5), ..Default::default() };
    let update = KeywordUpdate {
        metrics: Some(new_metrics.clone()),
        language: Some("de".into()),
        is_navigational: Some(true),
        longtail_status: Some(StepStatus::Completed),
        subtopics_status: Some(StepStatus::InProgress),
        article_status: Some(StepStatus::Failed),
        filter_status: Some(FilterStatus::Approved),
        user_selected: Some(true),
        decision_confidence: Some(0.5),
        decision_metadata: Some(serde_json::json!({ "reasons": ["ok"] })),
        subtopics: Some(vec!["a".into(), "b".into()]),
        embedding: Some(vec![0.25, -1.0, 0.5]),
        ..KeywordUpdate::new(kw.id)
    };
    s.update_keywords(&ctx, &[update]).await.unwrap();
    let after = s.get_keyword(&ctx, kw.id).await.unwrap().unwrap();
    assert_eq!(after.metrics, new_metrics);
    assert_eq!(after.language.as_deref(), Some("de"));
    assert!(after.is_navigational && after.user_selected);
    assert_eq!(after.longtail_status, StepStatus::Completed);
    assert_eq!(after.subtopics_status, StepStatus::InProgress);
    assert_eq!(after.article_status, StepStatus::Failed);
    assert_eq!(after.filter_status, FilterStatus::Approved);
    assert_eq!(after.decision_confidence, Some(0.5));
    assert_eq!(after.decision_metadata, serde_json::json!({ "reasons": ["ok"] }));
    assert_eq!(after.subtopics, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(after.embedding, Some(vec![0.25, -1.0, 0.5]));
    assert_eq!((after.keyword.as_str(), after.normalized_keyword.as_str()), ("  Best CRM  ", "best crm"));
    assert_eq!(after.created_at, kw.created_at);
    assert!(after.updated_at >= kw.updated_at);

    // An empty update changes nothing but the timestamp.
    s.update_keywords(&ctx, &[KeywordUpdate::new(kw.id)]).await.unwrap();
    let same = s.get_keyword(&ctx, kw.id).await.unwrap().unwrap();
    assert_eq!(same.metrics, after.metrics);
    assert_eq!(same.subtopics, after.subtopics);
    assert_eq!(s.get_keyword(&ctx, KeywordId::new()).await.unwrap(), None);
    let unknown = s.list_keywords(&ctx, KeywordQuery::workflow(crate::ids::WorkflowId::new())).await.unwrap();
    assert!(
        unknown.items.is_empty() && unknown.next_cursor.is_none(),
        "an unknown workflow gives an empty page"
    );
}

/// Case, space and width variants are one keyword: one id, `created` only the first time, the
/// first row kept unchanged.
pub async fn keywords_dedupe_normalized_variants(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let variants =
        ["CRM Software", "crm software", "  crm\tSOFTWARE ", "ＣＲＭ　software", "crm\u{00A0}software"];
    let batch: Vec<_> = variants
        .iter()
        .enumerate()
        .map(|(i, t)| NewKeyword::new(wf.id, KeywordType::Seed, None, *t, format!("src-{i}")))
        .collect();
    let up = s.upsert_keywords(&ctx, &batch).await.unwrap();
    assert_eq!(up.len(), variants.len());
    assert!(up.iter().all(|u| u.id == up[0].id));
    assert_eq!(up.iter().map(|u| u.created).collect::<Vec<_>>(), vec![true, false, false, false, false]);
    let kw = s.get_keyword(&ctx, up[0].id).await.unwrap().unwrap();
    assert_eq!(kw.keyword, "CRM Software");
    assert_eq!(kw.source, "src-0");

    let again = s
        .upsert_keywords(
            &ctx,
            &[
                NewKeyword::new(wf.id, KeywordType::Seed, None, "new one", "x"),
                NewKeyword::new(wf.id, KeywordType::Seed, None, "CRM   software", "later"),
            ],
        )
        .await
        .unwrap();
    assert!(again[0].created);
    assert_eq!((again[1].id, again[1].created), (up[0].id, false));
    assert_eq!(s.get_keyword(&ctx, up[0].id).await.unwrap().unwrap(), kw, "existing row unchanged");
    assert_eq!(s.list_keywords(&ctx, KeywordQuery::workflow(wf.id)).await.unwrap().items.len(), 2);

    // The same text in another workflow is another keyword.
    let wf2 = new_workflow(s, &ctx).await;
    let other = seed_keywords(s, &ctx, &wf2, &["crm software"]).await;
    assert_ne!(other[0], up[0].id);
}

/// 16 concurrent upserts of overlapping batches create each normalized text exactly once, and
/// every caller gets the same id for the same text.
pub async fn keywords_concurrent_upserts_create_once(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let wf = new_workflow(&*store, &ctx).await;
    let texts: Vec<String> = (0..24).map(|i| format!("topic {i}")).collect();
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for t in 0..16usize {
        let store = store.clone();
        let barrier = barrier.clone();
        // Overlapping windows of 8 texts, with case variants.
        let batch: Vec<NewKeyword> = (0..8)
            .map(|j| {
                let text = &texts[(t + j * 2) % texts.len()];
                let text = if t % 2 == 0 { text.to_uppercase() } else { format!(" {text} ") };
                NewKeyword::new(wf.id, KeywordType::Seed, None, text, format!("task-{t}"))
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let out = store.upsert_keywords(&ctx, &batch).await.unwrap();
            batch.into_iter().zip(out).collect::<Vec<_>>()
        }));
    }
    let mut ids: HashMap<String, HashSet<KeywordId>> = HashMap::new();
    let mut created = HashMap::<KeywordId, usize>::new();
    for t in tasks {
        for (new, up) in t.await.unwrap() {
            let norm = crate::keyword::normalize_keyword(&new.keyword).unwrap();
            ids.entry(norm).or_default().insert(up.id);
            if up.created {
                *created.entry(up.id).or_default() += 1;
            }
        }
    }
    for (text, set) in &ids {
        assert_eq!(set.len(), 1, "{text} got several ids");
    }
    let listed = store.list_keywords(&ctx, KeywordQuery::workflow(wf.id)).await.unwrap();
    assert_eq!(listed.items.len(), ids.len());
    assert_eq!(created.len(), ids.len(), "each keyword reported created once");
    assert!(created.values().all(|n| *n == 1));
    let norms: HashSet<_> = listed.items.iter().map(|k| k.normalized_keyword.clone()).collect();
    assert_eq!(norms.len(), listed.items.len());
}

/// Hierarchy violations are `Invalid` (field `parent_id`) and fail the whole batch: nothing is
/// written. Unknown parents are `NotFound`.
pub async fn keywords_hierarchy_violations_write_nothing(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let seeds = seed_keywords(s, &ctx, &wf, &["seed one"]).await;
    let lts = longtail_keywords(s, &ctx, &wf, seeds[0], &["seed one longtail"]).await;
    let other_wf = new_workflow(s, &ctx).await;
    let other_seed = seed_keywords(s, &ctx, &other_wf, &["elsewhere"]).await;
    let fresh = |t: &str| NewKeyword::new(wf.id, KeywordType::Seed, None, t, "x");
    let bad_batches = vec![
        // A seed with a parent.
        NewKeyword::new(wf.id, KeywordType::Seed, Some(seeds[0]), "bad seed", "x"),
        // A longtail without a parent.
        NewKeyword::new(wf.id, KeywordType::Longtail, None, "orphan", "x"),
        // A longtail under a longtail.
        NewKeyword::new(wf.id, KeywordType::Longtail, Some(lts[0]), "too deep", "x"),
        // A subtopic under a seed.
        NewKeyword::new(wf.id, KeywordType::Subtopic, Some(seeds[0]), "skips", "x"),
        // A parent from another workflow.
        NewKeyword::new(wf.id, KeywordType::Longtail, Some(other_seed[0]), "cross workflow", "x"),
    ];
    for bad in bad_batches {
        let batch =
            vec![fresh(&format!("good {}", unique())), bad.clone(), fresh(&format!("good {}", unique()))];
        let err = s.upsert_keywords(&ctx, &batch).await;
        assert_eq!(assert_invalid(err), "parent_id", "{bad:?}");
    }
    let unknown = NewKeyword::new(wf.id, KeywordType::Longtail, Some(KeywordId::new()), "ghost parent", "x");
    assert_not_found(s.upsert_keywords(&ctx, &[fresh("good ghost"), unknown]).await);
    let listed = s.list_keywords(&ctx, KeywordQuery::workflow(wf.id)).await.unwrap();
    assert_eq!(listed.items.len(), 2, "nothing written by failed batches");
    assert_not_found(
        s.upsert_keywords(
            &ctx,
            &[NewKeyword::new(crate::ids::WorkflowId::new(), KeywordType::Seed, None, "x", "x")],
        )
        .await,
    );
}

/// Empty, control-character and over-long texts are `Invalid` (field `keyword`); nothing is
/// written.
pub async fn keywords_bad_text_is_invalid(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    for bad in ["", "   \t\n", "a\u{0000}b", "red\u{001b}[31m", &"x".repeat(201)] {
        let batch = [
            NewKeyword::new(wf.id, KeywordType::Seed, None, "fine keyword", "x"),
            NewKeyword::new(wf.id, KeywordType::Seed, None, bad, "x"),
        ];
        assert_eq!(assert_invalid(s.upsert_keywords(&ctx, &batch).await), "keyword");
    }
    assert!(s.list_keywords(&ctx, KeywordQuery::workflow(wf.id)).await.unwrap().items.is_empty());
    let ok = s
        .upsert_keywords(&ctx, &[NewKeyword::new(wf.id, KeywordType::Seed, None, "x".repeat(200), "x")])
        .await;
    assert!(ok.unwrap()[0].created);
    assert!(s.upsert_keywords(&ctx, &[]).await.unwrap().is_empty());
}

/// `update_keywords` is all or nothing: one unknown id fails the batch and changes nothing.
pub async fn keywords_update_is_all_or_nothing(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let ids = seed_keywords(s, &ctx, &wf, &["one", "two"]).await;
    let approve =
        |id| KeywordUpdate { filter_status: Some(FilterStatus::Approved), ..KeywordUpdate::new(id) };
    assert_not_found(
        s.update_keywords(&ctx, &[approve(ids[0]), approve(KeywordId::new()), approve(ids[1])]).await,
    );
    for id in &ids {
        assert_eq!(s.get_keyword(&ctx, *id).await.unwrap().unwrap().filter_status, FilterStatus::Pending);
    }
    s.update_keywords(&ctx, &[approve(ids[0]), approve(ids[1])]).await.unwrap();
    for id in &ids {
        assert_eq!(s.get_keyword(&ctx, *id).await.unwrap().unwrap().filter_status, FilterStatus::Approved);
    }
    s.update_keywords(&ctx, &[]).await.unwrap();
}
