//! The keyword funnel: how many keywords each stage kept, what each filtering rule removed (and
//! how much search volume with them), and whether the difficulty cut removed high-volume ones.
//! Pure: computed from a [`WorkflowSnapshot`].

use crate::snapshot::WorkflowSnapshot;
use infin8_core::approval::Decision;
use infin8_core::cluster::ValidationStatus;
use infin8_core::keyword::{FilterStatus, Keyword, KeywordType};
use infin8_core::{Actor, KeywordId};
use std::collections::HashSet;

/// One stage of the funnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// What the stage is.
    pub label: &'static str,
    /// Keywords at this stage.
    pub keywords: usize,
    /// Their summed monthly search volume.
    pub volume: i64,
}

/// What one filtering rule removed. A keyword breaking several rules counts for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleStat {
    /// The rule's machine name (`max_difficulty`).
    pub rule: String,
    /// Keywords it rejected.
    pub keywords: usize,
    /// Keywords it alone rejected (no other rule would have).
    pub only_reason: usize,
    /// Their summed monthly search volume.
    pub volume: i64,
}

/// The difficulty cut removed keywords with much search volume.
#[derive(Debug, Clone, PartialEq)]
pub struct DifficultyWarning {
    /// The configured maximum difficulty.
    pub max: i64,
    /// High-volume keywords it removed: `(keyword, volume, difficulty)`, by volume.
    pub keywords: Vec<(String, i64, i64)>,
    /// Their summed volume.
    pub volume: i64,
    /// What "high volume" meant here: at least this many monthly searches.
    pub threshold: i64,
}

/// The funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// Stages from research to publication.
    pub stages: Vec<Stage>,
    /// Per rule, most keywords first.
    pub rules: Vec<RuleStat>,
    /// Set when the difficulty cut removed high-volume keywords.
    pub difficulty_warning: Option<DifficultyWarning>,
    /// Seeds approved and rejected by a person (not the system).
    pub human_decisions: usize,
}

fn volume(k: &Keyword) -> i64 {
    k.metrics.search_volume.unwrap_or(0).max(0)
}

/// The rules a rejected keyword broke, by machine name, from its decision metadata.
#[must_use]
pub fn reasons(k: &Keyword) -> Vec<serde_json::Value> {
    k.decision_metadata["filter"]["reasons"].as_array().cloned().unwrap_or_default()
}

/// Computes the funnel.
#[must_use]
pub fn funnel(s: &WorkflowSnapshot) -> Funnel {
    let stage = |label: &'static str, ks: &[&Keyword]| Stage {
        label,
        keywords: ks.len(),
        volume: ks.iter().map(|k| volume(k)).sum(),
    };
    let approved_seeds: HashSet<uuid::Uuid> =
        s.seed_decisions.iter().filter(|a| a.decision == Decision::Approved).map(|a| a.entity_id).collect();
    let seeds: Vec<&Keyword> = s.keywords.iter().filter(|k| k.keyword_type == KeywordType::Seed).collect();
    let approved: Vec<&Keyword> =
        seeds.iter().copied().filter(|k| approved_seeds.contains(&k.id.as_uuid())).collect();
    let candidates: Vec<&Keyword> = s
        .keywords
        .iter()
        .filter(|k| k.keyword_type != KeywordType::Subtopic)
        .filter(|k| k.keyword_type == KeywordType::Longtail || approved_seeds.contains(&k.id.as_uuid()))
        .collect();
    let kept: Vec<&Keyword> =
        candidates.iter().copied().filter(|k| k.filter_status == FilterStatus::Approved).collect();
    let clustered_ids: HashSet<KeywordId> = s
        .spokes
        .iter()
        .flat_map(|c| [c.hub_keyword_id, c.spoke_keyword_id])
        .chain(s.validations.iter().map(|v| v.hub_keyword_id))
        .collect();
    let valid_hubs: HashSet<KeywordId> = s
        .validations
        .iter()
        .filter(|v| v.status == ValidationStatus::Valid)
        .map(|v| v.hub_keyword_id)
        .collect();
    let in_valid: Vec<&Keyword> =
        kept.iter().copied().filter(|k| s.hub_of(k.id).is_some_and(|h| valid_hubs.contains(&h))).collect();
    let clustered: Vec<&Keyword> = kept.iter().copied().filter(|k| clustered_ids.contains(&k.id)).collect();
    let article_ids: HashSet<KeywordId> = s.articles.iter().map(|a| a.keyword_id).collect();
    let published_ids: HashSet<KeywordId> =
        s.articles.iter().filter(|a| a.wordpress_url.is_some()).map(|a| a.keyword_id).collect();
    let with_article: Vec<&Keyword> = s.keywords.iter().filter(|k| article_ids.contains(&k.id)).collect();
    let published: Vec<&Keyword> = s.keywords.iter().filter(|k| published_ids.contains(&k.id)).collect();
    let stages = vec![
        stage("seed keywords found on competitors", &seeds),
        stage("seeds approved in review", &approved),
        stage("keywords filtered (approved seeds and their longtails)", &candidates),
        stage("kept by filtering", &kept),
        stage("in a topic cluster", &clustered),
        stage("in a valid cluster", &in_valid),
        stage("with an article", &with_article),
        stage("published", &published),
    ];

    let rejected: Vec<&Keyword> =
        candidates.iter().copied().filter(|k| k.filter_status == FilterStatus::Rejected).collect();
    let mut rules: Vec<RuleStat> = Vec::new();
    for k in &rejected {
        let rs = reasons(k);
        let mut names: Vec<String> =
            rs.iter().filter_map(|r| r["rule"].as_str().map(str::to_owned)).collect();
        names.dedup();
        for name in &names {
            let stat = match rules.iter_mut().position(|r| &r.rule == name) {
                Some(i) => &mut rules[i],
                None => {
                    rules.push(RuleStat { rule: name.clone(), keywords: 0, only_reason: 0, volume: 0 });
                    rules.last_mut().expect("just pushed")
                }
            };
            stat.keywords += 1;
            stat.volume += volume(k);
            if names.len() == 1 {
                stat.only_reason += 1;
            }
        }
    }
    rules.sort_by(|a, b| b.keywords.cmp(&a.keywords).then(b.volume.cmp(&a.volume)));

    let human_decisions = s.seed_decisions.iter().filter(|a| matches!(a.decided_by, Actor::User(_))).count();
    Funnel { stages, rules, difficulty_warning: difficulty_warning(&kept, &rejected), human_decisions }
}

/// Keywords the difficulty cut removed whose volume is at least the median volume of the kept
/// keywords times four (and at least 100 searches): the cut cost real traffic, say so.
fn difficulty_warning(kept: &[&Keyword], rejected: &[&Keyword]) -> Option<DifficultyWarning> {
    let mut volumes: Vec<i64> = kept.iter().map(|k| volume(k)).collect();
    volumes.sort_unstable();
    let median = volumes.get(volumes.len() / 2).copied().unwrap_or(0);
    let threshold = (median * 4).max(100);
    let mut max = 0;
    let mut hit: Vec<(String, i64, i64)> = rejected
        .iter()
        .filter_map(|k| {
            let r = reasons(k).into_iter().find(|r| r["rule"] == "max_difficulty")?;
            max = r["max"].as_i64().unwrap_or(max);
            (volume(k) >= threshold)
                .then(|| (k.keyword.clone(), volume(k), r["difficulty"].as_i64().unwrap_or(0)))
        })
        .collect();
    if hit.is_empty() {
        return None;
    }
    hit.sort_by_key(|h| std::cmp::Reverse(h.1));
    let volume = hit.iter().map(|h| h.1).sum();
    Some(DifficultyWarning { max, keywords: hit, volume, threshold })
}

/// A rule's reason in words: `"difficulty 86 > 80"`.
#[must_use]
pub fn describe_reason(r: &serde_json::Value, s: &WorkflowSnapshot) -> String {
    let n = |k: &str| r[k].as_i64().map_or("?".to_owned(), |v| v.to_string());
    match r["rule"].as_str().unwrap_or("") {
        "too_short" => format!("too short ({} words, {} characters)", n("words"), n("chars")),
        "too_long" => format!("too long ({} words, {} characters)", n("words"), n("chars")),
        "min_search_volume" => match r["volume"].as_i64() {
            Some(v) => format!("volume {v} < {}", n("min")),
            None => format!("unknown volume (minimum {})", n("min")),
        },
        "max_difficulty" => format!("difficulty {} > {}", n("difficulty"), n("max")),
        "foreign_language" => {
            format!("language {}", r["detected"].as_str().unwrap_or("unknown"))
        }
        "navigational" => match r["source"].as_str().unwrap_or("") {
            "intent" => "navigational intent".to_owned(),
            "brand_term" => format!("names brand {:?}", r["matched"].as_str().unwrap_or("")),
            _ => format!("names competitor {}", r["matched"].as_str().unwrap_or("")),
        },
        "duplicate" => {
            let of = r["of"]
                .as_str()
                .and_then(|id| id.parse::<uuid::Uuid>().ok())
                .map(|u| s.text(KeywordId::from_uuid(u)).to_owned())
                .unwrap_or_else(|| "?".to_owned());
            format!("{} duplicate of “{of}”", r["kind"].as_str().unwrap_or("near").replace('_', "-"))
        }
        "not_approved_in_review" => "seed rejected in review".to_owned(),
        other => other.replace('_', " "),
    }
}

/// A rule's name in words.
#[must_use]
pub fn rule_label(rule: &str) -> String {
    match rule {
        "too_short" => "too short".into(),
        "too_long" => "too long".into(),
        "min_search_volume" => "search volume below minimum".into(),
        "max_difficulty" => "difficulty above maximum".into(),
        "foreign_language" => "not in the campaign's language".into(),
        "navigational" => "navigational (brand, login, app)".into(),
        "duplicate" => "duplicate of a better keyword".into(),
        "not_approved_in_review" => "seed rejected in review".into(),
        other => other.replace('_', " "),
    }
}
