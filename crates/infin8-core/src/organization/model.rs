//! The organization (tenant) record.

use super::plan::Plan;
use crate::ids::OrgId;
use crate::wire::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

wire_enum!(
    /// Billing subscription status.
    SubscriptionStatus, "subscription status" {
        /// Free trial.
        Trialing => "trialing",
        /// Paid and current.
        Active => "active",
        /// Payment failed; grace period.
        PastDue => "past_due",
        /// Cancelled.
        Canceled => "canceled",
    }
);

wire_enum!(
    /// How far the organization got through onboarding.
    OnboardingStatus, "onboarding status" {
        /// Not started.
        NotStarted => "not_started",
        /// Under way.
        InProgress => "in_progress",
        /// Done.
        Completed => "completed",
    }
);

/// Blog, content and keyword settings of an organization; defaults for its workflows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OrganizationSettings {
    /// Blog settings (free-form JSON: categories, author, tone).
    pub blog_settings: serde_json::Value,
    /// Content settings (free-form JSON: length, style).
    pub content_settings: serde_json::Value,
    /// Keyword settings (free-form JSON: location, language).
    pub keyword_settings: serde_json::Value,
}

/// An organization: the tenant. Everything else belongs to exactly one organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Id.
    pub id: OrgId,
    /// Display name, unique per store.
    pub name: String,
    /// Plan.
    pub plan: Plan,
    /// Subscription status.
    pub subscription_status: SubscriptionStatus,
    /// Onboarding status.
    pub onboarding_status: OnboardingStatus,
    /// The organization's website URL.
    pub website_url: Option<String>,
    /// What the business does, in its own words (input to the ICP step).
    pub business_description: Option<String>,
    /// Target audiences.
    pub target_audiences: Vec<String>,
    /// Settings.
    pub settings: OrganizationSettings,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// What is needed to create an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrganization {
    /// Id to use (lets hosts create idempotently); `None` for a fresh one.
    pub id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Plan.
    pub plan: Plan,
    /// Website URL.
    pub website_url: Option<String>,
    /// Business description.
    pub business_description: Option<String>,
    /// Target audiences.
    pub target_audiences: Vec<String>,
    /// Settings.
    pub settings: OrganizationSettings,
}

impl NewOrganization {
    /// A new organization with a name and plan, everything else empty.
    pub fn new(name: impl Into<String>, plan: Plan) -> Self {
        Self {
            id: None,
            name: name.into(),
            plan,
            website_url: None,
            business_description: None,
            target_audiences: Vec::new(),
            settings: OrganizationSettings::default(),
        }
    }
}
