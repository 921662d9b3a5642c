//! Cursor pagination: every row exactly once, in id order, for any page size.

use crate::audit::{AuditQuery, NewAuditEntry};
use crate::ids::AuditId;
use crate::keyword::{FilterStatus, KeywordQuery, KeywordType, KeywordUpdate};
use crate::page::{Cursor, Page};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use crate::workflow::WorkflowQuery;
use std::future::Future;

/// Follows cursors from the first page to the last, asserting each page's size.
async fn collect_all<T, F, Fut>(page_size: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(Option<Cursor>, u32) -> Fut,
    Fut: Future<Output = Page<T>>,
{
    let mut all = Vec::new();
    let mut cursor = None;
    for _ in 0..10_000 {
        let page = fetch(cursor.clone(), page_size).await;
        assert!(page.items.len() <= page_size as usize, "page larger than its size");
        let full = page.items.len() == page_size as usize;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) => {
                assert!(full, "a next cursor after a short page");
                cursor = Some(next);
            }
            None => return all,
        }
    }
    panic!("pagination did not terminate");
}

/// Workflows: pages of 1, 7 and 10,000 return every workflow once, in id order.
pub async fn pagination_workflows_every_row_once(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let mut want = Vec::new();
    for _ in 0..15 {
        want.push(new_workflow(s, &ctx).await.id);
    }
    want.sort();
    for size in [1, 7, 10_000] {
        let got = collect_all(size, |cursor, limit| async move {
            s.list_workflows(&ctx, WorkflowQuery { cursor, limit: Some(limit), ..Default::default() })
                .await
                .unwrap()
        })
        .await;
        assert_eq!(got.iter().map(|w| w.id).collect::<Vec<_>>(), want, "page size {size}");
    }
    // Exactly one page when the size equals the count.
    let page = s.list_workflows(&ctx, WorkflowQuery { limit: Some(15), ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 15);
    let rest = s
        .list_workflows(
            &ctx,
            WorkflowQuery { cursor: page.next_cursor.clone(), limit: Some(15), ..Default::default() },
        )
        .await
        .unwrap();
    assert!(page.next_cursor.is_none() || rest.items.is_empty());
}

/// Keywords with filters: pages of 1, 7 and 10,000 return exactly the matching keywords once.
pub async fn pagination_keywords_with_filters(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let texts: Vec<String> = (0..20).map(|i| format!("seed {i}")).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let seeds = seed_keywords(s, &ctx, &wf, &refs).await;
    let lt_texts: Vec<String> = (0..9).map(|i| format!("longtail {i}")).collect();
    let lt_refs: Vec<&str> = lt_texts.iter().map(String::as_str).collect();
    let longtails = longtail_keywords(s, &ctx, &wf, seeds[3], &lt_refs).await;
    let approved: Vec<_> = seeds.iter().step_by(3).copied().collect();
    let updates: Vec<_> = approved
        .iter()
        .map(|id| KeywordUpdate { filter_status: Some(FilterStatus::Approved), ..KeywordUpdate::new(*id) })
        .collect();
    s.update_keywords(&ctx, &updates).await.unwrap();

    let sorted = |mut v: Vec<crate::ids::KeywordId>| {
        v.sort();
        v
    };
    let cases = [
        (KeywordQuery::workflow(wf.id), sorted([seeds.clone(), longtails.clone()].concat())),
        (KeywordQuery::workflow(wf.id).of_type(KeywordType::Seed), sorted(seeds.clone())),
        (
            KeywordQuery { parent_id: Some(seeds[3]), ..KeywordQuery::workflow(wf.id) },
            sorted(longtails.clone()),
        ),
        (
            KeywordQuery { filter_status: Some(FilterStatus::Approved), ..KeywordQuery::workflow(wf.id) },
            sorted(approved.clone()),
        ),
        (
            KeywordQuery {
                keyword_type: Some(KeywordType::Longtail),
                filter_status: Some(FilterStatus::Approved),
                ..KeywordQuery::workflow(wf.id)
            },
            Vec::new(),
        ),
    ];
    for (query, want) in cases {
        for size in [1, 7, 10_000] {
            let got = collect_all(size, |cursor, limit| {
                let q = KeywordQuery { cursor, limit: Some(limit), ..query.clone() };
                async move { s.list_keywords(&ctx, q).await.unwrap() }
            })
            .await;
            assert_eq!(got.iter().map(|k| k.id).collect::<Vec<_>>(), want, "{query:?} size {size}");
        }
    }
}

/// The audit log pages oldest first, every entry once, optionally for one workflow.
pub async fn pagination_audit_every_entry_once(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    for i in 0..17 {
        let entry = NewAuditEntry {
            id: AuditId::new(),
            workflow_id: if i % 2 == 0 { Some(wf.id) } else { None },
            action: format!("test.{i}"),
            entity_type: "test".into(),
            entity_id: None,
            details: serde_json::Value::Null,
        };
        s.append_audit(&ctx, entry).await.unwrap();
    }
    let all =
        s.list_audit(&ctx, AuditQuery { limit: Some(10_000), ..Default::default() }).await.unwrap().items;
    assert_eq!(all.len(), 18);
    for size in [1, 7, 10_000] {
        let got = collect_all(size, |cursor, limit| async move {
            s.list_audit(&ctx, AuditQuery { cursor, limit: Some(limit), ..Default::default() }).await.unwrap()
        })
        .await;
        assert_eq!(got, all, "page size {size}");
        let of_wf = collect_all(size, |cursor, limit| async move {
            s.list_audit(&ctx, AuditQuery { workflow_id: Some(wf.id), cursor, limit: Some(limit) })
                .await
                .unwrap()
        })
        .await;
        assert_eq!(of_wf.len(), 10, "created + 9 appended");
        assert!(of_wf.windows(2).all(|w| w[0].id < w[1].id));
    }
}

/// A cursor that is not an id is `Invalid` for every paged listing.
pub async fn pagination_malformed_cursor_is_invalid(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let bad = Some(Cursor("not-a-cursor".into()));
    assert_invalid(s.list_workflows(&ctx, WorkflowQuery { cursor: bad.clone(), ..Default::default() }).await);
    assert_invalid(
        s.list_keywords(&ctx, KeywordQuery { cursor: bad.clone(), ..KeywordQuery::workflow(wf.id) }).await,
    );
    assert_invalid(s.list_audit(&ctx, AuditQuery { cursor: bad, ..Default::default() }).await);
    // A well-formed cursor past every row gives an empty last page.
    let past = Some(Cursor(uuid::Uuid::max().to_string()));
    let page = s.list_workflows(&ctx, WorkflowQuery { cursor: past, ..Default::default() }).await.unwrap();
    assert!(page.items.is_empty() && page.next_cursor.is_none());
}
