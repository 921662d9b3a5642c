//! Persisted JSON shapes are a visible decision: these snapshots change only on purpose.
//! Also: every text-backed enum round-trips its wire names.

use chrono::{TimeZone, Utc};
use infin8_core::approval::{ApprovalEntityType, Decision};
use infin8_core::article::{ArticleStatus, SectionStatus};
use infin8_core::cluster::{ClusterType, ValidationStatus};
use infin8_core::keyword::{
    CompetitionLevel, FilterStatus, Keyword, KeywordMetrics, KeywordType, SearchIntent, StepStatus,
};
use infin8_core::ledger::{ReservationState, UsageMetric};
use infin8_core::organization::{CompetitorStatus, OnboardingStatus, Plan, Role, SubscriptionStatus};
use infin8_core::publish::PublishStatus;
use infin8_core::workflow::{Phase, Step, Workflow, WorkflowCounts, WorkflowSettings, WorkflowState};
use infin8_core::{KeywordId, OrgId, Usd, WorkflowId};
use uuid::Uuid;

macro_rules! round_trip_all {
    ($($ty:ty),+ $(,)?) => {$(
        for v in <$ty>::ALL {
            assert_eq!(v.as_str().parse::<$ty>().unwrap(), *v);
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json, serde_json::Value::String(v.as_str().to_string()));
            assert_eq!(serde_json::from_value::<$ty>(json).unwrap(), *v);
        }
        assert!("definitely-not-a-value".parse::<$ty>().is_err());
    )+};
}

#[test]
fn every_wire_enum_round_trips() {
    round_trip_all!(
        ApprovalEntityType,
        Decision,
        ArticleStatus,
        SectionStatus,
        ClusterType,
        ValidationStatus,
        CompetitionLevel,
        FilterStatus,
        KeywordType,
        SearchIntent,
        StepStatus,
        ReservationState,
        UsageMetric,
        CompetitorStatus,
        OnboardingStatus,
        Plan,
        Role,
        SubscriptionStatus,
        PublishStatus,
    );
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 5, 0, 0).unwrap()
}

#[test]
fn workflow_json_shape() {
    let wf = Workflow {
        id: WorkflowId::from_uuid(Uuid::from_u128(1)),
        organization_id: OrgId::from_uuid(Uuid::from_u128(2)),
        title: "Q1 campaign".into(),
        description: None,
        state: WorkflowState::At(Step::SeedReview, Phase::Pending),
        version: 7,
        icp_data: Some(serde_json::json!({"segments": ["smb"]})),
        competitor_urls: vec!["https://example.com".into()],
        settings: WorkflowSettings { budget: Some(Usd::from_micros(5_000_000)), ..Default::default() },
        counts: WorkflowCounts { seed_keywords: 40, ..Default::default() },
        estimated_cost: Usd::from_micros(1_200_000),
        actual_cost: Usd::from_micros(30_300),
        metadata: serde_json::Value::Null,
        last_error: None,
        lease: None,
        failure_kind: None,
        attempts: 0,
        next_attempt_at: None,
        created_by: None,
        created_at: at(),
        updated_at: at(),
        completed_at: None,
    };
    insta::assert_json_snapshot!(wf);
    let back: Workflow = serde_json::from_value(serde_json::to_value(&wf).unwrap()).unwrap();
    assert_eq!(back, wf);
}

#[test]
fn keyword_json_shape() {
    let kw = Keyword {
        id: KeywordId::from_uuid(Uuid::from_u128(3)),
        organization_id: OrgId::from_uuid(Uuid::from_u128(2)),
        workflow_id: WorkflowId::from_uuid(Uuid::from_u128(1)),
        parent_id: Some(KeywordId::from_uuid(Uuid::from_u128(4))),
        keyword_type: KeywordType::Longtail,
        keyword: "Best CRM for Startups".into(),
        normalized_keyword: "best crm for startups".into(),
        source: "dataforseo:keyword_suggestions".into(),
        metrics: KeywordMetrics {
            search_volume: Some(1_300),
            competition_level: Some(CompetitionLevel::High),
            competition_index: Some(88),
            cpc: Some(12.5),
            difficulty: Some(41),
            intent: Some(SearchIntent::Commercial),
            serp_urls: vec![],
        },
        language: Some("en".into()),
        is_navigational: false,
        longtail_status: StepStatus::NotStarted,
        subtopics_status: StepStatus::Completed,
        article_status: StepStatus::NotStarted,
        filter_status: FilterStatus::Approved,
        ai_suggested: true,
        user_selected: false,
        decision_confidence: Some(0.9),
        decision_metadata: serde_json::json!({"reasons": []}),
        subtopics: vec!["pricing".into(), "integrations".into()],
        embedding: None,
        created_at: at(),
        updated_at: at(),
    };
    insta::assert_json_snapshot!(kw);
}
