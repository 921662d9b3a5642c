//! Competitor sites and the normalization of their URLs.

use crate::error::InvalidInput;
use crate::ids::{CompetitorId, OrgId};
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Whether a competitor's keywords have been analysed.
    CompetitorStatus, "competitor analysis status" {
        /// Not analysed yet.
        Pending => "pending",
        /// Analysis running.
        Analyzing => "analyzing",
        /// Keywords found.
        Completed => "completed",
        /// Analysis failed.
        Failed => "failed",
    }
);

/// A competitor site of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationCompetitor {
    /// Id.
    pub id: CompetitorId,
    /// Owner.
    pub organization_id: OrgId,
    /// The URL as entered.
    pub url: String,
    /// The normalized URL (unique per organization).
    pub normalized_url: String,
    /// The registrable host, without `www.` (`example.com`).
    pub domain: String,
    /// Analysis status.
    pub analysis_status: CompetitorStatus,
    /// How many keywords the analysis found.
    pub keywords_found: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Updated.
    pub updated_at: DateTime<Utc>,
}

/// A competitor to add (upserted by normalized URL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewCompetitor {
    /// The URL as entered.
    pub url: String,
}

/// A normalized competitor URL: lower-case `https://host[:port]/path` without `www.`, default
/// ports, query, fragment or trailing slash; international hosts in punycode.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NormalizedUrl {
    /// The normalized URL.
    pub url: String,
    /// The host without `www.`.
    pub domain: String,
}

/// Normalizes a competitor URL as entered by a user (`Example.com/`, `http://www.example.com:80`,
/// `https://bücher.de`) so that the same site always compares equal.
///
/// # Errors
/// [`InvalidInput`] (field `competitor_url`) for empty input, unsupported schemes, URLs without a
/// host, IP-less junk such as `not a url`, hosts without a dot, or credentials in the URL.
pub fn normalize_competitor_url(input: &str) -> Result<NormalizedUrl, InvalidInput> {
    let err = |reason: &str| InvalidInput::new("competitor_url", reason);
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(err("empty"));
    }
    if trimmed.len() > 2048 {
        return Err(err("longer than 2048 bytes"));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err("contains whitespace or control characters"));
    }
    let with_scheme =
        if trimmed.contains("://") { trimmed.to_string() } else { format!("https://{trimmed}") };
    let parsed = url::Url::parse(&with_scheme).map_err(|e| err(&format!("not a url ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(err("only http and https urls are supported"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(err("credentials are not allowed in a competitor url"));
    }
    let host = match parsed.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => {
            return Err(err("ip addresses are not competitor sites"));
        }
        None => return Err(err("no host")),
    };
    let domain = host.strip_prefix("www.").unwrap_or(&host).to_string();
    if !domain.contains('.') || domain.starts_with('.') || domain.split('.').any(str::is_empty) {
        return Err(err("host is not a domain name"));
    }
    // `url` already dropped default ports (80 for http, 443 for https).
    let port = match parsed.port() {
        Some(443 | 80) | None => String::new(),
        Some(p) => format!(":{p}"),
    };
    let path = parsed.path().trim_end_matches('/').to_lowercase();
    Ok(NormalizedUrl { url: format!("https://{domain}{port}{path}"), domain })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_compares_equal() {
        let forms = [
            "example.com",
            "Example.COM/",
            "http://www.example.com:80",
            "https://www.example.com:443/",
            "https://example.com?utm=1#top",
            "  https://example.com.  ",
        ];
        for f in forms {
            let n = normalize_competitor_url(f).unwrap();
            assert_eq!(n.url, "https://example.com", "{f}");
            assert_eq!(n.domain, "example.com");
        }
    }

    #[test]
    fn keeps_paths_and_odd_ports() {
        let n = normalize_competitor_url("https://shop.example.com:8443/Blog/").unwrap();
        assert_eq!(n.url, "https://shop.example.com:8443/blog");
        assert_eq!(n.domain, "shop.example.com");
    }

    #[test]
    fn idn_becomes_punycode() {
        let n = normalize_competitor_url("https://www.Bücher.de").unwrap();
        assert_eq!(n.domain, "xn--bcher-kva.de");
    }

    #[test]
    fn rejects_junk() {
        for junk in [
            "",
            "   ",
            "not a url",
            "ftp://example.com",
            "localhost",
            "http://1.2.3.4",
            "https://user:pw@example.com",
            "https://",
            "javascript:alert(1)",
            "a..b",
        ] {
            assert!(normalize_competitor_url(junk).is_err(), "{junk:?} accepted");
        }
    }
}
