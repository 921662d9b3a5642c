//! Step 5: the filtering rules of [`crate::keyword::filter`] decide every approved seed and its
//! longtails; seeds rejected at review are rejected here too, with that reason.

use super::StepEnd;
use super::longtails::approved_seeds;
use crate::engine::step::StepCtx;
use crate::error::Result;
use crate::keyword::filter::{FilterCandidate, FilterRules, filter_keywords};
use crate::keyword::{FilterStatus, KeywordQuery, KeywordType, KeywordUpdate};
use crate::organization::normalize_competitor_url;
use serde_json::json;
use std::collections::HashSet;

/// Adds `value` under `key` to a keyword's decision metadata, keeping what other steps wrote.
pub(crate) fn merge_metadata(
    old: &serde_json::Value,
    key: &str,
    value: serde_json::Value,
) -> serde_json::Value {
    let mut out = match old {
        serde_json::Value::Object(m) => m.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("previous".into(), other.clone());
            m
        }
    };
    out.insert(key.to_string(), value);
    serde_json::Value::Object(out)
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow();
    let approved: HashSet<_> = approved_seeds(sc).await?.into_iter().map(|k| k.id).collect();
    let all = std::sync::Arc::new(sc.keywords(KeywordQuery::workflow(wf.id)).await?);
    let seeds = approved.clone();
    let is_candidate = move |k: &crate::keyword::Keyword| match k.keyword_type {
        KeywordType::Seed => seeds.contains(&k.id),
        KeywordType::Longtail => k.parent_id.is_some_and(|p| seeds.contains(&p)),
        KeywordType::Subtopic => false,
    };
    let mut rules: FilterRules = sc.engine.config.filter.clone();
    rules.brand_terms.extend(wf.settings.brand_terms.iter().cloned());
    rules
        .competitor_domains
        .extend(wf.competitor_urls.iter().filter_map(|u| normalize_competitor_url(u).ok()).map(|n| n.domain));
    // The rules run through the engine's blocking hook: tens of thousands of keywords keep a
    // runtime thread busy for a while.
    let shared = all.clone();
    let (picked, decisions) = sc
        .engine
        .blocking(move || {
            let picked: Vec<usize> =
                shared.iter().enumerate().filter(|(_, k)| is_candidate(k)).map(|(i, _)| i).collect();
            let input: Vec<FilterCandidate<'_>> = picked
                .iter()
                .map(|&i| &shared[i])
                .map(|k| FilterCandidate {
                    id: k.id,
                    keyword: &k.keyword,
                    normalized: &k.normalized_keyword,
                    search_volume: k.metrics.search_volume,
                    difficulty: k.metrics.difficulty,
                    intent: k.metrics.intent,
                    language: k.language.as_deref(),
                })
                .collect();
            let decisions = filter_keywords(&input, &rules);
            (picked, decisions)
        })
        .await?;
    let candidates: Vec<&crate::keyword::Keyword> = picked.iter().filter_map(|&i| all.get(i)).collect();
    sc.planned(candidates.len());
    let mut updates: Vec<KeywordUpdate> = candidates
        .iter()
        .zip(&decisions)
        .map(|(k, d)| {
            let m = d.metadata();
            let decision = m.get("filter").cloned().unwrap_or(m);
            KeywordUpdate {
                filter_status: Some(d.status),
                is_navigational: Some(d.is_navigational),
                decision_metadata: Some(merge_metadata(&k.decision_metadata, "filter", decision)),
                ..KeywordUpdate::new(k.id)
            }
        })
        .collect();
    for k in all.iter().filter(|k| k.keyword_type == KeywordType::Seed && !approved.contains(&k.id)) {
        updates.push(KeywordUpdate {
            filter_status: Some(FilterStatus::Rejected),
            decision_metadata: Some(merge_metadata(
                &k.decision_metadata,
                "filter",
                json!({ "status": "rejected", "reasons": [{ "rule": "not_approved_in_review" }] }),
            )),
            ..KeywordUpdate::new(k.id)
        });
    }
    if !updates.is_empty() {
        sc.store().update_keywords(&sc.ctx, &updates).await?;
    }
    for k in &candidates {
        sc.item_done(k.keyword.clone());
    }
    Ok(StepEnd::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_other_keys_and_is_idempotent() {
        let old = json!({ "score": 3 });
        let once = merge_metadata(&old, "filter", json!({ "status": "approved" }));
        assert_eq!(once["score"], 3);
        assert_eq!(merge_metadata(&once, "filter", json!({ "status": "approved" })), once);
        assert_eq!(merge_metadata(&serde_json::Value::Null, "k", json!(1)), json!({ "k": 1 }));
    }
}
