//! Test databases: a template migrated once per migration set, then one fresh database per test
//! (`CREATE DATABASE … TEMPLATE …`), dropped when its guard drops.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use infin8_store_postgres::{MIGRATOR, PgStore};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

/// `DATABASE_URL`, or `None` (after printing that the test is skipped). With
/// `INFIN8_REQUIRE_POSTGRES=1` a missing URL fails the test instead.
pub fn database_url(test: &str) -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("INFIN8_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!(
                    "INFIN8_REQUIRE_POSTGRES=1 but DATABASE_URL is not set: the PostgreSQL tests must run \
                     (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)"
                );
            }
            eprintln!("skipping postgres test {test}: DATABASE_URL is not set");
            None
        }
    }
}

/// A fresh, migrated database that is dropped (forcibly) when this guard drops.
pub struct TestDb {
    pub name: String,
    pub options: PgConnectOptions,
    admin: PgConnectOptions,
}

impl TestDb {
    /// Creates `t_<uuid>` from the migrated template.
    pub async fn create(url: &str) -> TestDb {
        let admin = PgConnectOptions::from_str(url).expect("DATABASE_URL parses");
        let template = template(&admin).await;
        let name = format!("infin8_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect_with(&admin).await.expect("connect to DATABASE_URL");
        let mut attempt = 0;
        loop {
            let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
            match sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await {
                Ok(_) => break,
                // "source database is being accessed by other users": a concurrent creator's
                // connection is still closing. Retry a few times.
                Err(e) if attempt < 20 => {
                    attempt += 1;
                    eprintln!("create database retry {attempt}: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        conn.close().await.ok();
        TestDb { options: admin.clone().database(&name), name, admin }
    }

    /// A pool on this database.
    pub async fn pool(&self, max: u32) -> PgPool {
        PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(self.options.clone())
            .await
            .expect("connect to test database")
    }

    /// A store on this database.
    pub async fn store(&self) -> PgStore {
        PgStore::from_pool(self.pool(8).await)
    }

    /// One raw connection on this database (as the login, i.e. the table owner).
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect_with(&self.options).await.expect("connect to test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Best effort, on a thread of its own (Drop cannot await).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async move {
                let mut conn = PgConnection::connect_with(&admin).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

/// The template database for the current migration set, created and migrated once per server
/// (serialized across test processes with an advisory lock on the admin database).
async fn template(admin: &PgConnectOptions) -> String {
    static READY: OnceLock<String> = OnceLock::new();
    if let Some(name) = READY.get() {
        return name.clone();
    }
    // Name the template after the migrations' checksums: changing a migration makes a new one.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for m in MIGRATOR.iter() {
        for b in m.version.to_le_bytes().iter().chain(m.checksum.iter()) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let name = format!("infin8_tpl_{hash:016x}");
    let mut conn = PgConnection::connect_with(admin).await.expect("connect to DATABASE_URL");
    sqlx::query("SELECT pg_advisory_lock(8804231)").execute(&mut conn).await.unwrap();
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    if exists.is_none() {
        let tmp = format!("infin8_tmp_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{tmp}\"")))
            .execute(&mut conn)
            .await
            .unwrap();
        let pool =
            PgPoolOptions::new().max_connections(1).connect_with(admin.clone().database(&tmp)).await.unwrap();
        let store = PgStore::from_pool(pool.clone());
        store.migrate().await.expect("migrations apply to an empty database");
        store.migrate().await.expect("migrations are idempotent");
        pool.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE \"{tmp}\" RENAME TO \"{name}\"")))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    sqlx::query("SELECT pg_advisory_unlock(8804231)").execute(&mut conn).await.unwrap();
    conn.close().await.ok();
    READY.get_or_init(|| name).clone()
}
