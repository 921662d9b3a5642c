//! [`PgStore`]: connecting, migrating, and the tenant transaction every operation runs in.

use crate::error::{BACKEND, map_sqlx};
use infin8_core::{Error, Result, TenantContext};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::time::Duration;

/// The migrations embedded in this crate (`migrations/`), run by [`PgStore::migrate`].
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The role every store transaction switches to (`SET LOCAL ROLE`): no login, no superuser,
/// no `BYPASSRLS`, only the grants the store needs. Created by the migrations.
pub const APP_ROLE: &str = "infin8_app";

/// The setting the row-level-security policies read (through `get_auth_user_org_id()`).
pub const TENANT_SETTING: &str = "app.current_organization_id";

/// The PostgreSQL store. Cheap to clone (it shares one connection pool).
///
/// Every operation runs in one transaction that first switches to [`APP_ROLE`] and sets
/// [`TENANT_SETTING`] to the caller's organization, both transaction-local, so row-level
/// security confines it to that organization whatever login the pool connects with.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    statement_timeout: Option<Duration>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's options hold the connection password: never print them.
        f.debug_struct("PgStore")
            .field("pool_size", &self.pool.size())
            .field("statement_timeout", &self.statement_timeout)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects a pool of up to 10 connections to `url`
    /// (`postgres://user:password@host:5432/database`). Does not run migrations.
    ///
    /// One direct connection is made first, so a server that is down, a wrong port, a bad
    /// password or a missing database is reported at once with the address (never the
    /// password), instead of as a pool timeout ten seconds later.
    ///
    /// # Errors
    /// `Backend` if the URL is malformed or the server cannot be reached (retryable when the
    /// connection failed).
    pub async fn connect(url: &str) -> Result<Self> {
        use sqlx::ConnectOptions as _;
        use std::str::FromStr as _;
        let options = sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| Error::Backend {
            backend: BACKEND,
            operation: "connect",
            message: "the database URL is malformed (expected postgres://user:password@host:5432/database)"
                .into(),
            retryable: false,
            source: Some(Box::new(e)),
        })?;
        let address = format!(
            "{}:{} (database {:?}, user {:?})",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("<default>"),
            options.get_username()
        );
        let first = options.connect().await.map_err(|e| connect_error(&address, e))?;
        let _ = sqlx::Connection::close(first).await;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| connect_error(&address, e))?;
        Ok(Self::from_pool(pool))
    }

    /// Uses an existing pool (the host chooses its size, timeouts and login).
    #[must_use]
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool, statement_timeout: None }
    }

    /// Sets a statement timeout applied (transaction-locally) to every statement the store runs.
    /// A statement that runs longer fails with a retryable `Backend` error, and its transaction
    /// is rolled back.
    #[must_use]
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = Some(timeout);
        self
    }

    /// The underlying pool.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the embedded migrations that are not applied yet. Idempotent: running it again,
    /// or from several processes at once, applies each migration once (sqlx holds an advisory
    /// lock while migrating). Hosts decide when to call it (at deploy time, or at start-up).
    ///
    /// The login must be allowed to create tables and, the first time on a cluster, the
    /// `infin8_app` role (or it must exist already).
    ///
    /// # Errors
    /// `Backend` if a migration fails (it is rolled back) or the database holds a migration
    /// this build does not know.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| Error::Backend {
            backend: BACKEND,
            operation: "migrate",
            message: format!("migration failed: {}", e.to_string().to_lowercase()),
            retryable: false,
            source: Some(Box::new(e)),
        })
    }

    /// Starts the transaction of one store operation in one round trip: `BEGIN`, then
    /// `SET LOCAL ROLE infin8_app`, the tenant setting and the statement timeout, all local to the
    /// transaction so nothing leaks to the pooled connection's next user.
    ///
    /// The values are spliced into the SQL text (a simple query cannot take parameters), which is
    /// safe: the organization is a `Uuid` printed by us (hex and dashes) and the timeout an
    /// integer.
    pub(crate) async fn begin(
        &self,
        ctx: &TenantContext,
        operation: &'static str,
    ) -> Result<Transaction<'static, Postgres>> {
        let org: uuid::Uuid = ctx.org_id.as_uuid();
        let timeout = match self.statement_timeout {
            None => String::new(),
            Some(t) => format!(", set_config('statement_timeout', '{}ms', true)", t.as_millis().max(1)),
        };
        let sql = format!(
            "BEGIN; SELECT set_config('role', 'infin8_app', true), \
             set_config('app.current_organization_id', '{org}', true){timeout}"
        );
        self.pool.begin_with(sqlx::AssertSqlSafe(sql)).await.map_err(|e| map_sqlx(operation, e))
    }

    /// Starts a transaction as [`APP_ROLE`] with no organization set: row-level security then
    /// matches no tenant row. Used only to call the cross-tenant claim function (ADR 0004).
    pub(crate) async fn begin_untenanted(
        &self,
        operation: &'static str,
    ) -> Result<Transaction<'static, Postgres>> {
        self.pool
            .begin_with("BEGIN; SELECT set_config('role', 'infin8_app', true)")
            .await
            .map_err(|e| map_sqlx(operation, e))
    }
}

/// A failed connection, saying where and why (`connection refused`, `password authentication
/// failed`, `database "x" does not exist`).
fn connect_error(address: &str, err: sqlx::Error) -> Error {
    let retryable = matches!(err, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_));
    let why = match &err {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    };
    Error::Backend {
        backend: BACKEND,
        operation: "connect",
        message: format!("cannot connect to postgresql at {address}: {}", why.to_lowercase()),
        retryable,
        source: Some(Box::new(err)),
    }
}

/// Commits, mapping failures.
pub(crate) async fn commit(tx: Transaction<'static, Postgres>, operation: &'static str) -> Result<()> {
    tx.commit().await.map_err(|e| map_sqlx(operation, e))
}

impl infin8_core::Store for PgStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }
}
