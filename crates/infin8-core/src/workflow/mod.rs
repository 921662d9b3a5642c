//! Workflows: the state machine, the workflow record and its transitions.

pub mod machine;
pub mod model;
pub mod state;
pub mod transition;

pub use machine::{IllegalTransition, TransitionKind, check_transition, legal_transitions};
pub use model::{
    Lease, NewWorkflow, Workflow, WorkflowCounts, WorkflowQuery, WorkflowSettings, WorkflowUpdate,
};
pub use state::{Phase, Step, WorkflowState};
pub use transition::{Transition, TransitionOutcome, TransitionRequest};
