//! The processes of W5 (c) and (d): the event-driven load generator, and the raw floor's
//! server (the main-side orchestration is in [`super::w5`]).
//!
//! - **Generator** (`electrode-bench __extra w5-evgen electrode|raw`): all the connections
//!   of one process on ONE thread with a level-triggered `electrode_io::Epoll`; frames are
//!   split by `electrode_wire::io::FrameDecoder`. In `electrode` mode each connection speaks
//!   the wire protocol with `electrode_wire` types: `Hello { token }` → `Welcome`, then a
//!   closed loop of `SendSync { request, "bench", [s] }` (s = the 100 B string) →
//!   `SyncReply`, whose outcome must be the value `true` (anything else is counted in
//!   `errors`). The request is encoded per call, as `IpcRenderer::send_sync` does:
//!   `Args::encode(&(s,))`, then `Frame::encode` with the next request number. In `raw` mode
//!   it writes a u32-LE length-prefixed frame with a 100 B body, pre-built once, and checks
//!   the reply bytes.
//! - **Raw floor** ([`RawServer`]): a raw Unix-socket server inside the bench main process
//!   that does the least an event-driven main could do: N worker threads (N = CPUs) share one
//!   `electrode_io::Epoll` with `EPOLLONESHOT`; a ready connection gets one non-blocking
//!   `read`, every complete frame one `write` of a reply frame (the 18 bytes of an Electrode
//!   `SyncReply` carrying `true`), then it is re-armed. Frames are taken out of the read
//!   buffer without a copy ([`crate::frame::FrameBuf`]).
//!
//! Generator protocol: stdin carries one `socket\ttoken` line per connection (token `-` for
//! raw), an empty line, later `go <ms>`; stdout gets `ready` once every connection had its
//! first answer, then one `LoadResult` JSON line. A generator kills itself with `alarm(2)` if
//! the run hangs, and dies with the bench main process (`PR_SET_PDEATHSIG`).

use super::common::{read_go, read_tickets, say, LoadResult};
use crate::cell::Res;
use crate::frame::FrameBuf;
use bytes::Bytes;
use electrode_io::{Epoll, Events, Interest};
use electrode_wire::io::{write_frame, FrameDecoder};
use electrode_wire::{Args, Frame, SyncOutcome, DEFAULT_MAX_MESSAGE_SIZE};
use std::io::{self, BufRead, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The raw floor's reply: the bytes of an Electrode `SyncReply` for request 0 carrying
/// `true` (type 0x83, request, status 1, JSON), so both servers write as many bytes.
const RAW_REPLY: [u8; 18] = [
    14, 0, 0, 0, 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 1, b't', b'r', b'u', b'e',
];
/// Body size of the raw floor's requests.
const RAW_BODY: usize = 100;
/// Largest frame either side of the raw floor accepts.
const RAW_MAX_FRAME: usize = 1 << 20;
/// Epoll token of the raw floor's listening socket.
const LISTENER: u64 = u64::MAX;
/// Time allowed for every generator to connect and get its first answers.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed after the closed loop for the results to arrive.
pub const RESULT_GRACE: Duration = Duration::from_secs(60);

/// Number of the raw server's workers: one per CPU.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

// ------------------------------------------------------------------------------ raw floor

/// The raw echo server of (d), running in the bench main process.
pub struct RawServer {
    pub path: PathBuf,
    dir: PathBuf,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

/// State of the raw server shared by its workers.
struct Shared {
    ep: Epoll,
    listener: UnixListener,
    /// One slot per connection, filled on accept; a connection's lock is only ever taken by
    /// the one worker EPOLLONESHOT handed it to, so it is never contended.
    slots: Vec<Mutex<Option<ServerConn>>>,
    next: AtomicUsize,
    stop: AtomicBool,
    errors: AtomicU64,
}

struct ServerConn {
    stream: UnixStream,
    buf: FrameBuf,
}

impl RawServer {
    /// Listens on a fresh socket with room for `conns` connections, and starts the workers.
    pub fn start(conns: usize) -> Res<RawServer> {
        let dir = crate::peers::temp_dir("w5-raw")?;
        let path = dir.join("raw.sock");
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let ep = Epoll::new()?;
        ep.add(&listener, Interest::READABLE_ONESHOT, LISTENER)?;
        let shared = Arc::new(Shared {
            ep,
            listener,
            slots: (0..conns + 16).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            errors: AtomicU64::new(0),
        });
        let workers = (0..workers())
            .map(|_| {
                let sh = shared.clone();
                std::thread::spawn(move || sh.work())
            })
            .collect();
        Ok(RawServer {
            path,
            dir,
            shared,
            workers,
        })
    }

    /// Stops the workers and returns the number of errors they met.
    pub fn stop(mut self) -> u64 {
        self.join();
        self.shared.errors.load(Ordering::Relaxed)
    }

    fn join(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.join();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Shared {
    fn work(&self) {
        let mut evs = Events::<64>::new();
        // The timeout only bounds how long a stop takes.
        while !self.stop.load(Ordering::Relaxed) {
            let n = match self.ep.wait(&mut evs, Some(Duration::from_millis(50))) {
                Ok(n) => n,
                Err(_) => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            };
            for ev in evs.iter().take(n) {
                let token = ev.token();
                let r = if token == LISTENER {
                    self.accept()
                } else {
                    self.serve(token as usize)
                };
                if r.is_err() {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    fn accept(&self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((s, _)) => self.register(s)?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        self.ep
            .modify(&self.listener, Interest::READABLE_ONESHOT, LISTENER)
    }

    fn register(&self, s: UnixStream) -> io::Result<()> {
        s.set_nonblocking(true)?;
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = self
            .slots
            .get(i)
            .ok_or_else(|| io::Error::other("more connections than slots"))?;
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        let c = slot.insert(ServerConn {
            stream: s,
            buf: FrameBuf::new(),
        });
        self.ep.add(&c.stream, Interest::READABLE_ONESHOT, i as u64)
    }

    /// One read, one write per complete frame, re-arm; the end of the stream closes it
    /// (closing the fd also takes it out of the epoll set).
    fn serve(&self, i: usize) -> io::Result<()> {
        let mut slot = self.slots[i].lock().unwrap_or_else(|e| e.into_inner());
        let Some(c) = slot.as_mut() else {
            return Ok(());
        };
        let r = match c.buf.read_from(&mut c.stream) {
            Ok(0) => {
                *slot = None;
                return Ok(());
            }
            Ok(_) => reply_all(c),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            *slot = None;
            return Err(e);
        }
        self.ep
            .modify(&c.stream, Interest::READABLE_ONESHOT, i as u64)
    }
}

fn reply_all(c: &mut ServerConn) -> io::Result<()> {
    while c.buf.pop(RAW_MAX_FRAME)? {
        // One request in flight per connection, so an 18 B reply always fits the socket
        // buffer: a short write would be a broken run, not back-pressure.
        let n = (&c.stream).write(&RAW_REPLY)?;
        if n != RAW_REPLY.len() {
            return Err(io::Error::other("short write of a raw reply"));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ generator

#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    Electrode,
    Raw,
}

/// Where a generator connection is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Hello sent, waiting for Welcome.
    Hello,
    /// First request sent (its time is `first_ns`).
    First,
    /// Answered once, waiting for `go`.
    Idle,
    /// Closed loop.
    Loop,
    /// Past the end of the closed loop.
    Done,
}

struct GenConn {
    stream: UnixStream,
    frames: FrameDecoder,
    phase: Phase,
    t_connect: Instant,
    t_send: Instant,
    /// Request number of the request in flight (electrode).
    request: u64,
    rtt_ns: Vec<u64>,
    first_ns: u64,
}

/// One generator process: all its connections on one thread.
struct Gen {
    proto: Proto,
    /// The 100 B string argument (electrode).
    s: String,
    /// The whole raw request frame, built once (raw).
    raw_req: Vec<u8>,
    conns: Vec<GenConn>,
    ep: Epoll,
    /// Connections not yet in the phase the current wait is for.
    pending: usize,
    until: Instant,
    errors: u64,
}

/// Room for the ready connections of one wait.
type GenEvents = Events<128>;

/// Entry point of `__extra w5-evgen electrode|raw`.
pub fn generator(rest: &[String]) -> Res<()> {
    let proto = match rest.first().map(String::as_str) {
        Some("electrode") => Proto::Electrode,
        Some("raw") => Proto::Raw,
        other => return Err(format!("w5-evgen: unknown protocol {other:?}").into()),
    };
    // A hung run ends here at the latest (SIGALRM terminates the process); the bench main
    // process has shorter deadlines of its own.
    // SAFETY: alarm(2) has no pointer arguments.
    unsafe { libc::alarm(600) };
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let tickets = read_tickets(&mut lines)?;
    let mut gen = Gen::new(proto)?;
    gen.connect_all(&tickets)?;
    gen.run_until(Phase::Idle, Instant::now() + SETUP_TIMEOUT)?;
    say("ready")?;
    let dur_ms = read_go(&mut lines)?;
    let until = Instant::now() + Duration::from_millis(dur_ms);
    gen.start_loop(until)?;
    gen.run_until(Phase::Done, until + RESULT_GRACE)?;
    let result = gen.finish();
    say(&serde_json::to_string(&result)?)
}

impl Gen {
    fn new(proto: Proto) -> Res<Gen> {
        let mut raw_req = (RAW_BODY as u32).to_le_bytes().to_vec();
        raw_req.extend(crate::payload::string_payload(RAW_BODY).bytes());
        Ok(Gen {
            proto,
            s: crate::payload::string_payload(100),
            raw_req,
            conns: Vec::new(),
            ep: Epoll::new()?,
            pending: 0,
            until: Instant::now(),
            errors: 0,
        })
    }

    /// Blocking connects one after the other (a Unix connect only waits when main's
    /// backlog is full), each followed by its first frame; answers that are already there
    /// are handled between connects, so a connection's first_msg time does not include
    /// the connects of the ones after it.
    fn connect_all(&mut self, tickets: &[(String, String)]) -> Res<()> {
        self.pending = tickets.len();
        let max = match self.proto {
            Proto::Electrode => DEFAULT_MAX_MESSAGE_SIZE,
            Proto::Raw => RAW_MAX_FRAME,
        };
        let mut evs = GenEvents::new();
        for (i, (sock, token)) in tickets.iter().enumerate() {
            let t_connect = Instant::now();
            let stream = UnixStream::connect(sock)?;
            stream.set_nonblocking(true)?;
            self.ep.add(&stream, Interest::READABLE, i as u64)?;
            self.conns.push(GenConn {
                stream,
                frames: FrameDecoder::new(max),
                phase: Phase::First,
                t_connect,
                t_send: t_connect,
                request: 0,
                rtt_ns: Vec::with_capacity(1024),
                first_ns: 0,
            });
            match self.proto {
                Proto::Electrode => {
                    let hello = Frame::Hello {
                        version: electrode_wire::handshake::PROTOCOL_VERSION,
                        features: electrode_wire::Features::NONE,
                        token: Bytes::copy_from_slice(token.as_bytes()),
                    };
                    write_frame(&mut &self.conns[i].stream, &hello.encode())?;
                    self.conns[i].phase = Phase::Hello;
                }
                Proto::Raw => self.send(i)?,
            }
            self.poll(&mut evs, Duration::ZERO, Phase::Idle)?;
        }
        Ok(())
    }

    fn start_loop(&mut self, until: Instant) -> Res<()> {
        self.until = until;
        self.pending = self.conns.len();
        for i in 0..self.conns.len() {
            self.conns[i].phase = Phase::Loop;
            self.send(i)?;
        }
        Ok(())
    }

    /// Sends the next request of connection `i`; its round trip starts before encoding,
    /// as (b)'s does around `send_sync`.
    fn send(&mut self, i: usize) -> Res<()> {
        let c = &mut self.conns[i];
        c.t_send = Instant::now();
        match self.proto {
            Proto::Electrode => {
                c.request += 1;
                let args = Args::encode(&(self.s.as_str(),))?;
                let frame = Frame::SendSync {
                    request: c.request,
                    channel: "bench".into(),
                    args,
                };
                // With one request in flight the socket buffer never fills, so a
                // non-blocking write takes the whole frame (WouldBlock would be an error).
                write_frame(&mut &c.stream, &frame.encode())?;
            }
            Proto::Raw => {
                let n = (&c.stream).write(&self.raw_req)?;
                if n != self.raw_req.len() {
                    return Err("short write of a raw request".into());
                }
            }
        }
        Ok(())
    }

    /// Runs the event loop until every connection reached `target`.
    fn run_until(&mut self, target: Phase, deadline: Instant) -> Res<()> {
        let mut evs = GenEvents::new();
        while self.pending > 0 {
            if Instant::now() >= deadline {
                let why = format!("{} connections did not finish in time", self.pending);
                return Err(why.into());
            }
            self.poll(&mut evs, Duration::from_millis(100), target)?;
        }
        Ok(())
    }

    /// One `epoll_wait` and the frames of every ready connection.
    fn poll(&mut self, evs: &mut GenEvents, timeout: Duration, target: Phase) -> Res<()> {
        let n = self.ep.wait(evs, Some(timeout))?;
        for ev in evs.iter().take(n) {
            self.on_readable(ev.token() as usize, target)?;
        }
        Ok(())
    }

    /// One `read`, then every whole frame it completed.
    fn on_readable(&mut self, i: usize, target: Phase) -> Res<()> {
        let c = &mut self.conns[i];
        let stream = &c.stream;
        match c.frames.fill_with(|buf| (&*stream).read(buf)) {
            Ok(0) => return Err(format!("connection {i} closed by the server").into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        while let Some(body) = self.conns[i].frames.next_frame()? {
            self.on_frame(i, body, Instant::now(), target)?;
        }
        Ok(())
    }

    fn on_frame(&mut self, i: usize, body: Bytes, now: Instant, target: Phase) -> Res<()> {
        if self.proto == Proto::Raw {
            if body[..] != RAW_REPLY[4..] {
                self.errors += 1;
            }
            return self.answered(i, now, target);
        }
        let c = &mut self.conns[i];
        match (c.phase, Frame::decode(body, DEFAULT_MAX_MESSAGE_SIZE)?) {
            (Phase::Hello, Frame::Welcome { .. }) => {
                c.phase = Phase::First;
                self.send(i)
            }
            (Phase::First | Phase::Loop, Frame::SyncReply { request, outcome }) => {
                let is_true = matches!(&outcome, SyncOutcome::Value(j) if &j[..] == b"true");
                if request != c.request || !is_true {
                    self.errors += 1;
                }
                self.answered(i, now, target)
            }
            (_, Frame::Close { reason }) => {
                Err(format!("main closed connection {i}: {reason}").into())
            }
            // Anything else (no listener for it here) is not part of the loop.
            _ => Ok(()),
        }
    }

    /// Connection `i` got the answer to its request in flight.
    fn answered(&mut self, i: usize, now: Instant, target: Phase) -> Res<()> {
        let c = &mut self.conns[i];
        match c.phase {
            Phase::First => {
                c.first_ns = (now - c.t_connect).as_nanos() as u64;
                c.phase = Phase::Idle;
            }
            Phase::Loop => {
                c.rtt_ns.push((now - c.t_send).as_nanos() as u64);
                if now < self.until {
                    return self.send(i);
                }
                c.phase = Phase::Done;
            }
            _ => {
                self.errors += 1;
                return Ok(());
            }
        }
        if c.phase == target {
            self.pending -= 1;
        }
        Ok(())
    }

    fn finish(self) -> LoadResult {
        let mut r = LoadResult {
            errors: self.errors,
            ..LoadResult::default()
        };
        for c in self.conns {
            r.rtt_ns.extend(c.rtt_ns);
            r.first_ns.push(c.first_ns);
            r.conns += 1;
        }
        r
    }
}
