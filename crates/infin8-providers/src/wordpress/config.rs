//! WordPress client configuration.

use crate::config::{ConfigError, VarLookup, process_env, require};
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
        }
    }

    /// From `WORDPRESS_URL`, `WORDPRESS_USERNAME` and `WORDPRESS_APP_PASSWORD`.
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
        Ok(Self::new(
            require(get, "WORDPRESS_URL")?,
            require(get, "WORDPRESS_USERNAME")?,
            SecretString::from(require(get, "WORDPRESS_APP_PASSWORD")?),
        ))
    }

    /// Sets the REST API root.
    #[must_use]
    pub fn with_api_root(mut self, api_root: impl Into<String>) -> Self {
        self.api_root = Some(api_root.into());
        self
    }

    /// Sets the HTTP behaviour.
    #[must_use]
    pub fn with_http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }
}
