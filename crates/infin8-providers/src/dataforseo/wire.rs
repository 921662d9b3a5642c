//! DataForSEO v3 request and response shapes (private to the provider).
//!
//! Responses are decoded leniently: every field optional, odd types ignored, bad list elements
//! skipped — a paid call's result is never lost to one unexpected field.

use crate::lenient;
use serde::{Deserialize, Serialize};

/// `POST /v3/dataforseo_labs/google/ranked_keywords/live` task.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RankedKeywordsTask {
    pub(crate) target: String,
    pub(crate) location_code: u32,
    pub(crate) language_code: String,
    pub(crate) limit: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) offset: u32,
    pub(crate) order_by: Vec<String>,
}

/// `POST /v3/dataforseo_labs/google/keyword_suggestions/live` task.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KeywordSuggestionsTask {
    pub(crate) keyword: String,
    pub(crate) location_code: u32,
    pub(crate) language_code: String,
    pub(crate) limit: u32,
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) offset: u32,
    pub(crate) include_seed_keyword: bool,
    pub(crate) order_by: Vec<String>,
}

/// `POST /v3/dataforseo_labs/google/keyword_overview/live` task.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KeywordOverviewTask {
    pub(crate) keywords: Vec<String>,
    pub(crate) location_code: u32,
    pub(crate) language_code: String,
}

/// `POST /v3/serp/google/organic/live/advanced` task.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SerpOrganicTask {
    pub(crate) keyword: String,
    pub(crate) location_code: u32,
    pub(crate) language_code: String,
    pub(crate) depth: u32,
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The envelope of every response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(bound(deserialize = "R: serde::de::DeserializeOwned"))]
pub(crate) struct Envelope<R> {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) status_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) status_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) cost: Option<f64>,
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) tasks: Vec<Task<R>>,
}

/// One task of the envelope.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(bound(deserialize = "R: serde::de::DeserializeOwned"))]
pub(crate) struct Task<R> {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) status_code: Option<i64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) status_message: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) cost: Option<f64>,
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) result: Vec<R>,
}

/// A Labs result: a page of items (some results, like suggestions' seed data, have none).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(bound(deserialize = "I: serde::de::DeserializeOwned"))]
pub(crate) struct LabsResult<I> {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) total_count: Option<u64>,
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) items: Vec<I>,
}

/// Keyword data as Labs gives it (suggestions and overview items; `keyword_data` of ranked
/// keywords).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct KeywordData {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) keyword: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) language_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) keyword_info: Option<KeywordInfo>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) keyword_properties: Option<KeywordProperties>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) search_intent_info: Option<SearchIntentInfo>,
}

/// Volume, CPC and competition.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct KeywordInfo {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) search_volume: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) cpc: Option<f64>,
    /// Labs: 0..=1.
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) competition: Option<f64>,
    /// `"LOW"`, `"MEDIUM"`, `"HIGH"`.
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) competition_level: Option<String>,
}

/// Difficulty and language.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct KeywordProperties {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) keyword_difficulty: Option<f64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) detected_language: Option<String>,
}

/// Search intent.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SearchIntentInfo {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) main_intent: Option<String>,
}

/// A ranked-keywords item.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RankedItem {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) keyword_data: Option<KeywordData>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) ranked_serp_element: Option<RankedSerpElement>,
}

/// Where the domain ranks for the keyword.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RankedSerpElement {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) serp_item: Option<SerpItem>,
}

/// A SERP result (organic or another type).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SerpItem {
    #[serde(default, rename = "type", deserialize_with = "lenient::text")]
    pub(crate) item_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) url: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) rank_group: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) rank_absolute: Option<f64>,
}

/// A SERP result page.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SerpResult {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) items: Vec<SerpItem>,
}

/// `GET /v3/appendix/user_data` result (only what the preflight reads).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserData {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) login: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) money: Option<Money>,
}

/// The account's money.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Money {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) balance: Option<f64>,
}
