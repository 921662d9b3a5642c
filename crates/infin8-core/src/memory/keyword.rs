//! Keywords: batch upsert by normalized text, reads, filtered listing, batch updates.

use super::MemoryStore;
use super::page::{paginate, parse_cursor};
use crate::error::{Entity, Error, Result};
use crate::ids::KeywordId;
use crate::keyword::{
    FilterStatus, Keyword, KeywordQuery, KeywordUpdate, NewKeyword, StepStatus, UpsertedKeyword,
    check_parent, normalize_keyword,
};
use crate::organization::Permission;
use crate::page::Page;
use crate::store::KeywordStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::Utc;

#[async_trait]
impl KeywordStore for MemoryStore {
    async fn upsert_keywords(
        &self,
        ctx: &TenantContext,
        keywords: &[NewKeyword],
    ) -> Result<Vec<UpsertedKeyword>> {
        ctx.role.require(Permission::RunWorkflows)?;
        let normalized =
            keywords.iter().map(|k| normalize_keyword(&k.keyword)).collect::<Result<Vec<_>, _>>()?;
        let mut state = self.lock();
        // Validate the whole batch before writing anything.
        for new in keywords {
            state.workflow(ctx, new.workflow_id)?;
            let parent = match new.parent_id {
                Some(pid) => {
                    let p = state.keyword(ctx, pid)?;
                    Some((p.keyword_type, p.workflow_id))
                }
                None => None,
            };
            check_parent(new.keyword_type, new.workflow_id, parent)?;
        }
        let now = Utc::now();
        let mut out = Vec::with_capacity(keywords.len());
        for (new, norm) in keywords.iter().zip(normalized) {
            let key = (new.workflow_id, norm);
            if let Some(id) = state.keyword_index.get(&key) {
                out.push(UpsertedKeyword { id: *id, created: false });
                continue;
            }
            let keyword = Keyword {
                id: KeywordId::new(),
                organization_id: ctx.org_id,
                workflow_id: new.workflow_id,
                parent_id: new.parent_id,
                keyword_type: new.keyword_type,
                keyword: new.keyword.clone(),
                normalized_keyword: key.1.clone(),
                source: new.source.clone(),
                metrics: new.metrics.clone(),
                language: new.language.clone(),
                is_navigational: false,
                longtail_status: StepStatus::NotStarted,
                subtopics_status: StepStatus::NotStarted,
                article_status: StepStatus::NotStarted,
                filter_status: FilterStatus::Pending,
                ai_suggested: new.ai_suggested,
                user_selected: false,
                decision_confidence: new.decision_confidence,
                decision_metadata: new.decision_metadata.clone(),
                subtopics: Vec::new(),
                embedding: None,
                created_at: now,
                updated_at: now,
            };
            state.keyword_index.insert(key, keyword.id);
            out.push(UpsertedKeyword { id: keyword.id, created: true });
            state.keywords.insert(keyword.id, keyword);
        }
        Ok(out)
    }

    async fn get_keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>> {
        Ok(self.lock().keyword(ctx, id).ok().cloned())
    }

    async fn list_keywords(&self, ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>> {
        let after = parse_cursor::<KeywordId>(query.cursor.as_ref())?;
        let state = self.lock();
        let rows = state
            .keywords
            .values()
            .filter(|k| {
                k.organization_id == ctx.org_id
                    && k.workflow_id == query.workflow_id
                    && query.keyword_type.is_none_or(|t| k.keyword_type == t)
                    && query.parent_id.is_none_or(|p| k.parent_id == Some(p))
                    && query.filter_status.is_none_or(|f| k.filter_status == f)
                    && query.article_status.is_none_or(|a| k.article_status == a)
            })
            .cloned();
        Ok(paginate(rows, |k| k.id, after, query.limit))
    }

    async fn update_keywords(&self, ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        for update in updates {
            state.keyword(ctx, update.id)?;
        }
        let now = Utc::now();
        for update in updates {
            let kw = state
                .keywords
                .get_mut(&update.id)
                .ok_or_else(|| Error::not_found(Entity::Keyword, update.id))?;
            apply(kw, update);
            kw.updated_at = now;
        }
        Ok(())
    }
}

/// Applies the `Some` fields of an update.
fn apply(kw: &mut Keyword, u: &KeywordUpdate) {
    if let Some(v) = &u.metrics {
        kw.metrics = v.clone();
    }
    if let Some(v) = &u.language {
        kw.language = Some(v.clone());
    }
    if let Some(v) = u.is_navigational {
        kw.is_navigational = v;
    }
    if let Some(v) = u.longtail_status {
        kw.longtail_status = v;
    }
    if let Some(v) = u.subtopics_status {
        kw.subtopics_status = v;
    }
    if let Some(v) = u.article_status {
        kw.article_status = v;
    }
    if let Some(v) = u.filter_status {
        kw.filter_status = v;
    }
    if let Some(v) = u.user_selected {
        kw.user_selected = v;
    }
    if let Some(v) = u.decision_confidence {
        kw.decision_confidence = Some(v);
    }
    if let Some(v) = &u.decision_metadata {
        kw.decision_metadata = v.clone();
    }
    if let Some(v) = &u.subtopics {
        kw.subtopics = v.clone();
    }
    if let Some(v) = &u.embedding {
        kw.embedding = Some(v.clone());
    }
}
