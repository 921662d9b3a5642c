//! Pure conversion of DataForSEO responses to domain values.

use super::error::{FailureKind, PROVIDER, StatusOutcome, classify};
use super::wire::{Envelope, KeywordData, LabsResult, RankedItem, SerpResult};
use infin8_core::Usd;
use infin8_core::keyword::{CompetitionLevel, KeywordMetrics, SearchIntent};
use infin8_core::provider::{KeywordIdea, ProviderError};
use serde::de::DeserializeOwned;

/// A task that failed inside an otherwise successful response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TaskFailure {
    pub(crate) task_id: Option<String>,
    pub(crate) failure: FailureKind,
}

/// The usable part of a response.
#[derive(Debug, Clone)]
pub(crate) struct Checked<R> {
    /// Results of the successful tasks.
    pub(crate) results: Vec<R>,
    /// Failed tasks (reported, not fatal while another task succeeded).
    pub(crate) failures: Vec<TaskFailure>,
}

/// Parses the envelope of a 200 response.
pub(crate) fn parse_envelope<R: DeserializeOwned>(body: &str) -> Result<Envelope<R>, ProviderError> {
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("invalid json: {e}"), body))?;
    if !value.is_object() {
        return Err(ProviderError::decode(PROVIDER, "the response is not a json object", body));
    }
    serde_json::from_value(value)
        .map_err(|e| ProviderError::decode(PROVIDER, format!("unexpected envelope: {e}"), body))
}

/// What DataForSEO billed for one response: the envelope's `cost` or the sum of its tasks'
/// costs, whichever is larger (the bill is at least what either level says); plus `price` for
/// each task that failed with a code DataForSEO bills (`40101`) but reported no cost of its own.
pub(crate) fn billed_cost<R>(envelope: &Envelope<R>, price: Usd) -> Usd {
    let tasks: Usd = envelope.tasks.iter().filter_map(|t| t.cost).map(Usd::from_dollars).sum();
    let reported = envelope.cost.map(Usd::from_dollars).unwrap_or(Usd::ZERO).max(tasks);
    let unreported_billed = envelope
        .tasks
        .iter()
        .filter(|t| t.cost.is_none())
        .filter(|t| match classify(t.status_code, t.status_message.as_deref()) {
            StatusOutcome::Failed(f) => f.billed_without_result(),
            _ => false,
        })
        .count();
    let extra = if envelope.cost.is_some_and(|c| c > 0.0) {
        // The envelope's total already covers every task.
        Usd::ZERO
    } else {
        price.times(i64::try_from(unreported_billed).unwrap_or(i64::MAX))
    };
    reported + extra
}

/// Checks the envelope's and each task's status. A failed envelope, or a response whose every
/// task failed, is an error (the first task's); otherwise failed tasks are listed beside the
/// results of the good ones.
pub(crate) fn check_envelope<R>(envelope: Envelope<R>) -> Result<Checked<R>, ProviderError> {
    if let StatusOutcome::Failed(failure) = classify(envelope.status_code, envelope.status_message.as_deref())
    {
        return Err(failure.to_error());
    }
    let task_count = envelope.tasks.len();
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for task in envelope.tasks {
        match classify(task.status_code, task.status_message.as_deref()) {
            StatusOutcome::Ok => results.extend(task.result),
            StatusOutcome::Empty => {}
            StatusOutcome::Failed(failure) => {
                failures.push(TaskFailure { task_id: task.id, failure: *failure })
            }
        }
    }
    if task_count > 0
        && failures.len() == task_count
        && let Some(first) = failures.first()
    {
        return Err(first.failure.to_error());
    }
    Ok(Checked { results, failures })
}

fn intent(text: &str) -> Option<SearchIntent> {
    match text.trim().to_ascii_lowercase().as_str() {
        "informational" => Some(SearchIntent::Informational),
        "navigational" => Some(SearchIntent::Navigational),
        "commercial" => Some(SearchIntent::Commercial),
        "transactional" => Some(SearchIntent::Transactional),
        _ => None,
    }
}

fn competition_level(text: &str) -> Option<CompetitionLevel> {
    match text.trim().to_ascii_uppercase().as_str() {
        "LOW" => Some(CompetitionLevel::Low),
        "MEDIUM" => Some(CompetitionLevel::Medium),
        "HIGH" => Some(CompetitionLevel::High),
        _ => None,
    }
}

fn to_i64(x: f64) -> Option<i64> {
    (x.is_finite() && (0.0..9.0e15).contains(&x)).then(|| x.round() as i64)
}

fn to_percent(x: f64) -> Option<i32> {
    (x.is_finite() && (0.0..=100.0).contains(&x)).then(|| x.round() as i32)
}

/// A keyword idea from Labs keyword data; `None` without a keyword.
pub(crate) fn idea_from_keyword_data(data: &KeywordData, source: &str) -> Option<KeywordIdea> {
    let keyword = data.keyword.as_deref().map(str::trim).filter(|k| !k.is_empty())?.to_string();
    let info = data.keyword_info.as_ref();
    let properties = data.keyword_properties.as_ref();
    let metrics = KeywordMetrics {
        search_volume: info.and_then(|i| i.search_volume).and_then(to_i64),
        competition_level: info.and_then(|i| i.competition_level.as_deref()).and_then(competition_level),
        competition_index: info.and_then(|i| i.competition).and_then(|c| to_percent(c * 100.0)),
        cpc: info.and_then(|i| i.cpc).filter(|c| c.is_finite() && *c >= 0.0),
        difficulty: properties.and_then(|p| p.keyword_difficulty).and_then(to_percent),
        intent: data.search_intent_info.as_ref().and_then(|s| s.main_intent.as_deref()).and_then(intent),
        serp_urls: Vec::new(),
    };
    let language = properties
        .and_then(|p| p.detected_language.clone())
        .or_else(|| data.language_code.clone())
        .filter(|l| !l.is_empty());
    Some(KeywordIdea { keyword, metrics, language, source: source.to_string() })
}

/// Ideas from Labs results whose items are keyword data (suggestions, overview).
pub(crate) fn ideas_from_labs(results: &[LabsResult<KeywordData>], source: &str) -> Vec<KeywordIdea> {
    results.iter().flat_map(|r| &r.items).filter_map(|d| idea_from_keyword_data(d, source)).collect()
}

/// Ideas from ranked-keywords results, with the ranking URL as the first SERP URL.
pub(crate) fn ideas_from_ranked(results: &[LabsResult<RankedItem>], source: &str) -> Vec<KeywordIdea> {
    results
        .iter()
        .flat_map(|r| &r.items)
        .filter_map(|item| {
            let mut idea = idea_from_keyword_data(item.keyword_data.as_ref()?, source)?;
            if let Some(url) = item
                .ranked_serp_element
                .as_ref()
                .and_then(|e| e.serp_item.as_ref())
                .and_then(|s| s.url.clone())
            {
                idea.metrics.serp_urls.push(url);
            }
            Some(idea)
        })
        .collect()
}

/// The organic result URLs, best first, at most `depth`.
pub(crate) fn organic_urls(results: &[SerpResult], depth: usize) -> Vec<String> {
    let mut organic: Vec<(f64, &str)> = results
        .iter()
        .flat_map(|r| &r.items)
        .filter(|i| i.item_type.as_deref() == Some("organic"))
        .filter_map(|i| {
            let rank = i.rank_group.or(i.rank_absolute).unwrap_or(f64::MAX);
            i.url.as_deref().filter(|u| !u.is_empty()).map(|u| (rank, u))
        })
        .collect();
    organic.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut urls: Vec<String> = Vec::new();
    for (_, url) in organic {
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
    }
    urls.truncate(depth);
    urls
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str =
        include_str!("../../tests/fixtures/dataforseo/labs_google_keyword_suggestions_live.response.json");

    fn run_all(body: &str) {
        if let Ok(env) = parse_envelope::<LabsResult<KeywordData>>(body)
            && let Ok(checked) = check_envelope(env)
        {
            let _ = ideas_from_labs(&checked.results, "x");
        }
        if let Ok(env) = parse_envelope::<LabsResult<RankedItem>>(body)
            && let Ok(checked) = check_envelope(env)
        {
            let _ = ideas_from_ranked(&checked.results, "x");
        }
        if let Ok(env) = parse_envelope::<SerpResult>(body)
            && let Ok(checked) = check_envelope(env)
        {
            let _ = organic_urls(&checked.results, 10);
        }
    }

    /// Arbitrary JSON values.
    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("tasks".to_string()),
                        Just("result".to_string()),
                        Just("items".to_string()),
                        Just("status_code".to_string()),
                        Just("cost".to_string()),
                        Just("keyword".to_string()),
                        Just("keyword_info".to_string()),
                        Just("search_volume".to_string()),
                        "[a-z_]{1,10}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn no_body_panics_the_parsers(body in ".{0,400}") {
            run_all(&body);
        }

        #[test]
        fn no_json_shape_panics_the_parsers(value in arb_json()) {
            run_all(&value.to_string());
        }

        #[test]
        fn truncated_samples_never_panic(cut in 0usize..4000) {
            let cut = cut.min(SAMPLE.len());
            if let Some(prefix) = SAMPLE.get(..cut) {
                run_all(prefix);
            }
        }
    }

    #[test]
    fn the_sample_keeps_its_cost_and_items() {
        let env = parse_envelope::<LabsResult<KeywordData>>(SAMPLE).unwrap();
        assert_eq!(billed_cost(&env, Usd::from_micros(1)), Usd::from_micros(10_100));
        let checked = check_envelope(env).unwrap();
        assert_eq!(ideas_from_labs(&checked.results, "x").len(), 1);
        assert!(matches!(parse_envelope::<SerpResult>("[1,2]"), Err(ProviderError::Decode { .. })));
    }
}
