//! The sending half of a page link: frames go to the page's WebSocket through a bounded
//! queue; `sendSync` answers go to the waiting HTTP request instead.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use bytes::Bytes;
use electrode::wire::{Encoded, Frame, SyncOutcome};
use electrode::{Outbound, SendFailure};
use tokio::sync::{mpsc, oneshot};

/// What the WebSocket writer task receives.
pub(crate) enum Out {
    Frame(Bytes),
    Close,
}

pub(crate) struct PageOutbound {
    tx: mpsc::UnboundedSender<Out>,
    queued: AtomicUsize,
    limit: usize,
    closed: Mutex<Option<String>>,
    sync_waiters: Mutex<HashMap<u64, oneshot::Sender<SyncOutcome>>>,
    /// Senders waiting for room (`WebContents::send_timeout`), woken as the writer sends.
    room: Condvar,
    room_lock: Mutex<()>,
    room_waiters: AtomicUsize,
}

impl PageOutbound {
    pub(crate) fn new(limit: usize) -> (Self, mpsc::UnboundedReceiver<Out>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            PageOutbound {
                tx,
                queued: AtomicUsize::new(0),
                limit,
                closed: Mutex::new(None),
                sync_waiters: Mutex::new(HashMap::new()),
                room: Condvar::new(),
                room_lock: Mutex::new(()),
                room_waiters: AtomicUsize::new(0),
            },
            rx,
        )
    }

    /// The writer task took `n` bytes off the queue.
    pub(crate) fn sent(&self, n: usize) {
        // SeqCst with the waiter's side: either it sees this decrement, or this sees it waiting.
        self.queued.fetch_sub(n, Ordering::SeqCst);
        self.wake_room_waiters();
    }

    fn wake_room_waiters(&self) {
        if self.room_waiters.load(Ordering::SeqCst) > 0 {
            let _lock = self.room_lock.lock().unwrap_or_else(|e| e.into_inner());
            self.room.notify_all();
        }
    }

    fn is_closed(&self) -> bool {
        self.closed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    pub(crate) fn wait_sync(&self, request: u64) -> oneshot::Receiver<SyncOutcome> {
        let (tx, rx) = oneshot::channel();
        self.sync_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(request, tx);
        rx
    }

    pub(crate) fn forget_sync(&self, request: u64) {
        self.sync_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&request);
    }
}

impl Outbound for PageOutbound {
    fn send(&self, frame: &Encoded) -> Result<(), SendFailure> {
        if let Some(reason) = &*self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            return Err(SendFailure::Closed(reason.clone()));
        }
        let len = frame.body_len();
        let queued = self.queued.fetch_add(len, Ordering::AcqRel);
        if queued + len > self.limit && queued > 0 {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return Err(SendFailure::QueueFull {
                queued,
                limit: self.limit,
            });
        }
        self.tx
            .send(Out::Frame(Bytes::from(frame.to_message())))
            .map_err(|_| SendFailure::Closed("page link closed".into()))
    }

    fn sync_reply(&self, request: u64, outcome: SyncOutcome) -> Result<(), SendFailure> {
        let waiter = self
            .sync_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&request);
        match waiter {
            Some(w) => w
                .send(outcome)
                .map_err(|_| SendFailure::Closed("the sendSync request is gone".into())),
            None => Err(SendFailure::Closed("no such pending sendSync".into())),
        }
    }

    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        let mut lock = self.room_lock.lock().unwrap_or_else(|e| e.into_inner());
        self.room_waiters.fetch_add(1, Ordering::SeqCst);
        let room = loop {
            let queued = self.queued.load(Ordering::SeqCst);
            if self.is_closed() || queued == 0 || queued + bytes <= self.limit {
                break true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            lock = self
                .room
                .wait_timeout(lock, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        self.room_waiters.fetch_sub(1, Ordering::AcqRel);
        room
    }

    fn close(&self, reason: &str) {
        let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        if closed.is_none() {
            *closed = Some(reason.to_string());
            let bye = Frame::Close {
                reason: reason.to_string(),
            }
            .encode();
            let _ = self.tx.send(Out::Frame(Bytes::from(bye.to_message())));
            let _ = self.tx.send(Out::Close);
        }
        drop(closed);
        self.wake_room_waiters();
        // Unblock pending sync requests: their renderer is gone.
        for (_, w) in self
            .sync_waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            let _ = w.send(SyncOutcome::Error(format!("renderer closed: {reason}")));
        }
    }
}
