//! The research cache: TTL, normalized keys, purge.

use crate::article::Source;
use crate::research::NewResearchCacheEntry;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

fn entry(query: &str, created: i64, ttl: i64, tag: &str) -> NewResearchCacheEntry {
    NewResearchCacheEntry {
        research_query: query.into(),
        provider: "tavily".into(),
        results: vec![Source {
            url: format!("https://{tag}.example"),
            title: tag.into(),
            content: format!("about {tag}"),
            score: 0.5,
        }],
        created_at: at(created),
        expires_at: at(created + ttl),
    }
}

/// A fresh entry is a hit until `expires_at` (exclusive), then a miss; `put` replaces the entry
/// of the same normalized query; `expires_at <= created_at` is `Invalid`.
pub async fn research_cache_ttl(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let stored = s.put_research(&ctx, entry("best crm", 0, 100, "a")).await.unwrap();
    assert_eq!(stored.organization_id, ctx.org_id);
    assert_eq!((stored.research_query.as_str(), stored.normalized_query.as_str()), ("best crm", "best crm"));
    assert_eq!((stored.created_at, stored.expires_at), (at(0), at(100)));
    assert_eq!(s.get_research(&ctx, "best crm", at(0)).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.get_research(&ctx, "best crm", at(99)).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.get_research(&ctx, "best crm", at(100)).await.unwrap(), None);
    assert_eq!(s.get_research(&ctx, "best crm", at(5_000)).await.unwrap(), None);
    assert_eq!(s.get_research(&ctx, "other query", at(0)).await.unwrap(), None);

    let newer = s.put_research(&ctx, entry("best crm", 200, 100, "b")).await.unwrap();
    assert_eq!(newer.results[0].title, "b");
    assert_eq!(s.get_research(&ctx, "best crm", at(250)).await.unwrap(), Some(newer.clone()));
    assert_eq!(s.get_research(&ctx, "best crm", at(50)).await.unwrap().unwrap().results[0].title, "b");

    assert_invalid(s.put_research(&ctx, entry("bad", 10, 0, "x")).await);
    assert_invalid(s.put_research(&ctx, entry("bad", 10, -5, "x")).await);
    assert_eq!(s.get_research(&ctx, "bad", at(0)).await.unwrap(), None);
}

/// Lookups and puts go through `normalize_query`: `"Best CRM"` and `" best  crm "` are one entry.
pub async fn research_cache_normalized_query(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let stored = s.put_research(&ctx, entry("Best CRM", 0, 100, "a")).await.unwrap();
    assert_eq!(stored.normalized_query, "best crm");
    assert_eq!(stored.research_query, "Best CRM");
    for q in [" best  crm ", "BEST CRM", "ｂｅｓｔ crm", "best\tcrm"] {
        assert_eq!(s.get_research(&ctx, q, at(1)).await.unwrap(), Some(stored.clone()), "{q:?}");
    }
    let replaced = s.put_research(&ctx, entry("  BEST crm", 1, 100, "b")).await.unwrap();
    assert_eq!(replaced.normalized_query, "best crm");
    assert_eq!(s.get_research(&ctx, "Best CRM", at(2)).await.unwrap(), Some(replaced));
    assert_eq!(s.purge_expired_research(&ctx, at(10_000)).await.unwrap(), 1, "one entry, not two");
}

/// Purging deletes only expired entries (`expires_at <= now`) and only the caller's.
pub async fn research_cache_purge_only_expired_own(ts: TestStore) {
    let s = &*ts.store;
    let a = new_org(s).await;
    let b = second_org(s).await;
    s.put_research(&a, entry("q1", 0, 10, "a")).await.unwrap();
    s.put_research(&a, entry("q2", 0, 20, "a")).await.unwrap();
    let keep = s.put_research(&a, entry("q3", 0, 100, "a")).await.unwrap();
    s.put_research(&b, entry("q1", 0, 10, "b")).await.unwrap();
    s.put_research(&b, entry("q2", 0, 10, "b")).await.unwrap();

    assert_eq!(s.purge_expired_research(&a, at(5)).await.unwrap(), 0);
    assert_eq!(s.purge_expired_research(&a, at(20)).await.unwrap(), 2);
    assert_eq!(s.purge_expired_research(&a, at(20)).await.unwrap(), 0);
    assert_eq!(s.get_research(&a, "q3", at(20)).await.unwrap(), Some(keep));
    // B's expired entries are still there for B to purge.
    assert_eq!(s.purge_expired_research(&b, at(20)).await.unwrap(), 2);
}
