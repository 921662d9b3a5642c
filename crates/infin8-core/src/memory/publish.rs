//! Publish references: the claim that makes publishing exactly-once.

use super::MemoryStore;
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ids::{ArticleId, PublishId};
use crate::organization::Permission;
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference, PublishStatus};
use crate::store::PublishStore;
use crate::tenant::TenantContext;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl PublishStore for MemoryStore {
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim> {
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let mut state = self.lock();
        state.article(ctx, request.article_id)?;
        let expires = request.now + request.lease;
        let key = (request.article_id, request.platform.clone());
        let existing = state.publish_index.get(&key).and_then(|id| state.publish.get(id)).cloned();
        let now = Utc::now();
        let Some(mut row) = existing else {
            let row = PublishReference {
                id: PublishId::new(),
                organization_id: ctx.org_id,
                article_id: request.article_id,
                platform: request.platform.clone(),
                status: PublishStatus::Claimed,
                idempotency_key: request.idempotency_key.clone(),
                claim_owner: Some(request.owner),
                claim_expires_at: Some(expires),
                remote_id: None,
                remote_url: None,
                attempts: 1,
                last_error: None,
                created_at: now,
                updated_at: now,
                published_at: None,
                post_status: None,
            };
            state.publish_index.insert(key, row.id);
            state.publish.insert(row.id, row.clone());
            return Ok(PublishClaim::Won(row));
        };
        match row.status {
            PublishStatus::Published => return Ok(PublishClaim::AlreadyPublished(row)),
            PublishStatus::Claimed
                if row.claim_owner.as_deref() != Some(request.owner.as_str())
                    && row.claim_expires_at.is_some_and(|e| e > request.now) =>
            {
                return Ok(PublishClaim::HeldByOther(row));
            }
            _ => {}
        }
        row.status = PublishStatus::Claimed;
        row.claim_owner = Some(request.owner);
        row.claim_expires_at = Some(expires);
        row.attempts += 1;
        row.updated_at = now;
        state.publish.insert(row.id, row.clone());
        Ok(PublishClaim::Won(row))
    }

    // The post's remote id, URL and status are recorded together, as the platform reported them.
    #[allow(clippy::too_many_arguments)]
    async fn mark_published(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        remote_id: &str,
        remote_url: &str,
        post_status: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let row = reference_mut(&mut state.publish, ctx, id)?;
        match row.status {
            PublishStatus::Published if row.remote_id.as_deref() == Some(remote_id) => return Ok(row.clone()),
            PublishStatus::Published => return Err(wrong_state(id, "published with another remote id")),
            PublishStatus::Claimed if row.claim_owner.as_deref() == Some(owner) => {}
            _ => return Err(wrong_state(id, "not claimed by this owner")),
        }
        row.status = PublishStatus::Published;
        row.remote_id = Some(remote_id.to_string());
        row.remote_url = Some(remote_url.to_string());
        row.claim_owner = None;
        row.claim_expires_at = None;
        row.published_at = Some(now);
        row.post_status = Some(post_status.to_string());
        row.last_error = None;
        row.updated_at = Utc::now();
        Ok(row.clone())
    }

    async fn mark_publish_failed(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        _now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        ctx.role.require(Permission::RunWorkflows)?;
        let mut state = self.lock();
        let row = reference_mut(&mut state.publish, ctx, id)?;
        if row.status != PublishStatus::Claimed || row.claim_owner.as_deref() != Some(owner) {
            return Err(wrong_state(id, "not claimed by this owner"));
        }
        row.status = PublishStatus::Failed;
        row.last_error = Some(error.to_string());
        row.claim_owner = None;
        row.claim_expires_at = None;
        row.updated_at = Utc::now();
        Ok(row.clone())
    }

    async fn list_publish_references(
        &self,
        ctx: &TenantContext,
        article_id: ArticleId,
    ) -> Result<Vec<PublishReference>> {
        let state = self.lock();
        Ok(state
            .publish
            .values()
            .filter(|p| p.organization_id == ctx.org_id && p.article_id == article_id)
            .cloned()
            .collect())
    }
}

fn reference_mut<'a>(
    table: &'a mut std::collections::BTreeMap<PublishId, PublishReference>,
    ctx: &TenantContext,
    id: PublishId,
) -> Result<&'a mut PublishReference> {
    table
        .get_mut(&id)
        .filter(|p| p.organization_id == ctx.org_id)
        .ok_or_else(|| Error::not_found(Entity::PublishReference, id))
}

fn wrong_state(id: PublishId, why: &str) -> Error {
    Error::conflict(Entity::PublishReference, id, ConflictReason::WrongState(why.to_string()))
}
