//! The final comparison: every listing of the run's organizations, in both stores.

use super::ops_ledger::publish_json;
use super::{Differential, to_json};
use crate::audit::AuditQuery;
use crate::keyword::KeywordQuery;
use crate::ledger::{BillingPeriod, LedgerScope};
use crate::workflow::WorkflowQuery;
use serde_json::json;

impl Differential {
    /// Compares every listing of both organizations.
    pub(super) async fn compare_listings(&mut self) {
        for org in 0..self.orgs.len() {
            let ctx = self.orgs[org];
            let all = Some(10_000);
            self.both(
                "final list_workflows",
                move |s, _| async move {
                    s.list_workflows(&ctx, WorkflowQuery { limit: all, ..Default::default() }).await
                },
                |p| to_json(&p.items),
            )
            .await
            .ok();
            let workflows: Vec<_> =
                self.workflows.iter().filter(|(o, _)| *o == org).map(|(_, w)| *w).collect();
            for wf in workflows {
                self.both(
                    "final list_transitions",
                    move |s, _| async move { s.list_transitions(&ctx, wf).await },
                    to_json,
                )
                .await
                .ok();
                self.both(
                    "final list_keywords",
                    move |s, _| async move {
                        s.list_keywords(&ctx, KeywordQuery { limit: all, ..KeywordQuery::workflow(wf) }).await
                    },
                    |p| to_json(&p.items),
                )
                .await
                .ok();
                self.both(
                    "final list_clusters",
                    move |s, _| async move { s.list_clusters(&ctx, wf).await },
                    to_json,
                )
                .await
                .ok();
                self.both(
                    "final list_validations",
                    move |s, _| async move { s.list_validations(&ctx, wf).await },
                    to_json,
                )
                .await
                .ok();
                self.both(
                    "final list_approvals",
                    move |s, _| async move { s.list_approvals(&ctx, wf, None).await },
                    to_json,
                )
                .await
                .ok();
                self.both(
                    "final list_articles",
                    move |s, _| async move { s.list_articles(&ctx, wf).await },
                    to_json,
                )
                .await
                .ok();
            }
            let articles: Vec<_> = self.articles.iter().filter(|(o, _)| *o == org).map(|(_, a)| *a).collect();
            for a in articles {
                let b = self.be(a);
                self.both(
                    "final list_sections",
                    move |s, be| async move { s.list_sections(&ctx, if be { b } else { a }).await },
                    to_json,
                )
                .await
                .ok();
                self.both(
                    "final list_publish_references",
                    move |s, be| async move { s.list_publish_references(&ctx, if be { b } else { a }).await },
                    |refs| json!(refs.iter().map(publish_json).collect::<Vec<_>>()),
                )
                .await
                .ok();
            }
            for month in [1, 2] {
                let scope = LedgerScope::Month(BillingPeriod::new(2030, month).expect("month"));
                self.both(
                    "final list_usage",
                    move |s, _| async move { s.list_usage(&ctx, scope).await },
                    to_json,
                )
                .await
                .ok();
            }
            // Store-written audit details are backend-specific: compare who did what, when in order.
            self.both(
                "final list_audit",
                move |s, _| async move {
                    s.list_audit(&ctx, AuditQuery { limit: all, ..Default::default() }).await
                },
                |p| {
                    json!(
                        p.items
                            .iter()
                            .map(|e| {
                                let caller = e.action.starts_with("diff.");
                                json!({
                                    "id": if caller { json!(e.id) } else { json!(null) },
                                    "action": e.action,
                                    "workflow_id": e.workflow_id,
                                    "actor": to_json(&e.actor),
                                    "details": if caller { e.details.clone() } else { json!(null) },
                                })
                            })
                            .collect::<Vec<_>>()
                    )
                },
            )
            .await
            .ok();
            self.both("final list_members", move |s, _| async move { s.list_members(&ctx).await }, to_json)
                .await
                .ok();
        }
    }
}
