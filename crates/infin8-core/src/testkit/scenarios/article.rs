//! Articles and sections.

use crate::article::{ArticleStatus, ArticleUpdate, NewArticle, NewSection, SectionStatus, Source};
use crate::ids::{ArticleId, KeywordId, WorkflowId};
use crate::money::Usd;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::collections::HashSet;
use std::sync::Arc;

/// A new article on `keyword_id` titled `title` (five sections planned).
pub(crate) fn new_article(workflow_id: WorkflowId, keyword_id: KeywordId, title: &str) -> NewArticle {
    NewArticle {
        workflow_id,
        keyword_id,
        title: title.into(),
        slug: crate::article::slugify(title),
        sections_total: 5,
        focus_keyword: Some("crm".into()),
    }
}

/// A section with text derived from `tag`.
pub(crate) fn section(article_id: ArticleId, order: i32, tag: &str) -> NewSection {
    NewSection {
        article_id,
        section_order: order,
        title: format!("heading {tag}"),
        content: Some(format!("content {tag}")),
        content_html: Some(format!("<p>content {tag}</p>")),
        research_query: Some(format!("query {tag}")),
        sources: vec![Source {
            url: "https://src.example/1".into(),
            title: "src".into(),
            content: tag.into(),
            score: 0.8,
        }],
        model: Some("model-x".into()),
        prompt_tokens: 100,
        completion_tokens: 200,
        generation_ms: 1_500,
        cost: Usd::from_micros(321),
        status: SectionStatus::Completed,
    }
}

/// `create_article` creates one `queued` article per (workflow, keyword) and returns the existing
/// one unchanged on repeat; get/list round-trip; unknown workflow or keyword is `NotFound`.
pub async fn articles_create_is_idempotent(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["crm", "erp"]).await;
    let a = s.create_article(&ctx, new_article(wf.id, k[0], "Best CRM")).await.unwrap();
    assert_eq!((a.workflow_id, a.keyword_id, a.organization_id), (wf.id, k[0], ctx.org_id));
    assert_eq!(a.status, ArticleStatus::Queued);
    assert_eq!((a.title.as_str(), a.slug.as_str()), ("Best CRM", "best-crm"));
    assert_eq!((a.progress, a.sections_completed, a.sections_total), (0, 0, 5));
    assert_eq!(a.focus_keyword.as_deref(), Some("crm"));
    assert_eq!((a.word_count, a.generation_cost, a.completed_at), (0, Usd::ZERO, None));
    assert_eq!(s.get_article(&ctx, a.id).await.unwrap(), Some(a.clone()));

    let again = s.create_article(&ctx, new_article(wf.id, k[0], "Another title")).await.unwrap();
    assert_eq!(again, a, "existing article returned unchanged");
    let b = s.create_article(&ctx, new_article(wf.id, k[1], "ERP")).await.unwrap();
    assert_ne!(a.id, b.id);
    let listed = s.list_articles(&ctx, wf.id).await.unwrap();
    let mut want = vec![a.id, b.id];
    want.sort();
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), want);

    let other_wf = new_workflow(s, &ctx).await;
    assert_not_found(s.create_article(&ctx, new_article(other_wf.id, k[0], "wrong workflow")).await);
    assert_not_found(s.create_article(&ctx, new_article(wf.id, KeywordId::new(), "ghost")).await);
    assert_not_found(s.create_article(&ctx, new_article(WorkflowId::new(), k[0], "ghost")).await);
    assert_eq!(s.get_article(&ctx, ArticleId::new()).await.unwrap(), None);
    assert!(s.list_articles(&ctx, other_wf.id).await.unwrap().is_empty());
}

/// 16 concurrent `create_article` calls for one (workflow, keyword) create one row.
pub async fn articles_concurrent_create_one_row(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let wf = new_workflow(&*store, &ctx).await;
    let k = seed_keywords(&*store, &ctx, &wf, &["race"]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let new = new_article(wf.id, k[0], &format!("title {i}"));
            tokio::spawn(async move {
                barrier.wait().await;
                store.create_article(&ctx, new).await.unwrap()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(store.list_articles(&ctx, wf.id).await.unwrap().len(), 1);
}

/// `update_article` changes the given fields and keeps the rest; unknown ids are `NotFound`.
pub async fn articles_update(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["crm"]).await;
    let a = s.create_article(&ctx, new_article(wf.id, k[0], "Best CRM")).await.unwrap();
    let update = ArticleUpdate {
        status: Some(ArticleStatus::Completed),
        progress: Some(100),
        sections_completed: Some(5),
        content: Some("# Best CRM".into()),
        content_html: Some("<h1>Best CRM</h1>".into()),
        excerpt: Some("short".into()),
        meta_title: Some("Best CRM 2030".into()),
        meta_description: Some("All about CRM".into()),
        word_count: Some(1_234),
        reading_time_minutes: Some(6),
        quality_score: Some(87.5),
        seo_score: Some(91.0),
        wordpress_post_id: Some(42),
        wordpress_url: Some("https://blog.example/best-crm".into()),
        generation_cost: Some(Usd::from_micros(12_345)),
        provenance: Some(serde_json::json!({ "models": ["m"] })),
        error: Some(Some("transient".into())),
        completed_at: Some(at(10)),
        ..Default::default()
    };
    let u = s.update_article(&ctx, a.id, update).await.unwrap();
    assert_eq!(u.status, ArticleStatus::Completed);
    assert_eq!((u.progress, u.sections_completed, u.sections_total), (100, 5, 5));
    assert_eq!(u.content.as_deref(), Some("# Best CRM"));
    assert_eq!(u.content_html.as_deref(), Some("<h1>Best CRM</h1>"));
    assert_eq!(u.excerpt.as_deref(), Some("short"));
    assert_eq!(u.meta_title.as_deref(), Some("Best CRM 2030"));
    assert_eq!(u.meta_description.as_deref(), Some("All about CRM"));
    assert_eq!((u.word_count, u.reading_time_minutes), (1_234, 6));
    assert_eq!((u.quality_score, u.seo_score), (Some(87.5), Some(91.0)));
    assert_eq!(u.wordpress_post_id, Some(42));
    assert_eq!(u.wordpress_url.as_deref(), Some("https://blog.example/best-crm"));
    assert_eq!(u.generation_cost, Usd::from_micros(12_345));
    assert_eq!(u.provenance, serde_json::json!({ "models": ["m"] }));
    assert_eq!(u.error.as_deref(), Some("transient"));
    assert_eq!(u.completed_at, Some(at(10)));
    assert_eq!(
        (u.title.as_str(), u.slug.as_str(), u.focus_keyword.as_deref()),
        ("Best CRM", "best-crm", Some("crm"))
    );
    assert_eq!(u.created_at, a.created_at);
    assert_eq!(s.get_article(&ctx, a.id).await.unwrap(), Some(u.clone()));

    let renamed = s
        .update_article(&ctx, a.id, ArticleUpdate { title: Some("Renamed".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(renamed.title, "Renamed");
    assert_eq!(renamed.word_count, 1_234);
    assert_not_found(s.update_article(&ctx, ArticleId::new(), ArticleUpdate::default()).await);
}

/// Sections are keyed by (article, order): re-upserting replaces the content and keeps the id
/// and `created_at`; listed by order; negative order is `Invalid`; unknown article `NotFound`.
pub async fn sections_upsert_by_order_keeps_id(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["crm"]).await;
    let a = s.create_article(&ctx, new_article(wf.id, k[0], "Best CRM")).await.unwrap();
    let s2 = s.upsert_section(&ctx, section(a.id, 2, "two")).await.unwrap();
    let s0 = s.upsert_section(&ctx, section(a.id, 0, "zero")).await.unwrap();
    let s1 = s.upsert_section(&ctx, section(a.id, 1, "one")).await.unwrap();
    assert_eq!((s1.article_id, s1.organization_id, s1.section_order), (a.id, ctx.org_id, 1));
    assert_eq!(s1.title, "heading one");
    assert_eq!(s1.sources.len(), 1);
    assert_eq!((s1.prompt_tokens, s1.completion_tokens, s1.generation_ms), (100, 200, 1_500));
    assert_eq!(
        (s1.cost, s1.status, s1.model.as_deref()),
        (Usd::from_micros(321), SectionStatus::Completed, Some("model-x"))
    );
    assert_eq!(s.list_sections(&ctx, a.id).await.unwrap(), vec![s0.clone(), s1.clone(), s2.clone()]);

    let mut rewrite = section(a.id, 1, "one rewritten");
    rewrite.status = SectionStatus::Failed;
    rewrite.sources = Vec::new();
    let r = s.upsert_section(&ctx, rewrite).await.unwrap();
    assert_eq!(r.id, s1.id);
    assert_eq!(r.created_at, s1.created_at);
    assert_eq!(r.content.as_deref(), Some("content one rewritten"));
    assert_eq!(r.status, SectionStatus::Failed);
    assert!(r.sources.is_empty());
    let listed = s.list_sections(&ctx, a.id).await.unwrap();
    assert_eq!(listed, vec![s0, r, s2]);

    assert_invalid(s.upsert_section(&ctx, section(a.id, -1, "neg")).await);
    assert_not_found(s.upsert_section(&ctx, section(ArticleId::new(), 0, "ghost")).await);
    assert_eq!(s.list_sections(&ctx, a.id).await.unwrap().len(), 3);
    assert!(s.list_sections(&ctx, ArticleId::new()).await.unwrap().is_empty());
}

/// An article's `error` is kept by updates that leave it alone, replaced by `Some(Some(_))` and
/// cleared by `Some(None)` (a retried article that succeeds); what the update returns is what a
/// read returns.
pub async fn articles_error_set_kept_and_cleared(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["crm"]).await;
    let a = s.create_article(&ctx, new_article(wf.id, k[0], "Best CRM")).await.unwrap();
    assert_eq!(a.error, None);
    let failed = ArticleUpdate {
        status: Some(ArticleStatus::Failed),
        error: Some(Some("provider timed out".into())),
        ..Default::default()
    };
    let failed = s.update_article(&ctx, a.id, failed).await.unwrap();
    assert_eq!(failed.error.as_deref(), Some("provider timed out"));

    let progress = ArticleUpdate { status: Some(ArticleStatus::Generating), ..Default::default() };
    let kept = s.update_article(&ctx, a.id, progress).await.unwrap();
    assert_eq!(kept.error.as_deref(), Some("provider timed out"));
    let replaced = s
        .update_article(&ctx, a.id, ArticleUpdate { error: Some(Some("again".into())), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(replaced.error.as_deref(), Some("again"));

    let done =
        ArticleUpdate { status: Some(ArticleStatus::Completed), error: Some(None), ..Default::default() };
    let cleared = s.update_article(&ctx, a.id, done).await.unwrap();
    assert_eq!(cleared.error, None);
    assert_eq!(cleared.status, ArticleStatus::Completed);
    assert_eq!(s.get_article(&ctx, a.id).await.unwrap(), Some(cleared.clone()));

    // Clearing what is already clear changes nothing else.
    let again = s
        .update_article(&ctx, a.id, ArticleUpdate { error: Some(None), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((again.error, again.status, again.title), (None, ArticleStatus::Completed, cleared.title));
}
