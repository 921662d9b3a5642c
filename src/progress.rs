//! Showing a run's progress: a bar per step on a terminal, plain lines otherwise (logs, CI,
//! pipes); and the cost of each step, collected from the engine's events.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use infin8_core::Usd;
use infin8_core::engine::{ProgressEvent, ProgressSink};
use infin8_core::ledger::UsageMetric;
use infin8_core::workflow::Step;
use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A [`ProgressSink`] for a command-line run.
pub struct TerminalProgress {
    bars: Option<MultiProgress>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    bars: HashMap<Step, ProgressBar>,
    planned: HashMap<Step, u64>,
    done: HashMap<Step, u64>,
    cost: BTreeMap<u8, (Step, i64)>,
}

impl TerminalProgress {
    /// Bars when standard error is a terminal, plain lines on standard error otherwise.
    #[must_use]
    pub fn new() -> Self {
        Self::with_bars(std::io::stderr().is_terminal())
    }

    /// Bars (`true`) or plain lines (`false`).
    #[must_use]
    pub fn with_bars(bars: bool) -> Self {
        let bars = bars.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self { bars, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What this run spent per step, in step order (only calls made during this run: a resumed
    /// step's earlier calls are not repeated, so not counted again).
    #[must_use]
    pub fn cost_by_step(&self) -> Vec<(Step, Usd)> {
        self.state().cost.values().map(|(s, m)| (*s, Usd::from_micros(*m))).collect()
    }

    /// Leaves unfinished bars where they are (before printing anything else).
    pub fn clear(&self) {
        for bar in self.state().bars.values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }

    fn bar(&self, state: &mut State, step: Step) -> Option<ProgressBar> {
        let multi = self.bars.as_ref()?;
        Some(
            state
                .bars
                .entry(step)
                .or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(0));
                    if let Ok(style) =
                        ProgressStyle::with_template("{prefix:>18} [{bar:30}] {pos:>3}/{len:<3} {wide_msg}")
                    {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar.set_prefix(format!("{:>2}. {}", step.number(), step.label()));
                    bar
                })
                .clone(),
        )
    }

    fn line(step: Step, text: &str) {
        eprintln!("[{:>2}. {}] {text}", step.number(), step.label());
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressSink for TerminalProgress {
    fn event(&self, event: &ProgressEvent) {
        let mut state = self.state();
        match event {
            ProgressEvent::StepStarted { step, .. } => match self.bar(&mut state, *step) {
                Some(bar) => bar.set_message("running"),
                None => Self::line(*step, "started"),
            },
            ProgressEvent::ItemsPlanned { step, total, .. } => {
                state.planned.insert(*step, *total);
                match self.bar(&mut state, *step) {
                    Some(bar) => bar.set_length(*total),
                    None => Self::line(*step, &format!("{total} items planned")),
                }
            }
            ProgressEvent::ItemDone { step, label, .. } => {
                let done = {
                    let d = state.done.entry(*step).or_default();
                    *d += 1;
                    *d
                };
                let total = state.planned.get(step).copied().unwrap_or(0);
                match self.bar(&mut state, *step) {
                    Some(bar) => {
                        bar.inc(1);
                        bar.set_message(label.chars().take(60).collect::<String>());
                    }
                    // Plain lines: every item of small steps, every tenth of large ones.
                    None if total <= 20 || done % 10 == 0 || done == total => {
                        Self::line(
                            *step,
                            &format!("{done}/{total} {}", label.chars().take(60).collect::<String>()),
                        );
                    }
                    None => {}
                }
            }
            // One event per metered unit line of a call; the ICP call meters two (ICP
            // generations and tokens) for one cost, counted once.
            ProgressEvent::Cost { step, metric, cost, .. }
                if !(*step == Step::Icp && *metric == UsageMetric::LlmTokens) =>
            {
                let entry = state.cost.entry(step.number()).or_insert((*step, 0));
                entry.1 += cost.micros();
            }
            ProgressEvent::StepFinished { step, .. } => match self.bar(&mut state, *step) {
                Some(bar) => {
                    bar.set_length(bar.position().max(1));
                    bar.set_position(bar.length().unwrap_or(1));
                    bar.finish_with_message("done");
                }
                None => Self::line(*step, "done"),
            },
            ProgressEvent::StepFailed { step, reason, kind, .. } => match self.bar(&mut state, *step) {
                Some(bar) => bar.abandon_with_message(format!("FAILED ({kind}): {reason}")),
                None => Self::line(*step, &format!("FAILED ({kind}): {reason}")),
            },
            ProgressEvent::AutoApproved { step, approved, .. } => {
                let text = format!("auto-approved {approved} (recorded as a system decision)");
                match self.bar(&mut state, *step) {
                    Some(bar) => {
                        bar.set_length(*approved);
                        bar.set_position(*approved);
                        bar.finish_with_message(text);
                    }
                    None => Self::line(*step, &text),
                }
            }
            ProgressEvent::AwaitingApproval { step, pending, .. } => {
                let text = format!("waiting for {pending} decisions");
                match self.bar(&mut state, *step) {
                    Some(bar) => bar.finish_with_message(text),
                    None => Self::line(*step, &text),
                }
            }
            ProgressEvent::Retrying { step, attempts, automatic, .. } => Self::line(
                *step,
                &format!(
                    "retrying after {attempts} failed attempt(s){}",
                    if *automatic { " (automatic, temporary failure)" } else { "" }
                ),
            ),
            _ => {}
        }
    }
}
