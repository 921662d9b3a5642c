//! The keyword hierarchy rule: seed → longtail → subtopic, within one workflow.

use super::model::KeywordType;
use crate::error::InvalidInput;
use crate::ids::WorkflowId;

/// Checks that a keyword of type `child` may have the given parent.
///
/// `parent` is `None` for no parent, or `(parent's type, parent's workflow)`. A seed has no
/// parent; a longtail's parent is a seed; a subtopic's parent is a longtail; the parent is in the
/// same workflow (stores check the same organization by looking the parent up in the caller's
/// tenant only).
///
/// # Errors
/// [`InvalidInput`] (field `parent_id`) saying which rule is broken.
pub fn check_parent(
    child: KeywordType,
    workflow: WorkflowId,
    parent: Option<(KeywordType, WorkflowId)>,
) -> Result<(), InvalidInput> {
    let expected = match child {
        KeywordType::Seed => None,
        KeywordType::Longtail => Some(KeywordType::Seed),
        KeywordType::Subtopic => Some(KeywordType::Longtail),
    };
    match (expected, parent) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(InvalidInput::new("parent_id", "a seed keyword has no parent")),
        (Some(want), None) => {
            Err(InvalidInput::new("parent_id", format!("a {child} keyword needs a {want} parent")))
        }
        (Some(want), Some((got, parent_wf))) => {
            if parent_wf != workflow {
                Err(InvalidInput::new("parent_id", "parent belongs to another workflow"))
            } else if got != want {
                Err(InvalidInput::new(
                    "parent_id",
                    format!("a {child} keyword's parent must be a {want}, not a {got}"),
                ))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeywordType::*;

    #[test]
    fn the_rules() {
        let wf = WorkflowId::new();
        let other = WorkflowId::new();
        assert!(check_parent(Seed, wf, None).is_ok());
        assert!(check_parent(Seed, wf, Some((Seed, wf))).is_err());
        assert!(check_parent(Longtail, wf, Some((Seed, wf))).is_ok());
        assert!(check_parent(Longtail, wf, None).is_err());
        assert!(check_parent(Longtail, wf, Some((Longtail, wf))).is_err());
        assert!(check_parent(Longtail, wf, Some((Seed, other))).is_err());
        assert!(check_parent(Subtopic, wf, Some((Longtail, wf))).is_ok());
        assert!(check_parent(Subtopic, wf, Some((Seed, wf))).is_err());
    }

    #[test]
    fn total_over_all_combinations() {
        let wf = WorkflowId::new();
        let mut ok = 0;
        for child in KeywordType::ALL {
            for parent in KeywordType::ALL {
                if check_parent(*child, wf, Some((*parent, wf))).is_ok() {
                    ok += 1;
                }
            }
        }
        assert_eq!(ok, 2);
    }
}
