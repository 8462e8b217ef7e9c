//! Long work over many items (bulk import, bulk delete, peer change sets, upload batches):
//! bounded concurrency, a progress event per finished item, per-item results, cancellation.
//!
//! Cancelling stops new items from starting; items already running finish (a request half sent
//! cannot be taken back, and its result must be reported), and the rest are reported as
//! [`Outcome::Cancelled`]. Re-running after an interruption is safe when the item function is
//! idempotent (for example: skip a user who already exists, reporting [`Outcome::Skipped`]).

use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorCode};

/// A cancellation flag shared between the job and whoever may cancel it (a UI button).
#[derive(Debug, Clone, Default)]
pub struct Cancel(CancellationToken);

impl Cancel {
    /// A fresh, not-cancelled flag.
    pub fn new() -> Self {
        Cancel(CancellationToken::new())
    }
    /// Asks the job to stop starting new items.
    pub fn cancel(&self) {
        self.0.cancel();
    }
    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
    /// Completes when cancelled.
    pub async fn cancelled(&self) {
        self.0.cancelled().await;
    }
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Outcome {
    /// Done; `detail` says what (created, updated, …).
    Done {
        /// A short note for people, if any.
        detail: Option<String>,
    },
    /// Nothing to do (already there, unchanged).
    Skipped {
        /// Why.
        reason: String,
    },
    /// Failed, with the error's code and message.
    Failed {
        /// What the UI branches on.
        code: ErrorCode,
        /// The error for people (the server's reason).
        message: String,
    },
    /// Not started because the job was cancelled.
    Cancelled,
}

impl Outcome {
    /// A plain success.
    pub fn done() -> Self {
        Outcome::Done { detail: None }
    }
    /// A success with a note.
    pub fn done_with(detail: impl Into<String>) -> Self {
        Outcome::Done {
            detail: Some(detail.into()),
        }
    }
    /// Nothing to do.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Outcome::Skipped {
            reason: reason.into(),
        }
    }
    fn failed(e: &Error) -> Self {
        Outcome::Failed {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// One progress event: sent after each item finishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Items finished so far (this one included).
    pub done: usize,
    /// Items in the job.
    pub total: usize,
    /// The item's label (a user's address, a file name, a CSV row).
    pub item: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// One item's final result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    /// The item's label.
    pub item: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// The whole job's result, items in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    /// Per item, in the order given.
    pub items: Vec<ItemResult>,
    /// Whether the job was cancelled before every item ran.
    pub cancelled: bool,
}

impl JobReport {
    /// How many items ended with `pred` true.
    pub fn count(&self, pred: impl Fn(&Outcome) -> bool) -> usize {
        self.items.iter().filter(|i| pred(&i.outcome)).count()
    }
    /// Items done.
    pub fn succeeded(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Done { .. }))
    }
    /// Items failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }
    /// Items skipped.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }
    /// Items not started because of cancellation.
    pub fn not_started(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Cancelled))
    }
}

/// A job: how many items run at once, and its cancellation flag.
#[derive(Debug, Clone)]
pub struct Job {
    concurrency: usize,
    cancel: Cancel,
}

impl Job {
    /// A job running at most `concurrency` items at once (at least 1).
    pub fn new(concurrency: usize) -> Self {
        Job {
            concurrency: concurrency.max(1),
            cancel: Cancel::new(),
        }
    }

    /// Uses `cancel` as the job's flag (one the UI already holds).
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// The flag that cancels this job.
    pub fn cancel_handle(&self) -> Cancel {
        self.cancel.clone()
    }

    /// Runs `work` over `items`, `label` naming each one, calling `on_progress` after each item.
    /// An `Err` from `work` fails that item only; the job goes on.
    pub async fn run<T, L, W, Fut, P>(
        &self,
        items: Vec<T>,
        label: L,
        work: W,
        mut on_progress: P,
    ) -> JobReport
    where
        L: Fn(&T) -> String,
        W: Fn(T) -> Fut,
        Fut: Future<Output = Result<Outcome, Error>>,
        P: FnMut(Progress),
    {
        let total = items.len();
        let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(total);
        let mut labels: Vec<String> = Vec::with_capacity(total);
        let mut pending = items.into_iter().enumerate().peekable();
        let mut running = FuturesUnordered::new();
        let mut done = 0usize;
        loop {
            while running.len() < self.concurrency && !self.cancel.is_cancelled() {
                let Some((index, item)) = pending.next() else {
                    break;
                };
                let name = label(&item);
                labels.push(name.clone());
                results.push(None);
                let fut = work(item);
                running.push(async move { (index, name, fut.await) });
            }
            let Some((index, name, result)) = running.next().await else {
                break;
            };
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(e) => Outcome::failed(&e),
            };
            done += 1;
            on_progress(Progress {
                done,
                total,
                item: name.clone(),
                outcome: outcome.clone(),
            });
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(ItemResult {
                    item: name,
                    outcome,
                });
            }
        }
        let cancelled = pending.peek().is_some();
        let mut items: Vec<ItemResult> = results
            .into_iter()
            .zip(labels)
            .map(|(r, name)| {
                r.unwrap_or(ItemResult {
                    item: name,
                    outcome: Outcome::Cancelled,
                })
            })
            .collect();
        items.extend(pending.map(|(_, item)| ItemResult {
            item: label(&item),
            outcome: Outcome::Cancelled,
        }));
        JobReport { items, cancelled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn every_item_reported_in_order_with_failures_isolated() {
        let job = Job::new(3);
        let mut events = Vec::new();
        let report = job
            .run(
                (0..10).collect(),
                |n: &u32| format!("item {n}"),
                |n| async move {
                    // Finish out of order.
                    tokio::time::sleep(Duration::from_millis(u64::from(10 - n))).await;
                    match n % 4 {
                        0 => Err(Error::invalid("row", format!("row {n} is bad"))),
                        1 => Ok(Outcome::skipped("exists")),
                        _ => Ok(Outcome::done_with(format!("made {n}"))),
                    }
                },
                |p| events.push(p),
            )
            .await;
        assert!(!report.cancelled);
        assert_eq!(report.items.len(), 10, "one result per item");
        let names: Vec<&str> = report.items.iter().map(|i| i.item.as_str()).collect();
        assert_eq!(names[0], "item 0", "results in input order");
        assert_eq!(names[9], "item 9", "results in input order");
        assert_eq!(report.failed(), 3, "items 0, 4, 8 fail");
        assert_eq!(report.skipped(), 3, "items 1, 5, 9 skipped");
        assert_eq!(report.succeeded(), 4);
        match &report.items[4].outcome {
            Outcome::Failed { code, message } => {
                assert_eq!(*code, ErrorCode::Invalid);
                assert!(message.contains("row 4 is bad"), "{message}");
            }
            other => panic!("item 4: {other:?}"),
        }
        assert_eq!(events.len(), 10, "a progress event per item");
        let dones: Vec<usize> = events.iter().map(|e| e.done).collect();
        assert_eq!(dones, (1..=10).collect::<Vec<_>>(), "done counts up");
        assert!(events.iter().all(|e| e.total == 10));
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let job = Job::new(4);
        let report = job
            .run(
                (0..40).collect(),
                |n: &u32| n.to_string(),
                |_| {
                    let running = Arc::clone(&running);
                    let peak = Arc::clone(&peak);
                    async move {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(Outcome::done())
                    }
                },
                |_| {},
            )
            .await;
        assert_eq!(report.succeeded(), 40);
        assert_eq!(
            peak.load(Ordering::SeqCst),
            4,
            "never more than 4 at once, and 4 used"
        );
    }

    #[tokio::test]
    async fn cancel_stops_new_items_and_reports_the_rest() {
        let job = Job::new(2);
        let cancel = job.cancel_handle();
        let started = Arc::new(AtomicUsize::new(0));
        let report = job
            .run(
                (0..100).collect(),
                |n: &u32| n.to_string(),
                |n| {
                    let started = Arc::clone(&started);
                    let cancel = cancel.clone();
                    async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        if n == 5 {
                            cancel.cancel();
                        }
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        Ok(Outcome::done())
                    }
                },
                |_| {},
            )
            .await;
        assert!(report.cancelled, "the report says it was cancelled");
        assert_eq!(report.items.len(), 100, "every item accounted for");
        let ran = started.load(Ordering::SeqCst);
        assert!(
            ran <= 7,
            "at most the in-flight items finish after cancel: {ran}"
        );
        assert_eq!(
            report.succeeded(),
            ran,
            "everything started finished and was reported"
        );
        assert_eq!(report.not_started(), 100 - ran);
        assert!(
            report.items[99].outcome == Outcome::Cancelled,
            "the tail is reported as cancelled"
        );
    }

    #[tokio::test]
    async fn rerun_after_interruption_neither_duplicates_nor_loses() {
        // The "server": a set of created names. The item function is idempotent.
        let created = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
        let work = |n: u32, cancel_at: Option<u32>, cancel: Cancel| {
            let created = Arc::clone(&created);
            async move {
                if Some(n) == cancel_at {
                    cancel.cancel();
                }
                let fresh = created
                    .lock()
                    .map_err(|_| Error::Internal("poisoned".into()))?
                    .insert(n);
                Ok(if fresh {
                    Outcome::done_with("created")
                } else {
                    Outcome::skipped("exists")
                })
            }
        };
        let first = Job::new(3);
        let c1 = first.cancel_handle();
        let r1 = first
            .run(
                (0..50).collect(),
                |n: &u32| n.to_string(),
                |n| work(n, Some(10), c1.clone()),
                |_| {},
            )
            .await;
        assert!(r1.cancelled && r1.not_started() > 0, "interrupted");
        let second = Job::new(3);
        let c2 = second.cancel_handle();
        let r2 = second
            .run(
                (0..50).collect(),
                |n: &u32| n.to_string(),
                |n| work(n, None, c2.clone()),
                |_| {},
            )
            .await;
        assert!(!r2.cancelled);
        assert_eq!(
            r2.skipped(),
            r1.succeeded(),
            "what the first run did is skipped"
        );
        assert_eq!(r2.succeeded(), 50 - r1.succeeded(), "the rest is done");
        let all = created.lock().map(|s| s.len()).unwrap_or(0);
        assert_eq!(all, 50, "nothing lost, nothing duplicated");
    }

    #[tokio::test]
    async fn empty_job_is_fine() {
        let report = Job::new(0)
            .run(
                Vec::<u32>::new(),
                |n| n.to_string(),
                |_| async { Ok(Outcome::done()) },
                |_| {},
            )
            .await;
        assert!(report.items.is_empty() && !report.cancelled);
    }
}
