//! The one place where sqlx and PostgreSQL failures become [`infin8_core::Error`]s.

use infin8_core::{ConflictReason, Entity, Error};
use sqlx::error::{DatabaseError, ErrorKind};

/// The backend name in errors.
pub(crate) const BACKEND: &str = "postgres";

/// SQLSTATEs that `DatabaseError::kind()` has no variant for, and that a retry can fix.
const RETRYABLE_SQLSTATES: &[(&str, &str)] = &[
    ("40001", "serialization failure"),
    ("40P01", "deadlock detected"),
    ("57014", "statement timeout or cancellation"),
    ("55P03", "lock not available"),
    ("53300", "too many connections"),
    ("57P01", "server shutting down"),
    ("57P02", "server crashed"),
    ("57P03", "server cannot connect now"),
];

/// Maps a sqlx failure of `operation` to the store's error.
///
/// - unique violations → `Conflict(AlreadyExists)` on the entity of the table;
/// - foreign-key violations → `NotFound` of the referenced entity (the row a caller named does not
///   exist in their organization);
/// - check and not-null violations → `Invalid`;
/// - serialization failures, deadlocks, statement timeouts, lock timeouts, too many
///   connections, connection loss (`08xxx`, I/O), pool exhaustion → `Backend { retryable: true }`;
/// - everything else (including a row-level-security refusal, which means a bug) →
///   `Backend { retryable: false }`.
///
/// Messages come from the server's primary message, never its DETAIL (which may quote values).
pub(crate) fn map_sqlx(operation: &'static str, err: sqlx::Error) -> Error {
    match err {
        sqlx::Error::Database(db) => map_database(operation, db),
        sqlx::Error::PoolTimedOut => {
            backend(operation, "connection pool exhausted (acquire timed out)", true, err)
        }
        sqlx::Error::PoolClosed => backend(operation, "connection pool closed", false, err),
        sqlx::Error::Io(_) => backend(operation, "connection lost", true, err),
        sqlx::Error::Tls(_) => backend(operation, "tls failure", true, err),
        sqlx::Error::Protocol(_) => backend(operation, "protocol error (connection dropped?)", true, err),
        sqlx::Error::WorkerCrashed => backend(operation, "connection worker crashed", true, err),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            backend(operation, "stored row does not decode", false, err)
        }
        other => backend(operation, "database call failed", false, other),
    }
}

fn map_database(operation: &'static str, db: Box<dyn DatabaseError>) -> Error {
    let constraint = db.constraint().unwrap_or_default().to_string();
    let table = db.table().unwrap_or_default().to_string();
    let message = db.message().to_lowercase();
    match db.kind() {
        ErrorKind::UniqueViolation => {
            Error::conflict(entity_of_table(&table), constraint, ConflictReason::AlreadyExists)
        }
        ErrorKind::ForeignKeyViolation => Error::not_found(referenced_entity(&constraint), "-"),
        ErrorKind::CheckViolation | ErrorKind::NotNullViolation | ErrorKind::ExclusionViolation => {
            Error::invalid("input", format!("{table}: {message}"))
        }
        _ => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let retryable_kind = RETRYABLE_SQLSTATES.iter().find(|(c, _)| *c == code).map(|(_, what)| *what);
            let connection = code.starts_with("08");
            let retryable = retryable_kind.is_some() || connection;
            let what = match (retryable_kind, connection, code.as_str()) {
                (Some(what), _, _) => format!("{what}: {message}"),
                (None, true, _) => format!("connection failure: {message}"),
                (None, false, "42501") => format!("permission or row-level security refusal: {message}"),
                _ => format!("{message} (sqlstate {code})"),
            };
            Error::Backend {
                backend: BACKEND,
                operation,
                message: what,
                retryable,
                source: Some(Box::new(sqlx::Error::Database(db))),
            }
        }
    }
}

fn backend(operation: &'static str, message: &str, retryable: bool, err: sqlx::Error) -> Error {
    Error::Backend {
        backend: BACKEND,
        operation,
        message: message.to_string(),
        retryable,
        source: Some(Box::new(err)),
    }
}

/// A stored value that does not parse (a row written by something else, or a bug).
pub(crate) fn corrupt(operation: &'static str, what: impl std::fmt::Display) -> Error {
    Error::Backend {
        backend: BACKEND,
        operation,
        message: format!("stored value does not decode: {what}"),
        retryable: false,
        source: None,
    }
}

fn entity_of_table(table: &str) -> Entity {
    match table {
        "organizations" => Entity::Organization,
        "organization_members" => Entity::Member,
        "organization_competitors" => Entity::Competitor,
        "intent_workflows" | "workflow_transitions" => Entity::Workflow,
        "keywords" => Entity::Keyword,
        "topic_clusters" => Entity::Cluster,
        "cluster_validation_results" => Entity::ClusterValidation,
        "intent_approvals" => Entity::Approval,
        "articles" => Entity::Article,
        "article_sections" => Entity::ArticleSection,
        "publish_references" => Entity::PublishReference,
        "tavily_research_cache" => Entity::ResearchCache,
        "usage_reservations" | "usage_tracking" => Entity::UsageReservation,
        _ => Entity::AuditEntry,
    }
}

/// The referenced entity, from the constraint's name (`keywords_organization_id_workflow_id_fkey`).
fn referenced_entity(constraint: &str) -> Entity {
    let c = constraint.trim_end_matches("_fkey");
    if c.ends_with("parent_id") || c.ends_with("keyword_id") {
        Entity::Keyword
    } else if c.ends_with("article_id") {
        Entity::Article
    } else if c.ends_with("workflow_id") {
        Entity::Workflow
    } else {
        Entity::Organization
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_name_the_parent() {
        assert_eq!(referenced_entity("keywords_organization_id_workflow_id_fkey"), Entity::Workflow);
        assert_eq!(referenced_entity("keywords_organization_id_workflow_id_parent_id_fkey"), Entity::Keyword);
        assert_eq!(
            referenced_entity("topic_clusters_organization_id_workflow_id_spoke_keyword_id_fkey"),
            Entity::Keyword
        );
        assert_eq!(referenced_entity("article_sections_organization_id_article_id_fkey"), Entity::Article);
        assert_eq!(referenced_entity("organization_members_organization_id_fkey"), Entity::Organization);
    }

    #[test]
    fn pool_and_io_failures_are_retryable() {
        assert!(map_sqlx("op", sqlx::Error::PoolTimedOut).is_retryable());
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(map_sqlx("op", sqlx::Error::Io(io)).is_retryable());
        assert!(!map_sqlx("op", sqlx::Error::PoolClosed).is_retryable());
    }
}

/// The mapping of errors the server really raises (needs `DATABASE_URL`).
#[cfg(test)]
mod server_tests {
    use super::*;
    use sqlx::Connection;

    async fn server_error(sql: &'static str) -> Option<sqlx::Error> {
        let url = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                assert_ne!(
                    std::env::var("INFIN8_REQUIRE_POSTGRES").as_deref(),
                    Ok("1"),
                    "INFIN8_REQUIRE_POSTGRES=1 but DATABASE_URL is not set"
                );
                eprintln!("skipping postgres error-mapping test: DATABASE_URL is not set");
                return None;
            }
        };
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        Some(sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_err())
    }

    #[tokio::test]
    async fn serialization_deadlock_and_timeout_are_retryable() {
        for (sql, needle) in [
            (
                "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'serialization_failure'; END $$",
                "serialization",
            ),
            ("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'deadlock_detected'; END $$", "deadlock"),
            ("SET statement_timeout = '20ms'; SELECT pg_sleep(2)", "statement timeout"),
            ("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'connection_failure'; END $$", "connection"),
        ] {
            let Some(err) = server_error(sql).await else { return };
            match map_sqlx("test", err) {
                Error::Backend { retryable: true, message, .. } => {
                    assert!(message.contains(needle), "{message}")
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn constraint_violations_become_domain_errors() {
        let Some(err) = server_error(
            "CREATE TEMP TABLE p (id int PRIMARY KEY); INSERT INTO p VALUES (1); INSERT INTO p VALUES (1)",
        )
        .await
        else {
            return;
        };
        assert!(map_sqlx("test", err).is_conflict());
        let Some(err) =
            server_error("CREATE TEMP TABLE c (n int CHECK (n > 0)); INSERT INTO c VALUES (0)").await
        else {
            return;
        };
        assert!(matches!(map_sqlx("test", err), Error::Invalid(_)));
        let Some(err) =
            server_error("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = 'insufficient_privilege'; END $$")
                .await
        else {
            return;
        };
        assert!(matches!(map_sqlx("test", err), Error::Backend { retryable: false, .. }));
    }
}
