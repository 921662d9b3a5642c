//! Keywords: batch upsert in one statement (`UNNEST`), batch update in one statement.

use crate::error::{corrupt, map_sqlx};
use crate::rows::{cursor, get, json, page, to_json, wire, wire_opt};
use crate::store::{PgStore, commit};
use async_trait::async_trait;
use infin8_core::keyword::{
    Keyword, KeywordMetrics, KeywordQuery, KeywordType, KeywordUpdate, NewKeyword, UpsertedKeyword,
    check_parent, normalize_keyword,
};
use infin8_core::organization::Permission;
use infin8_core::page::{Page, page_size};
use infin8_core::store::KeywordStore;
use infin8_core::{Entity, Error, KeywordId, OrgId, Result, TenantContext, WorkflowId};
use sqlx::postgres::PgRow;
use std::collections::HashMap;
use uuid::Uuid;

const KEYWORD_COLUMNS: &str = "id, organization_id, workflow_id, parent_id, keyword_type, keyword, \
    normalized_keyword, source, search_volume, competition_level, competition_index, cpc, keyword_difficulty, \
    main_intent, serp_urls, language, is_navigational, longtail_status, subtopics_status, article_status, \
    filter_status, ai_suggested, user_selected, decision_confidence, decision_metadata, subtopics, embedding, \
    created_at, updated_at";

fn keyword(row: &PgRow, op: &'static str) -> Result<Keyword> {
    let parent: Option<Uuid> = get(row, "parent_id", op)?;
    Ok(Keyword {
        id: KeywordId::from_uuid(get(row, "id", op)?),
        organization_id: OrgId::from_uuid(get(row, "organization_id", op)?),
        workflow_id: WorkflowId::from_uuid(get(row, "workflow_id", op)?),
        parent_id: parent.map(KeywordId::from_uuid),
        keyword_type: wire(row, "keyword_type", op)?,
        keyword: get(row, "keyword", op)?,
        normalized_keyword: get(row, "normalized_keyword", op)?,
        source: get(row, "source", op)?,
        metrics: KeywordMetrics {
            search_volume: get(row, "search_volume", op)?,
            competition_level: wire_opt(row, "competition_level", op)?,
            competition_index: get(row, "competition_index", op)?,
            cpc: get(row, "cpc", op)?,
            difficulty: get(row, "keyword_difficulty", op)?,
            intent: wire_opt(row, "main_intent", op)?,
            serp_urls: json(row, "serp_urls", op)?,
        },
        language: get(row, "language", op)?,
        is_navigational: get(row, "is_navigational", op)?,
        longtail_status: wire(row, "longtail_status", op)?,
        subtopics_status: wire(row, "subtopics_status", op)?,
        article_status: wire(row, "article_status", op)?,
        filter_status: wire(row, "filter_status", op)?,
        ai_suggested: get(row, "ai_suggested", op)?,
        user_selected: get(row, "user_selected", op)?,
        decision_confidence: get(row, "decision_confidence", op)?,
        decision_metadata: get(row, "decision_metadata", op)?,
        subtopics: json(row, "subtopics", op)?,
        embedding: get(row, "embedding", op)?,
        created_at: get(row, "created_at", op)?,
        updated_at: get(row, "updated_at", op)?,
    })
}

/// Column arrays for the metric fields of a batch, one entry per row.
#[derive(Default)]
struct MetricColumns {
    search_volume: Vec<Option<i64>>,
    competition_level: Vec<Option<&'static str>>,
    competition_index: Vec<Option<i32>>,
    cpc: Vec<Option<f64>>,
    difficulty: Vec<Option<i32>>,
    intent: Vec<Option<&'static str>>,
    /// `None` for no URLs (the column default), saving a JSON document per row on the wire.
    serp_urls: Vec<Option<serde_json::Value>>,
}

impl MetricColumns {
    fn push(&mut self, m: &KeywordMetrics) {
        self.search_volume.push(m.search_volume);
        self.competition_level.push(m.competition_level.map(|c| c.as_str()));
        self.competition_index.push(m.competition_index);
        self.cpc.push(m.cpc);
        self.difficulty.push(m.difficulty);
        self.intent.push(m.intent.map(|i| i.as_str()));
        self.serp_urls.push((!m.serp_urls.is_empty()).then(|| serde_json::Value::from(m.serp_urls.clone())));
    }
}

#[async_trait]
impl KeywordStore for PgStore {
    async fn upsert_keywords(
        &self,
        ctx: &TenantContext,
        keywords: &[NewKeyword],
    ) -> Result<Vec<UpsertedKeyword>> {
        const OP: &str = "upsert_keywords";
        ctx.role.require(Permission::RunWorkflows)?;
        // Normalize and de-duplicate in input order: the first spelling of a key is stored.
        let normalized: Vec<String> =
            keywords.iter().map(|k| normalize_keyword(&k.keyword)).collect::<Result<_, _>>()?;
        let mut slot_of_key: HashMap<(WorkflowId, &str), usize> = HashMap::with_capacity(keywords.len());
        let mut rows: Vec<(&NewKeyword, &str)> = Vec::with_capacity(keywords.len());
        let mut slots = Vec::with_capacity(keywords.len());
        for (k, normalized) in keywords.iter().zip(&normalized) {
            let next = rows.len();
            let slot = *slot_of_key.entry((k.workflow_id, normalized.as_str())).or_insert(next);
            if slot == next {
                rows.push((k, normalized));
            }
            slots.push(slot);
        }
        if keywords.is_empty() {
            return Ok(Vec::new());
        }
        let mut workflows: Vec<Uuid> = keywords.iter().map(|k| k.workflow_id.as_uuid()).collect();
        workflows.sort_unstable();
        workflows.dedup();
        let mut parents: Vec<Uuid> =
            keywords.iter().filter_map(|k| k.parent_id.map(|p| p.as_uuid())).collect();
        parents.sort_unstable();
        parents.dedup();

        let mut tx = self.begin(ctx, OP).await?;
        // Workflows and parents must be the caller's (row-level security hides the others).
        let found: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM intent_workflows WHERE id = ANY($1)")
            .bind(&workflows)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
        if let Some(missing) = workflows.iter().find(|w| !found.contains(w)) {
            return Err(Error::not_found(Entity::Workflow, missing));
        }
        let mut parent_info: HashMap<Uuid, (KeywordType, WorkflowId)> = HashMap::new();
        if !parents.is_empty() {
            let found = sqlx::query("SELECT id, keyword_type, workflow_id FROM keywords WHERE id = ANY($1)")
                .bind(&parents)
                .fetch_all(&mut *tx)
                .await
                .map_err(|e| map_sqlx(OP, e))?;
            for row in &found {
                let id: Uuid = get(row, "id", OP)?;
                let kind: KeywordType = wire(row, "keyword_type", OP)?;
                let wf = WorkflowId::from_uuid(get(row, "workflow_id", OP)?);
                parent_info.insert(id, (kind, wf));
            }
        }
        for k in keywords {
            let parent = match k.parent_id {
                None => None,
                Some(p) => {
                    Some(*parent_info.get(&p.as_uuid()).ok_or_else(|| Error::not_found(Entity::Keyword, p))?)
                }
            };
            check_parent(k.keyword_type, k.workflow_id, parent)?;
        }

        let n = rows.len();
        // Fresh ids, one per distinct key. An id that comes back from the table is one of ours
        // exactly when this statement inserted its row (they are new UUIDv7s).
        let ids: Vec<Uuid> = (0..n).map(|_| KeywordId::new().as_uuid()).collect();
        // Rows are sent sorted by key, so concurrent batches that share keys take the unique
        // index's locks in the same order and cannot deadlock each other.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by(|&a, &b| {
            (rows[a].0.workflow_id, rows[a].1).cmp(&(rows[b].0.workflow_id, rows[b].1))
        });
        let mut sorted_ids = Vec::with_capacity(n);
        let mut wfs = Vec::with_capacity(n);
        let mut parent_ids = Vec::with_capacity(n);
        let mut types = Vec::with_capacity(n);
        let mut texts = Vec::with_capacity(n);
        let mut norms = Vec::with_capacity(n);
        let mut sources = Vec::with_capacity(n);
        let mut languages = Vec::with_capacity(n);
        let mut ai = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut metadata = Vec::with_capacity(n);
        let mut metrics = MetricColumns::default();
        for &r in &order {
            let (k, normalized) = &rows[r];
            sorted_ids.push(ids[r]);
            wfs.push(k.workflow_id.as_uuid());
            parent_ids.push(k.parent_id.map(|p| p.as_uuid()));
            types.push(k.keyword_type.as_str());
            texts.push(k.keyword.as_str());
            norms.push(*normalized);
            sources.push(k.source.as_str());
            languages.push(k.language.as_deref());
            ai.push(k.ai_suggested);
            confidence.push(k.decision_confidence);
            // The column default (JSON null) needs no document on the wire.
            metadata.push((!k.decision_metadata.is_null()).then_some(&k.decision_metadata));
            metrics.push(&k.metrics);
        }
        // One statement for the whole batch, answering one row: how many were inserted. Rows
        // whose key exists are skipped by ON CONFLICT and looked up below (a new statement also
        // sees rows that a concurrent upsert committed while this one waited on it).
        let inserted: i64 = sqlx::query_scalar(
            "WITH ins AS (INSERT INTO keywords (id, organization_id, workflow_id, parent_id, keyword_type, \
             keyword, normalized_keyword, source, search_volume, competition_level, competition_index, cpc, \
             keyword_difficulty, main_intent, serp_urls, language, ai_suggested, decision_confidence, \
             decision_metadata) \
             SELECT u.id, $1, u.wf, u.parent, u.kind, u.keyword, u.norm, u.source, u.volume, u.level, u.cindex, \
             u.cpc, u.difficulty, u.intent, COALESCE(u.serp, '[]'), u.language, u.ai, u.confidence, \
             COALESCE(u.metadata, 'null') \
             FROM UNNEST($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], \
             $9::int8[], $10::text[], $11::int4[], $12::float8[], $13::int4[], $14::text[], $15::jsonb[], \
             $16::text[], $17::bool[], $18::float8[], $19::jsonb[]) WITH ORDINALITY \
             AS u(id, wf, parent, kind, keyword, norm, source, volume, level, cindex, cpc, difficulty, intent, \
             serp, language, ai, confidence, metadata, ord) \
             ORDER BY u.ord \
             ON CONFLICT (organization_id, workflow_id, normalized_keyword) DO NOTHING \
             RETURNING 1) \
             SELECT count(*) FROM ins",
        )
        .bind(ctx.org_id.as_uuid())
        .bind(&sorted_ids)
        .bind(&wfs)
        .bind(&parent_ids)
        .bind(&types)
        .bind(&texts)
        .bind(&norms)
        .bind(&sources)
        .bind(&metrics.search_volume)
        .bind(&metrics.competition_level)
        .bind(&metrics.competition_index)
        .bind(&metrics.cpc)
        .bind(&metrics.difficulty)
        .bind(&metrics.intent)
        .bind(&metrics.serp_urls)
        .bind(&languages)
        .bind(&ai)
        .bind(&confidence)
        .bind(&metadata)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        let mut result: Vec<Option<UpsertedKeyword>> = vec![None; n];
        if usize::try_from(inserted).ok() == Some(n) {
            for (slot, id) in ids.iter().enumerate() {
                result[slot] = Some(UpsertedKeyword { id: KeywordId::from_uuid(*id), created: true });
            }
        } else {
            let existing = sqlx::query(
                "SELECT k.id, u.ord FROM UNNEST($1::uuid[], $2::text[]) WITH ORDINALITY AS u(wf, norm, ord) \
                 JOIN keywords k ON k.workflow_id = u.wf AND k.normalized_keyword = u.norm \
                 AND k.organization_id = $3",
            )
            .bind(&wfs)
            .bind(&norms)
            .bind(ctx.org_id.as_uuid())
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| map_sqlx(OP, e))?;
            for row in &existing {
                let id: Uuid = get(row, "id", OP)?;
                let ord: i64 = get(row, "ord", OP)?;
                let position = usize::try_from(ord - 1).map_err(|e| corrupt(OP, e))?;
                let slot = *order.get(position).ok_or_else(|| corrupt(OP, "lookup ordinal out of range"))?;
                result[slot] =
                    Some(UpsertedKeyword { id: KeywordId::from_uuid(id), created: id == ids[slot] });
            }
        }
        commit(tx, OP).await?;
        // Only the first occurrence of a key in the batch is `created`; repeats map to its id.
        let mut reported = vec![false; n];
        slots
            .iter()
            .map(|s| {
                let mut r =
                    result.get(*s).copied().flatten().ok_or_else(|| corrupt(OP, "upserted keyword lost"))?;
                r.created &= !std::mem::replace(&mut reported[*s], true);
                Ok(r)
            })
            .collect()
    }

    async fn get_keyword(&self, ctx: &TenantContext, id: KeywordId) -> Result<Option<Keyword>> {
        const OP: &str = "get_keyword";
        let mut tx = self.begin(ctx, OP).await?;
        let row =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {KEYWORD_COLUMNS} FROM keywords WHERE id = $1")))
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        row.map(|r| keyword(&r, OP)).transpose()
    }

    async fn list_keywords(&self, ctx: &TenantContext, query: KeywordQuery) -> Result<Page<Keyword>> {
        const OP: &str = "list_keywords";
        let after = cursor(query.cursor.as_ref())?;
        let size = page_size(query.limit);
        let mut tx = self.begin(ctx, OP).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {KEYWORD_COLUMNS} FROM keywords WHERE workflow_id = $1 \
             AND ($2::text IS NULL OR keyword_type = $2) AND ($3::uuid IS NULL OR parent_id = $3) \
             AND ($4::text IS NULL OR filter_status = $4) AND ($5::text IS NULL OR article_status = $5) \
             AND ($6::uuid IS NULL OR id > $6) ORDER BY id LIMIT $7"
        )))
        .bind(query.workflow_id.as_uuid())
        .bind(query.keyword_type.map(|t| t.as_str()))
        .bind(query.parent_id.map(|p| p.as_uuid()))
        .bind(query.filter_status.map(|s| s.as_str()))
        .bind(query.article_status.map(|s| s.as_str()))
        .bind(after)
        .bind(size as i64 + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        commit(tx, OP).await?;
        let items = rows.iter().map(|r| keyword(r, OP)).collect::<Result<Vec<_>>>()?;
        Ok(page(items, size, |k| k.id.as_uuid()))
    }

    async fn update_keywords(&self, ctx: &TenantContext, updates: &[KeywordUpdate]) -> Result<()> {
        const OP: &str = "update_keywords";
        ctx.role.require(Permission::RunWorkflows)?;
        if updates.is_empty() {
            return Ok(());
        }
        // Several updates of one keyword apply in order: merge them first (later fields win).
        let mut order: Vec<KeywordId> = Vec::new();
        let mut merged: HashMap<KeywordId, KeywordUpdate> = HashMap::new();
        for u in updates {
            match merged.get_mut(&u.id) {
                None => {
                    order.push(u.id);
                    merged.insert(u.id, u.clone());
                }
                Some(m) => merge(m, u.clone()),
            }
        }
        let n = order.len();
        let mut ids = Vec::with_capacity(n);
        let mut set_metrics = Vec::with_capacity(n);
        let mut metrics = MetricColumns::default();
        let mut language = Vec::with_capacity(n);
        let mut navigational = Vec::with_capacity(n);
        let mut longtail = Vec::with_capacity(n);
        let mut subtopics_status = Vec::with_capacity(n);
        let mut article = Vec::with_capacity(n);
        let mut filter = Vec::with_capacity(n);
        let mut selected = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut metadata = Vec::with_capacity(n);
        let mut subtopics = Vec::with_capacity(n);
        // Embeddings are ragged: one flat array plus (start, length) per row, sliced in SQL.
        let mut flat: Vec<f32> = Vec::new();
        let mut emb_start: Vec<Option<i32>> = Vec::with_capacity(n);
        let mut emb_len: Vec<Option<i32>> = Vec::with_capacity(n);
        for id in &order {
            let u = merged.get(id).ok_or_else(|| corrupt(OP, "merged update vanished"))?;
            ids.push(id.as_uuid());
            set_metrics.push(u.metrics.is_some());
            metrics.push(u.metrics.as_ref().unwrap_or(&KeywordMetrics::default()));
            language.push(u.language.clone());
            navigational.push(u.is_navigational);
            longtail.push(u.longtail_status.map(|s| s.as_str()));
            subtopics_status.push(u.subtopics_status.map(|s| s.as_str()));
            article.push(u.article_status.map(|s| s.as_str()));
            filter.push(u.filter_status.map(|s| s.as_str()));
            selected.push(u.user_selected);
            confidence.push(u.decision_confidence);
            metadata.push(u.decision_metadata.clone());
            subtopics.push(u.subtopics.as_ref().map(|s| to_json(s, OP)).transpose()?);
            match &u.embedding {
                None => {
                    emb_start.push(None);
                    emb_len.push(None);
                }
                Some(v) => {
                    let start = i32::try_from(flat.len() + 1)
                        .map_err(|_| Error::invalid("embedding", "too large"))?;
                    let len = i32::try_from(v.len()).map_err(|_| Error::invalid("embedding", "too large"))?;
                    emb_start.push(Some(start));
                    emb_len.push(Some(len));
                    flat.extend_from_slice(v);
                }
            }
        }
        let mut tx = self.begin(ctx, OP).await?;
        let updated: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE keywords k SET \
             search_volume = CASE WHEN u.set_metrics THEN u.volume ELSE k.search_volume END, \
             competition_level = CASE WHEN u.set_metrics THEN u.level ELSE k.competition_level END, \
             competition_index = CASE WHEN u.set_metrics THEN u.cindex ELSE k.competition_index END, \
             cpc = CASE WHEN u.set_metrics THEN u.cpc ELSE k.cpc END, \
             keyword_difficulty = CASE WHEN u.set_metrics THEN u.difficulty ELSE k.keyword_difficulty END, \
             main_intent = CASE WHEN u.set_metrics THEN u.intent ELSE k.main_intent END, \
             serp_urls = CASE WHEN u.set_metrics THEN COALESCE(u.serp, '[]') ELSE k.serp_urls END, \
             language = COALESCE(u.language, k.language), \
             is_navigational = COALESCE(u.navigational, k.is_navigational), \
             longtail_status = COALESCE(u.longtail, k.longtail_status), \
             subtopics_status = COALESCE(u.subtopics_status, k.subtopics_status), \
             article_status = COALESCE(u.article, k.article_status), \
             filter_status = COALESCE(u.filter, k.filter_status), \
             user_selected = COALESCE(u.selected, k.user_selected), \
             decision_confidence = COALESCE(u.confidence, k.decision_confidence), \
             decision_metadata = COALESCE(u.metadata, k.decision_metadata), \
             subtopics = COALESCE(u.subtopics, k.subtopics), \
             embedding = CASE WHEN u.emb_len IS NULL THEN k.embedding \
                 ELSE COALESCE(($21::real[])[u.emb_start:u.emb_start + u.emb_len - 1], '{}') END, \
             updated_at = now() \
             FROM UNNEST($1::uuid[], $2::bool[], $3::int8[], $4::text[], $5::int4[], $6::float8[], $7::int4[], \
             $8::text[], $9::jsonb[], $10::text[], $11::bool[], $12::text[], $13::text[], $14::text[], \
             $15::text[], $16::bool[], $17::float8[], $18::jsonb[], $19::jsonb[], $20::int4[], $22::int4[]) \
             AS u(id, set_metrics, volume, level, cindex, cpc, difficulty, intent, serp, language, navigational, \
             longtail, subtopics_status, article, filter, selected, confidence, metadata, subtopics, emb_start, \
             emb_len) \
             WHERE k.id = u.id RETURNING k.id",
        )
        .bind(&ids)
        .bind(&set_metrics)
        .bind(&metrics.search_volume)
        .bind(&metrics.competition_level)
        .bind(&metrics.competition_index)
        .bind(&metrics.cpc)
        .bind(&metrics.difficulty)
        .bind(&metrics.intent)
        .bind(&metrics.serp_urls)
        .bind(&language)
        .bind(&navigational)
        .bind(&longtail)
        .bind(&subtopics_status)
        .bind(&article)
        .bind(&filter)
        .bind(&selected)
        .bind(&confidence)
        .bind(&metadata)
        .bind(&subtopics)
        .bind(&emb_start)
        .bind(&flat)
        .bind(&emb_len)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| map_sqlx(OP, e))?;
        if updated.len() != n {
            // Dropping the transaction rolls it back: nothing is changed.
            let missing = ids.iter().find(|id| !updated.contains(id)).copied().unwrap_or_default();
            return Err(Error::not_found(Entity::Keyword, missing));
        }
        commit(tx, OP).await
    }
}

/// Applies `later` over `earlier` (fields `later` sets win).
fn merge(earlier: &mut KeywordUpdate, later: KeywordUpdate) {
    macro_rules! take {
        ($($f:ident),*) => { $( if later.$f.is_some() { earlier.$f = later.$f; } )* };
    }
    take!(
        metrics,
        language,
        is_navigational,
        longtail_status,
        subtopics_status,
        article_status,
        filter_status,
        user_selected,
        decision_confidence,
        decision_metadata,
        subtopics,
        embedding
    );
}
