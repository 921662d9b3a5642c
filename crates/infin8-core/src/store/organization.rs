use crate::error::Result;
use crate::ids::{CompetitorId, UserId};
use crate::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, Organization, OrganizationCompetitor,
    OrganizationSettings, Role,
};
use crate::tenant::TenantContext;
use async_trait::async_trait;

/// Organizations, members and competitors.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Creates the organization `ctx.org_id` (the `id` in `new` must be `None` or equal it). If the actor is
    /// a user, they become its owner, in the same atomic operation. Requires
    /// [`Permission::ChangeSettings`](crate::organization::Permission::ChangeSettings) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `ChangeSettings`; `Conflict(AlreadyExists)` if it exists; `Invalid` for an empty
    /// name or a mismatched id.
    async fn create_organization(&self, ctx: &TenantContext, new: NewOrganization) -> Result<Organization>;

    /// The organization `ctx.org_id`, if it exists.
    ///
    /// # Errors
    /// Backend failures only.
    async fn get_organization(&self, ctx: &TenantContext) -> Result<Option<Organization>>;

    /// Replaces the organization's profile fields: business description, website, target
    /// audiences and settings. Requires [`Permission::ChangeSettings`](crate::organization::Permission).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` if the organization does not exist.
    async fn update_organization_profile(
        &self,
        ctx: &TenantContext,
        website_url: Option<String>,
        business_description: Option<String>,
        target_audiences: Vec<String>,
        settings: OrganizationSettings,
    ) -> Result<Organization>;

    /// Adds a member or changes their role. Requires `ManageMembers`.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` if the organization does not exist.
    async fn upsert_member(&self, ctx: &TenantContext, user: UserId, role: Role) -> Result<Member>;

    /// The organization's members, ordered by user id.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_members(&self, ctx: &TenantContext) -> Result<Vec<Member>>;

    /// Adds competitors, normalizing their URLs
    /// ([`normalize_competitor_url`](crate::organization::normalize_competitor_url)); a URL whose normalized
    /// form exists is not added again. Returns the rows for the given URLs, in input order (duplicates map to
    /// the same row). All or nothing. Requires
    /// [`Permission::ChangeSettings`](crate::organization::Permission::ChangeSettings) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `ChangeSettings`; `Invalid` if any URL is junk (nothing is added); `NotFound` if
    /// the organization does not exist.
    async fn upsert_competitors(
        &self,
        ctx: &TenantContext,
        competitors: &[NewCompetitor],
    ) -> Result<Vec<OrganizationCompetitor>>;

    /// The organization's competitors, ordered by id.
    ///
    /// # Errors
    /// Backend failures only.
    async fn list_competitors(&self, ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>>;

    /// Sets a competitor's analysis status and keyword count. Requires
    /// [`Permission::ChangeSettings`](crate::organization::Permission::ChangeSettings) (checked first).
    ///
    /// # Errors
    /// `Forbidden` without `ChangeSettings`; `NotFound` for an unknown (or foreign) id.
    async fn update_competitor(
        &self,
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64,
    ) -> Result<OrganizationCompetitor>;
}
