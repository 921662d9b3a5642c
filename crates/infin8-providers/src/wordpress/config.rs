//! WordPress client configuration.

use crate::config::{ConfigError, VarLookup, process_env, require, var};
use crate::http::HttpConfig;
use secrecy::SecretString;
use std::time::Duration;

/// How to reach a WordPress site. `Debug` never shows the application password.
#[derive(Debug, Clone)]
pub struct WordPressConfig {
    /// The site URL (`https://blog.example.com`, or a subdirectory install).
    pub site_url: String,
    /// The REST API root, if not `{site_url}/wp-json/`. Sites without pretty permalinks use
    /// `{site_url}/?rest_route=/` (the query form is supported).
    pub api_root: Option<String>,
    /// The WordPress user name (not the application password's name).
    pub username: String,
    /// The application password (spaces allowed, as WordPress shows it).
    pub app_password: SecretString,
    /// Send our key in the `infin8_idempotency_key` post meta too (kept only where the site
    /// registers it, see the crate docs' mu-plugin; silently dropped elsewhere, harmlessly).
    pub send_meta: bool,
    /// HTTP behaviour. Default: 60 s per attempt, no client-side limit.
    pub http: HttpConfig,
    /// The post meta keys the meta title is sent in. Default: Yoast SEO's `_yoast_wpseo_title`
    /// and Rank Math's `rank_math_title`. WordPress keeps only keys registered for the REST API
    /// (see the module docs' mu-plugin); others are dropped, and the client warns.
    pub seo_title_keys: Vec<String>,
    /// The post meta keys the meta description is sent in. Default: Yoast SEO's
    /// `_yoast_wpseo_metadesc` and Rank Math's `rank_math_description`.
    pub seo_description_keys: Vec<String>,
}

/// Yoast SEO's and Rank Math's meta title keys.
pub const DEFAULT_SEO_TITLE_KEYS: [&str; 2] = ["_yoast_wpseo_title", "rank_math_title"];
/// Yoast SEO's and Rank Math's meta description keys.
pub const DEFAULT_SEO_DESCRIPTION_KEYS: [&str; 2] = ["_yoast_wpseo_metadesc", "rank_math_description"];

/// A comma-separated list of meta keys; `none` for none.
fn keys(raw: &str) -> Vec<String> {
    if raw.trim().eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    raw.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect()
}

impl WordPressConfig {
    /// A configuration for `site_url` with an application password.
    pub fn new(site_url: impl Into<String>, username: impl Into<String>, app_password: SecretString) -> Self {
        Self {
            site_url: site_url.into(),
            api_root: None,
            username: username.into(),
            app_password,
            send_meta: true,
            http: HttpConfig::default().with_request_timeout(Duration::from_secs(60)),
            seo_title_keys: DEFAULT_SEO_TITLE_KEYS.map(str::to_string).to_vec(),
            seo_description_keys: DEFAULT_SEO_DESCRIPTION_KEYS.map(str::to_string).to_vec(),
        }
    }

    /// From `WORDPRESS_URL`, `WORDPRESS_USERNAME` and `WORDPRESS_APP_PASSWORD`; optionally
    /// `WORDPRESS_API_ROOT` (the REST API root when it is not `{WORDPRESS_URL}/wp-json/`, e.g.
    /// `https://blog.example.com/?rest_route=/`), `WORDPRESS_SEO_TITLE_KEYS` and
    /// `WORDPRESS_SEO_DESCRIPTION_KEYS` (comma-separated meta keys, `none` for none).
    ///
    /// # Errors
    /// [`ConfigError::MissingVar`] if one is unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// [`from_env`](Self::from_env) over any variable lookup.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(get: VarLookup<'_>) -> Result<Self, ConfigError> {
        let mut config = Self::new(
            require(get, "WORDPRESS_URL")?,
            require(get, "WORDPRESS_USERNAME")?,
            SecretString::from(require(get, "WORDPRESS_APP_PASSWORD")?),
        );
        config.api_root = var(get, "WORDPRESS_API_ROOT");
        if let Some(raw) = var(get, "WORDPRESS_SEO_TITLE_KEYS") {
            config.seo_title_keys = keys(&raw);
        }
        if let Some(raw) = var(get, "WORDPRESS_SEO_DESCRIPTION_KEYS") {
            config.seo_description_keys = keys(&raw);
        }
        Ok(config)
    }

    /// Sets the REST API root.
    #[must_use]
    pub fn with_api_root(mut self, api_root: impl Into<String>) -> Self {
        self.api_root = Some(api_root.into());
        self
    }

    /// Sets the meta keys the meta title and description are sent in (empty: not sent).
    #[must_use]
    pub fn with_seo_meta_keys(mut self, title: Vec<String>, description: Vec<String>) -> Self {
        self.seo_title_keys = title;
        self.seo_description_keys = description;
        self
    }

    /// Sets the HTTP behaviour.
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}
