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
fn a_partly_configured_service_is_an_error_naming_the_missing_variable() {
    let missing = |vars: &[(&str, &str)]| match select(vars) {
        Err(e @ ConfigError::PartlyConfigured { .. }) => {
            let text = e.to_string();
            (e.variable().unwrap_or_default().to_string(), text)
        }
        other => panic!("{vars:?}: {:?}", other.map(|(_, s)| s)),
    };
    // The cases: credentials without the URL or the login.
    let (var, text) =
        missing(&[("WORDPRESS_USERNAME", "editor"), ("WORDPRESS_APP_PASSWORD", "abcd efgh ijkl mnop")]);
    assert_eq!(var, "WORDPRESS_URL");
    assert!(text.starts_with("WORDPRESS_USERNAME is set but WORDPRESS_URL is not"), "{text}");
    assert!(!text.contains("abcd"), "never a value");
    assert_eq!(missing(&[("DATAFORSEO_PASSWORD", "pw")]).0, "DATAFORSEO_LOGIN");
    assert_eq!(missing(&[("DATAFORSEO_LOGIN", "login")]).0, "DATAFORSEO_PASSWORD");
    // Base-URL overrides and optional settings alone count too.
    assert_eq!(missing(&[("DATAFORSEO_BASE_URL", "https://sandbox.dataforseo.com")]).0, "DATAFORSEO_LOGIN");
    assert_eq!(missing(&[("TAVILY_BASE_URL", "http://127.0.0.1:9")]).0, "TAVILY_API_KEY");
    assert_eq!(missing(&[("OPENAI_MODEL", "gpt-4o")]).0, "OPENAI_API_KEY");
    assert_eq!(missing(&[("WORDPRESS_API_ROOT", "https://x.example/?rest_route=/")]).0, "WORDPRESS_URL");
    assert_eq!(missing(&[("WORDPRESS_URL", "https://x.example")]).0, "WORDPRESS_USERNAME");
    // A key is needed for OpenAI itself, not for a local server.
    assert!(matches!(
        select(&[("OPENAI_BASE_URL", "https://api.openai.com/v1")]),
        Err(ConfigError::MissingVar { name: "OPENAI_API_KEY" })
    ));
    assert!(matches!(select(&[("OPENAI_BASE_URL", "not a url")]), Err(ConfigError::Invalid { .. })));
    assert!(matches!(select(&[("TAVILY_API_KEY", "  ")]), Ok((_, s)) if s.all_offline()), "blank is unset");
}

#[test]
fn every_variable_is_in_the_readme() {
    let readme = include_str!("../README.md");
    for name in infin8_providers::PROVIDER_VARIABLES {
        assert!(readme.contains(&format!("`{name}`")), "{name} is not documented in the README");
    }
}

#[test]
fn wordpress_settings_come_from_the_environment() {
    let vars: HashMap<&str, &str> = [
        ("WORDPRESS_URL", "https://blog.example.com"),
        ("WORDPRESS_USERNAME", "editor"),
        ("WORDPRESS_APP_PASSWORD", "abcd efgh"),
        ("WORDPRESS_API_ROOT", "https://blog.example.com/?rest_route=/"),
        ("WORDPRESS_SEO_TITLE_KEYS", "_yoast_wpseo_title"),
        ("WORDPRESS_SEO_DESCRIPTION_KEYS", "none"),
    ]
    .into_iter()
    .collect();
    let cfg = infin8_providers::wordpress::WordPressConfig::from_vars(&|n: &str| {
        vars.get(n).map(|v| v.to_string())
    })
    .unwrap();
    assert_eq!(cfg.api_root.as_deref(), Some("https://blog.example.com/?rest_route=/"));
    assert_eq!(cfg.seo_title_keys, ["_yoast_wpseo_title"]);
    assert!(cfg.seo_description_keys.is_empty());
    let defaults =
        infin8_providers::wordpress::WordPressConfig::new("https://x.example", "u", "p".to_string().into());
    assert_eq!(defaults.seo_title_keys, ["_yoast_wpseo_title", "rank_math_title"]);
    assert_eq!(defaults.seo_description_keys, ["_yoast_wpseo_metadesc", "rank_math_description"]);
}
