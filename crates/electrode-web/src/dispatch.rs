//! Running a page's WebSocket messages through main's listeners, off the async runtime.
//!
//! Listeners are plain blocking Rust functions; running them on a tokio worker would stall the
//! bridge, and `block_in_place` for every message made tokio start replacement workers without
//! end under a flooding page (hundreds of threads). Instead each page has a queue, drained in
//! order by one thread. The thread waits for more work for a second after the queue empties
//! (so a page that talks steadily does not pay a thread start per message) and then leaves.
//! The queue is bounded in bytes: when it is full the WebSocket reader waits, so a flooding
//! page is slowed by TCP backpressure instead of growing main.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use electrode::wire::Frame;
use tokio::sync::Notify;

use crate::page::Page;

/// One unit of work for a page's dispatch thread.
pub(crate) enum Job {
    /// Async message `seq` from the WebSocket.
    Message { seq: u64, frame: Frame, size: usize },
    /// The page reported its `load`.
    Loaded,
}

impl Job {
    fn size(&self) -> usize {
        match self {
            Job::Message { size, .. } => *size,
            Job::Loaded => 0,
        }
    }
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    bytes: usize,
    running: bool,
    failed: bool,
}

/// A page's bounded dispatch queue (see the module docs).
#[derive(Default)]
pub(crate) struct Dispatcher {
    queue: Mutex<Queue>,
    /// Woken as the thread takes jobs off the queue (the WebSocket reader waits for room).
    room: Notify,
    /// Wakes the idle thread when a job arrives.
    work: Condvar,
}

/// How long an idle dispatch thread waits for more work before it leaves.
const LINGER: Duration = Duration::from_secs(1);

impl Dispatcher {
    /// Queues `job`, waiting while `capacity` bytes are queued already (one job always fits).
    /// `false` once the page broke the protocol in an earlier message (its link is closing).
    pub(crate) async fn push(&self, page: &Arc<Page>, job: Job, capacity: usize) -> bool {
        loop {
            let room = self.room.notified();
            {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                if q.failed {
                    return false;
                }
                if q.jobs.is_empty() || q.bytes + job.size() <= capacity {
                    q.bytes += job.size();
                    q.jobs.push_back(job);
                    if q.running {
                        self.work.notify_one();
                    } else {
                        q.running = true;
                        drop(q);
                        self.start(page);
                    }
                    return true;
                }
            }
            room.await;
        }
    }

    fn start(&self, page: &Arc<Page>) {
        let page = page.clone();
        let spawned = std::thread::Builder::new()
            .name("electrode-page".into())
            .spawn(move || page.dispatcher.drain(&page));
        if let Err(e) = spawned {
            let reason = format!("cannot start a dispatch thread for renderer: {e}");
            self.queue.lock().unwrap_or_else(|e| e.into_inner()).failed = true;
            electrode::error_visible!("{reason}");
        }
    }

    /// Runs the queued jobs in order; leaves once the queue stayed empty for [`LINGER`].
    fn drain(&self, page: &Arc<Page>) {
        loop {
            let job = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                if q.jobs.is_empty() && !q.failed {
                    q = self
                        .work
                        .wait_timeout(q, LINGER)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                match q.jobs.pop_front() {
                    Some(job) => {
                        q.bytes -= job.size();
                        job
                    }
                    None => {
                        q.running = false;
                        return;
                    }
                }
            };
            self.room.notify_waiters();
            let outcome = match job {
                Job::Message { seq, frame, .. } => page.dispatch_async(seq, frame),
                Job::Loaded => {
                    page.contents.notify_did_finish_load();
                    Ok(())
                }
            };
            if let Err(e) = outcome {
                let reason = format!("renderer {} broke the protocol: {e}", page.id());
                electrode::error_visible!(renderer = page.id(), "{reason}; closing its connection");
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                q.failed = true;
                q.jobs.clear();
                q.bytes = 0;
                q.running = false;
                drop(q);
                self.room.notify_waiters();
                page.close(&reason);
                return;
            }
        }
    }
}
