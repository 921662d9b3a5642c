//! Typed identifiers.
//!
//! Every entity has its own newtype over [`Uuid`], so a [`KeywordId`] can never be passed where a
//! [`WorkflowId`] is expected. New ids are UUIDv7 (time-ordered, index-friendly); [`derive`]d ids
//! are UUIDv5 so that a step re-run after a crash produces the same id for the same natural key.
//!
//! [`derive`]: WorkflowId::derive

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The namespace for derived (UUIDv5) ids; fixed forever, changing it changes every derived id.
const INFIN8_NAMESPACE: Uuid = Uuid::from_u128(0x6f1e_8a52_3c0d_4b7e_9f4a_2d61_c8b3_0e57);

/// An id string that did not parse as a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {input:?}")]
pub struct ParseIdError {
    /// Which id type was being parsed (`"workflow"`, `"keyword"`, …).
    pub kind: &'static str,
    /// The rejected input (ids are not secret).
    pub input: String,
}

macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (e.g. read from a database).
            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// A deterministic id (UUIDv5) derived from a natural key: the same parts always give
            /// the same id, so a re-run step writes the same rows instead of new ones.
            #[must_use]
            pub fn derive(parts: &[&[u8]]) -> Self {
                let mut name = Vec::with_capacity(64);
                name.extend_from_slice($kind.as_bytes());
                for part in parts {
                    name.push(0x1f);
                    name.extend_from_slice(part);
                }
                Self(Uuid::new_v5(&INFIN8_NAMESPACE, &name))
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The short name of this id's kind, as used in errors (`"workflow"`).
            pub const KIND: &'static str = $kind;
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError {
                    kind: $kind,
                    input: s.chars().take(64).collect(),
                })
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

define_id!(/// An organization (the tenant).
    OrgId, "organization");
define_id!(/// A user (member of one or more organizations).
    UserId, "user");
define_id!(/// A competitor site registered for an organization.
    CompetitorId, "competitor");
define_id!(/// An intent workflow (one content campaign).
    WorkflowId, "workflow");
define_id!(/// A recorded workflow state transition.
    TransitionId, "transition");
define_id!(/// A keyword (seed, longtail or subtopic).
    KeywordId, "keyword");
define_id!(/// A hub-and-spoke topic cluster row (one hub–spoke pair).
    ClusterId, "cluster");
define_id!(/// A cluster validation result.
    ValidationId, "cluster_validation");
define_id!(/// A human (or system) approval decision.
    ApprovalId, "approval");
define_id!(/// An article.
    ArticleId, "article");
define_id!(/// A section of an article.
    SectionId, "article_section");
define_id!(/// A publish reference (one article on one platform).
    PublishId, "publish_reference");
define_id!(/// A research cache entry.
    ResearchCacheId, "research_cache");
define_id!(/// A usage reservation (reserve → commit/release).
    ReservationId, "usage_reservation");
define_id!(/// An audit log entry.
    AuditId, "audit_log");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_string_and_json() {
        let id = WorkflowId::new();
        assert_eq!(id.to_string().parse::<WorkflowId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<WorkflowId>(&json).unwrap(), id);
    }

    #[test]
    fn rejects_junk_with_kind() {
        let err = "nope".parse::<KeywordId>().unwrap_err();
        assert_eq!(err.kind, "keyword");
        assert_eq!(err.to_string(), "invalid keyword id \"nope\"");
    }

    #[test]
    fn derived_ids_are_stable_and_kind_scoped() {
        let a = ArticleId::derive(&[b"wf", b"kw"]);
        assert_eq!(a, ArticleId::derive(&[b"wf", b"kw"]));
        assert_ne!(a, ArticleId::derive(&[b"wfk", b"w"]));
        assert_ne!(a.as_uuid(), SectionId::derive(&[b"wf", b"kw"]).as_uuid());
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = KeywordId::new();
        let b = KeywordId::new();
        assert!(a < b);
    }
}
