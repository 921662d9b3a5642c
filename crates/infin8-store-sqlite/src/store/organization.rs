use super::SqliteStore;
use crate::codec::{self, get_enum, get_id, get_json, get_ts};
use crate::error::Res;
use crate::scope::Scoped;
use async_trait::async_trait;
use infin8_core::error::{ConflictReason, Entity, Error, Result};
use infin8_core::ids::{CompetitorId, UserId};
use infin8_core::organization::{
    CompetitorStatus, Member, NewCompetitor, NewOrganization, Organization, OrganizationCompetitor,
    OrganizationSettings, Permission, Role, normalize_competitor_url,
};
use infin8_core::store::OrganizationStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

macro_rules! org_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, name, plan, subscription_status, onboarding_status, website_url, \
             business_description, target_audiences, blog_settings, content_settings, keyword_settings, \
             created_at, updated_at FROM organizations ",
            $tail
        )
    };
}

fn org_row(r: &Row<'_>) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: get_id(r, 0)?,
        name: r.get(1)?,
        plan: get_enum(r, 2)?,
        subscription_status: get_enum(r, 3)?,
        onboarding_status: get_enum(r, 4)?,
        website_url: r.get(5)?,
        business_description: r.get(6)?,
        target_audiences: get_json(r, 7)?,
        settings: OrganizationSettings {
            blog_settings: get_json(r, 8)?,
            content_settings: get_json(r, 9)?,
            keyword_settings: get_json(r, 10)?,
        },
        created_at: get_ts(r, 11)?,
        updated_at: get_ts(r, 12)?,
    })
}

/// The organization row of the scope (`organizations` is keyed by the tenant id itself).
pub(super) fn load_org(s: &Scoped<'_>) -> Res<Option<Organization>> {
    s.row(org_select!("WHERE id = ?1"), &[], org_row)
}

/// `NotFound` unless the organization exists.
pub(super) fn require_org(s: &Scoped<'_>) -> Res<()> {
    if s.exists("SELECT 1 FROM organizations WHERE id = ?1", &[])? {
        Ok(())
    } else {
        Err(Error::not_found(Entity::Organization, s.org()).into())
    }
}

fn competitor_row(r: &Row<'_>) -> rusqlite::Result<OrganizationCompetitor> {
    Ok(OrganizationCompetitor {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        url: r.get(2)?,
        normalized_url: r.get(3)?,
        domain: r.get(4)?,
        analysis_status: get_enum(r, 5)?,
        keywords_found: r.get(6)?,
        created_at: get_ts(r, 7)?,
        updated_at: get_ts(r, 8)?,
    })
}

fn member_row(r: &Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        organization_id: get_id(r, 0)?,
        user_id: get_id(r, 1)?,
        role: get_enum(r, 2)?,
        created_at: get_ts(r, 3)?,
    })
}

#[async_trait]
impl OrganizationStore for SqliteStore {
    async fn create_organization(&self, ctx: &TenantContext, new: NewOrganization) -> Result<Organization> {
        ctx.role.require(Permission::ChangeSettings)?;
        if new.id.is_some_and(|id| id != ctx.org_id) {
            return Err(Error::invalid("id", "the organization id must match the tenant context"));
        }
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "empty"));
        }
        let ctx = *ctx;
        self.db
            .write("create_organization", move |tx| {
                let s = Scoped::new(tx, ctx.org_id);
                let now = codec::ts(chrono::Utc::now());
                let settings = &new.settings;
                let inserted = s.execute(
                    "INSERT INTO organizations (id, name, plan, website_url, business_description, \
                     target_audiences, blog_settings, content_settings, keyword_settings, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                    &[
                        &new.name,
                        &new.plan.as_str(),
                        &new.website_url,
                        &new.business_description,
                        &codec::json(&new.target_audiences)?,
                        &codec::json(&settings.blog_settings)?,
                        &codec::json(&settings.content_settings)?,
                        &codec::json(&settings.keyword_settings)?,
                        &now,
                    ],
                );
                match inserted {
                    Err(crate::error::Fail::Sql(e)) if super::is_unique_violation(&e) => {
                        return Err(Error::conflict(Entity::Organization, ctx.org_id, ConflictReason::AlreadyExists)
                            .into());
                    }
                    other => other?,
                };
                if let Some(user) = ctx.actor.user_id() {
                    s.execute(
                        "INSERT INTO organization_members (organization_id, user_id, role, created_at, updated_at) \
                         VALUES (?1, ?2, 'owner', ?3, ?3)",
                        &[&codec::id(user), &now],
                    )?;
                }
                load_org(&s)?.ok_or_else(|| Error::not_found(Entity::Organization, ctx.org_id).into())
            })
            .await
    }

    async fn get_organization(&self, ctx: &TenantContext) -> Result<Option<Organization>> {
        let org = ctx.org_id;
        self.db.read("get_organization", move |tx| load_org(&Scoped::new(tx, org))).await
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
        let org = ctx.org_id;
        self.db
            .write("update_organization_profile", move |tx| {
                let s = Scoped::new(tx, org);
                let n = s.execute(
                    "UPDATE organizations SET website_url = ?2, business_description = ?3, target_audiences = ?4, \
                     blog_settings = ?5, content_settings = ?6, keyword_settings = ?7, updated_at = ?8 \
                     WHERE id = ?1",
                    &[
                        &website_url,
                        &business_description,
                        &codec::json(&target_audiences)?,
                        &codec::json(&settings.blog_settings)?,
                        &codec::json(&settings.content_settings)?,
                        &codec::json(&settings.keyword_settings)?,
                        &codec::ts(chrono::Utc::now()),
                    ],
                )?;
                if n == 0 {
                    return Err(Error::not_found(Entity::Organization, org).into());
                }
                load_org(&s)?.ok_or_else(|| Error::not_found(Entity::Organization, org).into())
            })
            .await
    }

    async fn upsert_member(&self, ctx: &TenantContext, user: UserId, role: Role) -> Result<Member> {
        ctx.role.require(Permission::ManageMembers)?;
        let org = ctx.org_id;
        self.db
            .write("upsert_member", move |tx| {
                let s = Scoped::new(tx, org);
                require_org(&s)?;
                let now = codec::ts(chrono::Utc::now());
                let member = s.row(
                    "INSERT INTO organization_members (organization_id, user_id, role, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?4) \
                     ON CONFLICT (organization_id, user_id) DO UPDATE SET role = excluded.role, \
                     updated_at = excluded.updated_at \
                     RETURNING organization_id, user_id, role, created_at",
                    &[&codec::id(user), &role.as_str(), &now],
                    member_row,
                )?;
                member.ok_or_else(|| Error::not_found(Entity::Member, user).into())
            })
            .await
    }

    async fn list_members(&self, ctx: &TenantContext) -> Result<Vec<Member>> {
        let org = ctx.org_id;
        self.db
            .read("list_members", move |tx| {
                Scoped::new(tx, org).rows(
                    "SELECT organization_id, user_id, role, created_at FROM organization_members \
                     WHERE organization_id = ?1 ORDER BY user_id",
                    &[],
                    member_row,
                )
            })
            .await
    }

    async fn upsert_competitors(
        &self,
        ctx: &TenantContext,
        competitors: &[NewCompetitor],
    ) -> Result<Vec<OrganizationCompetitor>> {
        ctx.role.require(Permission::ChangeSettings)?;
        let normalized = competitors
            .iter()
            .map(|c| normalize_competitor_url(&c.url).map(|n| (c.url.clone(), n)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let org = ctx.org_id;
        self.db
            .write("upsert_competitors", move |tx| {
                let s = Scoped::new(tx, org);
                require_org(&s)?;
                let now = codec::ts(chrono::Utc::now());
                let mut insert = s.prepare(
                    "INSERT INTO organization_competitors (organization_id, id, url, normalized_url, domain, \
                     created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                     ON CONFLICT (organization_id, normalized_url) DO NOTHING",
                )?;
                for (url, n) in &normalized {
                    insert.execute(&[&codec::id(CompetitorId::new()), url, &n.url, &n.domain, &now])?;
                }
                drop(insert);
                // Read every row back in one query, then answer in input order.
                let urls: Vec<&str> = normalized.iter().map(|(_, n)| n.url.as_str()).collect();
                let rows = s.rows(
                    "SELECT id, organization_id, url, normalized_url, domain, analysis_status, keywords_found, \
                     created_at, updated_at FROM organization_competitors \
                     WHERE organization_id = ?1 AND normalized_url IN (SELECT value FROM json_each(?2))",
                    &[&codec::json(&urls)?],
                    competitor_row,
                )?;
                let by_url: std::collections::HashMap<&str, &OrganizationCompetitor> =
                    rows.iter().map(|c| (c.normalized_url.as_str(), c)).collect();
                let mut out = Vec::with_capacity(urls.len());
                for url in &urls {
                    let row = by_url.get(url).ok_or_else(|| Error::not_found(Entity::Competitor, url))?;
                    out.push((*row).clone());
                }
                Ok(out)
            })
            .await
    }

    async fn list_competitors(&self, ctx: &TenantContext) -> Result<Vec<OrganizationCompetitor>> {
        let org = ctx.org_id;
        self.db
            .read("list_competitors", move |tx| {
                Scoped::new(tx, org).rows(
                    "SELECT id, organization_id, url, normalized_url, domain, analysis_status, \
                     keywords_found, created_at, updated_at FROM organization_competitors \
                     WHERE organization_id = ?1 ORDER BY id",
                    &[],
                    competitor_row,
                )
            })
            .await
    }

    async fn update_competitor(
        &self,
        ctx: &TenantContext,
        id: CompetitorId,
        status: CompetitorStatus,
        keywords_found: i64,
    ) -> Result<OrganizationCompetitor> {
        ctx.role.require(Permission::ChangeSettings)?;
        let org = ctx.org_id;
        self.db
            .write("update_competitor", move |tx| {
                let row = Scoped::new(tx, org).row(
                    "UPDATE organization_competitors SET analysis_status = ?3, keywords_found = ?4, updated_at = ?5 \
                     WHERE organization_id = ?1 AND id = ?2 \
                     RETURNING id, organization_id, url, normalized_url, domain, analysis_status, \
                     keywords_found, created_at, updated_at",
                    &[&codec::id(id), &status.as_str(), &keywords_found, &codec::ts(chrono::Utc::now())],
                    competitor_row,
                )?;
                row.ok_or_else(|| Error::not_found(Entity::Competitor, id).into())
            })
            .await
    }
}
