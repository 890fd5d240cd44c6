//! The link to main, over any [`Transport`]: handshake, writes, the shared reader, sync waits
//! and the inbox.
//!
//! Reading is shared between the background dispatch thread and threads blocked in
//! `send_sync`: whoever holds the reader lock reads whole frames and routes them (sync replies
//! to their waiters, everything else to the inbox). A blocked `send_sync` caller reads the
//! link itself, so its reply costs one wake-up, as with a plain blocking socket. The
//! background thread sleeps in [`Transport::park`] without the lock, and stands back while a
//! sync call is pending: its interest in the link is switched off for the duration of the call
//! (so the reply wakes only the caller), and back on when the last pending call returns. It has
//! no timer: it wakes for data, or when a returning call leaves messages in the inbox.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use electrode_wire::handshake::{Agreement, Features, PROTOCOL_VERSION};
use electrode_wire::io::ReadError;
use electrode_wire::{Encoded, Frame, InvokeOutcome, SyncOutcome};

use crate::transport::{FrameSource, Transport, Wakeup};
use crate::Error;

/// An answer main sent to a call that someone waits for.
pub(crate) enum Reply {
    Sync(SyncOutcome),
    Invoke(InvokeOutcome),
}

/// Where the answer of a non-blocking invoke goes: a future's waker or a callback.
#[derive(Default)]
pub(crate) struct Slot(Mutex<SlotState>);

#[derive(Default)]
struct SlotState {
    outcome: Option<Result<InvokeOutcome, Error>>,
    waker: Option<std::task::Waker>,
    callback: Option<InvokeCallback>,
}

type InvokeCallback = Box<dyn FnOnce(Result<InvokeOutcome, Error>) + Send>;

impl Slot {
    fn complete(&self, outcome: Result<InvokeOutcome, Error>) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(callback) = state.callback.take() {
            drop(state);
            return callback(outcome);
        }
        state.outcome = Some(outcome);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }

    /// The answer if it came; otherwise `waker` is woken when it does.
    pub(crate) fn poll(&self, waker: &std::task::Waker) -> Option<Result<InvokeOutcome, Error>> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let outcome = state.outcome.take();
        if outcome.is_none() {
            state.waker = Some(waker.clone());
        }
        outcome
    }

    /// Hands the answer to `callback` (at once if it came already).
    pub(crate) fn set_callback(&self, callback: InvokeCallback) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match state.outcome.take() {
            Some(outcome) => {
                drop(state);
                callback(outcome)
            }
            None => state.callback = Some(callback),
        }
    }
}

#[derive(Default)]
struct Waits {
    waiting: HashSet<u64>,
    replies: HashMap<u64, Reply>,
    /// Non-blocking invokes waiting for their answers.
    pending: HashMap<u64, Arc<Slot>>,
    /// Counts releases of the reader lock seen by waiting `send_sync` callers: one that found
    /// the reader busy sleeps until its reply is routed to it or the reader is free again.
    reader_released: u64,
}

/// The reader lock; on release it wakes `send_sync` callers that wait for the reader.
struct ReaderGuard<'a> {
    link: &'a Link,
    guard: Option<MutexGuard<'a, Box<dyn FrameSource>>>,
}

impl std::ops::Deref for ReaderGuard<'_> {
    type Target = Box<dyn FrameSource>;
    fn deref(&self) -> &Self::Target {
        self.guard.as_ref().expect("held until drop")
    }
}

impl std::ops::DerefMut for ReaderGuard<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.guard.as_mut().expect("held until drop")
    }
}

impl Drop for ReaderGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        // Pairs with the fence in `wait_for_reader`: either that caller sees the lock free,
        // or this sees it registered and wakes it.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.link.reader_waiters.load(Ordering::Relaxed) > 0 {
            let mut w = self.link.waits.lock().unwrap_or_else(|e| e.into_inner());
            w.reader_released = w.reader_released.wrapping_add(1);
            self.link.replied.notify_all();
        }
    }
}

pub(crate) struct Link {
    pub(crate) id: u64,
    pub(crate) embedder: Option<u64>,
    pub(crate) max_message_size: usize,
    /// The protocol version and features agreed with main.
    pub(crate) agreement: Agreement,
    io: Box<dyn Transport>,
    reader: Mutex<Box<dyn FrameSource>>,
    sync_active: AtomicUsize,
    /// `send_sync` callers sleeping until the reader is free (see [`ReaderGuard`]).
    reader_waiters: AtomicUsize,
    waits: Mutex<Waits>,
    replied: Condvar,
    inbox: Mutex<VecDeque<Frame>>,
    dead: AtomicBool,
    dead_reason: Mutex<Option<String>>,
    /// Notified (with `dead_reason`'s lock) when the link dies.
    died: Condvar,
    close_reason: Mutex<Option<String>>,
    next_request: AtomicU64,
    /// Serializes `sync_active`'s 0 ↔ 1 steps with the [`Transport::watch`] switch that goes
    /// with them.
    watch_switch: Mutex<()>,
}

/// The largest frame read before main's Welcome has told its limit: the Welcome and a Close
/// with its reason are small.
pub(crate) const MAX_HANDSHAKE_FRAME: usize = 64 * 1024;

/// How long main may take to answer the Hello.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pending sync calls are counted so the dispatcher holds back while any is in flight.
struct SyncGuard<'a>(&'a Link);

impl Drop for SyncGuard<'_> {
    fn drop(&mut self) {
        self.0.sync_end();
        if !self
            .0
            .inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
        {
            // The dispatcher sleeps in `park`: messages read by this call wait for it.
            self.0.io.unpark();
        }
    }
}

impl Link {
    /// A `send_sync` starts: the first pending call takes the socket from the dispatcher.
    fn sync_begin(&self) {
        let _switch = self.watch_switch.lock().unwrap_or_else(|e| e.into_inner());
        if self.sync_active.fetch_add(1, Ordering::AcqRel) == 0 {
            self.io.watch(false);
        }
    }

    /// A `send_sync` ends: the last pending call gives the socket back to the dispatcher, which
    /// wakes at once if data is waiting.
    fn sync_end(&self) {
        let _switch = self.watch_switch.lock().unwrap_or_else(|e| e.into_inner());
        if self.sync_active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.io.watch(true);
        }
    }

    /// Authenticates over a transport whose frames are limited to [`MAX_HANDSHAKE_FRAME`]
    /// until main's Welcome tells its `max_message_size`.
    pub(crate) fn handshake(
        io: Box<dyn Transport>,
        mut reader: Box<dyn FrameSource>,
        token: &str,
    ) -> Result<Link, Error> {
        let hs = |e: std::io::Error| Error::Handshake(e.to_string());
        let hello = Frame::Hello {
            version: PROTOCOL_VERSION,
            features: Features::SUPPORTED,
            token: Bytes::copy_from_slice(token.as_bytes()),
        };
        io.write_frame(&hello.encode()).map_err(hs)?;
        let first = match reader.read_frame(Some(HANDSHAKE_TIMEOUT)) {
            Ok(Some(body)) => Frame::decode(body, MAX_HANDSHAKE_FRAME)
                .map_err(|e| Error::Handshake(e.to_string()))?,
            Ok(None) => {
                return Err(Error::Handshake(format!(
                    "main did not answer the hello within {HANDSHAKE_TIMEOUT:?}"
                )))
            }
            Err(ReadError::Closed) => {
                return Err(Error::Refused("main closed the connection".into()))
            }
            Err(e) => return Err(Error::Handshake(e.to_string())),
        };
        let (id, embedder, max_message_size, agreement) = match first {
            Frame::Welcome {
                id,
                embedder,
                max_message_size,
                version,
                features,
            } => (
                id,
                (embedder != 0).then_some(embedder),
                usize::try_from(max_message_size).unwrap_or(usize::MAX),
                Agreement { version, features },
            ),
            Frame::Close { reason } => return Err(Error::Refused(reason)),
            other => {
                return Err(Error::Handshake(format!(
                    "expected Welcome, got {:?}",
                    other.kind()
                )))
            }
        };
        reader.connected(max_message_size).map_err(hs)?;
        Ok(Link {
            id,
            embedder,
            max_message_size,
            agreement,
            io,
            reader: Mutex::new(reader),
            sync_active: AtomicUsize::new(0),
            reader_waiters: AtomicUsize::new(0),
            waits: Mutex::new(Waits::default()),
            replied: Condvar::new(),
            inbox: Mutex::new(VecDeque::new()),
            dead: AtomicBool::new(false),
            dead_reason: Mutex::new(None),
            died: Condvar::new(),
            close_reason: Mutex::new(None),
            next_request: AtomicU64::new(1),
            watch_switch: Mutex::new(()),
        })
    }

    pub(crate) fn disconnected(&self) -> Option<Error> {
        if !self.dead.load(Ordering::Acquire) {
            return None;
        }
        let reason = self
            .dead_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(|| "disconnected".into());
        Some(Error::Disconnected { reason })
    }

    fn mark_dead(&self, why: String) {
        let told = self
            .close_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        {
            let mut r = self.dead_reason.lock().unwrap_or_else(|e| e.into_inner());
            if r.is_none() {
                // Main saying why it closes is an orderly end; a link that just breaks is not.
                match &told {
                    Some(reason) => {
                        tracing::info!(renderer = self.id, "main closed the link: {reason}")
                    }
                    None => electrode_wire::warn_visible!(
                        renderer = self.id,
                        "link to main closed: {why}"
                    ),
                }
                *r = Some(told.unwrap_or(why));
            }
            self.dead.store(true, Ordering::Release);
            self.died.notify_all();
        }
        self.io.unpark();
        self.io.shutdown();
        let pending: Vec<Arc<Slot>> = {
            let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
            self.replied.notify_all();
            w.pending.drain().map(|(_, slot)| slot).collect()
        };
        for slot in pending {
            slot.complete(Err(self.disconnected().expect("marked dead above")));
        }
    }

    /// Blocks until the link is dead; returns why.
    pub(crate) fn wait_dead(&self) -> Error {
        let mut reason = self.dead_reason.lock().unwrap_or_else(|e| e.into_inner());
        while reason.is_none() {
            reason = self.died.wait(reason).unwrap_or_else(|e| e.into_inner());
        }
        Error::Disconnected {
            reason: reason.clone().unwrap_or_default(),
        }
    }

    /// Closes the link from this side.
    pub(crate) fn close(&self, why: &str) {
        self.mark_dead(why.to_string());
    }

    /// Writes one frame (blocking while the socket is full: main's backpressure).
    pub(crate) fn write(&self, frame: &Encoded) -> Result<(), Error> {
        if let Some(e) = self.disconnected() {
            return Err(e);
        }
        if let Err(e) = self.io.write_frame(frame) {
            self.mark_dead(format!("write failed: {e}"));
            return Err(self.disconnected().expect("just marked dead"));
        }
        Ok(())
    }

    fn route(&self, frame: Frame) {
        match frame {
            Frame::InvokeReply { request, outcome } => {
                let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
                if w.waiting.contains(&request) {
                    w.replies.insert(request, Reply::Invoke(outcome));
                    self.replied.notify_all();
                } else if let Some(slot) = w.pending.remove(&request) {
                    drop(w);
                    slot.complete(Ok(outcome));
                } else {
                    tracing::debug!(
                        renderer = self.id,
                        request,
                        "reply to an abandoned invoke dropped"
                    );
                }
            }
            Frame::SyncReply { request, outcome } => {
                let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
                if w.waiting.contains(&request) {
                    w.replies.insert(request, Reply::Sync(outcome));
                    self.replied.notify_all();
                } else {
                    tracing::debug!(
                        renderer = self.id,
                        request,
                        "reply to an abandoned sendSync dropped"
                    );
                }
            }
            Frame::Close { reason } => {
                *self.close_reason.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason);
            }
            Frame::Message { .. } | Frame::HostMessage { .. } => {
                self.inbox
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_back(frame);
            }
            other => electrode_wire::warn_visible!(
                renderer = self.id,
                "unexpected frame {:?} from main ignored",
                other.kind()
            ),
        }
    }

    /// Reads one frame with the reader lock held (waiting up to `timeout` for one to begin),
    /// routing anything that is not `want`'s reply. Returns the reply when it is `want`'s.
    fn read_one(
        &self,
        reader: &mut dyn FrameSource,
        want: Option<u64>,
        timeout: Option<Duration>,
    ) -> Result<Option<Reply>, Error> {
        let frame = match reader.read_frame(timeout) {
            Ok(None) => return Ok(None),
            Ok(Some(body)) => Frame::decode(body, self.max_message_size),
            Err(e) => {
                let why = match e {
                    ReadError::Closed => "main closed the connection".to_string(),
                    ReadError::TooLarge { size, limit } => {
                        format!("main sent a frame of {size} bytes, over the limit of {limit}")
                    }
                    ReadError::Io(e) => format!("read failed: {e}"),
                };
                self.mark_dead(why);
                return Err(self.disconnected().expect("just marked dead"));
            }
        };
        match frame {
            Ok(Frame::SyncReply { request, outcome }) if Some(request) == want => {
                Ok(Some(Reply::Sync(outcome)))
            }
            Ok(Frame::InvokeReply { request, outcome }) if Some(request) == want => {
                Ok(Some(Reply::Invoke(outcome)))
            }
            Ok(frame) => {
                self.route(frame);
                Ok(None)
            }
            Err(e) => {
                self.mark_dead(format!("main sent a malformed frame: {e}"));
                Err(self.disconnected().expect("just marked dead"))
            }
        }
    }

    fn drain_buffered(&self, reader: &mut dyn FrameSource) {
        while reader.has_buffered_frame() {
            if self.read_one(reader, None, None).is_err() {
                break;
            }
        }
    }

    /// Sends a `SendSync` frame built by `make(request)` and blocks until its reply.
    pub(crate) fn call_sync(
        &self,
        make: impl FnOnce(u64) -> Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<SyncOutcome>, Error> {
        let request = self.next_request();
        let frame = make(request);
        self.sync_begin();
        let _guard = SyncGuard(self);
        let result = self.call(request, &frame, timeout);
        result.map(|reply| {
            reply.and_then(|r| match r {
                Reply::Sync(outcome) => Some(outcome),
                Reply::Invoke(_) => None,
            })
        })
    }

    /// Writes `frame` (a call numbered `request`) and waits for its reply (`Ok(None)`: the
    /// deadline passed); the reply is routed to this caller while it waits.
    fn call(
        &self,
        request: u64,
        frame: &Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<Reply>, Error> {
        self.waits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .waiting
            .insert(request);
        let result = self
            .write(frame)
            .and_then(|()| self.wait_reply(request, timeout.map(|t| Instant::now() + t)));
        let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        w.waiting.remove(&request);
        w.replies.remove(&request);
        result
    }

    /// A fresh request number for a call.
    pub(crate) fn next_request(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends an `Invoke` frame and blocks until its answer (`Ok(None)`: the deadline passed,
    /// and main was told to stop). The dispatcher goes on delivering messages meanwhile.
    pub(crate) fn call_invoke(
        &self,
        request: u64,
        frame: &Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<InvokeOutcome>, Error> {
        match self.call(request, frame, timeout) {
            Ok(Some(Reply::Invoke(outcome))) => Ok(Some(outcome)),
            Ok(_) => {
                let _ = self.write(&Frame::InvokeCancel { request }.encode());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends an `Invoke` frame without waiting; its answer goes to the returned slot.
    pub(crate) fn start_invoke(&self, request: u64, frame: &Encoded) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        self.waits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .insert(request, slot.clone());
        if let Err(e) = self.write(frame) {
            self.waits
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pending
                .remove(&request);
            slot.complete(Err(e));
        }
        slot
    }

    /// The caller of a non-blocking invoke stopped waiting: main's handler is told.
    pub(crate) fn cancel_invoke(&self, request: u64) {
        let was_pending = self
            .waits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .remove(&request)
            .is_some();
        if was_pending {
            let _ = self.write(&Frame::InvokeCancel { request }.encode());
        }
    }

    /// `Ok(None)` means the deadline passed.
    fn wait_reply(&self, request: u64, deadline: Option<Instant>) -> Result<Option<Reply>, Error> {
        loop {
            {
                let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(o) = w.replies.remove(&request) {
                    return Ok(Some(o));
                }
            }
            if let Some(e) = self.disconnected() {
                return Err(e);
            }
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return Ok(None);
            }
            match self.reader.try_lock() {
                Ok(guard) => {
                    let mut reader = ReaderGuard {
                        link: self,
                        guard: Some(guard),
                    };
                    if self
                        .waits
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .replies
                        .contains_key(&request)
                    {
                        continue;
                    }
                    if let Some(outcome) = self.read_one(&mut **reader, Some(request), left)? {
                        self.drain_buffered(&mut **reader);
                        return Ok(Some(outcome));
                    }
                }
                // Another thread is reading; it routes our reply to us, or frees the reader.
                Err(TryLockError::WouldBlock) => self.wait_for_reader(request, deadline),
                Err(TryLockError::Poisoned(p)) => drop(p.into_inner()),
            }
        }
    }

    /// Sleeps until `request` has its reply, the reader lock is released, the link dies or
    /// the deadline passes. No timer: the thread holding the reader wakes us.
    fn wait_for_reader(&self, request: u64, deadline: Option<Instant>) {
        let mut w = self.waits.lock().unwrap_or_else(|e| e.into_inner());
        self.reader_waiters.fetch_add(1, Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::SeqCst);
        let seen = w.reader_released;
        // Released before we registered? Then nobody will wake us: look again at once.
        let busy = matches!(self.reader.try_lock(), Err(TryLockError::WouldBlock));
        while busy
            && !w.replies.contains_key(&request)
            && w.reader_released == seen
            && !self.dead.load(Ordering::Acquire)
        {
            w = match deadline {
                None => self.replied.wait(w).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    self.replied
                        .wait_timeout(w, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        self.reader_waiters.fetch_sub(1, Ordering::Relaxed);
    }

    fn lock_reader_if_idle(&self) -> Option<ReaderGuard<'_>> {
        if self.sync_active.load(Ordering::Acquire) > 0 {
            return None;
        }
        self.reader.try_lock().ok().map(|guard| ReaderGuard {
            link: self,
            guard: Some(guard),
        })
    }

    /// The background loop: delivers inbox frames to `dispatch` (only while no `send_sync` is
    /// pending) and reads the socket when idle. Returns when the link is dead and drained.
    pub(crate) fn run(&self, mut dispatch: impl FnMut(Frame)) {
        loop {
            if self.sync_active.load(Ordering::Acquire) == 0 {
                let next = self
                    .inbox
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front();
                if let Some(frame) = next {
                    dispatch(frame);
                    continue;
                }
                if self.dead.load(Ordering::Acquire) {
                    return;
                }
            }
            let buffered = self
                .lock_reader_if_idle()
                .is_some_and(|r| r.has_buffered_frame());
            if !buffered {
                match self.io.park() {
                    Ok(Wakeup::Woken) => continue,
                    Ok(Wakeup::Readable) => {}
                    Err(e) => {
                        self.mark_dead(format!("waiting for the socket failed: {e}"));
                        continue;
                    }
                }
            }
            let Some(mut reader) = self.lock_reader_if_idle() else {
                continue;
            };
            // Someone may have consumed the data between the wait and the lock: don't block on
            // nothing.
            if !reader.ready() {
                continue;
            }
            if self.read_one(&mut **reader, None, None).is_ok() {
                self.drain_buffered(&mut **reader);
            }
        }
    }
}
