//! W5 (c) and (d): 1000 connections from event-driven load generators, and the raw floor
//! for the same load, measured in the same run.
//!
//! Why: W5 (b) gives every connection a blocking thread (plus the background thread of each
//! `IpcRenderer`), 2000 threads in the generators, so on 2 vCPUs it mostly measures how the
//! kernel schedules the generators. Here each generator process drives all its connections
//! from ONE thread with a level-triggered epoll, so most of the CPU goes to the process
//! under test:
//!
//! - **(c) electrode**: each connection speaks the wire protocol with `electrode_wire` types:
//!   `Hello { token }` → `Welcome`, then a closed loop of `SendSync { request, "bench",
//!   [s] }` (s = the 100 B string) → `SyncReply`, whose outcome must be the value `true`
//!   (anything else is counted in `errors`). The request is encoded per call, as
//!   `IpcRenderer::send_sync` does: `Args::encode(&(s,))`, then `Frame::encode` with the
//!   next request number.
//! - **(d) raw floor**: a raw Unix-socket server inside the bench main process that does the
//!   least an event-driven main could do: N worker threads (N = CPUs) share one epoll with
//!   `EPOLLONESHOT`; a ready connection gets one non-blocking `read`, every complete u32-LE
//!   length-prefixed frame one `write` of a reply frame (the 18 bytes of an Electrode
//!   `SyncReply` carrying `true`), then it is re-armed. The same generators send raw frames
//!   with a 100 B body, pre-built once.
//!
//! Generator protocol (`electrode-bench __extra w5-evgen electrode|raw`): stdin carries one
//! `socket\ttoken` line per connection (token `-` for raw), an empty line, later `go <ms>`;
//! stdout gets `ready` once every connection had its first answer, then one `LoadResult`
//! JSON line. A generator kills itself with `alarm(2)` if the run hangs, and dies with the
//! bench main process (`PR_SET_PDEATHSIG`).

use crate::cell::Res;
use crate::extras::{bench_ipc, exe, rss_mb, sizes, summarize, ExtraRecord, LoadResult};
use bytes::Bytes;
use electrode::Main;
use electrode_wire::io::write_frame;
use electrode_wire::{Args, Frame, SyncOutcome, DEFAULT_MAX_MESSAGE_SIZE};
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::ops::Range;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver};
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
const SETUP_TIMEOUT: Duration = Duration::from_secs(120);
/// Time allowed after the closed loop for the results to arrive.
const RESULT_GRACE: Duration = Duration::from_secs(60);

// ------------------------------------------------------------------------------ main side

/// Runs (c) and (d) one after the other and puts (c)'s ratio to (d) into (c)'s record.
/// Failures become error records so the W5 (a) and (b) records survive.
pub fn run(mode: &str) -> Vec<ExtraRecord> {
    let (_, _, ngen, per_gen, dur_ms) = sizes(mode);
    let shape = Shape {
        ngen,
        per_gen,
        dur_ms,
    };
    let c = electrode_event_driven(mode, &shape)
        .unwrap_or_else(|e| error_record(mode, "electrode", variant_c(&shape), e));
    let d = raw_floor(mode, &shape)
        .unwrap_or_else(|e| error_record(mode, "raw-uds", variant_d(&shape), e));
    let mut c = c;
    compare(&mut c, &d);
    vec![c, d]
}

struct Shape {
    ngen: usize,
    per_gen: usize,
    dur_ms: u64,
}

fn variant_c(s: &Shape) -> String {
    format!(
        "(c) {} connections ({} event-driven load generators × {}, one epoll thread each), closed-loop sendSync string 100 B",
        s.ngen * s.per_gen,
        s.ngen,
        s.per_gen
    )
}

fn variant_d(s: &Shape) -> String {
    format!(
        "(d) raw floor: {} connections (same generators, raw u32-LE frames, 100 B body) to a raw UDS server of {} epoll workers (EPOLLONESHOT)",
        s.ngen * s.per_gen,
        workers()
    )
}

fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn error_record(mode: &str, peer: &str, variant: String, e: crate::cell::Error) -> ExtraRecord {
    eprintln!("[extra] W5 {variant}: ERROR {e}");
    ExtraRecord {
        peer: peer.into(),
        workload: "W5".into(),
        variant,
        status: "error".into(),
        note: Some(e.to_string()),
        mode: mode.into(),
        ..ExtraRecord::default()
    }
}

/// Puts the floor's numbers and (c) ÷ (d) into (c)'s metrics (same run, minutes apart at
/// most), so the JSON line alone says how far electrode is from the floor.
fn compare(c: &mut ExtraRecord, d: &ExtraRecord) {
    if c.status != "ok" || d.status != "ok" {
        return;
    }
    let get = |r: &ExtraRecord, k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
    let pairs = [
        ("rt_per_s", "floor_rt_per_s", "of_floor_rt_per_s"),
        ("p50_us", "floor_p50_us", "x_floor_p50"),
        ("p99_us", "floor_p99_us", "x_floor_p99"),
    ];
    for (k, floor, ratio) in pairs {
        let (cv, dv) = (get(c, k), get(d, k));
        c.metrics.insert(floor.into(), dv);
        c.metrics.insert(ratio.into(), cv / dv);
    }
}

/// (c): electrode's main with the `bench` listener of (a)/(b), event-driven generators.
fn electrode_event_driven(mode: &str, shape: &Shape) -> Res<ExtraRecord> {
    let (ipc, _rx) = bench_ipc();
    let main = Main::builder().ipc(ipc).start()?;
    let me = std::process::id();
    let rss0 = rss_mb(me).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    let mut tickets = Vec::new();
    // The WebContents stay alive for the whole run, as in (b).
    let mut contents = Vec::new();
    for _ in 0..shape.ngen {
        let mut lines = Vec::new();
        for _ in 0..shape.per_gen {
            let (wc, t) = main.issue_ticket(None);
            contents.push(wc);
            lines.push(format!("{}\t{}", t.socket.display(), t.token));
        }
        tickets.push(lines);
    }
    let run = Generators::spawn("electrode", &tickets).and_then(|mut g| drive(&mut g, t0, shape));
    main.shutdown();
    drop(contents);
    let mut rec = record(mode, variant_c(shape), run?, rss0, shape);
    rec.note = Some(format!(
        "{} ms closed loop; one thread per generator drives its {} connections with epoll; request re-encoded per call as IpcRenderer::send_sync does (Args::encode + Frame::encode, next request id); connect_all = tickets issued → every connection answered its first sendSync; first_msg = connect() start → first sendSync answered",
        shape.dur_ms, shape.per_gen
    ));
    Ok(rec)
}

/// (d): the raw epoll server in this process, the same generators in raw mode.
fn raw_floor(mode: &str, shape: &Shape) -> Res<ExtraRecord> {
    let server = RawServer::start(shape.ngen * shape.per_gen)?;
    let me = std::process::id();
    let rss0 = rss_mb(me).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    let line = format!("{}\t-", server.path.display());
    let tickets = vec![vec![line; shape.per_gen]; shape.ngen];
    let run = Generators::spawn("raw", &tickets).and_then(|mut g| drive(&mut g, t0, shape));
    let server_errors = server.stop();
    let mut rec = record(mode, variant_d(shape), run?, rss0, shape);
    rec.peer = "raw-uds".into();
    rec.metrics
        .insert("server_errors".into(), server_errors as f64);
    if server_errors > 0 {
        rec.status = "error".into();
    }
    rec.note = Some(format!(
        "{} ms closed loop; the physical floor of W5 on this machine: per ready connection one read, one write per frame, one EPOLL_CTL_MOD; request pre-built once per generator; main_rss = the bench process holding the raw server",
        shape.dur_ms
    ));
    Ok(rec)
}

fn record(mode: &str, variant: String, run: LoadRun, rss0: f64, shape: &Shape) -> ExtraRecord {
    let errors: u64 = run.results.iter().map(|r| r.errors).sum();
    let mut m = BTreeMap::new();
    m.insert("connect_all_ms".into(), run.connect_ms);
    m.insert("main_rss_before_mb".into(), rss0);
    m.insert("main_rss_idle_mb".into(), run.idle_main);
    m.insert("main_rss_load_mb".into(), run.peak_main);
    m.insert("loadgen_idle_rss_mb".into(), run.gen_rss);
    m.insert("errors".into(), errors as f64);
    let dur = Duration::from_millis(shape.dur_ms);
    let mut rec = summarize(mode, variant, run.results, dur, m);
    if errors > 0 {
        rec.status = "error".into();
    }
    rec
}

/// What one load phase measured.
struct LoadRun {
    results: Vec<LoadResult>,
    connect_ms: f64,
    idle_main: f64,
    peak_main: f64,
    /// Mean idle RSS of one generator process, MB.
    gen_rss: f64,
}

/// Setup, idle pause, closed loop, results: the same sequence as (b).
fn drive(gens: &mut Generators, t0: Instant, shape: &Shape) -> Res<LoadRun> {
    for line in gens.collect("ready", Instant::now() + SETUP_TIMEOUT)? {
        if line != "ready" {
            return Err(format!("W5 generator said {line:?} instead of ready").into());
        }
    }
    let connect_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // Let every connection go idle before the idle RSS is read.
    std::thread::sleep(Duration::from_millis(300));
    let me = std::process::id();
    let idle_main = rss_mb(me).unwrap_or(f64::NAN);
    let rss: Vec<f64> = gens.kids.iter().filter_map(|k| rss_mb(k.id())).collect();
    let gen_rss = rss.iter().sum::<f64>() / rss.len().max(1) as f64;
    let sampler = PeakRss::start(me, idle_main);
    gens.go(shape.dur_ms)?;
    let deadline = Instant::now() + Duration::from_millis(shape.dur_ms) + RESULT_GRACE;
    let lines = gens.collect("results", deadline)?;
    let peak_main = sampler.finish();
    let results = lines
        .iter()
        .map(|l| serde_json::from_str::<LoadResult>(l))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LoadRun {
        results,
        connect_ms,
        idle_main,
        peak_main,
        gen_rss,
    })
}

/// The generator processes of one run; dropping it kills and reaps every one of them, so
/// an error anywhere leaves no generator behind.
struct Generators {
    kids: Vec<Child>,
    stdins: Vec<ChildStdin>,
    /// (generator, line) from the stdout readers; `None` when that stdout closed.
    lines: Receiver<(usize, Option<String>)>,
}

impl Generators {
    fn spawn(proto: &str, tickets: &[Vec<String>]) -> Res<Generators> {
        let (tx, rx) = channel();
        let mut gens = Generators {
            kids: Vec::new(),
            stdins: Vec::new(),
            lines: rx,
        };
        for (g, lines) in tickets.iter().enumerate() {
            let mut child = exe()?
                .arg("w5-evgen")
                .arg(proto)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let stdout = child.stdout.take().ok_or("no stdout")?;
            let stdin = child.stdin.take().ok_or("no stdin")?;
            gens.kids.push(child);
            gens.stdins.push(stdin);
            let mut text = lines.join("\n");
            text.push_str("\n\n");
            let stdin = gens.stdins.last_mut().ok_or("no stdin")?;
            stdin.write_all(text.as_bytes())?;
            stdin.flush()?;
            let tx = tx.clone();
            // A reader thread per generator, so every wait below can have a deadline.
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send((g, Some(line))).is_err() {
                        return;
                    }
                }
                let _ = tx.send((g, None));
            });
        }
        Ok(gens)
    }

    /// One line from every generator, by `deadline` at the latest.
    fn collect(&self, what: &str, deadline: Instant) -> Res<Vec<String>> {
        let mut got: Vec<Option<String>> = vec![None; self.kids.len()];
        while got.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((g, Some(line))) => got[g] = Some(line),
                // A generator that already answered may exit before the others do.
                Ok((g, None)) if got[g].is_none() => {
                    return Err(format!("W5 generator {g} exited before sending {what}").into())
                }
                Ok((_, None)) => {}
                Err(_) => return Err(format!("W5 generators: timeout waiting for {what}").into()),
            }
        }
        Ok(got.into_iter().flatten().collect())
    }

    fn go(&mut self, dur_ms: u64) -> Res<()> {
        for stdin in &mut self.stdins {
            writeln!(stdin, "go {dur_ms}")?;
            stdin.flush()?;
        }
        Ok(())
    }
}

impl Drop for Generators {
    fn drop(&mut self) {
        self.stdins.clear();
        for kid in &mut self.kids {
            // Harmless when it already exited: it is not reaped yet, so the pid is still ours.
            let _ = kid.kill();
            let _ = kid.wait();
        }
    }
}

/// Samples a process's RSS every 50 ms in a thread and keeps the peak.
struct PeakRss {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<f64>>,
}

impl PeakRss {
    fn start(pid: u32, initial: f64) -> PeakRss {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = initial;
            while !s.load(Ordering::Relaxed) {
                peak = peak.max(rss_mb(pid).unwrap_or(0.0));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak
        });
        PeakRss {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        let t = self.thread.take();
        t.and_then(|t| t.join().ok()).unwrap_or(f64::NAN)
    }
}

impl Drop for PeakRss {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ------------------------------------------------------------------------------ epoll

/// A thin owner of an epoll descriptor; shared by reference between the raw workers
/// (`epoll_wait` from several threads on one instance is what EPOLLONESHOT is for).
struct Epoll(OwnedFd);

impl Epoll {
    fn new() -> io::Result<Epoll> {
        // SAFETY: no pointer arguments; a valid fd is wrapped at once.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        Ok(Epoll(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, events: libc::c_int, token: u64) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: events as u32,
            u64: token,
        };
        // SAFETY: ev is a valid epoll_event for the duration of the call.
        let r = unsafe { libc::epoll_ctl(self.0.as_raw_fd(), op, fd, &mut ev) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn add(&self, fd: RawFd, events: libc::c_int, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, token)
    }

    fn rearm(&self, fd: RawFd, events: libc::c_int, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, token)
    }

    /// Ready tokens into `evs`; an interrupted wait counts as no event.
    fn wait(&self, evs: &mut [libc::epoll_event], timeout_ms: i32) -> io::Result<usize> {
        let cap = evs.len() as libc::c_int;
        // SAFETY: evs is a writable buffer of `cap` events.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), evs.as_mut_ptr(), cap, timeout_ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(0)
            } else {
                Err(e)
            };
        }
        Ok(n as usize)
    }
}

fn no_events<const N: usize>() -> [libc::epoll_event; N] {
    [libc::epoll_event { events: 0, u64: 0 }; N]
}

/// Buffered reads of u32-LE length-prefixed frames from a non-blocking stream: one `read`
/// per readiness, frames taken out without copying.
struct FrameBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl FrameBuf {
    fn new() -> FrameBuf {
        FrameBuf {
            buf: vec![0; 4096],
            start: 0,
            end: 0,
        }
    }

    /// One `read(2)`; `Ok(0)` is the end of the stream, `WouldBlock` passes through.
    fn read_from(&mut self, r: &mut impl Read) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                (self.start, self.end) = (0, self.end - self.start);
            } else {
                // One frame larger than the buffer.
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = r.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }

    /// The body of the next complete frame, if one is buffered (valid until the next read).
    fn pop(&mut self, max: usize) -> io::Result<Option<Range<usize>>> {
        let b = &self.buf[self.start..self.end];
        if b.len() < 4 {
            return Ok(None);
        }
        let size = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if size > max {
            let msg = format!("frame of {size} B over the limit of {max} B");
            return Err(io::Error::new(io::ErrorKind::InvalidData, msg));
        }
        if b.len() < 4 + size {
            return Ok(None);
        }
        let body = self.start + 4..self.start + 4 + size;
        self.start = body.end;
        Ok(Some(body))
    }

    fn get(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }
}

// ------------------------------------------------------------------------------ raw floor

/// The raw echo server of (d), running in the bench main process.
struct RawServer {
    path: PathBuf,
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

const ONESHOT_IN: libc::c_int = libc::EPOLLIN | libc::EPOLLONESHOT;

impl RawServer {
    fn start(conns: usize) -> Res<RawServer> {
        let dir = crate::peers::temp_dir("w5-raw")?;
        let path = dir.join("raw.sock");
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let ep = Epoll::new()?;
        ep.add(listener.as_raw_fd(), ONESHOT_IN, LISTENER)?;
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
    fn stop(mut self) -> u64 {
        self.shared.stop.store(true, Ordering::Relaxed);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        self.shared.errors.load(Ordering::Relaxed)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Shared {
    fn work(&self) {
        let mut evs = no_events::<64>();
        // The timeout only bounds how long a stop takes.
        while !self.stop.load(Ordering::Relaxed) {
            let n = match self.ep.wait(&mut evs, 50) {
                Ok(n) => n,
                Err(_) => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            };
            for ev in &evs[..n] {
                let token = ev.u64;
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
            .rearm(self.listener.as_raw_fd(), ONESHOT_IN, LISTENER)
    }

    fn register(&self, s: UnixStream) -> io::Result<()> {
        s.set_nonblocking(true)?;
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = self
            .slots
            .get(i)
            .ok_or_else(|| io::Error::other("more connections than slots"))?;
        let fd = s.as_raw_fd();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(ServerConn {
            stream: s,
            buf: FrameBuf::new(),
        });
        self.ep.add(fd, ONESHOT_IN, i as u64)
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
        self.ep.rearm(c.stream.as_raw_fd(), ONESHOT_IN, i as u64)
    }
}

fn reply_all(c: &mut ServerConn) -> io::Result<()> {
    while c.buf.pop(RAW_MAX_FRAME)?.is_some() {
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
    buf: FrameBuf,
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

/// Entry point of `__extra w5-evgen electrode|raw`.
pub fn evgen(rest: &[String]) -> Res<()> {
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

fn say(line: &str) -> Res<()> {
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    writeln!(o, "{line}")?;
    o.flush()?;
    Ok(())
}

fn read_tickets(
    lines: &mut impl Iterator<Item = io::Result<String>>,
) -> Res<Vec<(String, String)>> {
    let mut tickets = Vec::new();
    for line in lines {
        let line = line?;
        if line.is_empty() {
            return Ok(tickets);
        }
        let (sock, token) = line.split_once('\t').ok_or("bad ticket line")?;
        tickets.push((sock.to_string(), token.to_string()));
    }
    Err("stdin closed before the end of the tickets".into())
}

fn read_go(lines: &mut impl Iterator<Item = io::Result<String>>) -> Res<u64> {
    for line in lines {
        if let Some(ms) = line?.strip_prefix("go ") {
            return Ok(ms.trim().parse()?);
        }
    }
    Err("stdin closed before go".into())
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
        let mut evs = no_events::<128>();
        for (i, (sock, token)) in tickets.iter().enumerate() {
            let t_connect = Instant::now();
            let stream = UnixStream::connect(sock)?;
            stream.set_nonblocking(true)?;
            self.ep.add(stream.as_raw_fd(), libc::EPOLLIN, i as u64)?;
            self.conns.push(GenConn {
                stream,
                buf: FrameBuf::new(),
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
            self.poll(&mut evs, 0, Phase::Idle)?;
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
        let mut evs = no_events::<128>();
        while self.pending > 0 {
            if Instant::now() >= deadline {
                let why = format!("{} connections did not finish in time", self.pending);
                return Err(why.into());
            }
            self.poll(&mut evs, 100, target)?;
        }
        Ok(())
    }

    /// One `epoll_wait` and the frames of every ready connection.
    fn poll(&mut self, evs: &mut [libc::epoll_event], timeout_ms: i32, target: Phase) -> Res<()> {
        let n = self.ep.wait(evs, timeout_ms)?;
        for ev in &evs[..n] {
            self.on_readable(ev.u64 as usize, target)?;
        }
        Ok(())
    }

    fn on_readable(&mut self, i: usize, target: Phase) -> Res<()> {
        let c = &mut self.conns[i];
        match c.buf.read_from(&mut c.stream) {
            Ok(0) => return Err(format!("connection {i} closed by the server").into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let max = match self.proto {
            Proto::Electrode => DEFAULT_MAX_MESSAGE_SIZE,
            Proto::Raw => RAW_MAX_FRAME,
        };
        while let Some(r) = self.conns[i].buf.pop(max)? {
            let now = Instant::now();
            let body = Bytes::copy_from_slice(self.conns[i].buf.get(r));
            self.on_frame(i, body, now, target)?;
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
