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

/// Every migration is reversible: reverting all of them leaves no infin8 table or function
/// behind (the cluster-wide role stays, as documented), and migrating again restores the schema.
/// `migrate()` is idempotent.
#[tokio::test]
async fn migrations_revert_and_reapply() {
    let Some(url) = common::database_url("migrations_revert_and_reapply") else { return };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    store.migrate().await.expect("migrating an up-to-date database is a no-op");
    let tables = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = tables(store.pool().clone()).await;
    assert!(before >= 17, "expected the schema's tables, found {before}");

    infin8_store_postgres::MIGRATOR.undo(store.pool(), 0).await.expect("every migration reverts");
    assert_eq!(tables(store.pool().clone()).await, 0, "reverting left tables behind");
    let function: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_proc WHERE proname = 'get_auth_user_org_id'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(function, 0, "reverting left get_auth_user_org_id behind");
    let role: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'infin8_app'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(role, 1, "the cluster-wide role is kept");

    store.migrate().await.expect("migrating a reverted database");
    assert_eq!(tables(store.pool().clone()).await, before);
    let collation: Option<String> = sqlx::query_scalar(
        "SELECT collation_name FROM information_schema.columns \
         WHERE table_name = 'keywords' AND column_name = 'normalized_keyword'",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(collation.as_deref(), Some("C"), "0004 compares normalized keywords byte-wise");
}
