//! The store conformance suite: the single specification of store behaviour, held against every
//! backend (memory, SQLite, PostgreSQL).
//!
//! Each scenario is one `async fn` in [`scenarios`] taking a [`TestStore`]. The
//! [`conformance_suite!`](crate::conformance_suite) macro expands, in a backend's test crate, to a
//! module `conformance` with one named `#[tokio::test]` per scenario, so
//! `cargo test conformance` runs exactly the suite and a failure names its scenario.
//!
//! # Instantiating the suite for a backend
//!
//! In `tests/conformance.rs` of the backend crate (with `infin8-core = { features = ["testkit"] }`
//! and `tokio` as dev-dependencies):
//!
//! ```ignore
//! use std::sync::Arc;
//!
//! async fn fresh_store() -> infin8_core::testkit::TestStore {
//!     let dir = tempfile::tempdir().unwrap();
//!     let store = MySqliteStore::open(dir.path().join("db.sqlite")).await.unwrap();
//!     // The guard (here the temp dir) lives as long as the store.
//!     infin8_core::testkit::TestStore::new(Arc::new(store)).with_guard(dir)
//! }
//!
//! infin8_core::conformance_suite!(fresh_store);
//! ```
//!
//! Rules every scenario follows, so backends may share one database between tests:
//! - each scenario creates its own random organizations ([`fixtures::new_org`]) and never assumes
//!   an empty store;
//! - nothing sleeps: time-dependent behaviour (TTL, leases, rate-limit windows) is driven by the
//!   explicit `now` parameters;
//! - races are real: scenarios `tokio::spawn` concurrent calls on a multi-threaded runtime.
//!
//! # Conventions the suite pins down where the trait docs are silent
//!
//! - **Error precedence**: `Forbidden` and input checks that need no stored data (`Invalid`: empty
//!   title, bad keyword text, negative amounts or orders, bad cursor) come first; then lookups
//!   (`NotFound`); then checks against stored data (`Invalid` for hierarchy or line counts,
//!   `Conflict`, `LimitExceeded`). Within a batch, which item's error is reported is unspecified.
//!   Replays validate their input too: committing a committed reservation with the wrong number
//!   of amounts is `Invalid`, not the recorded reservation.
//! - Ids are unique per store: a caller-chosen id (workflow, audit entry, reservation) taken by
//!   another organization is `Conflict(AlreadyExists)`, whatever the request.
//! - Organization names are unique per store (`Conflict(AlreadyExists)`); a new organization is
//!   `trialing` and `not_started`.
//! - A whitespace-only workflow title or organization name is empty (`Invalid`).
//! - `list_usage` is ordered by [`UsageMetric`](crate::ledger::UsageMetric)'s declaration order
//!   (its `Ord`), not by wire name.
//! - Times: a research entry is fresh while `expires_at > now`; a publish claim is unexpired while
//!   `claim_expires_at > now`; `published_at` is the `now` passed to `mark_published`.
//! - A publish reference keeps `last_error` through a re-claim and clears it when published.
//! - A re-decided approval keeps its id and `created_at` and takes the new actor as `decided_by`.
//! - A `reason` on a transition that does not enter `*_FAILED` is recorded on the transition only;
//!   `last_error` is cleared.
//! - Cursors are the last row's id; a page of exactly `limit` rows may or may not carry a next
//!   cursor (the following page is then empty).
//! - Values a store returns equal what it later reads back (backends with coarser timestamps
//!   truncate before returning).
//!
//! The macro also emits `conformance::scenario_list_is_complete`, which fails if a scenario
//! function exists that the list (and hence the generated tests) does not name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

pub mod differential;
pub mod fixtures;
pub mod scenarios;

use crate::store::Store;
use std::any::Any;
use std::sync::Arc;

/// A store under test, with whatever must outlive it (a temp dir, a database handle).
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Dropped after `store` (fields drop in declaration order).
    guard: Option<Box<dyn Any + Send + Sync>>,
}

impl TestStore {
    /// Wraps a store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, guard: None }
    }

    /// Keeps `guard` (a temp dir, a database handle dropped at the end) alive as long as the store.
    #[must_use]
    pub fn with_guard(mut self, guard: impl Any + Send + Sync) -> Self {
        self.guard = Some(Box::new(guard));
        self
    }
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestStore")
            .field("backend", &self.store.backend_name())
            .field("guarded", &self.guard.is_some())
            .finish()
    }
}

/// The list of every scenario, written once. `__scenario_list!(@tests $factory)` generates the
/// tests; `__scenario_list!(@names)` gives the names.
#[doc(hidden)]
#[macro_export]
macro_rules! __scenario_list {
    (@names) => { $crate::__scenario_list!(@list __names ()) };
    (@tests $factory:path) => { $crate::__scenario_list! { @list __tests ($factory) } };
    (@list $mode:ident ($($arg:tt)*)) => {
        $crate::__scenario_list! { @$mode ($($arg)*)
            approvals_record_and_replace,
            approvals_are_all_or_nothing,
            articles_create_is_idempotent,
            articles_concurrent_create_one_row,
            articles_update,
            articles_error_set_kept_and_cleared,
            sections_upsert_by_order_keeps_id,
            audit_append_and_list_oldest_first,
            audit_duplicate_id_conflicts_and_keeps_original,
            clusters_replace_and_list_order,
            clusters_reject_invalid_spokes,
            validations_replace_list_and_drop_with_clusters,
            isolation_organizations_members_competitors,
            isolation_workflows,
            isolation_keywords,
            isolation_clusters,
            isolation_approvals,
            isolation_articles_and_sections,
            isolation_publish,
            isolation_research_cache,
            isolation_usage,
            isolation_rate_limits,
            isolation_audit,
            keywords_upsert_get_list_update,
            keywords_dedupe_normalized_variants,
            keywords_concurrent_upserts_create_once,
            keywords_hierarchy_violations_write_nothing,
            keywords_bad_text_is_invalid,
            keywords_update_is_all_or_nothing,
            organization_create_get_and_duplicates,
            organization_profile_update,
            members_upsert_and_list,
            competitors_normalize_and_dedupe,
            competitor_update,
            pagination_workflows_every_row_once,
            pagination_keywords_with_filters,
            pagination_audit_every_entry_once,
            pagination_malformed_cursor_is_invalid,
            permissions_viewer_cannot_approve,
            permissions_member_cannot_change_settings,
            permissions_viewer_writes_nothing,
            permissions_member_runs_pipeline_admin_changes_settings,
            publish_claim_then_mark_published,
            publish_claim_race_one_winner,
            publish_expired_claim_is_reclaimed,
            publish_failed_is_claimable_again,
            publish_keys_are_shared_not_unique,
            workflow_concurrent_replays_apply_once,
            creation_races_on_one_id,
            workflow_cancel_from_non_terminal_states,
            usage_commit_release_race,
            natural_key_races_leave_one_row,
            rate_limit_fixed_window_race,
            rate_limit_sliding_window,
            rate_limit_rejects_bad_config,
            research_cache_ttl,
            research_cache_normalized_query,
            research_cache_purge_only_expired_own,
            workflow_full_legal_path_to_completed,
            workflow_illegal_transition_conflicts,
            workflow_stale_transition_conflicts,
            workflow_failed_sets_and_clears_last_error,
            workflow_lease_reclaim_replaces_owner,
            workflow_lease_follows_the_worker,
            claim_race_one_winner_each,
            claim_lease_expiry_takeover,
            lease_renew_and_release,
            claim_skips_gates_terminal_and_permanent_failures,
            claim_honours_due_time,
            claim_is_fair_across_organizations,
            failure_kinds_round_trip,
            progress_feed_reaches_the_organization_only,
            workflow_transition_cas_race,
            workflow_transition_replay_is_idempotent,
            workflow_idempotency_key_reuse_conflicts,
            usage_reserve_commit_release,
            usage_reservation_race_respects_limit,
            usage_reserve_is_idempotent_by_id,
            usage_state_conflicts,
            usage_multi_line_all_or_nothing,
            usage_period_rollover,
            usage_replay_is_recorded,
            workflow_creation_charges_atomically,
            workflow_creation_charge_race_respects_limit,
            reaper_settles_dangling_reservations,
            workflow_create_get_list_update,
            workflow_create_rejects_bad_input,
            workflow_list_filters_by_state,
        }
    };
    (@__names () $($name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
    (@__tests ($factory:path) $($name:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $crate::testkit::scenarios::$name($factory().await).await;
            }
        )*
    };
}

/// Every scenario's name, in suite order.
pub const SCENARIOS: &[&str] = __scenario_list!(@names);

/// Instantiates the conformance suite for a backend: expands to `mod conformance { … }` with one
/// `#[tokio::test]` per scenario, each calling `$factory().await` for its store.
///
/// The factory is an `async fn() -> TestStore`. The calling crate needs `tokio` (features
/// `macros`, `rt-multi-thread`) as a dev-dependency. See the [module docs](crate::testkit).
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;

            $crate::__scenario_list! { @tests $factory }

            /// Fails if a scenario function exists that the suite does not run.
            #[test]
            fn scenario_list_is_complete() {
                $crate::testkit::check_scenario_list();
            }
        }
    };
}

/// The names of every `pub async fn` in the scenario sources (`src/testkit/scenarios/*.rs`),
/// read from the core crate's source directory.
///
/// # Panics
/// If the source directory cannot be read.
#[must_use]
pub fn scenario_functions() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testkit/scenarios");
    let mut names = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub async fn ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                names.push(name);
            }
        }
    }
    names
}

/// Asserts that [`SCENARIOS`] names exactly the scenario functions, each once.
///
/// # Panics
/// When a scenario is missing from the list, listed twice, or listed without a function.
pub fn check_scenario_list() {
    let mut listed: Vec<String> = SCENARIOS.iter().map(|s| (*s).to_string()).collect();
    let before = listed.len();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), before, "a scenario is listed twice");
    let mut found = scenario_functions();
    found.sort();
    let missing: Vec<_> = found.iter().filter(|f| !listed.contains(f)).collect();
    let extra: Vec<_> = listed.iter().filter(|l| !found.contains(l)).collect();
    assert!(missing.is_empty(), "scenario functions not in the suite list: {missing:?}");
    assert!(extra.is_empty(), "listed scenarios without a function: {extra:?}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn conformance_scenario_list_is_complete() {
        super::check_scenario_list();
        assert!(super::SCENARIOS.len() >= 12);
    }
}
