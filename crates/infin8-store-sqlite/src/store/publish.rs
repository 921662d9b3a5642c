use super::SqliteStore;
use crate::codec::{self, get_enum, get_id, get_opt_ts, get_ts};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use infin8_core::error::{ConflictReason, Entity, Error, Result};
use infin8_core::ids::{ArticleId, PublishId};
use infin8_core::organization::Permission;
use infin8_core::publish::{PublishClaim, PublishClaimRequest, PublishReference, PublishStatus};
use infin8_core::store::PublishStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;

macro_rules! publish_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, article_id, platform, status, idempotency_key, claim_owner, \
             claim_expires_at, remote_id, remote_url, attempts, last_error, created_at, updated_at, published_at, \
             post_status FROM publish_references ",
            $tail
        )
    };
}

fn publish_row(r: &Row<'_>) -> rusqlite::Result<PublishReference> {
    Ok(PublishReference {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        article_id: get_id(r, 2)?,
        platform: r.get(3)?,
        status: get_enum(r, 4)?,
        idempotency_key: r.get(5)?,
        claim_owner: r.get(6)?,
        claim_expires_at: get_opt_ts(r, 7)?,
        remote_id: r.get(8)?,
        remote_url: r.get(9)?,
        attempts: r.get(10)?,
        last_error: r.get(11)?,
        created_at: get_ts(r, 12)?,
        updated_at: get_ts(r, 13)?,
        published_at: get_opt_ts(r, 14)?,
        post_status: r.get(15)?,
    })
}

fn load(s: &Scoped<'_>, id: PublishId) -> Res<PublishReference> {
    s.row(publish_select!("WHERE organization_id = ?1 AND id = ?2"), &[&codec::id(id)], publish_row)?
        .ok_or_else(|| Fail::Domain(Error::not_found(Entity::PublishReference, id)))
}

fn wrong_state(id: PublishId, why: &str) -> Fail {
    Fail::Domain(Error::conflict(Entity::PublishReference, id, ConflictReason::WrongState(why.to_string())))
}

fn claim(s: &Scoped<'_>, req: &PublishClaimRequest) -> Res<PublishClaim> {
    super::article::require_article(s, req.article_id)?;
    let expires = req
        .now
        .checked_add_signed(req.lease)
        .ok_or_else(|| Error::invalid("lease", "lease is out of range"))?;
    let (now, expires) = (codec::ts(req.now), codec::ts(expires));
    let existing = s.row(
        publish_select!("WHERE organization_id = ?1 AND article_id = ?2 AND platform = ?3"),
        &[&codec::id(req.article_id), &req.platform],
        publish_row,
    )?;
    let id = match existing {
        None => {
            let id = PublishId::new();
            s.execute(
                "INSERT INTO publish_references (organization_id, id, article_id, platform, status, idempotency_key, \
                 claim_owner, claim_expires_at, attempts, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, 'claimed', ?5, ?6, ?7, 1, ?8, ?8)",
                &[
                    &codec::id(id),
                    &codec::id(req.article_id),
                    &req.platform,
                    &req.idempotency_key,
                    &req.owner,
                    &expires,
                    &now,
                ],
            )?;
            id
        }
        Some(r) if r.status == PublishStatus::Published => return Ok(PublishClaim::AlreadyPublished(r)),
        Some(r)
            if r.status == PublishStatus::Claimed
                && r.claim_owner.as_deref() != Some(req.owner.as_str())
                && r.claim_expires_at.is_some_and(|t| t > req.now) =>
        {
            return Ok(PublishClaim::HeldByOther(r));
        }
        Some(r) => {
            s.execute(
                "UPDATE publish_references SET status = 'claimed', claim_owner = ?3, claim_expires_at = ?4, \
                 attempts = attempts + 1, updated_at = ?5 WHERE organization_id = ?1 AND id = ?2",
                &[&codec::id(r.id), &req.owner, &expires, &now],
            )?;
            r.id
        }
    };
    Ok(PublishClaim::Won(load(s, id)?))
}

#[async_trait]
impl PublishStore for SqliteStore {
    async fn claim_publish(&self, ctx: &TenantContext, request: PublishClaimRequest) -> Result<PublishClaim> {
        ctx.role.require(Permission::RunWorkflows)?;
        request.validate()?;
        let org = ctx.org_id;
        self.db.write("claim_publish", move |tx| claim(&Scoped::new(tx, org), &request)).await
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
        let org = ctx.org_id;
        let (owner, remote_id, remote_url, post_status) =
            (owner.to_string(), remote_id.to_string(), remote_url.to_string(), post_status.to_string());
        self.db
            .write("mark_published", move |tx| {
                let s = Scoped::new(tx, org);
                let r = load(&s, id)?;
                match r.status {
                    PublishStatus::Published if r.remote_id.as_deref() == Some(remote_id.as_str()) => {
                        return Ok(r);
                    }
                    PublishStatus::Published => {
                        return Err(wrong_state(id, "published with another remote id"));
                    }
                    PublishStatus::Failed => return Err(wrong_state(id, "not claimed")),
                    PublishStatus::Claimed if r.claim_owner.as_deref() != Some(owner.as_str()) => {
                        return Err(wrong_state(id, "claimed by another owner"));
                    }
                    PublishStatus::Claimed => {}
                }
                let now = codec::ts(now);
                s.execute(
                    "UPDATE publish_references SET status = 'published', remote_id = ?3, remote_url = ?4, \
                     claim_owner = NULL, claim_expires_at = NULL, last_error = NULL, published_at = ?5, \
                     updated_at = ?5, post_status = ?6 WHERE organization_id = ?1 AND id = ?2",
                    &[&codec::id(id), &remote_id, &remote_url, &now, &post_status],
                )?;
                load(&s, id)
            })
            .await
    }

    async fn mark_publish_failed(
        &self,
        ctx: &TenantContext,
        id: PublishId,
        owner: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<PublishReference> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        let (owner, error) = (owner.to_string(), error.to_string());
        self.db
            .write("mark_publish_failed", move |tx| {
                let s = Scoped::new(tx, org);
                let r = load(&s, id)?;
                if r.status != PublishStatus::Claimed || r.claim_owner.as_deref() != Some(owner.as_str()) {
                    return Err(wrong_state(id, "not claimed by this owner"));
                }
                s.execute(
                    "UPDATE publish_references SET status = 'failed', last_error = ?3, claim_owner = NULL, \
                     claim_expires_at = NULL, updated_at = ?4 WHERE organization_id = ?1 AND id = ?2",
                    &[&codec::id(id), &error, &codec::ts(now)],
                )?;
                load(&s, id)
            })
            .await
    }

    async fn list_publish_references(
        &self,
        ctx: &TenantContext,
        article_id: ArticleId,
    ) -> Result<Vec<PublishReference>> {
        let org = ctx.org_id;
        self.db
            .read("list_publish_references", move |tx| {
                Scoped::new(tx, org).rows(
                    publish_select!("WHERE organization_id = ?1 AND article_id = ?2 ORDER BY id"),
                    &[&codec::id(article_id)],
                    publish_row,
                )
            })
            .await
    }
}
