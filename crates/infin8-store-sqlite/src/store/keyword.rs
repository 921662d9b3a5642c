use super::{SqliteStore, cursor, page};
use crate::codec::{self, get_embedding, get_enum, get_id, get_json, get_opt_enum, get_opt_id, get_ts};
use crate::error::{Fail, Res};
use crate::scope::Scoped;
use async_trait::async_trait;
use chrono::Utc;
use infin8_core::error::{Entity, Error, Result};
use infin8_core::ids::{KeywordId, WorkflowId};
use infin8_core::keyword::{
    Keyword, KeywordMetrics, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword, UpsertedKeyword,
    check_parent, normalize_keyword,
};
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::KeywordStore;
use infin8_core::tenant::TenantContext;
use rusqlite::Row;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

/// How many ids or texts go into one `json_each` lookup.
const LOOKUP_BATCH: usize = 4096;

macro_rules! keyword_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, workflow_id, parent_id, keyword_type, keyword, normalized_keyword, source, \
             search_volume, competition_level, competition_index, cpc, difficulty, intent, serp_urls, language, \
             is_navigational, longtail_status, subtopics_status, article_status, filter_status, ai_suggested, \
             user_selected, decision_confidence, decision_metadata, subtopics, embedding, created_at, updated_at \
             FROM keywords ",
            $tail
        )
    };
}

fn keyword_row(r: &Row<'_>) -> rusqlite::Result<Keyword> {
    Ok(Keyword {
        id: get_id(r, 0)?,
        organization_id: get_id(r, 1)?,
        workflow_id: get_id(r, 2)?,
        parent_id: get_opt_id(r, 3)?,
        keyword_type: get_enum(r, 4)?,
        keyword: r.get(5)?,
        normalized_keyword: r.get(6)?,
        source: r.get(7)?,
        metrics: KeywordMetrics {
            search_volume: r.get(8)?,
            competition_level: get_opt_enum(r, 9)?,
            competition_index: r.get(10)?,
            cpc: r.get(11)?,
            difficulty: r.get(12)?,
            intent: get_opt_enum(r, 13)?,
            serp_urls: get_json(r, 14)?,
        },
        language: r.get(15)?,
        is_navigational: r.get(16)?,
        longtail_status: get_enum(r, 17)?,
        subtopics_status: get_enum(r, 18)?,
        article_status: get_enum(r, 19)?,
        filter_status: get_enum(r, 20)?,
        ai_suggested: r.get(21)?,
        user_selected: r.get(22)?,
        decision_confidence: r.get(23)?,
        decision_metadata: get_json(r, 24)?,
        subtopics: get_json(r, 25)?,
        embedding: get_embedding(r, 26)?,
        created_at: get_ts(r, 27)?,
        updated_at: get_ts(r, 28)?,
    })
}

/// `(type, workflow)` of each of `ids` found in the scope's organization, in batches.
pub(super) fn keyword_kinds(
    s: &Scoped<'_>,
    ids: &BTreeSet<KeywordId>,
) -> Res<HashMap<KeywordId, (KeywordType, WorkflowId)>> {
    let ids: Vec<String> = ids.iter().map(|id| codec::id(*id)).collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_BATCH) {
        let mut stmt = s.prepare(
            "SELECT id, keyword_type, workflow_id FROM keywords \
             WHERE organization_id = ?1 AND id IN (SELECT value FROM json_each(?2))",
        )?;
        let rows = stmt.rows(&[&codec::json(chunk)?], |r| {
            Ok((get_id::<KeywordId>(r, 0)?, (get_enum::<KeywordType>(r, 1)?, get_id::<WorkflowId>(r, 2)?)))
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Writes a batch whose texts were normalized (`normalized[i]` is `keywords[i]`'s) before the
/// writer lock was taken.
fn upsert(s: &Scoped<'_>, keywords: &[NewKeyword], normalized: &[String]) -> Res<Vec<UpsertedKeyword>> {
    let workflows: BTreeSet<WorkflowId> = keywords.iter().map(|k| k.workflow_id).collect();
    for wf in &workflows {
        super::workflow::require_workflow(s, *wf)?;
    }
    let parent_ids: BTreeSet<KeywordId> = keywords.iter().filter_map(|k| k.parent_id).collect();
    let parents = keyword_kinds(s, &parent_ids)?;
    for k in keywords {
        let parent = match k.parent_id {
            None => None,
            Some(p) => Some(*parents.get(&p).ok_or_else(|| Error::not_found(Entity::Keyword, p))?),
        };
        check_parent(k.keyword_type, k.workflow_id, parent)?;
    }

    let now = codec::ts(Utc::now());
    let mut results: Vec<Option<UpsertedKeyword>> = vec![None; keywords.len()];
    // (workflow, normalized) → index of its first occurrence.
    let mut first: HashMap<(WorkflowId, &str), usize> = HashMap::with_capacity(keywords.len());
    // Keys that existed before this call, per workflow: (normalized, index).
    let mut existing: HashMap<WorkflowId, Vec<(&str, usize)>> = HashMap::new();
    {
        let mut insert = s.prepare(
            "INSERT INTO keywords (organization_id, id, workflow_id, parent_id, keyword_type, keyword, \
             normalized_keyword, source, search_volume, competition_level, competition_index, cpc, difficulty, \
             intent, serp_urls, language, ai_suggested, decision_confidence, decision_metadata, created_at, \
             updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
             ?19, ?20, ?20) ON CONFLICT (organization_id, workflow_id, normalized_keyword) DO NOTHING",
        )?;
        let mut wf_text: HashMap<WorkflowId, String> = HashMap::new();
        for (i, (k, norm)) in keywords.iter().zip(normalized).enumerate() {
            if first.contains_key(&(k.workflow_id, norm.as_str())) {
                continue;
            }
            first.insert((k.workflow_id, norm.as_str()), i);
            let id = KeywordId::new();
            let wf: &String = wf_text.entry(k.workflow_id).or_insert_with(|| codec::id(k.workflow_id));
            let m = &k.metrics;
            // The common empty values are bound as constants, without serializing.
            let serp: Cow<'_, str> = if m.serp_urls.is_empty() {
                Cow::Borrowed("[]")
            } else {
                Cow::Owned(codec::json(&m.serp_urls)?)
            };
            let metadata: Cow<'_, str> = if k.decision_metadata.is_null() {
                Cow::Borrowed("null")
            } else {
                Cow::Owned(codec::json(&k.decision_metadata)?)
            };
            let changed = insert.execute(&[
                &codec::id(id),
                wf,
                &codec::opt_id(k.parent_id),
                &k.keyword_type.as_str(),
                &k.keyword,
                norm,
                &k.source,
                &m.search_volume,
                &m.competition_level.map(|c| c.as_str()),
                &m.competition_index,
                &m.cpc,
                &m.difficulty,
                &m.intent.map(|c| c.as_str()),
                &serp.as_ref(),
                &k.language,
                &k.ai_suggested,
                &k.decision_confidence,
                &metadata.as_ref(),
                &now,
            ])?;
            if changed == 1 {
                results[i] = Some(UpsertedKeyword { id, created: true });
            } else {
                existing.entry(k.workflow_id).or_default().push((norm.as_str(), i));
            }
        }
    }
    for (wf, keys) in &existing {
        let wf_id = codec::id(*wf);
        for chunk in keys.chunks(LOOKUP_BATCH) {
            let texts: Vec<&str> = chunk.iter().map(|(t, _)| *t).collect();
            let mut stmt = s.prepare(
                "SELECT normalized_keyword, id FROM keywords WHERE organization_id = ?1 AND workflow_id = ?2 \
                 AND normalized_keyword IN (SELECT value FROM json_each(?3))",
            )?;
            let found: HashMap<String, KeywordId> = stmt
                .rows(&[&wf_id, &codec::json(&texts)?], |r| Ok((r.get(0)?, get_id(r, 1)?)))?
                .into_iter()
                .collect();
            for (text, i) in chunk {
                let id = found.get(*text).ok_or_else(|| {
                    Fail::Domain(crate::error::internal("upsert_keywords", "conflicting row vanished"))
                })?;
                results[*i] = Some(UpsertedKeyword { id: *id, created: false });
            }
        }
    }
    // Repeats within the batch map to their first occurrence's id; this call did not create them
    // a second time.
    let mut out = Vec::with_capacity(keywords.len());
    for (i, (k, norm)) in keywords.iter().zip(normalized).enumerate() {
        let upserted = match results[i] {
            Some(u) => u,
            None => {
                let j = first.get(&(k.workflow_id, norm.as_str())).copied().unwrap_or(i);
                let id = results.get(j).copied().flatten().map(|u| u.id).ok_or_else(|| {
                    Fail::Domain(crate::error::internal("upsert_keywords", "missing first occurrence"))
                })?;
                UpsertedKeyword { id, created: false }
            }
        };
        out.push(upserted);
    }
    Ok(out)
}

#[async_trait]
impl KeywordStore for SqliteStore {
    async fn upsert_keywords(
        &self,
        ctx: &TenantContext,
        keywords: &[NewKeyword],
    ) -> Result<Vec<UpsertedKeyword>> {
        ctx.role.require(Permission::RunWorkflows)?;
        if keywords.is_empty() {
            return Ok(Vec::new());
        }
        let org = ctx.org_id;
        let keywords = keywords.to_vec();
        // Normalization is CPU work that needs no lock: do it on the blocking pool before taking
        // the writer, so concurrent writers wait less (and a bad text fails without locking).
        let (keywords, normalized) = tokio::task::spawn_blocking(move || {
            let normalized =
                keywords.iter().map(|k| normalize_keyword(&k.keyword)).collect::<Result<Vec<_>, _>>();
            (keywords, normalized)
        })
        .await
        .map_err(|e| crate::error::internal("upsert_keywords", format!("blocking task failed: {e}")))?;
        let normalized = normalized?;
        self.db
            .write("upsert_keywords", move |tx| upsert(&Scoped::new(tx, org), &keywords, &normalized))
            .await
    }

    async fn get_keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>> {
        let org = ctx.org_id;
        self.db
            .read("get_keyword", move |tx| {
                Scoped::new(tx, org).row(
                    keyword_select!("WHERE organization_id = ?1 AND id = ?2"),
                    &[&codec::id(id)],
                    keyword_row,
                )
            })
            .await
    }

    async fn list_keywords(&self, ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>> {
        let org = ctx.org_id;
        self.db
            .read("list_keywords", move |tx| {
                let after = cursor(query.cursor.as_ref())?;
                let limit = page_size(query.limit);
                let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
                let rows = Scoped::new(tx, org).rows(
                    keyword_select!(
                        "WHERE organization_id = ?1 AND workflow_id = ?2 AND (?3 IS NULL OR keyword_type = ?3) \
                         AND (?4 IS NULL OR parent_id = ?4) AND (?5 IS NULL OR filter_status = ?5) \
                         AND (?6 IS NULL OR article_status = ?6) AND (?7 IS NULL OR id > ?7) ORDER BY id LIMIT ?8"
                    ),
                    &[
                        &codec::id(query.workflow_id),
                        &query.keyword_type.map(|t| t.as_str()),
                        &codec::opt_id(query.parent_id),
                        &query.filter_status.map(|t| t.as_str()),
                        &query.article_status.map(|t| t.as_str()),
                        &after,
                        &fetch,
                    ],
                    keyword_row,
                )?;
                Ok(page(rows, limit, |k| k.id.to_string()))
            })
            .await
    }

    async fn update_keywords(&self, ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()> {
        ctx.role.require(Permission::RunWorkflows)?;
        let org = ctx.org_id;
        let updates = updates.to_vec();
        self.db
            .write("update_keywords", move |tx| {
                let s = Scoped::new(tx, org);
                let now = codec::ts(Utc::now());
                let mut stmt = s.prepare(
                    "UPDATE keywords SET search_volume = iif(?3, ?4, search_volume), \
                     competition_level = iif(?3, ?5, competition_level), \
                     competition_index = iif(?3, ?6, competition_index), cpc = iif(?3, ?7, cpc), \
                     difficulty = iif(?3, ?8, difficulty), intent = iif(?3, ?9, intent), \
                     serp_urls = iif(?3, ?10, serp_urls), language = coalesce(?11, language), \
                     is_navigational = coalesce(?12, is_navigational), \
                     longtail_status = coalesce(?13, longtail_status), \
                     subtopics_status = coalesce(?14, subtopics_status), \
                     article_status = coalesce(?15, article_status), filter_status = coalesce(?16, filter_status), \
                     user_selected = coalesce(?17, user_selected), \
                     decision_confidence = coalesce(?18, decision_confidence), \
                     decision_metadata = coalesce(?19, decision_metadata), subtopics = coalesce(?20, subtopics), \
                     embedding = coalesce(?21, embedding), updated_at = ?22 \
                     WHERE organization_id = ?1 AND id = ?2",
                )?;
                for u in &updates {
                    let m = u.metrics.as_ref();
                    let changed = stmt.execute(&[
                        &codec::id(u.id),
                        &m.is_some(),
                        &m.and_then(|m| m.search_volume),
                        &m.and_then(|m| m.competition_level).map(|c| c.as_str()),
                        &m.and_then(|m| m.competition_index),
                        &m.and_then(|m| m.cpc),
                        &m.and_then(|m| m.difficulty),
                        &m.and_then(|m| m.intent).map(|c| c.as_str()),
                        &m.map(|m| codec::json(&m.serp_urls)).transpose()?,
                        &u.language,
                        &u.is_navigational,
                        &u.longtail_status.map(|s| s.as_str()),
                        &u.subtopics_status.map(|s| s.as_str()),
                        &u.article_status.map(|s| s.as_str()),
                        &u.filter_status.map(|s| s.as_str()),
                        &u.user_selected,
                        &u.decision_confidence,
                        &u.decision_metadata.as_ref().map(codec::json).transpose()?,
                        &u.subtopics.as_ref().map(codec::json).transpose()?,
                        &u.embedding.as_deref().map(codec::embedding),
                        &now,
                    ])?;
                    if changed == 0 {
                        return Err(Error::not_found(Entity::Keyword, u.id).into());
                    }
                }
                Ok(())
            })
            .await
    }
}
