//! Row-level security proofs with raw SQL, through the `infin8_app` role exactly as the store
//! uses it: whatever a query forgets, PostgreSQL confines it to the tenant in
//! `app.current_organization_id`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{Duration as ChronoDuration, Utc};
use infin8_core::approval::{ApprovalEntityType, Decision, NewApproval};
use infin8_core::article::{NewArticle, NewSection, SectionStatus};
use infin8_core::audit::NewAuditEntry;
use infin8_core::cluster::{ClusterType, NewClusterSpoke, NewValidation, ValidationStatus};
use infin8_core::keyword::{KeywordType, NewKeyword};
use infin8_core::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use infin8_core::organization::{NewCompetitor, NewOrganization, Plan, Role};
use infin8_core::publish::PublishClaimRequest;
use infin8_core::research::NewResearchCacheEntry;
use infin8_core::store::*;
use infin8_core::workflow::{NewWorkflow, TransitionRequest, WorkflowState};
use infin8_core::{AuditId, OrgId, ReservationId, TenantContext, Usd, UserId};
use sqlx::{Connection, PgConnection};
use std::time::Duration;
use uuid::Uuid;

/// Every tenant table and the column that names its organization.
const TENANT_TABLES: &[(&str, &str)] = &[
    ("organizations", "id"),
    ("organization_members", "organization_id"),
    ("organization_competitors", "organization_id"),
    ("intent_workflows", "organization_id"),
    ("workflow_transitions", "organization_id"),
    ("keywords", "organization_id"),
    ("topic_clusters", "organization_id"),
    ("cluster_validation_results", "organization_id"),
    ("intent_approvals", "organization_id"),
    ("articles", "organization_id"),
    ("article_sections", "organization_id"),
    ("publish_references", "organization_id"),
    ("tavily_research_cache", "organization_id"),
    ("rate_limits", "organization_id"),
    ("usage_tracking", "organization_id"),
    ("usage_reservations", "organization_id"),
    ("intent_audit_logs", "organization_id"),
];

/// Tables the role may DELETE from (the store replaces or purges their rows).
const DELETABLE: &[&str] = &["topic_clusters", "cluster_validation_results", "tavily_research_cache"];
/// Write-once tables: INSERT and SELECT only.
const WRITE_ONCE: &[&str] = &["workflow_transitions", "intent_audit_logs"];

/// Writes at least one row of every tenant table for a new organization, through the store.
async fn seed_org(store: &dyn Store) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut org = NewOrganization::new(format!("rls-{}", Uuid::new_v4()), Plan::Pro);
    org.id = Some(ctx.org_id);
    store.create_organization(&ctx, org).await.unwrap();
    store
        .upsert_competitors(&ctx, &[NewCompetitor { url: "https://competitor.example.com".into() }])
        .await
        .unwrap();
    let wf = store
        .create_workflow(
            &ctx,
            NewWorkflow { title: "rls".into(), estimated_cost: Usd::from_micros(1), ..Default::default() },
        )
        .await
        .unwrap();
    store
        .transition(
            &ctx,
            TransitionRequest::from_current(
                &wf,
                WorkflowState::At(infin8_core::workflow::Step::Icp, infin8_core::workflow::Phase::Pending),
            ),
        )
        .await
        .unwrap();
    let seed = store
        .upsert_keywords(&ctx, &[NewKeyword::new(wf.id, KeywordType::Seed, None, "crm software", "test")])
        .await
        .unwrap()[0]
        .id;
    let long = store
        .upsert_keywords(
            &ctx,
            &[NewKeyword::new(wf.id, KeywordType::Longtail, Some(seed), "best crm software", "test")],
        )
        .await
        .unwrap()[0]
        .id;
    store
        .replace_clusters(
            &ctx,
            wf.id,
            &[NewClusterSpoke {
                hub_keyword_id: seed,
                spoke_keyword_id: long,
                similarity: 0.9,
                cluster_type: ClusterType::HubSpoke,
            }],
        )
        .await
        .unwrap();
    store
        .replace_validations(
            &ctx,
            wf.id,
            &[NewValidation {
                hub_keyword_id: seed,
                status: ValidationStatus::Valid,
                avg_similarity: 0.9,
                spoke_count: 1,
                reasons: vec![],
                metadata: serde_json::Value::Null,
            }],
        )
        .await
        .unwrap();
    store
        .record_approvals(
            &ctx,
            &[NewApproval {
                workflow_id: wf.id,
                entity_type: ApprovalEntityType::SeedKeywords,
                entity_id: seed.as_uuid(),
                decision: Decision::Approved,
                feedback: None,
                confidence: None,
            }],
        )
        .await
        .unwrap();
    let article = store
        .create_article(
            &ctx,
            NewArticle {
                workflow_id: wf.id,
                keyword_id: long,
                title: "Best CRM".into(),
                slug: "best-crm".into(),
                sections_total: 1,
                focus_keyword: None,
            },
        )
        .await
        .unwrap();
    store
        .upsert_section(
            &ctx,
            NewSection {
                article_id: article.id,
                section_order: 0,
                title: "Intro".into(),
                content: Some("text".into()),
                content_html: None,
                research_query: Some("crm".into()),
                sources: vec![],
                model: None,
                prompt_tokens: 1,
                completion_tokens: 1,
                generation_ms: 1,
                cost: Usd::from_micros(5),
                status: SectionStatus::Completed,
            },
        )
        .await
        .unwrap();
    let now = Utc::now();
    store
        .claim_publish(
            &ctx,
            PublishClaimRequest {
                article_id: article.id,
                platform: "wordpress".into(),
                owner: "worker-1".into(),
                now,
                lease: ChronoDuration::seconds(60),
                idempotency_key: "infin8-rls-key".into(),
            },
        )
        .await
        .unwrap();
    store
        .put_research(
            &ctx,
            NewResearchCacheEntry {
                research_query: "CRM".into(),
                provider: "tavily".into(),
                results: vec![],
                created_at: now,
                expires_at: now + ChronoDuration::hours(24),
            },
        )
        .await
        .unwrap();
    store
        .hit_rate_limit(
            &ctx,
            RateLimitRequest {
                key: "provider:test".into(),
                limit: 10,
                window: Duration::from_secs(60),
                kind: WindowKind::Fixed,
                cost: 1,
                now,
            },
        )
        .await
        .unwrap();
    store
        .reserve_usage(
            &ctx,
            ReserveUsage {
                id: ReservationId::new(),
                workflow_id: Some(wf.id),
                purpose: "rls".into(),
                replay_of: None,
                lines: vec![UsageLine {
                    metric: UsageMetric::LlmTokens,
                    scope: LedgerScope::Month(BillingPeriod::of(now)),
                    amount: 10,
                    limit: Some(1000),
                }],
            },
        )
        .await
        .unwrap();
    store
        .append_audit(
            &ctx,
            NewAuditEntry {
                id: AuditId::new(),
                workflow_id: Some(wf.id),
                action: "test.seeded".into(),
                entity_type: "workflow".into(),
                entity_id: None,
                details: serde_json::Value::Null,
            },
        )
        .await
        .unwrap();
    ctx
}

/// Runs `sql` in a transaction as `infin8_app` (tenant `org`, or none), then rolls back.
async fn as_app(
    conn: &mut PgConnection,
    org: Option<Uuid>,
    sql: &str,
    bind: Option<serde_json::Value>,
) -> Result<(u64, Option<i64>), sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL ROLE infin8_app").execute(&mut *tx).await?;
    if let Some(org) = org {
        sqlx::query("SELECT set_config('app.current_organization_id', $1, true)")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
    }
    let q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    let q = match bind {
        Some(v) => q.bind(v),
        None => q,
    };
    let result = if sql.trim_start().to_uppercase().starts_with("SELECT") {
        let row = q.fetch_one(&mut *tx).await.map(|r| {
            use sqlx::Row;
            r.try_get::<i64, _>(0).ok()
        });
        row.map(|n| (0, n))
    } else {
        q.execute(&mut *tx).await.map(|r| (r.rows_affected(), None))
    };
    tx.rollback().await?;
    result
}

/// The SQLSTATE of a database error.
fn sqlstate(err: &sqlx::Error) -> String {
    err.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned()).unwrap_or_default()
}

/// One row of `table` belonging to `org`, as JSON, read as the owner (no RLS).
async fn row_of(conn: &mut PgConnection, table: &str, key: &str, org: Uuid) -> serde_json::Value {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT to_jsonb(r) FROM {table} r WHERE {key} = $1 LIMIT 1"
    )))
    .bind(org)
    .fetch_one(conn)
    .await
    .unwrap()
}

/// The row, re-keyed to `org` with a fresh id where the table has one.
fn rekeyed(mut row: serde_json::Value, key: &str, org: Uuid) -> serde_json::Value {
    let obj = row.as_object_mut().unwrap();
    if obj.contains_key("id") {
        obj.insert("id".into(), serde_json::json!(Uuid::new_v4()));
    }
    obj.insert(key.into(), serde_json::json!(org));
    if obj.contains_key("user_id") {
        obj.insert("user_id".into(), serde_json::json!(Uuid::new_v4()));
    }
    row
}

fn insert_sql(table: &str) -> String {
    format!("INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, $1::jsonb)).*")
}

#[tokio::test]
async fn rls_confines_every_tenant_table() {
    let Some(url) = common::database_url("rls_confines_every_tenant_table") else { return };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let a = seed_org(&store).await.org_id.as_uuid();
    let b = seed_org(&store).await.org_id.as_uuid();
    let mut conn = db.connect().await;

    for (table, key) in TENANT_TABLES {
        let owner_count = |org: Uuid| {
            let sql = format!("SELECT count(*) FROM {table} WHERE {key} = $1");
            async move { sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(org) }
        };
        let a_rows: i64 = owner_count(a).await.fetch_one(&mut conn).await.unwrap();
        let b_rows: i64 = owner_count(b).await.fetch_one(&mut conn).await.unwrap();
        assert!(a_rows > 0 && b_rows > 0, "{table}: seed wrote no rows ({a_rows}, {b_rows})");

        // A query that forgets its WHERE sees only the tenant's rows.
        let seen =
            as_app(&mut conn, Some(a), &format!("SELECT count(*) FROM {table}"), None).await.unwrap().1;
        assert_eq!(seen, Some(a_rows), "{table}: org A must see exactly its own rows");
        let b_seen =
            as_app(&mut conn, Some(a), &format!("SELECT count(*) FROM {table} WHERE {key} = '{b}'"), None)
                .await
                .unwrap()
                .1;
        assert_eq!(b_seen, Some(0), "{table}: org B's rows are invisible to A");

        // UPDATE and DELETE of B's rows affect nothing (or are refused outright by the grants).
        let update = as_app(
            &mut conn,
            Some(a),
            &format!("UPDATE {table} SET {key} = {key} WHERE {key} = '{b}'"),
            None,
        )
        .await;
        let update_all = as_app(&mut conn, Some(a), &format!("UPDATE {table} SET {key} = {key}"), None).await;
        let delete =
            as_app(&mut conn, Some(a), &format!("DELETE FROM {table} WHERE {key} = '{b}'"), None).await;
        if WRITE_ONCE.contains(table) {
            assert_eq!(sqlstate(&update.unwrap_err()), "42501", "{table}: UPDATE is not granted");
            assert_eq!(sqlstate(&update_all.unwrap_err()), "42501", "{table}: UPDATE is not granted");
        } else {
            assert_eq!(update.unwrap().0, 0, "{table}: UPDATE of B's rows must affect 0 rows");
            assert_eq!(
                update_all.unwrap().0,
                a_rows as u64,
                "{table}: an UPDATE without WHERE touches only A's rows"
            );
        }
        if DELETABLE.contains(table) {
            assert_eq!(delete.unwrap().0, 0, "{table}: DELETE of B's rows must affect 0 rows");
        } else {
            assert_eq!(sqlstate(&delete.unwrap_err()), "42501", "{table}: DELETE is not granted");
        }

        // INSERT of a row carrying B's organization fails the policy's WITH CHECK.
        let template = row_of(&mut conn, table, key, a).await;
        let err = as_app(&mut conn, Some(a), &insert_sql(table), Some(rekeyed(template.clone(), key, b)))
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&err), "42501", "{table}: {err}");
        assert!(err.to_string().contains("row-level security"), "{table}: {err}");
        // The same statement with A's organization passes the policy (so the refusal above is
        // the policy, not a malformed row); it may still hit a unique or foreign key.
        if let Err(e) =
            as_app(&mut conn, Some(a), &insert_sql(table), Some(rekeyed(template.clone(), key, a))).await
        {
            assert_ne!(sqlstate(&e), "42501", "{table}: A's own row must pass the policy: {e}");
        }

        // With no tenant set, the table reads as empty and every write fails or does nothing.
        let none = as_app(&mut conn, None, &format!("SELECT count(*) FROM {table}"), None).await.unwrap().1;
        assert_eq!(none, Some(0), "{table}: no tenant, no rows");
        let err =
            as_app(&mut conn, None, &insert_sql(table), Some(rekeyed(template, key, a))).await.unwrap_err();
        assert_eq!(sqlstate(&err), "42501", "{table}: no tenant, no insert: {err}");
        match as_app(&mut conn, None, &format!("UPDATE {table} SET {key} = {key}"), None).await {
            Ok((n, _)) => assert_eq!(n, 0, "{table}: no tenant, no update"),
            Err(e) => assert_eq!(sqlstate(&e), "42501", "{table}: {e}"),
        }
        match as_app(&mut conn, None, &format!("DELETE FROM {table}"), None).await {
            Ok((n, _)) => assert_eq!(n, 0, "{table}: no tenant, no delete"),
            Err(e) => assert_eq!(sqlstate(&e), "42501", "{table}: {e}"),
        }
    }
}

#[tokio::test]
async fn pooled_connection_reads_back_empty_setting_as_no_tenant() {
    let Some(url) = common::database_url("pooled_connection_reads_back_empty_setting_as_no_tenant") else {
        return;
    };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let a = seed_org(&store).await.org_id.as_uuid();
    let mut conn = db.connect().await;
    // A transaction-local setting, committed: afterwards the connection reads it back as ''.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.current_organization_id', $1, true)")
        .bind(a.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after: Option<String> =
        sqlx::query_scalar("SELECT current_setting('app.current_organization_id', true)")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(after.as_deref(), Some(""));
    let tenant: Option<Uuid> =
        sqlx::query_scalar("SELECT get_auth_user_org_id()").fetch_one(&mut conn).await.unwrap();
    assert_eq!(tenant, None);
    for (table, _) in TENANT_TABLES {
        let seen = as_app(&mut conn, None, &format!("SELECT count(*) FROM {table}"), None).await.unwrap().1;
        assert_eq!(seen, Some(0), "{table}: '' must mean no tenant");
    }
}

#[tokio::test]
async fn audit_and_transitions_are_write_once_even_for_the_owner() {
    let Some(url) = common::database_url("audit_and_transitions_are_write_once_even_for_the_owner") else {
        return;
    };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    seed_org(&store).await;
    // The login owns the tables (and is a superuser here): grants and RLS do not bind it, the
    // write-once triggers do.
    let mut conn = db.connect().await;
    for table in WRITE_ONCE {
        let before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert!(before > 0);
        for sql in [
            format!("UPDATE {table} SET created_at = created_at"),
            format!("DELETE FROM {table}"),
            format!("TRUNCATE {table}"),
        ] {
            let err = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
        let after: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(before, after);
    }
}

#[tokio::test]
async fn every_table_has_forced_rls_and_four_policies() {
    let Some(url) = common::database_url("every_table_has_forced_rls_and_four_policies") else { return };
    let db = common::TestDb::create(&url).await;
    let mut conn = db.connect().await;
    let tables: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
         (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polroles = '{0}') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    // A table added later without RLS fails here.
    assert_eq!(tables.len(), TENANT_TABLES.len(), "{tables:?}");
    for (name, enabled, forced, policies) in &tables {
        assert!(TENANT_TABLES.iter().any(|(t, _)| t == name), "{name} is not a known tenant table");
        assert!(*enabled && *forced, "{name}: row-level security must be enabled and forced");
        assert_eq!(*policies, 4, "{name}: SELECT, INSERT, UPDATE, DELETE policies for every role");
    }
    // The one policy for a named role: the runner's claimer on intent_workflows (ADR 0004).
    let named: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.relname::text, p.polname::text, r.rolname::text FROM pg_policy p \
         JOIN pg_class c ON c.oid = p.polrelid CROSS JOIN LATERAL unnest(p.polroles) AS pr(oid) \
         JOIN pg_roles r ON r.oid = pr.oid WHERE p.polroles <> '{0}' ORDER BY 1, 2",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        named,
        vec![("intent_workflows".to_string(), "runner_claim".to_string(), "infin8_claimer".to_string())]
    );
    let role: (bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'infin8_app'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(role, (false, false, false));
    let claimer: (bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'infin8_claimer'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(claimer, (false, false, false));
}

/// The claimer role behind the cross-tenant claim (ADR 0004) can touch only what a claim needs:
/// it reads a few columns of `intent_workflows` and updates only the lease; it reads no other
/// table; the app role is not a member of it and still sees only its own tenant's workflows, so
/// the claim function is the only way across tenants, and it returns ids and states only.
#[tokio::test]
async fn claimer_role_is_narrow_and_the_app_role_stays_confined() {
    let Some(url) = common::database_url("claimer_role_is_narrow_and_the_app_role_stays_confined") else {
        return;
    };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let a = infin8_core::testkit::fixtures::new_org(&store).await;
    let b = infin8_core::testkit::fixtures::new_org(&store).await;
    let wa = infin8_core::testkit::fixtures::new_workflow(&store, &a).await;
    let wb = infin8_core::testkit::fixtures::new_workflow(&store, &b).await;
    let mut conn = db.connect().await;
    let checks: Vec<(String, bool)> = sqlx::query_as(
        "SELECT 'select keywords', has_table_privilege('infin8_claimer', 'keywords', 'SELECT') \
         UNION ALL SELECT 'select organizations', has_table_privilege('infin8_claimer', 'organizations', 'SELECT') \
         UNION ALL SELECT 'select title', has_column_privilege('infin8_claimer', 'intent_workflows', 'title', 'SELECT') \
         UNION ALL SELECT 'update state', has_column_privilege('infin8_claimer', 'intent_workflows', 'state', 'UPDATE') \
         UNION ALL SELECT 'update lease', has_column_privilege('infin8_claimer', 'intent_workflows', 'lease_owner', 'UPDATE') \
         UNION ALL SELECT 'delete', has_table_privilege('infin8_claimer', 'intent_workflows', 'DELETE') \
         UNION ALL SELECT 'app is claimer', pg_has_role('infin8_app', 'infin8_claimer', 'MEMBER') \
         UNION ALL SELECT 'app runs claim', has_function_privilege('infin8_app', \
             'infin8_claim_workflows(text, integer, integer, timestamptz, timestamptz, uuid[], uuid[], text[], text[], text[])', 'EXECUTE')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let expected = [
        ("select keywords", false),
        ("select organizations", false),
        ("select title", false),
        ("update state", false),
        ("update lease", true),
        ("delete", false),
        ("app is claimer", false),
        ("app runs claim", true),
    ];
    for (what, allowed) in expected {
        assert!(checks.contains(&(what.to_string(), allowed)), "{what}: {checks:?}");
    }
    // As the app role under tenant A, a query without any WHERE sees only A's workflow, and
    // switching to the claimer role is refused.
    let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT set_config('role', 'infin8_app', true), set_config('app.current_organization_id', '{}', true)",
        a.org_id
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let seen: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM intent_workflows").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(seen, vec![wa.id.as_uuid()]);
    assert!(!seen.contains(&wb.id.as_uuid()));
    // Not even the lease columns of another tenant's workflow can be written from there.
    let touched = sqlx::query("UPDATE intent_workflows SET lease_owner = 'intruder' WHERE id = $1")
        .bind(wb.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(touched.rows_affected(), 0);
    tx.rollback().await.unwrap();
}

/// The documented production set-up: a NOINHERIT login that is only a member of `infin8_app`
/// runs the store, and by itself can read nothing.
#[tokio::test]
async fn dedicated_login_works_only_through_the_role() {
    let Some(url) = common::database_url("dedicated_login_works_only_through_the_role") else { return };
    let db = common::TestDb::create(&url).await;
    let mut owner = db.connect().await;
    sqlx::raw_sql(
        "DO $$ BEGIN CREATE ROLE infin8_test_service LOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$; \
         GRANT infin8_app TO infin8_test_service",
    )
    .execute(&mut owner)
    .await
    .unwrap();
    let login = db.options.clone().username("infin8_test_service");
    let pool =
        sqlx::postgres::PgPoolOptions::new().max_connections(2).connect_with(login.clone()).await.unwrap();
    let store = infin8_store_postgres::PgStore::from_pool(pool);
    let ctx = seed_org(&store).await;
    assert!(store.get_organization(&ctx).await.unwrap().is_some());
    // Outside the store's SET LOCAL ROLE the login holds no privilege at all.
    let mut raw = PgConnection::connect_with(&login).await.unwrap();
    let err = sqlx::query("SELECT count(*) FROM intent_workflows").execute(&mut raw).await.unwrap_err();
    assert_eq!(sqlstate(&err), "42501", "{err}");
}
