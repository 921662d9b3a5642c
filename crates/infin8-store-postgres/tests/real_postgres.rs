//! Proof that the PostgreSQL tests really ran against PostgreSQL (CI greps for this test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[tokio::test]
async fn runs_on_real_postgres() {
    let Some(url) = common::database_url("runs_on_real_postgres") else { return };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let version: String = sqlx::query_scalar("SELECT version()").fetch_one(store.pool()).await.unwrap();
    assert!(version.starts_with("PostgreSQL "), "not PostgreSQL: {version}");
    // And the migrations are in: the role and the tenant function exist.
    let role: bool = sqlx::query_scalar(
        "SELECT NOT rolsuper AND NOT rolbypassrls AND NOT rolcanlogin FROM pg_roles WHERE rolname = 'infin8_app'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert!(role, "infin8_app must be NOLOGIN NOSUPERUSER NOBYPASSRLS");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let ups =
        infin8_store_postgres::MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()).count();
    assert_eq!(applied, ups as i64);
}
