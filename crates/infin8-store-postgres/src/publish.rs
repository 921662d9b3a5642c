//! Publish references: the claim that makes publishing exactly-once.

use crate::article::require_article;
use crate::error::map_sqlx;
use crate::rows::{get, wire};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::organization::Permission;
use infin8_core::publish::{PublishClaim, PublishClaimRequest, PublishReference, PublishStatus};
use infin8_core::store::PublishStore;
use infin8_core::{ArticleId, ConflictReason, Entity, Error, OrgId, PublishId, Result, TenantContext};
use sqlx::postgres::PgRow;

const PUBLISH_COLUMNS: &str = "id, organization_id, article_id, platform, status, idempotency_key, claim_owner, \
    claim_expires_at, remote_id, remote_url, attempts, last_error, created_at, updated_at, published_at, post_status";

fn reference(row: &PgRow, op: &'static str) -> Result<PublishReference> {
    Ok(PublishReference {
        id: PublishId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        article_id: ArticleId::from_uuid(get(row, "article_id", op)?),
        platform: get(row, "platform", op)?,
        status: wire(row, "status", op)?,
        idempotency_key: get(row, "idempotency_key", op)?,
        claim_owner: get(row, "claim_owner", op)?,
        claim_expires_at: get(row, "claim_expires_at", op)?,
        remote_id: get(row, "remote_id", op)?,
        remote_url: get(row, "remote_url", op)?,
        attempts: get(row, "attempts", op)?,
        last_error: get(row, "last_error", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
        published_at: get(row, "published_at", op)?,
        post_status: get(row, "post_status", op)?,
    })
}

/// Locks and reads a reference for a state change.
async fn lock_reference(
    conn: &mut sqlx::PgConnection,
    id: PublishId,
    op: &'static str,
) -> Result<PublishReference> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PUBLISH_COLUMNS} FROM publish_references WHERE id = $1 FOR UPDATE"
    )))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(|e| map_sqlx(op, e))?
    .ok_or_else(|| Error::not_found(Entity::PublishReference, id))?;
    reference(&row, op)
}

fn wrong_state(id: PublishId, what: &str) -> Error {
    Error::conflict(Entity::PublishReference, id, ConflictReason::WrongState(what.to_string()))
}

#[async_trait]
impl PublishStore for PgStore {
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim> {
        const OP: &str = "claim_publish";
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let id = PublishId::derive(&[request.article_id.as_uuid().as_bytes(), request.platform.as_bytes()]);
        let idempotency_key = &request.idempotency_key;
        let expires = request.now + request.lease;
        let mut tx = self.begin(ctx, OP).await?;
        require_article(&mut tx, request.article_id, OP).await?;
        // The unique (article, platform) key is the claim: of concurrent claimants, one inserts or
        // wins the row lock with the WHERE still true; the others see its claim.
        let won = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO publish_references AS p (id, organization_id, article_id, platform, status, idempotency_key, \
             claim_owner, claim_expires_at, attempts, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7, 1, $8, $8) \
             ON CONFLICT (article_id, platform) DO UPDATE SET status = 'claimed', claim_owner = EXCLUDED.claim_owner, \
             claim_expires_at = EXCLUDED.claim_expires_at, attempts = p.attempts + 1, updated_at = EXCLUDED.updated_at \
             WHERE p.status = 'failed' OR (p.status = 'claimed' AND (p.claim_expires_at <= $8 OR p.claim_owner = $6)) \
             RETURNING {PUBLISH_COLUMNS}"
        )))
        .bind(id.as_uuid())
        .bind(ctx.org_id.as_uuid())
        .bind(request.article_id.as_uuid())
        .bind(&request.platform)
        .bind(idempotency_key)
        .bind(&request.owner)
        .bind(expires)
        .bind(request.now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let claim = match won {
            Some(row) => PublishClaim::Won(reference(&row, OP)?),
            None => {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PUBLISH_COLUMNS} FROM publish_references WHERE article_id = $1 AND platform = $2"
                )))
                .bind(request.article_id.as_uuid())
                .bind(&request.platform)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| map_sqlx(OP, e))?;
                let existing = reference(&row, OP)?;
                if existing.status == PublishStatus::Published {
                    PublishClaim::AlreadyPublished(existing)
                } else {
                    PublishClaim::HeldByOther(existing)
                }
            }
        };
        commit(tx, OP).await?;
        Ok(claim)
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
        const OP: &str = "mark_published";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let current = lock_reference(&mut tx, id, OP).await?;
        match current.status {
            PublishStatus::Published if current.remote_id.as_deref() == Some(remote_id) => {
                commit(tx, OP).await?;
                return Ok(current);
            }
            PublishStatus::Published => return Err(wrong_state(id, "published with another remote id")),
            PublishStatus::Claimed if current.claim_owner.as_deref() == Some(owner) => {}
            _ => return Err(wrong_state(id, "not claimed by this owner")),
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE publish_references SET status = 'published', remote_id = $2, remote_url = $3, \
             claim_owner = NULL, claim_expires_at = NULL, last_error = NULL, updated_at = $4, published_at = $4, \
             post_status = $5 WHERE id = $1 RETURNING {PUBLISH_COLUMNS}"
        )))
        .bind(id.as_uuid())
        .bind(remote_id)
        .bind(remote_url)
        .bind(now)
        .bind(post_status)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let r = reference(&row, OP)?;
        commit(tx, OP).await?;
        Ok(r)
    }

    async fn mark_publish_failed(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        const OP: &str = "mark_publish_failed";
        ctx.role.require(Permission::RunWorkflows)?;
        let mut tx = self.begin(ctx, OP).await?;
        let current = lock_reference(&mut tx, id, OP).await?;
        if current.status != PublishStatus::Claimed || current.claim_owner.as_deref() != Some(owner) {
            return Err(wrong_state(id, "not claimed by this owner"));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE publish_references SET status = 'failed', last_error = $2, claim_owner = NULL, \
             claim_expires_at = NULL, updated_at = $3 WHERE id = $1 RETURNING {PUBLISH_COLUMNS}"
        )))
        .bind(id.as_uuid())
        .bind(error)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let r = reference(&row, OP)?;
        commit(tx, OP).await?;
        Ok(r)
    }

    async fn list_publish_references(
        &self,
        ctx: &TenantContext,
        article_id: ArticleId,
    ) -> Result<Vec<PublishReference>> {
        const OP: &str = "list_publish_references";
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PUBLISH_COLUMNS} FROM publish_references WHERE article_id = $1 ORDER BY platform"
        )))
        .bind(article_id.as_uuid())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        rows.iter().map(|r| reference(r, OP)).collect()
    }
}
