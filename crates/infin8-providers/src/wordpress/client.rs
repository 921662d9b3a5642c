//! The WordPress client.

use super::config::WordPressConfig;
use super::convert::{SeoKeys, key_token, post_body, post_id, post_matches, published, term_key};
use super::error::{PROVIDER, map_error, parse_error};
use super::wire::{WirePost, WireTerm, WireUser};
use crate::config::{ConfigError, parse_base_url};
use crate::http::{HttpClient, Idempotency, RetryPolicy, record_call};
use async_trait::async_trait;
use infin8_core::provider::{Metered, PostDraft, ProviderError, ProviderUsage, PublishedPost, Publisher};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tokio::sync::Mutex;

/// Most posts one search page returns (WordPress's maximum).
const PER_PAGE: u32 = 100;

/// Where the REST API lives.
#[derive(Debug, Clone)]
enum ApiRoot {
    /// `https://site/wp-json/` + route.
    Path(url::Url),
    /// `https://site/?rest_route=/` + route (sites without pretty permalinks).
    Query(url::Url),
}

/// WordPress REST API v2 client: [`Publisher`] with application-password Basic auth.
///
/// Idempotent by key on a stock site: every post carries an invisible marker
/// (`<!-- infin8:idempotency infin8k… -->`, a hash of the key) in its content, found with
/// `search` + `status=any` + `context=edit` and confirmed client-side against the raw content;
/// where the site registers the `infin8_idempotency_key` meta (see the crate docs' mu-plugin) the
/// key is stored there too and matched exactly. A create is never retried blindly: after an
/// ambiguous failure (timeout, 5xx, dropped connection) the client looks the key up first and
/// returns the post if WordPress did create it. Slugs are never identity (WordPress silently
/// renames duplicates to `slug-2`).
///
/// ```no_run
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// // WORDPRESS_URL, WORDPRESS_USERNAME, WORDPRESS_APP_PASSWORD
/// let client = infin8_providers::wordpress::WordPressClient::from_env()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WordPressClient {
    http: HttpClient,
    root: ApiRoot,
    username: String,
    password: SecretString,
    send_meta: bool,
    retry: RetryPolicy,
    /// Term ids by (taxonomy, normalized name), per site.
    terms: Arc<Mutex<HashMap<(&'static str, String), u64>>>,
    /// The meta keys the SEO fields are sent in.
    seo: SeoKeys,
    /// Whether the "SEO meta dropped" warning was given.
    seo_warned: Arc<AtomicBool>,
}

impl std::fmt::Debug for WordPressClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root = match &self.root {
            ApiRoot::Path(u) | ApiRoot::Query(u) => u.as_str(),
        };
        f.debug_struct("WordPressClient")
            .field("api_root", &root)
            .field("username", &self.username)
            .field("app_password", &"***")
            .finish_non_exhaustive()
    }
}

/// A response's JSON and the request count it took.
type Sent = AtomicU32;

impl WordPressClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] if a URL is invalid, the user name empty, or the HTTP client cannot be
    /// built.
    pub fn new(config: WordPressConfig) -> Result<Self, ConfigError> {
        if config.username.trim().is_empty() {
            return Err(ConfigError::invalid("WORDPRESS_USERNAME", "empty"));
        }
        let root = match &config.api_root {
            Some(raw) if raw.contains("rest_route=") => {
                let url = url::Url::parse(raw)
                    .map_err(|e| ConfigError::invalid("WordPress API root", e.to_string()))?;
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(ConfigError::invalid(
                        "WordPress API root",
                        "credentials do not belong in the URL",
                    ));
                }
                ApiRoot::Query(url)
            }
            Some(raw) => ApiRoot::Path(parse_base_url("WordPress API root", raw)?),
            None => {
                let site = parse_base_url("WORDPRESS_URL", &config.site_url)?;
                ApiRoot::Path(
                    site.join("wp-json/")
                        .map_err(|e| ConfigError::invalid("WORDPRESS_URL", e.to_string()))?,
                )
            }
        };
        let http = HttpClient::new(PROVIDER, &config.http)?;
        Ok(Self {
            http,
            root,
            username: config.username.clone(),
            password: config.app_password.clone(),
            send_meta: config.send_meta,
            retry: config.http.retry,
            terms: Arc::new(Mutex::new(HashMap::new())),
            seo: SeoKeys {
                title: config.seo_title_keys.clone(),
                description: config.seo_description_keys.clone(),
            },
            seo_warned: Arc::new(AtomicBool::new(false)),
        })
    }

    /// A client configured from the environment (see [`WordPressConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] if a variable is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(WordPressConfig::from_env()?)
    }

    /// The URL of `route` (`wp/v2/posts`) with query parameters.
    fn url(&self, route: &str, params: &[(&str, String)]) -> Result<url::Url, ProviderError> {
        let bad = |e: url::ParseError| ProviderError::invalid_request(PROVIDER, format!("bad url: {e}"));
        let mut url = match &self.root {
            ApiRoot::Path(base) => base.join(route).map_err(bad)?,
            ApiRoot::Query(base) => {
                let mut url = base.clone();
                let others: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(k, _)| k != "rest_route")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                url.query_pairs_mut()
                    .clear()
                    .extend_pairs(others)
                    .append_pair("rest_route", &format!("/{route}"));
                url
            }
        };
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// One REST call: JSON in, JSON out.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        endpoint: &'static str,
        url: url::Url,
        body: Option<&Value>,
        idempotency: Idempotency,
        sent: &Sent,
    ) -> Result<T, ProviderError> {
        self.call_recovering(method, endpoint, url, body, idempotency, sent, |_, _| None).await
    }

    /// [`call`](Self::call), where `recover` may turn an error response into a value.
    #[allow(clippy::too_many_arguments)]
    async fn call_recovering<T: DeserializeOwned>(
        &self,
        method: Method,
        endpoint: &'static str,
        url: url::Url,
        body: Option<&Value>,
        idempotency: Idempotency,
        sent: &Sent,
        recover: impl Fn(u16, &str) -> Option<T>,
    ) -> Result<T, ProviderError> {
        self.http
            .execute(
                endpoint,
                idempotency,
                |client| {
                    sent.fetch_add(1, Ordering::Relaxed);
                    let request = client
                        .request(method.clone(), url.clone())
                        .basic_auth(&self.username, Some(self.password.expose_secret()));
                    match body {
                        Some(b) => request.json(b),
                        None => request,
                    }
                },
                |reply| {
                    if !reply.is_success() {
                        if let Some(value) = recover(reply.status, &reply.body) {
                            return Ok(value);
                        }
                        return Err(map_error(reply.status, reply.retry_after, &reply.body));
                    }
                    serde_json::from_str::<T>(&reply.body).map_err(|e| {
                        ProviderError::decode(PROVIDER, format!("unexpected response: {e}"), &reply.body)
                    })
                },
            )
            .await
    }

    /// The post created with `key`, searching every status.
    async fn find(&self, key: &str, sent: &Sent) -> Result<Option<PublishedPost>, ProviderError> {
        let url = self.url(
            "wp/v2/posts",
            &[
                ("search", key_token(key)),
                ("status", "any".to_string()),
                ("context", "edit".to_string()),
                ("per_page", PER_PAGE.to_string()),
                ("orderby", "id".to_string()),
                ("order", "asc".to_string()),
                ("_fields", "id,link,status,content,meta".to_string()),
            ],
        )?;
        let posts: Vec<Value> =
            self.call(Method::GET, "posts.search", url, None, Idempotency::Idempotent, sent).await?;
        let matching: Vec<WirePost> = posts
            .into_iter()
            .filter_map(|p| serde_json::from_value::<WirePost>(p).ok())
            .filter(|p| post_matches(p, key))
            .collect();
        if matching.len() > 1 {
            tracing::warn!(
                provider = PROVIDER,
                count = matching.len(),
                "several posts carry one idempotency key; using the oldest"
            );
        }
        Ok(matching
            .iter()
            .filter_map(|p| post_id(p).map(|id| (id, p)))
            .min_by_key(|(id, _)| *id)
            .and_then(|(_, p)| published(p)))
    }

    /// The id of a category or tag, created if missing.
    async fn term_id(&self, taxonomy: &'static str, name: &str, sent: &Sent) -> Result<u64, ProviderError> {
        let key = term_key(name);
        if let Some(id) = self.terms.lock().await.get(&(taxonomy, key.clone())) {
            return Ok(*id);
        }
        let route = format!("wp/v2/{taxonomy}");
        let url = self.url(
            &route,
            &[
                ("search", name.trim().to_string()),
                ("per_page", PER_PAGE.to_string()),
                ("_fields", "id,name".to_string()),
            ],
        )?;
        let found: Vec<Value> =
            self.call(Method::GET, "terms.search", url, None, Idempotency::Idempotent, sent).await?;
        let existing = found
            .into_iter()
            .filter_map(|t| serde_json::from_value::<WireTerm>(t).ok())
            .find(|t| t.name.as_deref().map(term_key).as_deref() == Some(key.as_str()))
            .and_then(|t| t.id)
            .filter(|id| *id >= 1.0 && id.fract() == 0.0)
            .map(|id| id as u64);
        let id = match existing {
            Some(id) => id,
            None => {
                let url = self.url(&route, &[])?;
                let body = json!({ "name": name.trim() });
                // Creating a term twice is harmless: WordPress answers `term_exists` with its id.
                let exists = |status: u16, body: &str| {
                    let error = parse_error(body);
                    (status == 400 && error.code.as_deref() == Some("term_exists"))
                        .then_some(error.term_id)
                        .flatten()
                        .map(|id| WireTerm { id: Some(id as f64), name: None })
                };
                let term: WireTerm = self
                    .call_recovering(
                        Method::POST,
                        "terms.create",
                        url,
                        Some(&body),
                        Idempotency::Idempotent,
                        sent,
                        exists,
                    )
                    .await?;
                term.id
                    .filter(|id| *id >= 1.0 && id.fract() == 0.0)
                    .map(|id| id as u64)
                    .ok_or_else(|| ProviderError::decode(PROVIDER, "created term has no id", ""))?
            }
        };
        self.terms.lock().await.insert((taxonomy, key), id);
        Ok(id)
    }

    async fn term_ids(
        &self,
        taxonomy: &'static str,
        names: &[String],
        sent: &Sent,
    ) -> Result<Vec<u64>, ProviderError> {
        let mut ids = Vec::new();
        for name in names.iter().filter(|n| !n.trim().is_empty()) {
            let id = self.term_id(taxonomy, name, sent).await?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn body_for(&self, draft: &PostDraft, sent: &Sent) -> Result<Value, ProviderError> {
        let categories = self.term_ids("categories", &draft.categories, sent).await?;
        let tags = self.term_ids("tags", &draft.tags, sent).await?;
        Ok(post_body(draft, &categories, &tags, self.send_meta, &self.seo))
    }
}

fn usage(sent: &Sent) -> ProviderUsage {
    ProviderUsage { requests: sent.load(Ordering::Relaxed), items: 1, ..ProviderUsage::default() }
}

impl WordPressClient {
    /// Creates the post. Retries only when WordPress certainly did not act (429, connection
    /// refused) — or, after an ambiguous failure, when a lookup of the key shows it did not.
    async fn create(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError> {
        if draft.idempotency_key.trim().is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "empty idempotency key"));
        }
        let sent = Sent::new(0);
        let body = self.body_for(draft, &sent).await?;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let url = self.url("wp/v2/posts", &[])?;
            match self
                .call::<WirePost>(
                    Method::POST,
                    "posts.create",
                    url,
                    Some(&body),
                    Idempotency::NonIdempotent,
                    &sent,
                )
                .await
            {
                Ok(post) => {
                    self.check_seo_meta_kept(draft, &post);
                    let post = published(&post)
                        .ok_or_else(|| ProviderError::decode(PROVIDER, "created post has no id", ""))?;
                    let usage = usage(&sent);
                    record_call(PROVIDER, "posts.create", &usage);
                    return Ok(Metered::new(post, usage));
                }
                Err(e) if e.is_retryable() => {
                    // WordPress may have created the post before failing: look before retrying.
                    if let Some(existing) = self.find(&draft.idempotency_key, &sent).await? {
                        tracing::warn!(provider = PROVIDER, error = %e, "create failed ambiguously but the post exists; using it");
                        return Ok(Metered::new(existing, usage(&sent)));
                    }
                    if attempt >= self.retry.max_attempts {
                        return Err(e);
                    }
                    let wait = e.retry_after().unwrap_or(
                        self.retry.base_delay.saturating_mul(1 << attempt.min(10)).min(self.retry.max_delay),
                    );
                    if wait > self.retry.max_retry_after {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn update(
        &self,
        remote_id: &str,
        draft: &PostDraft,
    ) -> Result<Metered<PublishedPost>, ProviderError> {
        let id: u64 = remote_id
            .trim()
            .parse()
            .map_err(|_| ProviderError::invalid_request(PROVIDER, format!("not a post id: {remote_id:?}")))?;
        let sent = Sent::new(0);
        let body = self.body_for(draft, &sent).await?;
        let url = self.url(&format!("wp/v2/posts/{id}"), &[])?;
        // An update sets the same fields to the same values: safe to repeat.
        let post: WirePost =
            self.call(Method::POST, "posts.update", url, Some(&body), Idempotency::Idempotent, &sent).await?;
        self.check_seo_meta_kept(draft, &post);
        let post =
            published(&post).ok_or_else(|| ProviderError::decode(PROVIDER, "updated post has no id", ""))?;
        let usage = usage(&sent);
        record_call(PROVIDER, "posts.update", &usage);
        Ok(Metered::new(post, usage))
    }

    /// The preflight: who the credentials authenticate, and what that user may do.
    async fn check_user(&self) -> Result<Option<String>, ProviderError> {
        let url = self.url("wp/v2/users/me", &[("context", "edit".to_string())])?;
        let me: WireUser =
            self.call(Method::GET, "users.me", url, None, Idempotency::Idempotent, &Sent::new(0)).await?;
        let name = me.slug.or(me.name).unwrap_or_else(|| self.username.clone());
        let roles = if me.roles.is_empty() { "no role".to_string() } else { me.roles.join(", ") };
        let can = |cap: &str| {
            me.capabilities.as_ref().and_then(|c| c.get(cap)).and_then(Value::as_bool) == Some(true)
        };
        if me.capabilities.is_some() && !can("edit_posts") {
            return Err(ProviderError::auth(
                PROVIDER,
                format!("the user {name} ({roles}) may not create posts (no edit_posts capability)"),
            )
            .with_hint(
                "give WORDPRESS_USERNAME a role that may write posts (Author, Editor or Administrator)",
            ));
        }
        let mut notes = vec![format!("user {name} ({roles}) may create posts")];
        if me.capabilities.is_some() {
            notes.push(if can("publish_posts") {
                "and publish them".into()
            } else {
                "as drafts only (no publish_posts)".into()
            });
            if !can("manage_categories") {
                notes.push("cannot create new categories (existing ones are used)".into());
            }
        }
        Ok(Some(notes.join(", ")))
    }

    /// Warns (once per client) when the site dropped the SEO meta it was sent: the keys are not
    /// registered for the REST API.
    fn check_seo_meta_kept(&self, draft: &PostDraft, post: &WirePost) {
        let sent: Vec<&String> =
            [(&draft.meta_title, &self.seo.title), (&draft.meta_description, &self.seo.description)]
                .into_iter()
                .filter(|(value, _)| value.as_deref().is_some_and(|v| !v.trim().is_empty()))
                .flat_map(|(_, keys)| keys.iter())
                .collect();
        if sent.is_empty() {
            return;
        }
        let kept = post
            .meta
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|m| sent.iter().any(|k| m.contains_key(k.as_str())));
        if !kept && !self.seo_warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                provider = PROVIDER,
                keys = ?sent,
                "the site dropped the meta title and description: none of these meta keys is registered for the \
                 REST API (install the mu-plugin shown in the infin8-providers wordpress docs, or set \
                 WORDPRESS_SEO_TITLE_KEYS / WORDPRESS_SEO_DESCRIPTION_KEYS to keys the site registers)"
            );
        }
    }
}

#[async_trait]
impl Publisher for WordPressClient {
    fn platform(&self) -> &str {
        PROVIDER
    }

    /// `GET /wp/v2/users/me?context=edit`: the application password works, and the user may
    /// create posts (`edit_posts`); says whether it may publish them and assign new terms.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        self.check_user().await.map_err(|e| e.with_operation("preflight"))
    }

    async fn find_post(&self, idempotency_key: &str) -> Result<Option<PublishedPost>, ProviderError> {
        if idempotency_key.trim().is_empty() {
            return Err(
                ProviderError::invalid_request(PROVIDER, "empty idempotency key").with_operation("find_post")
            );
        }
        self.find(idempotency_key, &Sent::new(0)).await.map_err(|e| e.with_operation("find_post"))
    }

    /// Creates the post. Retries only when WordPress certainly did not act (429, connection
    /// refused) — or, after an ambiguous failure, when a lookup of the key shows it did not.
    async fn create_post(&self, draft: &PostDraft) -> Result<Metered<PublishedPost>, ProviderError> {
        self.create(draft).await.map_err(|e| e.with_operation("create_post"))
    }

    async fn update_post(
        &self,
        remote_id: &str,
        draft: &PostDraft,
    ) -> Result<Metered<PublishedPost>, ProviderError> {
        self.update(remote_id, draft).await.map_err(|e| e.with_operation("update_post"))
    }
}
