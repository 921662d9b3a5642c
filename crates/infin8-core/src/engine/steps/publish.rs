//! Step 10: every completed article through the publisher, exactly once.
//!
//! Articles that failed their guards are not published; internal links to them are dropped from
//! the others' posts.
//!
//! Per article: claim `(article, platform)`; if already published, adopt; if won, ask the
//! publisher for a post with the reference's idempotency key (a previous attempt may have created
//! it and died before recording it, or a store since lost: the key is derived from the
//! organization, the keyword and the platform, [`idempotency_key`]) and create one only when there
//! is none; then record it with the status the platform gave the post (a draft is recorded as
//! one).
//! Failures are recorded on the reference (claimable again) and fail the step after the other
//! articles were tried.

use super::StepEnd;
use super::count;
use crate::article::links::drop_links;
use crate::article::{Article, ArticleStatus, ArticleUpdate};
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx};
use crate::error::{ConflictReason, Entity, Error, Result};
use crate::ledger::UsageMetric;
use crate::provider::{PostDraft, PublishedPost};
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference, idempotency_key};

fn publish_spend(article: &Article) -> Spend {
    Spend {
        key: format!("publish:{}", article.id),
        units: vec![(UsageMetric::Publish, 1)],
        cost: crate::money::Usd::ZERO,
    }
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let (articles, unpublishable): (Vec<Article>, Vec<Article>) = sc
        .store()
        .list_articles(&sc.ctx, sc.workflow_id())
        .await?
        .into_iter()
        .partition(|a| matches!(a.status, ArticleStatus::Completed | ArticleStatus::Published));
    // Internal links to articles that are not published would lead nowhere.
    let gone: Vec<String> = unpublishable.iter().filter_map(|a| a.focus_keyword.clone()).collect();
    let gone = &gone;
    sc.planned(articles.len());
    let results: Vec<Result<()>> = bounded(
        articles.iter().map(|a| async move { publish_one(sc, a, gone).await }).collect(),
        sc.engine.config.concurrency.publish,
    )
    .await;
    let published = results.iter().filter(|r| r.is_ok()).count();
    sc.count(|c| c.published = count(published));
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e),
        None => Ok(StepEnd::Completed),
    }
}

/// The hrefs of the article's internal links whose target keyword is in `gone`.
fn dead_links(article: &Article, gone: &[String]) -> Vec<String> {
    article.provenance["internal_links"]["links"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .filter(|l| l["anchor"].as_str().is_some_and(|a| gone.iter().any(|g| g == a)))
                .filter_map(|l| l["href"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn draft(sc: &StepCtx<'_>, article: &Article, reference: &PublishReference, gone: &[String]) -> PostDraft {
    let mut provenance = article.provenance.clone();
    if let Some(obj) = provenance.as_object_mut() {
        obj.remove("outline");
        obj.remove("seo_checks");
        obj.remove("quality_checks");
        obj.remove("guards");
        obj.remove("internal_links");
        obj.insert("article_id".into(), serde_json::json!(article.id));
        obj.insert("generator".into(), serde_json::json!("infin8"));
    }
    PostDraft {
        idempotency_key: reference.idempotency_key.clone(),
        title: article.title.clone(),
        content_html: drop_links(
            article.content_html.as_deref().unwrap_or_default(),
            &dead_links(article, gone),
        ),
        excerpt: article.excerpt.clone().unwrap_or_default(),
        slug: article.slug.clone(),
        status: sc.engine.config.post_status,
        categories: sc.engine.config.post_categories.clone(),
        tags: article.focus_keyword.iter().cloned().collect(),
        meta_title: article.meta_title.clone(),
        meta_description: article.meta_description.clone(),
        provenance,
    }
}

async fn publish_one(sc: &StepCtx<'_>, article: &Article, gone: &[String]) -> Result<()> {
    let publisher = sc.engine.providers.publisher.clone();
    let claim = sc
        .store()
        .claim_publish(
            &sc.ctx,
            PublishClaimRequest {
                article_id: article.id,
                platform: publisher.platform().to_string(),
                owner: sc.engine.worker.clone(),
                now: sc.now(),
                lease: sc.engine.config.lease_duration(),
                // From what survives the loss of the database: a rebuilt store finds the post.
                idempotency_key: idempotency_key(
                    sc.ctx.org_id,
                    article.focus_keyword.as_deref().unwrap_or(&article.title),
                    publisher.platform(),
                ),
            },
        )
        .await?;
    let reference = match claim {
        PublishClaim::AlreadyPublished(r) => {
            sc.adopt(&publish_spend(article)).await?;
            record_article(sc, article, &r).await?;
            sc.item_done(article.title.clone());
            return Ok(());
        }
        PublishClaim::HeldByOther(r) => {
            return Err(Error::conflict(
                Entity::PublishReference,
                r.id,
                ConflictReason::WrongState(format!(
                    "publishing is claimed by {} until {:?}",
                    r.claim_owner.unwrap_or_default(),
                    r.claim_expires_at
                )),
            ));
        }
        PublishClaim::Won(r) => r,
    };
    sc.checkpoint().await?;
    let owner = sc.engine.worker.as_str();
    let post: Result<PublishedPost> = async {
        if let Some(existing) = publisher.find_post(&reference.idempotency_key).await.map_err(Error::from)? {
            sc.adopt(&publish_spend(article)).await?;
            return Ok(existing);
        }
        let draft = draft(sc, article, &reference, gone);
        Ok(sc
            .paid(Role::Publisher, publish_spend(article), |_| Vec::new(), || publisher.create_post(&draft))
            .await?
            .value)
    }
    .await;
    match post {
        Ok(post) => {
            let r = sc
                .store()
                .mark_published(
                    &sc.ctx,
                    reference.id,
                    owner,
                    &post.remote_id,
                    &post.url,
                    &post.status,
                    sc.now(),
                )
                .await?;
            record_article(sc, article, &r).await?;
            sc.item_done(article.title.clone());
            Ok(())
        }
        Err(e) => {
            let _ =
                sc.store().mark_publish_failed(&sc.ctx, reference.id, owner, &e.to_string(), sc.now()).await;
            Err(e)
        }
    }
}

async fn record_article(sc: &StepCtx<'_>, article: &Article, r: &PublishReference) -> Result<()> {
    sc.store()
        .update_article(
            &sc.ctx,
            article.id,
            ArticleUpdate {
                status: Some(ArticleStatus::Published),
                wordpress_post_id: r.remote_id.as_deref().and_then(|id| id.parse().ok()),
                wordpress_url: r.remote_url.clone(),
                ..ArticleUpdate::default()
            },
        )
        .await?;
    Ok(())
}
