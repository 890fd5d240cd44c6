//! The threads that serve Rust renderer links.
//!
//! All links sit in one epoll set (edge-triggered); a few workers (CPUs + 1) wait on it
//! together. The worker that gets a link's event claims the link (an atomic state: idle,
//! running, run-again), reads what arrived and runs the listeners of every whole frame on its
//! own thread. An event for a link that another worker is running just asks that worker to go
//! round once more. So one renderer's messages are handled in order, by one thread at a time,
//! with no hand-off between the thread that read a frame and the one that runs its listeners,
//! and no `epoll_ctl` per message; 1000 renderers cost 1000 small buffers, not 1000 threads
//! (ADR 0006).
//!
//! Waiting in `epoll_wait` and then reading costs more than a plain blocking `recv` when the
//! renderer runs on another vCPU (on this machine about 8 µs more per round trip; a receive
//! timeout on the socket costs 4 µs of that too), and handing one renderer's messages to
//! workers in turn spreads its large buffers over their allocator arenas (W1e binary 1 MB:
//! 0.5 → 1.7 ms from page faults). So a worker that has just handled a renderer's frames and
//! finds no other link waiting may stay with that renderer: its socket leaves
//! the epoll set and the worker blocks in `recv` on it, as a thread per link would, until the
//! renderer goes away or, after a message, other links are found waiting (looked up at most
//! every [`LOOK_AROUND`]). One worker at a time may stay, and the pool has one worker more
//! than the machine has CPUs, so the pool's capacity never shrinks; a renderer that goes quiet
//! keeps that one thread parked, which costs nothing but its stack.
//!
//! Listeners may block (Electron's could not, but Rust code can). A watchdog adds a worker when
//! every worker has been inside the same listeners for [`STALL`] without finishing anything,
//! so a blocked listener delays only the links its worker had in hand; extra workers leave
//! after [`IDLE_RETIRE`] without work.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use electrode_wire::io::{FrameDecoder, ReadError};
use electrode_wire::Frame;

use crate::transport::Connection;
use electrode_io::{
    recv_now, recv_spare_now, recv_spare_wait, recv_wait, Epoll, Event, EventFd, Events, Interest,
};

/// Events taken per `epoll_wait`: one, because a worker that blocks in a listener would hold
/// the rest of its batch (edge-triggered events are not reported twice, so no other worker
/// could take those links).
const BATCH: usize = 1;
/// Bytes read from one link per turn before the worker moves on (fairness under floods).
const READ_BUDGET: usize = 1 << 20;
/// How long every worker may be busy without progress before another worker starts.
pub(crate) const STALL: Duration = Duration::from_millis(10);
/// How long an extra worker waits for work before it leaves.
pub(crate) const IDLE_RETIRE: Duration = Duration::from_secs(10);
/// How often a worker staying with one renderer looks for other links waiting.
pub(crate) const LOOK_AROUND: Duration = Duration::from_micros(50);
/// The most workers the watchdog starts, however many listeners block.
const MAX_WORKERS: usize = 256;
/// The epoll token of the stop signal (link tokens count up from 0).
const STOP_TOKEN: u64 = u64::MAX;

/// The pool of link workers of one main process.
pub(crate) struct Workers {
    inner: Arc<Inner>,
}

struct Inner {
    epoll: Epoll,
    stop: EventFd,
    stopping: AtomicBool,
    links: Mutex<HashMap<u64, Arc<Link>>>,
    next_token: AtomicU64,
    max_message_size: usize,
    min_workers: usize,
    total: AtomicUsize,
    busy: AtomicUsize,
    /// A worker is staying with one renderer (at most one does).
    staying: AtomicBool,
    progress: AtomicU64,
    /// Set by the worker that makes every worker busy; the watchdog waits for it.
    saturated: Mutex<bool>,
    saturated_cv: Condvar,
}

/// One renderer's link: its socket, the bytes of an unfinished frame, and where frames go.
struct Link {
    stream: UnixStream,
    /// [`IDLE`], [`RUNNING`] (a worker owns the link) or [`AGAIN`] (an event came meanwhile).
    run: AtomicU8,
    /// The peer has shut down (or the socket failed): after a short read, the end of the
    /// stream may already be waiting, and no new edge would announce it.
    hangup: AtomicBool,
    state: Mutex<LinkState>,
}

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const AGAIN: u8 = 2;

impl Link {
    /// Claims the link for the calling worker; `false` when another worker runs it (which is
    /// then told to go round again, so the event is not lost).
    fn claim(&self) -> bool {
        let mut seen = IDLE;
        loop {
            let next = if seen == IDLE { RUNNING } else { AGAIN };
            match self
                .run
                .compare_exchange(seen, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return next == RUNNING,
                Err(AGAIN) => return false,
                Err(now) => seen = now,
            }
        }
    }

    /// Gives the link up; `false` if an event came while it ran (the caller keeps it and goes
    /// round again).
    fn release(&self) -> bool {
        if self
            .run
            .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return true;
        }
        self.run.store(RUNNING, Ordering::Release);
        false
    }
}

struct LinkState {
    decoder: FrameDecoder,
    conn: Connection,
    /// Frames were handled since the worker last looked: its renderer is likely to send again
    /// soon.
    handled_frames: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Text for a link that ended or broke while reading.
pub(crate) fn describe(e: &ReadError) -> String {
    match e {
        ReadError::Closed => "renderer disconnected".into(),
        ReadError::TooLarge { size, limit } => {
            format!("renderer sent a frame of {size} bytes, over the limit of {limit} bytes")
        }
        ReadError::Io(e) => format!("renderer connection failed: {e}"),
    }
}

impl Workers {
    /// Starts one worker per CPU plus one (the one that may stay with a renderer), and the
    /// watchdog.
    pub(crate) fn start(max_message_size: usize) -> io::Result<Self> {
        let min_workers = std::thread::available_parallelism().map_or(2, |n| n.get()) + 1;
        let inner = Arc::new(Inner {
            epoll: Epoll::new()?,
            stop: EventFd::new()?,
            stopping: AtomicBool::new(false),
            links: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(0),
            max_message_size,
            min_workers,
            total: AtomicUsize::new(0),
            busy: AtomicUsize::new(0),
            staying: AtomicBool::new(false),
            progress: AtomicU64::new(0),
            saturated: Mutex::new(false),
            saturated_cv: Condvar::new(),
        });
        inner
            .epoll
            .add(&inner.stop, Interest::READABLE, STOP_TOKEN)?;
        for _ in 0..min_workers {
            Inner::spawn_worker(&inner, false)?;
        }
        let watchdog = inner.clone();
        std::thread::Builder::new()
            .name("electrode-watchdog".into())
            .spawn(move || watchdog.watch())?;
        Ok(Workers { inner })
    }

    /// Hands a connected, authenticated link to the workers. Bytes already read past the
    /// handshake stay in `decoder`.
    pub(crate) fn register(&self, stream: UnixStream, decoder: FrameDecoder, conn: Connection) {
        let inner = &self.inner;
        if inner.stopping.load(Ordering::Acquire) {
            conn.closed("main process is shutting down");
            return;
        }
        let token = inner.next_token.fetch_add(1, Ordering::Relaxed);
        let link = Arc::new(Link {
            stream,
            run: AtomicU8::new(IDLE),
            hangup: AtomicBool::new(false),
            state: Mutex::new(LinkState {
                decoder,
                conn,
                handled_frames: false,
            }),
        });
        lock(&inner.links).insert(token, link.clone());
        if let Err(e) = inner
            .epoll
            .add(&link.stream, Interest::READABLE_EDGE, token)
        {
            lock(&inner.links).remove(&token);
            let reason = format!("cannot watch the renderer socket: {e}");
            crate::error_visible!("{reason}");
            lock(&link.state).conn.closed(&reason);
        }
    }

    /// Stops the workers once they finish what they are doing; links still open are dropped.
    pub(crate) fn stop(&self) {
        let inner = &self.inner;
        inner.stopping.store(true, Ordering::Release);
        inner.stop.signal();
        let _g = lock(&inner.saturated);
        inner.saturated_cv.notify_all();
        drop(_g);
        let links: Vec<_> = lock(&inner.links).drain().collect();
        drop(links);
    }
}

impl Inner {
    fn spawn_worker(self: &Arc<Self>, extra: bool) -> io::Result<()> {
        self.total.fetch_add(1, Ordering::AcqRel);
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("electrode-worker".into())
            .spawn(move || me.work(extra));
        if spawned.is_err() {
            self.total.fetch_sub(1, Ordering::AcqRel);
        }
        spawned.map(drop)
    }

    fn work(self: Arc<Self>, extra: bool) {
        let mut events = Events::<BATCH>::new();
        let timeout = extra.then_some(IDLE_RETIRE);
        loop {
            let n = match self.epoll.wait(&mut events, timeout) {
                Ok(n) => n,
                Err(e) => {
                    crate::error_visible!("a renderer-link worker stopped: epoll_wait failed: {e}");
                    break;
                }
            };
            if n == 0 && extra && self.try_retire() {
                return;
            }
            let mut next = events.iter().take(n).next();
            while let Some(ev) = next.take() {
                let token = ev.token();
                if token == STOP_TOKEN {
                    self.total.fetch_sub(1, Ordering::AcqRel);
                    return;
                }
                let link = lock(&self.links).get(&token).cloned();
                if let Some(link) = link {
                    if ev.is_hangup() {
                        link.hangup.store(true, Ordering::Release);
                    }
                    next = self.serve(token, &link);
                }
            }
        }
        self.total.fetch_sub(1, Ordering::AcqRel);
    }

    /// Leaves the pool if it has more workers than its minimum.
    fn try_retire(&self) -> bool {
        self.total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t > self.min_workers).then(|| t - 1)
            })
            .is_ok()
    }

    /// Serves one link's event. Returns another link's event when it looked for one (before
    /// deciding whether to stay with this renderer) and found it.
    fn serve(&self, token: u64, link: &Link) -> Option<Event> {
        if !link.claim() {
            return None;
        }
        let busy = self.busy.fetch_add(1, Ordering::AcqRel) + 1;
        if busy >= self.total.load(Ordering::Acquire) {
            let mut saturated = lock(&self.saturated);
            if !*saturated {
                *saturated = true;
                self.saturated_cv.notify_one();
            }
        }
        let mut state = lock(&link.state);
        let fd = link.stream.as_fd();
        let mut waiting = None;
        let outcome = loop {
            let hangup = link.hangup.load(Ordering::Acquire);
            match state.read_and_handle(fd, hangup, self.max_message_size) {
                Ok(Drained::Yes)
                    if state.handled_frames
                        && !hangup
                        && waiting.is_none()
                        // Another worker stays already: no point looking around to stay.
                        && !self.staying.load(Ordering::Acquire) =>
                {
                    state.handled_frames = false;
                    waiting = self.waiting_event();
                    if waiting.is_none() && self.leave_pool() {
                        let stayed = self.stay(token, fd, &mut state);
                        self.rejoin_pool();
                        match stayed {
                            Ok(found) => waiting = found,
                            Err(reason) => break Err(reason),
                        }
                    }
                }
                Ok(Drained::Yes) => {}
                // Data is left but this link had its turn: epoll reports it again, to whichever
                // worker is free (this one, going round, if the link is not released).
                Ok(Drained::No) => {
                    if let Err(e) = self.epoll.modify(fd, Interest::READABLE_EDGE, token) {
                        break Err(format!("cannot watch the renderer socket: {e}"));
                    }
                }
                Err(reason) => break Err(reason),
            }
            if link.release() {
                break Ok(());
            }
        };
        match outcome {
            Ok(()) => {}
            Err(reason) => {
                let id = state.conn.contents().id();
                tracing::info!(renderer = id, "renderer link closed: {reason}");
                self.epoll.remove(fd);
                lock(&self.links).remove(&token);
                state.conn.closed(&reason);
            }
        }
        drop(state);
        self.busy.fetch_sub(1, Ordering::AcqRel);
        self.progress.fetch_add(1, Ordering::Release);
        waiting
    }

    /// An event of another link, if one is ready now.
    fn waiting_event(&self) -> Option<Event> {
        let mut ev = Events::<1>::new();
        match self.epoll.wait(&mut ev, Some(Duration::ZERO)) {
            Ok(1) => ev.iter().next(),
            _ => None,
        }
    }

    /// Takes the calling worker (busy, serving a link) out of the pool's count to stay with
    /// its renderer, unless another worker stays already or it is the last one in the pool.
    fn leave_pool(&self) -> bool {
        if self
            .staying
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        let left = self
            .total
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t >= 2).then(|| t - 1)
            })
            .is_ok();
        if left {
            self.busy.fetch_sub(1, Ordering::AcqRel);
        } else {
            self.staying.store(false, Ordering::Release);
        }
        left
    }

    fn rejoin_pool(&self) {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.total.fetch_add(1, Ordering::AcqRel);
        self.staying.store(false, Ordering::Release);
    }

    /// Stays with one renderer: its socket leaves the epoll set, and the worker handles its
    /// frames with blocking reads until, after a message, another link's event is found
    /// waiting (returned, to be served next). `Err` carries why the link must close.
    fn stay(
        &self,
        token: u64,
        fd: BorrowedFd<'_>,
        state: &mut LinkState,
    ) -> Result<Option<Event>, String> {
        let watch_error = |e: io::Error| format!("cannot watch the renderer socket: {e}");
        self.epoll
            .modify(fd, Interest::NOTHING, token)
            .map_err(watch_error)?;
        let mut looked = Instant::now();
        let found = loop {
            // A large frame goes straight into its body's spare capacity (no zeroing).
            let read = match state
                .decoder
                .fill_spare_with(|body| recv_spare_wait(fd, body))
            {
                Some(r) => r,
                None => state.decoder.fill_with(|buf| recv_wait(fd, buf)),
            };
            match read {
                Ok(0) => return Err(describe(&state.decoder.end_of_stream())),
                Ok(_) => state.handle_whole_frames(self.max_message_size)?,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("renderer connection failed: {e}")),
            }
            if self.stopping.load(Ordering::Acquire) {
                break None;
            }
            if looked.elapsed() >= LOOK_AROUND {
                if let Some(ev) = self.waiting_event() {
                    break Some(ev);
                }
                looked = Instant::now();
            }
        };
        // Back in the set; data that came meanwhile is reported at once (the caller then
        // finds it in its next read anyway).
        self.epoll
            .modify(fd, Interest::READABLE_EDGE, token)
            .map_err(watch_error)?;
        Ok(found)
    }

    /// Adds a worker whenever all of them have been busy for [`STALL`] with no handler
    /// finishing (some listener blocks), up to [`MAX_WORKERS`].
    fn watch(self: Arc<Self>) {
        loop {
            {
                let mut saturated = lock(&self.saturated);
                loop {
                    if self.stopping.load(Ordering::Acquire) {
                        return;
                    }
                    if self.busy.load(Ordering::Acquire) >= self.total.load(Ordering::Acquire) {
                        break;
                    }
                    *saturated = false;
                    saturated = self
                        .saturated_cv
                        .wait(saturated)
                        .unwrap_or_else(|e| e.into_inner());
                }
            }
            let before = self.progress.load(Ordering::Acquire);
            std::thread::sleep(STALL);
            let total = self.total.load(Ordering::Acquire);
            let stalled = self.busy.load(Ordering::Acquire) >= total
                && self.progress.load(Ordering::Acquire) == before;
            if stalled && total < MAX_WORKERS && !self.stopping.load(Ordering::Acquire) {
                tracing::debug!(
                    workers = total,
                    "every renderer-link worker is inside a listener for over {STALL:?}; starting another"
                );
                if let Err(e) = Self::spawn_worker(&self, true) {
                    crate::error_visible!("cannot start another renderer-link worker: {e}");
                }
            } else if stalled && total >= MAX_WORKERS {
                crate::warn_visible!(
                    "all {total} renderer-link workers are blocked inside listeners; other renderers wait"
                );
            }
        }
    }
}

/// Whether a turn read everything the socket had.
enum Drained {
    Yes,
    No,
}

impl LinkState {
    /// Reads what the renderer sent (up to [`READ_BUDGET`]) and runs the listeners of each whole
    /// frame. `Err` carries why the link must close.
    fn read_and_handle(
        &mut self,
        fd: BorrowedFd<'_>,
        hangup: bool,
        max_message_size: usize,
    ) -> Result<Drained, String> {
        let mut budget = READ_BUDGET;
        loop {
            self.handle_whole_frames(max_message_size)?;
            // A message taken out of shared memory is work the socket's byte count does not
            // show: it spends the same budget.
            budget = budget.saturating_sub(self.conn.take_shared_bytes());
            if budget == 0 {
                return Ok(Drained::No);
            }
            let offered = self.decoder.free_space();
            let read = match self
                .decoder
                .fill_spare_with(|body| recv_spare_now(fd, body))
            {
                Some(r) => r,
                None => self.decoder.fill_with(|buf| recv_now(fd, buf)),
            };
            let n = match read {
                Ok(0) => return Err(describe(&self.decoder.end_of_stream())),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Drained::Yes),
                Err(e) => return Err(format!("renderer connection failed: {e}")),
            };
            budget = budget.saturating_sub(n);
            // A short read means the socket is drained for now; whatever arrives later raises a
            // new edge, so no second `recv` just to hear "would block". Unless the peer hung
            // up: then the end of the stream may be queued already, and must be read.
            if n < offered && !hangup {
                self.handle_whole_frames(max_message_size)?;
                return Ok(Drained::Yes);
            }
        }
    }

    /// Runs the listeners of every whole frame held in the decoder, in order.
    fn handle_whole_frames(&mut self, max_message_size: usize) -> Result<(), String> {
        if handle_whole_frames(&mut self.decoder, &self.conn, max_message_size)? {
            self.handled_frames = true;
        }
        Ok(())
    }
}

/// Runs the listeners of every whole frame held in `decoder`, in order; `Ok(true)` if there
/// was any. `Err` carries why the link must close (a malformed or oversized frame, or a
/// protocol breach).
pub(crate) fn handle_whole_frames(
    decoder: &mut FrameDecoder,
    conn: &Connection,
    max_message_size: usize,
) -> Result<bool, String> {
    let id = conn.contents().id();
    let mut handled = false;
    loop {
        let body = match decoder.next_frame() {
            Ok(Some(body)) => body,
            Ok(None) => return Ok(handled),
            Err(e) => {
                let reason = describe(&e);
                crate::error_visible!(renderer = id, "{reason}; closing its connection");
                return Err(reason);
            }
        };
        handled = true;
        handle_body(body, conn, max_message_size)?;
    }
}

/// Decodes one frame body from a renderer and runs its listeners. `Err` carries why the link
/// must close (a malformed frame or a protocol breach), already said on stderr.
pub(crate) fn handle_body(
    body: Bytes,
    conn: &Connection,
    max_message_size: usize,
) -> Result<(), String> {
    let id = conn.contents().id();
    let frame = Frame::decode(body, max_message_size).map_err(|e| {
        let reason = format!("renderer {id} sent a malformed frame: {e}");
        crate::error_visible!(renderer = id, "{reason}; closing its connection");
        reason
    })?;
    conn.handle_frame(frame).map_err(|e| {
        crate::error_visible!(renderer = id, "{e}; closing its connection");
        e.to_string()
    })
}
