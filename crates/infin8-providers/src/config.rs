//! Configuration errors, shared by every client's `from_env` and the offline set.

use std::path::Path;

/// A client or the offline set could not be configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set (or is empty).
    #[error("environment variable {name} is not set")]
    MissingVar {
        /// The variable's name.
        name: &'static str,
    },
    /// Some of a service's variables are set but a required one is not: an error, not a silent
    /// fallback to the offline stand-in.
    #[error(
        "{set} is set but {missing} is not: set {missing} to use {service}, or unset {set} (and the other \
         {service} variables) to use the offline stand-in"
    )]
    PartlyConfigured {
        /// The service (`"DataForSEO"`, `"WordPress"`, …).
        service: &'static str,
        /// A variable of the service that is set.
        set: &'static str,
        /// The required variable that is missing.
        missing: &'static str,
    },
    /// A setting has an invalid value. The message never contains a secret.
    #[error("invalid {setting}: {message}")]
    Invalid {
        /// Which setting.
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("http client: {message}")]
    Http {
        /// What failed.
        message: String,
    },
}

impl ConfigError {
    /// The environment variable (or setting) to fix, when the error names one.
    #[must_use]
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            Self::MissingVar { name } => Some(name),
            Self::PartlyConfigured { missing, .. } => Some(missing),
            Self::Invalid { setting, .. } => Some(setting),
            _ => None,
        }
    }

    pub(crate) fn invalid(setting: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { setting, message: message.into() }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.display().to_string(), source }
    }
}
/// Where configuration variables come from: the process environment ([`process_env`]) or, in
/// tests and hosts with their own configuration system, any lookup.
pub type VarLookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Reads a variable from the process environment.
#[must_use]
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Reads a variable, treating empty (or blank) as unset.
pub(crate) fn var(get: VarLookup<'_>, name: &'static str) -> Option<String> {
    get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Reads a required variable.
pub(crate) fn require(get: VarLookup<'_>, name: &'static str) -> Result<String, ConfigError> {
    var(get, name).ok_or(ConfigError::MissingVar { name })
}

/// Parses a base URL: `http` or `https`, no credentials in it, with a trailing `/` so relative
/// paths join beneath it.
pub(crate) fn parse_base_url(setting: &'static str, raw: &str) -> Result<url::Url, ConfigError> {
    let with_slash = if raw.ends_with('/') { raw.to_string() } else { format!("{raw}/") };
    let url = url::Url::parse(with_slash.trim())
        .map_err(|e| ConfigError::invalid(setting, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::invalid(setting, "the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(setting, "credentials do not belong in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::invalid(setting, "the URL must not have a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalized() {
        assert_eq!(
            parse_base_url("x", "http://127.0.0.1:8080/v1").unwrap().as_str(),
            "http://127.0.0.1:8080/v1/"
        );
        assert!(parse_base_url("x", "ftp://a").is_err());
        let err = parse_base_url("x", "https://user:hunter2@example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert!(parse_base_url("x", "not a url").is_err());
    }
}
