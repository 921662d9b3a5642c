//! Tenancy: who is calling, on behalf of which organization.

use crate::ids::{OrgId, UserId};
use crate::organization::member::Role;
use serde::{Deserialize, Serialize};

/// Who performs an operation: a user, or the system itself (the engine, a scheduled job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A human user.
    User(UserId),
    /// The system (engine steps, auto-approvals). Recorded as such in the audit log.
    System,
}

impl Actor {
    /// The user id, if a user.
    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User(id) => Some(*id),
            Self::System => None,
        }
    }
}

/// The first argument of every store call: the organization whose data may be read or written,
/// and the actor with their role.
///
/// No store operation reads or writes outside `org_id`. An id that belongs to another
/// organization behaves exactly like an id that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantContext {
    /// The tenant.
    pub org_id: OrgId,
    /// Who is acting.
    pub actor: Actor,
    /// The actor's role in `org_id`.
    pub role: Role,
}

impl TenantContext {
    /// A context for a user with a role.
    #[must_use]
    pub fn user(org_id: OrgId, user: UserId, role: Role) -> Self {
        Self { org_id, actor: Actor::User(user), role }
    }

    /// A context for the system acting for an organization (the engine's own steps). The system
    /// acts with [`Role::Admin`] rights, which every store write accepts (store convention 10 in
    /// [`crate::store`]).
    #[must_use]
    pub fn system(org_id: OrgId) -> Self {
        Self { org_id, actor: Actor::System, role: Role::Admin }
    }
}
