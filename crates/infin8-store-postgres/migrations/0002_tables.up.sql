-- infin8 PostgreSQL schema, part 2: the tables, following the seed design's names and columns.
--
-- Conventions:
-- - ids are uuid (UUIDv7 from the application, or UUIDv5 derived from natural keys);
-- - times are timestamptz; free-form documents are jsonb; enums are text with a CHECK listing
--   the wire names (the same strings as the Rust enums' `as_str`);
-- - money columns (the seed's DECIMAL) are numeric(20,6): exact US dollars with six decimals,
--   i.e. the application's integer micro-dollars with no rounding either way; scores, CPC and
--   confidences (measurements, not money) are double precision;
-- - every tenant table carries `organization_id`, and every child references its parent with a
--   composite foreign key `(organization_id, parent_id)` → `(organization_id, id)`, so a child's
--   organization always equals its parent's (the parents carry UNIQUE (organization_id, id)).

CREATE TABLE organizations (
    id                    uuid PRIMARY KEY,
    name                  text NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
    plan                  text NOT NULL DEFAULT 'free'
                              CHECK (plan IN ('free', 'starter', 'pro', 'enterprise')),
    subscription_status   text NOT NULL DEFAULT 'trialing'
                              CHECK (subscription_status IN ('trialing', 'active', 'past_due', 'canceled')),
    onboarding_status     text NOT NULL DEFAULT 'not_started'
                              CHECK (onboarding_status IN ('not_started', 'in_progress', 'completed')),
    website_url           text,
    business_description  text,
    target_audiences      text[] NOT NULL DEFAULT '{}',
    blog_settings         jsonb NOT NULL DEFAULT 'null',
    content_settings      jsonb NOT NULL DEFAULT 'null',
    keyword_settings      jsonb NOT NULL DEFAULT 'null',
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Members: user ↔ organization with a role (the seed's users.org_id + role, many-to-many here).
CREATE TABLE organization_members (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL,
    role             text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX idx_organization_members_user ON organization_members (user_id);

CREATE TABLE organization_competitors (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url              text NOT NULL,
    normalized_url   text NOT NULL,
    domain           text NOT NULL,
    analysis_status  text NOT NULL DEFAULT 'pending'
                         CHECK (analysis_status IN ('pending', 'analyzing', 'completed', 'failed')),
    keywords_found   bigint NOT NULL DEFAULT 0 CHECK (keywords_found >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, normalized_url)
);

CREATE TABLE intent_workflows (
    id                     uuid PRIMARY KEY,
    organization_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title                  text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    description            text,
    state                  text NOT NULL DEFAULT 'CREATED' CHECK (state IN (
        'CREATED',
        'ICP_PENDING', 'ICP_PROCESSING', 'ICP_COMPLETED', 'ICP_FAILED',
        'COMPETITOR_PENDING', 'COMPETITOR_PROCESSING', 'COMPETITOR_COMPLETED', 'COMPETITOR_FAILED',
        'SEED_REVIEW_PENDING', 'SEED_REVIEW_COMPLETED',
        'LONGTAIL_PENDING', 'LONGTAIL_PROCESSING', 'LONGTAIL_COMPLETED', 'LONGTAIL_FAILED',
        'FILTERING_PENDING', 'FILTERING_PROCESSING', 'FILTERING_COMPLETED', 'FILTERING_FAILED',
        'CLUSTERING_PENDING', 'CLUSTERING_PROCESSING', 'CLUSTERING_COMPLETED', 'CLUSTERING_FAILED',
        'VALIDATION_PENDING', 'VALIDATION_PROCESSING', 'VALIDATION_COMPLETED', 'VALIDATION_FAILED',
        'SUBTOPIC_PENDING', 'SUBTOPIC_PROCESSING', 'SUBTOPIC_AWAITING_REVIEW', 'SUBTOPIC_COMPLETED',
        'SUBTOPIC_FAILED',
        'ARTICLE_PENDING', 'ARTICLE_PROCESSING', 'ARTICLE_COMPLETED', 'ARTICLE_FAILED',
        'PUBLISH_PENDING', 'PUBLISH_PROCESSING', 'PUBLISH_COMPLETED', 'PUBLISH_FAILED',
        'COMPLETED', 'CANCELLED')),
    version                bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
    icp_data               jsonb,
    competitor_urls        text[] NOT NULL DEFAULT '{}',
    settings               jsonb NOT NULL DEFAULT '{}',
    total_seed_keywords    bigint NOT NULL DEFAULT 0,
    approved_seed_keywords bigint NOT NULL DEFAULT 0,
    total_longtail_keywords bigint NOT NULL DEFAULT 0,
    filtered_keywords      bigint NOT NULL DEFAULT 0,
    total_clusters         bigint NOT NULL DEFAULT 0,
    valid_clusters         bigint NOT NULL DEFAULT 0,
    total_articles         bigint NOT NULL DEFAULT 0,
    published_articles     bigint NOT NULL DEFAULT 0,
    estimated_cost         numeric(20, 6) NOT NULL DEFAULT 0,
    actual_cost            numeric(20, 6) NOT NULL DEFAULT 0,
    metadata               jsonb NOT NULL DEFAULT 'null',
    last_error             text,
    lease_owner            text,
    lease_expires_at       timestamptz,
    created_by             uuid,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    completed_at           timestamptz,
    UNIQUE (organization_id, id),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);
CREATE INDEX idx_workflows_org_state ON intent_workflows (organization_id, state);
-- Workers look for runnable work: active workflows, failed ones to retry, expired leases.
CREATE INDEX idx_workflows_active ON intent_workflows (organization_id, updated_at)
    WHERE state NOT IN ('COMPLETED', 'CANCELLED');
CREATE INDEX idx_workflows_failed ON intent_workflows (organization_id, updated_at)
    WHERE state LIKE '%\_FAILED';
CREATE INDEX idx_workflows_lease ON intent_workflows (lease_expires_at)
    WHERE state LIKE '%\_PROCESSING';

-- Recorded transitions: write once (see 0003 for the trigger and grants).
CREATE TABLE workflow_transitions (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    workflow_id      uuid NOT NULL,
    from_state       text NOT NULL,
    to_state         text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('start', 'claim', 'reclaim', 'complete',
                         'await_review', 'approve', 'fail', 'retry', 'advance', 'finish', 'cancel')),
    version          bigint NOT NULL,
    actor_type       text NOT NULL CHECK (actor_type IN ('user', 'system')),
    actor_id         uuid,
    reason           text,
    idempotency_key  text NOT NULL,
    metadata         jsonb NOT NULL DEFAULT 'null',
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    UNIQUE (workflow_id, idempotency_key),
    UNIQUE (workflow_id, version),
    CHECK ((actor_type = 'user') = (actor_id IS NOT NULL))
);
CREATE INDEX idx_transitions_org_workflow ON workflow_transitions (organization_id, workflow_id, version);

CREATE TABLE keywords (
    id                   uuid PRIMARY KEY,
    organization_id      uuid NOT NULL,
    workflow_id          uuid NOT NULL,
    parent_id            uuid,
    keyword_type         text NOT NULL CHECK (keyword_type IN ('seed', 'longtail', 'subtopic')),
    keyword              text NOT NULL,
    normalized_keyword   text NOT NULL CHECK (char_length(normalized_keyword) BETWEEN 1 AND 200),
    source               text NOT NULL,
    search_volume        bigint,
    competition_level    text CHECK (competition_level IN ('low', 'medium', 'high')),
    competition_index    integer CHECK (competition_index BETWEEN 0 AND 100),
    cpc                  double precision,
    keyword_difficulty   integer CHECK (keyword_difficulty BETWEEN 0 AND 100),
    main_intent          text CHECK (main_intent IN ('informational', 'navigational', 'commercial',
                             'transactional')),
    serp_urls            jsonb NOT NULL DEFAULT '[]',
    language             text,
    is_navigational      boolean NOT NULL DEFAULT false,
    longtail_status      text NOT NULL DEFAULT 'not_started'
                             CHECK (longtail_status IN ('not_started', 'in_progress', 'completed', 'failed')),
    subtopics_status     text NOT NULL DEFAULT 'not_started'
                             CHECK (subtopics_status IN ('not_started', 'in_progress', 'completed', 'failed')),
    article_status       text NOT NULL DEFAULT 'not_started'
                             CHECK (article_status IN ('not_started', 'in_progress', 'completed', 'failed')),
    filter_status        text NOT NULL DEFAULT 'pending'
                             CHECK (filter_status IN ('pending', 'approved', 'rejected')),
    ai_suggested         boolean NOT NULL DEFAULT false,
    user_selected        boolean NOT NULL DEFAULT false,
    decision_confidence  double precision CHECK (decision_confidence BETWEEN 0 AND 1),
    decision_metadata    jsonb NOT NULL DEFAULT 'null',
    subtopics            jsonb NOT NULL DEFAULT '[]',
    -- pgvector is not packaged for PostgreSQL 15 here: vectors are real[], similarity is
    -- computed in the application (infin8-core).
    embedding            real[],
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    -- The parent is in the same organization and the same workflow.
    FOREIGN KEY (organization_id, workflow_id, parent_id)
        REFERENCES keywords (organization_id, workflow_id, id),
    UNIQUE (organization_id, workflow_id, id),
    UNIQUE (organization_id, workflow_id, normalized_keyword),
    CHECK ((keyword_type = 'seed') = (parent_id IS NULL))
);
CREATE INDEX idx_keywords_parent ON keywords (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX idx_keywords_workflow_type ON keywords (organization_id, workflow_id, keyword_type);
CREATE INDEX idx_keywords_workflow_filter ON keywords (organization_id, workflow_id, filter_status);

-- One row per hub–spoke pair.
CREATE TABLE topic_clusters (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL,
    workflow_id       uuid NOT NULL,
    hub_keyword_id    uuid NOT NULL,
    spoke_keyword_id  uuid NOT NULL,
    similarity_score  real NOT NULL,
    cluster_type      text NOT NULL CHECK (cluster_type IN ('hub_spoke', 'serp_overlap')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    FOREIGN KEY (organization_id, workflow_id, hub_keyword_id)
        REFERENCES keywords (organization_id, workflow_id, id),
    FOREIGN KEY (organization_id, workflow_id, spoke_keyword_id)
        REFERENCES keywords (organization_id, workflow_id, id),
    -- A keyword is the spoke of at most one hub per workflow.
    UNIQUE (workflow_id, spoke_keyword_id),
    CHECK (hub_keyword_id <> spoke_keyword_id)
);
CREATE INDEX idx_topic_clusters_workflow_hub ON topic_clusters (organization_id, workflow_id, hub_keyword_id);

CREATE TABLE cluster_validation_results (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL,
    workflow_id       uuid NOT NULL,
    hub_keyword_id    uuid NOT NULL,
    validation_status text NOT NULL CHECK (validation_status IN ('valid', 'invalid')),
    avg_similarity    real NOT NULL,
    spoke_count       bigint NOT NULL CHECK (spoke_count >= 0),
    reasons           text[] NOT NULL DEFAULT '{}',
    metadata          jsonb NOT NULL DEFAULT 'null',
    created_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    FOREIGN KEY (organization_id, workflow_id, hub_keyword_id)
        REFERENCES keywords (organization_id, workflow_id, id),
    UNIQUE (workflow_id, hub_keyword_id)
);
CREATE INDEX idx_cluster_validation_org_workflow ON cluster_validation_results (organization_id, workflow_id);

CREATE TABLE intent_approvals (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    workflow_id      uuid NOT NULL,
    entity_type      text NOT NULL CHECK (entity_type IN ('seed_keywords', 'subtopics', 'clusters')),
    entity_id        uuid NOT NULL,
    decision         text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    feedback         text,
    confidence       double precision CHECK (confidence BETWEEN 0 AND 1),
    approver_type    text NOT NULL CHECK (approver_type IN ('user', 'system')),
    approver_id      uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    UNIQUE (workflow_id, entity_type, entity_id),
    CHECK ((approver_type = 'user') = (approver_id IS NOT NULL))
);
CREATE INDEX idx_intent_approvals_org_workflow ON intent_approvals (organization_id, workflow_id, entity_type);

CREATE TABLE articles (
    id                    uuid PRIMARY KEY,
    organization_id       uuid NOT NULL,
    workflow_id           uuid NOT NULL,
    keyword_id            uuid NOT NULL,
    title                 text NOT NULL,
    slug                  text NOT NULL,
    status                text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'researching',
                              'generating', 'validating', 'completed', 'failed', 'published')),
    progress              integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    sections_completed    integer NOT NULL DEFAULT 0 CHECK (sections_completed >= 0),
    sections_total        integer NOT NULL DEFAULT 0 CHECK (sections_total >= 0),
    content               text,
    content_html          text,
    excerpt               text,
    meta_title            text,
    meta_description      text,
    focus_keyword         text,
    word_count            integer NOT NULL DEFAULT 0 CHECK (word_count >= 0),
    reading_time_minutes  integer NOT NULL DEFAULT 0 CHECK (reading_time_minutes >= 0),
    quality_score         double precision,
    seo_score             double precision,
    wordpress_post_id     bigint,
    wordpress_url         text,
    generation_cost       numeric(20, 6) NOT NULL DEFAULT 0,
    provenance            jsonb NOT NULL DEFAULT 'null',
    error                 text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    completed_at          timestamptz,
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    FOREIGN KEY (organization_id, workflow_id, keyword_id)
        REFERENCES keywords (organization_id, workflow_id, id),
    UNIQUE (organization_id, id),
    UNIQUE (workflow_id, keyword_id)
);
CREATE INDEX idx_articles_org_workflow ON articles (organization_id, workflow_id);
CREATE INDEX idx_articles_org_status ON articles (organization_id, status);

CREATE TABLE article_sections (
    id                 uuid PRIMARY KEY,
    organization_id    uuid NOT NULL,
    article_id         uuid NOT NULL,
    section_order      integer NOT NULL CHECK (section_order >= 0),
    title              text NOT NULL,
    content            text,
    content_html       text,
    research_query     text,
    sources            jsonb NOT NULL DEFAULT '[]',
    model              text,
    prompt_tokens      bigint NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens  bigint NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    generation_ms      bigint NOT NULL DEFAULT 0 CHECK (generation_ms >= 0),
    cost               numeric(20, 6) NOT NULL DEFAULT 0,
    status             text NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'researching', 'writing', 'completed', 'failed')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, article_id) REFERENCES articles (organization_id, id),
    UNIQUE (article_id, section_order)
);
CREATE INDEX idx_article_sections_org ON article_sections (organization_id, article_id);

CREATE TABLE publish_references (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL,
    article_id        uuid NOT NULL,
    platform          text NOT NULL CHECK (length(platform) > 0),
    status            text NOT NULL CHECK (status IN ('claimed', 'published', 'failed')),
    idempotency_key   text NOT NULL,
    claim_owner       text,
    claim_expires_at  timestamptz,
    remote_id         text,
    remote_url        text,
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    published_at      timestamptz,
    FOREIGN KEY (organization_id, article_id) REFERENCES articles (organization_id, id),
    -- The claim: one reference per article and platform, whoever races to create it.
    UNIQUE (article_id, platform),
    CHECK (status <> 'claimed' OR (claim_owner IS NOT NULL AND claim_expires_at IS NOT NULL)),
    CHECK (status <> 'published' OR remote_id IS NOT NULL)
);
CREATE INDEX idx_publish_references_org ON publish_references (organization_id, article_id);

CREATE TABLE tavily_research_cache (
    id                uuid PRIMARY KEY,
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    research_query    text NOT NULL,
    normalized_query  text NOT NULL,
    provider          text NOT NULL DEFAULT 'tavily',
    research_results  jsonb NOT NULL DEFAULT '[]',
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    UNIQUE (organization_id, normalized_query),
    CHECK (expires_at > created_at)
);
-- The seed's case-insensitive lookup, and the purge of expired rows.
CREATE INDEX idx_research_cache_lookup ON tavily_research_cache (organization_id, lower(research_query));
CREATE INDEX idx_research_cache_expires ON tavily_research_cache (organization_id, expires_at);

CREATE TABLE rate_limits (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    key              text NOT NULL,
    window_seconds   bigint NOT NULL CHECK (window_seconds >= 1),
    window_start     timestamptz NOT NULL,
    count            bigint NOT NULL DEFAULT 0 CHECK (count >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key, window_seconds, window_start)
);

-- Usage counters per (organization, metric, scope). `billing_period` holds the ledger scope's
-- wire form: a month `YYYY-MM`, or `workflow:<uuid>` for one workflow's budget.
CREATE TABLE usage_tracking (
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    usage_type       text NOT NULL,
    billing_period   text NOT NULL,
    used             bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
    reserved         bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, usage_type, billing_period)
);

-- Reservations (reserve → commit/release); `lines` holds the reserved lines as JSON.
CREATE TABLE usage_reservations (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    workflow_id      uuid,
    purpose          text NOT NULL,
    lines            jsonb NOT NULL,
    committed        jsonb,
    state            text NOT NULL CHECK (state IN ('reserved', 'committed', 'released')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'committed') = (committed IS NOT NULL))
);
CREATE INDEX idx_usage_reservations_org_state ON usage_reservations (organization_id, state);

-- The audit log: write once (see 0003 for the trigger and grants).
CREATE TABLE intent_audit_logs (
    id               uuid PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    workflow_id      uuid,
    actor_type       text NOT NULL CHECK (actor_type IN ('user', 'system')),
    actor_id         uuid,
    action           text NOT NULL CHECK (length(action) > 0),
    entity_type      text NOT NULL,
    entity_id        text,
    details          jsonb NOT NULL DEFAULT 'null',
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES intent_workflows (organization_id, id),
    CHECK ((actor_type = 'user') = (actor_id IS NOT NULL))
);
CREATE INDEX idx_audit_logs_org ON intent_audit_logs (organization_id, id);
CREATE INDEX idx_audit_logs_org_workflow ON intent_audit_logs (organization_id, workflow_id, id)
    WHERE workflow_id IS NOT NULL;
