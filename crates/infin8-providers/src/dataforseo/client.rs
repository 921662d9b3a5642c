//! The DataForSEO client.

use super::config::DataForSeoConfig;
use super::convert::{
    Checked, billed_cost, check_envelope, ideas_from_labs, ideas_from_ranked, organic_urls, parse_envelope,
};
use super::error::{PROVIDER, map_http_status};
use super::wire::{
    Envelope, KeywordData, KeywordOverviewTask, KeywordSuggestionsTask, LabsResult, RankedKeywordsTask,
    SerpOrganicTask, SerpResult, UserData,
};
use crate::config::{ConfigError, parse_base_url};
use crate::http::{HttpClient, Idempotency, record_call};
use async_trait::async_trait;
use infin8_core::Usd;
use infin8_core::provider::{
    DomainKeywordsRequest, KeywordIdea, KeywordMetricsRequest, KeywordResearch, Locale, Metered,
    ProviderError, ProviderErrorKind, ProviderUsage, SerpResearch, SuggestionsRequest,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

const RANKED_KEYWORDS: &str = "v3/dataforseo_labs/google/ranked_keywords/live";
const KEYWORD_SUGGESTIONS: &str = "v3/dataforseo_labs/google/keyword_suggestions/live";
const KEYWORD_OVERVIEW: &str = "v3/dataforseo_labs/google/keyword_overview/live";
const SERP_ORGANIC: &str = "v3/serp/google/organic/live/advanced";
const USER_DATA: &str = "v3/appendix/user_data";

/// Labs serves `offset` up to 10,000; deeper pages need `offset_token`, which we do not use.
const MAX_OFFSET: u32 = 10_000;
/// Deepest SERP DataForSEO serves.
const MAX_SERP_DEPTH: u32 = 700;
/// Keywords longer than this fail a whole task on some endpoints; they are skipped.
const MAX_KEYWORD_CHARS: usize = 80;
/// Keywords with more words than this fail a whole task on some endpoints; they are skipped.
const MAX_KEYWORD_WORDS: usize = 10;

/// DataForSEO v3 client: [`KeywordResearch`] (Labs) and [`SerpResearch`] (SERP API).
///
/// ```no_run
/// # fn main() -> Result<(), infin8_providers::ConfigError> {
/// // DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, optional DATAFORSEO_BASE_URL
/// let client = infin8_providers::dataforseo::DataForSeoClient::from_env()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DataForSeoClient {
    http: HttpClient,
    base: url::Url,
    login: String,
    password: SecretString,
    config: DataForSeoConfig,
}

impl std::fmt::Debug for DataForSeoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataForSeoClient")
            .field("base_url", &self.base.as_str())
            .field("login", &self.login)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

/// `error` with what earlier calls of the same operation were billed added to its own bill.
fn with_spent(error: ProviderError, earlier: &ProviderUsage) -> ProviderError {
    let mut total = *earlier;
    if let Some(own) = error.billed() {
        total.add(own);
    }
    error.with_billed(total)
}

/// One call's checked results and usage.
struct CallOutcome<R> {
    checked: Checked<R>,
    usage: ProviderUsage,
}

impl DataForSeoClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] if the base URL is invalid or the HTTP client cannot be built.
    pub fn new(config: DataForSeoConfig) -> Result<Self, ConfigError> {
        let base = parse_base_url("DATAFORSEO_BASE_URL", &config.base_url)?;
        if config.login.trim().is_empty() {
            return Err(ConfigError::invalid("DATAFORSEO_LOGIN", "empty"));
        }
        let http = HttpClient::new(PROVIDER, &config.http)?;
        Ok(Self { http, base, login: config.login.clone(), password: config.password.clone(), config })
    }

    /// A client configured from the environment (see [`DataForSeoConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] if a variable is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(DataForSeoConfig::from_env()?)
    }

    /// Posts one task to a live endpoint and checks the envelope. `price` is the endpoint's list
    /// price, billed for a 2xx whose body cannot be read (DataForSEO ran the task) and for a
    /// billed failure (`40101`) that reports no cost. A failure carries what its attempts were
    /// billed ([`ProviderError::billed`]).
    async fn call<T: Serialize + Sync, R: DeserializeOwned>(
        &self,
        path: &'static str,
        task: &T,
        price: Usd,
    ) -> Result<CallOutcome<R>, ProviderError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        // Exactly one task per live call.
        let body = [task];
        let billed = AtomicI64::new(0);
        let sent = AtomicU32::new(0);
        let used = |billed: &AtomicI64, sent: &AtomicU32| ProviderUsage {
            cost: Usd::from_micros(billed.load(Ordering::Relaxed)),
            requests: sent.load(Ordering::Relaxed),
            ..ProviderUsage::default()
        };
        let checked = self
            .http
            .execute(
                path,
                Idempotency::Idempotent,
                |client| {
                    sent.fetch_add(1, Ordering::Relaxed);
                    client
                        .post(url.clone())
                        .basic_auth(&self.login, Some(self.password.expose_secret()))
                        .json(&body)
                },
                |reply| {
                    if !reply.is_success() {
                        let envelope = serde_json::from_str::<Envelope<serde_json::Value>>(&reply.body).ok();
                        if let Some(envelope) = &envelope {
                            billed.fetch_add(billed_cost(envelope, Usd::ZERO).micros(), Ordering::Relaxed);
                        }
                        let code = envelope.as_ref().and_then(|e| e.status_code);
                        let message = envelope
                            .and_then(|e| e.status_message)
                            .unwrap_or_else(|| reply.body.chars().take(200).collect());
                        return Err(map_http_status(reply.status, reply.retry_after, code, &message));
                    }
                    let envelope = match parse_envelope::<R>(&reply.body) {
                        Ok(envelope) => envelope,
                        Err(e) => {
                            // A 200 means the task ran, and DataForSEO bills tasks that ran.
                            billed.fetch_add(price.micros(), Ordering::Relaxed);
                            return Err(e);
                        }
                    };
                    // Every attempt's cost counts: DataForSEO bills some failures (40101).
                    billed.fetch_add(billed_cost(&envelope, price).micros(), Ordering::Relaxed);
                    check_envelope(envelope)
                },
            )
            .await
            .map_err(|e| {
                let spent = used(&billed, &sent);
                e.with_billed(spent)
            })?;
        for failure in &checked.failures {
            tracing::warn!(
                provider = PROVIDER,
                endpoint = path,
                task_id = failure.task_id.as_deref().unwrap_or("-"),
                code = failure.failure.code,
                message = %failure.failure.message,
                "dataforseo task failed"
            );
        }
        Ok(CallOutcome { checked, usage: used(&billed, &sent) })
    }

    /// `GET /v3/appendix/user_data` (free): checks the credentials and reads the balance.
    async fn check_account(&self) -> Result<Option<String>, ProviderError> {
        let url = self
            .base
            .join(USER_DATA)
            .map_err(|e| ProviderError::invalid_request(PROVIDER, format!("bad endpoint url: {e}")))?;
        let checked = self
            .http
            .execute(
                USER_DATA,
                Idempotency::Idempotent,
                |client| client.get(url.clone()).basic_auth(&self.login, Some(self.password.expose_secret())),
                |reply| {
                    if !reply.is_success() {
                        let envelope = serde_json::from_str::<Envelope<serde_json::Value>>(&reply.body).ok();
                        let code = envelope.as_ref().and_then(|e| e.status_code);
                        let message = envelope
                            .and_then(|e| e.status_message)
                            .unwrap_or_else(|| reply.body.chars().take(200).collect());
                        return Err(map_http_status(reply.status, reply.retry_after, code, &message));
                    }
                    check_envelope(parse_envelope::<UserData>(&reply.body)?)
                },
            )
            .await
            .map_err(|e| e.with_operation("preflight"))?;
        let data = checked.results.into_iter().next().unwrap_or_default();
        let balance = data.money.as_ref().and_then(|m| m.balance);
        if balance.is_some_and(|b| b <= 0.0) {
            return Err(ProviderError::quota_exhausted(PROVIDER, "the account balance is $0")
                .with_operation("preflight")
                .with_hint("top up the DataForSEO balance (dashboard → billing), then run again"));
        }
        let login = data.login.unwrap_or_else(|| self.login.clone());
        Ok(Some(match balance {
            Some(b) => format!("login {login}, balance ${b:.2}"),
            None => format!("login {login}"),
        }))
    }

    /// Pages through a Labs endpoint until `limit` items, a short page, or the offset cap.
    async fn paged<I: DeserializeOwned, T: Serialize + Sync>(
        &self,
        path: &'static str,
        limit: u32,
        make_task: impl Fn(u32, u32) -> T,
        convert: impl Fn(&[LabsResult<I>]) -> Vec<KeywordIdea>,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        let mut ideas: Vec<KeywordIdea> = Vec::new();
        let mut usage = ProviderUsage::default();
        let mut offset = 0;
        while (ideas.len() as u64) < u64::from(limit) && offset < MAX_OFFSET {
            let remaining = limit.saturating_sub(u32::try_from(ideas.len()).unwrap_or(u32::MAX));
            let page = remaining.min(self.config.page_size.max(1)).min(MAX_OFFSET - offset);
            let outcome = match self
                .call::<T, LabsResult<I>>(path, &make_task(page, offset), self.config.labs_call_estimate)
                .await
            {
                Ok(outcome) => outcome,
                // The pages already fetched were paid for too.
                Err(e) => return Err(with_spent(e, &usage)),
            };
            usage.add(&outcome.usage);
            let got = convert(&outcome.checked.results);
            let raw_items: usize = outcome.checked.results.iter().map(|r| r.items.len()).sum();
            let total = outcome.checked.results.iter().filter_map(|r| r.total_count).max();
            ideas.extend(got);
            offset += page;
            let exhausted = total.is_some_and(|t| u64::from(offset) >= t);
            if raw_items < usize::try_from(page).unwrap_or(usize::MAX) || exhausted {
                break;
            }
        }
        ideas.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        usage.items = ideas.len() as u64;
        record_call(PROVIDER, path, &usage);
        Ok(Metered::new(ideas, usage))
    }
}

fn check_locale(locale: &Locale) -> Result<(), ProviderError> {
    if locale.language_code.trim().is_empty() {
        return Err(ProviderError::invalid_request(PROVIDER, "empty language code"));
    }
    Ok(())
}

#[async_trait]
impl KeywordResearch for DataForSeoClient {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// One Labs live call. Calls that page (limits above the page size) or batch (more than
    /// `metrics_batch_size` keywords) make several.
    fn estimate(&self) -> Usd {
        self.config.labs_call_estimate
    }

    /// `GET /v3/appendix/user_data`: the credentials work and the balance is not empty.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        self.check_account().await
    }

    async fn ranked_keywords(
        &self,
        request: &DomainKeywordsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        check_locale(&request.locale)?;
        let target = request.domain.trim().trim_end_matches('/').to_lowercase();
        if target.is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "empty domain"));
        }
        let locale = &request.locale;
        self.paged(
            RANKED_KEYWORDS,
            request.limit,
            |limit, offset| RankedKeywordsTask {
                target: target.clone(),
                location_code: locale.location_code,
                language_code: locale.language_code.clone(),
                limit,
                offset,
                order_by: vec!["keyword_data.keyword_info.search_volume,desc".to_string()],
            },
            |results| ideas_from_ranked(results, "dataforseo:ranked_keywords"),
        )
        .await
        .map_err(|e| e.with_operation("ranked_keywords"))
    }

    async fn keyword_suggestions(
        &self,
        request: &SuggestionsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        check_locale(&request.locale)?;
        let seed = request.seed.split_whitespace().collect::<Vec<_>>().join(" ");
        if seed.is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "empty seed"));
        }
        let locale = &request.locale;
        self.paged(
            KEYWORD_SUGGESTIONS,
            request.limit,
            |limit, offset| KeywordSuggestionsTask {
                keyword: seed.clone(),
                location_code: locale.location_code,
                language_code: locale.language_code.clone(),
                limit,
                offset,
                include_seed_keyword: false,
                order_by: vec!["keyword_info.search_volume,desc".to_string()],
            },
            |results| ideas_from_labs(results, "dataforseo:keyword_suggestions"),
        )
        .await
        .map_err(|e| e.with_operation("keyword_suggestions"))
    }

    async fn keyword_metrics(
        &self,
        request: &KeywordMetricsRequest,
    ) -> Result<Metered<Vec<KeywordIdea>>, ProviderError> {
        check_locale(&request.locale)?;
        let mut keywords: Vec<String> = Vec::new();
        for k in &request.keywords {
            let k = k.split_whitespace().collect::<Vec<_>>().join(" ");
            let fits = k.chars().count() <= MAX_KEYWORD_CHARS && k.split(' ').count() <= MAX_KEYWORD_WORDS;
            if !k.is_empty() && fits && !keywords.iter().any(|x| x.eq_ignore_ascii_case(&k)) {
                keywords.push(k);
            }
        }
        let mut ideas = Vec::new();
        let mut usage = ProviderUsage::default();
        let mut first_error: Option<ProviderError> = None;
        let mut succeeded = 0;
        for batch in keywords.chunks(self.config.metrics_batch_size.max(1)) {
            let task = KeywordOverviewTask {
                keywords: batch.to_vec(),
                location_code: request.locale.location_code,
                language_code: request.locale.language_code.clone(),
            };
            match self
                .call::<_, LabsResult<KeywordData>>(KEYWORD_OVERVIEW, &task, self.config.labs_call_estimate)
                .await
            {
                Ok(outcome) => {
                    succeeded += 1;
                    usage.add(&outcome.usage);
                    ideas.extend(ideas_from_labs(&outcome.checked.results, "dataforseo:keyword_overview"));
                }
                // Out of credit or locked out: every further batch would fail the same way.
                Err(e) if matches!(e.kind(), ProviderErrorKind::QuotaExhausted | ProviderErrorKind::Auth) => {
                    return Err(with_spent(e, &usage).with_operation("keyword_metrics"));
                }
                Err(e) => {
                    if let Some(spent) = e.billed() {
                        usage.add(spent);
                    } else {
                        usage.requests = usage.requests.saturating_add(1);
                    }
                    tracing::warn!(provider = PROVIDER, error = %e, keywords = batch.len(), "metrics batch failed; its keywords are omitted");
                    first_error.get_or_insert(e);
                }
            }
        }
        if succeeded == 0
            && let Some(e) = first_error
        {
            // Every batch failed: the error carries what all of them were billed.
            return Err(e.with_billed(usage).with_operation("keyword_metrics"));
        }
        usage.items = ideas.len() as u64;
        record_call(PROVIDER, KEYWORD_OVERVIEW, &usage);
        Ok(Metered::new(ideas, usage))
    }
}

#[async_trait]
impl SerpResearch for DataForSeoClient {
    fn name(&self) -> &str {
        PROVIDER
    }

    /// The default depth of 10 results.
    fn estimate(&self) -> Usd {
        self.config.serp_estimate_per_10
    }

    /// `GET /v3/appendix/user_data`, as for keyword research.
    async fn preflight(&self) -> Result<Option<String>, ProviderError> {
        self.check_account().await
    }

    async fn top_urls(
        &self,
        keyword: &str,
        locale: &Locale,
        depth: u32,
    ) -> Result<Metered<Vec<String>>, ProviderError> {
        check_locale(locale)?;
        let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
        if keyword.is_empty() {
            return Err(ProviderError::invalid_request(PROVIDER, "empty keyword"));
        }
        let depth = depth.clamp(1, MAX_SERP_DEPTH);
        let task = SerpOrganicTask {
            keyword,
            location_code: locale.location_code,
            language_code: locale.language_code.clone(),
            depth,
        };
        let price = self.config.serp_estimate_per_10.times(i64::from(depth.div_ceil(10)));
        let outcome = self
            .call::<_, SerpResult>(SERP_ORGANIC, &task, price)
            .await
            .map_err(|e| e.with_operation("top_urls"))?;
        let urls = organic_urls(&outcome.checked.results, usize::try_from(depth).unwrap_or(usize::MAX));
        let mut usage = outcome.usage;
        usage.items = urls.len() as u64;
        record_call(PROVIDER, SERP_ORGANIC, &usage);
        Ok(Metered::new(urls, usage))
    }
}
