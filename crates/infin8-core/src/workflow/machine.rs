//! The legal transition table: data in one place, and the check every store runs before a
//! compare-and-set.

use super::state::{Phase, Step, WorkflowState};
use crate::error::{ConflictReason, Entity, Error};
use crate::ids::WorkflowId;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// What a transition means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// `CREATED → ICP_PENDING`.
    Start,
    /// `X_PENDING → X_PROCESSING`: a worker claims the step.
    Claim,
    /// `X_PROCESSING → X_PROCESSING`: a worker takes over a step whose previous worker's lease
    /// expired (the version bump makes it a compare-and-set like any other).
    Reclaim,
    /// `X_PROCESSING → X_COMPLETED`.
    Complete,
    /// `SUBTOPIC_PROCESSING → SUBTOPIC_AWAITING_REVIEW`: output ready for human review.
    AwaitReview,
    /// `SEED_REVIEW_PENDING → SEED_REVIEW_COMPLETED`, `SUBTOPIC_AWAITING_REVIEW →
    /// SUBTOPIC_COMPLETED`: a human gate passed.
    Approve,
    /// `X_PROCESSING → X_FAILED`.
    Fail,
    /// `X_FAILED → X_PENDING`.
    Retry,
    /// `X_COMPLETED → NEXT_PENDING`.
    Advance,
    /// `PUBLISH_COMPLETED → COMPLETED`.
    Finish,
    /// Any non-terminal state `→ CANCELLED`.
    Cancel,
}

/// The table, built once from the rules below. Each entry is `(from, to, kind)`.
fn table() -> &'static [(WorkflowState, WorkflowState, TransitionKind)] {
    static TABLE: OnceLock<Vec<(WorkflowState, WorkflowState, TransitionKind)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        use Phase::*;
        use TransitionKind as K;
        use WorkflowState::At;
        let mut t = vec![(WorkflowState::Created, At(Step::Icp, Pending), K::Start)];
        for step in Step::ALL {
            if step.is_gate() {
                t.push((At(step, Pending), At(step, Completed), K::Approve));
            } else {
                t.push((At(step, Pending), At(step, Processing), K::Claim));
                t.push((At(step, Processing), At(step, Processing), K::Reclaim));
                t.push((At(step, Processing), At(step, Completed), K::Complete));
                t.push((At(step, Processing), At(step, Failed), K::Fail));
                t.push((At(step, Failed), At(step, Pending), K::Retry));
            }
            if WorkflowState::exists(step, AwaitingReview) {
                t.push((At(step, Processing), At(step, AwaitingReview), K::AwaitReview));
                t.push((At(step, AwaitingReview), At(step, Completed), K::Approve));
            }
            match step.next() {
                Some(next) => t.push((At(step, Completed), At(next, Pending), K::Advance)),
                None => t.push((At(step, Completed), WorkflowState::Completed, K::Finish)),
            }
        }
        for state in WorkflowState::all() {
            if !state.is_terminal() {
                t.push((state, WorkflowState::Cancelled, K::Cancel));
            }
        }
        t
    })
}

/// Every legal transition out of `from`, as `(to, kind)`.
#[must_use]
pub fn legal_transitions(from: WorkflowState) -> Vec<(WorkflowState, TransitionKind)> {
    table().iter().filter(|(f, _, _)| *f == from).map(|(_, to, k)| (*to, *k)).collect()
}

/// Why a transition is not allowed: the table has no edge `from → to`. The pure answer of
/// [`check_transition`], with no workflow attached; [`conflict`](Self::conflict) (or
/// [`TransitionRequest::check`](super::TransitionRequest::check)) turns it into the store error
/// for a given workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("illegal transition {from} -> {to}")]
pub struct IllegalTransition {
    /// The state the transition starts from.
    pub from: WorkflowState,
    /// The state it asked for.
    pub to: WorkflowState,
}

impl IllegalTransition {
    /// The store error for this edge on `workflow`: [`Error::Conflict`] on the workflow with
    /// [`ConflictReason::IllegalTransition`].
    #[must_use]
    pub fn conflict(self, workflow: WorkflowId) -> Error {
        Error::conflict(
            Entity::Workflow,
            workflow,
            ConflictReason::IllegalTransition { from: self.from, to: self.to },
        )
    }
}

/// The kind of `from → to` if it is legal.
///
/// # Errors
/// [`IllegalTransition`] if the table has no such edge.
pub fn check_transition(from: WorkflowState, to: WorkflowState) -> Result<TransitionKind, IllegalTransition> {
    table()
        .iter()
        .find(|(f, t, _)| *f == from && *t == to)
        .map(|(_, _, k)| *k)
        .ok_or(IllegalTransition { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashSet, VecDeque};

    #[test]
    fn terminal_states_are_final() {
        assert!(legal_transitions(WorkflowState::Completed).is_empty());
        assert!(legal_transitions(WorkflowState::Cancelled).is_empty());
    }

    #[test]
    fn every_state_reachable_from_created() {
        let mut seen = HashSet::from([WorkflowState::Created]);
        let mut queue = VecDeque::from([WorkflowState::Created]);
        while let Some(s) = queue.pop_front() {
            for (to, _) in legal_transitions(s) {
                if seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
        for s in WorkflowState::all() {
            assert!(seen.contains(&s), "{s} unreachable");
        }
    }

    #[test]
    fn table_only_names_existing_states() {
        let all: HashSet<_> = WorkflowState::all().into_iter().collect();
        for (f, t, _) in table() {
            assert!(all.contains(f) && all.contains(t), "{f} -> {t}");
        }
    }

    #[test]
    fn gates_cannot_be_processed_or_skipped() {
        let gate = WorkflowState::At(Step::SeedReview, Phase::Pending);
        assert_eq!(
            legal_transitions(gate).into_iter().map(|(t, _)| t).collect::<Vec<_>>(),
            vec![WorkflowState::At(Step::SeedReview, Phase::Completed), WorkflowState::Cancelled]
        );
        assert!(
            check_transition(
                WorkflowState::At(Step::Competitors, Phase::Completed),
                WorkflowState::At(Step::Longtails, Phase::Pending)
            )
            .is_err()
        );
    }

    #[test]
    fn illegal_transition_is_a_typed_conflict() {
        let err = check_transition(WorkflowState::Created, WorkflowState::Completed).unwrap_err();
        assert_eq!(err, IllegalTransition { from: WorkflowState::Created, to: WorkflowState::Completed });
        let id = WorkflowId::new();
        match err.conflict(id) {
            Error::Conflict { entity: Entity::Workflow, id: named, reason } => {
                assert_eq!(named, id.to_string());
                assert_eq!(
                    reason,
                    ConflictReason::IllegalTransition {
                        from: WorkflowState::Created,
                        to: WorkflowState::Completed
                    }
                );
            }
            other => panic!("expected a conflict naming the workflow, got {other:?}"),
        }
    }

    fn any_state() -> impl Strategy<Value = WorkflowState> {
        let all = WorkflowState::all();
        (0..all.len()).prop_map(move |i| all[i])
    }

    proptest! {
        /// Applying arbitrary requested transitions (legal ones take effect, illegal ones are
        /// refused) never leaves the table's states, and the step never moves backwards except
        /// through cancel.
        #[test]
        fn requested_sequences_stay_in_the_table(requests in prop::collection::vec(any_state(), 0..200)) {
            let all: HashSet<_> = WorkflowState::all().into_iter().collect();
            let mut state = WorkflowState::Created;
            for to in requests {
                let before = state;
                if check_transition(state, to).is_ok() {
                    state = to;
                }
                prop_assert!(all.contains(&state));
                if state != WorkflowState::Cancelled {
                    prop_assert!(state.steps_completed() >= before.steps_completed());
                }
            }
        }

        /// Any path that reaches COMPLETED has passed every step's COMPLETED phase, in order.
        #[test]
        fn completed_only_through_every_step(choices in prop::collection::vec(0usize..8, 0..400)) {
            let mut state = WorkflowState::Created;
            let mut completed_steps = Vec::new();
            for c in choices {
                let options = legal_transitions(state);
                if options.is_empty() { break; }
                let (to, _) = options[c % options.len()];
                if let WorkflowState::At(step, Phase::Completed) = to
                    && completed_steps.last() != Some(&step)
                {
                    completed_steps.push(step);
                }
                state = to;
            }
            if state == WorkflowState::Completed {
                prop_assert_eq!(completed_steps, Step::ALL.to_vec());
            }
        }
    }

    #[test]
    fn happy_path_reaches_completed() {
        let mut state = WorkflowState::Created;
        let mut steps = 0;
        while state != WorkflowState::Completed {
            let next = legal_transitions(state)
                .into_iter()
                .find(|(_, k)| {
                    matches!(
                        k,
                        TransitionKind::Start
                            | TransitionKind::Claim
                            | TransitionKind::Complete
                            | TransitionKind::Approve
                            | TransitionKind::Advance
                            | TransitionKind::Finish
                    )
                })
                .map(|(t, _)| t)
                .unwrap();
            state = next;
            steps += 1;
            assert!(steps < 100);
        }
        assert_eq!(state.completion_percentage(), 100);
    }
}
