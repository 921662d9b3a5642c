//! Topic clusters and their validations.

use crate::cluster::{ClusterType, NewClusterSpoke, NewValidation, ValidationStatus};
use crate::ids::{KeywordId, WorkflowId};
use crate::testkit::TestStore;
use crate::testkit::fixtures::*;

fn spoke(hub: KeywordId, spoke: KeywordId, similarity: f32) -> NewClusterSpoke {
    NewClusterSpoke {
        hub_keyword_id: hub,
        spoke_keyword_id: spoke,
        similarity,
        cluster_type: ClusterType::HubSpoke,
    }
}

fn validation(hub: KeywordId, status: ValidationStatus) -> NewValidation {
    NewValidation {
        hub_keyword_id: hub,
        status,
        avg_similarity: 0.5,
        spoke_count: 2,
        reasons: if status == ValidationStatus::Invalid {
            vec!["avg_similarity_below_min".into()]
        } else {
            vec![]
        },
        metadata: serde_json::json!({ "min": 0.6 }),
    }
}

/// `replace_clusters` stores the spokes and lists them by (hub, similarity descending, spoke);
/// a second replace drops every earlier spoke.
pub async fn clusters_replace_and_list_order(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["h1", "h2", "a", "b", "c", "d"]).await;
    let (h1, h2) = (k[0], k[1]);
    let input = vec![spoke(h2, k[2], 0.7), spoke(h1, k[3], 0.6), spoke(h1, k[4], 0.9), spoke(h1, k[5], 0.6)];
    let stored = s.replace_clusters(&ctx, wf.id, &input).await.unwrap();
    assert_eq!(stored.len(), 4);
    let listed = s.list_clusters(&ctx, wf.id).await.unwrap();
    assert_eq!(listed, stored);
    let mut want: Vec<(KeywordId, f32, KeywordId)> =
        input.iter().map(|n| (n.hub_keyword_id, n.similarity, n.spoke_keyword_id)).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    assert_eq!(
        listed.iter().map(|c| (c.hub_keyword_id, c.similarity, c.spoke_keyword_id)).collect::<Vec<_>>(),
        want
    );
    assert!(listed.iter().all(|c| c.organization_id == ctx.org_id && c.workflow_id == wf.id));
    assert!(listed.iter().all(|c| c.cluster_type == ClusterType::HubSpoke));

    let replaced = s
        .replace_clusters(
            &ctx,
            wf.id,
            &[NewClusterSpoke { cluster_type: ClusterType::SerpOverlap, ..spoke(h2, k[3], 0.4) }],
        )
        .await
        .unwrap();
    assert_eq!(replaced.len(), 1);
    assert_eq!(s.list_clusters(&ctx, wf.id).await.unwrap(), replaced);
    assert_eq!(replaced[0].cluster_type, ClusterType::SerpOverlap);
    assert!(s.replace_clusters(&ctx, wf.id, &[]).await.unwrap().is_empty());
    assert!(s.list_clusters(&ctx, wf.id).await.unwrap().is_empty());
}

/// A keyword that is the spoke of two hubs, or a hub that is its own spoke, is `Invalid`; a
/// keyword of another workflow is `NotFound`; a failed replace keeps the old clusters.
pub async fn clusters_reject_invalid_spokes(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["h1", "h2", "x", "y"]).await;
    let before = s.replace_clusters(&ctx, wf.id, &[spoke(k[0], k[3], 0.8)]).await.unwrap();

    assert_invalid(s.replace_clusters(&ctx, wf.id, &[spoke(k[0], k[2], 0.8), spoke(k[1], k[2], 0.7)]).await);
    assert_invalid(s.replace_clusters(&ctx, wf.id, &[spoke(k[0], k[0], 1.0)]).await);
    let other_wf = new_workflow(s, &ctx).await;
    let foreign = seed_keywords(s, &ctx, &other_wf, &["elsewhere"]).await;
    assert_not_found(s.replace_clusters(&ctx, wf.id, &[spoke(k[0], foreign[0], 0.5)]).await);
    assert_not_found(s.replace_clusters(&ctx, wf.id, &[spoke(foreign[0], k[2], 0.5)]).await);
    assert_not_found(s.replace_clusters(&ctx, wf.id, &[spoke(k[0], KeywordId::new(), 0.5)]).await);
    assert_not_found(s.replace_clusters(&ctx, WorkflowId::new(), &[]).await);
    assert_eq!(s.list_clusters(&ctx, wf.id).await.unwrap(), before);
}

/// Validations are replaced as a whole and listed by hub id; a hub twice is `Invalid`; replacing
/// the clusters drops the validations.
pub async fn validations_replace_list_and_drop_with_clusters(ts: TestStore) {
    let s = &*ts.store;
    let ctx = new_org(s).await;
    let wf = new_workflow(s, &ctx).await;
    let k = seed_keywords(s, &ctx, &wf, &["h1", "h2", "a", "b"]).await;
    s.replace_clusters(&ctx, wf.id, &[spoke(k[0], k[2], 0.8), spoke(k[1], k[3], 0.5)]).await.unwrap();
    let stored = s
        .replace_validations(
            &ctx,
            wf.id,
            &[validation(k[1], ValidationStatus::Invalid), validation(k[0], ValidationStatus::Valid)],
        )
        .await
        .unwrap();
    let listed = s.list_validations(&ctx, wf.id).await.unwrap();
    assert_eq!(listed, stored);
    let mut hubs = vec![k[0], k[1]];
    hubs.sort();
    assert_eq!(listed.iter().map(|v| v.hub_keyword_id).collect::<Vec<_>>(), hubs);
    let invalid = listed.iter().find(|v| v.hub_keyword_id == k[1]).unwrap();
    assert_eq!(invalid.status, ValidationStatus::Invalid);
    assert_eq!(invalid.reasons, vec!["avg_similarity_below_min".to_string()]);
    assert_eq!(invalid.metadata, serde_json::json!({ "min": 0.6 }));
    assert_eq!((invalid.avg_similarity, invalid.spoke_count), (0.5, 2));
    assert!(listed.iter().all(|v| v.organization_id == ctx.org_id && v.workflow_id == wf.id));

    assert_invalid(
        s.replace_validations(
            &ctx,
            wf.id,
            &[validation(k[0], ValidationStatus::Valid), validation(k[0], ValidationStatus::Invalid)],
        )
        .await,
    );
    assert_not_found(
        s.replace_validations(&ctx, wf.id, &[validation(KeywordId::new(), ValidationStatus::Valid)]).await,
    );
    assert_eq!(s.list_validations(&ctx, wf.id).await.unwrap(), listed, "failed replaces change nothing");

    let only =
        s.replace_validations(&ctx, wf.id, &[validation(k[1], ValidationStatus::Valid)]).await.unwrap();
    assert_eq!(s.list_validations(&ctx, wf.id).await.unwrap(), only);

    s.replace_clusters(&ctx, wf.id, &[spoke(k[0], k[3], 0.9)]).await.unwrap();
    assert!(s.list_validations(&ctx, wf.id).await.unwrap().is_empty(), "new clusters drop old validations");
}
