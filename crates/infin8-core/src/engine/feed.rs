//! The progress feed: workflow events delivered to subscribers of an organization, in this process
//! or in others.
//!
//! The engine publishes every workflow event through the store
//! ([`WorkflowStore::publish_progress`](crate::store::WorkflowStore::publish_progress)); hosts
//! follow them with
//! [`WorkflowStore::subscribe_progress`](crate::store::WorkflowStore::subscribe_progress) (an
//! HTTP service streaming a workflow's progress to a browser, a dashboard, a CLI waiting for a
//! gate). PostgreSQL carries them with `NOTIFY` on one channel per organization, so a subscriber
//! sees what workers on other hosts do; memory and SQLite stores fan them out in process with
//! [`ProgressHub`].
//!
//! The feed is a notification, not a log: an event is delivered to the subscribers listening
//! when it is sent, at most once; a subscriber that falls behind by more than
//! [`ProgressHub::CAPACITY`] events (or whose PostgreSQL connection drops) misses some. The
//! workflow itself ([`Engine::progress`](crate::engine::Engine::progress)) is the truth to
//! re-read after a gap. Events of one organization never reach another's subscribers.

use super::progress::ProgressEvent;
use crate::error::{Error, Result};
use crate::ids::OrgId;
use futures::channel::mpsc;
use futures::stream::BoxStream;
use std::sync::{Arc, Mutex, PoisonError};

/// A subscription: the organization's events as they happen. Ends when the store is dropped (in
/// process) or yields an error when the feed's connection fails for good.
pub type ProgressStream = BoxStream<'static, Result<ProgressEvent>>;

/// The longest text field (an error message, an item label) an event carries on the feed; longer
/// ones are cut at a character boundary with `…`. Keeps a PostgreSQL `NOTIFY` payload well under
/// its 8,000-byte limit.
pub const MAX_FEED_TEXT: usize = 1_000;

/// The PostgreSQL `NOTIFY` channel of an organization's feed.
#[must_use]
pub fn channel(org: OrgId) -> String {
    format!("infin8_progress_{}", org.as_uuid().simple())
}

/// An event as the feed carries it (JSON; long texts cut to [`MAX_FEED_TEXT`]).
///
/// # Errors
/// [`Error::Invalid`] if the event cannot be encoded (it always can; kept typed for safety).
pub fn encode(event: &ProgressEvent) -> Result<String> {
    let mut event = event.clone();
    match &mut event {
        ProgressEvent::ItemDone { label: text, .. }
        | ProgressEvent::ItemsDone { last: text, .. }
        | ProgressEvent::StepFailed { reason: text, .. }
        | ProgressEvent::WorkerBackoff { error: text, .. }
        | ProgressEvent::StoreRetry { error: text, .. } => cut(text),
        _ => {}
    }
    serde_json::to_string(&event).map_err(|e| Error::invalid("progress event", e.to_string()))
}

/// An event read back from the feed.
///
/// # Errors
/// [`Error::Invalid`] if `payload` is not an encoded event.
pub fn decode(payload: &str) -> Result<ProgressEvent> {
    serde_json::from_str(payload).map_err(|e| Error::invalid("progress event", e.to_string()))
}

fn cut(text: &mut String) {
    if text.len() > MAX_FEED_TEXT {
        let mut end = MAX_FEED_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
}

/// Collapses each run of consecutive [`ProgressEvent::ItemDone`] events of one workflow and step
/// into one [`ProgressEvent::ItemsDone`] (a step that filters 50,000 keywords sends one event,
/// not 50,000).
#[must_use]
pub fn coalesce(events: Vec<ProgressEvent>) -> Vec<ProgressEvent> {
    let mut out: Vec<ProgressEvent> = Vec::with_capacity(events.len().min(64));
    for event in events {
        if let ProgressEvent::ItemDone { workflow, step, label } = event {
            if let Some(ProgressEvent::ItemsDone { workflow: w, step: s, count, last }) = out.last_mut()
                && *w == workflow
                && *s == step
            {
                *count += 1;
                *last = label;
                continue;
            }
            out.push(ProgressEvent::ItemsDone { workflow, step, count: 1, last: label });
        } else {
            out.push(event);
        }
    }
    out
}

struct Subscriber {
    org: OrgId,
    tx: mpsc::Sender<Result<ProgressEvent>>,
}

/// An in-process fan-out of progress events by organization: what memory and SQLite stores (and
/// a host's own store) use for the feed. Clones share subscribers.
#[derive(Clone, Default)]
pub struct ProgressHub {
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

impl std::fmt::Debug for ProgressHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.subscribers.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("ProgressHub").field("subscribers", &n).finish()
    }
}

impl ProgressHub {
    /// Events a subscriber may fall behind by before it misses some.
    pub const CAPACITY: usize = 1_024;

    /// A new hub without subscribers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes to `org`'s events from now on.
    #[must_use]
    pub fn subscribe(&self, org: OrgId) -> ProgressStream {
        let (tx, rx) = mpsc::channel(Self::CAPACITY);
        self.subscribers.lock().unwrap_or_else(PoisonError::into_inner).push(Subscriber { org, tx });
        Box::pin(rx)
    }

    /// Sends `events` (in order) to `org`'s subscribers; never waits. Subscribers that went away
    /// are forgotten; one that is [`Self::CAPACITY`] events behind misses these.
    pub fn publish(&self, org: OrgId, events: &[ProgressEvent]) {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(PoisonError::into_inner);
        subscribers.retain_mut(|s| {
            if s.org != org {
                return !s.tx.is_closed();
            }
            for event in events {
                if let Err(e) = s.tx.try_send(Ok(event.clone())) {
                    return !e.is_disconnected();
                }
            }
            true
        });
    }

    /// How many subscriptions are open (all organizations).
    #[must_use]
    pub fn subscribers(&self) -> usize {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(PoisonError::into_inner);
        subscribers.retain(|s| !s.tx.is_closed());
        subscribers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::WorkflowId;
    use crate::workflow::Step;
    use futures::StreamExt;

    fn done(workflow: WorkflowId, label: &str) -> ProgressEvent {
        ProgressEvent::ItemDone { workflow, step: Step::Filtering, label: label.into() }
    }

    #[test]
    fn runs_of_item_done_become_one_event() {
        let wf = WorkflowId::new();
        let other = WorkflowId::new();
        let started = ProgressEvent::StepStarted { workflow: wf, step: Step::Filtering };
        let out = coalesce(vec![
            started.clone(),
            done(wf, "a"),
            done(wf, "b"),
            done(wf, "c"),
            done(other, "x"),
            started.clone(),
            done(wf, "d"),
        ]);
        assert_eq!(
            out,
            vec![
                started.clone(),
                ProgressEvent::ItemsDone { workflow: wf, step: Step::Filtering, count: 3, last: "c".into() },
                ProgressEvent::ItemsDone {
                    workflow: other,
                    step: Step::Filtering,
                    count: 1,
                    last: "x".into()
                },
                started,
                ProgressEvent::ItemsDone { workflow: wf, step: Step::Filtering, count: 1, last: "d".into() },
            ]
        );
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary_and_round_trip() {
        let wf = WorkflowId::new();
        let event = done(wf, &"é".repeat(5_000));
        let payload = encode(&event).expect("encodes");
        assert!(payload.len() < 8_000, "{} bytes", payload.len());
        let ProgressEvent::ItemDone { label, .. } = decode(&payload).expect("decodes") else {
            panic!("not an ItemDone: {payload}");
        };
        assert!(label.ends_with('…'));
        assert_eq!(label.chars().count(), MAX_FEED_TEXT / 2 + 1);
        assert!(decode("{\"event\":\"nope\"}").is_err());
        assert!(channel(OrgId::new()).len() <= 63, "a PostgreSQL identifier");
    }

    #[test]
    fn a_hub_delivers_to_the_organizations_subscribers_only_and_forgets_dropped_ones() {
        let hub = ProgressHub::new();
        let (a, b) = (OrgId::new(), OrgId::new());
        let mut sa = hub.subscribe(a);
        let mut sb = hub.subscribe(b);
        let dropped = hub.subscribe(a);
        drop(dropped);
        let wf = WorkflowId::new();
        hub.publish(a, &[done(wf, "1"), done(wf, "2")]);
        hub.publish(b, &[done(wf, "b")]);
        assert_eq!(hub.subscribers(), 2);
        futures::executor::block_on(async {
            assert_eq!(sa.next().await.expect("open").expect("event"), done(wf, "1"));
            assert_eq!(sa.next().await.expect("open").expect("event"), done(wf, "2"));
            assert_eq!(sb.next().await.expect("open").expect("event"), done(wf, "b"));
        });
        // A subscriber that does not read misses events beyond the capacity, and nobody waits.
        let many: Vec<_> = (0..ProgressHub::CAPACITY + 10).map(|i| done(wf, &i.to_string())).collect();
        hub.publish(b, &many);
        drop(hub);
        let got = futures::executor::block_on(sb.collect::<Vec<_>>());
        assert!(got.len() <= ProgressHub::CAPACITY + 1, "{} delivered", got.len());
        assert!(got.len() >= ProgressHub::CAPACITY, "{} delivered", got.len());
    }
}
