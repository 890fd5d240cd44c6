//! An in-memory link: two bounded queues of frame bodies, one per direction, for renderers that
//! live in main's own process and for tests. No socket and no system call: a `Mutex` and two
//! `Condvar`s per direction.
//!
//! Each end sends whole frames and receives whole frame bodies (what `Frame::decode` takes), so
//! the transports on top keep the size limits and the decoding of the socket path.
//!
//! ```
//! use electrode_wire::memory::pair;
//! use electrode_wire::Frame;
//!
//! let (a, b) = pair(1 << 20, 1 << 20);
//! a.send(&Frame::Close { reason: "bye".into() }.encode()).unwrap();
//! let body = b.recv(None).unwrap().unwrap();
//! assert!(matches!(Frame::decode(body, 1024).unwrap(), Frame::Close { .. }));
//! drop(a);
//! assert!(b.recv(None).is_err());
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::Encoded;

/// The link was closed by either end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the in-memory link is closed")
    }
}

impl std::error::Error for Closed {}

/// Why [`MemoryEnd::try_send`] did not take a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySendError {
    /// The link is closed.
    Closed,
    /// The peer has not read enough yet.
    Full {
        /// Bytes waiting in the queue.
        queued: usize,
        /// The queue's capacity.
        capacity: usize,
    },
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Closed => Closed.fmt(f),
            TrySendError::Full { queued, capacity } => write!(
                f,
                "{queued} bytes already wait in the in-memory link (capacity {capacity} bytes)"
            ),
        }
    }
}

impl std::error::Error for TrySendError {}

/// What [`MemoryEnd::park`] woke for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wakeup {
    /// A frame is waiting (or the link closed: the next read says so).
    Readable,
    /// [`MemoryEnd::unpark`] was called.
    Woken,
}

struct Queue {
    frames: VecDeque<Bytes>,
    bytes: usize,
    closed: bool,
    /// Whether [`MemoryEnd::park`] wakes for frames (the owner may take that interest away while
    /// another thread waits for a reply).
    watched: bool,
    woken: bool,
}

/// One direction: frames from one end to the other.
struct Direction {
    queue: Mutex<Queue>,
    capacity: usize,
    /// Frames arrived, the link closed, or the receiver was woken.
    arrived: Condvar,
    /// Frames were taken, or the link closed.
    drained: Condvar,
}

impl Direction {
    fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Direction {
            queue: Mutex::new(Queue {
                frames: VecDeque::new(),
                bytes: 0,
                closed: false,
                watched: true,
                woken: false,
            }),
            capacity,
            arrived: Condvar::new(),
            drained: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) {
        self.lock().closed = true;
        self.arrived.notify_all();
        self.drained.notify_all();
    }

    /// Whether a frame of `len` bytes fits. A queue always takes one frame when it is empty, so
    /// a frame larger than the capacity (but within the message size limit) still passes.
    fn fits(&self, q: &Queue, len: usize) -> bool {
        q.frames.is_empty() || q.bytes + len <= self.capacity
    }

    fn push(&self, mut q: MutexGuard<'_, Queue>, body: Bytes) {
        q.bytes += body.len();
        q.frames.push_back(body);
        drop(q);
        self.arrived.notify_all();
    }
}

/// One end of an in-memory link (see [`pair`]). Dropping an end closes the link both ways.
pub struct MemoryEnd {
    tx: Arc<Direction>,
    rx: Arc<Direction>,
}

/// Two connected ends. `a_to_b` and `b_to_a` are the capacities, in bytes, of the two queues:
/// a sender past it waits ([`MemoryEnd::send`]) or is refused ([`MemoryEnd::try_send`]).
pub fn pair(a_to_b: usize, b_to_a: usize) -> (MemoryEnd, MemoryEnd) {
    let ab = Direction::new(a_to_b);
    let ba = Direction::new(b_to_a);
    (
        MemoryEnd {
            tx: ab.clone(),
            rx: ba.clone(),
        },
        MemoryEnd { tx: ba, rx: ab },
    )
}

/// The frame body (what follows the length prefix) as one buffer.
fn body_of(frame: &Encoded) -> Bytes {
    let head = &frame.head[4.min(frame.head.len())..];
    if head.is_empty() && frame.tail.is_empty() {
        return frame.body.clone();
    }
    let mut body = BytesMut::with_capacity(head.len() + frame.body.len() + frame.tail.len());
    body.extend_from_slice(head);
    body.extend_from_slice(&frame.body);
    body.extend_from_slice(&frame.tail);
    body.freeze()
}

impl MemoryEnd {
    /// Sends one frame, waiting while the peer's queue is full (backpressure, as a socket's).
    pub fn send(&self, frame: &Encoded) -> Result<(), Closed> {
        let body = body_of(frame);
        let mut q = self.tx.lock();
        loop {
            if q.closed {
                return Err(Closed);
            }
            if self.tx.fits(&q, body.len()) {
                self.tx.push(q, body);
                return Ok(());
            }
            q = self.tx.drained.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Sends one frame if the peer's queue has room now.
    pub fn try_send(&self, frame: &Encoded) -> Result<(), TrySendError> {
        let len = frame.body_len();
        let q = self.tx.lock();
        if q.closed {
            return Err(TrySendError::Closed);
        }
        if !self.tx.fits(&q, len) {
            return Err(TrySendError::Full {
                queued: q.bytes,
                capacity: self.tx.capacity,
            });
        }
        self.tx.push(q, body_of(frame));
        Ok(())
    }

    /// Waits until `bytes` more fit in the peer's queue, the link closed, or `deadline` passed;
    /// `false` if there is still no room at the deadline.
    pub fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        let mut q = self.tx.lock();
        loop {
            if q.closed || self.tx.fits(&q, bytes) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            q = self
                .tx
                .drained
                .wait_timeout(q, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Takes the next frame body, waiting up to `timeout` (`None`: without limit) for one.
    /// `Ok(None)`: the time passed. `Err`: the link is closed and every frame sent before was
    /// read.
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Option<Bytes>, Closed> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut q = self.rx.lock();
        loop {
            if let Some(body) = q.frames.pop_front() {
                q.bytes -= body.len();
                drop(q);
                self.rx.drained.notify_all();
                return Ok(Some(body));
            }
            if q.closed {
                return Err(Closed);
            }
            q = match deadline {
                None => self.rx.arrived.wait(q).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    self.rx
                        .arrived
                        .wait_timeout(q, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Whether [`recv`](Self::recv) would return at once (a frame waits, or the link closed).
    pub fn ready(&self) -> bool {
        let q = self.rx.lock();
        !q.frames.is_empty() || q.closed
    }

    /// Whether a frame waits to be read.
    pub fn has_frame(&self) -> bool {
        !self.rx.lock().frames.is_empty()
    }

    /// Sleeps until a frame waits while [`watched`](Self::set_watched), the link closes, or
    /// [`unpark`](Self::unpark) is called. A wake-up is remembered until a `park` sees it, so
    /// none is lost between a check and the sleep.
    pub fn park(&self) -> Wakeup {
        let mut q = self.rx.lock();
        loop {
            if q.woken {
                q.woken = false;
                return Wakeup::Woken;
            }
            if q.closed || (q.watched && !q.frames.is_empty()) {
                return Wakeup::Readable;
            }
            q = self.rx.arrived.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Wakes a thread in [`park`](Self::park) (or the next one to call it).
    pub fn unpark(&self) {
        self.rx.lock().woken = true;
        self.rx.arrived.notify_all();
    }

    /// Whether [`park`](Self::park) wakes for arriving frames (on at first).
    pub fn set_watched(&self, watched: bool) {
        self.rx.lock().watched = watched;
        if watched {
            self.rx.arrived.notify_all();
        }
    }

    /// Closes the link both ways; frames already queued can still be read by the peer.
    pub fn close(&self) {
        self.tx.close();
        self.rx.close();
    }

    /// Whether the link is closed.
    pub fn is_closed(&self) -> bool {
        self.tx.lock().closed
    }
}

impl Drop for MemoryEnd {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for MemoryEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.rx.lock();
        f.debug_struct("MemoryEnd")
            .field("inbound_frames", &q.frames.len())
            .field("inbound_bytes", &q.bytes)
            .field("closed", &q.closed)
            .finish()
    }
}

/// What main hands an in-process renderer: its end of the link and the single-use token it
/// presents in its Hello, as a spawned renderer presents its ticket.
pub struct MemoryLink {
    /// The renderer's end.
    pub end: MemoryEnd,
    /// The token for the Hello.
    pub token: String,
}

impl fmt::Debug for MemoryLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret: never in a log line.
        f.debug_struct("MemoryLink")
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}
