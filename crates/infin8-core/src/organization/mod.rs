//! Organizations (tenants), their members, competitors and plans.

pub mod competitor;
pub mod member;
pub mod model;
pub mod plan;

pub use competitor::{
    CompetitorStatus, NewCompetitor, NormalizedUrl, OrganizationCompetitor, normalize_competitor_url,
};
pub use member::{Member, Permission, Role};
pub use model::{NewOrganization, OnboardingStatus, Organization, OrganizationSettings, SubscriptionStatus};
pub use plan::{Plan, PlanLimits};
