//! Members and what their roles permit.

use crate::error::Error;
use crate::ids::{OrgId, UserId};
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// A member's role in an organization.
    Role, "role" {
        /// Owns the organization: everything.
        Owner => "owner",
        /// Administers: everything but transferring ownership.
        Admin => "admin",
        /// Works on content: runs workflows and approves keywords.
        Member => "member",
        /// Reads only.
        Viewer => "viewer",
    }
);

wire_enum!(
    /// Something a role may or may not do.
    Permission, "permission" {
        /// Read anything in the organization.
        Read => "read",
        /// Create, run, retry and cancel workflows.
        RunWorkflows => "run_workflows",
        /// Approve or reject seed keywords, subtopics and clusters.
        Approve => "approve",
        /// Change organization settings and competitors.
        ChangeSettings => "change_settings",
        /// Add and remove members.
        ManageMembers => "manage_members",
    }
);

impl Role {
    /// Whether this role grants `permission`.
    ///
    /// | role | read | run workflows | approve | change settings | manage members |
    /// |---|---|---|---|---|---|
    /// | owner | ✓ | ✓ | ✓ | ✓ | ✓ |
    /// | admin | ✓ | ✓ | ✓ | ✓ | ✓ |
    /// | member | ✓ | ✓ | ✓ | | |
    /// | viewer | ✓ | | | | |
    #[must_use]
    pub const fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::RunWorkflows | Permission::Approve => !matches!(self, Role::Viewer),
            Permission::ChangeSettings | Permission::ManageMembers => {
                matches!(self, Role::Owner | Role::Admin)
            }
        }
    }

    /// `Ok(())` if this role grants `permission`.
    ///
    /// # Errors
    /// [`Error::Forbidden`] naming the action otherwise.
    pub fn require(self, permission: Permission) -> Result<(), Error> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden { action: permission.action(), role: self })
        }
    }
}

impl Permission {
    /// The action in words, for error messages.
    #[must_use]
    pub const fn action(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::RunWorkflows => "run workflows",
            Self::Approve => "approve",
            Self::ChangeSettings => "change settings",
            Self::ManageMembers => "manage members",
        }
    }
}

/// A user's membership in an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The organization.
    pub organization_id: OrgId,
    /// The user.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_table() {
        assert!(!Role::Viewer.allows(Permission::Approve));
        assert!(Role::Viewer.allows(Permission::Read));
        assert!(Role::Member.allows(Permission::Approve));
        assert!(!Role::Member.allows(Permission::ChangeSettings));
        assert!(Role::Admin.allows(Permission::ChangeSettings));
        assert!(Role::Owner.allows(Permission::ManageMembers));
        let err = Role::Viewer.require(Permission::Approve).unwrap_err();
        assert_eq!(err.to_string(), "forbidden: role viewer may not approve");
    }
}
