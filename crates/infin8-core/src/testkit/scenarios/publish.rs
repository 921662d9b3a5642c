//! Publish claims: exactly-once publishing.

use crate::article::{Article, NewArticle};
use crate::error::ConflictReason;
use crate::ids::{ArticleId, PublishId};
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference, PublishStatus};
use crate::store::Store;
use crate::tenant::TenantContext;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::sync::Arc;

async fn article(s: &dyn Store, ctx: &TenantContext) -> Article {
    let wf = new_workflow(s, ctx).await;
    let k = seed_keywords(s, ctx, &wf, &["publish me"]).await;
    let new = NewArticle {
        workflow_id: wf.id,
        keyword_id: k[0],
        title: "Publish me".into(),
        slug: "publish-me".into(),
        sections_total: 1,
        focus_keyword: None,
    };
    s.create_article(ctx, new).await.unwrap()
}

fn claim(article: ArticleId, owner: &str, now_secs: i64) -> PublishClaimRequest {
    PublishClaimRequest {
        article_id: article,
        platform: "wordpress".into(),
        owner: owner.into(),
        now: at(now_secs),
        lease: chrono::Duration::seconds(60),
        idempotency_key: format!("infin8-test-{article}"),
    }
}

#[track_caller]
fn won(c: PublishClaim) -> PublishReference {
    match c {
        PublishClaim::Won(r) => r,
        other => panic!("expected Won, got {other:?}"),
    }
}

/// Claim → mark published: the first claim wins with `attempts = 1`; afterwards every claim is
/// `AlreadyPublished`; marking again with the same remote id is idempotent, with another id a
/// `Conflict(WrongState)`.
pub async fn publish_claim_then_mark_published(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let a = article(s, &ctx).await;
    let r = won(s.claim_publish(&ctx, claim(a.id, "w1", 0)).await.unwrap());
    assert_eq!((r.article_id, r.organization_id, r.platform.as_str()), (a.id, ctx.org_id, "wordpress"));
    assert_eq!(r.status, PublishStatus::Claimed);
    assert_eq!(r.claim_owner.as_deref(), Some("w1"));
    assert_eq!(r.claim_expires_at, Some(at(60)));
    assert_eq!(r.attempts, 1);
    assert_eq!(r.idempotency_key, format!("infin8-test-{}", a.id), "the claim's key is recorded");
    assert_eq!((r.post_status.clone(), r.outcome()), (None, "publishing"));
    assert_eq!(s.list_publish_references(&ctx, a.id).await.unwrap(), vec![r.clone()]);

    let p = s
        .mark_published(&ctx, r.id, "w1", "post-42", "https://blog.example/p/42", "draft", at(5))
        .await
        .unwrap();
    assert_eq!(p.status, PublishStatus::Published);
    assert_eq!(p.post_status.as_deref(), Some("draft"), "the platform's status of the post is recorded");
    assert_eq!(p.outcome(), "drafted", "a draft is not called published");
    assert_eq!(
        (p.remote_id.as_deref(), p.remote_url.as_deref()),
        (Some("post-42"), Some("https://blog.example/p/42"))
    );
    assert_eq!((p.claim_owner.clone(), p.claim_expires_at), (None, None));
    assert_eq!(p.published_at, Some(at(5)));
    assert_eq!(p.idempotency_key, r.idempotency_key);
    assert_eq!(p.id, r.id);

    for (owner, t) in [("w1", 10), ("w2", 10), ("w3", 10_000)] {
        match s.claim_publish(&ctx, claim(a.id, owner, t)).await.unwrap() {
            PublishClaim::AlreadyPublished(x) => assert_eq!(x, p),
            other => panic!("expected AlreadyPublished, got {other:?}"),
        }
    }
    let again = s
        .mark_published(&ctx, r.id, "w1", "post-42", "https://blog.example/p/42", "publish", at(6))
        .await
        .unwrap();
    assert_eq!(again, p, "idempotent: the recorded status is kept");
    let reason = assert_conflict(
        s.mark_published(&ctx, r.id, "w1", "post-43", "https://x.example", "publish", at(7)).await,
    );
    assert!(matches!(reason, ConflictReason::WrongState(_)));
    assert_eq!(s.list_publish_references(&ctx, a.id).await.unwrap(), vec![p]);
    assert_not_found(s.mark_published(&ctx, PublishId::new(), "w1", "x", "y", "publish", at(0)).await);
    assert_not_found(s.claim_publish(&ctx, claim(ArticleId::new(), "w1", 0)).await);
    assert!(s.list_publish_references(&ctx, ArticleId::new()).await.unwrap().is_empty());
}

/// 16 concurrent claimants: exactly one `Won`, the others `HeldByOther`; one reference row.
pub async fn publish_claim_race_one_winner(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let a = article(&*store, &ctx).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let req = claim(a.id, &format!("worker-{i}"), 0);
            tokio::spawn(async move {
                barrier.wait().await;
                store.claim_publish(&ctx, req).await.unwrap()
            })
        })
        .collect();
    let (mut winners, mut held) = (Vec::new(), 0);
    for t in tasks {
        match t.await.unwrap() {
            PublishClaim::Won(r) => winners.push(r),
            PublishClaim::HeldByOther(r) => {
                assert_eq!(r.status, PublishStatus::Claimed);
                held += 1;
            }
            PublishClaim::AlreadyPublished(r) => panic!("nothing was published: {r:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(held, 15);
    assert_eq!(winners[0].attempts, 1);
    let refs = store.list_publish_references(&ctx, a.id).await.unwrap();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].claim_owner, winners[0].claim_owner);
}

/// An unexpired claim is held against others but re-claimable by its owner; an expired claim is
/// re-claimed by anyone with `attempts + 1` and the same idempotency key; the previous owner can
/// then no longer mark it.
pub async fn publish_expired_claim_is_reclaimed(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let a = article(s, &ctx).await;
    let first = won(s.claim_publish(&ctx, claim(a.id, "w1", 0)).await.unwrap());
    match s.claim_publish(&ctx, claim(a.id, "w2", 59)).await.unwrap() {
        PublishClaim::HeldByOther(r) => assert_eq!(r.claim_owner.as_deref(), Some("w1")),
        other => panic!("expected HeldByOther, got {other:?}"),
    }
    let same_owner = won(s.claim_publish(&ctx, claim(a.id, "w1", 30)).await.unwrap());
    assert_eq!(same_owner.attempts, 2);
    assert_eq!(same_owner.claim_expires_at, Some(at(90)));

    let taken = won(s.claim_publish(&ctx, claim(a.id, "w2", 90)).await.unwrap());
    assert_eq!(taken.attempts, 3);
    assert_eq!(taken.claim_owner.as_deref(), Some("w2"));
    assert_eq!(taken.claim_expires_at, Some(at(150)));
    assert_eq!((taken.id, &taken.idempotency_key), (first.id, &first.idempotency_key));
    // A later claim with another key keeps the recorded one.
    let mut other_key = claim(a.id, "w2", 91);
    other_key.idempotency_key = "infin8-some-other-key".into();
    let kept = won(s.claim_publish(&ctx, other_key).await.unwrap());
    assert_eq!(kept.idempotency_key, first.idempotency_key);

    let reason = assert_conflict(s.mark_published(&ctx, first.id, "w1", "p", "u", "publish", at(91)).await);
    assert!(matches!(reason, ConflictReason::WrongState(_)));
    let reason = assert_conflict(s.mark_publish_failed(&ctx, first.id, "w1", "boom", at(91)).await);
    assert!(matches!(reason, ConflictReason::WrongState(_)));
    let done = s.mark_published(&ctx, first.id, "w2", "p", "u", "publish", at(92)).await.unwrap();
    assert_eq!(done.status, PublishStatus::Published);
    assert_eq!(done.attempts, 4);
    assert_eq!((done.post_status.as_deref(), done.outcome()), (Some("publish"), "published"));
}

/// A failed attempt records the error, clears the claim and is claimable again (by anyone, at
/// once) with `attempts + 1`.
pub async fn publish_failed_is_claimable_again(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let a = article(s, &ctx).await;
    let r = won(s.claim_publish(&ctx, claim(a.id, "w1", 0)).await.unwrap());
    let reason = assert_conflict(s.mark_publish_failed(&ctx, r.id, "intruder", "x", at(1)).await);
    assert!(matches!(reason, ConflictReason::WrongState(_)));
    let f = s.mark_publish_failed(&ctx, r.id, "w1", "http 500", at(1)).await.unwrap();
    assert_eq!(f.status, PublishStatus::Failed);
    assert_eq!(f.last_error.as_deref(), Some("http 500"));
    assert_eq!((f.claim_owner.clone(), f.claim_expires_at), (None, None));
    assert_eq!(s.list_publish_references(&ctx, a.id).await.unwrap(), vec![f.clone()]);
    // Marking a failed reference needs a claim.
    assert!(matches!(
        assert_conflict(s.mark_published(&ctx, r.id, "w1", "p", "u", "publish", at(2)).await),
        ConflictReason::WrongState(_)
    ));
    let again = won(s.claim_publish(&ctx, claim(a.id, "w2", 2)).await.unwrap());
    assert_eq!(again.attempts, 2);
    assert_eq!(again.claim_owner.as_deref(), Some("w2"));
    assert_eq!(again.id, r.id);
    assert_eq!(again.last_error.as_deref(), Some("http 500"), "kept while retrying");
    let done = s.mark_published(&ctx, r.id, "w2", "p", "u", "publish", at(3)).await.unwrap();
    assert_eq!(done.last_error, None, "cleared by success");
    // Another platform is an independent reference.
    let mut fs = claim(a.id, "w3", 2);
    fs.platform = "filesystem".into();
    fs.idempotency_key = format!("infin8-test-{}-filesystem", a.id);
    let other = won(s.claim_publish(&ctx, fs).await.unwrap());
    assert_ne!(other.id, r.id);
    assert_ne!(other.idempotency_key, r.idempotency_key);
    assert_eq!(other.attempts, 1);
    assert_eq!(s.list_publish_references(&ctx, a.id).await.unwrap().len(), 2);
}

/// Idempotency keys come from the claim (core derives them from organization, keyword and
/// target): two articles of one organization may share one, and so may two organizations; a
/// blank key is `Invalid` and creates nothing.
pub async fn publish_keys_are_shared_not_unique(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let other = second_org(s).await;
    let key = crate::publish::idempotency_key(ctx.org_id, "Publish  Me", "wordpress");
    assert_eq!(key, crate::publish::idempotency_key(ctx.org_id, "publish me", "wordpress"), "normalized");
    assert_ne!(key, crate::publish::idempotency_key(other.org_id, "publish me", "wordpress"));
    assert_ne!(key, crate::publish::idempotency_key(ctx.org_id, "publish me", "filesystem"));
    let (a, b, c) = (article(s, &ctx).await, article(s, &ctx).await, article(s, &other).await);
    let mut blank = claim(a.id, "w1", 0);
    blank.idempotency_key = "  ".into();
    assert_eq!(assert_invalid(s.claim_publish(&ctx, blank).await), "idempotency_key");
    assert!(s.list_publish_references(&ctx, a.id).await.unwrap().is_empty());
    for (ctx, article) in [(&ctx, &a), (&ctx, &b), (&other, &c)] {
        let mut req = claim(article.id, "w1", 0);
        req.idempotency_key = key.clone();
        let r = won(s.claim_publish(ctx, req).await.unwrap());
        assert_eq!(r.idempotency_key, key);
        let p = s.mark_published(ctx, r.id, "w1", "post-1", "https://blog.example/1", "publish", at(1)).await;
        assert_eq!(p.unwrap().remote_id.as_deref(), Some("post-1"), "one post adopted by both articles");
    }
}
