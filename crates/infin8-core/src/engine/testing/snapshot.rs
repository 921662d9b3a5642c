//! A comparable picture of everything a workflow produced, keyed by natural keys (keyword texts),
//! never by generated ids or timestamps, so two runs of the same input compare equal.

use crate::engine::step::list_keywords;
use crate::ids::{KeywordId, WorkflowId};
use crate::keyword::KeywordQuery;
use crate::ledger::{BillingPeriod, LedgerScope};
use crate::store::Store;
use crate::tenant::TenantContext;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Everything a workflow produced, as sorted lines per aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Final state.
    pub state: String,
    /// Counters and costs.
    pub workflow: String,
    /// One line per keyword.
    pub keywords: Vec<String>,
    /// One line per spoke.
    pub clusters: Vec<String>,
    /// One line per validation.
    pub validations: Vec<String>,
    /// One line per approval.
    pub approvals: Vec<String>,
    /// One line per article.
    pub articles: Vec<String>,
    /// One line per section.
    pub sections: Vec<String>,
    /// One line per publish reference.
    pub publish: Vec<String>,
    /// Usage counters of the workflow and of the organization's month.
    pub usage: Vec<String>,
}

impl Snapshot {
    /// The lines that differ from `other` (`-` only here, `+` only there), per aggregate.
    #[must_use]
    pub fn diff(&self, other: &Snapshot) -> String {
        let mut out = String::new();
        let pairs: [(&str, Vec<String>, Vec<String>); 10] = [
            ("state", vec![self.state.clone()], vec![other.state.clone()]),
            ("workflow", vec![self.workflow.clone()], vec![other.workflow.clone()]),
            ("keywords", self.keywords.clone(), other.keywords.clone()),
            ("clusters", self.clusters.clone(), other.clusters.clone()),
            ("validations", self.validations.clone(), other.validations.clone()),
            ("approvals", self.approvals.clone(), other.approvals.clone()),
            ("articles", self.articles.clone(), other.articles.clone()),
            ("sections", self.sections.clone(), other.sections.clone()),
            ("publish", self.publish.clone(), other.publish.clone()),
            ("usage", self.usage.clone(), other.usage.clone()),
        ];
        for (name, mine, theirs) in pairs {
            for l in mine.iter().filter(|l| !theirs.contains(l)) {
                out.push_str(&format!("{name} - {l}\n"));
            }
            for l in theirs.iter().filter(|l| !mine.contains(l)) {
                out.push_str(&format!("{name} + {l}\n"));
            }
        }
        out
    }
}

fn strip_ids(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["workflow_id", "keyword_id", "cluster_hub_keyword_id", "article_id"] {
            o.remove(k);
        }
        // The JSON-LD names the organization, which every scenario makes anew.
        if let Some(ld) = o.get_mut("seo").and_then(|s| s.get_mut("json_ld")).and_then(|l| l.as_object_mut())
        {
            ld.remove("author");
            ld.remove("publisher");
        }
    }
    v
}

/// What the ledger charged for paid calls that were made again after a crash lost their result
/// (the targets of replays, [`UsageReservation::replay_of`](crate::ledger::UsageReservation)):
/// per `(metric, scope)`, the committed amounts. A run that crashed and resumed equals a clean
/// run once these are taken away — and only once: the replays themselves are charged as the
/// clean run's calls were.
pub async fn replayed_charges(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: WorkflowId,
) -> HashMap<(LedgerScope, crate::ledger::UsageMetric), i64> {
    let reservations = store.list_reservations(ctx, workflow).await.unwrap();
    let mut out = HashMap::new();
    for target in reservations.iter().filter(|r| reservations.iter().any(|x| x.replay_of == Some(r.id))) {
        let committed = target.committed.clone().unwrap_or_default();
        for (line, amount) in target.lines.iter().zip(committed) {
            *out.entry((line.scope, line.metric)).or_insert(0) += amount;
        }
    }
    out
}

/// Takes the snapshot of a workflow (`now` picks the billing month), its ledger net of
/// [`replayed_charges`] (the extra charges of calls re-made after a crash), so a crashed and
/// resumed run compares equal to a clean one.
pub async fn snapshot(
    store: &dyn Store,
    ctx: &TenantContext,
    workflow: WorkflowId,
    now: DateTime<Utc>,
) -> Snapshot {
    let wf = store.get_workflow(ctx, workflow).await.unwrap().expect("workflow");
    let keywords = list_keywords(store, ctx, KeywordQuery::workflow(workflow)).await.unwrap();
    let text: HashMap<KeywordId, String> =
        keywords.iter().map(|k| (k.id, k.normalized_keyword.clone())).collect();
    let name = |id: &KeywordId| text.get(id).cloned().unwrap_or_else(|| "?".into());
    let replayed = replayed_charges(store, ctx, workflow).await;
    let net = |scope: LedgerScope, metric: crate::ledger::UsageMetric, used: i64| {
        used - replayed.get(&(scope, metric)).copied().unwrap_or(0)
    };
    let mut s = Snapshot {
        state: wf.state.to_string(),
        workflow: format!(
            "counts={:?} actual_cost={} icp={}",
            wf.counts,
            crate::money::Usd::from_micros(net(
                LedgerScope::Workflow(workflow),
                crate::ledger::UsageMetric::CostMicros,
                wf.actual_cost.micros()
            )),
            wf.icp_data.map(|v| v.to_string()).unwrap_or_default()
        ),
        ..Snapshot::default()
    };
    for k in &keywords {
        s.keywords.push(format!(
            "{} {:?} parent={:?} src={} filter={} nav={} longtail={} subtopics={:?}/{} article={} ai={} user={} emb={} serp={} meta={}",
            k.keyword_type,
            k.normalized_keyword,
            k.parent_id.map(|p| name(&p)),
            k.source,
            k.filter_status,
            k.is_navigational,
            k.longtail_status,
            k.subtopics,
            k.subtopics_status,
            k.article_status,
            k.ai_suggested,
            k.user_selected,
            k.embedding.as_ref().map_or(0, Vec::len),
            k.metrics.serp_urls.len(),
            k.decision_metadata,
        ));
    }
    for c in store.list_clusters(ctx, workflow).await.unwrap() {
        s.clusters.push(format!(
            "{} <- {} {:.4} {}",
            name(&c.hub_keyword_id),
            name(&c.spoke_keyword_id),
            c.similarity,
            c.cluster_type
        ));
    }
    for v in store.list_validations(ctx, workflow).await.unwrap() {
        s.validations.push(format!(
            "{} {} {:.4} {} {:?}",
            name(&v.hub_keyword_id),
            v.status,
            v.avg_similarity,
            v.spoke_count,
            v.reasons
        ));
    }
    for a in store.list_approvals(ctx, workflow, None).await.unwrap() {
        s.approvals.push(format!(
            "{} {} {} {:?} by={}",
            a.entity_type,
            name(&KeywordId::from_uuid(a.entity_id)),
            a.decision,
            a.feedback,
            if a.decided_by.user_id().is_some() { "user" } else { "system" }
        ));
    }
    for a in store.list_articles(ctx, workflow).await.unwrap() {
        let kw = name(&a.keyword_id);
        s.articles.push(format!(
            "{kw} title={:?} slug={} status={} progress={} sections={}/{} words={} minutes={} quality={:?} seo={:?} meta={:?}/{:?} excerpt={:?} focus={:?} url={:?} cost={} html={:?} provenance={}",
            a.title, a.slug, a.status, a.progress, a.sections_completed, a.sections_total, a.word_count,
            a.reading_time_minutes, a.quality_score, a.seo_score, a.meta_title, a.meta_description, a.excerpt,
            a.focus_keyword, a.wordpress_url, a.generation_cost, a.content_html, strip_ids(a.provenance.clone()),
        ));
        for sec in store.list_sections(ctx, a.id).await.unwrap() {
            s.sections.push(format!(
                "{kw} #{} {:?} {} query={:?} sources={:?} model={:?} tokens={}/{} cost={} html={:?}",
                sec.section_order,
                sec.title,
                sec.status,
                sec.research_query,
                sec.sources.iter().map(|x| x.url.as_str()).collect::<Vec<_>>(),
                sec.model,
                sec.prompt_tokens,
                sec.completion_tokens,
                sec.cost,
                sec.content_html,
            ));
        }
        for r in store.list_publish_references(ctx, a.id).await.unwrap() {
            s.publish.push(format!("{kw} {} {} {:?}", r.platform, r.status, r.remote_url));
        }
    }
    for scope in [LedgerScope::Workflow(workflow), LedgerScope::Month(BillingPeriod::of(now))] {
        let kind = if matches!(scope, LedgerScope::Workflow(_)) { "workflow" } else { "month" };
        for u in store.list_usage(ctx, scope).await.unwrap() {
            let used = net(scope, u.metric, u.used);
            s.usage.push(format!("{kind} {} used={} reserved={}", u.metric, used, u.reserved));
        }
    }
    for list in [
        &mut s.keywords,
        &mut s.clusters,
        &mut s.validations,
        &mut s.approvals,
        &mut s.articles,
        &mut s.sections,
        &mut s.publish,
        &mut s.usage,
    ] {
        list.sort();
    }
    s
}
