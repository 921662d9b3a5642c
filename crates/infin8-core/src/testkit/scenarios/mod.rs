//! The scenarios: one `pub async fn` per behaviour, each taking a fresh [`TestStore`].
//!
//! Every `pub async fn` in this directory is a scenario and must be named in the suite list
//! (checked by [`check_scenario_list`](super::check_scenario_list)).
//!
//! [`TestStore`]: super::TestStore

mod approval;
mod article;
mod audit;
mod cluster;
mod isolation;
mod isolation_pipeline;
mod keyword;
mod ledger_truth;
mod organization;
mod pagination;
mod permission;
mod permission_writes;
mod publish;
mod race;
mod race_rows;
mod rate_limit;
mod research;
mod runner;
mod transition;
mod usage;
mod workflow;

pub use approval::*;
pub use article::*;
pub use audit::*;
pub use cluster::*;
pub use isolation::*;
pub use isolation_pipeline::*;
pub use keyword::*;
pub use ledger_truth::*;
pub use organization::*;
pub use pagination::*;
pub use permission::*;
pub use permission_writes::*;
pub use publish::*;
pub use race::*;
pub use race_rows::*;
pub use rate_limit::*;
pub use research::*;
pub use runner::*;
pub use transition::*;
pub use usage::*;
pub use workflow::*;
