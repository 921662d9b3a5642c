//! Step 9: one article per chosen keyword of the valid clusters, written section by section.
//!
//! Per article: the outline (model proposal checked by [`plan_outline`]) is stored in the
//! article's provenance before any section is written; then per section a research query goes to
//! the research cache (per organization and normalized query, with a TTL) and to web research on
//! a miss, and the model writes the section in HTML citing its numbered sources. Sections are
//! persisted one by one; a resume skips completed sections. Finally the article is assembled
//! (citations renumbered against one source list), measured and scored by the rules in
//! [`crate::article`].

use super::StepEnd;
use super::count;
use super::subtopics::{ClusterKeyword, valid_cluster_keywords};
use crate::approval::{Approval, ApprovalEntityType, Decision};
use crate::article::assemble::{AssemblyInput, SectionInput, Site, assemble as assemble_article};
use crate::article::intent::{classify_intent, writing_brief};
use crate::article::links::{InternalLinking, LinkTarget, internal_links};
use crate::article::plan::{
    Outline, PlannedSection, SectionRole, capitalize, html_to_text, plan_outline, strip_citations,
};
use crate::article::render::{markdown_to_html, render_section, sanitize};
use crate::article::{
    Article, ArticleSection, ArticleStatus, ArticleUpdate, NewArticle, NewSection, SectionStatus, Source,
    slugify,
};
use crate::engine::config::ArticleScope;
use crate::engine::ledger::Spend;
use crate::engine::step::bounded;
use crate::engine::step::{Role, StepCtx, approx_tokens};
use crate::error::Result;
use crate::ids::KeywordId;
use crate::keyword::{KeywordUpdate, StepStatus};
use crate::ledger::UsageMetric;
use crate::money::Usd;
use crate::provider::{ChatMessage, CompletionRequest, ResponseFormat, WebSearchRequest};
use crate::research::{NewResearchCacheEntry, normalize_query};
use crate::tenant::Actor;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// Who decided what, for provenance.
struct Decisions {
    seeds: HashMap<uuid::Uuid, Approval>,
    subtopics: HashMap<uuid::Uuid, Approval>,
}

/// The keywords that get an article, in cluster order, at most `max_articles`.
pub(crate) async fn chosen_keywords(sc: &StepCtx<'_>) -> Result<Vec<ClusterKeyword>> {
    let wf = sc.workflow_id();
    let rejected: Vec<uuid::Uuid> = sc
        .store()
        .list_approvals(&sc.ctx, wf, Some(ApprovalEntityType::Subtopics))
        .await?
        .into_iter()
        .filter(|a| a.decision == Decision::Rejected)
        .map(|a| a.entity_id)
        .collect();
    let scope = sc.engine.config.article_scope;
    let eligible: Vec<ClusterKeyword> = valid_cluster_keywords(sc)
        .await?
        .into_iter()
        .filter(|c| c.is_hub || scope == ArticleScope::HubsAndSpokes)
        .filter(|c| !rejected.contains(&c.keyword.id.as_uuid()))
        .collect();
    Ok(breadth_first(eligible, sc.engine.config.limits.max_articles))
}

/// Orders cluster keywords breadth first (every hub, then every cluster's first spoke, then the
/// second…), keeping cluster order within a round, and keeps the first `max`: a small article
/// budget covers many topics before it goes deep into one.
pub(crate) fn breadth_first(keywords: Vec<ClusterKeyword>, max: usize) -> Vec<ClusterKeyword> {
    let mut seen: HashMap<KeywordId, usize> = HashMap::new();
    let mut ranked: Vec<(usize, usize, ClusterKeyword)> = keywords
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let depth = seen.entry(c.hub).or_insert(0);
            let d = *depth;
            *depth += 1;
            (d, i, c)
        })
        .collect();
    ranked.sort_by_key(|(d, i, _)| (*d, *i));
    ranked.into_iter().take(max).map(|(_, _, c)| c).collect()
}

fn article_spend(keyword: KeywordId) -> Spend {
    Spend {
        key: format!("article:{keyword}"),
        units: vec![(UsageMetric::ArticleGeneration, 1)],
        cost: Usd::ZERO,
    }
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow_id();
    let chosen = chosen_keywords(sc).await?;
    sc.planned(chosen.len());
    let by_entity = |list: Vec<Approval>| list.into_iter().map(|a| (a.entity_id, a)).collect();
    let decisions = Decisions {
        seeds: by_entity(
            sc.store().list_approvals(&sc.ctx, wf, Some(ApprovalEntityType::SeedKeywords)).await?,
        ),
        subtopics: by_entity(
            sc.store().list_approvals(&sc.ctx, wf, Some(ApprovalEntityType::Subtopics)).await?,
        ),
    };
    let decisions = &decisions;
    // Every article of the run, for internal links (with its published URL once known).
    let published: HashMap<KeywordId, String> = sc
        .store()
        .list_articles(&sc.ctx, wf)
        .await?
        .into_iter()
        .filter_map(|a| a.wordpress_url.map(|u| (a.keyword_id, u)))
        .collect();
    let targets: Vec<(KeywordId, LinkTarget)> = chosen
        .iter()
        .map(|c| {
            let target = LinkTarget {
                keyword: c.keyword.keyword.clone(),
                slug: slugify(&c.keyword.keyword),
                is_hub: c.is_hub,
                cluster: c.hub.to_string(),
                published_url: published.get(&c.keyword.id).cloned(),
            };
            (c.keyword.id, target)
        })
        .collect();
    let targets = &targets;
    let results: Vec<Result<()>> = bounded(
        chosen.iter().map(|c| async move { write_article(sc, c, decisions, targets).await }).collect(),
        sc.engine.config.concurrency.articles,
    )
    .await;
    // Articles are few (one per chosen keyword): one listing counts the finished ones.
    let finished = sc
        .store()
        .list_articles(&sc.ctx, wf)
        .await?
        .iter()
        .filter(|a| matches!(a.status, ArticleStatus::Completed | ArticleStatus::Published))
        .count();
    sc.count(|c| c.articles = count(finished));
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e),
        None => Ok(StepEnd::Completed),
    }
}

async fn write_article(
    sc: &StepCtx<'_>,
    c: &ClusterKeyword,
    decisions: &Decisions,
    targets: &[(KeywordId, LinkTarget)],
) -> Result<()> {
    let kw = &c.keyword;
    let article = sc
        .store()
        .create_article(
            &sc.ctx,
            NewArticle {
                workflow_id: sc.workflow_id(),
                keyword_id: kw.id,
                title: capitalize(&kw.keyword),
                slug: slugify(&kw.keyword),
                sections_total: 0,
                focus_keyword: Some(kw.keyword.clone()),
            },
        )
        .await?;
    if matches!(article.status, ArticleStatus::Completed | ArticleStatus::Published) {
        // Written before (perhaps by a run that died before charging it or marking its
        // keyword): charge it once and mark the keyword.
        sc.adopt(&article_spend(kw.id)).await?;
        if kw.article_status != StepStatus::Completed {
            sc.store()
                .update_keywords(
                    &sc.ctx,
                    &[KeywordUpdate {
                        article_status: Some(StepStatus::Completed),
                        ..KeywordUpdate::new(kw.id)
                    }],
                )
                .await?;
        }
        sc.item_done(kw.keyword.clone());
        return Ok(());
    }
    sc.checkpoint().await?;
    let held = sc.reserve(&article_spend(kw.id)).await?;
    match write_sections(sc, c, decisions, targets, article).await {
        Ok(Written::Completed) => {
            sc.commit_reserved(&held).await?;
            sc.item_done(kw.keyword.clone());
            Ok(())
        }
        Ok(Written::Rejected) => {
            // Not publishable (a guard failed, or the model's text was unusable): recorded on the
            // article; the article is not charged and the other articles go on.
            sc.release(&held).await?;
            sc.item_done(format!("{} (not publishable)", kw.keyword));
            Ok(())
        }
        Err(e) => {
            let _ = sc.release(&held).await;
            Err(e)
        }
    }
}

#[derive(Deserialize)]
struct OutlineAnswer {
    #[serde(default)]
    title: String,
    #[serde(default)]
    sections: Vec<PlannedSection>,
}

fn outline_schema(max: usize) -> serde_json::Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "sections"],
        "properties": {
            "title": { "type": "string", "minLength": 10, "maxLength": 90 },
            "sections": {
                "type": "array", "minItems": 3, "maxItems": max,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["heading", "research_query"],
                    "properties": {
                        "heading": { "type": "string", "minLength": 3 },
                        "research_query": { "type": "string", "minLength": 3 }
                    }
                }
            }
        }
    })
}

async fn outline(sc: &StepCtx<'_>, c: &ClusterKeyword, article: &Article) -> Result<Outline> {
    if let Some(o) =
        article.provenance.get("outline").and_then(|v| serde_json::from_value::<Outline>(v.clone()).ok())
    {
        return Ok(o);
    }
    let kw = &c.keyword;
    let max = sc.engine.config.limits.max_sections;
    let intent = classify_intent(&kw.keyword, kw.metrics.intent);
    let llm = sc.engine.providers.llm.clone();
    let request = CompletionRequest {
        task: "outline".into(),
        messages: vec![
            ChatMessage::system("You outline SEO articles. Answer in JSON matching the schema."),
            ChatMessage::user(format!(
                "Keyword: {}\nSearch intent: {intent}\nSubtopics to cover: {}\nPropose a title containing the keyword that fits the search intent, and 3 to {max} body section headings (a lead and a conclusion are added separately), each with a web research query.",
                kw.keyword,
                kw.subtopics.join("; ")
            )),
        ],
        temperature: Some(0.3),
        max_tokens: Some(600),
        response_format: ResponseFormat::JsonSchema { name: "outline".into(), schema: outline_schema(max) },
    };
    let spend = Spend {
        key: format!("outline:{}", kw.id),
        units: vec![(UsageMetric::LlmTokens, 800)],
        cost: llm.estimate(&request),
    };
    let completion = sc
        .paid(
            Role::Llm,
            spend,
            |u| vec![(UsageMetric::LlmTokens, i64::try_from(u.total_tokens()).unwrap_or(i64::MAX))],
            || llm.complete(&request),
        )
        .await?
        .value;
    let answer: OutlineAnswer = super::parse_answer(llm.model_name(), &completion)?;
    let outline = plan_outline(&kw.keyword, intent, &answer.title, &answer.sections, &kw.subtopics, max);
    let mut provenance = article.provenance.as_object().cloned().unwrap_or_default();
    provenance.insert("outline".into(), json!(outline));
    sc.store()
        .update_article(
            &sc.ctx,
            article.id,
            ArticleUpdate {
                title: Some(outline.title.clone()),
                sections_total: Some(i32::try_from(outline.sections.len()).unwrap_or(i32::MAX)),
                status: Some(ArticleStatus::Researching),
                provenance: Some(serde_json::Value::Object(provenance)),
                ..ArticleUpdate::default()
            },
        )
        .await?;
    Ok(outline)
}

/// Sources for a query: the research cache, or web research on a miss (then cached).
async fn research(sc: &StepCtx<'_>, query: &str) -> Result<Vec<Source>> {
    let n = sc.engine.config.limits.sources_per_section;
    let now = sc.now();
    if let Some(hit) = sc.store().get_research(&sc.ctx, query, now).await? {
        return Ok(hit.results.into_iter().take(n as usize).collect());
    }
    let web = sc.engine.providers.web.clone();
    let request = WebSearchRequest::new(query, n);
    let spend = Spend {
        key: format!("research:{}", normalize_query(query)),
        units: vec![(UsageMetric::WebResearch, 1)],
        cost: web.estimate(&request),
    };
    let sources = sc.paid(Role::Web, spend, |_| Vec::new(), || web.search(&request)).await?.value;
    sc.store()
        .put_research(
            &sc.ctx,
            NewResearchCacheEntry {
                research_query: query.to_string(),
                provider: web.name().to_string(),
                results: sources.clone(),
                created_at: now,
                expires_at: now + sc.engine.config.research_ttl_duration(),
            },
        )
        .await?;
    Ok(sources.into_iter().take(n as usize).collect())
}

/// Most characters of earlier sections shown to the model (the latest ones).
const EARLIER_MAX_CHARS: usize = 4_000;

/// The plain text of the sections before `order` (citations removed), the latest
/// [`EARLIER_MAX_CHARS`] characters starting at a sentence, so the model does not repeat them.
fn earlier_text(done: &HashMap<usize, ArticleSection>, order: usize) -> String {
    let text = (0..order)
        .filter_map(|o| done.get(&o))
        .filter_map(|s| s.content_html.as_deref())
        .map(|html| strip_citations(&html_to_text(html)))
        .collect::<Vec<_>>()
        .join("\n");
    let skip = text.chars().count().saturating_sub(EARLIER_MAX_CHARS);
    if skip == 0 {
        return text;
    }
    let tail: String = text.chars().skip(skip).collect();
    match tail.find(". ") {
        Some(at) => tail[at + 2..].to_string(),
        None => tail,
    }
}

/// How writing an article ended, when nothing failed.
enum Written {
    /// Assembled and publishable.
    Completed,
    /// Recorded as failed with its reasons (guards, unusable model text).
    Rejected,
}

/// The source listing of a section prompt: each source's number, title, URL and an excerpt cut at
/// a sentence end.
fn source_listing(sources: &[Source]) -> String {
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut excerpt: String = s.content.chars().take(1_200).collect();
            if excerpt.chars().count() < s.content.chars().count()
                && let Some(end) = excerpt.rfind(['.', '!', '?'])
            {
                excerpt.truncate(end + 1);
            }
            let title = if s.title.trim().is_empty() { "(untitled)" } else { s.title.trim() };
            format!("[{}] {title} — {}\n{}\n", i + 1, s.url, excerpt.trim())
        })
        .collect()
}

fn role_brief(role: SectionRole) -> &'static str {
    match role {
        SectionRole::Lead => {
            "Write the lead: one or two short paragraphs, no heading, that tell the reader what the article covers; use the focus keyword in the first sentence."
        }
        SectionRole::Body => {
            "Write this section: two to four paragraphs (a list where it helps), no heading."
        }
        SectionRole::Conclusion => {
            "Write the conclusion: one or two paragraphs that sum up the key points and the reader's next step, no heading."
        }
    }
}

/// Writes one section; `Ok(Err(reason))` when the model's text is unusable.
async fn write_section(
    sc: &StepCtx<'_>,
    c: &ClusterKeyword,
    article: &Article,
    outline: &Outline,
    order: usize,
    earlier: &str,
) -> Result<std::result::Result<ArticleSection, String>> {
    let planned = &outline.sections[order];
    let sources = research(sc, &planned.research_query).await?;
    let listing = source_listing(&sources);
    let intent = classify_intent(&c.keyword.keyword, c.keyword.metrics.intent);
    let llm = sc.engine.providers.llm.clone();
    let request = CompletionRequest {
        task: "section".into(),
        messages: vec![
            ChatMessage::system(
                "You write accurate, readable web articles in Markdown: paragraphs separated by blank lines, lists where they help, no headings above ###, no HTML. Cite the numbered sources as [n] after the claims they support. Do not invent sources or facts the sources do not support.",
            ),
            ChatMessage::user(format!(
                "Article: {}\nFocus keyword: {}\nSearch intent: {intent} — {}\nSection {} of {}: {}\nSection role: {}\nSection heading: {}\nSubtopics of the article: {}\n\nEarlier sections (do not repeat them):\n{}\n\nSources:\n{listing}\n{}",
                outline.title,
                c.keyword.keyword,
                writing_brief(intent),
                order + 1,
                outline.sections.len(),
                planned.heading,
                match planned.role {
                    SectionRole::Lead => "lead",
                    SectionRole::Body => "body",
                    SectionRole::Conclusion => "conclusion",
                },
                planned.heading,
                c.keyword.subtopics.join("; "),
                if earlier.is_empty() { "(none)" } else { earlier },
                role_brief(planned.role),
            )),
        ],
        temperature: Some(0.5),
        max_tokens: Some(900),
        response_format: ResponseFormat::Text,
    };
    let spend = Spend {
        key: format!("section:{}:{order}", article.id),
        units: vec![(UsageMetric::LlmTokens, approx_tokens(&listing) + 1_100)],
        cost: llm.estimate(&request),
    };
    let metered = sc
        .paid(
            Role::Llm,
            spend,
            |u| vec![(UsageMetric::LlmTokens, i64::try_from(u.total_tokens()).unwrap_or(i64::MAX))],
            || llm.complete(&request),
        )
        .await?;
    let cut = metered.value.finish_reason.as_deref() == Some("length");
    let rendered = match render_section(&metered.value.content, cut) {
        Ok(r) => r,
        Err(e) => return Ok(Err(format!("section {} ({}): {e}", order + 1, planned.heading))),
    };
    let tokens = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let section = sc
        .store()
        .upsert_section(
            &sc.ctx,
            NewSection {
                article_id: article.id,
                section_order: i32::try_from(order).unwrap_or(i32::MAX),
                title: planned.heading.clone(),
                content: Some(rendered.markdown),
                content_html: Some(rendered.html),
                research_query: Some(planned.research_query.clone()),
                sources,
                model: Some(metered.value.model.clone()),
                prompt_tokens: tokens(metered.usage.prompt_tokens),
                completion_tokens: tokens(metered.usage.completion_tokens),
                generation_ms: 0,
                cost: metered.usage.cost,
                status: SectionStatus::Completed,
            },
        )
        .await?;
    Ok(Ok(section))
}

async fn write_sections(
    sc: &StepCtx<'_>,
    c: &ClusterKeyword,
    decisions: &Decisions,
    targets: &[(KeywordId, LinkTarget)],
    article: Article,
) -> Result<Written> {
    let outline = outline(sc, c, &article).await?;
    let total = outline.sections.len();
    let mut done: HashMap<usize, ArticleSection> = sc
        .store()
        .list_sections(&sc.ctx, article.id)
        .await?
        .into_iter()
        .filter(|s| s.status == SectionStatus::Completed)
        .filter_map(|s| usize::try_from(s.section_order).ok().map(|o| (o, s)))
        .collect();
    for order in 0..total {
        if done.contains_key(&order) {
            continue;
        }
        sc.checkpoint().await?;
        let earlier = earlier_text(&done, order);
        match write_section(sc, c, &article, &outline, order, &earlier).await {
            Ok(Ok(section)) => {
                done.insert(order, section);
            }
            Ok(Err(reason)) => {
                reject(sc, &c.keyword.id, &article, reason, None).await?;
                return Ok(Written::Rejected);
            }
            Err(e) => {
                let _ = sc
                    .store()
                    .update_article(
                        &sc.ctx,
                        article.id,
                        ArticleUpdate {
                            status: Some(ArticleStatus::Failed),
                            error: Some(Some(e.to_string())),
                            ..ArticleUpdate::default()
                        },
                    )
                    .await;
                return Err(e);
            }
        }
        let completed = i32::try_from(done.len()).unwrap_or(i32::MAX);
        // A safe point right before the progress write: a worker that lost its lease while the
        // section was written (another took the workflow over and may have finished this
        // article) must not set it back to `generating`.
        sc.checkpoint().await?;
        sc.store()
            .update_article(
                &sc.ctx,
                article.id,
                ArticleUpdate {
                    status: Some(ArticleStatus::Generating),
                    sections_completed: Some(completed),
                    progress: Some(completed * 90 / i32::try_from(total.max(1)).unwrap_or(1)),
                    ..ArticleUpdate::default()
                },
            )
            .await?;
    }
    let sections: Vec<ArticleSection> = (0..total).filter_map(|o| done.remove(&o)).collect();
    assemble(sc, c, decisions, targets, &article, &outline, &sections).await
}

/// Records an article as not publishable, with its reasons (and its assembled fields, when it got
/// that far); its keyword's article status becomes failed.
async fn reject(
    sc: &StepCtx<'_>,
    keyword: &KeywordId,
    article: &Article,
    reason: String,
    assembled: Option<ArticleUpdate>,
) -> Result<()> {
    let update = ArticleUpdate {
        status: Some(ArticleStatus::Failed),
        error: Some(Some(format!("not publishable: {reason}"))),
        ..assembled.unwrap_or_default()
    };
    sc.store().update_article(&sc.ctx, article.id, update).await?;
    sc.store()
        .update_keywords(
            &sc.ctx,
            &[KeywordUpdate { article_status: Some(StepStatus::Failed), ..KeywordUpdate::new(*keyword) }],
        )
        .await?;
    Ok(())
}

/// What assembly needs of a stored section.
fn section_input(outline: &Outline, s: &ArticleSection) -> SectionInput {
    let role = usize::try_from(s.section_order)
        .ok()
        .and_then(|o| outline.sections.get(o))
        .map_or(SectionRole::Body, |p| p.role);
    let html = match (&s.content_html, &s.content) {
        (Some(html), _) => sanitize(html),
        (None, Some(text)) => render_section(text, false).map(|r| r.html).unwrap_or_default(),
        (None, None) => String::new(),
    };
    let headings_demoted = s.content.as_deref().map_or(0, |md| markdown_to_html(md).1);
    SectionInput { role, heading: s.title.clone(), html, sources: s.sources.clone(), headings_demoted }
}

async fn assemble(
    sc: &StepCtx<'_>,
    c: &ClusterKeyword,
    decisions: &Decisions,
    targets: &[(KeywordId, LinkTarget)],
    article: &Article,
    outline: &Outline,
    sections: &[ArticleSection],
) -> Result<Written> {
    let kw = &c.keyword;
    let organization = sc.store().get_organization(&sc.ctx).await?;
    let config = &sc.engine.config;
    let base_url = config
        .canonical_base_url
        .clone()
        .or_else(|| organization.as_ref().and_then(|o| o.website_url.clone()));
    let all: Vec<LinkTarget> = targets.iter().map(|(_, t)| t.clone()).collect();
    let links = match (config.internal_linking, targets.iter().find(|(id, _)| *id == kw.id)) {
        (InternalLinking::Off, _) | (_, None) => Vec::new(),
        (_, Some((_, this))) => internal_links(this, &all, base_url.as_deref()),
    };
    let input = AssemblyInput {
        keyword: kw.keyword.clone(),
        intent: classify_intent(&kw.keyword, kw.metrics.intent),
        title: outline.title.clone(),
        sections: sections.iter().map(|s| section_input(outline, s)).collect(),
        planned_sections: outline.sections.len(),
        site: Site {
            name: organization.as_ref().map(|o| o.name.clone()),
            base_url: base_url.clone(),
            language: config.locale.language_code.clone(),
        },
        now: sc.now(),
        internal_links: if config.internal_linking == InternalLinking::Insert {
            links.clone()
        } else {
            Vec::new()
        },
        guards: config.article_guards.clone(),
    };
    let assembled = assemble_article(&input);
    let seed_of =
        if kw.keyword_type == crate::keyword::KeywordType::Seed { Some(kw.id) } else { kw.parent_id };
    let human = |a: Option<&Approval>| {
        a.map(|a| matches!(a.decided_by, Actor::User(_)) && a.decision == Decision::Approved)
    };
    let provenance = json!({
        "workflow_id": sc.workflow_id(),
        "keyword_id": kw.id,
        "keyword": kw.keyword,
        "keyword_type": kw.keyword_type,
        "intent": input.intent,
        "cluster_hub_keyword_id": c.hub,
        "is_hub": c.is_hub,
        "outline": outline,
        "models": sections.iter().map(|s| json!({ "section": s.section_order, "title": s.title, "model": s.model })).collect::<Vec<_>>(),
        "sources": assembled.references,
        "keyword_approved_by_human": human(seed_of.and_then(|id| decisions.seeds.get(&id.as_uuid()))).unwrap_or(false),
        "subtopics_approved_by_human": human(decisions.subtopics.get(&kw.id.as_uuid())),
        "seo": { "canonical_url": assembled.canonical_url, "json_ld": assembled.json_ld },
        "guards": assembled.guards.results,
        "internal_links": { "mode": config.internal_linking, "links": links },
        "seo_checks": assembled.seo.checks,
        "quality_checks": assembled.quality.checks,
    });
    let cost: Usd = sections.iter().map(|s| s.cost).sum();
    let n = i32::try_from(sections.len()).unwrap_or(i32::MAX);
    let words = assembled.word_count;
    let update = ArticleUpdate {
        title: Some(assembled.title.clone()),
        slug: Some(assembled.slug.clone()),
        progress: Some(100),
        sections_completed: Some(n),
        sections_total: Some(n),
        content: Some(assembled.content_text.clone()),
        content_html: Some(assembled.content_html.clone()),
        excerpt: Some(assembled.excerpt.clone()),
        meta_title: Some(assembled.meta_title.clone()),
        meta_description: Some(assembled.meta_description.clone()),
        focus_keyword: Some(kw.keyword.clone()),
        word_count: Some(i32::try_from(words).unwrap_or(i32::MAX)),
        reading_time_minutes: Some(i32::try_from(assembled.reading_time_minutes).unwrap_or(i32::MAX)),
        quality_score: Some(assembled.quality.total),
        seo_score: Some(assembled.seo.total),
        generation_cost: Some(cost),
        provenance: Some(provenance),
        ..ArticleUpdate::default()
    };
    if !assembled.publishable() {
        reject(sc, &kw.id, article, assembled.guards.failures().join("; "), Some(update)).await?;
        return Ok(Written::Rejected);
    }
    sc.store()
        .update_article(
            &sc.ctx,
            article.id,
            ArticleUpdate {
                status: Some(ArticleStatus::Completed),
                // A retried article that fails no more drops the earlier attempt's error.
                error: Some(None),
                completed_at: Some(sc.now()),
                ..update
            },
        )
        .await?;
    sc.store()
        .update_keywords(
            &sc.ctx,
            &[KeywordUpdate { article_status: Some(StepStatus::Completed), ..KeywordUpdate::new(kw.id) }],
        )
        .await?;
    Ok(Written::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_go_breadth_first_across_clusters() {
        let kw = |text: &str| crate::keyword::Keyword {
            id: KeywordId::new(),
            organization_id: crate::ids::OrgId::new(),
            workflow_id: crate::ids::WorkflowId::new(),
            parent_id: None,
            keyword_type: crate::keyword::KeywordType::Seed,
            keyword: text.into(),
            normalized_keyword: text.into(),
            source: String::new(),
            metrics: crate::keyword::KeywordMetrics::default(),
            language: None,
            is_navigational: false,
            longtail_status: StepStatus::NotStarted,
            subtopics_status: StepStatus::NotStarted,
            article_status: StepStatus::NotStarted,
            filter_status: crate::keyword::FilterStatus::Approved,
            ai_suggested: false,
            user_selected: false,
            decision_confidence: None,
            decision_metadata: serde_json::Value::Null,
            subtopics: Vec::new(),
            embedding: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let cluster = |hub: &str, spokes: &[&str]| {
            let h = kw(hub);
            let id = h.id;
            let mut out = vec![ClusterKeyword { keyword: h, is_hub: true, hub: id }];
            out.extend(spokes.iter().map(|s| ClusterKeyword { keyword: kw(s), is_hub: false, hub: id }));
            out
        };
        let mut all = cluster("a", &["a1", "a2", "a3"]);
        all.extend(cluster("b", &["b1"]));
        let order: Vec<String> = breadth_first(all, 5).into_iter().map(|c| c.keyword.keyword).collect();
        assert_eq!(order, vec!["a", "b", "a1", "b1", "a2"]);
    }
}
