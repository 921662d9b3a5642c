//! `from_env`: real clients where configured, offline stand-ins elsewhere.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use infin8_providers::{Backing, ConfigError, OfflineProviders, from_vars};
use std::collections::HashMap;

fn select(
    vars: &[(&str, &str)],
) -> Result<(infin8_core::provider::Providers, infin8_providers::ProviderSelection), ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let dir = std::env::temp_dir().join("infin8-selection-test");
    from_vars(OfflineProviders::new(dir), &move |name: &str| map.get(name).cloned())
}

#[test]
fn nothing_set_means_all_offline() {
    let (providers, selection) = select(&[]).unwrap();
    assert!(selection.all_offline());
    assert_eq!(providers.keywords.name(), "fixture-keywords");
    assert_eq!(providers.publisher.platform(), "filesystem");
    assert_eq!(
        selection.to_string(),
        "keywords: fixture-keywords (offline), web: local-corpus (offline), llm: scripted-offline (offline), \
         embedder: hashing-ngram (offline), publisher: filesystem (offline)"
    );
}

#[test]
fn each_configured_service_is_real() {
    let (providers, selection) = select(&[
        ("DATAFORSEO_LOGIN", "login"),
        ("DATAFORSEO_PASSWORD", "pw"),
        ("DATAFORSEO_BASE_URL", "http://127.0.0.1:9/"),
        ("TAVILY_API_KEY", "tvly-test"),
        ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
        ("OPENAI_MODEL", "llama3.1:8b"),
        ("WORDPRESS_URL", "https://blog.example.com"),
        ("WORDPRESS_USERNAME", "editor"),
        ("WORDPRESS_APP_PASSWORD", "abcd efgh ijkl mnop"),
    ])
    .unwrap();
    assert_eq!(selection.keywords, Backing::Real("dataforseo"));
    assert_eq!(selection.web, Backing::Real("tavily"));
    assert_eq!(selection.llm, Backing::Real("openai"));
    assert_eq!(selection.embedder, Backing::Real("openai"));
    assert_eq!(selection.publisher, Backing::Real("wordpress"));
    assert_eq!(providers.keywords.name(), "dataforseo");
    assert_eq!(providers.serp.as_ref().unwrap().name(), "dataforseo");
    assert_eq!(providers.llm.model_name(), "llama3.1:8b", "a local server needs no key");
    assert_eq!(providers.embedder.model_name(), "text-embedding-3-small");
    assert_eq!(providers.publisher.platform(), "wordpress");
}

#[test]
fn a_partly_configured_service_is_an_error_not_a_silent_fallback() {
    match select(&[("DATAFORSEO_LOGIN", "login")]) {
        Err(ConfigError::MissingVar { name }) => assert_eq!(name, "DATAFORSEO_PASSWORD"),
        other => panic!("{:?}", other.map(|(_, s)| s)),
    }
    assert!(matches!(select(&[("WORDPRESS_URL", "https://x.example")]), Err(ConfigError::MissingVar { .. })));
    assert!(matches!(select(&[("OPENAI_MODEL", "gpt-4o")]), Ok((_, s)) if !s.llm.is_real()));
    assert!(matches!(select(&[("OPENAI_BASE_URL", "not a url")]), Err(ConfigError::Invalid { .. })));
    assert!(matches!(select(&[("TAVILY_API_KEY", "  ")]), Ok((_, s)) if s.all_offline()), "blank is unset");
}
