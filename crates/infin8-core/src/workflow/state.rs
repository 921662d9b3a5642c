//! Workflow states, steps and phases, with their wire names.

use crate::wire::ParseEnumError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The ten steps of a workflow, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 1. The language model turns the business description into an ideal customer profile.
    Icp,
    /// 2. Keywords competitor domains rank for become seed keywords.
    Competitors,
    /// 3. Human gate: a member approves or rejects seed keywords.
    SeedReview,
    /// 4. Approved seeds are expanded into longtail keywords.
    Longtails,
    /// 5. Rules approve or reject keywords.
    Filtering,
    /// 6. Embeddings → hub-and-spoke topic clusters.
    Clustering,
    /// 7. Rules mark clusters valid or invalid.
    Validation,
    /// 8. The language model proposes subtopics (optional human gate).
    Subtopics,
    /// 9. Research-grounded articles, section by section.
    Articles,
    /// 10. Publishing.
    Publish,
}

impl Step {
    /// All steps in order.
    pub const ALL: [Step; 10] = [
        Step::Icp,
        Step::Competitors,
        Step::SeedReview,
        Step::Longtails,
        Step::Filtering,
        Step::Clustering,
        Step::Validation,
        Step::Subtopics,
        Step::Articles,
        Step::Publish,
    ];

    /// The step's number, 1..=10.
    #[must_use]
    pub const fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The next step, if any.
    #[must_use]
    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.number() as usize).copied()
    }

    /// Whether the step is a human gate (waits in `Pending` until approvals are recorded, and has
    /// no `Processing`/`Failed` phase).
    #[must_use]
    pub const fn is_gate(self) -> bool {
        matches!(self, Step::SeedReview)
    }

    /// The wire prefix (`"SEED_REVIEW"`).
    #[must_use]
    pub const fn wire_prefix(self) -> &'static str {
        match self {
            Step::Icp => "ICP",
            Step::Competitors => "COMPETITOR",
            Step::SeedReview => "SEED_REVIEW",
            Step::Longtails => "LONGTAIL",
            Step::Filtering => "FILTERING",
            Step::Clustering => "CLUSTERING",
            Step::Validation => "VALIDATION",
            Step::Subtopics => "SUBTOPIC",
            Step::Articles => "ARTICLE",
            Step::Publish => "PUBLISH",
        }
    }

    /// A short human name (`"seed review"`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Step::Icp => "icp",
            Step::Competitors => "competitors",
            Step::SeedReview => "seed review",
            Step::Longtails => "longtails",
            Step::Filtering => "filtering",
            Step::Clustering => "clustering",
            Step::Validation => "validation",
            Step::Subtopics => "subtopics",
            Step::Articles => "articles",
            Step::Publish => "publish",
        }
    }
}

/// The phase of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Ready to run (or, for a gate, waiting for approvals).
    Pending,
    /// Claimed by a worker and running.
    Processing,
    /// Produced its output and waits for human review (subtopics only, when configured).
    AwaitingReview,
    /// Done.
    Completed,
    /// Failed; may be retried.
    Failed,
}

impl Phase {
    /// The wire suffix (`"PENDING"`).
    #[must_use]
    pub const fn wire_suffix(self) -> &'static str {
        match self {
            Phase::Pending => "PENDING",
            Phase::Processing => "PROCESSING",
            Phase::AwaitingReview => "AWAITING_REVIEW",
            Phase::Completed => "COMPLETED",
            Phase::Failed => "FAILED",
        }
    }
}

/// The state of a workflow: `CREATED`, one `(step, phase)`, `COMPLETED` or `CANCELLED`.
///
/// Wire names: `CREATED`, `ICP_PENDING`, `SEED_REVIEW_COMPLETED`, `SUBTOPIC_AWAITING_REVIEW`,
/// `PUBLISH_FAILED`, …, `COMPLETED`, `CANCELLED`. Only the combinations listed by
/// [`WorkflowState::all`] exist; parsing anything else fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkflowState {
    /// Created, nothing run yet.
    Created,
    /// A step in a phase.
    At(Step, Phase),
    /// All ten steps completed. Terminal.
    Completed,
    /// Cancelled. Terminal.
    Cancelled,
}

impl WorkflowState {
    /// Whether `(step, phase)` is a state that exists: gates have only `Pending`/`Completed`;
    /// `AwaitingReview` exists only for [`Step::Subtopics`].
    #[must_use]
    pub const fn exists(step: Step, phase: Phase) -> bool {
        match phase {
            Phase::Pending | Phase::Completed => true,
            Phase::Processing | Phase::Failed => !step.is_gate(),
            Phase::AwaitingReview => matches!(step, Step::Subtopics),
        }
    }

    /// Every state, in order.
    #[must_use]
    pub fn all() -> Vec<WorkflowState> {
        let phases =
            [Phase::Pending, Phase::Processing, Phase::AwaitingReview, Phase::Completed, Phase::Failed];
        let mut all = vec![WorkflowState::Created];
        for step in Step::ALL {
            for phase in phases {
                if Self::exists(step, phase) {
                    all.push(WorkflowState::At(step, phase));
                }
            }
        }
        all.push(WorkflowState::Completed);
        all.push(WorkflowState::Cancelled);
        all
    }

    /// Whether the state is terminal (`COMPLETED`, `CANCELLED`): nothing leaves it.
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }

    /// The step, if the state is at one.
    #[must_use]
    pub const fn step(self) -> Option<Step> {
        match self {
            Self::At(step, _) => Some(step),
            _ => None,
        }
    }

    /// The phase, if the state is at a step.
    #[must_use]
    pub const fn phase(self) -> Option<Phase> {
        match self {
            Self::At(_, phase) => Some(phase),
            _ => None,
        }
    }

    /// The current step, 1..=10, derived from the state: `CREATED` is about to run step 1,
    /// `COMPLETED` finished step 10. `None` for `CANCELLED`.
    #[must_use]
    pub const fn current_step(self) -> Option<u8> {
        match self {
            Self::Created => Some(1),
            Self::At(step, _) => Some(step.number()),
            Self::Completed => Some(10),
            Self::Cancelled => None,
        }
    }

    /// How many of the ten steps are completed.
    #[must_use]
    pub const fn steps_completed(self) -> u8 {
        match self {
            Self::Created | Self::Cancelled => 0,
            Self::At(step, Phase::Completed) => step.number(),
            Self::At(step, _) => step.number() - 1,
            Self::Completed => 10,
        }
    }

    /// Completion in percent (completed steps × 10). `CANCELLED` reports 0; hosts that want the
    /// progress at cancellation read the transition history.
    #[must_use]
    pub const fn completion_percentage(self) -> u8 {
        self.steps_completed() * 10
    }

    /// Whether a worker is inside a step (`*_PROCESSING`).
    #[must_use]
    pub const fn is_processing(self) -> bool {
        matches!(self, Self::At(_, Phase::Processing))
    }

    /// Whether the workflow waits for people here: the seed review gate before its decisions are
    /// recorded, or subtopics awaiting review. Workers never claim such a workflow.
    #[must_use]
    pub const fn awaits_people(self) -> bool {
        matches!(
            self,
            Self::At(Step::SeedReview, Phase::Pending) | Self::At(Step::Subtopics, Phase::AwaitingReview)
        )
    }

    /// Whether a worker holds a lease while the workflow is in this state: every state a worker
    /// moves through by itself (not terminal, not failed, not waiting for people). A transition
    /// into any other state clears the lease.
    #[must_use]
    pub const fn holds_lease(self) -> bool {
        !self.is_terminal() && !self.awaits_people() && !matches!(self, Self::At(_, Phase::Failed))
    }

    /// The states a worker may claim without looking further (those that
    /// [`hold a lease`](Self::holds_lease)); a `*_FAILED` state is claimable only when its
    /// failure is temporary and due (see [`ClaimRequest`](super::ClaimRequest)).
    #[must_use]
    pub fn runnable() -> Vec<WorkflowState> {
        Self::all().into_iter().filter(|s| s.holds_lease()).collect()
    }

    /// Every `*_FAILED` state.
    #[must_use]
    pub fn failed() -> Vec<WorkflowState> {
        Self::all().into_iter().filter(|s| matches!(s, Self::At(_, Phase::Failed))).collect()
    }

    /// The wire name (`"SEED_REVIEW_PENDING"`).
    #[must_use]
    pub fn as_wire(self) -> String {
        match self {
            Self::Created => "CREATED".to_string(),
            Self::Completed => "COMPLETED".to_string(),
            Self::Cancelled => "CANCELLED".to_string(),
            Self::At(step, phase) => format!("{}_{}", step.wire_prefix(), phase.wire_suffix()),
        }
    }
}

impl fmt::Display for WorkflowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_wire())
    }
}

impl FromStr for WorkflowState {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "CREATED" => return Ok(Self::Created),
            "COMPLETED" => return Ok(Self::Completed),
            "CANCELLED" => return Ok(Self::Cancelled),
            _ => {}
        }
        let phases =
            [Phase::AwaitingReview, Phase::Processing, Phase::Completed, Phase::Pending, Phase::Failed];
        for phase in phases {
            if let Some(prefix) = s.strip_suffix(phase.wire_suffix()).and_then(|p| p.strip_suffix('_'))
                && let Some(step) = Step::ALL.into_iter().find(|st| st.wire_prefix() == prefix)
                && Self::exists(step, phase)
            {
                return Ok(Self::At(step, phase));
            }
        }
        Err(ParseEnumError::new("workflow state", s))
    }
}

impl Serialize for WorkflowState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_wire())
    }
}

impl<'de> Deserialize<'de> for WorkflowState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_unique() {
        let all = WorkflowState::all();
        assert_eq!(all.len(), 1 + 9 * 4 + 2 + 1 + 2);
        let mut names: Vec<String> = all.iter().map(|s| s.as_wire()).collect();
        for (state, name) in all.iter().zip(&names) {
            assert_eq!(name.parse::<WorkflowState>().unwrap(), *state);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
    }

    #[test]
    fn seed_wire_names() {
        assert_eq!(WorkflowState::At(Step::Icp, Phase::Pending).to_string(), "ICP_PENDING");
        assert_eq!(
            WorkflowState::At(Step::SeedReview, Phase::Completed).to_string(),
            "SEED_REVIEW_COMPLETED"
        );
        assert_eq!(WorkflowState::At(Step::Publish, Phase::Failed).to_string(), "PUBLISH_FAILED");
        assert_eq!(WorkflowState::At(Step::Longtails, Phase::Processing).to_string(), "LONGTAIL_PROCESSING");
    }

    #[test]
    fn rejects_states_that_do_not_exist() {
        for bad in [
            "SEED_REVIEW_PROCESSING",
            "SEED_REVIEW_FAILED",
            "ICP_AWAITING_REVIEW",
            "icp_pending",
            "",
            "ICP",
            "_PENDING",
        ] {
            assert!(bad.parse::<WorkflowState>().is_err(), "{bad}");
        }
    }

    #[test]
    fn derived_progress() {
        assert_eq!(WorkflowState::Created.current_step(), Some(1));
        assert_eq!(WorkflowState::At(Step::Clustering, Phase::Processing).current_step(), Some(6));
        assert_eq!(WorkflowState::At(Step::Clustering, Phase::Processing).completion_percentage(), 50);
        assert_eq!(WorkflowState::At(Step::Clustering, Phase::Completed).completion_percentage(), 60);
        assert_eq!(WorkflowState::Completed.completion_percentage(), 100);
        assert_eq!(WorkflowState::Cancelled.current_step(), None);
    }
}
