//! The error type of the provider boundary: one taxonomy for every provider.

use super::metered::ProviderUsage;
use crate::money::Usd;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of failure a [`ProviderError`] is — what a caller should do about it. Every
/// provider's own codes map onto these (see the `infin8-providers` README for the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderErrorKind {
    /// A temporary failure: HTTP 5xx or 408, a timeout, a dropped connection, a task the
    /// provider asks to resubmit (DataForSEO `40103`, `50000`). Retry, after
    /// [`retry_after`](ProviderError::retry_after) when given.
    Transient,
    /// Too many requests (HTTP 429, DataForSEO `40202`). Retry after
    /// [`retry_after`](ProviderError::retry_after) or a backoff.
    RateLimited,
    /// Out of credit, quota or a spending limit (HTTP 402, OpenAI `insufficient_quota`, Tavily
    /// 432/433, DataForSEO `40200`, `40203`). Never retried: someone must top up or raise the
    /// limit.
    QuotaExhausted,
    /// Credentials missing or wrong, or lacking a permission (HTTP 401/403, WordPress
    /// `rest_cannot_create`, DataForSEO `40100`). Never retried.
    Auth,
    /// The provider rejected the request as invalid, or we refused to send an invalid one.
    /// Never retried.
    BadRequest,
    /// The remote object or endpoint does not exist (a deleted post, a wrong model name or URL).
    NotFound,
    /// The response could not be understood (a truncated or malformed body, a JSON answer that
    /// fails its schema). A malformed 2xx body is retried by the HTTP layer a bounded number of
    /// times before this is returned; the error itself is not retryable.
    Decode,
}

impl ProviderErrorKind {
    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Transient | Self::RateLimited)
    }

    /// A short name (`"transient"`, `"rate_limited"`, `"quota_exhausted"`, `"auth"`,
    /// `"bad_request"`, `"not_found"`, `"decode"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::RateLimited => "rate_limited",
            Self::QuotaExhausted => "quota_exhausted",
            Self::Auth => "auth",
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::Decode => "decode",
        }
    }

    /// What a user can do about an error of this kind, when the provider gave no better advice.
    #[must_use]
    pub fn default_hint(self) -> &'static str {
        match self {
            Self::Transient => "this is temporary; run again later",
            Self::RateLimited => "wait and run again, or lower this provider's concurrency or rate limit",
            Self::QuotaExhausted => {
                "top up the account or raise its spending limit with the provider, then run again"
            }
            Self::Auth => "check this provider's credentials and what the account is allowed to do",
            Self::BadRequest => "the provider refused this request; check the input and the configuration",
            Self::NotFound => "check the configured URL, model name or remote id",
            Self::Decode => {
                "the provider's response could not be read; run again, and report it if it persists"
            }
        }
    }
}

impl fmt::Display for ProviderErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a provider error says beyond its kind and message: the operation that failed, the
/// provider's own code, a wait hint, what the failed call was billed, and what to do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorContext {
    operation: Option<String>,
    code: Option<String>,
    retry_after: Option<Duration>,
    billed: Option<ProviderUsage>,
    hint: Option<String>,
}

/// What went wrong talking to a provider (keyword research, web research, language model,
/// embedder, publisher).
///
/// Match on [`kind`](Self::kind), not on the variants: real clients return their errors wrapped
/// in [`Context`](Self::Context) (the operation, the provider's code, what the failed call was
/// billed, advice), and every accessor sees through it. [`is_retryable`](Self::is_retryable) says
/// whether trying the same call again can help; [`retry_after`](Self::retry_after) carries the
/// provider's hint; [`billed`](Self::billed) what a failed call cost anyway. Messages name the
/// provider and the operation, quote the provider's message once, and say what to do; they never
/// contain credentials.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProviderError {
    /// Credentials missing, wrong or lacking permission (HTTP 401/403). Not retryable.
    Auth {
        /// Provider name (`"dataforseo"`, `"tavily"`, …).
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// Too many requests; retry after the hinted delay.
    RateLimited {
        /// Provider name.
        provider: String,
        /// The provider's hint (`Retry-After`, `retry-after-ms`), if any.
        retry_after: Option<Duration>,
        /// The provider's message.
        message: String,
    },
    /// The account is out of credit, quota or a spending limit. Never retried.
    QuotaExhausted {
        /// Provider name.
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// The provider rejected the request as malformed or invalid. Not retryable.
    BadRequest {
        /// Provider name.
        provider: String,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The provider's own error code (`"rest_invalid_param"`, `"40501"`, …), if any.
        code: Option<String>,
        /// The provider's message.
        message: String,
    },
    /// The requested remote object does not exist (HTTP 404 on a specific resource).
    NotFound {
        /// Provider name.
        provider: String,
        /// The provider's message.
        message: String,
    },
    /// The provider is temporarily failing (HTTP 5xx, 408, DataForSEO 50000). Retryable.
    Unavailable {
        /// Provider name.
        provider: String,
        /// HTTP status, if any.
        status: Option<u16>,
        /// The provider's message.
        message: String,
    },
    /// The call did not complete in time. Retryable.
    Timeout {
        /// Provider name.
        provider: String,
    },
    /// The connection failed (DNS, TCP, TLS). Retryable.
    Transport {
        /// Provider name.
        provider: String,
        /// What failed.
        message: String,
        /// The underlying error.
        source: Option<BoxError>,
    },
    /// The response could not be understood. Not retryable (the HTTP layer has already retried a
    /// malformed 2xx body a bounded number of times).
    Decode {
        /// Provider name.
        provider: String,
        /// What was wrong.
        message: String,
        /// The first few hundred characters of the body (never headers).
        excerpt: String,
    },
    /// The request we were asked to make is invalid before sending it (empty input, bad
    /// configuration). Not retryable.
    InvalidRequest {
        /// Provider name.
        provider: String,
        /// What was wrong.
        message: String,
    },
    /// Another error with its context (see [`ErrorContext`]). Built by the `with_*` methods;
    /// never nested.
    Context {
        /// The error.
        error: Box<ProviderError>,
        /// Its context.
        context: Box<ErrorContext>,
    },
}

impl ProviderError {
    /// The error without its context.
    #[must_use]
    pub fn root(&self) -> &ProviderError {
        match self {
            Self::Context { error, .. } => error.root(),
            other => other,
        }
    }

    fn context(&self) -> Option<&ErrorContext> {
        match self {
            Self::Context { context, .. } => Some(context),
            _ => None,
        }
    }

    fn context_mut(&mut self) -> &mut ErrorContext {
        if !matches!(self, Self::Context { .. }) {
            let placeholder = Self::Timeout { provider: String::new() };
            let error = std::mem::replace(self, placeholder);
            *self = Self::Context { error: Box::new(error), context: Box::default() };
        }
        match self {
            Self::Context { context, .. } => context,
            // Just made a `Context`.
            _ => unreachable!("wrapped above"),
        }
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ProviderErrorKind {
        match self.root() {
            Self::Auth { .. } => ProviderErrorKind::Auth,
            Self::RateLimited { .. } => ProviderErrorKind::RateLimited,
            Self::QuotaExhausted { .. } => ProviderErrorKind::QuotaExhausted,
            Self::BadRequest { .. } | Self::InvalidRequest { .. } => ProviderErrorKind::BadRequest,
            Self::NotFound { .. } => ProviderErrorKind::NotFound,
            Self::Unavailable { .. } | Self::Timeout { .. } | Self::Transport { .. } => {
                ProviderErrorKind::Transient
            }
            Self::Decode { .. } => ProviderErrorKind::Decode,
            // `root` never returns a `Context`.
            Self::Context { .. } => ProviderErrorKind::Transient,
        }
    }

    /// Whether the same call may succeed if tried again later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind().is_retryable()
    }

    /// The provider's hint of how long to wait before retrying (rate limits, and temporary
    /// failures that said).
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        let own = match self.root() {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        };
        own.or_else(|| self.context().and_then(|c| c.retry_after))
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        match self.root() {
            Self::Auth { provider, .. }
            | Self::RateLimited { provider, .. }
            | Self::QuotaExhausted { provider, .. }
            | Self::BadRequest { provider, .. }
            | Self::NotFound { provider, .. }
            | Self::Unavailable { provider, .. }
            | Self::Timeout { provider }
            | Self::Transport { provider, .. }
            | Self::Decode { provider, .. }
            | Self::InvalidRequest { provider, .. } => provider,
            Self::Context { .. } => "",
        }
    }

    /// The operation that failed (`"keyword_suggestions"`, `"create_post"`), when known.
    #[must_use]
    pub fn operation(&self) -> Option<&str> {
        self.context().and_then(|c| c.operation.as_deref())
    }

    /// The provider's own error code (`"40203"`, `"rest_cannot_create"`, `"insufficient_quota"`),
    /// when it gave one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        self.context().and_then(|c| c.code.as_deref()).or(match self.root() {
            Self::BadRequest { code, .. } => code.as_deref(),
            _ => None,
        })
    }

    /// The provider's own message (or, for errors with none, what failed).
    #[must_use]
    pub fn message(&self) -> &str {
        match self.root() {
            Self::Auth { message, .. }
            | Self::RateLimited { message, .. }
            | Self::QuotaExhausted { message, .. }
            | Self::BadRequest { message, .. }
            | Self::NotFound { message, .. }
            | Self::Unavailable { message, .. }
            | Self::Transport { message, .. }
            | Self::Decode { message, .. }
            | Self::InvalidRequest { message, .. } => message,
            Self::Timeout { .. } => "no complete answer in time",
            Self::Context { .. } => "",
        }
    }

    /// The HTTP status, when the error carries one.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self.root() {
            Self::BadRequest { status, .. } | Self::Unavailable { status, .. } => *status,
            _ => None,
        }
    }

    /// What the provider billed for the failed call, by its documented billing rules (e.g. a
    /// DataForSEO task that failed with `40101` is billed at the endpoint's price; a completion
    /// whose answer failed its schema was paid for). `None` when the failure cost nothing. The
    /// engine commits it to the usage ledger as actual cost (see
    /// [`ProviderUsage::charged`]).
    #[must_use]
    pub fn billed(&self) -> Option<&ProviderUsage> {
        self.context().and_then(|c| c.billed.as_ref()).filter(|u| u.cost > Usd::ZERO || u.items > 0)
    }

    /// [`billed`](Self::billed)'s cost, zero when nothing was billed.
    #[must_use]
    pub fn billed_cost(&self) -> Usd {
        self.billed().map_or(Usd::ZERO, |u| u.cost)
    }

    /// What a user can do about it: the provider's advice (which names the setting or
    /// environment variable to fix), else the kind's.
    #[must_use]
    pub fn hint(&self) -> Cow<'_, str> {
        match self.context().and_then(|c| c.hint.as_deref()) {
            Some(h) => Cow::Borrowed(h),
            None => Cow::Borrowed(self.kind().default_hint()),
        }
    }

    /// Names the operation that failed.
    #[must_use]
    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.context_mut().operation = Some(operation.into());
        self
    }

    /// Records the provider's own error code.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        let code = code.into();
        if !code.is_empty() {
            self.context_mut().code = Some(code);
        }
        self
    }

    /// Records a wait hint (for temporary failures; rate limits carry theirs).
    #[must_use]
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        if retry_after.is_some() {
            self.context_mut().retry_after = retry_after;
        }
        self
    }

    /// Records what the failed call was billed (replacing any earlier amount: pass the total).
    #[must_use]
    pub fn with_billed(mut self, usage: ProviderUsage) -> Self {
        self.context_mut().billed = Some(usage);
        self
    }

    /// Sets the advice shown to the user (name the setting or variable to fix).
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.context_mut().hint = Some(hint.into());
        self
    }

    /// Shorthand for [`ProviderError::Unavailable`] without status.
    pub fn unavailable(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Unavailable { provider: provider.into(), status: None, message: message.into() }
    }

    /// Shorthand for [`ProviderError::InvalidRequest`].
    pub fn invalid_request(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidRequest { provider: provider.into(), message: message.into() }
    }

    /// Shorthand for [`ProviderError::Decode`], truncating the excerpt to 300 characters.
    pub fn decode(provider: impl Into<String>, message: impl Into<String>, body: &str) -> Self {
        Self::Decode {
            provider: provider.into(),
            message: message.into(),
            excerpt: body.chars().take(300).collect(),
        }
    }

    /// Shorthand for [`ProviderError::Auth`].
    pub fn auth(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Auth { provider: provider.into(), message: message.into() }
    }

    /// Shorthand for [`ProviderError::QuotaExhausted`].
    pub fn quota_exhausted(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::QuotaExhausted { provider: provider.into(), message: message.into() }
    }

    /// Shorthand for [`ProviderError::RateLimited`].
    pub fn rate_limited(
        provider: impl Into<String>,
        retry_after: Option<Duration>,
        message: impl Into<String>,
    ) -> Self {
        Self::RateLimited { provider: provider.into(), retry_after, message: message.into() }
    }

    /// Shorthand for [`ProviderError::NotFound`].
    pub fn not_found(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::NotFound { provider: provider.into(), message: message.into() }
    }

    /// Shorthand for [`ProviderError::BadRequest`] without status or code.
    pub fn bad_request(provider: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest { provider: provider.into(), status: None, code: None, message: message.into() }
    }

    /// What happened, in a few words.
    fn summary(&self) -> Cow<'static, str> {
        match self.root() {
            Self::Auth { .. } => "authentication failed".into(),
            Self::RateLimited { .. } => "rate limited".into(),
            Self::QuotaExhausted { .. } => "quota or spending limit exhausted".into(),
            Self::BadRequest { .. } => "request rejected".into(),
            Self::NotFound { .. } => "not found".into(),
            Self::Unavailable { .. } => "temporarily unavailable".into(),
            Self::Timeout { .. } => "timed out".into(),
            Self::Transport { .. } => "connection failed".into(),
            Self::Decode { .. } => "unreadable response".into(),
            Self::InvalidRequest { .. } => "invalid request, not sent".into(),
            Self::Context { .. } => "failed".into(),
        }
    }
}

/// `provider operation: what happened: the provider's message (code, http status, wait).
/// billed. what to do.` — each part once.
impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.provider())?;
        if let Some(op) = self.operation() {
            write!(f, " {op}")?;
        }
        write!(f, ": {}", self.summary())?;
        let message = self.message().trim().trim_end_matches('.');
        if !message.is_empty() && !matches!(self.root(), Self::Timeout { .. }) {
            write!(f, ": {message}")?;
        }
        let mut details: Vec<String> = Vec::new();
        if let Some(code) = self.code().filter(|c| !message.contains(*c)) {
            details.push(format!("code {code}"));
        }
        if let Some(status) = self.status() {
            details.push(format!("http {status}"));
        }
        if let Some(wait) = self.retry_after() {
            details.push(format!("retry after {wait:?}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        if let Self::Decode { excerpt, .. } = self.root()
            && !excerpt.is_empty()
        {
            write!(f, "; the body starts {excerpt:?}")?;
        }
        if let Some(billed) = self.billed() {
            write!(f, ". The failed call was billed {}", billed.cost)?;
        }
        write!(f, ". What to do: {}", self.hint())
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.root() {
            Self::Transport { source: Some(s), .. } => Some(s.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_retryability() {
        let cases = [
            (ProviderError::auth("p", "m"), ProviderErrorKind::Auth, false),
            (ProviderError::rate_limited("p", None, "m"), ProviderErrorKind::RateLimited, true),
            (ProviderError::quota_exhausted("p", "m"), ProviderErrorKind::QuotaExhausted, false),
            (ProviderError::bad_request("p", "m"), ProviderErrorKind::BadRequest, false),
            (ProviderError::invalid_request("p", "m"), ProviderErrorKind::BadRequest, false),
            (ProviderError::not_found("p", "m"), ProviderErrorKind::NotFound, false),
            (ProviderError::unavailable("p", "m"), ProviderErrorKind::Transient, true),
            (ProviderError::Timeout { provider: "p".into() }, ProviderErrorKind::Transient, true),
            (ProviderError::decode("p", "m", "{"), ProviderErrorKind::Decode, false),
        ];
        for (error, kind, retryable) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!(error.is_retryable(), retryable, "{error}");
            let wrapped = error.with_operation("op").with_code("c");
            assert_eq!(wrapped.kind(), kind, "context is transparent");
            assert_eq!(wrapped.is_retryable(), retryable);
            assert_eq!(wrapped.provider(), "p");
        }
    }

    #[test]
    fn context_is_never_nested_and_accessors_see_through_it() {
        let usage = ProviderUsage { cost: Usd::from_micros(10_100), requests: 2, ..ProviderUsage::default() };
        let e = ProviderError::unavailable("dataforseo", "Internal SE Server Error.")
            .with_operation("keyword_suggestions")
            .with_code("40101")
            .with_retry_after(Some(Duration::from_secs(3)))
            .with_billed(usage)
            .with_hint("run again");
        assert!(
            matches!(&e, ProviderError::Context { error, .. } if !matches!(**error, ProviderError::Context { .. }))
        );
        assert_eq!(e.operation(), Some("keyword_suggestions"));
        assert_eq!(e.code(), Some("40101"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.billed_cost(), Usd::from_micros(10_100));
        assert_eq!(e.message(), "Internal SE Server Error.");
        assert_eq!(e.hint(), "run again");
        assert!(ProviderError::auth("p", "m").billed().is_none());
        let unbilled = ProviderError::auth("p", "m").with_billed(ProviderUsage::default());
        assert!(unbilled.billed().is_none(), "zero usage is no bill");
    }

    #[test]
    fn messages_say_each_part_once() {
        let e = ProviderError::bad_request(
            "dataforseo",
            "Task execution failed, please try to resubmit the task.",
        )
        .with_operation("keyword_suggestions")
        .with_code("40103");
        let text = e.to_string();
        assert_eq!(
            text,
            "dataforseo keyword_suggestions: request rejected: Task execution failed, please try to \
             resubmit the task (code 40103). What to do: the provider refused this request; check the \
             input and the configuration"
        );
        assert_eq!(text.matches("40103").count(), 1);
        let e = ProviderError::BadRequest {
            provider: "wordpress".into(),
            status: Some(400),
            code: Some("rest_invalid_param".into()),
            message: "rest_invalid_param: Invalid parameter(s): status".into(),
        };
        assert_eq!(e.to_string().matches("rest_invalid_param").count(), 1, "{e}");
        let e = ProviderError::rate_limited("tavily", Some(Duration::from_secs(7)), "rate limit exceeded");
        assert!(e.to_string().contains("(retry after 7s)"), "{e}");
        assert!(!e.to_string().contains("retryable"));
        let billed = ProviderError::unavailable("dataforseo", "Internal SE Server Error.")
            .with_billed(ProviderUsage { cost: Usd::from_micros(10_100), ..ProviderUsage::default() });
        assert!(billed.to_string().contains("billed $0.010100"), "{billed}");
    }
}
