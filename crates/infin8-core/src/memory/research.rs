//! The research cache, keyed by organization and normalized query.

use super::MemoryStore;
use crate::error::{Error, Result};
use crate::ids::ResearchCacheId;
use crate::organization::Permission;
use crate::research::{NewResearchCacheEntry, ResearchCacheEntry, normalize_query};
use crate::store::ResearchCacheStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl ResearchCacheStore for MemoryStore {
    async fn get_research(
        &self,
        ctx: &TenantContext,
        query: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ResearchCacheEntry>> {
        let state = self.lock();
        Ok(state.research.get(&(ctx.org_id, normalize_query(query))).filter(|e| e.expires_at > now).cloned())
    }

    async fn put_research(
        &self,
        ctx: &TenantContext,
        entry: NewResearchCacheEntry,
    ) -> Result<ResearchCacheEntry> {
        ctx.role.require(Permission::RunWorkflows)?;
        if entry.expires_at <= entry.created_at {
            return Err(Error::invalid("expires_at", "not after created_at"));
        }
        let normalized = normalize_query(&entry.research_query);
        let mut state = self.lock();
        let key = (ctx.org_id, normalized.clone());
        let id = state.research.get(&key).map_or_else(ResearchCacheId::new, |e| e.id);
        let row = ResearchCacheEntry {
            id,
            organization_id: ctx.org_id,
            research_query: entry.research_query,
            normalized_query: normalized,
            provider: entry.provider,
            results: entry.results,
            created_at: entry.created_at,
            expires_at: entry.expires_at,
        };
        state.research.insert(key, row.clone());
        Ok(row)
    }

    async fn purge_expired_research(&self, ctx: &TenantContext, now: DateTime<Utc>) -> Result<u64> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let before = state.research.len();
        state.research.retain(|(org, _), e| *org != ctx.org_id || e.expires_at > now);
        Ok((before - state.research.len()) as u64)
    }
}
