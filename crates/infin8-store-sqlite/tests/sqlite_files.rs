//! SQLite-specific behaviour: the database file (bad files, read-only, full, locked), migrations,
//! durability across reopen, append-only triggers, the schema's own constraints, and races between
//! separately opened stores in separate threads.

#![allow(clippy::unwrap_used, clippy::panic)]

use infin8_core::error::{ConflictReason, Error};
use infin8_core::ids::{AuditId, OrgId, ReservationId, UserId};
use infin8_core::keyword::{KeywordQuery, KeywordType, NewKeyword};
use infin8_core::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::*;
use infin8_core::tenant::TenantContext;
use infin8_core::testkit::fixtures::{at, drive_to, new_workflow};
use infin8_core::workflow::{Lease, Phase, Step, TransitionRequest, WorkflowState};
use infin8_store_sqlite::{SCHEMA_VERSION, SqliteError, SqliteErrorKind, SqliteOptions, SqliteStore};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn sqlite_source(err: &Error) -> &SqliteError {
    match err {
        Error::Backend { backend: "sqlite", source: Some(source), .. } => source
            .downcast_ref::<SqliteError>()
            .unwrap_or_else(|| panic!("source is not a SqliteError: {err:?}")),
        other => panic!("expected a sqlite backend error, got {other:?}"),
    }
}

async fn org(store: &SqliteStore) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(format!("org-{}", ctx.org_id), Plan::Pro);
    new.id = Some(ctx.org_id);
    store.create_organization(&ctx, new).await.unwrap();
    ctx
}

fn seeds(wf: infin8_core::ids::WorkflowId, n: usize, prefix: &str) -> Vec<NewKeyword> {
    (0..n)
        .map(|i| NewKeyword::new(wf, KeywordType::Seed, None, format!("{prefix} keyword {i}"), "test"))
        .collect()
}

async fn keyword_count(store: &SqliteStore, ctx: &TenantContext, wf: infin8_core::ids::WorkflowId) -> usize {
    let page = store
        .list_keywords(ctx, KeywordQuery { limit: Some(10_000), ..KeywordQuery::workflow(wf) })
        .await
        .unwrap();
    page.items.len()
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[tokio::test]
async fn data_survives_reopen_and_wal_is_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.path(), path);
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;
    store.upsert_keywords(&ctx, &seeds(wf.id, 10, "durable")).await.unwrap();
    drop(store);

    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(reopened.get_workflow(&ctx, wf.id).await.unwrap().unwrap(), wf);
    assert_eq!(keyword_count(&reopened, &ctx, wf.id).await, 10);
    let conn = raw(&path);
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 =
        conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[tokio::test]
async fn in_memory_store_works_and_is_private() {
    let a = SqliteStore::open_in_memory().unwrap();
    let b = SqliteStore::open_in_memory().unwrap();
    let ctx = org(&a).await;
    let wf = new_workflow(&a, &ctx).await;
    assert!(a.get_workflow(&ctx, wf.id).await.unwrap().is_some());
    assert!(b.get_workflow(&ctx, wf.id).await.unwrap().is_none());
    assert_eq!(a.path(), Path::new(":memory:"));
}

#[test]
fn store_is_send_sync_clone_static() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<SqliteStore>();
}

#[tokio::test]
async fn a_non_sqlite_file_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not a database, just some text that is long enough to have a header.".repeat(20),
    )
    .unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind, SqliteErrorKind::NotADatabase, "{err}");
    assert_eq!(err.path, path);
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    // Converted to the store error, it is a non-retryable backend failure that still names the path.
    let store_err: Error = err.into();
    assert!(!store_err.is_retryable());
    assert!(store_err.to_string().contains("notes.txt"), "{store_err}");
}

#[tokio::test]
async fn a_corrupt_database_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let ctx = org(&store).await;
    new_workflow(&store, &ctx).await;
    drop(store);
    // Keep the 16-byte magic header, scribble over the rest of the first page.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(16).take(84) {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("db.sqlite-wal"));
    let _ = std::fs::remove_file(dir.path().join("db.sqlite-shm"));
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind, SqliteErrorKind::NotADatabase, "{err}");
    assert_eq!(err.path, path);
}

/// A database truncated to zero bytes is not silently a new one (a rerun would redo and
/// republish everything): it is refused with its path, unless the caller asks to start over.
#[tokio::test]
async fn a_truncated_database_is_refused_unless_a_new_one_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let ctx = org(&store).await;
    new_workflow(&store, &ctx).await;
    drop(store);
    let _ = std::fs::remove_file(dir.path().join("db.sqlite-wal"));
    let _ = std::fs::remove_file(dir.path().join("db.sqlite-shm"));
    std::fs::File::create(&path).unwrap(); // truncates
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind, SqliteErrorKind::Empty, "{err}");
    assert_eq!(err.path, path);
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "nothing written to the refused file");
    let fresh = SqliteStore::open_with(&path, SqliteOptions::default().allow_empty_file(true)).await.unwrap();
    org(&fresh).await;
}

#[tokio::test]
async fn a_missing_directory_is_cannot_open_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/db.sqlite");
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind, SqliteErrorKind::CannotOpen, "{err}");
    assert_eq!(err.path, path);
}

#[tokio::test]
async fn a_read_only_database_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    drop(SqliteStore::open(&path).await.unwrap());

    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&path, perms).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind, SqliteErrorKind::ReadOnly, "{err}");
    assert_eq!(err.path, path);
    assert!(err.to_string().contains("db.sqlite"), "{err}");
}

#[tokio::test]
async fn a_database_newer_than_the_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    drop(SqliteStore::open(&path).await.unwrap());
    raw(&path)
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'future', 'x')",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(
        err.kind,
        SqliteErrorKind::SchemaTooNew { found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION }
    );
    assert_eq!(err.path, path);
    assert!(err.to_string().contains("newer than this code supports"), "{err}");
}

#[tokio::test]
async fn an_older_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;
    drop(store);
    // Roll the file back to schema version 1 (no runner columns, no append-only triggers, no
    // ledger-truth columns; the publish references' table as rebuilt by version 4 keeps its shape
    // apart from the dropped column).
    let conn = raw(&path);
    conn.execute_batch(
        "DROP INDEX usage_reservations_workflow_idx;
         ALTER TABLE usage_reservations DROP COLUMN replay_of;
         ALTER TABLE usage_reservations DROP COLUMN reaped_at;
         DROP INDEX publish_references_org_key_idx;
         ALTER TABLE publish_references DROP COLUMN post_status;
         DROP INDEX intent_workflows_claim_idx;
         ALTER TABLE intent_workflows DROP COLUMN failure_kind;
         ALTER TABLE intent_workflows DROP COLUMN attempts;
         ALTER TABLE intent_workflows DROP COLUMN next_attempt_at;
         DROP TRIGGER intent_audit_logs_no_update; DROP TRIGGER intent_audit_logs_no_delete;
         DROP TRIGGER workflow_transitions_no_update; DROP TRIGGER workflow_transitions_no_delete;
         DELETE FROM schema_migrations WHERE version IN (2, 3, 4);",
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.get_workflow(&ctx, wf.id).await.unwrap().unwrap().title, wf.title, "data kept");
    let conn = raw(&path);
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, vec![1, 2, 3, 4]);
    let publish_sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'publish_references'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !publish_sql.contains("UNIQUE (idempotency_key)"),
        "keys are per organization now: {publish_sql}"
    );
    assert!(publish_sql.contains("post_status"), "{publish_sql}");
    assert!(store.list_reservations(&ctx, wf.id).await.unwrap().is_empty(), "ledger columns back");
    let wf_after = store.get_workflow(&ctx, wf.id).await.unwrap().unwrap();
    assert_eq!((wf_after.attempts, wf_after.failure_kind), (0, None), "runner columns back, defaulted");
    let triggers: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(triggers, 4);
}

#[tokio::test]
async fn audit_and_transition_logs_are_append_only_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;
    drive_to(&store, &ctx, &wf, WorkflowState::At(Step::Icp, Phase::Pending)).await;
    let conn = raw(&path);
    for sql in [
        "UPDATE intent_audit_logs SET action = 'tampered'",
        "DELETE FROM intent_audit_logs",
        "UPDATE workflow_transitions SET reason = 'tampered'",
        "DELETE FROM workflow_transitions",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Deleting the workflow would cascade into its transitions: refused too, history stays.
    assert!(conn.execute("DELETE FROM intent_workflows", []).is_err());
    let n: i64 = conn.query_row("SELECT count(*) FROM workflow_transitions", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    let actions: i64 = conn
        .query_row("SELECT count(*) FROM intent_audit_logs WHERE action = 'tampered'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(actions, 0);
}

#[tokio::test]
async fn the_schema_rejects_invalid_json_and_cross_tenant_references() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path).await.unwrap();
    let a = org(&store).await;
    let b = org(&store).await;
    let wf = new_workflow(&store, &a).await;
    let conn = raw(&path);
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let bad_json =
        conn.execute("UPDATE intent_workflows SET metadata = '{not json' WHERE id = ?1", [wf.id.to_string()]);
    assert!(bad_json.unwrap_err().to_string().contains("CHECK"), "json_valid check");
    // A keyword of organization B in A's workflow: the composite foreign key refuses it.
    let cross = conn.execute(
        "INSERT INTO keywords (id, organization_id, workflow_id, keyword_type, keyword, normalized_keyword, source, \
         created_at, updated_at) VALUES (?1, ?2, ?3, 'seed', 'x', 'x', 's', 't', 't')",
        [uuid::Uuid::now_v7().to_string(), b.org_id.to_string(), wf.id.to_string()],
    );
    assert!(cross.unwrap_err().to_string().contains("FOREIGN KEY"), "composite foreign key");
}

#[tokio::test]
async fn a_failed_batch_leaves_no_partial_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("db.sqlite")).await.unwrap();
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;
    // 999 good rows, then one the database itself rejects (confidence outside 0..=1): the rows
    // already inserted in the transaction are rolled back.
    let mut batch = seeds(wf.id, 1_000, "batch");
    batch[999].decision_confidence = Some(2.0);
    let err = store.upsert_keywords(&ctx, &batch).await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(keyword_count(&store, &ctx, wf.id).await, 0);
    batch[999].decision_confidence = Some(0.5);
    assert_eq!(store.upsert_keywords(&ctx, &batch).await.unwrap().len(), 1_000);
    assert_eq!(keyword_count(&store, &ctx, wf.id).await, 1_000);
}

#[tokio::test]
async fn a_full_disk_is_a_typed_error_with_the_path_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    // A page cap stands in for a full disk: SQLite reports SQLITE_FULL either way.
    let options = SqliteOptions::default().max_page_count(200);
    let store = SqliteStore::open_with(&path, options).await.unwrap();
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;
    let err = store.upsert_keywords(&ctx, &seeds(wf.id, 20_000, "too many")).await.unwrap_err();
    let source = sqlite_source(&err);
    assert_eq!(source.kind, SqliteErrorKind::DiskFull, "{err}");
    assert_eq!(source.path, path);
    assert!(err.to_string().contains("db.sqlite"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(keyword_count(&store, &ctx, wf.id).await, 0, "nothing half-written");
    // The store still works for what fits.
    assert_eq!(store.upsert_keywords(&ctx, &seeds(wf.id, 10, "fits")).await.unwrap().len(), 10);
}

#[tokio::test]
async fn a_database_locked_past_the_timeout_is_retryable_busy_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let options = SqliteOptions::default().busy_timeout(Duration::from_millis(100));
    let store = SqliteStore::open_with(&path, options).await.unwrap();
    let ctx = org(&store).await;
    let wf = new_workflow(&store, &ctx).await;

    // Another process holds the write lock.
    let blocker = raw(&path);
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.upsert_keywords(&ctx, &seeds(wf.id, 5, "blocked")).await.unwrap_err();
    let source = sqlite_source(&err);
    assert_eq!(source.kind, SqliteErrorKind::Busy, "{err}");
    assert_eq!(source.path, path);
    assert!(err.is_retryable());
    // Readers are not blocked by a writer (WAL).
    assert_eq!(store.get_workflow(&ctx, wf.id).await.unwrap().unwrap().id, wf.id);
    blocker.execute_batch("COMMIT").unwrap();
    // Once the lock is gone, the retry succeeds.
    assert_eq!(store.upsert_keywords(&ctx, &seeds(wf.id, 5, "blocked")).await.unwrap().len(), 5);
}

#[tokio::test]
async fn synchronous_full_is_selectable() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions::default().synchronous(infin8_store_sqlite::Synchronous::Full).readers(1);
    let store = SqliteStore::open_with(dir.path().join("db.sqlite"), options).await.unwrap();
    let ctx = org(&store).await;
    new_workflow(&store, &ctx).await;
}

/// Runs `f(store, i)` on `threads` OS threads, each with its own runtime and its own
/// separately opened store on `path`, released together by a barrier.
fn race<T: Send + 'static>(
    path: &Path,
    threads: usize,
    f: impl Fn(SqliteStore, usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>
    + Send
    + Sync
    + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (f, barrier, path) = (f.clone(), barrier.clone(), path.to_path_buf());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                let store = SqliteStore::open_blocking(&path, &SqliteOptions::default().readers(1)).unwrap();
                barrier.wait();
                rt.block_on(f(store, i))
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separately_opened_stores_in_threads_race_correctly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite");
    let setup = SqliteStore::open(&path).await.unwrap();
    let ctx = org(&setup).await;
    let wf = drive_to(
        &setup,
        &ctx,
        &new_workflow(&setup, &ctx).await,
        WorkflowState::At(Step::Icp, Phase::Pending),
    )
    .await;

    // CAS transition: exactly one of 8 threads wins.
    let processing = WorkflowState::At(Step::Icp, Phase::Processing);
    let wf2 = wf.clone();
    let outcomes = race(&path, 8, move |store, i| {
        let mut req = TransitionRequest::from_current(&wf2, processing)
            .with_lease(Lease { owner: format!("thread-{i}"), expires_at: at(600) });
        req.idempotency_key = format!("thread-{i}");
        Box::pin(async move { store.transition(&ctx, req).await })
    });
    let winners = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    for o in &outcomes {
        if let Err(e) = o {
            assert!(
                matches!(e, Error::Conflict { reason: ConflictReason::StaleWorkflow { version, .. }, .. } if *version == wf.version + 1),
                "{e:?}"
            );
        }
    }
    assert_eq!(setup.list_transitions(&ctx, wf.id).await.unwrap().len() as i64, wf.version);

    // Usage reservations: 8 threads × 5 reservations of 1 against a limit of 17.
    let scope = LedgerScope::Month(BillingPeriod::new(2030, 1).unwrap());
    let results = race(&path, 8, move |store, _| {
        Box::pin(async move {
            let mut ok = 0;
            for _ in 0..5 {
                let request = ReserveUsage {
                    id: ReservationId::new(),
                    workflow_id: None,
                    purpose: "race".into(),
                    replay_of: None,
                    lines: vec![UsageLine {
                        metric: UsageMetric::WebResearch,
                        scope,
                        amount: 1,
                        limit: Some(17),
                    }],
                };
                match store.reserve_usage(&ctx, request).await {
                    Ok(_) => ok += 1,
                    Err(Error::LimitExceeded { .. }) => {}
                    Err(e) => panic!("{e:?}"),
                }
            }
            ok
        })
    });
    assert_eq!(results.iter().sum::<i32>(), 17);
    let usage = setup.get_usage(&ctx, UsageMetric::WebResearch, scope).await.unwrap();
    assert_eq!((usage.used, usage.reserved), (0, 17));

    // Rate limit: 8 threads × 4 hits against 10 per fixed window.
    let allowed = race(&path, 8, move |store, _| {
        Box::pin(async move {
            let mut allowed = 0;
            for _ in 0..4 {
                let request = RateLimitRequest {
                    key: "provider:test".into(),
                    limit: 10,
                    window: Duration::from_secs(60),
                    kind: WindowKind::Fixed,
                    cost: 1,
                    now: at(5),
                };
                if store.hit_rate_limit(&ctx, request).await.unwrap().allowed {
                    allowed += 1;
                }
            }
            allowed
        })
    });
    assert_eq!(allowed.iter().sum::<i32>(), 10);

    // Concurrent upserts of the same texts from every thread create each keyword once.
    let created = race(&path, 4, move |store, _| {
        let batch = seeds(wf.id, 500, "shared");
        Box::pin(async move { store.upsert_keywords(&ctx, &batch).await.unwrap() })
    });
    let total_created: usize = created.iter().map(|r| r.iter().filter(|u| u.created).count()).sum();
    assert_eq!(total_created, 500);
    for r in &created[1..] {
        assert_eq!(
            r.iter().map(|u| u.id).collect::<Vec<_>>(),
            created[0].iter().map(|u| u.id).collect::<Vec<_>>()
        );
    }
    assert_eq!(keyword_count(&setup, &ctx, wf.id).await, 500);

    // And the audit log saw every successful write, once.
    let audit = setup.list_audit(&ctx, infin8_core::audit::AuditQuery::default()).await.unwrap();
    let transitions = audit.items.iter().filter(|e| e.action == "workflow.transition").count() as i64;
    assert_eq!(transitions, wf.version);
    let _ = AuditId::new();
}
