//! The Unix-socket link to Rust renderer processes: the accept loop, the handshake, and the
//! writer. Reading and running listeners is the workers' job (`workers.rs`).

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, IoSlice, Read};
use std::os::fd::OwnedFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use electrode_io::is_transient;
use electrode_wire::io::{FrameReader, ReadError};
use electrode_wire::session::MainSession;
use electrode_wire::{Encoded, Frame};

use crate::main_process::Shared;
use crate::transport::{Connection, Outbound, SendFailure};
use crate::workers::{describe, handle_whole_frames};
use crate::WebContents;

/// The largest Hello accepted: a token is 64 hex characters; anything much bigger is not a
/// renderer of ours, and must not make main buffer megabytes before it is refused.
pub(crate) const MAX_HELLO_SIZE: usize = 512;

/// Counts connections that are authenticating, so silent clients cost a bounded number of
/// threads: the accept loop waits for a free slot (the kernel's backlog holds the rest).
pub(crate) struct HandshakeSlots {
    busy: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

/// Gives a taken handshake slot back when dropped (also if the handshake panics).
struct Slot<'a>(&'a HandshakeSlots);

impl HandshakeSlots {
    pub(crate) fn new(max: usize) -> Self {
        HandshakeSlots {
            busy: Mutex::new(0),
            freed: Condvar::new(),
            max: max.max(1),
        }
    }

    /// Takes a slot, waiting while all are busy; give it back with a [`Slot`].
    fn take(&self) {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= self.max {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.busy.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.freed.notify_one();
    }
}

pub(crate) fn accept_loop(listener: UnixListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.shutting_down.load(Ordering::Acquire) {
            break;
        }
        match stream {
            Ok(stream) => {
                // Waits while the maximum number of handshakes is running.
                shared.handshakes.take();
                let conn_shared = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name("electrode-conn".into())
                    .spawn(move || {
                        let _slot = Slot(&conn_shared.handshakes);
                        serve(stream, &conn_shared)
                    });
                if let Err(e) = spawned {
                    drop(Slot(&shared.handshakes));
                    crate::error_visible!(
                        "cannot start a thread for a new renderer connection: {e}"
                    );
                }
            }
            Err(e) if is_transient(&e) => {
                // Out of descriptors: accepting again at once would spin. The connection stays
                // in the backlog; renderers that hang up meanwhile free descriptors.
                crate::warn_visible!("accept on the renderer socket failed, retrying: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => crate::warn_visible!("accept on the renderer socket failed: {e}"),
        }
    }
}

/// Reads from the socket with one deadline for the whole handshake, however the bytes are
/// dripped in (a per-read timeout would let one byte every few seconds go on forever).
/// A descriptor that came with the handshake's bytes (a renderer's shared region) is kept in
/// `region`; any later one is closed.
struct BeforeDeadline<'a> {
    stream: &'a UnixStream,
    deadline: Instant,
    region: &'a Cell<Option<OwnedFd>>,
}

impl Read for BeforeDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let too_long = || io::Error::new(io::ErrorKind::TimedOut, "the handshake took too long");
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(too_long());
        }
        self.stream.set_read_timeout(Some(left))?;
        let got = electrode_io::recv_with_fd(self.stream, buf).map(|(n, fd)| {
            if let Some(fd) = fd {
                let first = self.region.take().unwrap_or(fd);
                self.region.set(Some(first));
            }
            n
        });
        match got {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(too_long())
            }
            other => other,
        }
    }
}

fn refuse(stream: &UnixStream, reason: &str) {
    crate::warn_visible!("refused a renderer connection: {reason}");
    let frame = Frame::Close {
        reason: format!("connection refused: {reason}"),
    }
    .encode();
    let _ = electrode_wire::io::write_frame(&mut &*stream, &frame);
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// Authenticates a new connection on its own short-lived thread (a slow or silent client
/// delays nobody else), then hands the link to the workers.
fn serve(stream: UnixStream, shared: &Shared) {
    let limits = shared.limits;
    let region = Cell::new(None);
    let mut hello_reader = FrameReader::new(
        BeforeDeadline {
            stream: &stream,
            deadline: Instant::now() + limits.handshake_timeout,
            region: &region,
        },
        MAX_HELLO_SIZE,
    );
    let first = hello_reader.read_frame();
    if let Ok(body) = &first {
        if body.first() == Some(&(electrode_wire::FrameKind::PortFetch as u8)) {
            return serve_fetch(&stream, body.clone());
        }
    }
    let (session, token) = match accept_hello(first, shared.registry.rules) {
        Ok(hello) => hello,
        Err(why) => return refuse(&stream, &why),
    };
    // Bytes that came right behind the hello stay in the decoder, for the workers.
    let mut decoder = hello_reader.into_decoder();
    decoder.set_max_size(limits.max_message_size);
    let _ = stream.set_read_timeout(None);
    // Before the token is spent: if this fails for want of descriptors, the renderer is
    // refused but keeps its ticket and may connect again.
    let write_half = match stream.try_clone() {
        Ok(s) => s,
        Err(e) => {
            let why = if is_transient(&e) {
                format!("main is short of resources ({e}); connect again")
            } else {
                format!("cannot clone the socket: {e}")
            };
            return refuse(&stream, &why);
        }
    };
    let contents = match shared.tickets.redeem(&token) {
        Ok(c) => c,
        Err(why) => return refuse(&stream, &why),
    };
    let (session, ring) = shared_ring(session, region.take(), &limits, contents.id());
    let out = Arc::new(UdsOutbound::new(
        write_half,
        contents.id(),
        limits.outbound_queue_bytes,
    ));
    let Some(mut conn) = welcome(shared, contents, session, out) else {
        return;
    };
    if let Some(ring) = ring {
        conn = conn.with_shared_ring(ring, limits.max_message_size);
    }
    // Frames that came in with the hello run here, before any worker can see the link, so
    // they keep their place in the renderer's order.
    if let Err(reason) = handle_whole_frames(&mut decoder, &conn, limits.max_message_size) {
        return conn.closed(&reason);
    }
    if conn
        .session_features()
        .contains(electrode_wire::Features::PORTS)
    {
        conn.contents().allow_direct_ports();
    }
    shared.workers.register(stream, decoder, conn);
}

/// The ring of the memory region a renderer sent with its Hello, when both sides want the
/// shared-memory path (docs/adr/0022) and the region is one main may map; otherwise the
/// session without that feature (large messages then use the socket).
fn shared_ring(
    session: MainSession,
    region: Option<OwnedFd>,
    limits: &crate::Limits,
    renderer: u64,
) -> (MainSession, Option<electrode_shm::RingReader>) {
    let wanted = session
        .agreement()
        .features
        .contains(electrode_wire::Features::SHARED_MEMORY);
    let without = session.without(electrode_wire::Features::SHARED_MEMORY);
    let (Some(fd), true, true) = (region, wanted, limits.max_shared_region > 0) else {
        return (without, None);
    };
    match electrode_shm::Region::adopt(fd, limits.max_shared_region) {
        Ok(region) => (session, Some(electrode_shm::RingReader::new(region))),
        Err(e) => {
            crate::warn_visible!(
                renderer = renderer,
                "renderer {renderer}'s shared memory region was not taken ({e}; \
                 Limits::max_shared_region is {} bytes): its large messages use the socket",
                limits.max_shared_region
            );
            (without, None)
        }
    }
}

/// A renderer fetches its end of a direct MessagePort (docs/adr/0019): one byte with the
/// descriptor, then the connection closes. An unknown nonce gets nothing.
fn serve_fetch(stream: &UnixStream, body: Bytes) {
    let Ok(Frame::PortFetch { nonce }) = Frame::decode(body, MAX_HELLO_SIZE) else {
        return refuse(stream, "malformed PortFetch");
    };
    match crate::ports::take_direct(&nonce) {
        Some(end) => {
            if let Err(e) = electrode_io::send_fd(stream, &end) {
                crate::warn_visible!("a direct MessagePort could not be handed over: {e}");
            }
        }
        None => refuse(stream, "no MessagePort waits under that nonce"),
    }
}

/// Main's reading of a renderer's first frame, whatever the transport: the session and the
/// token, or why the renderer is refused.
pub(crate) fn accept_hello(
    first: Result<Bytes, ReadError>,
    rules: electrode_wire::ValueRules,
) -> Result<(MainSession, Bytes), String> {
    let body = first.map_err(|e| format!("no hello: {}", describe(&e)))?;
    let frame = Frame::decode(body, MAX_HELLO_SIZE).map_err(|e| format!("malformed hello: {e}"))?;
    MainSession::accept(frame, rules).map_err(|reason| reason.to_string())
}

/// Main's side of the handshake once the token is redeemed, whatever the transport: sends the
/// Welcome over `out` and attaches it to `contents`. `None`: the renderer is gone already
/// (said on stderr).
pub(crate) fn welcome(
    shared: &Shared,
    contents: WebContents,
    session: MainSession,
    out: Arc<dyn Outbound>,
) -> Option<Connection> {
    let id = contents.id();
    let welcome = session.welcome(
        id,
        contents.embedder().map(|e| e.id()),
        shared.limits.max_message_size,
    );
    if let Err(e) = out.send(&welcome.encode()) {
        let reason = format!("renderer {id} hung up before the handshake finished ({e})");
        crate::warn_visible!(renderer = id, "{reason}");
        contents.destroy(&reason);
        return None;
    }
    if contents.attach(out.clone()).is_err() {
        out.close("renderer was destroyed before it connected");
        return None;
    }
    let agreement = session.agreement();
    tracing::info!(
        renderer = id,
        version = agreement.version,
        features = %agreement.features,
        "renderer connected"
    );
    // A Rust renderer registers its listeners before it connects (`connect_from_env_with`):
    // once connected it has "finished loading".
    contents.notify_did_finish_load();
    Some(Connection::new(
        contents,
        shared.ipc.clone(),
        shared.registry.clone(),
        session,
    ))
}

struct WriteQueue {
    frames: VecDeque<[Bytes; 3]>,
    bytes: usize,
    closed: Option<String>,
    flusher: bool,
}

/// Writes frames to a renderer without blocking the caller: a direct non-blocking `sendmsg`
/// when nothing is queued (the fast path), otherwise a bounded queue drained by a flusher thread
/// that runs while the queue is not empty.
pub(crate) struct UdsOutbound(Arc<Writer>);

struct Writer {
    stream: UnixStream,
    renderer: u64,
    limit: usize,
    queue: Mutex<WriteQueue>,
    /// Notified when queued bytes were written (senders waiting for room).
    drained: Condvar,
}

/// Writes what the socket takes now of `head` and `body`, in one vectored call.
fn send_nonblocking(stream: &UnixStream, frame: &Encoded) -> io::Result<usize> {
    electrode_io::send_now(
        stream,
        &[
            IoSlice::new(&frame.head),
            IoSlice::new(&frame.body),
            IoSlice::new(&frame.tail),
        ],
    )
}

/// What is left of a frame's parts once `written` bytes of them went out.
fn remainder(parts: [Bytes; 3], mut written: usize) -> [Bytes; 3] {
    parts.map(|p| {
        let from = written.min(p.len());
        written -= from;
        p.slice(from..)
    })
}

impl UdsOutbound {
    fn new(stream: UnixStream, renderer: u64, limit: usize) -> Self {
        UdsOutbound(Arc::new(Writer {
            stream,
            renderer,
            limit,
            queue: Mutex::new(WriteQueue {
                frames: VecDeque::new(),
                bytes: 0,
                closed: None,
                flusher: false,
            }),
            drained: Condvar::new(),
        }))
    }
}

impl Writer {
    /// Writes the queue out (blocking on the socket), and leaves once it is empty: a renderer
    /// that was slow once does not keep a thread for the rest of its life.
    fn flush_loop(self: Arc<Self>) {
        loop {
            let parts = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                if q.closed.is_some() {
                    q.flusher = false;
                    return;
                }
                match q.frames.front() {
                    Some(front) => front.clone(),
                    None => {
                        q.flusher = false;
                        return;
                    }
                }
            };
            let len = parts.iter().map(Bytes::len).sum::<usize>();
            let encoded = Encoded {
                head: parts[0].to_vec(),
                body: parts[1].clone(),
                tail: parts[2].clone(),
            };
            let result = electrode_wire::io::write_frame(&mut &self.stream, &encoded);
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = result {
                q.closed
                    .get_or_insert_with(|| format!("write to renderer failed: {e}"));
                q.flusher = false;
                self.drained.notify_all();
                return;
            }
            q.frames.pop_front();
            q.bytes -= len;
            self.drained.notify_all();
        }
    }
}

impl Outbound for UdsOutbound {
    fn send(&self, frame: &Encoded) -> Result<(), SendFailure> {
        let w = &self.0;
        let mut q = w.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(reason) = &q.closed {
            return Err(SendFailure::Closed(reason.clone()));
        }
        let parts = || {
            [
                Bytes::copy_from_slice(&frame.head),
                frame.body.clone(),
                frame.tail.clone(),
            ]
        };
        if q.frames.is_empty() {
            let total = frame.len();
            let rest = match send_nonblocking(&w.stream, frame) {
                Ok(n) if n == total => return Ok(()),
                Ok(n) => remainder(parts(), n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => parts(),
                Err(e) => {
                    let reason = format!("write to renderer {} failed: {e}", w.renderer);
                    q.closed = Some(reason.clone());
                    return Err(SendFailure::Closed(reason));
                }
            };
            q.bytes += rest.iter().map(Bytes::len).sum::<usize>();
            q.frames.push_back(rest);
        } else {
            if q.bytes + frame.len() > w.limit {
                return Err(SendFailure::QueueFull {
                    queued: q.bytes,
                    limit: w.limit,
                });
            }
            q.bytes += frame.len();
            q.frames.push_back(parts());
        }
        if !q.flusher {
            q.flusher = true;
            let writer = w.clone();
            let spawned = std::thread::Builder::new()
                .name("electrode-flush".into())
                .spawn(move || writer.flush_loop());
            if let Err(e) = spawned {
                let reason = format!(
                    "cannot start a writer thread for renderer {}: {e}",
                    w.renderer
                );
                q.closed = Some(reason.clone());
                return Err(SendFailure::Closed(reason));
            }
        }
        Ok(())
    }

    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        let w = &self.0;
        let mut q = w.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if q.closed.is_some() || q.frames.is_empty() || q.bytes + bytes <= w.limit {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            q = w
                .drained
                .wait_timeout(q, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn close(&self, reason: &str) {
        let w = &self.0;
        let mut q = w.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.closed.is_some() {
            return;
        }
        q.closed = Some(reason.to_string());
        if q.frames.is_empty() {
            let frame = Frame::Close {
                reason: reason.to_string(),
            }
            .encode();
            let _ = send_nonblocking(&w.stream, &frame);
        }
        let _ = w.stream.shutdown(std::net::Shutdown::Both);
        w.drained.notify_all();
    }
}
