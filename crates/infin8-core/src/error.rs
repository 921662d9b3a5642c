//! The error type of the store and engine boundary.

use crate::ledger::usage::UsageMetric;
use crate::organization::member::Role;
use crate::provider::{BoxError, ProviderError};
use crate::workflow::state::WorkflowState;
use std::time::Duration;

/// A result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of entity an error can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// An organization.
    Organization,
    /// A member of an organization.
    Member,
    /// A competitor site.
    Competitor,
    /// A workflow.
    Workflow,
    /// A keyword.
    Keyword,
    /// A topic cluster.
    Cluster,
    /// A cluster validation result.
    ClusterValidation,
    /// An approval.
    Approval,
    /// An article.
    Article,
    /// An article section.
    ArticleSection,
    /// A publish reference.
    PublishReference,
    /// A research cache entry.
    ResearchCache,
    /// A usage reservation.
    UsageReservation,
    /// An audit log entry.
    AuditEntry,
}

impl Entity {
    /// The entity's name as used in messages (`"workflow"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::Member => "member",
            Self::Competitor => "competitor",
            Self::Workflow => "workflow",
            Self::Keyword => "keyword",
            Self::Cluster => "cluster",
            Self::ClusterValidation => "cluster validation",
            Self::Approval => "approval",
            Self::Article => "article",
            Self::ArticleSection => "article section",
            Self::PublishReference => "publish reference",
            Self::ResearchCache => "research cache entry",
            Self::UsageReservation => "usage reservation",
            Self::AuditEntry => "audit entry",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Input that breaks a rule, named by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct InvalidInput {
    /// The offending field or argument (`"keyword"`, `"competitor_url"`, `"state"`).
    pub field: &'static str,
    /// Why it was rejected, lower-case.
    pub reason: String,
}

impl InvalidInput {
    /// A new invalid-input error.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self { field, reason: reason.into() }
    }
}

/// Why a write conflicted with the current state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictReason {
    /// A compare-and-set on a workflow's `(state, version)` lost: someone else moved it first.
    StaleWorkflow {
        /// The workflow's state now.
        current: WorkflowState,
        /// The workflow's version now.
        version: i64,
    },
    /// The requested transition is not in the legal transition table from the current state.
    IllegalTransition {
        /// The state the workflow is in.
        from: WorkflowState,
        /// The state that was requested.
        to: WorkflowState,
    },
    /// An idempotency key was reused for a different request.
    IdempotencyKeyReused,
    /// A unique natural key already exists (e.g. an approval for the same entity).
    AlreadyExists,
    /// The row is in a state that does not allow this operation (e.g. committing a released
    /// reservation, publishing an unclaimed article).
    WrongState(String),
}

impl std::fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::StaleWorkflow { current, version } => {
                write!(f, "stale: workflow is now {current} at version {version}")
            }
            Self::IllegalTransition { from, to } => write!(f, "illegal transition {from} -> {to}"),
            Self::IdempotencyKeyReused => f.write_str("idempotency key reused for another request"),
            Self::AlreadyExists => f.write_str("already exists"),
            Self::WrongState(s) => write!(f, "wrong state: {s}"),
        }
    }
}

/// The error of every [`Store`](crate::store::Store) and engine operation.
///
/// Callers react to the variant; [`is_retryable`](Self::is_retryable) says whether the same call
/// may succeed later. Messages are lower-case and never contain secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No such entity in the caller's organization. An id belonging to another organization is
    /// reported exactly like a missing one.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked up.
        entity: Entity,
        /// The id or key that was looked up.
        id: String,
    },
    /// The write lost against the current state (see [`ConflictReason`]).
    #[error("conflict on {entity} {id}: {reason}")]
    Conflict {
        /// The entity written.
        entity: Entity,
        /// Its id.
        id: String,
        /// What conflicted.
        reason: ConflictReason,
    },
    /// The actor's role does not permit the action.
    #[error("forbidden: role {role} may not {action}")]
    Forbidden {
        /// What was attempted (`"approve keywords"`).
        action: &'static str,
        /// The actor's role.
        role: Role,
    },
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// A usage or budget limit would be exceeded; nothing was spent.
    #[error("limit exceeded for {metric}: used {used} + requested {requested} > limit {limit}")]
    LimitExceeded {
        /// The metric (or budget) whose limit would be exceeded.
        metric: UsageMetric,
        /// The limit.
        limit: i64,
        /// Already used plus reserved.
        used: i64,
        /// What was asked for.
        requested: i64,
    },
    /// A rate limit window is full.
    #[error("rate limited on {key}; retry after {retry_after:?}")]
    RateLimited {
        /// The rate-limit key.
        key: String,
        /// When the window frees up.
        retry_after: Duration,
    },
    /// The workflow was cancelled; the operation stopped at a safe point.
    #[error("workflow {workflow} was cancelled")]
    Cancelled {
        /// The workflow.
        workflow: String,
    },
    /// A storage backend failed.
    #[error("{backend} store failed during {operation}: {message}")]
    Backend {
        /// `"memory"`, `"sqlite"`, `"postgres"`.
        backend: &'static str,
        /// The store operation (`"transition"`, `"upsert_keywords"`).
        operation: &'static str,
        /// What failed, lower-case.
        message: String,
        /// Whether retrying the operation can help (lock timeout, serialization failure,
        /// dropped connection, pool exhausted).
        retryable: bool,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A provider call failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl Error {
    /// Whether retrying the same call later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Backend { retryable, .. } => *retryable,
            Self::Provider(e) => e.is_retryable(),
            Self::RateLimited { .. } => true,
            _ => false,
        }
    }

    /// How long to wait before retrying, when known.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => Some(*retry_after),
            Self::Provider(e) => e.retry_after(),
            _ => None,
        }
    }

    /// A not-found error.
    pub fn not_found(entity: Entity, id: impl ToString) -> Self {
        Self::NotFound { entity, id: id.to_string() }
    }

    /// A conflict error.
    pub fn conflict(entity: Entity, id: impl ToString, reason: ConflictReason) -> Self {
        Self::Conflict { entity, id: id.to_string(), reason }
    }

    /// An invalid-input error.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid(InvalidInput::new(field, reason))
    }

    /// Whether this is [`Error::NotFound`].
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether this is [`Error::Conflict`].
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}
