//! Articles and their sections: the model, planning, rendering and metrics rules.

pub mod assemble;
pub mod guard;
pub mod intent;
pub mod links;
pub mod metrics;
pub mod model;
pub mod plan;
pub mod render;
pub mod score;
pub mod slug;

pub use metrics::{WORDS_PER_MINUTE, reading_time_minutes, word_count};
pub use model::{
    Article, ArticleSection, ArticleStatus, ArticleUpdate, NewArticle, NewSection, SectionStatus, Source,
};
pub use plan::{Outline, PlannedSection};
pub use score::{Score, quality_score, seo_score};
pub use slug::slugify;
