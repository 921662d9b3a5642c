//! Keywords: the seed → longtail → subtopic hierarchy, normalization, filtering rules.

pub mod filter;
pub mod hierarchy;
pub mod model;
pub mod normalize;

pub use hierarchy::check_parent;
pub use model::{
    CompetitionLevel, FilterStatus, Keyword, KeywordMetrics, KeywordQuery, KeywordType, KeywordUpdate,
    NewKeyword, SearchIntent, StepStatus, UpsertedKeyword,
};
pub use normalize::{MAX_KEYWORD_CHARS, normalize_keyword};
