//! Opening the store and choosing providers: the one way the `infin8` command and the examples
//! do it.
//!
//! - Store: SQLite at the given path by default; PostgreSQL (migrated first) when
//!   `DATABASE_URL` is a `postgres://` URL and the `postgres` feature is on.
//! - Providers: [`infin8_providers::from_env_with`] (each real service whose variables are set,
//!   offline stand-ins for the rest; a partly configured service is an error naming the missing
//!   variable), then [`Providers::preflight`] for the real ones, so bad credentials stop the run
//!   before anything is spent.

use infin8_core::provider::Providers;
use infin8_core::store::Store;
use infin8_providers::OfflineProviders;
use std::path::Path;
use std::sync::Arc;

/// Why the store or the providers could not be set up. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The database could not be opened or migrated.
    #[error("cannot open the {backend} store: {source}")]
    Store {
        /// `"sqlite"` or `"postgresql"`.
        backend: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `DATABASE_URL` names PostgreSQL but this build has no PostgreSQL support.
    #[error("DATABASE_URL points at PostgreSQL: build with `--features postgres`")]
    PostgresNotBuilt,
    /// The provider environment variables are incomplete or invalid.
    #[error("provider configuration: {0}")]
    Providers(#[from] infin8_providers::ConfigError),
    /// A real service refused its credentials.
    #[error("{0}\nfix the variable named above and run again")]
    Preflight(String),
}

/// An opened store and how to describe it to a user.
pub struct OpenedStore {
    /// The store.
    pub store: Arc<dyn Store>,
    /// `"sqlite /path/infin8.sqlite (created)"`, `"postgresql (migrated)"`.
    pub description: String,
}

/// Opens the store: PostgreSQL when `DATABASE_URL` is a PostgreSQL URL, else SQLite at
/// `sqlite_path` (created when missing).
///
/// # Errors
/// [`SetupError::Store`], or [`SetupError::PostgresNotBuilt`].
pub async fn open_store(sqlite_path: &Path) -> Result<OpenedStore, SetupError> {
    if let Ok(url) = std::env::var("DATABASE_URL")
        && (url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        #[cfg(feature = "postgres")]
        {
            let pg = |e: infin8_core::Error| SetupError::Store { backend: "postgresql", source: Box::new(e) };
            let store = crate::postgres::PgStore::connect(&url).await.map_err(pg)?;
            store.migrate().await.map_err(pg)?;
            return Ok(OpenedStore { store: Arc::new(store), description: "postgresql (migrated)".into() });
        }
        #[cfg(not(feature = "postgres"))]
        return Err(SetupError::PostgresNotBuilt);
    }
    let existed = sqlite_path.exists();
    let store = crate::sqlite::SqliteStore::open(sqlite_path)
        .await
        .map_err(|e| SetupError::Store { backend: "sqlite", source: Box::new(e) })?;
    let what = if existed { "reopened" } else { "created" };
    Ok(OpenedStore {
        store: Arc::new(store),
        description: format!("sqlite {} ({what})", sqlite_path.display()),
    })
}

/// Providers chosen from the environment.
pub struct ChosenProviders {
    /// The providers.
    pub providers: Providers,
    /// The roles served by real services (`"keywords"`, `"web research"`, `"language model"`,
    /// `"embeddings"`, `"publisher"`).
    pub real: Vec<&'static str>,
    /// What the preflight verified, one line per real service.
    pub checked: Vec<String>,
}

impl ChosenProviders {
    /// Whether the embedder is the offline hashing one (lexical similarities run lower).
    #[must_use]
    pub fn lexical_embeddings(&self) -> bool {
        !self.real.contains(&"embeddings")
    }

    /// One line saying what serves each role.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.real.is_empty() {
            "offline (fixture keywords, built-in corpus, scripted model, hashing embeddings, files; \
             simulated list prices)"
                .to_string()
        } else {
            format!("real for {}, offline for the rest", self.real.join(", "))
        }
    }
}

/// The providers: real services whose variables are set, `offline` stand-ins for the rest,
/// with every real service's credentials checked.
///
/// # Errors
/// [`SetupError::Providers`] for a partly configured service, [`SetupError::Preflight`] when a
/// real service refuses.
pub async fn choose_providers(offline: OfflineProviders) -> Result<ChosenProviders, SetupError> {
    let (providers, selection) = infin8_providers::from_env_with(offline)?;
    let roles = [
        (selection.keywords, "keywords"),
        (selection.web, "web research"),
        (selection.llm, "language model"),
        (selection.embedder, "embeddings"),
        (selection.publisher, "publisher"),
    ];
    let real: Vec<&'static str> = roles.iter().filter(|(b, _)| b.is_real()).map(|(_, r)| *r).collect();
    let mut checked = Vec::new();
    if !real.is_empty() {
        let checks = providers.preflight().await.map_err(|e| SetupError::Preflight(e.to_string()))?;
        checked =
            checks.iter().filter(|c| matches!(c.outcome, Ok(Some(_)))).map(ToString::to_string).collect();
    }
    Ok(ChosenProviders { providers, real, checked })
}
