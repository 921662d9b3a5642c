//! WordPress REST API v2 shapes (private to the provider).

use crate::lenient;
use serde::Deserialize;
use serde_json::Value;

/// A post as returned with `context=edit` (or `view`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WirePost {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) id: Option<f64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) link: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) status: Option<String>,
    /// `{"raw", "rendered"}` (a plain string on some proxies).
    #[serde(default)]
    pub(crate) content: Option<Value>,
    /// An object of registered meta, or `[]` when there is none.
    #[serde(default)]
    pub(crate) meta: Option<Value>,
}

/// A category or tag.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WireTerm {
    #[serde(default, deserialize_with = "lenient::number")]
    pub(crate) id: Option<f64>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) name: Option<String>,
}

/// The authenticated user (`/wp/v2/users/me?context=edit`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WireUser {
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub(crate) slug: Option<String>,
    #[serde(default = "Vec::new", deserialize_with = "lenient::list")]
    pub(crate) roles: Vec<String>,
    /// `{"edit_posts": true, …}` (edit context only).
    #[serde(default)]
    pub(crate) capabilities: Option<Value>,
}
