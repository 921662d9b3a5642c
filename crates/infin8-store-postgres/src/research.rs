//! The research cache, per organization and normalized query.

use crate::error::map_sqlx;
use crate::rows::{get, json, to_json};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::organization::Permission;
use infin8_core::research::{NewResearchCacheEntry, ResearchCacheEntry, normalize_query};
use infin8_core::store::ResearchCacheStore;
use infin8_core::{Error, OrgId, ResearchCacheId, Result, TenantContext};
use sqlx::postgres::PgRow;

const CACHE_COLUMNS: &str = "id, organization_id, research_query, normalized_query, provider, research_results, created_at, expires_at";

fn entry(row: &PgRow, op: &'static str) -> Result<ResearchCacheEntry> {
    Ok(ResearchCacheEntry {
        id: ResearchCacheId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        research_query: get(row, "research_query", op)?,
        normalized_query: get(row, "normalized_query", op)?,
        provider: get(row, "provider", op)?,
        results: json(row, "research_results", op)?,
        created_at: get(row, "created_at", op)?,
        expires_at: get(row, "expires_at", op)?,
    })
}

#[async_trait]
impl ResearchCacheStore for PgStore {
    async fn get_research(
        &self,
        ctx: &TenantContext,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ResearchCacheEntry>> {
        const OP: &str = "get_research";
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CACHE_COLUMNS} FROM tavily_research_cache WHERE normalized_query = $1 AND expires_at > $2"
        )))
        .bind(normalize_query(query))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        row.map(|r| entry(&r, OP)).transpose()
    }

    async fn put_research(
        &self,
        ctx: &TenantContext,
        new: NewResearchCacheEntry,
    ) -> Result<ResearchCacheEntry> {
        const OP: &str = "put_research";
        ctx.role.require(Permission::RunWorkflows)?;
        if new.expires_at <= new.created_at {
            return Err(Error::invalid("expires_at", "not after created_at"));
        }
        let results = to_json(&new.results, OP)?;
        let mut tx = self.begin(ctx, OP).await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO tavily_research_cache AS c (id, organization_id, research_query, normalized_query, provider, \
             research_results, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (organization_id, normalized_query) DO UPDATE SET research_query = EXCLUDED.research_query, \
             provider = EXCLUDED.provider, research_results = EXCLUDED.research_results, \
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
             RETURNING {CACHE_COLUMNS}"
        )))
        .bind(ResearchCacheId::new().as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(&new.research_query)
        .bind(normalize_query(&new.research_query))
        .bind(&new.provider)
        .bind(&results)
        .bind(new.created_at)
        .bind(new.expires_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let e = entry(&row, OP)?;
        commit(tx, OP).await?;
        Ok(e)
    }

    async fn purge_expired_research(&self, ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64> {
        const OP: &str = "purge_expired_research";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let done = sqlx::query("DELETE FROM tavily_research_cache WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        Ok(done.rows_affected())
    }
}
