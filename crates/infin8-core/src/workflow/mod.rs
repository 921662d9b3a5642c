//! Workflows: the state machine, the workflow record and its transitions.

pub mod claim;
pub mod failure;
pub mod machine;
pub mod model;
pub mod state;
pub mod transition;

pub use claim::{ClaimCandidate, ClaimRequest, ClaimedWorkflow, MAX_CLAIM};
pub use failure::{Failure, FailureKind, RetryPolicy, jitter};
pub use machine::{IllegalTransition, TransitionKind, check_transition, legal_transitions};
pub use model::{
    Lease, NewWorkflow, Workflow, WorkflowCounts, WorkflowQuery, WorkflowSettings, WorkflowUpdate,
};
pub use state::{Phase, Step, WorkflowState};
pub use transition::{AttemptsChange, Transition, TransitionEffects, TransitionOutcome, TransitionRequest};
