//! The keys of `keywords` (its workflow, and its parent in the same workflow), checked once per
//! statement by migration 0005's triggers, keep every guarantee of the foreign keys they replace:
//! proven here in raw SQL, through the store's role where the store would write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use sqlx::{Connection, PgConnection};
use std::time::Duration;
use uuid::Uuid;

const WORKFLOW_KEY: &str = "keywords_organization_id_workflow_id_fkey";
const PARENT_KEY: &str = "keywords_organization_id_workflow_id_parent_id_fkey";

/// Two organizations; A has workflows `w1`, `w2` and seed `s1` in `w1`; B has workflow `wb`.
struct Fixture {
    a: Uuid,
    w1: Uuid,
    w2: Uuid,
    s1: Uuid,
    wb: Uuid,
}

async fn fixture(conn: &mut PgConnection) -> Fixture {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let f = Fixture { a, w1: Uuid::now_v7(), w2: Uuid::now_v7(), s1: Uuid::now_v7(), wb: Uuid::now_v7() };
    for (org, name) in [(a, "keys-a"), (b, "keys-b")] {
        sqlx::query("INSERT INTO organizations (id, name) VALUES ($1, $2)")
            .bind(org)
            .bind(format!("{name}-{org}"))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    for (id, org) in [(f.w1, a), (f.w2, a), (f.wb, b)] {
        sqlx::query("INSERT INTO intent_workflows (id, organization_id, title) VALUES ($1, $2, 'keys')")
            .bind(id)
            .bind(org)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    insert_as_owner(conn, f.s1, a, f.w1, None, "seed one").await.unwrap();
    f
}

async fn insert_as_owner(
    conn: &mut PgConnection,
    id: Uuid,
    org: Uuid,
    workflow: Uuid,
    parent: Option<Uuid>,
    text: &str,
) -> Result<(), sqlx::Error> {
    let kind = if parent.is_some() { "longtail" } else { "seed" };
    sqlx::query(
        "INSERT INTO keywords (id, organization_id, workflow_id, parent_id, keyword_type, keyword, \
         normalized_keyword, source) VALUES ($1, $2, $3, $4, $5, $6, $6, 'test')",
    )
    .bind(id)
    .bind(org)
    .bind(workflow)
    .bind(parent)
    .bind(kind)
    .bind(text)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Runs `sql` (binding `binds` as uuids) in a transaction of the store's role for `org`, and
/// returns its error, if any, as (SQLSTATE, constraint).
async fn as_tenant(
    conn: &mut PgConnection,
    org: Uuid,
    sql: &str,
    binds: &[Uuid],
) -> Option<(String, String)> {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(
        "SELECT set_config('role', 'infin8_app', true), set_config('app.current_organization_id', $1, true)",
    )
    .bind(org.to_string())
    .execute(&mut *tx)
    .await
    .unwrap();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(*b);
    }
    let result = q.execute(&mut *tx).await;
    match result {
        Ok(_) => {
            tx.commit().await.unwrap();
            None
        }
        Err(e) => Some(sqlstate(&e)),
    }
}

fn sqlstate(e: &sqlx::Error) -> (String, String) {
    let db = e.as_database_error().unwrap_or_else(|| panic!("not a database error: {e}"));
    (db.code().unwrap_or_default().into_owned(), db.constraint().unwrap_or_default().to_string())
}

fn fk(constraint: &str) -> Option<(String, String)> {
    Some(("23503".to_string(), constraint.to_string()))
}

const INSERT: &str = "INSERT INTO keywords (id, organization_id, workflow_id, parent_id, keyword_type, keyword, \
     normalized_keyword, source) VALUES ($1, $2, $3, $4, CASE WHEN $4 IS NULL THEN 'seed' ELSE 'longtail' END, \
     $1::text, $1::text, 'test')";

#[tokio::test]
async fn inserts_need_a_workflow_and_a_parent_of_the_same_workflow() {
    let Some(url) = common::database_url("inserts_need_a_workflow_and_a_parent_of_the_same_workflow") else {
        return;
    };
    let db = common::TestDb::create(&url).await;
    let mut conn = db.connect().await;
    let f = fixture(&mut conn).await;
    let nil = Uuid::nil();
    let insert_null_parent = INSERT.replace("$4", "NULLIF($4, $5)");

    // No such workflow, and another organization's workflow: both missing for tenant A.
    for workflow in [Uuid::now_v7(), f.wb] {
        let err =
            as_tenant(&mut conn, f.a, &insert_null_parent, &[Uuid::now_v7(), f.a, workflow, nil, nil]).await;
        assert_eq!(err, fk(WORKFLOW_KEY), "workflow {workflow}");
    }
    // A parent in another workflow of the same organization, and no such parent.
    for parent in [f.s1, Uuid::now_v7()] {
        let err = as_tenant(&mut conn, f.a, INSERT, &[Uuid::now_v7(), f.a, f.w2, parent]).await;
        assert_eq!(err, fk(PARENT_KEY), "parent {parent}");
    }
    // The right workflow and parent; and a parent inserted by the same statement as its child.
    assert_eq!(as_tenant(&mut conn, f.a, INSERT, &[Uuid::now_v7(), f.a, f.w1, f.s1]).await, None);
    let (seed, child) = (Uuid::now_v7(), Uuid::now_v7());
    let both = "INSERT INTO keywords (id, organization_id, workflow_id, parent_id, keyword_type, keyword, \
                normalized_keyword, source) VALUES \
                ($1, $3, $4, NULL, 'seed', 'p', 'p', 'test'), ($2, $3, $4, $1, 'longtail', 'c', 'c', 'test')";
    assert_eq!(as_tenant(&mut conn, f.a, both, &[seed, child, f.a, f.w2]).await, None);

    // A failed statement wrote nothing: only the four good keywords exist.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM keywords").fetch_one(&mut conn).await.unwrap();
    assert_eq!(count, 4);
}

#[tokio::test]
async fn keys_never_change_and_referenced_rows_are_not_deleted() {
    let Some(url) = common::database_url("keys_never_change_and_referenced_rows_are_not_deleted") else {
        return;
    };
    let db = common::TestDb::create(&url).await;
    let mut conn = db.connect().await;
    let f = fixture(&mut conn).await;
    let child = Uuid::now_v7();
    insert_as_owner(&mut conn, child, f.a, f.w1, Some(f.s1), "child").await.unwrap();

    // Moving a keyword to another workflow or parent is refused.
    let moved =
        as_tenant(&mut conn, f.a, "UPDATE keywords SET workflow_id = $2 WHERE id = $1", &[f.s1, f.w2]).await;
    assert_eq!(moved, fk(PARENT_KEY));
    let reparented =
        as_tenant(&mut conn, f.a, "UPDATE keywords SET parent_id = NULL WHERE id = $1", &[child]).await;
    assert_eq!(reparented, fk(PARENT_KEY));
    // Other columns update as before.
    let ok =
        as_tenant(&mut conn, f.a, "UPDATE keywords SET search_volume = 10 WHERE id = $1", &[child]).await;
    assert_eq!(ok, None);

    // Deleting (as the owner: the store's role may not delete keywords or workflows) a referenced
    // parent or workflow fails; deleting a parent with its children in one statement works.
    let err =
        sqlx::query("DELETE FROM keywords WHERE id = $1").bind(f.s1).execute(&mut conn).await.unwrap_err();
    assert_eq!(Some(sqlstate(&err)), fk(PARENT_KEY));
    let err = sqlx::query("DELETE FROM intent_workflows WHERE id = $1")
        .bind(f.w1)
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert_eq!(Some(sqlstate(&err)), fk(WORKFLOW_KEY));
    let gone = sqlx::query("DELETE FROM keywords WHERE workflow_id = $1").bind(f.w1).execute(&mut conn).await;
    assert_eq!(gone.unwrap().rows_affected(), 2);
    let gone = sqlx::query("DELETE FROM intent_workflows WHERE id = $1").bind(f.w1).execute(&mut conn).await;
    assert_eq!(gone.unwrap().rows_affected(), 1);
}

/// A workflow deleted by a transaction that commits while an insert waits on it fails the insert,
/// as a foreign key would: the insert locks what it references before counting it.
#[tokio::test]
async fn an_insert_racing_a_delete_of_its_workflow_fails() {
    let Some(url) = common::database_url("an_insert_racing_a_delete_of_its_workflow_fails") else { return };
    let db = common::TestDb::create(&url).await;
    let mut conn = db.connect().await;
    let f = fixture(&mut conn).await;

    let mut deleter = db.connect().await;
    let mut tx = deleter.begin().await.unwrap();
    sqlx::query("DELETE FROM intent_workflows WHERE id = $1").bind(f.w2).execute(&mut *tx).await.unwrap();

    let mut inserter: PgConnection = db.connect().await;
    let (a, w2) = (f.a, f.w2);
    let insert = tokio::spawn(async move {
        let nil = Uuid::nil();
        let sql = INSERT.replace("$4", "NULLIF($4, $5)");
        as_tenant(&mut inserter, a, &sql, &[Uuid::now_v7(), a, w2, nil, nil]).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!insert.is_finished(), "the insert must wait for the deleting transaction");
    tx.commit().await.unwrap();
    assert_eq!(insert.await.unwrap(), fk(WORKFLOW_KEY));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM keywords WHERE workflow_id = $1")
        .bind(f.w2)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(count, 0, "no keyword may reference the deleted workflow");
}
