//! Step 4: keyword suggestions for each approved seed, concurrently; parent = seed.
//!
//! Calls run concurrently; results are written in seed order (so a longtail suggested for two
//! seeds always gets the first seed as parent, whatever call finished first). A seed whose
//! `longtail_status` is `completed` is skipped on a resume.

use super::StepEnd;
use super::count;
use crate::approval::{ApprovalEntityType, Decision};
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx};
use crate::error::Result;
use crate::keyword::{
    Keyword, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword, StepStatus, normalize_keyword,
};
use crate::ledger::UsageMetric;
use crate::provider::{KeywordIdea, SuggestionsRequest};
use std::collections::{HashMap, HashSet};

/// The seeds approved at the gate, in id order.
pub(crate) async fn approved_seeds(sc: &StepCtx<'_>) -> Result<Vec<Keyword>> {
    let wf = sc.workflow_id();
    let approvals = sc.store().list_approvals(&sc.ctx, wf, Some(ApprovalEntityType::SeedKeywords)).await?;
    let approved: HashSet<uuid::Uuid> =
        approvals.iter().filter(|a| a.decision == Decision::Approved).map(|a| a.entity_id).collect();
    let seeds = sc.keywords(KeywordQuery::workflow(wf).of_type(KeywordType::Seed)).await?;
    Ok(seeds.into_iter().filter(|k| approved.contains(&k.id.as_uuid())).collect())
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow_id();
    let seeds = approved_seeds(sc).await?;
    sc.planned(seeds.len());
    let all = sc.keywords(KeywordQuery::workflow(wf)).await?;
    let mut longtails = all.iter().filter(|k| k.keyword_type == KeywordType::Longtail).count();
    let existing: HashSet<String> = all.into_iter().map(|k| k.normalized_keyword).collect();
    let todo: Vec<&Keyword> = seeds.iter().filter(|s| s.longtail_status != StepStatus::Completed).collect();
    for s in seeds.iter().filter(|s| s.longtail_status == StepStatus::Completed) {
        sc.item_done(s.keyword.clone());
    }
    let kw = sc.engine.providers.keywords.clone();
    let config = &sc.engine.config;
    let results: Vec<(usize, Result<Vec<KeywordIdea>>)> = bounded(
        todo.iter()
            .enumerate()
            .map(|(i, seed)| {
                let kw = kw.clone();
                let request = SuggestionsRequest {
                    seed: seed.keyword.clone(),
                    locale: config.locale.clone(),
                    limit: config.limits.longtails_per_seed,
                };
                async move {
                    let r = async {
                        sc.checkpoint().await?;
                        let spend = Spend {
                            key: format!("longtails:{}", seed.id),
                            units: vec![(UsageMetric::KeywordResearch, 1)],
                            cost: kw.estimate(),
                        };
                        sc.paid(Role::Keywords, spend, |_| Vec::new(), || kw.keyword_suggestions(&request))
                            .await
                            .map(|m| m.value)
                    }
                    .await;
                    (i, r)
                }
            })
            .collect(),
        config.concurrency.keyword_research,
    )
    .await;
    let mut by_index: HashMap<usize, Result<Vec<KeywordIdea>>> = results.into_iter().collect();
    let mut taken = existing;
    let mut first_error = None;
    for (i, seed) in todo.iter().enumerate() {
        let ideas = match by_index.remove(&i) {
            Some(Ok(ideas)) => ideas,
            Some(Err(e)) => {
                sc.store()
                    .update_keywords(
                        &sc.ctx,
                        &[KeywordUpdate {
                            longtail_status: Some(StepStatus::Failed),
                            ..KeywordUpdate::new(seed.id)
                        }],
                    )
                    .await?;
                first_error.get_or_insert(e);
                continue;
            }
            None => continue,
        };
        let mut new = Vec::new();
        for idea in ideas.into_iter().take(config.limits.longtails_per_seed as usize) {
            let Ok(normalized) = normalize_keyword(&idea.keyword) else { continue };
            if !taken.insert(normalized) {
                continue; // a seed, or already suggested for an earlier seed
            }
            let mut k = NewKeyword::new(wf, KeywordType::Longtail, Some(seed.id), idea.keyword, idea.source)
                .with_metrics(idea.metrics);
            k.language = idea.language;
            k.ai_suggested = true;
            new.push(k);
        }
        if !new.is_empty() {
            sc.store().upsert_keywords(&sc.ctx, &new).await?;
            longtails += new.len();
            sc.count(|c| c.longtail_keywords = count(longtails));
        }
        sc.store()
            .update_keywords(
                &sc.ctx,
                &[KeywordUpdate {
                    longtail_status: Some(StepStatus::Completed),
                    ..KeywordUpdate::new(seed.id)
                }],
            )
            .await?;
        sc.item_done(seed.keyword.clone());
    }
    sc.count(|c| c.longtail_keywords = count(longtails));
    match first_error {
        Some(e) => Err(e),
        None => Ok(StepEnd::Completed),
    }
}
