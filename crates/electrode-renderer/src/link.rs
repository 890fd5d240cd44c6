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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use electrode_wire::handshake::Agreement;
use electrode_wire::io::ReadError;
use electrode_wire::session::{CloseReason, Received, RendererSession, Reply};
use electrode_wire::{Encoded, Frame, InvokeOutcome, SyncOutcome};

use crate::transport::{FrameSource, Transport, Wakeup};
use crate::Error;

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

/// The protocol state (calls, replies, the inbox, main's close reason) and who waits for what.
struct Waits {
    session: RendererSession,
    /// Non-blocking invokes waiting for their answers; every other pending call has a thread
    /// blocked on [`Link::replied`].
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
    dead: AtomicBool,
    dead_reason: Mutex<Option<String>>,
    /// Notified (with `dead_reason`'s lock) when the link dies.
    died: Condvar,
    /// Serializes `sync_active`'s 0 ↔ 1 steps with the [`Transport::watch`] switch that goes
    /// with them.
    watch_switch: Mutex<()>,
    /// How long a `send_sync` caller polls for its reply before it blocks, in nanoseconds
    /// (0: it blocks at once; see [`IpcRenderer::set_sync_spin`](crate::IpcRenderer::set_sync_spin)).
    sync_spin_ns: AtomicU64,
}

/// The longest spin [`Link::set_sync_spin`] accepts: a spin costs a whole vCPU while it lasts.
pub(crate) const MAX_SYNC_SPIN: Duration = Duration::from_millis(1);

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
        if self.0.lock_waits().session.has_messages() {
            // The dispatcher sleeps in `park`: messages read by this call wait for it.
            self.0.io.unpark();
        }
    }
}

impl Link {
    /// A `send_sync` starts: the first pending call takes the socket from the dispatcher.
    /// Sets how long a `send_sync` caller polls for its reply before blocking (at most
    /// [`MAX_SYNC_SPIN`]).
    pub(crate) fn set_sync_spin(&self, spin: Duration) {
        let ns = spin.min(MAX_SYNC_SPIN).as_nanos() as u64;
        self.sync_spin_ns.store(ns, Ordering::Relaxed);
    }

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
        io.write_frame(&RendererSession::hello(token).encode())
            .map_err(hs)?;
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
        let session = RendererSession::welcomed(first).map_err(|reason| match reason {
            CloseReason::Refused(text) => Error::Refused(text),
            other => Error::Handshake(other.to_string()),
        })?;
        let welcome = *session.welcome();
        reader.connected(welcome.max_message_size).map_err(hs)?;
        io.agreed(welcome.agreement.features);
        Ok(Link {
            id: welcome.id,
            embedder: welcome.embedder,
            max_message_size: welcome.max_message_size,
            agreement: welcome.agreement,
            io,
            reader: Mutex::new(reader),
            sync_active: AtomicUsize::new(0),
            reader_waiters: AtomicUsize::new(0),
            waits: Mutex::new(Waits {
                session,
                pending: HashMap::new(),
                reader_released: 0,
            }),
            replied: Condvar::new(),
            dead: AtomicBool::new(false),
            dead_reason: Mutex::new(None),
            died: Condvar::new(),
            watch_switch: Mutex::new(()),
            sync_spin_ns: AtomicU64::new(0),
        })
    }

    /// The value rules main chose: structured clone when it agreed the feature.
    pub(crate) fn rules(&self) -> electrode_wire::ValueRules {
        if self
            .agreement
            .features
            .contains(electrode_wire::Features::CLONE)
        {
            electrode_wire::ValueRules::StructuredClone
        } else {
            electrode_wire::ValueRules::Json
        }
    }

    fn lock_waits(&self) -> MutexGuard<'_, Waits> {
        self.waits.lock().unwrap_or_else(|e| e.into_inner())
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
        self.end(why, false)
    }

    /// Ends the link; `by_us`: this renderer closed it on purpose (no warning for that).
    fn end(&self, why: String, by_us: bool) {
        let told = self
            .lock_waits()
            .session
            .closing_reason()
            .map(str::to_string);
        {
            let mut r = self.dead_reason.lock().unwrap_or_else(|e| e.into_inner());
            if r.is_none() {
                // Main saying why it closes is an orderly end; a link that just breaks is not.
                match &told {
                    Some(reason) => {
                        tracing::info!(renderer = self.id, "main closed the link: {reason}")
                    }
                    None if by_us => tracing::info!(renderer = self.id, "link closed: {why}"),
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
        self.end(why.to_string(), true);
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

    /// Hands a frame from main to the session, and its reply to whoever waits for it.
    /// `Some`: the reply of `want`, for the caller itself.
    fn route(&self, frame: Frame, want: Option<u64>) -> Option<Reply> {
        let mut w = self.lock_waits();
        match w.session.receive(frame) {
            Received::Reply(request) if Some(request) == want => w.session.take_reply(request),
            Received::Reply(request) => {
                if let Some(slot) = w.pending.remove(&request) {
                    let reply = w.session.take_reply(request);
                    w.session.finish(request);
                    drop(w);
                    if let Some(Reply::Invoke(outcome)) = reply {
                        slot.complete(Ok(outcome));
                    }
                } else {
                    // A blocked caller takes it.
                    self.replied.notify_all();
                }
                None
            }
            Received::Abandoned(request) => {
                tracing::debug!(
                    renderer = self.id,
                    request,
                    "reply to an abandoned call dropped"
                );
                None
            }
            Received::Queued | Received::Closing => None,
            Received::Unexpected(kind) => {
                drop(w);
                electrode_wire::warn_visible!(
                    renderer = self.id,
                    "unexpected frame {kind:?} from main ignored"
                );
                None
            }
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
            Ok(frame) => Ok(self.route(frame, want)),
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

    /// Sends a `SendSync` frame built by `make(request)` and blocks until its reply
    /// (`Ok(None)`: the deadline passed). Main's messages are held until it returns.
    pub(crate) fn call_sync(
        &self,
        make: impl FnOnce(u64) -> Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<SyncOutcome>, Error> {
        let request = self.lock_waits().session.start_sync();
        self.sync_begin();
        let _guard = SyncGuard(self);
        let reply = self.call(request, &make(request), timeout);
        self.lock_waits().session.finish(request);
        Ok(match reply? {
            Some(Reply::Sync(outcome)) => Some(outcome),
            _ => None,
        })
    }

    /// Writes `frame` (the call numbered `request`, started in the session) and waits for its
    /// reply (`Ok(None)`: the deadline passed); the reply is routed to this caller while it
    /// waits.
    fn call(
        &self,
        request: u64,
        frame: &Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<Reply>, Error> {
        self.write(frame)
            .and_then(|()| self.wait_reply(request, timeout.map(|t| Instant::now() + t)))
    }

    /// Sends an `Invoke` frame built by `make(request)` and blocks until its answer
    /// (`Ok(None)`: the deadline passed, and main was told to stop). The dispatcher goes on
    /// delivering messages meanwhile. `Err(None)`: main does not speak invoke.
    pub(crate) fn call_invoke(
        &self,
        make: impl FnOnce(u64) -> Encoded,
        timeout: Option<Duration>,
    ) -> Result<Option<InvokeOutcome>, Option<Error>> {
        let request = self.lock_waits().session.start_invoke().ok_or(None)?;
        let reply = self.call(request, &make(request), timeout);
        let cancel = self.lock_waits().session.finish(request);
        if let Some(cancel) = cancel {
            let _ = self.write(&cancel.encode());
        }
        match reply.map_err(Some)? {
            Some(Reply::Invoke(outcome)) => Ok(Some(outcome)),
            _ => Ok(None),
        }
    }

    /// Sends an `Invoke` frame built by `make(request)` without waiting; its answer goes to
    /// the returned slot. `None`: main does not speak invoke.
    pub(crate) fn start_invoke(
        &self,
        make: impl FnOnce(u64) -> Encoded,
    ) -> Option<(u64, Arc<Slot>)> {
        let slot = Arc::new(Slot::default());
        let request = {
            let mut w = self.lock_waits();
            let request = w.session.start_invoke()?;
            w.pending.insert(request, slot.clone());
            request
        };
        if let Err(e) = self.write(&make(request)) {
            let mut w = self.lock_waits();
            w.pending.remove(&request);
            w.session.finish(request);
            drop(w);
            slot.complete(Err(e));
        }
        Some((request, slot))
    }

    /// The caller of a non-blocking invoke stopped waiting: main's handler is told.
    pub(crate) fn cancel_invoke(&self, request: u64) {
        let cancel = {
            let mut w = self.lock_waits();
            match w.pending.remove(&request) {
                Some(_) => w.session.finish(request),
                None => None,
            }
        };
        if let Some(cancel) = cancel {
            let _ = self.write(&cancel.encode());
        }
    }

    /// `Ok(None)` means the deadline passed.
    fn wait_reply(&self, request: u64, deadline: Option<Instant>) -> Result<Option<Reply>, Error> {
        loop {
            if let Some(reply) = self.lock_waits().session.take_reply(request) {
                return Ok(Some(reply));
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
                    if self.lock_waits().session.has_reply(request) {
                        continue;
                    }
                    let spin = self.sync_spin_ns.load(Ordering::Relaxed);
                    if spin > 0 && self.sync_active.load(Ordering::Acquire) > 0 {
                        let spin = Duration::from_nanos(spin);
                        reader.spin_until_ready(left.map_or(spin, |l| l.min(spin)));
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
            && !w.session.has_reply(request)
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
                let next = self.lock_waits().session.next_message();
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
