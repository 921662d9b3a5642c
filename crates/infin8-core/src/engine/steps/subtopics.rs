//! Step 8: the language model proposes 3–8 subtopics for every keyword of every valid cluster
//! (hub and spokes), stored on the keyword; then the optional review gate.

use super::{StepEnd, parse_answer};
use crate::cluster::ValidationStatus;
use crate::engine::config::SubtopicReview;
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx, approx_tokens};
use crate::error::Result;
use crate::ids::KeywordId;
use crate::keyword::{Keyword, KeywordQuery, KeywordUpdate, StepStatus};
use crate::ledger::UsageMetric;
use crate::provider::{ChatMessage, CompletionRequest, ProviderError, ResponseFormat};
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Fewest subtopics accepted per keyword.
pub const MIN_SUBTOPICS: usize = 3;
/// Most subtopics kept per keyword.
pub const MAX_SUBTOPICS: usize = 8;

/// A keyword of a valid cluster.
#[derive(Debug, Clone)]
pub(crate) struct ClusterKeyword {
    pub keyword: Keyword,
    pub is_hub: bool,
    pub hub: KeywordId,
}

/// The keywords of the valid clusters: for each valid hub (by hub search volume, highest first;
/// ties by id) the hub, then its spokes in stored order.
pub(crate) async fn valid_cluster_keywords(sc: &StepCtx<'_>) -> Result<Vec<ClusterKeyword>> {
    let wf = sc.workflow_id();
    let valid: HashSet<KeywordId> = sc
        .store()
        .list_validations(&sc.ctx, wf)
        .await?
        .into_iter()
        .filter(|v| v.status == ValidationStatus::Valid)
        .map(|v| v.hub_keyword_id)
        .collect();
    let spokes = sc.store().list_clusters(&sc.ctx, wf).await?;
    let keywords: HashMap<KeywordId, Keyword> =
        sc.keywords(KeywordQuery::workflow(wf)).await?.into_iter().map(|k| (k.id, k)).collect();
    let mut hubs: Vec<&Keyword> = valid.iter().filter_map(|h| keywords.get(h)).collect();
    hubs.sort_by_key(|k| (std::cmp::Reverse(k.metrics.search_volume.unwrap_or(0)), k.id));
    let mut out = Vec::new();
    for hub in hubs {
        out.push(ClusterKeyword { keyword: hub.clone(), is_hub: true, hub: hub.id });
        for s in spokes.iter().filter(|s| s.hub_keyword_id == hub.id) {
            if let Some(k) = keywords.get(&s.spoke_keyword_id) {
                out.push(ClusterKeyword { keyword: k.clone(), is_hub: false, hub: hub.id });
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct SubtopicsAnswer {
    subtopics: Vec<String>,
}

/// Cleans the model's subtopics: trimmed, blank and repeated (case-insensitive) ones dropped, at
/// most [`MAX_SUBTOPICS`].
///
/// # Errors
/// A message when fewer than [`MIN_SUBTOPICS`] remain.
pub(crate) fn clean_subtopics(raw: Vec<String>) -> Result<Vec<String>, String> {
    let mut seen = HashSet::new();
    let mut out: Vec<String> = raw
        .into_iter()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty() && seen.insert(s.to_lowercase()))
        .collect();
    if out.len() < MIN_SUBTOPICS {
        return Err(format!("{} distinct subtopics, at least {MIN_SUBTOPICS} needed", out.len()));
    }
    out.truncate(MAX_SUBTOPICS);
    Ok(out)
}

fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["subtopics"],
        "properties": {
            "subtopics": {
                "type": "array",
                "minItems": MIN_SUBTOPICS,
                "maxItems": MAX_SUBTOPICS,
                "items": { "type": "string", "minLength": 3 }
            }
        }
    })
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let items = valid_cluster_keywords(sc).await?;
    sc.planned(items.len());
    let icp = sc.workflow().icp_data.map(|v| v.to_string()).unwrap_or_default();
    let llm = sc.engine.providers.llm.clone();
    let todo: Vec<&ClusterKeyword> =
        items.iter().filter(|c| c.keyword.subtopics_status != StepStatus::Completed).collect();
    for c in items.iter().filter(|c| c.keyword.subtopics_status == StepStatus::Completed) {
        sc.item_done(c.keyword.keyword.clone());
    }
    let results: Vec<Result<()>> = bounded(
        todo.into_iter()
        .map(|c| {
            let llm = llm.clone();
            let icp = icp.clone();
            async move {
                sc.checkpoint().await?;
                let role = if c.is_hub { "the pillar page (hub)" } else { "a supporting article (spoke)" };
                let request = CompletionRequest {
                    task: "subtopics".into(),
                    messages: vec![
                        ChatMessage::system("You plan SEO content. Answer in JSON matching the schema."),
                        ChatMessage::user(format!(
                            "Keyword: {}\nThis keyword is {role} of its topic cluster.\nIdeal customer profile: {icp}\n\nPropose {MIN_SUBTOPICS} to {MAX_SUBTOPICS} subtopics an article on this keyword must cover.",
                            c.keyword.keyword
                        )),
                    ],
                    temperature: Some(0.3),
                    max_tokens: Some(400),
                    response_format: ResponseFormat::JsonSchema { name: "subtopics".into(), schema: schema() },
                };
                let spend = Spend {
                    key: format!("subtopics:{}", c.keyword.id),
                    units: vec![(UsageMetric::LlmTokens, approx_tokens(&icp) + 500)],
                    cost: llm.estimate(&request),
                };
                let completion = sc
                    .paid(
                        Role::Llm,
                        spend,
                        |u| vec![(UsageMetric::LlmTokens, i64::try_from(u.total_tokens()).unwrap_or(i64::MAX))],
                        || llm.complete(&request),
                    )
                    .await?
                    .value;
                let answer: SubtopicsAnswer = parse_answer(llm.model_name(), &completion)?;
                let subtopics = clean_subtopics(answer.subtopics)
                    .map_err(|m| ProviderError::decode(llm.model_name(), m, &completion.content))?;
                sc.store()
                    .update_keywords(
                        &sc.ctx,
                        &[KeywordUpdate {
                            subtopics: Some(subtopics),
                            subtopics_status: Some(StepStatus::Completed),
                            ..KeywordUpdate::new(c.keyword.id)
                        }],
                    )
                    .await?;
                sc.item_done(c.keyword.keyword.clone());
                Ok(())
            }
        })
        .collect(),
sc.engine.config.concurrency.llm,
).await;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        return Err(e);
    }
    Ok(match sc.engine.config.subtopic_review {
        SubtopicReview::None => StepEnd::Completed,
        SubtopicReview::Human | SubtopicReview::Auto => StepEnd::AwaitReview,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_dedupes_trims_and_bounds() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert!(clean_subtopics(s(&["a b", "A  B", " "])).is_err());
        let ok = clean_subtopics(s(&["one", "two", " three ", "ONE"])).unwrap();
        assert_eq!(ok, s(&["one", "two", "three"]));
        let many: Vec<String> = (0..12).map(|i| format!("topic {i}")).collect();
        assert_eq!(clean_subtopics(many).unwrap().len(), MAX_SUBTOPICS);
    }
}
