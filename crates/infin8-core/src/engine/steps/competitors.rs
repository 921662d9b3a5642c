//! Step 2: the keywords competitor domains rank for become seed keywords.
//!
//! Competitor URLs are normalized and deduplicated (junk is skipped and recorded), stored as the
//! organization's competitors, and researched concurrently. All ranked keywords are pooled and
//! the top `max_seeds` by `volume × relevance` become seeds (see [`rank_seeds`]).

use super::StepEnd;
use super::count;
use super::icp::Icp;
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx};
use crate::error::Result;
use crate::keyword::{KeywordType, NewKeyword, normalize_keyword};
use crate::ledger::UsageMetric;
use crate::organization::{CompetitorStatus, NewCompetitor, normalize_competitor_url};
use crate::provider::{DomainKeywordsRequest, KeywordIdea};
use crate::tenant::TenantContext;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// A candidate seed: an idea, the competitor domain it came from, and its score.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RankedSeed {
    pub idea: KeywordIdea,
    pub normalized: String,
    pub domain: String,
    pub relevance: f64,
    pub score: f64,
}

/// The words of a text, lower-cased, at least three characters long.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_lowercase)
}

/// Relevance of a keyword to the business, in `[0.5, 1]`: `0.5 + 0.5 × (share of the keyword's
/// words found in the ICP and business description)`. Half weight for no overlap keeps
/// high-volume keywords in play; full overlap doubles a keyword's weight.
#[must_use]
pub(crate) fn relevance(keyword: &str, vocabulary: &HashSet<String>) -> f64 {
    let kw: Vec<String> = words(keyword).collect();
    if kw.is_empty() {
        return 0.5;
    }
    let hits = kw.iter().filter(|w| vocabulary.contains(*w)).count();
    0.5 + 0.5 * hits as f64 / kw.len() as f64
}

/// Ranks pooled ideas: deduplicated by normalized text (first competitor wins), scored
/// `max(volume, 1) × relevance`, best first (ties: normalized text), top `max`.
pub(crate) fn rank_seeds(
    pooled: Vec<(String, KeywordIdea)>,
    vocabulary: &HashSet<String>,
    max: usize,
) -> Vec<RankedSeed> {
    let mut seen = HashSet::new();
    let mut ranked: Vec<RankedSeed> = pooled
        .into_iter()
        .filter_map(|(domain, idea)| {
            let normalized = normalize_keyword(&idea.keyword).ok()?;
            if !seen.insert(normalized.clone()) {
                return None;
            }
            let relevance = relevance(&normalized, vocabulary);
            let volume = idea.metrics.search_volume.unwrap_or(0).max(1) as f64;
            Some(RankedSeed { idea, normalized, domain, relevance, score: volume * relevance })
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.normalized.cmp(&b.normalized)));
    ranked.truncate(max);
    ranked
}

/// The ICP and business description as a set of words.
pub(crate) fn business_vocabulary(sc: &StepCtx<'_>) -> HashSet<String> {
    let wf = sc.workflow();
    let mut text = sc.org.business_description.clone().unwrap_or_default();
    if let Some(icp) = wf.icp_data.and_then(|v| serde_json::from_value::<Icp>(v).ok()) {
        for s in &icp.segments {
            text.push(' ');
            text.push_str(&s.name);
        }
        for list in [&icp.vocabulary, &icp.pains, &icp.goals] {
            text.push(' ');
            text.push_str(&list.join(" "));
        }
    }
    words(&text).collect()
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow();
    let limits = &sc.engine.config.limits;
    let mut domains: Vec<(String, String)> = Vec::new(); // (url as entered, domain)
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for url in &wf.competitor_urls {
        match normalize_competitor_url(url) {
            Ok(n) if seen.insert(n.url.clone()) => domains.push((url.clone(), n.domain)),
            Ok(_) => {}
            Err(e) => skipped.push(json!({ "url": url, "reason": e.reason })),
        }
    }
    domains.truncate(limits.max_competitors);
    let new: Vec<NewCompetitor> = domains.iter().map(|(u, _)| NewCompetitor { url: u.clone() }).collect();
    // The organization's competitor list is settings (`ChangeSettings`); the engine records the
    // competitors a workflow analyses on its own account, so a `Member` running the workflow
    // needs only `RunWorkflows`.
    let system = TenantContext::system(sc.ctx.org_id);
    let competitors =
        if new.is_empty() { Vec::new() } else { sc.store().upsert_competitors(&system, &new).await? };
    sc.planned(competitors.len());
    let kw = sc.engine.providers.keywords.clone();
    let locale = sc.engine.config.locale.clone();
    let results: Vec<Result<(usize, Vec<KeywordIdea>)>> = bounded(
        competitors
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let kw = kw.clone();
                let request = DomainKeywordsRequest {
                    domain: c.domain.clone(),
                    locale: locale.clone(),
                    limit: limits.keywords_per_competitor,
                };
                async move {
                    sc.checkpoint().await?;
                    let spend = Spend {
                        key: format!("competitor:{}", c.domain),
                        units: vec![(UsageMetric::KeywordResearch, 1)],
                        cost: kw.estimate(),
                    };
                    let ideas = sc
                        .paid(Role::Keywords, spend, |_| Vec::new(), || kw.ranked_keywords(&request))
                        .await?
                        .value;
                    let found = i64::try_from(ideas.len()).unwrap_or(i64::MAX);
                    sc.store().update_competitor(&system, c.id, CompetitorStatus::Completed, found).await?;
                    sc.item_done(c.domain.clone());
                    Ok((i, ideas))
                }
            })
            .collect(),
        sc.engine.config.concurrency.keyword_research,
    )
    .await;
    let mut by_index: HashMap<usize, Vec<KeywordIdea>> = HashMap::new();
    let mut first_error = None;
    for r in results {
        match r {
            Ok((i, ideas)) => {
                by_index.insert(i, ideas);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        for (i, c) in competitors.iter().enumerate() {
            if !by_index.contains_key(&i) {
                let _ = sc.store().update_competitor(&system, c.id, CompetitorStatus::Failed, 0).await;
            }
        }
        return Err(e);
    }
    // Pool in competitor order so the ranking does not depend on which call finished first.
    let mut pooled = Vec::new();
    for (i, c) in competitors.iter().enumerate() {
        for idea in by_index.remove(&i).unwrap_or_default() {
            pooled.push((c.domain.clone(), idea));
        }
    }
    let vocabulary = business_vocabulary(sc);
    let ranked = rank_seeds(pooled, &vocabulary, limits.max_seeds);
    let seeds: Vec<NewKeyword> = ranked
        .iter()
        .map(|r| NewKeyword {
            language: r.idea.language.clone(),
            ai_suggested: true,
            decision_confidence: Some(r.relevance),
            decision_metadata: json!({
                "selected_by": "volume_x_relevance",
                "score": r.score,
                "relevance": r.relevance,
                "search_volume": r.idea.metrics.search_volume,
                "competitor": r.domain,
                "provider_source": r.idea.source,
            }),
            ..NewKeyword::new(
                wf.id,
                KeywordType::Seed,
                None,
                r.idea.keyword.clone(),
                format!("competitor:{}", r.domain),
            )
            .with_metrics(r.idea.metrics.clone())
        })
        .collect();
    if !seeds.is_empty() {
        sc.store().upsert_keywords(&sc.ctx, &seeds).await?;
    }
    sc.count(|c| c.seed_keywords = count(seeds.len()));
    if !skipped.is_empty() {
        let mut metadata = wf.metadata.clone();
        if let Some(obj) = metadata.as_object_mut() {
            obj.insert("skipped_competitor_urls".into(), json!(skipped));
        }
        sc.store()
            .update_workflow(
                &sc.ctx,
                wf.id,
                crate::workflow::WorkflowUpdate { metadata: Some(metadata), ..Default::default() },
            )
            .await?;
    }
    Ok(StepEnd::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::KeywordMetrics;

    fn idea(k: &str, volume: i64) -> KeywordIdea {
        KeywordIdea {
            keyword: k.into(),
            metrics: KeywordMetrics { search_volume: Some(volume), ..KeywordMetrics::default() },
            language: None,
            source: "test".into(),
        }
    }

    #[test]
    fn relevance_rewards_business_words() {
        let vocab: HashSet<String> = ["crm", "sales"].iter().map(|s| (*s).to_string()).collect();
        assert!((relevance("crm sales", &vocab) - 1.0).abs() < 1e-9);
        assert!((relevance("hiking boots", &vocab) - 0.5).abs() < 1e-9);
        assert!((relevance("best crm", &vocab) - 0.75).abs() < 1e-9);
    }

    #[test]
    fn ranking_dedupes_scores_and_cuts() {
        let vocab: HashSet<String> = ["crm"].iter().map(|s| (*s).to_string()).collect();
        let pooled = vec![
            ("a.com".to_string(), idea("CRM tool", 100)),
            ("b.com".to_string(), idea("crm  tool", 1_000)),
            ("a.com".to_string(), idea("hiking", 140)),
            ("a.com".to_string(), idea("crm app", 90)),
        ];
        let ranked = rank_seeds(pooled, &vocab, 2);
        assert_eq!(ranked.len(), 2);
        // "crm tool" kept once, from the first competitor: 100 × 0.75 = 75 > hiking 140 × 0.5
        // = 70 > crm app 90 × 0.75 = 67.5 (cut).
        assert_eq!(ranked[0].normalized, "crm tool");
        assert_eq!(ranked[0].domain, "a.com");
        assert_eq!(ranked[1].normalized, "hiking");
    }
}
