//! Plans and their monthly limits.

use crate::ledger::usage::UsageMetric;
use crate::money::Usd;
use crate::wire::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum!(
    /// A subscription plan.
    Plan, "plan" {
        /// Free: enough for one small campaign a month.
        Free => "free",
        /// Starter.
        Starter => "starter",
        /// Professional.
        Pro => "pro",
        /// Enterprise: limits set by contract (defaults generous).
        Enterprise => "enterprise",
    }
);

/// Monthly limits of a plan, per usage metric, plus a monthly spend cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    /// Workflows started per month.
    pub workflows: i64,
    /// ICP generations per month.
    pub icp_generation: i64,
    /// Keyword research calls per month.
    pub keyword_research: i64,
    /// Web research calls per month.
    pub web_research: i64,
    /// LLM tokens per month.
    pub llm_tokens: i64,
    /// Texts embedded per month.
    pub embeddings: i64,
    /// Articles generated per month.
    pub article_generation: i64,
    /// Posts published per month.
    pub publish: i64,
    /// Provider spend per month.
    pub monthly_spend: Usd,
}

impl Plan {
    /// The plan's default limits.
    #[must_use]
    pub fn limits(self) -> PlanLimits {
        let (workflows, research, tokens, embeddings, articles, spend_usd) = match self {
            Plan::Free => (2, 200, 2_000_000, 20_000, 10, 5),
            Plan::Starter => (10, 2_000, 20_000_000, 200_000, 100, 50),
            Plan::Pro => (50, 20_000, 200_000_000, 2_000_000, 1_000, 500),
            Plan::Enterprise => (1_000, 500_000, 5_000_000_000, 50_000_000, 25_000, 20_000),
        };
        PlanLimits {
            workflows,
            icp_generation: workflows * 5,
            keyword_research: research,
            web_research: research,
            llm_tokens: tokens,
            embeddings,
            article_generation: articles,
            publish: articles,
            monthly_spend: Usd::from_micros(spend_usd * 1_000_000),
        }
    }
}

impl PlanLimits {
    /// The monthly limit for a metric (for [`UsageMetric::CostMicros`], the spend cap in micros).
    #[must_use]
    pub fn limit(&self, metric: UsageMetric) -> i64 {
        match metric {
            UsageMetric::Workflows => self.workflows,
            UsageMetric::IcpGeneration => self.icp_generation,
            UsageMetric::KeywordResearch => self.keyword_research,
            UsageMetric::WebResearch => self.web_research,
            UsageMetric::LlmTokens => self.llm_tokens,
            UsageMetric::Embeddings => self.embeddings,
            UsageMetric::ArticleGeneration => self.article_generation,
            UsageMetric::Publish => self.publish,
            UsageMetric::CostMicros => self.monthly_spend.micros(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_grow_monotonically() {
        for metric in UsageMetric::ALL {
            let limits: Vec<i64> = Plan::ALL.iter().map(|p| p.limits().limit(*metric)).collect();
            assert!(limits.windows(2).all(|w| w[0] < w[1]), "{metric}: {limits:?}");
        }
    }
}
