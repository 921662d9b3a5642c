//! Generated operations on articles, publishing, the ledgers, the research cache and the audit
//! log.

use super::{Differential, to_json};
use crate::article::{ArticleUpdate, NewArticle, NewSection, SectionStatus};
use crate::audit::NewAuditEntry;
use crate::ids::{AuditId, ReservationId};
use crate::ledger::{
    BillingPeriod, LedgerScope, RateLimitRequest, ReserveUsage, UsageLine, UsageMetric, WindowKind,
};
use crate::money::Usd;
use crate::publish::{PublishClaim, PublishClaimRequest, PublishReference};
use crate::research::NewResearchCacheEntry;
use crate::testkit::fixtures::at;
use serde_json::{Value, json};

const QUERIES: &[&str] = &["Best CRM", " best  crm ", "erp guide", "ERP Guide", "seo tools"];
const METRICS: &[UsageMetric] = &[UsageMetric::LlmTokens, UsageMetric::WebResearch, UsageMetric::CostMicros];

/// A publish reference without its idempotency key, whose format is the backend's choice (only
/// its stability is specified, and the conformance suite checks that).
pub(super) fn publish_json(r: &PublishReference) -> Value {
    let mut v = to_json(r);
    if let Some(key) = v.get_mut("idempotency_key") {
        *key = Value::Bool(true);
    }
    v
}

fn claim_json(c: &PublishClaim) -> Value {
    match c {
        PublishClaim::Won(r) => json!({ "won": publish_json(r) }),
        PublishClaim::AlreadyPublished(r) => json!({ "already_published": publish_json(r) }),
        PublishClaim::HeldByOther(r) => json!({ "held_by_other": publish_json(r) }),
    }
}

impl Differential {
    pub(super) async fn op_article(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        if self.rng.chance(60) || self.articles.is_empty() {
            let Some((_, wf, kw, _)) = self.rng.pick(&self.keywords).copied() else { return };
            let new = NewArticle {
                workflow_id: wf,
                keyword_id: kw,
                title: format!("article {}", self.step),
                slug: format!("article-{}", self.step),
                sections_total: 3,
                focus_keyword: None,
            };
            let nb = NewArticle { keyword_id: self.be(kw), ..new.clone() };
            let r = self
                .both(
                    "create_article",
                    move |s, be| {
                        let n = if be { nb.clone() } else { new.clone() };
                        async move { s.create_article(&ctx, n).await }
                    },
                    to_json,
                )
                .await;
            if let Ok(a) = r
                && !self.articles.iter().any(|(_, id)| *id == a.id)
            {
                self.articles.push((org, a.id));
            }
        } else if self.rng.chance(50) {
            let Some((_, id)) = self.rng.pick(&self.articles).copied() else { return };
            let order = self.rng.range(-1, 3) as i32;
            let section = NewSection {
                article_id: id,
                section_order: order,
                title: format!("s{}", self.step),
                content: Some("text".into()),
                content_html: None,
                research_query: None,
                sources: Vec::new(),
                model: None,
                prompt_tokens: 1,
                completion_tokens: 2,
                generation_ms: 3,
                cost: Usd::from_micros(4),
                status: SectionStatus::Completed,
            };
            let sb = NewSection { article_id: self.be(id), ..section.clone() };
            self.both(
                "upsert_section",
                move |s, be| {
                    let x = if be { sb.clone() } else { section.clone() };
                    async move { s.upsert_section(&ctx, x).await }
                },
                to_json,
            )
            .await
            .ok();
        } else {
            let Some((_, id)) = self.rng.pick(&self.articles).copied() else { return };
            let bid = self.be(id);
            let update =
                ArticleUpdate { progress: Some(self.rng.range(0, 100) as i32), ..Default::default() };
            self.both(
                "update_article",
                move |s, be| {
                    let (i, u) = (if be { bid } else { id }, update.clone());
                    async move { s.update_article(&ctx, i, u).await }
                },
                to_json,
            )
            .await
            .ok();
        }
    }

    pub(super) async fn op_publish(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let owner = format!("w{}", self.rng.below(3));
        let now = at(self.rng.range(0, 200));
        if self.rng.chance(55) || self.publish.is_empty() {
            let Some((_, article)) = self.rng.pick(&self.articles).copied() else { return };
            let req = PublishClaimRequest {
                article_id: article,
                platform: "wordpress".into(),
                owner,
                now,
                lease: chrono::Duration::seconds(60),
                idempotency_key: "infin8-test-key".into(),
            };
            let rb = PublishClaimRequest { article_id: self.be(article), ..req.clone() };
            let r = self
                .both(
                    "claim_publish",
                    move |s, be| {
                        let r = if be { rb.clone() } else { req.clone() };
                        async move { s.claim_publish(&ctx, r).await }
                    },
                    claim_json,
                )
                .await;
            if let Ok(PublishClaim::Won(r)) = r
                && !self.publish.iter().any(|(_, id)| *id == r.id)
            {
                self.publish.push((org, r.id));
            }
        } else {
            let Some((_, id)) = self.rng.pick(&self.publish).copied() else { return };
            let bid = self.be(id);
            let ok = self.rng.chance(50);
            let remote = format!("post-{}", self.rng.below(2));
            self.both(
                if ok { "mark_published" } else { "mark_publish_failed" },
                move |s, be| {
                    let (i, o, r) = (if be { bid } else { id }, owner.clone(), remote.clone());
                    async move {
                        if ok {
                            s.mark_published(&ctx, i, &o, &r, "https://blog.example/p", "publish", now).await
                        } else {
                            s.mark_publish_failed(&ctx, i, &o, "boom", now).await
                        }
                    }
                },
                publish_json,
            )
            .await
            .ok();
        }
    }

    pub(super) async fn op_usage(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let scope =
            LedgerScope::Month(BillingPeriod::new(2030, 1 + self.rng.below(2) as u32).expect("month"));
        if self.rng.chance(55) || self.reservations.is_empty() {
            let reuse = self.rng.chance(10) && !self.reservations.is_empty();
            let id = if reuse {
                self.reservations[self.rng.below(self.reservations.len())].1
            } else {
                ReservationId::new()
            };
            let mut lines = Vec::new();
            for _ in 0..self.rng.range(1, 2) {
                let metric = *self.rng.pick(METRICS).expect("metrics");
                lines.push(UsageLine {
                    metric,
                    scope,
                    amount: self.rng.range(-1, 4),
                    limit: self.rng.chance(70).then_some(10),
                });
            }
            let req = ReserveUsage { id, workflow_id: None, purpose: "diff".into(), replay_of: None, lines };
            let r = self
                .both(
                    "reserve_usage",
                    move |s, _| {
                        let r = req.clone();
                        async move { s.reserve_usage(&ctx, r).await }
                    },
                    to_json,
                )
                .await;
            if let Ok(r) = r
                && !reuse
            {
                self.reservations.push((org, id, r.lines.len()));
            }
        } else {
            let (_, id, lines) = self.reservations[self.rng.below(self.reservations.len())];
            let commit = self.rng.chance(50);
            let n = if self.rng.chance(85) { lines } else { self.rng.range(0, 3) as usize };
            let actual: Vec<i64> = (0..n).map(|_| self.rng.range(0, 5)).collect();
            self.both(
                if commit { "commit_usage" } else { "release_usage" },
                move |s, _| {
                    let a = actual.clone();
                    async move {
                        if commit {
                            s.commit_usage(&ctx, id, &a).await
                        } else {
                            s.release_usage(&ctx, id).await
                        }
                    }
                },
                to_json,
            )
            .await
            .ok();
        }
        let metric = *self.rng.pick(METRICS).expect("metrics");
        self.both("get_usage", move |s, _| async move { s.get_usage(&ctx, metric, scope).await }, to_json)
            .await
            .ok();
    }

    pub(super) async fn op_rate_limit(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let req = RateLimitRequest {
            key: format!("k{}", self.rng.below(2)),
            limit: self.rng.range(0, 4) as u32,
            window: std::time::Duration::from_secs(60),
            kind: if self.rng.chance(50) { WindowKind::Fixed } else { WindowKind::Sliding },
            cost: self.rng.range(0, 2) as u32,
            now: at(self.step as i64 * 7),
        };
        self.both(
            "hit_rate_limit",
            move |s, _| {
                let r = req.clone();
                async move { s.hit_rate_limit(&ctx, r).await }
            },
            to_json,
        )
        .await
        .ok();
    }

    pub(super) async fn op_research(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let query = (*self.rng.pick(QUERIES).expect("queries")).to_string();
        let now = at(self.rng.range(0, 300));
        match self.rng.below(3) {
            0 => {
                let entry = NewResearchCacheEntry {
                    research_query: query,
                    provider: "tavily".into(),
                    results: Vec::new(),
                    created_at: now,
                    expires_at: at(self.rng.range(-10, 400)),
                };
                self.both(
                    "put_research",
                    move |s, _| {
                        let e = entry.clone();
                        async move { s.put_research(&ctx, e).await }
                    },
                    to_json,
                )
                .await
                .ok();
            }
            1 => {
                self.both(
                    "get_research",
                    move |s, _| {
                        let q = query.clone();
                        async move { s.get_research(&ctx, &q, now).await }
                    },
                    to_json,
                )
                .await
                .ok();
            }
            _ => {
                self.both(
                    "purge_expired_research",
                    move |s, _| async move { s.purge_expired_research(&ctx, now).await },
                    to_json,
                )
                .await
                .ok();
            }
        }
    }

    pub(super) async fn op_audit(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let id = match self.rng.pick(&self.audit_ids).copied() {
            Some((_, id)) if self.rng.chance(15) => id,
            _ => AuditId::new(),
        };
        let workflow_id =
            if self.rng.chance(50) { self.rng.pick(&self.workflows).map(|(_, w)| *w) } else { None };
        let entry = NewAuditEntry {
            id,
            workflow_id,
            action: format!("diff.{}", self.step),
            entity_type: "diff".into(),
            entity_id: None,
            details: json!({ "step": self.step }),
        };
        let r = self
            .both(
                "append_audit",
                move |s, _| {
                    let e = entry.clone();
                    async move { s.append_audit(&ctx, e).await }
                },
                to_json,
            )
            .await;
        if r.is_ok() {
            self.audit_ids.push((org, id));
        }
    }
}
