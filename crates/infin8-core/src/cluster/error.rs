//! The error of the clustering functions.

use crate::ids::KeywordId;

/// Why a clustering call refused its input. Every input error names the keyword at fault, so a
/// caller can fix or drop that one keyword and retry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// An embedding's length differs from the first item's.
    #[error("keyword {keyword}: embedding has {actual} dimensions, expected {expected}")]
    WrongDimension {
        /// The keyword.
        keyword: KeywordId,
        /// The dimension of the first item.
        expected: usize,
        /// This item's dimension.
        actual: usize,
    },
    /// An embedding holds a NaN or an infinity.
    #[error("keyword {keyword}: embedding component {index} is not finite")]
    NonFinite {
        /// The keyword.
        keyword: KeywordId,
        /// The first offending component.
        index: usize,
    },
    /// An embedding is all zeros (or empty): it has no direction, so no cosine.
    #[error("keyword {keyword}: embedding has zero norm")]
    ZeroNorm {
        /// The keyword.
        keyword: KeywordId,
    },
    /// The same keyword appears twice in the input.
    #[error("keyword {keyword} appears more than once")]
    DuplicateKeyword {
        /// The keyword.
        keyword: KeywordId,
    },
    /// A configuration value is out of range.
    #[error("invalid clustering config {field}: {reason}")]
    InvalidConfig {
        /// The field (`"threshold"`).
        field: &'static str,
        /// Why, lower-case.
        reason: String,
    },
}

impl ClusterError {
    /// An invalid-config error.
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig { field, reason: reason.into() }
    }
}
