//! Failure modes: pool exhaustion, a statement timeout, a connection dropped mid-operation.
//! Each gives a typed `Backend` error saying a retry can help, and leaves nothing half-written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::{OrganizationStore, WorkflowStore};
use infin8_core::workflow::{NewWorkflow, Phase, Step, TransitionRequest, Workflow, WorkflowState};
use infin8_core::{Error, OrgId, TenantContext, UserId};
use infin8_store_postgres::PgStore;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

async fn org_and_workflow(store: &PgStore) -> (TenantContext, Workflow) {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut org = NewOrganization::new(format!("fail-{}", uuid::Uuid::new_v4()), Plan::Pro);
    org.id = Some(ctx.org_id);
    store.create_organization(&ctx, org).await.unwrap();
    let wf = store
        .create_workflow(&ctx, NewWorkflow { title: "failures".into(), ..Default::default() })
        .await
        .unwrap();
    (ctx, wf)
}

/// Holds the workflow's row lock from another connection until the returned transaction ends.
async fn lock_workflow<'c>(
    conn: &'c mut PgConnection,
    wf: &Workflow,
) -> sqlx::Transaction<'c, sqlx::Postgres> {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM intent_workflows WHERE id = $1 FOR UPDATE")
        .bind(wf.id.as_uuid())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

/// The workflow and its transitions are exactly as before the failed transition.
async fn assert_untouched(store: &PgStore, ctx: &TenantContext, wf: &Workflow) {
    let now = store.get_workflow(ctx, wf.id).await.unwrap().unwrap();
    assert_eq!((now.state, now.version), (wf.state, wf.version), "workflow changed");
    assert!(store.list_transitions(ctx, wf.id).await.unwrap().is_empty(), "a transition row was written");
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM intent_audit_logs WHERE action = 'workflow.transition'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(audit, 0, "an audit row was written");
}

fn assert_retryable_backend(err: &Error, needle: &str) {
    match err {
        Error::Backend { backend: "postgres", retryable: true, message, .. } => {
            assert!(message.contains(needle), "{message:?} should mention {needle:?}");
        }
        other => panic!("expected a retryable postgres backend error, got {other:?}"),
    }
    assert!(err.is_retryable());
}

#[tokio::test]
async fn pool_exhaustion_is_retryable() {
    let Some(url) = common::database_url("pool_exhaustion_is_retryable") else { return };
    let db = common::TestDb::create(&url).await;
    let setup = db.store().await;
    let (ctx, wf) = org_and_workflow(&setup).await;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(200))
        .connect_with(db.options.clone())
        .await
        .unwrap();
    let store = PgStore::from_pool(pool.clone());
    let held = pool.acquire().await.unwrap();
    let err = store.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await.unwrap_err();
    assert_retryable_backend(&err, "pool exhausted");
    drop(held);
    assert_untouched(&setup, &ctx, &wf).await;
    // With the connection back, the same call succeeds.
    store.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await.unwrap();
}

fn icp_pending() -> WorkflowState {
    WorkflowState::At(Step::Icp, Phase::Pending)
}

#[tokio::test]
async fn statement_timeout_is_retryable_and_rolls_back() {
    let Some(url) = common::database_url("statement_timeout_is_retryable_and_rolls_back") else { return };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let (ctx, wf) = org_and_workflow(&store).await;
    let timed = store.clone().with_statement_timeout(Duration::from_millis(100));
    let mut blocker = db.connect().await;
    let lock = lock_workflow(&mut blocker, &wf).await;
    // The CAS update waits on the row lock until the statement timeout cancels it.
    let err = timed.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await.unwrap_err();
    assert_retryable_backend(&err, "statement timeout");
    lock.rollback().await.unwrap();
    assert_untouched(&store, &ctx, &wf).await;
    // The timeout is transaction-local: the pooled connections carry no leftover setting.
    let setting: String = sqlx::query_scalar("SHOW statement_timeout").fetch_one(store.pool()).await.unwrap();
    assert_eq!(setting, "0");
    let out = timed.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await.unwrap();
    assert_eq!(out.workflow.version, wf.version + 1);
}

#[tokio::test]
async fn dropped_connection_is_retryable_and_rolls_back() {
    let Some(url) = common::database_url("dropped_connection_is_retryable_and_rolls_back") else { return };
    let db = common::TestDb::create(&url).await;
    let store = db.store().await;
    let (ctx, wf) = org_and_workflow(&store).await;
    let app = format!("infin8-drop-{}", uuid::Uuid::new_v4().simple());
    let victim_pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(db.options.clone().application_name(&app))
        .await
        .unwrap();
    let victim = PgStore::from_pool(victim_pool);
    let mut blocker = db.connect().await;
    let lock = lock_workflow(&mut blocker, &wf).await;
    let task = {
        let (victim, ctx, wf) = (victim.clone(), ctx, wf.clone());
        tokio::spawn(async move {
            victim.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await
        })
    };
    // Wait until the victim's backend is blocked on the row lock (a condition, not a guess).
    let mut admin = db.connect().await;
    let pid: i32 = loop {
        let pid: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        )
        .bind(&app)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
        if let Some(pid) = pid {
            break pid;
        }
        assert!(!task.is_finished(), "the transition finished before it was blocked");
        tokio::task::yield_now().await;
    };
    let killed: bool =
        sqlx::query_scalar("SELECT pg_terminate_backend($1)").bind(pid).fetch_one(&mut admin).await.unwrap();
    assert!(killed);
    let err = task.await.unwrap().unwrap_err();
    assert!(err.is_retryable(), "a dropped connection is retryable: {err:?}");
    assert!(matches!(err, Error::Backend { backend: "postgres", .. }), "{err:?}");
    lock.rollback().await.unwrap();
    assert_untouched(&store, &ctx, &wf).await;
    // The pool replaces the dead connection: a retry succeeds.
    let out = victim.transition(&ctx, TransitionRequest::from_current(&wf, icp_pending())).await.unwrap();
    assert_eq!(out.workflow.state, icp_pending());
}

/// A server that is not there is reported at once, as "connection refused" with the address and
/// without the password, not as a pool timeout ten seconds later.
#[tokio::test]
async fn unreachable_server_says_where_and_why_at_once() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let err =
        infin8_store_postgres::PgStore::connect(&format!("postgres://app:s3cret@127.0.0.1:{port}/infin8"))
            .await
            .unwrap_err();
    let message = err.to_string();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    assert!(err.is_retryable());
    let malformed = infin8_store_postgres::PgStore::connect("postgres://[bad").await.unwrap_err();
    assert!(malformed.to_string().contains("malformed"), "{malformed}");
}
