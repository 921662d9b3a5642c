//! Shared setup of the engine tests.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use infin8_core::engine::testing::{FakeProviders, guarantees};
use infin8_core::engine::{CreateWorkflow, Engine, PipelineConfig, SubtopicReview};
use infin8_core::ids::{OrgId, UserId, WorkflowId};
use infin8_core::organization::{NewOrganization, Plan, Role};
use infin8_core::store::Store;
use infin8_core::tenant::TenantContext;
use infin8_core::workflow::WorkflowSettings;
use std::sync::Arc;

/// A fixed instant (mid-month, so a run never crosses a billing period): the guarantee
/// scenarios' clock.
pub fn now() -> DateTime<Utc> {
    guarantees::fixed_now()
}

/// The test configuration: the guarantee scenarios' one (small limits, thresholds suited to the
/// 64-dimension hash embedder, seeds auto-approved), without the subtopic gate.
pub fn config() -> PipelineConfig {
    PipelineConfig { subtopic_review: SubtopicReview::None, ..guarantees::scenario_config() }
}

pub fn engine(store: Arc<dyn Store>, fakes: &FakeProviders, config: PipelineConfig, worker: &str) -> Engine {
    Engine::builder()
        .store(store)
        .providers(fakes.providers())
        .config(config)
        .worker(worker)
        .clock(Arc::new(now))
        .build()
        .unwrap()
}

/// A new organization with a business description; its owner's context.
pub async fn org(store: &dyn Store, plan: Plan) -> TenantContext {
    let ctx = TenantContext::user(OrgId::new(), UserId::new(), Role::Owner);
    let mut new = NewOrganization::new(format!("acme-{}", uuid::Uuid::new_v4().simple()), plan);
    new.id = Some(ctx.org_id);
    new.business_description =
        Some("Acme sells a CRM for small sales teams: pipeline, leads and email in one place.".into());
    new.website_url = Some("https://acme.example".into());
    store.create_organization(&ctx, new).await.unwrap();
    ctx
}

pub fn new_workflow(budget: Option<infin8_core::Usd>) -> CreateWorkflow {
    CreateWorkflow {
        id: None,
        title: "Q2 content campaign".into(),
        description: Some("Articles for small sales teams".into()),
        competitor_urls: vec![
            "https://www.pipedrive.com/".into(),
            "hubspot.com".into(),
            "not a url".into(),
            "Pipedrive.com".into(),
        ],
        settings: WorkflowSettings { budget, ..WorkflowSettings::default() },
    }
}

/// Creates a workflow and returns its id.
pub async fn create(engine: &Engine, ctx: &TenantContext, budget: Option<infin8_core::Usd>) -> WorkflowId {
    engine.create_workflow(ctx, new_workflow(budget)).await.unwrap().id
}
