//! The human gates from a terminal or a spreadsheet: the items of a gate with the facts a
//! reviewer decides on, choosing items by id, pattern or all, and a CSV round trip (export,
//! edit the `decision` and `feedback` columns, import).

use crate::snapshot::WorkflowSnapshot;
use infin8_core::approval::{Approval, Decision};
use infin8_core::keyword::{KeywordType, StepStatus};
use infin8_core::{Actor, KeywordId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Seed keywords (step 3).
    Seeds,
    /// Subtopics of each keyword (step 8, when `subtopic_review = "human"`).
    Subtopics,
}

/// One item to decide on, as listed and exported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewRow {
    /// The keyword id.
    pub id: String,
    /// The keyword.
    pub keyword: String,
    /// Monthly searches.
    pub volume: Option<i64>,
    /// Ranking difficulty 0..=100.
    pub difficulty: Option<i32>,
    /// Search intent.
    pub intent: Option<String>,
    /// Cost per click, US dollars.
    pub cpc: Option<f64>,
    /// The competitor it was found on (seeds), or its subtopics (subtopic gate).
    pub source: String,
    /// `approve`, `reject` or empty (undecided); the column a reviewer edits.
    pub decision: String,
    /// Why (optional); recorded with the decision.
    pub feedback: String,
    /// Who decided so far: `member <id>`, `system`, or empty.
    pub decided_by: String,
}

/// Why a decision could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// An id or pattern matched nothing, or an id prefix matched several items.
    #[error("{what}")]
    NoMatch {
        /// What did not match, and what would.
        what: String,
    },
    /// A CSV row is wrong.
    #[error("{file} line {line}: {message}")]
    Csv {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// The gate's items, in store order, with their current decisions.
#[must_use]
pub fn rows(s: &WorkflowSnapshot, gate: Gate) -> Vec<ReviewRow> {
    let decisions: HashMap<uuid::Uuid, &Approval> = match gate {
        Gate::Seeds => &s.seed_decisions,
        Gate::Subtopics => &s.subtopic_decisions,
    }
    .iter()
    .map(|a| (a.entity_id, a))
    .collect();
    s.keywords
        .iter()
        .filter(|k| match gate {
            Gate::Seeds => k.keyword_type == KeywordType::Seed,
            Gate::Subtopics => k.subtopics_status == StepStatus::Completed,
        })
        .map(|k| {
            let d = decisions.get(&k.id.as_uuid());
            ReviewRow {
                id: k.id.to_string(),
                keyword: k.keyword.clone(),
                volume: k.metrics.search_volume,
                difficulty: k.metrics.difficulty,
                intent: k.metrics.intent.map(|i| i.to_string()),
                cpc: k.metrics.cpc,
                source: match gate {
                    Gate::Seeds => k.source.strip_prefix("competitor:").unwrap_or(&k.source).to_owned(),
                    Gate::Subtopics => k.subtopics.join(" | "),
                },
                decision: d.map_or(String::new(), |a| {
                    if a.decision == Decision::Approved { "approve".into() } else { "reject".into() }
                }),
                feedback: d.and_then(|a| a.feedback.clone()).unwrap_or_default(),
                decided_by: d.map_or(String::new(), |a| match a.decided_by {
                    Actor::User(u) => format!("member {u}"),
                    Actor::System => "system".into(),
                }),
            }
        })
        .collect()
}

/// The short id shown in listings: the last 8 characters (ids are time-ordered, so their
/// beginnings are alike and their ends are random).
#[must_use]
pub fn short_id(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}

/// The ids of `rows` chosen by `ids` (full ids, or unique prefixes or suffixes (the short ids
/// listings show) of at least 4 characters),
/// `patterns` (keyword text; `*` matches anything, without `*` a case-insensitive substring),
/// or `all`: every item still without a decision (a decision already made is changed only by
/// naming the item, so `reject --pattern …` then `approve --all` keeps the rejections).
///
/// # Errors
/// [`ReviewError::NoMatch`] naming the id or pattern that matched nothing (or an ambiguous
/// prefix).
pub fn select(
    rows: &[ReviewRow],
    ids: &[String],
    patterns: &[String],
    all: bool,
) -> Result<Vec<KeywordId>, ReviewError> {
    let mut out: Vec<String> = Vec::new();
    if all {
        out.extend(rows.iter().filter(|r| r.decision.is_empty()).map(|r| r.id.clone()));
    }
    for id in ids {
        let id = id.trim().to_ascii_lowercase();
        let hits: Vec<&ReviewRow> =
            rows.iter().filter(|r| id.len() >= 4 && (r.id.starts_with(&id) || r.id.ends_with(&id))).collect();
        match hits.as_slice() {
            [one] => out.push(one.id.clone()),
            [] => {
                return Err(ReviewError::NoMatch {
                    what: format!(
                        "no item has id {id:?} (ids are listed by `infin8 review … list`; the short id shown there is enough)"
                    ),
                });
            }
            _ => {
                return Err(ReviewError::NoMatch {
                    what: format!("id {id:?} matches {} items; give more characters", hits.len()),
                });
            }
        }
    }
    for p in patterns {
        let before = out.len();
        out.extend(rows.iter().filter(|r| matches_pattern(&r.keyword, p)).map(|r| r.id.clone()));
        if out.len() == before {
            return Err(ReviewError::NoMatch { what: format!("no keyword matches the pattern {p:?}") });
        }
    }
    out.sort();
    out.dedup();
    Ok(out.iter().filter_map(|id| id.parse::<uuid::Uuid>().ok()).map(KeywordId::from_uuid).collect())
}

/// `*` matches any run of characters; without `*` the pattern matches as a substring. Case-insensitive.
#[must_use]
pub fn matches_pattern(text: &str, pattern: &str) -> bool {
    let text = text.to_lowercase();
    let pattern = pattern.trim().to_lowercase();
    if !pattern.contains('*') {
        return text.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Writes `rows` as CSV (a header, then one row per item).
///
/// # Errors
/// I/O failures.
pub fn write_csv(rows: &[ReviewRow], out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}

/// A decision read from a CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedDecision {
    /// The item.
    pub id: KeywordId,
    /// Approve or reject.
    pub decision: Decision,
    /// Feedback, if any.
    pub feedback: Option<String>,
}

/// Reads decisions from a review CSV (as [`write_csv`] writes it; only `id`, `decision` and
/// `feedback` are read, other columns may be edited or removed). Rows with an empty decision are
/// skipped. `known` are the gate's item ids.
///
/// # Errors
/// [`ReviewError::Csv`] naming the line, for a missing column, an unknown id or a decision
/// other than approve/reject (or yes/no, y/n, keep/drop, approved/rejected).
pub fn read_csv(
    input: impl std::io::Read,
    file: &str,
    known: &[ReviewRow],
) -> Result<Vec<ImportedDecision>, ReviewError> {
    let mut r = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
    let bad = |line: u64, message: String| ReviewError::Csv { file: file.to_owned(), line, message };
    let headers = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(id_col), Some(decision_col)) = (col("id"), col("decision")) else {
        return Err(bad(
            1,
            "the header needs the columns `id` and `decision` (as `infin8 review … export` writes)".into(),
        ));
    };
    let feedback_col = col("feedback");
    let mut out = Vec::new();
    for record in r.records() {
        let record = record.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let decision = record.get(decision_col).unwrap_or("").to_ascii_lowercase();
        let decision = match decision.as_str() {
            "" => continue,
            "approve" | "approved" | "yes" | "y" | "keep" | "ok" => Decision::Approved,
            "reject" | "rejected" | "no" | "n" | "drop" => Decision::Rejected,
            other => {
                return Err(bad(
                    line,
                    format!(
                        "decision {other:?} is not allowed: use approve or reject (or leave it empty to decide later)"
                    ),
                ));
            }
        };
        let id = record.get(id_col).unwrap_or("").to_ascii_lowercase();
        if !known.iter().any(|k| k.id == id) {
            return Err(bad(line, format!("id {id:?} is not an item of this review")));
        }
        let id = KeywordId::from_uuid(
            id.parse().map_err(|_| bad(line, format!("id {id:?} is not a keyword id")))?,
        );
        let feedback = feedback_col.and_then(|c| record.get(c)).filter(|f| !f.is_empty()).map(str::to_owned);
        out.push(ImportedDecision { id, decision, feedback });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches_pattern("Mixpanel Alternatives", "alternatives"));
        assert!(matches_pattern("mixpanel alternatives", "mix*"));
        assert!(matches_pattern("mixpanel alternatives", "*alternatives"));
        assert!(matches_pattern("best funnel analysis tool", "best*tool"));
        assert!(!matches_pattern("best funnel analysis tool", "best*tools"));
        assert!(!matches_pattern("mixpanel alternatives", "amplitude"));
    }

    #[test]
    fn all_means_every_undecided_item_and_names_override() {
        let row = |id: &str, keyword: &str, decision: &str| ReviewRow {
            id: id.into(),
            keyword: keyword.into(),
            decision: decision.into(),
            ..ReviewRow::default()
        };
        let rows = vec![
            row("00000000-0000-0000-0000-0000000000a1", "bag strategy", "reject"),
            row("00000000-0000-0000-0000-0000000000b2", "coffee beans", ""),
            row("00000000-0000-0000-0000-0000000000c3", "home espresso", "approve"),
        ];
        let all = select(&rows, &[], &[], true).expect("select");
        assert_eq!(all, vec![KeywordId::from_uuid(uuid::Uuid::parse_str(&rows[1].id).expect("uuid"))]);
        let named = select(&rows, &["0000a1".into()], &["espresso".into()], false).expect("select");
        assert_eq!(named.len(), 2, "a decided item changes when named");
        assert!(select(&rows, &[], &["nothing".into()], false).is_err());
    }
}
