//! Races on the natural keys of the later aggregates: concurrent writers of one key end with one
//! row, and state machines (reservations) take exactly one path.

use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::article::NewArticle;
use crate::error::{ConflictReason, Error};
use crate::ids::ReservationId;
use crate::ledger::{BillingPeriod, LedgerScope, ReservationState, ReserveUsage, UsageLine, UsageMetric};
use crate::organization::NewCompetitor;
use crate::research::NewResearchCacheEntry;
use crate::store::Store;
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

/// Runs `n` copies of `call(i)` at once (released together by a barrier) and returns the results
/// in spawn order.
async fn race<T, F, Fut>(store: &Arc<dyn Store>, n: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = call(store.clone(), i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// 8 concurrent commits and 8 concurrent releases of one reservation: exactly one path wins (all
/// of its calls return the same reservation, every call of the other path is
/// `Conflict(WrongState)`), and the counter reflects that path exactly once.
pub async fn usage_commit_release_race(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let m = LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap());
    let id = ReservationId::new();
    let line = UsageLine { metric: UsageMetric::LlmTokens, scope: m, amount: 100, limit: Some(1_000) };
    let req =
        ReserveUsage { id, workflow_id: None, purpose: "race".into(), replay_of: None, lines: vec![line] };
    store.reserve_usage(&ctx, req).await.unwrap();
    let results = race(&store, 16, move |s, i| async move {
        if i % 2 == 0 {
            (true, s.commit_usage(&ctx, id, &[70]).await)
        } else {
            (false, s.release_usage(&ctx, id).await)
        }
    })
    .await;
    let committed = results.iter().filter(|(c, r)| *c && r.is_ok()).count();
    let released = results.iter().filter(|(c, r)| !*c && r.is_ok()).count();
    assert!(
        (committed, released) == (8, 0) || (committed, released) == (0, 8),
        "{committed} commits, {released} releases"
    );
    for (_, r) in &results {
        if let Err(e) = r {
            assert!(matches!(e, Error::Conflict { reason: ConflictReason::WrongState(_), .. }), "{e:?}");
        }
    }
    let record = store.get_usage(&ctx, UsageMetric::LlmTokens, m).await.unwrap();
    if committed == 8 {
        assert_eq!((record.used, record.reserved), (70, 0));
        assert!(
            results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok())
                .all(|r| r.state == ReservationState::Committed)
        );
    } else {
        assert_eq!((record.used, record.reserved), (0, 0));
        assert!(
            results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok())
                .all(|r| r.state == ReservationState::Released)
        );
    }
}

/// Concurrent writers of one natural key end with one row: sections by (article, order),
/// approvals by entity, research entries by normalized query, competitors by normalized URL.
pub async fn natural_key_races_leave_one_row(ts: TestStore) {
    let store = ts.store.clone();
    let ctx = new_org(&*store).await;
    let wf = new_workflow(&*store, &ctx).await;
    let k = seed_keywords(&*store, &ctx, &wf, &["race"]).await;
    let new = NewArticle {
        workflow_id: wf.id,
        keyword_id: k[0],
        title: "Race".into(),
        slug: "race".into(),
        sections_total: 1,
        focus_keyword: None,
    };
    let article = store.create_article(&ctx, new).await.unwrap();

    let sections = race(&store, 8, move |s, i| async move {
        s.upsert_section(&ctx, super::article::section(article.id, 0, &format!("v{i}"))).await.unwrap()
    })
    .await;
    assert_eq!(sections.iter().map(|x| x.id).collect::<HashSet<_>>().len(), 1);
    let listed = store.list_sections(&ctx, article.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(sections.contains(&listed[0]), "the stored section is one of the writes");

    let kw = k[0].as_uuid();
    let wf_id = wf.id;
    let approvals = race(&store, 8, move |s, i| async move {
        let a = NewApproval {
            workflow_id: wf_id,
            entity_type: ApprovalEntityType::SeedKeywords,
            entity_id: kw,
            decision: if i % 2 == 0 { Decision::Approved } else { Decision::Rejected },
            feedback: Some(format!("v{i}")),
            confidence: None,
        };
        s.record_approvals(&ctx, &[a]).await.unwrap().remove(0)
    })
    .await;
    assert_eq!(approvals.iter().map(|a| a.id).collect::<HashSet<_>>().len(), 1);
    assert_eq!(store.list_approvals(&ctx, wf.id, None).await.unwrap().len(), 1);

    race(&store, 8, move |s, i| async move {
        let q = if i % 2 == 0 { "Race Query" } else { " race  query " };
        let e = NewResearchCacheEntry {
            research_query: q.into(),
            provider: format!("p{i}"),
            results: Vec::new(),
            created_at: at(0),
            expires_at: at(100),
        };
        s.put_research(&ctx, e).await.unwrap()
    })
    .await;
    assert_eq!(store.purge_expired_research(&ctx, at(100)).await.unwrap(), 1, "one entry");

    let comps = race(&store, 8, move |s, i| async move {
        let url = if i % 2 == 0 { "Race.example/" } else { "https://www.race.example" };
        s.upsert_competitors(&ctx, &[NewCompetitor { url: url.into() }]).await.unwrap().remove(0)
    })
    .await;
    assert_eq!(comps.iter().map(|c| c.id).collect::<HashSet<_>>().len(), 1);
    assert_eq!(store.list_competitors(&ctx).await.unwrap().len(), 1);
}
