//! W5 many renderers and W8 cost of a renderer: closed-loop `sendSync` (string 100 B,
//! returnValue `true`) against one `electrode::Main`, four ways, one after the other:
//!
//! - **(a)** 100 renderer processes (`Main::spawn_renderer`).
//! - **(b)** 1000 connections: 10 load-generator processes × 100 `IpcRenderer` connections
//!   (one blocking thread each), authenticated with `Main::issue_ticket` tickets handed over
//!   on the generator's stdin. On 2 vCPUs its 2000 generator threads (each `IpcRenderer`
//!   has a background thread too) mostly measure how the kernel schedules the generators.
//! - **(c)** the same 1000 connections, each generator driving all of its connections from
//!   ONE epoll thread speaking the wire protocol, so most of the CPU goes to main.
//! - **(d)** the raw floor of (c), same run: a raw UDS epoll server in this process
//!   (EPOLLONESHOT, one worker per CPU) under the same event-driven generators.
//!
//! The processes of (c) and (d) are in [`super::evented`]. Reported: aggregate round
//! trips/s, percentiles over all round trips of all connections, main RSS idle and under
//! load, connect time, generator RSS, and (W8) connect → first `sendSync` answered per
//! connection and idle RSS per renderer process; (c) also as a ratio of (d).

use super::common::{exe, pct, read_go, read_tickets, rss_mb, say, sizes, ExtraRecord, LoadResult};
use super::evented::{workers, RawServer, RESULT_GRACE, SETUP_TIMEOUT};
use crate::cell::Res;
use crate::payload::string_payload;
use electrode::{IpcMain, Main, WebContents};
use electrode_renderer::IpcRenderer;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs (a), (b), (c), (d) and puts (c)'s ratio to (d) into (c)'s record. A failure of (c)
/// or (d) becomes an error record, so the records of (a) and (b) survive.
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (_, nproc, ngen, per_gen, dur_ms) = sizes(mode);
    let shape = Shape {
        ngen,
        per_gen,
        dur_ms,
    };
    let mut out = vec![renderer_processes(mode, nproc, dur_ms)?];
    out.push(threaded_generators(mode, &shape)?);
    let mut c = electrode_event_driven(mode, &shape)
        .unwrap_or_else(|e| error_record(mode, "electrode", variant_c(&shape), e));
    let d = raw_floor(mode, &shape)
        .unwrap_or_else(|e| error_record(mode, "raw-uds", variant_d(&shape), e));
    compare(&mut c, &d);
    out.extend([c, d]);
    Ok(out)
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

fn error_record(mode: &str, peer: &str, variant: String, e: crate::cell::Error) -> ExtraRecord {
    eprintln!("[extra] W5 {variant}: ERROR {e}");
    ExtraRecord::error(mode, peer, "W5", variant, &e.to_string())
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

/// The `bench` listener of every W5 variant (the raw-value parse of W1, returnValue
/// `true`), and the channel on which renderers of (a) report their results.
fn bench_ipc() -> (IpcMain, Receiver<LoadResult>) {
    let ipc = IpcMain::new();
    ipc.on("bench", |event, args| {
        for i in 0..args.len() {
            let raw: &serde_json::value::RawValue =
                serde_json::from_slice(args.json(i).ok_or("missing argument")?)?;
            std::hint::black_box(raw);
        }
        event.set_return_value(true)?;
        Ok(())
    });
    let (tx, rx) = channel::<LoadResult>();
    let tx = Mutex::new(tx);
    ipc.on("__w5", move |_e, args| {
        let r: LoadResult = serde_json::from_str(&args.get::<String>(0)?)?;
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(r);
        Ok(())
    });
    (ipc, rx)
}

/// Aggregates the generators' (or renderers') results into a record.
fn summarize(
    mode: &str,
    variant: String,
    results: Vec<LoadResult>,
    dur: Duration,
    mut m: BTreeMap<String, f64>,
) -> ExtraRecord {
    let mut all: Vec<u64> = results
        .iter()
        .flat_map(|r| r.rtt_ns.iter().copied())
        .collect();
    let mut first: Vec<u64> = results
        .iter()
        .flat_map(|r| r.first_ns.iter().copied())
        .collect();
    let conns: usize = results.iter().map(|r| r.conns).sum();
    all.sort_unstable();
    first.sort_unstable();
    m.insert("connections".into(), conns as f64);
    m.insert("rt_per_s".into(), all.len() as f64 / dur.as_secs_f64());
    m.insert("p50_us".into(), pct(&all, 0.5));
    m.insert("p99_us".into(), pct(&all, 0.99));
    m.insert("first_msg_p50_ms".into(), pct(&first, 0.5) / 1000.0);
    m.insert("first_msg_p99_ms".into(), pct(&first, 0.99) / 1000.0);
    ExtraRecord {
        peer: "electrode".into(),
        workload: "W5".into(),
        variant,
        metrics: m,
        status: "ok".into(),
        note: None,
        mode: mode.into(),
    }
}

// ------------------------------------------------------------------------------ (a)

fn renderer_processes(mode: &str, nproc: usize, dur_ms: u64) -> Res<ExtraRecord> {
    let dur = Duration::from_millis(dur_ms);
    let me = std::process::id();
    let (ipc, rx) = bench_ipc();
    let main = Main::builder().ipc(ipc).start()?;
    let rss0 = rss_mb(me).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    let mut wcs = Vec::new();
    for _ in 0..nproc {
        let mut cmd = exe()?;
        cmd.arg("w5-renderer");
        wcs.push(main.spawn_renderer(cmd)?);
    }
    for wc in &wcs {
        if !wc.wait_ready(Duration::from_secs(60)) {
            return Err("W5: a renderer did not connect".into());
        }
    }
    let connect_ms = t0.elapsed().as_secs_f64() * 1000.0;
    // Let each renderer send its first message and go idle.
    std::thread::sleep(Duration::from_millis(300));
    let rss: Vec<f64> = wcs
        .iter()
        .filter_map(|w| w.process_id().and_then(rss_mb))
        .collect();
    let idle_main = rss_mb(me).unwrap_or(f64::NAN);
    main.broadcast("go", &(dur_ms,))?;
    let mut peak = idle_main;
    let mut results = Vec::new();
    let deadline = Instant::now() + dur + Duration::from_secs(60);
    while results.len() < nproc && Instant::now() < deadline {
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(50)) {
            results.push(r);
        }
        peak = peak.max(rss_mb(me).unwrap_or(0.0));
    }
    if results.len() < nproc {
        return Err(format!("W5: {} of {nproc} renderers reported", results.len()).into());
    }
    main.shutdown();
    let mut m = BTreeMap::new();
    m.insert("connect_all_ms".into(), connect_ms);
    m.insert("main_rss_before_mb".into(), rss0);
    m.insert("main_rss_idle_mb".into(), idle_main);
    m.insert("main_rss_load_mb".into(), peak);
    m.insert(
        "renderer_idle_rss_mb".into(),
        rss.iter().sum::<f64>() / rss.len().max(1) as f64,
    );
    let mut rec = summarize(
        mode,
        format!("{nproc} renderer processes, closed-loop sendSync string 100 B"),
        results,
        dur,
        m,
    );
    rec.note = Some(format!(
        "{} ms closed loop; connect_all = spawn to all connected; first_msg = renderer start → first sendSync answered",
        dur_ms
    ));
    Ok(rec)
}

/// A renderer process of (a): `__extra w5-renderer`.
pub fn renderer() -> Res<()> {
    let t0 = Instant::now();
    let (tx, rx) = channel::<u64>();
    let tx = Mutex::new(tx);
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        ipc.on("go", move |_e, args| {
            let _ = tx
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(args.get(0)?);
            Ok(())
        });
    })?;
    let s = string_payload(100);
    let _: bool = ipc.send_sync("bench", &(s.as_str(),))?;
    let first = t0.elapsed().as_nanos() as u64;
    let dur_ms = rx.recv_timeout(Duration::from_secs(120))?;
    let rtt = closed_loop(&ipc, Instant::now() + Duration::from_millis(dur_ms), &s)?;
    let r = LoadResult {
        rtt_ns: rtt,
        first_ns: vec![first],
        conns: 1,
        errors: 0,
    };
    ipc.send("__w5", &(serde_json::to_string(&r)?,))?;
    super::common::park(&ipc);
    Ok(())
}

/// Closed loop on one connection until `until`; returns the round-trip samples.
fn closed_loop(ipc: &IpcRenderer, until: Instant, s: &str) -> Res<Vec<u64>> {
    let mut v = Vec::with_capacity(4096);
    loop {
        let t0 = Instant::now();
        let ok: bool = ipc.send_sync("bench", &(s,))?;
        let t1 = Instant::now();
        if !ok {
            return Err("returnValue is not true".into());
        }
        v.push((t1 - t0).as_nanos() as u64);
        if t1 >= until {
            return Ok(v);
        }
    }
}

// ------------------------------------------------------------------------------ (b)

/// (b): tickets for threaded generators, issued to each generator right after it starts.
fn threaded_generators(mode: &str, shape: &Shape) -> Res<ExtraRecord> {
    let (ipc, _rx) = bench_ipc();
    let main = Main::builder().ipc(ipc).start()?;
    let rss0 = rss_mb(std::process::id()).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    let mut wcs = Vec::new();
    let run = Generators::spawn(&["w5-loadgen"], shape.ngen, |_| {
        Ok(issue_tickets(&main, shape.per_gen, &mut wcs))
    })
    .and_then(|mut g| {
        // Up when main sees every connection (a generator says nothing before its results).
        let ready = |_: &Generators| -> Res<()> {
            for wc in &wcs {
                if !wc.wait_ready(Duration::from_secs(120)) {
                    return Err("W5: a connection did not come up".into());
                }
            }
            Ok(())
        };
        drive(&mut g, t0, shape, ready)
    });
    main.shutdown();
    let (ngen, per_gen) = (shape.ngen, shape.per_gen);
    let mut rec = record(
        mode,
        format!(
            "{} connections ({ngen} load generators × {per_gen}), closed-loop sendSync string 100 B",
            ngen * per_gen
        ),
        run?,
        rss0,
        shape,
    );
    rec.note = Some(format!(
        "{} ms closed loop, one thread per connection; first_msg = connect() start → first sendSync answered",
        shape.dur_ms
    ));
    Ok(rec)
}

/// `n` tickets as generator ticket lines; their `WebContents` go to `wcs` (alive for the run).
fn issue_tickets(main: &Main, n: usize, wcs: &mut Vec<WebContents>) -> Vec<String> {
    (0..n)
        .map(|_| {
            let (wc, t) = main.issue_ticket(None);
            wcs.push(wc);
            format!("{}\t{}", t.socket.display(), t.token)
        })
        .collect()
}

/// A threaded generator of (b): `__extra w5-loadgen`, a blocking `IpcRenderer` and thread
/// per ticket.
pub fn loadgen() -> Res<()> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let tickets = read_tickets(&mut lines)?;
    let go = Arc::new((Mutex::new(None::<u64>), Condvar::new()));
    let mut handles = Vec::new();
    for (sock, token) in tickets {
        let go = go.clone();
        handles.push(std::thread::Builder::new().stack_size(256 * 1024).spawn(
            move || -> Result<(Vec<u64>, u64), String> {
                let s = string_payload(100);
                let t0 = Instant::now();
                let ipc = IpcRenderer::connect(std::path::Path::new(&sock), &token)
                    .map_err(|e| e.to_string())?;
                let _: bool = ipc
                    .send_sync("bench", &(s.as_str(),))
                    .map_err(|e| e.to_string())?;
                let first = t0.elapsed().as_nanos() as u64;
                let dur_ms = {
                    let (m, cv) = &*go;
                    let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
                    while g.is_none() {
                        g = cv.wait(g).unwrap_or_else(|e| e.into_inner());
                    }
                    g.unwrap_or(0)
                };
                let rtt = closed_loop(&ipc, Instant::now() + Duration::from_millis(dur_ms), &s)
                    .map_err(|e| e.to_string())?;
                ipc.close();
                Ok((rtt, first))
            },
        )?);
    }
    let dur_ms = read_go(&mut lines)?;
    {
        let (m, cv) = &*go;
        *m.lock().unwrap_or_else(|e| e.into_inner()) = Some(dur_ms);
        cv.notify_all();
    }
    let mut r = LoadResult::default();
    for h in handles {
        let (rtt, first) = h.join().map_err(|_| "load thread panicked")??;
        r.rtt_ns.extend(rtt);
        r.first_ns.push(first);
        r.conns += 1;
    }
    say(&serde_json::to_string(&r)?)
}

// ------------------------------------------------------------------------------ (c), (d)

/// (c): electrode's main with the `bench` listener of (a)/(b), event-driven generators.
fn electrode_event_driven(mode: &str, shape: &Shape) -> Res<ExtraRecord> {
    let (ipc, _rx) = bench_ipc();
    let main = Main::builder().ipc(ipc).start()?;
    let rss0 = rss_mb(std::process::id()).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    // The WebContents stay alive for the whole run, as in (b).
    let mut wcs = Vec::new();
    let tickets: Vec<Vec<String>> = (0..shape.ngen)
        .map(|_| issue_tickets(&main, shape.per_gen, &mut wcs))
        .collect();
    let run = Generators::spawn(&["w5-evgen", "electrode"], shape.ngen, |g| {
        Ok(tickets[g].clone())
    })
    .and_then(|mut g| drive(&mut g, t0, shape, Generators::wait_ready));
    main.shutdown();
    drop(wcs);
    let mut rec = record_checked(mode, variant_c(shape), run?, rss0, shape);
    rec.note = Some(format!(
        "{} ms closed loop; one thread per generator drives its {} connections with epoll; request re-encoded per call as IpcRenderer::send_sync does (Args::encode + Frame::encode, next request id); connect_all = tickets issued → every connection answered its first sendSync; first_msg = connect() start → first sendSync answered",
        shape.dur_ms, shape.per_gen
    ));
    Ok(rec)
}

/// (d): the raw epoll server in this process, the same generators in raw mode.
fn raw_floor(mode: &str, shape: &Shape) -> Res<ExtraRecord> {
    let server = RawServer::start(shape.ngen * shape.per_gen)?;
    let rss0 = rss_mb(std::process::id()).unwrap_or(f64::NAN);
    let t0 = Instant::now();
    let line = format!("{}\t-", server.path.display());
    let run = Generators::spawn(&["w5-evgen", "raw"], shape.ngen, |_| {
        Ok(vec![line.clone(); shape.per_gen])
    })
    .and_then(|mut g| drive(&mut g, t0, shape, Generators::wait_ready));
    let server_errors = server.stop();
    let mut rec = record_checked(mode, variant_d(shape), run?, rss0, shape);
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

// ------------------------------------------------------------------------------ generators

/// The record of a generator run: its RSS and connect figures, then the round trips.
fn record(mode: &str, variant: String, run: LoadRun, rss0: f64, shape: &Shape) -> ExtraRecord {
    let mut m = BTreeMap::new();
    m.insert("connect_all_ms".into(), run.connect_ms);
    m.insert("main_rss_before_mb".into(), rss0);
    m.insert("main_rss_idle_mb".into(), run.idle_main);
    m.insert("main_rss_load_mb".into(), run.peak_main);
    m.insert("loadgen_idle_rss_mb".into(), run.gen_rss);
    summarize(
        mode,
        variant,
        run.results,
        Duration::from_millis(shape.dur_ms),
        m,
    )
}

/// [`record`] of the event-driven generators, which also check every reply: `errors`
/// counts the wrong ones, and any makes the record an error.
fn record_checked(
    mode: &str,
    variant: String,
    run: LoadRun,
    rss0: f64,
    shape: &Shape,
) -> ExtraRecord {
    let errors: u64 = run.results.iter().map(|r| r.errors).sum();
    let mut rec = record(mode, variant, run, rss0, shape);
    rec.metrics.insert("errors".into(), errors as f64);
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

/// Setup (until `ready` returns), idle pause, closed loop, results.
fn drive(
    gens: &mut Generators,
    t0: Instant,
    shape: &Shape,
    ready: impl FnOnce(&Generators) -> Res<()>,
) -> Res<LoadRun> {
    ready(gens)?;
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
    /// Starts `n` generators `__extra <role..>`; each gets the ticket lines `tickets(g)`
    /// returns, called right after generator `g` started.
    fn spawn(
        role: &[&str],
        n: usize,
        mut tickets: impl FnMut(usize) -> Res<Vec<String>>,
    ) -> Res<Generators> {
        let (tx, rx) = channel();
        let mut gens = Generators {
            kids: Vec::new(),
            stdins: Vec::new(),
            lines: rx,
        };
        for g in 0..n {
            let mut child = exe()?
                .args(role)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let stdout = child.stdout.take().ok_or("no stdout")?;
            let stdin = child.stdin.take().ok_or("no stdin")?;
            gens.kids.push(child);
            gens.stdins.push(stdin);
            let mut text = tickets(g)?.join("\n");
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

    /// Waits for every event-driven generator's `ready` (all its connections answered).
    fn wait_ready(&self) -> Res<()> {
        for line in self.collect("ready", Instant::now() + SETUP_TIMEOUT)? {
            if line != "ready" {
                return Err(format!("W5 generator said {line:?} instead of ready").into());
            }
        }
        Ok(())
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
