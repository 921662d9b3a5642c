use super::SqliteStore;
use crate::codec::{self, get_id, get_json, get_ts};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::error::{Entity, Error, Result};
use infin8_core::ids::ResearchCacheId;
use infin8_core::organization::Permission;
use infin8_core::research::{NewResearchCacheEntry, ResearchCacheEntry, normalize_query};
use infin8_core::store::ResearchCacheStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

fn entry_row(r: &Row<'_>) -> rusqlite::Result<ResearchCacheEntry> {
    Ok(ResearchCacheEntry {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        research_query: r.get(2)?,
        normalized_query: r.get(3)?,
        provider: r.get(4)?,
        results: get_json(r, 5)?,
        created_at: get_ts(r, 6)?,
        expires_at: get_ts(r, 7)?,
    })
}

#[async_trait]
impl ResearchCacheStore for SqliteStore {
    async fn get_research(
        &self,
        ctx: &TenantContext,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ResearchCacheEntry>> {
        let org = ctx.org_id;
        let normalized = normalize_query(query);
        self.db
            .read("get_research", move |tx| {
                Scoped::new(tx, org).row(
                    "SELECT id, organization_id, research_query, normalized_query, provider, results, created_at, \
                     expires_at FROM tavily_research_cache \
                     WHERE organization_id = ?1 AND normalized_query = ?2 AND expires_at > ?3",
                    &[&normalized, &codec::ts(now)],
                    entry_row,
                )
            })
            .await
    }

    async fn put_research(
        &self,
        ctx: &TenantContext,
        entry: NewResearchCacheEntry,
    ) -> Result<ResearchCacheEntry> {
        ctx.role.require(Permission::RunWorkflows)?;
        if entry.expires_at <= entry.created_at {
            return Err(Error::invalid("expires_at", "must be after created_at"));
        }
        let org = ctx.org_id;
        self.db
            .write("put_research", move |tx| {
                let s = Scoped::new(tx, org);
                super::organization::require_org(&s)?;
                let row = s.row(
                    "INSERT INTO tavily_research_cache (organization_id, id, research_query, normalized_query, \
                     provider, results, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (organization_id, normalized_query) DO UPDATE SET \
                     research_query = excluded.research_query, provider = excluded.provider, \
                     results = excluded.results, created_at = excluded.created_at, expires_at = excluded.expires_at \
                     RETURNING id, organization_id, research_query, normalized_query, provider, results, created_at, \
                     expires_at",
                    &[
                        &codec::id(ResearchCacheId::new()),
                        &entry.research_query,
                        &normalize_query(&entry.research_query),
                        &entry.provider,
                        &codec::json(&entry.results)?,
                        &codec::ts(entry.created_at),
                        &codec::ts(entry.expires_at),
                    ],
                    entry_row,
                )?;
                row.ok_or_else(|| Error::not_found(Entity::ResearchCache, &entry.research_query).into())
            })
            .await
    }

    async fn purge_expired_research(&self, ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        self.db
            .write("purge_expired_research", move |tx| {
                let n = Scoped::new(tx, org).execute(
                    "DELETE FROM tavily_research_cache WHERE organization_id = ?1 AND expires_at <= ?2",
                    &[&codec::ts(now)],
                )?;
                Ok(n as u64)
            })
            .await
    }
}
