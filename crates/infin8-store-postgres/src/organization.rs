//! Organizations, members and competitors.

use crate::error::map_sqlx;
use crate::rows::{get, json, wire};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use infin8_core::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, Organization, OrganizationCompetitor,
    OrganizationSettings, Permission, Role, normalize_competitor_url,
};
use infin8_core::store::OrganizationStore;
use infin8_core::{CompetitorId, ConflictReason, Entity, Error, OrgId, Result, TenantContext, UserId};
use sqlx::postgres::PgRow;
use std::collections::HashMap;
use uuid::Uuid;

const ORG_COLUMNS: &str = "id, name, plan, subscription_status, onboarding_status, website_url, \
    business_description, target_audiences, blog_settings, content_settings, keyword_settings, \
    created_at, updated_at";

fn organization(row: &PgRow, op: &'static str) -> Result<Organization> {
    Ok(Organization {
        id: OrgId::from_uuid(get(row, "id", op)?),
        name: get(row, "name", op)?,
        plan: wire(row, "plan", op)?,
        subscription_status: wire(row, "subscription_status", op)?,
        onboarding_status: wire(row, "onboarding_status", op)?,
        website_url: get(row, "website_url", op)?,
        business_description: get(row, "business_description", op)?,
        target_audiences: get(row, "target_audiences", op)?,
        settings: OrganizationSettings {
            blog_settings: json(row, "blog_settings", op)?,
            content_settings: json(row, "content_settings", op)?,
            keyword_settings: json(row, "keyword_settings", op)?,
        },
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
    })
}

fn member(row: &PgRow, op: &'static str) -> Result<Member> {
    Ok(Member {
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        user_id: UserId::from_uuid(get(row, "user_id", op)?),
        role: wire(row, "role", op)?,
        created_at: get(row, "created_at", op)?,
    })
}

fn competitor(row: &PgRow, op: &'static str) -> Result<OrganizationCompetitor> {
    Ok(OrganizationCompetitor {
        id: CompetitorId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        url: get(row, "url", op)?,
        normalized_url: get(row, "normalized_url", op)?,
        domain: get(row, "domain", op)?,
        analysis_status: wire(row, "analysis_status", op)?,
        keywords_found: get(row, "keywords_found", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
    })
}

/// Whether the caller's organization exists (inside the tenant transaction).
pub(crate) async fn organization_exists(
    tx: &mut sqlx::PgConnection,
    ctx: &TenantContext,
    op: &'static str,
) -> Result<bool> {
    let row = sqlx::query("SELECT 1 FROM organizations WHERE id = $1")
        .bind(ctx.org_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(op, e))?;
    Ok(row.is_some())
}

#[async_trait]
impl OrganizationStore for PgStore {
    async fn create_organization(&self, ctx: &TenantContext, new: NewOrganization) -> Result<Organization> {
        const OP: &str = "create_organization";
        ctx.role.require(Permission::ChangeSettings)?;
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "empty"));
        }
        if new.id.is_some_and(|id| id != ctx.org_id) {
            return Err(Error::invalid("id", "does not match the tenant context"));
        }
        let mut tx = self.begin(ctx, OP).await?;
        let sql = format!(
            "INSERT INTO organizations (id, name, plan, website_url, business_description, target_audiences, \
             blog_settings, content_settings, keyword_settings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {ORG_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ctx.org_id.as_uuid())
            .bind(&new.name)
            .bind(new.plan.as_str())
            .bind(&new.website_url)
            .bind(&new.business_description)
            .bind(&new.target_audiences)
            .bind(&new.settings.blog_settings)
            .bind(&new.settings.content_settings)
            .bind(&new.settings.keyword_settings)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match map_sqlx(OP, e) {
                Error::Conflict { .. } => {
                    Error::conflict(Entity::Organization, ctx.org_id, ConflictReason::AlreadyExists)
                }
                other => other,
            })?;
        let org = organization(&row, OP)?;
        if let Some(user) = ctx.actor.user_id() {
            sqlx::query(
                "INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, 'owner')",
            )
            .bind(ctx.org_id.as_uuid())
            .bind(user.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        }
        commit(tx, OP).await?;
        Ok(org)
    }

    async fn get_organization(&self, ctx: &TenantContext) -> Result<Option<Organization>> {
        const OP: &str = "get_organization";
        let mut tx = self.begin(ctx, OP).await?;
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ctx.org_id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        row.map(|r| organization(&r, OP)).transpose()
    }

    async fn update_organization_profile(
        &self,
        ctx: &TenantContext,
        website_url: Option<String>,
        business_description: Option<String>,
        target_audiences: Vec<String>,
        settings: OrganizationSettings,
    ) -> Result<Organization> {
        const OP: &str = "update_organization_profile";
        ctx.role.require(Permission::ChangeSettings)?;
        let mut tx = self.begin(ctx, OP).await?;
        let sql = format!(
            "UPDATE organizations SET website_url = $2, business_description = $3, target_audiences = $4, \
             blog_settings = $5, content_settings = $6, keyword_settings = $7, updated_at = now() \
             WHERE id = $1 RETURNING {ORG_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ctx.org_id.as_uuid())
            .bind(&website_url)
            .bind(&business_description)
            .bind(&target_audiences)
            .bind(&settings.blog_settings)
            .bind(&settings.content_settings)
            .bind(&settings.keyword_settings)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?
            .ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id))?;
        let org = organization(&row, OP)?;
        commit(tx, OP).await?;
        Ok(org)
    }

    async fn upsert_member(&self, ctx: &TenantContext, user: UserId, role: Role) -> Result<Member> {
        const OP: &str = "upsert_member";
        ctx.role.require(Permission::ManageMembers)?;
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(
            "INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role, updated_at = now() \
             RETURNING organization_id, user_id, role, created_at",
        )
        .bind(ctx.org_id.as_uuid())
        .bind(user.as_uuid())
        .bind(role.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match map_sqlx(OP, e) {
            Error::NotFound { .. } => Error::not_found(Entity::Organization, ctx.org_id),
            other => other,
        })?;
        let m = member(&row, OP)?;
        commit(tx, OP).await?;
        Ok(m)
    }

    async fn list_members(&self, ctx: &TenantContext) -> Result<Vec<Member>> {
        const OP: &str = "list_members";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(
            "SELECT organization_id, user_id, role, created_at FROM organization_members ORDER BY user_id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| member(r, OP)).collect()
    }

    async fn upsert_competitors(
        &self,
        ctx: &TenantContext,
        competitors: &[NewCompetitor],
    ) -> Result<Vec<OrganizationCompetitor>> {
        const OP: &str = "upsert_competitors";
        ctx.role.require(Permission::ChangeSettings)?;
        let normalized =
            competitors.iter().map(|c| normalize_competitor_url(&c.url)).collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.begin(ctx, OP).await?;
        if !organization_exists(&mut tx, ctx, OP).await? {
            return Err(Error::not_found(Entity::Organization, ctx.org_id));
        }
        if competitors.is_empty() {
            commit(tx, OP).await?;
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = competitors.iter().map(|_| CompetitorId::new().as_uuid()).collect();
        let urls: Vec<&str> = competitors.iter().map(|c| c.url.trim()).collect();
        let norm: Vec<&str> = normalized.iter().map(|n| n.url.as_str()).collect();
        let domains: Vec<&str> = normalized.iter().map(|n| n.domain.as_str()).collect();
        // Input order decides which of several spellings of one site is stored.
        sqlx::query(
            "INSERT INTO organization_competitors (id, organization_id, url, normalized_url, domain) \
             SELECT u.id, $1, u.url, u.normalized_url, u.domain \
             FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY \
                 AS u(id, url, normalized_url, domain, ord) \
             ORDER BY u.ord \
             ON CONFLICT (organization_id, normalized_url) DO NOTHING",
        )
        .bind(ctx.org_id.as_uuid())
        .bind(&ids)
        .bind(&urls)
        .bind(&norm)
        .bind(&domains)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let rows = sqlx::query(
            "SELECT id, organization_id, url, normalized_url, domain, analysis_status, keywords_found, \
             created_at, updated_at FROM organization_competitors WHERE normalized_url = ANY($1)",
        )
        .bind(&norm)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let by_url: HashMap<String, OrganizationCompetitor> = rows
            .iter()
            .map(|r| competitor(r, OP).map(|c| (c.normalized_url.clone(), c)))
            .collect::<Result<_>>()?;
        norm.iter()
            .map(|u| {
                by_url.get(*u).cloned().ok_or_else(|| crate::error::corrupt(OP, "competitor row vanished"))
            })
            .collect()
    }

    async fn list_competitors(&self, ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>> {
        const OP: &str = "list_competitors";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(
            "SELECT id, organization_id, url, normalized_url, domain, analysis_status, keywords_found, \
             created_at, updated_at FROM organization_competitors ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| competitor(r, OP)).collect()
    }

    async fn update_competitor(
        &self,
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64,
    ) -> Result<OrganizationCompetitor> {
        const OP: &str = "update_competitor";
        ctx.role.require(Permission::ChangeSettings)?;
        if keywords_found < 0 {
            return Err(Error::invalid("keywords_found", "negative"));
        }
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(
            "UPDATE organization_competitors SET analysis_status = $2, keywords_found = $3, updated_at = now() \
             WHERE id = $1 RETURNING id, organization_id, url, normalized_url, domain, analysis_status, \
             keywords_found, created_at, updated_at",
        )
        .bind(id.as_uuid())
        .bind(status.as_str())
        .bind(keywords_found)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?
        .ok_or_else(|| Error::not_found(Entity::Competitor, id))?;
        let c = competitor(&row, OP)?;
        commit(tx, OP).await?;
        Ok(c)
    }
}
