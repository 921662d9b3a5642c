//! Organizations, members and competitors.

use super::MemoryStore;
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::{CompetitorId, UserId};
use crate::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, OnboardingStatus, Organization,
    OrganizationCompetitor, OrganizationSettings, Permission, Role, SubscriptionStatus,
    normalize_competitor_url,
};
use crate::store::OrganizationStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl OrganizationStore for MemoryStore {
    async fn create_organization(&self, ctx: &TenantContext, new: NewOrganization) -> Result<Organization> {
        ctx.role.require(Permission::ChangeSettings)?;
        if new.id.is_some_and(|id| id != ctx.org_id) {
            return Err(Error::invalid("id", "does not match the tenant context"));
        }
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "empty"));
        }
        let mut state = self.lock();
        if state.organizations.contains_key(&ctx.org_id)
            || state.organizations.values().any(|o| o.name == new.name)
        {
            return Err(Error::conflict(Entity::Organization, ctx.org_id, ConflictReason::AlreadyExists));
        }
        let now = Utc::now();
        let org = Organization {
            id: ctx.org_id,
            name: new.name,
            plan: new.plan,
            subscription_status: SubscriptionStatus::Trialing,
            onboarding_status: OnboardingStatus::NotStarted,
            website_url: new.website_url,
            business_description: new.business_description,
            target_audiences: new.target_audiences,
            settings: new.settings,
            created_at: now,
            updated_at: now,
        };
        state.organizations.insert(org.id, org.clone());
        if let Some(user) = ctx.actor.user_id() {
            let member =
                Member { organization_id: org.id, user_id: user, role: Role::Owner, created_at: now };
            state.members.insert((org.id, user), member);
        }
        Ok(org)
    }

    async fn get_organization(&self, ctx: &TenantContext) -> Result<Option<Organization>> {
        Ok(self.lock().organizations.get(&ctx.org_id).cloned())
    }

    async fn update_organization_profile(
        &self,
        ctx: &TenantContext,
        website_url: Option<String>,
        business_description: Option<String>,
        target_audiences: Vec<String>,
        settings: OrganizationSettings,
    ) -> Result<Organization> {
        ctx.role.require(Permission::ChangeSettings)?;
        let mut state = self.lock();
        state.organization(ctx)?;
        let org = state
            .organizations
            .get_mut(&ctx.org_id)
            .ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id))?;
        org.website_url = website_url;
        org.business_description = business_description;
        org.target_audiences = target_audiences;
        org.settings = settings;
        org.updated_at = Utc::now();
        Ok(org.clone())
    }

    async fn upsert_member(&self, ctx: &TenantContext, user: UserId, role: Role) -> Result<Member> {
        ctx.role.require(Permission::ManageMembers)?;
        let mut state = self.lock();
        state.organization(ctx)?;
        let member = state.members.entry((ctx.org_id, user)).or_insert_with(|| Member {
            organization_id: ctx.org_id,
            user_id: user,
            role,
            created_at: Utc::now(),
        });
        member.role = role;
        Ok(member.clone())
    }

    async fn list_members(&self, ctx: &TenantContext) -> Result<Vec<Member>> {
        let state = self.lock();
        Ok(state.members.values().filter(|m| m.organization_id == ctx.org_id).cloned().collect())
    }

    async fn upsert_competitors(
        &self,
        ctx: &TenantContext,
        competitors: &[NewCompetitor],
    ) -> Result<Vec<OrganizationCompetitor>> {
        ctx.role.require(Permission::ChangeSettings)?;
        let normalized =
            competitors.iter().map(|c| normalize_competitor_url(&c.url)).collect::<Result<Vec<_>, _>>()?;
        let mut state = self.lock();
        state.organization(ctx)?;
        let now = Utc::now();
        let mut out = Vec::with_capacity(competitors.len());
        for (new, norm) in competitors.iter().zip(normalized) {
            let existing = state
                .competitors
                .values()
                .find(|c| c.organization_id == ctx.org_id && c.normalized_url == norm.url)
                .cloned();
            let row = match existing {
                Some(row) => row,
                None => {
                    let row = OrganizationCompetitor {
                        id: CompetitorId::new(),
                        organization_id: ctx.org_id,
                        url: new.url.clone(),
                        normalized_url: norm.url,
                        domain: norm.domain,
                        analysis_status: CompetitorStatus::Pending,
                        keywords_found: 0,
                        created_at: now,
                        updated_at: now,
                    };
                    state.competitors.insert(row.id, row.clone());
                    row
                }
            };
            out.push(row);
        }
        Ok(out)
    }

    async fn list_competitors(&self, ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>> {
        let state = self.lock();
        Ok(state.competitors.values().filter(|c| c.organization_id == ctx.org_id).cloned().collect())
    }

    async fn update_competitor(
        &self,
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64,
    ) -> Result<OrganizationCompetitor> {
        ctx.role.require(Permission::ChangeSettings)?;
        let mut state = self.lock();
        let row = state
            .competitors
            .get_mut(&id)
            .filter(|c| c.organization_id == ctx.org_id)
            .ok_or_else(|| Error::not_found(Entity::Competitor, id))?;
        row.analysis_status = status;
        row.keywords_found = keywords_found;
        row.updated_at = Utc::now();
        Ok(row.clone())
    }
}
