//! Step 1: the language model turns the business description into an ideal customer profile.

use super::{StepEnd, parse_answer};
use crate::engine::ledger::Spend;
use crate::engine::step::{Role, StepCtx, approx_tokens};
use crate::error::{Error, Result};
use crate::ledger::UsageMetric;
use crate::provider::{ChatMessage, CompletionRequest, ProviderError, ResponseFormat};
use crate::workflow::WorkflowUpdate;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An ideal customer profile, as stored in the workflow's `icp_data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Icp {
    /// Customer segments.
    pub segments: Vec<IcpSegment>,
    /// Their pains.
    pub pains: Vec<String>,
    /// Their goals.
    pub goals: Vec<String>,
    /// Words and phrases they use.
    pub vocabulary: Vec<String>,
}

/// One customer segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IcpSegment {
    /// Name.
    pub name: String,
    /// Who they are.
    pub description: String,
}

impl Icp {
    /// The JSON schema the model must answer with.
    #[must_use]
    pub fn schema() -> serde_json::Value {
        let strings = |min: u32| json!({ "type": "array", "minItems": min, "maxItems": 12, "items": { "type": "string", "minLength": 1 } });
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["segments", "pains", "goals", "vocabulary"],
            "properties": {
                "segments": {
                    "type": "array", "minItems": 1, "maxItems": 6,
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["name", "description"],
                        "properties": {
                            "name": { "type": "string", "minLength": 1 },
                            "description": { "type": "string", "minLength": 1 }
                        }
                    }
                },
                "pains": strings(1),
                "goals": strings(1),
                "vocabulary": strings(1)
            }
        })
    }

    /// Checks the profile beyond its JSON shape: at least one segment, pain, goal and vocabulary
    /// term, none blank.
    ///
    /// # Errors
    /// A message naming the first problem.
    pub fn check(&self) -> Result<(), String> {
        let blank = |s: &String| s.trim().is_empty();
        if self.segments.is_empty() || self.segments.iter().any(|s| blank(&s.name) || blank(&s.description)) {
            return Err("icp needs at least one segment with a name and description".into());
        }
        for (field, list) in
            [("pains", &self.pains), ("goals", &self.goals), ("vocabulary", &self.vocabulary)]
        {
            if list.is_empty() || list.iter().any(blank) {
                return Err(format!("icp {field} must be a non-empty list of non-blank strings"));
            }
        }
        Ok(())
    }
}

pub(crate) async fn run(sc: &StepCtx<'_>) -> Result<StepEnd> {
    let wf = sc.workflow();
    sc.planned(1);
    if wf.icp_data.as_ref().and_then(|v| serde_json::from_value::<Icp>(v.clone()).ok()).is_some() {
        sc.item_done("icp (already generated)");
        return Ok(StepEnd::Completed);
    }
    let description = sc.org.business_description.clone().unwrap_or_default();
    if description.trim().is_empty() && wf.description.as_deref().unwrap_or("").trim().is_empty() {
        return Err(Error::invalid("business_description", "the organization has no business description"));
    }
    let prompt = format!(
        "Business: {}\nWebsite: {}\nTarget audiences: {}\nCampaign: {}\n{}\n\nDescribe the ideal customer profile: customer segments, their pains, their goals, and the vocabulary they search with.",
        sc.org.name,
        sc.org.website_url.as_deref().unwrap_or("-"),
        sc.org.target_audiences.join(", "),
        wf.title,
        [description.as_str(), wf.description.as_deref().unwrap_or("")].join("\n"),
    );
    let request = CompletionRequest {
        task: "icp".into(),
        messages: vec![
            ChatMessage::system("You are a B2B marketing strategist. Answer in JSON matching the schema."),
            ChatMessage::user(prompt),
        ],
        temperature: Some(0.2),
        max_tokens: Some(1_200),
        response_format: ResponseFormat::JsonSchema { name: "icp".into(), schema: Icp::schema() },
    };
    let llm = sc.engine.providers.llm.clone();
    let spend = Spend {
        key: "icp".into(),
        units: vec![
            (UsageMetric::IcpGeneration, 1),
            (UsageMetric::LlmTokens, approx_tokens(&format!("{:?}", request.messages)) + 1_200),
        ],
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
    let icp: Icp = parse_answer(llm.model_name(), &completion)?;
    icp.check().map_err(|m| ProviderError::decode(llm.model_name(), m, &completion.content))?;
    let value = serde_json::to_value(&icp).map_err(|e| Error::invalid("icp", e.to_string()))?;
    sc.store()
        .update_workflow(
            &sc.ctx,
            wf.id,
            WorkflowUpdate { icp_data: Some(value), ..WorkflowUpdate::default() },
        )
        .await?;
    sc.item_done("icp");
    Ok(StepEnd::Completed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rejects_blank_parts() {
        let good = Icp {
            segments: vec![IcpSegment { name: "smb".into(), description: "small firms".into() }],
            pains: vec!["time".into()],
            goals: vec!["growth".into()],
            vocabulary: vec!["crm".into()],
        };
        assert!(good.check().is_ok());
        let mut bad = good.clone();
        bad.vocabulary = vec![" ".into()];
        assert!(bad.check().is_err());
        let mut bad = good;
        bad.segments.clear();
        assert!(bad.check().is_err());
    }
}
