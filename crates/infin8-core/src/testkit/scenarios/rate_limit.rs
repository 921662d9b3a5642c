//! Rate limits.

use crate::error::Error;
use crate::ledger::{RateLimitRequest, WindowKind};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::sync::Arc;
use std::time::Duration;

fn hit(key: &str, limit: u32, kind: WindowKind, now_secs: i64) -> RateLimitRequest {
    RateLimitRequest {
        key: key.into(),
        limit,
        window: Duration::from_secs(60),
        kind,
        cost: 1,
        now: at(now_secs),
    }
}

/// 20 concurrent hits on a fixed-window limit of 5: exactly 5 allowed; the next window allows
/// again; refusals say how long until the window ends.
pub async fn rate_limit_fixed_window_race(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let key = format!("provider:{}", unique());
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    // at(0) is aligned to a 60 s window (2030-01-01T00:00:00Z).
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let barrier = barrier.clone();
            let req = hit(&key, 5, WindowKind::Fixed, 10);
            tokio::spawn(async move {
                barrier.wait().await;
                store.hit_rate_limit(&ctx, req).await.unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    let mut remaining = Vec::new();
    for t in tasks {
        let d = t.await.unwrap();
        if d.allowed {
            allowed += 1;
            remaining.push(d.remaining);
        } else {
            assert_eq!(d.retry_after, Some(Duration::from_secs(50)));
            assert_eq!(d.remaining, 0);
        }
    }
    assert_eq!(allowed, 5);
    remaining.sort_unstable();
    assert_eq!(remaining, vec![0, 1, 2, 3, 4]);
    assert!(!store.hit_rate_limit(&ctx, hit(&key, 5, WindowKind::Fixed, 59)).await.unwrap().allowed);
    let next = store.hit_rate_limit(&ctx, hit(&key, 5, WindowKind::Fixed, 60)).await.unwrap();
    assert!(next.allowed);
    assert_eq!(next.remaining, 4);
    // Another key, and another organization, are independent.
    assert!(
        store
            .hit_rate_limit(&ctx, hit(&format!("{key}-other"), 5, WindowKind::Fixed, 10))
            .await
            .unwrap()
            .allowed
    );
    let other = second_org(&*store).await;
    assert!(store.hit_rate_limit(&other, hit(&key, 5, WindowKind::Fixed, 10)).await.unwrap().allowed);
}

/// A sliding window weights the previous window's count by its remaining overlap; `cost` takes
/// several units; a request that does not fit takes nothing.
pub async fn rate_limit_sliding_window(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let key = format!("sliding:{}", unique());
    // Fill the previous window (60..120) with 10.
    let mut fill = hit(&key, 10, WindowKind::Sliding, 61);
    fill.cost = 10;
    assert!(s.hit_rate_limit(&ctx, fill).await.unwrap().allowed);
    // 15 s into the next window, 75 % of the previous still counts: 7.5 + 1 + 1 + 1 > 10 on the third.
    assert!(s.hit_rate_limit(&ctx, hit(&key, 10, WindowKind::Sliding, 135)).await.unwrap().allowed);
    assert!(s.hit_rate_limit(&ctx, hit(&key, 10, WindowKind::Sliding, 135)).await.unwrap().allowed);
    let refused = s.hit_rate_limit(&ctx, hit(&key, 10, WindowKind::Sliding, 135)).await.unwrap();
    assert!(!refused.allowed);
    // 45 s in, 25 % counts: 2.5 + 2 + 1 ≤ 10.
    let later = s.hit_rate_limit(&ctx, hit(&key, 10, WindowKind::Sliding, 165)).await.unwrap();
    assert!(later.allowed);
    assert_eq!(later.remaining, 4);
    // A fixed window ignores the previous window entirely.
    let fixed_key = format!("fixed:{}", unique());
    let mut big = hit(&fixed_key, 3, WindowKind::Fixed, 0);
    big.cost = 4;
    assert!(!s.hit_rate_limit(&ctx, big.clone()).await.unwrap().allowed);
    big.cost = 3;
    assert!(s.hit_rate_limit(&ctx, big).await.unwrap().allowed);
    assert!(!s.hit_rate_limit(&ctx, hit(&fixed_key, 3, WindowKind::Fixed, 1)).await.unwrap().allowed);
}

/// A zero limit or a window under one second is `Invalid`.
pub async fn rate_limit_rejects_bad_config(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    assert_invalid(s.hit_rate_limit(&ctx, hit("k", 0, WindowKind::Fixed, 0)).await);
    let mut short = hit("k", 5, WindowKind::Fixed, 0);
    short.window = Duration::from_millis(999);
    assert!(matches!(s.hit_rate_limit(&ctx, short).await, Err(Error::Invalid(_))));
}
