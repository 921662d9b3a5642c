//! Pure retry arithmetic: server hints and jittered delays.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// The wait a response asks for: `retry-after-ms` (milliseconds, OpenAI), else `Retry-After` as
/// seconds (integer or decimal) or as an HTTP date (relative to `now`; a past date means zero).
/// Unparsable or negative values are ignored.
#[must_use]
pub fn parse_retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::try_from_secs_f64(secs).ok()).flatten();
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// [`parse_retry_after`] over response headers.
pub(crate) fn retry_after_from_headers(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    parse_retry_after(get("retry-after-ms"), get("retry-after"), SystemTime::now())
}

/// A uniformly random delay in `0..=ceiling` ("full jitter").
pub(crate) fn full_jitter(ceiling: Duration, rng: &mut fastrand::Rng) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rng.u64(0..=nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_retry_after_form() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(None, Some("7"), now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(None, Some(" 1.5 "), now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after(Some("250"), Some("7"), now), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after(Some("junk"), Some("2"), now), Some(Duration::from_secs(2)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(None, Some(&later), now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(None, Some(&past), now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(None, Some("-3"), now), None);
        assert_eq!(parse_retry_after(None, Some("soon"), now), None);
        assert_eq!(parse_retry_after(None, Some("1e400"), now), None);
        assert_eq!(parse_retry_after(None, None, now), None);
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        let mut rng = fastrand::Rng::with_seed(1);
        let ceiling = Duration::from_millis(100);
        let draws: Vec<Duration> = (0..200).map(|_| full_jitter(ceiling, &mut rng)).collect();
        assert!(draws.iter().all(|d| *d <= ceiling));
        assert!(draws.iter().any(|d| *d < Duration::from_millis(20)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(80)));
    }
}
