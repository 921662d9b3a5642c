//! Exports of a workflow's keywords, clusters and articles as CSV or JSON: one flat row per
//! item with every stored field a user would sort or filter on.

use crate::report::describe_reason;
use crate::snapshot::WorkflowSnapshot;
use infin8_core::approval::Decision;
use infin8_core::cluster::ValidationStatus;
use serde::Serialize;
use std::collections::HashMap;

/// The export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing CSV failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing JSON failed.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A keyword.
#[derive(Debug, Clone, Serialize)]
pub struct KeywordRow {
    /// Id.
    pub id: String,
    /// Text.
    pub keyword: String,
    /// `seed`, `longtail`, `subtopic`.
    pub keyword_type: String,
    /// The seed it came from.
    pub parent: Option<String>,
    /// Where it came from (`competitor:mixpanel.com`).
    pub source: String,
    /// Monthly searches.
    pub search_volume: Option<i64>,
    /// Difficulty 0..=100.
    pub difficulty: Option<i32>,
    /// Cost per click, USD.
    pub cpc: Option<f64>,
    /// Competition `low`/`medium`/`high`.
    pub competition: Option<String>,
    /// Search intent.
    pub intent: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Navigational.
    pub is_navigational: bool,
    /// Seed review decision (`approve`/`reject`) for seeds.
    pub review_decision: Option<String>,
    /// `approved`, `rejected`, `pending`.
    pub filter_status: String,
    /// Why it was rejected, in words.
    pub filter_reasons: String,
    /// The hub of its cluster.
    pub cluster_hub: Option<String>,
    /// `hub` or `spoke`.
    pub cluster_role: Option<String>,
    /// Similarity to its hub (spokes).
    pub similarity: Option<f32>,
    /// Whether its cluster is valid.
    pub cluster_valid: Option<bool>,
    /// Subtopics, `" | "`-separated.
    pub subtopics: String,
    /// Article step status.
    pub article_status: String,
}

/// A member of a cluster (one row per hub or spoke).
#[derive(Debug, Clone, Serialize)]
pub struct ClusterRow {
    /// The hub keyword (the cluster's name).
    pub hub: String,
    /// `valid` or `invalid`.
    pub status: String,
    /// Why invalid (codes).
    pub reasons: String,
    /// Average spoke similarity.
    pub avg_similarity: f32,
    /// Spokes.
    pub spoke_count: i64,
    /// This member.
    pub keyword: String,
    /// `hub` or `spoke`.
    pub role: String,
    /// Similarity to the hub (spokes).
    pub similarity: Option<f32>,
    /// Monthly searches.
    pub search_volume: Option<i64>,
    /// Difficulty.
    pub difficulty: Option<i32>,
    /// Intent.
    pub intent: Option<String>,
    /// Cost per click.
    pub cpc: Option<f64>,
}

/// An article.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleRow {
    /// Id.
    pub id: String,
    /// Its keyword.
    pub keyword: String,
    /// Title.
    pub title: String,
    /// Slug.
    pub slug: String,
    /// Status.
    pub status: String,
    /// Intent the article serves.
    pub intent: Option<String>,
    /// Words.
    pub word_count: i32,
    /// Minutes.
    pub reading_time_minutes: i32,
    /// SEO score.
    pub seo_score: Option<f64>,
    /// Quality score.
    pub quality_score: Option<f64>,
    /// Guards passed.
    pub guards_passed: usize,
    /// Guards run.
    pub guards_total: usize,
    /// Failed guards, with measurements.
    pub guards_failed: String,
    /// Meta title.
    pub meta_title: Option<String>,
    /// Meta description.
    pub meta_description: Option<String>,
    /// Cost, USD.
    pub cost_usd: f64,
    /// Where it was published.
    pub published_url: Option<String>,
    /// Post id on the publisher.
    pub post_id: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// Keyword rows.
#[must_use]
pub fn keywords(s: &WorkflowSnapshot) -> Vec<KeywordRow> {
    let decisions: HashMap<uuid::Uuid, Decision> =
        s.seed_decisions.iter().map(|a| (a.entity_id, a.decision)).collect();
    let valid: HashMap<_, _> =
        s.validations.iter().map(|v| (v.hub_keyword_id, v.status == ValidationStatus::Valid)).collect();
    let spoke: HashMap<_, _> = s.spokes.iter().map(|c| (c.spoke_keyword_id, c)).collect();
    s.keywords
        .iter()
        .map(|k| {
            let (hub, role, sim) = if valid.contains_key(&k.id) {
                (Some(k.id), Some("hub"), None)
            } else if let Some(c) = spoke.get(&k.id) {
                (Some(c.hub_keyword_id), Some("spoke"), Some(c.similarity))
            } else {
                (None, None, None)
            };
            KeywordRow {
                id: k.id.to_string(),
                keyword: k.keyword.clone(),
                keyword_type: k.keyword_type.to_string(),
                parent: k.parent_id.map(|p| s.text(p).to_owned()),
                source: k.source.clone(),
                search_volume: k.metrics.search_volume,
                difficulty: k.metrics.difficulty,
                cpc: k.metrics.cpc,
                competition: k.metrics.competition_level.map(|c| c.to_string()),
                intent: k.metrics.intent.map(|i| i.to_string()),
                language: k.language.clone(),
                is_navigational: k.is_navigational,
                review_decision: decisions
                    .get(&k.id.as_uuid())
                    .map(|d| if *d == Decision::Approved { "approve".into() } else { "reject".into() }),
                filter_status: k.filter_status.to_string(),
                filter_reasons: crate::report::rejection_reasons(k)
                    .iter()
                    .map(|r| describe_reason(r, s))
                    .collect::<Vec<_>>()
                    .join("; "),
                cluster_hub: hub.map(|h| s.text(h).to_owned()),
                cluster_role: role.map(str::to_owned),
                similarity: sim,
                cluster_valid: hub.and_then(|h| valid.get(&h).copied()),
                subtopics: k.subtopics.join(" | "),
                article_status: k.article_status.to_string(),
            }
        })
        .collect()
}

/// Cluster rows: the hub, then its spokes by similarity, per cluster.
#[must_use]
pub fn clusters(s: &WorkflowSnapshot) -> Vec<ClusterRow> {
    let mut out = Vec::new();
    for v in &s.validations {
        let mut spokes: Vec<_> = s.spokes.iter().filter(|c| c.hub_keyword_id == v.hub_keyword_id).collect();
        spokes.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        let members = std::iter::once((v.hub_keyword_id, "hub", None))
            .chain(spokes.iter().map(|c| (c.spoke_keyword_id, "spoke", Some(c.similarity))));
        for (id, role, similarity) in members {
            let m = s.keyword(id).map(|k| k.metrics.clone()).unwrap_or_default();
            out.push(ClusterRow {
                hub: s.text(v.hub_keyword_id).to_owned(),
                status: v.status.to_string(),
                reasons: v.reasons.join(" "),
                avg_similarity: v.avg_similarity,
                spoke_count: v.spoke_count,
                keyword: s.text(id).to_owned(),
                role: role.to_owned(),
                similarity,
                search_volume: m.search_volume,
                difficulty: m.difficulty,
                intent: m.intent.map(|i| i.to_string()),
                cpc: m.cpc,
            });
        }
    }
    out
}

/// Article rows.
#[must_use]
pub fn articles(s: &WorkflowSnapshot) -> Vec<ArticleRow> {
    s.articles
        .iter()
        .map(|a| {
            let guards = a.provenance["guards"].as_array().cloned().unwrap_or_default();
            let failed: Vec<String> = guards
                .iter()
                .filter(|g| g["passed"] != true)
                .map(|g| {
                    format!(
                        "{}: {}",
                        g["guard"].as_str().unwrap_or(""),
                        g["measurement"].as_str().unwrap_or("")
                    )
                })
                .collect();
            ArticleRow {
                id: a.id.to_string(),
                keyword: s.text(a.keyword_id).to_owned(),
                title: a.title.clone(),
                slug: a.slug.clone(),
                status: a.status.to_string(),
                intent: a.provenance["intent"].as_str().map(str::to_owned),
                word_count: a.word_count,
                reading_time_minutes: a.reading_time_minutes,
                seo_score: a.seo_score,
                quality_score: a.quality_score,
                guards_passed: guards.len() - failed.len(),
                guards_total: guards.len(),
                guards_failed: failed.join("; "),
                meta_title: a.meta_title.clone(),
                meta_description: a.meta_description.clone(),
                cost_usd: a.generation_cost.micros() as f64 / 1e6,
                published_url: a.wordpress_url.clone(),
                post_id: a.wordpress_post_id,
                error: a.error.clone(),
            }
        })
        .collect()
}

/// Writes `rows` in `format`.
///
/// # Errors
/// [`ExportError`] when writing fails.
pub fn write<T: Serialize>(
    rows: &[T],
    format: Format,
    mut out: impl std::io::Write,
) -> Result<(), ExportError> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for r in rows {
                w.serialize(r)?;
            }
            w.flush().map_err(csv::Error::from)?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, rows)?;
            out.write_all(b"\n").map_err(serde_json::Error::io)?;
        }
    }
    Ok(())
}
