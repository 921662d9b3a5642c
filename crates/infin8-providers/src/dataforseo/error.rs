//! DataForSEO status codes → [`ProviderError`]: one function, [`map_status_code`], for every
//! documented code; the README's table says the same and a test keeps the two in step.
//!
//! HTTP is 200 for almost everything; the outcome is the envelope's `status_code`, at the top and
//! per task (<https://docs.dataforseo.com/v3/appendix/errors/>). Only 401, 402, 404 and 500 are
//! sent as HTTP statuses.

use crate::http::{error_for_status, truncate_message};
use infin8_core::provider::{ProviderError, ProviderErrorKind};
use std::time::Duration;

/// The provider name.
pub(crate) const PROVIDER: &str = "dataforseo";

/// Advice for credential failures.
pub(crate) const AUTH_HINT: &str = "check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD: the API login and password \
     from the DataForSEO dashboard (API access), not the account's e-mail password";

/// The internal status codes DataForSEO documents (errors appendix), with their messages.
pub(crate) const DOCUMENTED_CODES: &[(i64, &str)] = &[
    (20000, "Ok."),
    (20100, "Task Created."),
    (40000, "You can set only one task at a time."),
    (40001, "This id is used by another client, check the id."),
    (40002, "This id is used by another search engine, check the Path."),
    (40003, "This id is used by another search type, check the Path."),
    (40004, "This id is used by another function, check the id."),
    (40005, "This id is used by another device type, check the id."),
    (40006, "You can set no more than 100 tasks at a time."),
    (40100, "You are not authorized to access this resource."),
    (40101, "Internal SE Server Error."),
    (40102, "No Search Results."),
    (40103, "Task execution failed, please try to resubmit the task."),
    (40200, "Payment Required."),
    (
        40201,
        "Our algorithms found suspicious activity in your DataForSEO account. It has been temporarily blocked.",
    ),
    (40202, "The rate-limit per minute has been exceeded."),
    (40203, "The cost limit has been exceeded."),
    (
        40204,
        "Access denied. Visit Plans and Subscriptions to activate your subscription and get access to this API.",
    ),
    (40205, "The duplicate task limit per hour has been exceeded."),
    (40206, "The duplicate task limit per day has been exceeded."),
    (40207, "Access denied. Your IP is not whitelisted."),
    (40209, "Too many simultaneous requests."),
    (40400, "Not Found."),
    (40401, "Task Not Found."),
    (40402, "Invalid Path."),
    (40403, "Results Expired."),
    (40404, "No Prepared Data Found. Please Contact Our Support Team."),
    (40501, "Invalid Field."),
    (40502, "POST Data Is Empty."),
    (40503, "POST Data Is Invalid."),
    (40504, "The number of intersecting keywords for the specified domains exceeds 10 million."),
    (40505, "You are using old data."),
    (40506, "Unknown Fields in POST Data."),
    (40601, "Task Handed."),
    (40602, "Task In Queue."),
    (50000, "Internal Error."),
    (50001, "Error While Checking the Balance."),
    (50100, "Not Implemented."),
    (50301, "3rd Party API Service Unavailable."),
    (50303, "Update in progress. Please try after a few minutes."),
    (50304, "This function temporarily unavailable. Please contact support for more information."),
    (50401, "Internal Error - Timeout."),
];

/// What a DataForSEO status code means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StatusOutcome {
    /// `20000 Ok.` and other 2xxxx codes.
    Ok,
    /// `40102 No Search Results.`: success with zero rows.
    Empty,
    /// A failure.
    Failed(Box<FailureKind>),
}

/// A failed status, before it becomes an error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FailureKind {
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl FailureKind {
    /// The typed error.
    pub(crate) fn to_error(&self) -> ProviderError {
        map_status_code(self.code, &self.message)
    }

    /// Whether DataForSEO bills a task that ends with this code even when it reports no cost
    /// (`40101`: "the request was successfully submitted … billable",
    /// <https://dataforseo.com/help-center/what-does-the-40101-error-mean>).
    pub(crate) fn billed_without_result(&self) -> bool {
        self.code == 40101
    }
}

/// Classifies an envelope or task status code.
pub(crate) fn classify(code: Option<i64>, message: Option<&str>) -> StatusOutcome {
    match code {
        // An envelope without a status: accept what it carries; tasks are checked one by one.
        None => StatusOutcome::Ok,
        Some(20000..=20999) => StatusOutcome::Ok,
        Some(40102) => StatusOutcome::Empty,
        Some(code) => StatusOutcome::Failed(Box::new(FailureKind {
            code,
            message: message.unwrap_or("no message").to_string(),
        })),
    }
}

fn mentions_money(message: &str) -> bool {
    let m = message.to_lowercase();
    ["balance", "funds", "payment", "money", "credit", "billing", "cost limit"].iter().any(|w| m.contains(w))
}

/// The kind of a failed DataForSEO status code, its wait hint, and what the user can do. Codes
/// not in the appendix fall back on their family (`400xx` request, `401xx` task, `402xx`
/// account, `404xx` not found, `405xx` invalid data, `406xx` task state, `5xxxx` server).
pub(crate) fn kind_of_code(code: i64, message: &str) -> (ProviderErrorKind, Option<Duration>, &'static str) {
    use ProviderErrorKind::{Auth, BadRequest, NotFound, QuotaExhausted, RateLimited, Transient};
    const INPUT: &str = "DataForSEO refused the task's data; check the keywords, domain and locale sent";
    match code {
        40000..=40006 => {
            (BadRequest, None, "a client bug: report it (DataForSEO live endpoints take one task per call)")
        }
        40100 => (Auth, None, AUTH_HINT),
        // "DataForSEO automatically retries … if the search engine continues to return the same
        // error … the task is completed with 40101": billed; another try may succeed.
        40101 => {
            (Transient, None, "the search engine failed this task (DataForSEO bills it); run again later")
        }
        40103 => (Transient, None, "DataForSEO asks to resubmit the task; run again"),
        40200 => {
            (QuotaExhausted, None, "top up the DataForSEO balance (dashboard → billing), then run again")
        }
        40201 => (Auth, None, "the DataForSEO account is blocked; contact DataForSEO support"),
        40202 => (RateLimited, None, "wait and run again, or lower the keyword research concurrency"),
        40203 => (
            QuotaExhausted,
            None,
            "raise the cost limit in the DataForSEO dashboard (API settings → API limits), or wait until the \
             daily limit resets at 00:00 UTC",
        ),
        40204 => (
            Auth,
            None,
            "activate a subscription to this API in the DataForSEO dashboard (Plans and Subscriptions)",
        ),
        40205 => (
            RateLimited,
            Some(Duration::from_secs(3600)),
            "the same task was sent too often this hour: wait, or raise the duplicate-task limit in the \
             DataForSEO dashboard (API settings → API limits)",
        ),
        40206 => (
            QuotaExhausted,
            None,
            "the same task was sent too often today: raise the duplicate-task limit in the DataForSEO \
             dashboard (API settings → API limits), or wait until tomorrow",
        ),
        40207 => (
            Auth,
            None,
            "add this machine's IP address to the whitelist in the DataForSEO dashboard (API access)",
        ),
        40209 => (RateLimited, None, "wait and run again, or lower the keyword research concurrency"),
        40400..=40499 => (NotFound, None, "check DATAFORSEO_BASE_URL and the endpoint path"),
        40500..=40599 => (BadRequest, None, INPUT),
        40601 | 40602 => (Transient, None, "the task is not finished yet; run again later"),
        50100 => (BadRequest, None, "this DataForSEO function is not implemented; report it"),
        50303 => {
            (Transient, Some(Duration::from_secs(120)), "DataForSEO is updating; run again in a few minutes")
        }
        _ => family_of(code, message),
    }
}

/// The kind of a code the appendix does not list, by its family.
fn family_of(code: i64, message: &str) -> (ProviderErrorKind, Option<Duration>, &'static str) {
    use ProviderErrorKind::{BadRequest, NotFound, QuotaExhausted, Transient};
    match code / 100 {
        400 | 401 | 405 => {
            (BadRequest, None, "DataForSEO refused the task; check the keywords, domain and locale sent")
        }
        402 if mentions_money(message) => {
            (QuotaExhausted, None, "check the DataForSEO balance and limits in the dashboard")
        }
        402 => (QuotaExhausted, None, "check the DataForSEO account's limits in the dashboard"),
        404 => (NotFound, None, "check DATAFORSEO_BASE_URL and the endpoint path"),
        406 | 500..=599 => (Transient, None, "a temporary DataForSEO failure; run again later"),
        // Not retried: another attempt could be billed for the same unknown outcome.
        _ => {
            (BadRequest, None, "DataForSEO answered with a status code this client does not know; report it")
        }
    }
}

/// The error for a failed DataForSEO status code: its kind, the provider's message once, the
/// code, and what to do.
pub(crate) fn map_status_code(code: i64, message: &str) -> ProviderError {
    let (kind, wait, hint) = kind_of_code(code, message);
    let message = match message.trim() {
        // No message (or a placeholder): the documented one.
        "" | "no message" => {
            DOCUMENTED_CODES.iter().find(|(c, _)| *c == code).map_or("no message", |(_, m)| m).to_string()
        }
        said => truncate_message(said),
    };
    error_of_kind(kind, message, wait).with_code(code.to_string()).with_hint(hint)
}

/// A DataForSEO error of `kind`.
fn error_of_kind(kind: ProviderErrorKind, message: String, wait: Option<Duration>) -> ProviderError {
    let provider = PROVIDER.to_string();
    match kind {
        ProviderErrorKind::Auth => ProviderError::Auth { provider, message },
        ProviderErrorKind::RateLimited => ProviderError::RateLimited { provider, retry_after: wait, message },
        ProviderErrorKind::QuotaExhausted => ProviderError::QuotaExhausted { provider, message },
        ProviderErrorKind::BadRequest => {
            ProviderError::BadRequest { provider, status: None, code: None, message }
        }
        ProviderErrorKind::NotFound => ProviderError::NotFound { provider, message },
        ProviderErrorKind::Decode => ProviderError::Decode { provider, message, excerpt: String::new() },
        _ => ProviderError::Unavailable { provider, status: None, message }.with_retry_after(wait),
    }
}

/// The error for a non-200 HTTP status (`401`, `402`, `404`, `500`), using the envelope's code
/// and message when there is one.
pub(crate) fn map_http_status(
    status: u16,
    retry_after: Option<Duration>,
    code: Option<i64>,
    message: &str,
) -> ProviderError {
    let error = match code.filter(|c| *c >= 40000) {
        // The envelope says more than the HTTP status (e.g. 402 with 40200 or 40203).
        Some(code) => return map_status_code(code, message).with_retry_after(retry_after),
        None => error_for_status(PROVIDER, status, retry_after, None, message),
    };
    match status {
        401 | 403 => error.with_hint(AUTH_HINT),
        402 => error.with_hint("top up the DataForSEO balance (dashboard → billing), then run again"),
        404 => error.with_hint("check DATAFORSEO_BASE_URL (e.g. https://api.dataforseo.com, without /v3)"),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProviderErrorKind::{Auth, BadRequest, NotFound, QuotaExhausted, RateLimited, Transient};

    /// One test per documented code: `row!(name, code, kind)`.
    macro_rules! row {
        ($name:ident, $code:expr, $kind:expr) => {
            #[test]
            fn $name() {
                let message = DOCUMENTED_CODES
                    .iter()
                    .find(|(c, _)| *c == $code)
                    .map(|(_, m)| *m)
                    .expect("a documented code");
                let e = map_status_code($code, message);
                assert_eq!(e.kind(), $kind, "{e}");
                assert_eq!(e.code(), Some(stringify!($code)));
                assert_eq!(e.message(), message, "the provider's message, kept as is");
                let text = e.to_string();
                assert_eq!(text.matches(stringify!($code)).count(), 1, "the code once: {text}");
                assert!(text.starts_with("dataforseo"), "{text}");
                assert!(text.contains("What to do: "), "{text}");
            }
        };
    }

    row!(code_40000_one_task_at_a_time, 40000, BadRequest);
    row!(code_40001_id_of_another_client, 40001, BadRequest);
    row!(code_40002_id_of_another_engine, 40002, BadRequest);
    row!(code_40003_id_of_another_type, 40003, BadRequest);
    row!(code_40004_id_of_another_function, 40004, BadRequest);
    row!(code_40005_id_of_another_device, 40005, BadRequest);
    row!(code_40006_too_many_tasks, 40006, BadRequest);
    row!(code_40100_not_authorized, 40100, Auth);
    row!(code_40101_internal_se_error_is_transient, 40101, Transient);
    row!(code_40103_resubmit_is_transient, 40103, Transient);
    row!(code_40200_payment_required, 40200, QuotaExhausted);
    row!(code_40201_account_blocked, 40201, Auth);
    row!(code_40202_rate_limit_per_minute, 40202, RateLimited);
    row!(code_40203_cost_limit_is_quota, 40203, QuotaExhausted);
    row!(code_40204_no_subscription, 40204, Auth);
    row!(code_40205_duplicates_per_hour, 40205, RateLimited);
    row!(code_40206_duplicates_per_day, 40206, QuotaExhausted);
    row!(code_40207_ip_not_whitelisted, 40207, Auth);
    row!(code_40209_simultaneous_requests, 40209, RateLimited);
    row!(code_40400_not_found, 40400, NotFound);
    row!(code_40401_task_not_found, 40401, NotFound);
    row!(code_40402_invalid_path, 40402, NotFound);
    row!(code_40403_results_expired, 40403, NotFound);
    row!(code_40404_no_prepared_data, 40404, NotFound);
    row!(code_40501_invalid_field, 40501, BadRequest);
    row!(code_40502_post_data_empty, 40502, BadRequest);
    row!(code_40503_post_data_invalid, 40503, BadRequest);
    row!(code_40504_too_many_intersections, 40504, BadRequest);
    row!(code_40505_old_data, 40505, BadRequest);
    row!(code_40506_unknown_fields, 40506, BadRequest);
    row!(code_40601_task_handed, 40601, Transient);
    row!(code_40602_task_in_queue, 40602, Transient);
    row!(code_50000_internal_error, 50000, Transient);
    row!(code_50001_balance_check_failed, 50001, Transient);
    row!(code_50100_not_implemented, 50100, BadRequest);
    row!(code_50301_third_party_unavailable, 50301, Transient);
    row!(code_50303_update_in_progress, 50303, Transient);
    row!(code_50304_function_unavailable, 50304, Transient);
    row!(code_50401_internal_timeout, 50401, Transient);

    #[test]
    fn success_codes_are_not_errors() {
        assert_eq!(classify(Some(20000), None), StatusOutcome::Ok);
        assert_eq!(classify(Some(20100), Some("Task Created.")), StatusOutcome::Ok);
        assert_eq!(classify(Some(40102), Some("No Search Results.")), StatusOutcome::Empty);
        assert_eq!(classify(None, None), StatusOutcome::Ok);
    }

    #[test]
    fn the_cost_limit_keeps_its_message_and_says_what_to_do() {
        let message = "The cost limit has been exceeded. You can modify your cost limit in the user panel \
                       https://app.dataforseo.com/api-dashboard .";
        let e = map_status_code(40203, message).with_operation("keyword_suggestions");
        assert_eq!(e.kind(), QuotaExhausted);
        assert!(!e.is_retryable());
        let text = e.to_string();
        assert!(
            text.starts_with(
                "dataforseo keyword_suggestions: quota or spending limit exhausted: The cost limit"
            ),
            "{text}"
        );
        assert!(text.contains("raise the cost limit"), "{text}");
    }

    #[test]
    fn undocumented_codes_fall_back_on_their_family() {
        assert_eq!(map_status_code(40299, "Insufficient balance").kind(), QuotaExhausted);
        assert_eq!(map_status_code(40099, "x").kind(), BadRequest);
        assert_eq!(map_status_code(40499, "x").kind(), NotFound);
        assert_eq!(map_status_code(40599, "x").kind(), BadRequest);
        assert_eq!(map_status_code(40699, "x").kind(), Transient);
        assert_eq!(map_status_code(59999, "x").kind(), Transient);
        assert_eq!(map_status_code(31337, "x").kind(), BadRequest);
        assert_eq!(map_status_code(40205, "x").retry_after(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn http_statuses_use_the_envelope_code_when_there_is_one() {
        assert_eq!(map_http_status(401, None, None, "Unauthorized").kind(), Auth);
        assert!(map_http_status(401, None, None, "x").hint().contains("DATAFORSEO_LOGIN"));
        assert_eq!(map_http_status(402, None, Some(40200), "Payment Required.").kind(), QuotaExhausted);
        assert_eq!(
            map_http_status(402, None, Some(40203), "The cost limit has been exceeded.").code(),
            Some("40203")
        );
        assert_eq!(map_http_status(404, None, None, "Not Found").kind(), NotFound);
        assert_eq!(map_http_status(500, None, None, "Internal Server Error").kind(), Transient);
        assert_eq!(map_http_status(500, None, Some(50000), "Internal Error.").code(), Some("50000"));
    }

    /// The README's table and [`kind_of_code`] say the same thing, row by row.
    #[test]
    fn the_readme_table_matches_the_mapping() {
        let readme = include_str!("../../README.md");
        let mut seen = Vec::new();
        for line in readme.lines().filter(|l| l.starts_with("| `") && l.contains("| dataforseo |")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Ok(code) = cells[1].trim_matches('`').parse::<i64>() else { continue };
            let (kind, _, _) = kind_of_code(code, "");
            let expected = match classify(Some(code), None) {
                StatusOutcome::Failed(_) => kind.as_str(),
                _ => "success",
            };
            assert_eq!(cells[3], expected, "README row for {code}");
            seen.push(code);
        }
        for (code, _) in DOCUMENTED_CODES {
            assert!(seen.contains(code), "{code} missing from the README table");
        }
    }
}
