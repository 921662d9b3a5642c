//! Tavily `/search` request and response shapes (private to the provider).

use crate::lenient;
use serde::{Deserialize, Serialize};

/// `POST /search` body.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchBody {
    pub(crate) query: String,
    pub(crate) search_depth: &'static str,
    pub(crate) topic: String,
    pub(crate) max_results: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) include_domains: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) exclude_domains: Vec<String>,
    pub(crate) include_raw_content: bool,
    pub(crate) include_answer: bool,
    pub(crate) include_images: bool,
    pub(crate) include_usage: bool,
}

/// `/search` response.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SearchResponse {
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) results: Vec<SearchResult>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) usage: Option<Usage>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) request_id: Option<String>,
    /// A number in the schema, a string in the spec's own example.
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) response_time: Option<f64>,
}

/// One result.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SearchResult {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) title: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) url: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) content: Option<String>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) score: Option<f64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) raw_content: Option<String>,
}

/// Credits used.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Usage {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) credits: Option<f64>,
}

/// `GET /usage` response (only what the preflight reads).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UsageResponse {
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) key: Option<KeyUsage>,
    #[serde(default, deserialize_with = "lenient::opt")]
    pub(crate) account: Option<AccountUsage>,
}

/// The key's credits.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct KeyUsage {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) usage: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) limit: Option<f64>,
}

/// The account's plan and pay-as-you-go credits.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AccountUsage {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) plan_usage: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) plan_limit: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) paygo_usage: Option<f64>,
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) paygo_limit: Option<f64>,
}
