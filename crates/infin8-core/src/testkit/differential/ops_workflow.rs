//! Generated operations on workflows, transitions, keywords, clusters and approvals.

use super::{Differential, to_json};
use crate::approval::{ApprovalEntityType, Decision, NewApproval};
use crate::cluster::{ClusterType, NewClusterSpoke, NewValidation, ValidationStatus};
use crate::ids::{KeywordId, WorkflowId};
use crate::keyword::{FilterStatus, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword, UpsertedKeyword};
use crate::page::Page;
use crate::testkit::fixtures::at;
use crate::workflow::{Lease, NewWorkflow, Phase, TransitionRequest, WorkflowState, legal_transitions};
use serde_json::json;

/// Keyword texts: few enough that batches collide often, in several spellings.
const WORDS: &[&str] =
    &["crm", "best crm", "CRM Software", "crm  software", "ＣＲＭ tools", "erp", "Erp Guide", "seo"];

impl Differential {
    /// A workflow of organization `org`, if any.
    fn workflow_of(&mut self, org: usize) -> Option<WorkflowId> {
        let mine: Vec<_> = self.workflows.iter().filter(|(o, _)| *o == org).map(|(_, w)| *w).collect();
        self.rng.pick(&mine).copied()
    }

    pub(super) async fn op_create_workflow(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let id = WorkflowId::new();
        let title = if self.rng.chance(5) { String::new() } else { format!("wf {}", self.step) };
        let new = NewWorkflow { id: Some(id), title, ..Default::default() };
        let r = self
            .both(
                "create_workflow",
                move |s, _| {
                    let n = new.clone();
                    async move { s.create_workflow(&ctx, n).await }
                },
                to_json,
            )
            .await;
        if r.is_ok() {
            self.workflows.push((org, id));
        }
    }

    pub(super) async fn op_transition(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        // Sometimes replay an earlier request (possibly of the other organization).
        if self.rng.chance(12) && !self.requests.is_empty() {
            let (_, req) = self.requests[self.rng.below(self.requests.len())].clone();
            let mut req = req;
            if self.rng.chance(30) {
                req.to = WorkflowState::Cancelled; // same key, other target
            }
            self.run_transition(ctx, org, req).await;
            return;
        }
        let Some(wf_id) = self.workflow_of(org) else { return self.op_create_workflow().await };
        let Ok(Some(wf)) = self.memory.get_workflow(&ctx, wf_id).await else { return };
        // Mostly forward: cancelling is legal everywhere and would end most workflows early.
        let mut legal = legal_transitions(wf.state);
        if self.rng.chance(95) {
            legal.retain(|(to, _)| *to != WorkflowState::Cancelled);
        }
        let all = WorkflowState::all();
        let to = match (self.rng.chance(85), self.rng.pick(&legal)) {
            (true, Some((to, _))) => *to,
            _ => all[self.rng.below(all.len())],
        };
        let mut req = TransitionRequest::from_current(&wf, to);
        req.idempotency_key = format!("k{}-{}", self.step, self.seed);
        if self.rng.chance(8) {
            req.expected_version -= 1;
        }
        if to.is_processing() {
            req.lease =
                Some(Lease { owner: format!("w{}", self.rng.below(3)), expires_at: at(self.step as i64) });
        }
        if to.phase() == Some(Phase::Failed) || self.rng.chance(10) {
            req.reason = Some(format!("reason {}", self.step));
        }
        self.run_transition(ctx, org, req).await;
    }

    async fn run_transition(
        &mut self,
        ctx: crate::tenant::TenantContext,
        org: usize,
        req: TransitionRequest,
    ) {
        let r2 = req.clone();
        let r = self
            .both(
                "transition",
                move |s, _| {
                    let r = r2.clone();
                    async move { s.transition(&ctx, r).await }
                },
                |o| json!({ "workflow": to_json(&o.workflow), "transition": to_json(&o.transition), "replayed": o.replayed }),
            )
            .await;
        if r.is_ok() {
            self.requests.push((org, req));
        }
    }

    pub(super) async fn op_upsert_keywords(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let Some(wf) = self.workflow_of(org) else { return self.op_create_workflow().await };
        let mut batch_m = Vec::new();
        let mut batch_b = Vec::new();
        let mut kinds = Vec::new();
        // At most one fault per batch (which item's error a backend reports is unspecified).
        let n = self.rng.range(1, 3) as usize;
        let fault = self.rng.below(n * 12);
        for i in 0..n {
            let text =
                if fault == i { String::new() } else { (*self.rng.pick(WORDS).unwrap_or(&"x")).to_string() };
            let kinds_all =
                [KeywordType::Seed, KeywordType::Seed, KeywordType::Longtail, KeywordType::Subtopic];
            let mut kind = kinds_all[self.rng.below(4)];
            // Mostly a parent that fits (a seed when none does); as the fault, any keyword at all,
            // which usually breaks the hierarchy or belongs to another organization.
            let parent = if fault == n + i {
                self.rng.pick(&self.keywords).map(|k| k.2)
            } else {
                let want = match kind {
                    KeywordType::Seed => None,
                    KeywordType::Longtail => Some(KeywordType::Seed),
                    KeywordType::Subtopic => Some(KeywordType::Longtail),
                };
                let fits: Vec<_> =
                    self.keywords.iter().filter(|k| k.1 == wf && Some(k.3) == want).map(|k| k.2).collect();
                let parent = self.rng.pick(&fits).copied();
                if parent.is_none() {
                    kind = KeywordType::Seed;
                }
                parent
            };
            let new = NewKeyword::new(wf, kind, parent, text, "diff");
            let mut nb = new.clone();
            nb.parent_id = parent.map(|p| self.be(p));
            kinds.push(kind);
            batch_m.push(new);
            batch_b.push(nb);
        }
        let r = self
            .both(
                "upsert_keywords",
                move |s, be| {
                    let b = if be { batch_b.clone() } else { batch_m.clone() };
                    async move { s.upsert_keywords(&ctx, &b).await }
                },
                |ups: &Vec<UpsertedKeyword>| {
                    json!(ups.iter().map(|u| json!({ "id": u.id, "created": u.created })).collect::<Vec<_>>())
                },
            )
            .await;
        if let Ok(ups) = r {
            for (u, kind) in ups.into_iter().zip(kinds).filter(|(u, _)| u.created) {
                self.keywords.push((org, wf, u.id, kind));
            }
        }
    }

    pub(super) async fn op_update_keywords(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let mut ups_m = Vec::new();
        for _ in 0..self.rng.range(1, 3) {
            let Some((_, _, id, _)) = self.rng.pick(&self.keywords).copied() else { return };
            let status =
                [FilterStatus::Pending, FilterStatus::Approved, FilterStatus::Rejected][self.rng.below(3)];
            ups_m.push(KeywordUpdate {
                filter_status: Some(status),
                user_selected: Some(self.rng.chance(50)),
                subtopics: self.rng.chance(30).then(|| vec![format!("s{}", self.step)]),
                ..KeywordUpdate::new(id)
            });
        }
        let ups_b: Vec<_> = ups_m.iter().map(|u| KeywordUpdate { id: self.be(u.id), ..u.clone() }).collect();
        self.both(
            "update_keywords",
            move |s, be| {
                let u = if be { ups_b.clone() } else { ups_m.clone() };
                async move { s.update_keywords(&ctx, &u).await }
            },
            |()| json!(null),
        )
        .await
        .ok();
    }

    pub(super) async fn op_list_keywords(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let Some(wf) = self.workflow_of(org) else { return };
        let query = KeywordQuery {
            keyword_type: self.rng.chance(40).then(|| KeywordType::ALL[self.rng.below(3)]),
            filter_status: self.rng.chance(30).then_some(FilterStatus::Approved),
            limit: Some(self.rng.range(1, 5) as u32),
            ..KeywordQuery::workflow(wf)
        };
        self.both(
            "list_keywords",
            move |s, _| {
                let q = query.clone();
                async move { s.list_keywords(&ctx, q).await }
            },
            |p: &Page<crate::keyword::Keyword>| json!({ "items": to_json(&p.items), "next": p.next_cursor.as_ref().map(|c| c.0.clone()) }),
        )
        .await
        .ok();
    }

    pub(super) async fn op_clusters(&mut self) {
        let org = self.org();
        let ctx = self.orgs[org];
        let Some(wf) = self.workflow_of(org) else { return };
        let pool: Vec<KeywordId> = self.keywords.iter().filter(|k| k.1 == wf).map(|k| k.2).collect();
        let Some(hub) = self.rng.pick(&pool).copied() else { return };
        let mut spokes = Vec::new();
        for i in 0..self.rng.range(0, 3) {
            let Some(spoke) = self.rng.pick(&pool).copied() else { break };
            let sim = 0.5 + i as f32 / 10.0;
            spokes.push(NewClusterSpoke {
                hub_keyword_id: hub,
                spoke_keyword_id: spoke,
                similarity: sim,
                cluster_type: ClusterType::HubSpoke,
            });
        }
        let spokes_b: Vec<_> = spokes
            .iter()
            .map(|s| NewClusterSpoke {
                hub_keyword_id: self.be(s.hub_keyword_id),
                spoke_keyword_id: self.be(s.spoke_keyword_id),
                ..s.clone()
            })
            .collect();
        if self.rng.chance(50) {
            self.both(
                "replace_clusters",
                move |s, be| {
                    let sp = if be { spokes_b.clone() } else { spokes.clone() };
                    async move { s.replace_clusters(&ctx, wf, &sp).await }
                },
                to_json,
            )
            .await
            .ok();
        } else {
            let v = NewValidation {
                hub_keyword_id: hub,
                status: ValidationStatus::Valid,
                avg_similarity: 0.7,
                spoke_count: 1,
                reasons: Vec::new(),
                metadata: json!(null),
            };
            let vb = NewValidation { hub_keyword_id: self.be(hub), ..v.clone() };
            self.both(
                "replace_validations",
                move |s, be| {
                    let v = if be { vb.clone() } else { v.clone() };
                    async move { s.replace_validations(&ctx, wf, &[v]).await }
                },
                to_json,
            )
            .await
            .ok();
        }
    }

    pub(super) async fn op_approvals(&mut self) {
        let org = self.org();
        let viewer = org == 0 && self.rng.chance(20);
        let ctx = if viewer { self.viewer } else { self.orgs[org] };
        // A viewer only tries its own organization's keywords (`Forbidden` and `NotFound` at once
        // would test precedence, which is covered by the scenarios instead).
        let pool: Vec<_> = self.keywords.iter().filter(|k| !viewer || k.0 == org).copied().collect();
        let Some((_, wf, kw, _)) = self.rng.pick(&pool).copied() else { return };
        let decision = if self.rng.chance(50) { Decision::Approved } else { Decision::Rejected };
        let make = |entity: uuid::Uuid| NewApproval {
            workflow_id: wf,
            entity_type: ApprovalEntityType::SeedKeywords,
            entity_id: entity,
            decision,
            feedback: None,
            confidence: Some(0.5),
        };
        let (am, ab) = (make(kw.as_uuid()), make(self.be(kw).as_uuid()));
        self.both(
            "record_approvals",
            move |s, be| {
                let a = if be { ab.clone() } else { am.clone() };
                async move { s.record_approvals(&ctx, &[a]).await }
            },
            to_json,
        )
        .await
        .ok();
    }
}
