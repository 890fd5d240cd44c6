//! Workloads that do not fit the two-process cell shape of the runner, for P0 only:
//!
//! - **W6** `sendToHost` relay, 3 processes: main (`electrode::Main`), an embedder renderer
//!   (host) and its `<webview>` guest (`Main::spawn_guest`). The guest stamps
//!   `CLOCK_MONOTONIC` (shared by all processes of the machine) and calls `send_to_host`;
//!   the host's `ipc-message` listener stamps receipt first thing and answers the guest with
//!   `webview(id).send("next")` (closed loop, one message in flight). Compared with the raw
//!   floor's W1 string 100 B round trip (P1) measured right after, in the same process tree.
//! - **W5** closed-loop `sendSync` (string 100 B, returnValue `true`) from (a) 100 renderer
//!   processes and (b) 1000 connections: 10 load-generator processes × 100 `IpcRenderer`
//!   connections (one thread each), authenticated with `Main::issue_ticket` tickets handed
//!   over on the generator's stdin; (c) the same 1000 connections driven by ONE epoll thread
//!   per generator speaking the wire protocol (`electrode_wire` frames), so the generators'
//!   2000 threads of (b) no longer dominate; (d) the raw floor of (c) in the same run: a raw
//!   UDS epoll server (EPOLLONESHOT, one worker per CPU) under the same generators (`w5.rs`).
//!   Aggregate round trips/s, percentiles over all round trips of all connections, main RSS
//!   under load; (c) also as a ratio of (d).
//! - **W8** cost of a renderer: connect → first `sendSync` answered (per connection), idle
//!   RSS per renderer process, main RSS with every renderer connected and idle.
//!
//! - **W7** browser: a page in headless Chromium (`/usr/bin/chromium`), served by the
//!   Electrode `WebBridge`, uses `require('electron').ipcRenderer`: `sendSync` (synchronous
//!   XHR) and an async round trip (`send` → main's `event.sender().send_args` of the same
//!   arguments → page listener), string 100 B, timed in the page with `performance.now()`
//!   (which Chromium coarsens to 100 µs on a page that is not cross-origin isolated, so the
//!   mean per operation over the whole loop is reported too). Floors, from the same page:
//!   a synchronous XHR GET of a static file served by the same bridge, and a WebSocket
//!   round trip to the P5 tungstenite server; also the Rust transport-only peers (P5
//!   WebSocket and the HTTP keep-alive POST, W1 string 100 B), measured right after. No Chromium: the record says `missing`, loudly, with no numbers.
//!
//! All unpinned. The runner starts `electrode-bench __extra main <mode>`, which is the main
//! process and prints one JSON line per result on stdout.

use crate::cell::{CellSpec, PayloadKind, Placement, Res, Workload};
use crate::payload::string_payload;
use crate::peers::{Launch, Peer};
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One result line of the extra workloads.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExtraRecord {
    /// `electrode`, or `raw-uds` for the W5 raw floor (d).
    pub peer: String,
    /// W5, W6, W8.
    pub workload: String,
    /// What was run.
    pub variant: String,
    /// Named numbers (units in the names).
    pub metrics: BTreeMap<String, f64>,
    /// `ok` or `error`.
    pub status: String,
    /// Error text or remarks.
    pub note: Option<String>,
    /// smoke / quick / full.
    pub mode: String,
}

/// Sizes per mode: (W6 round trips, W5 renderer processes, W5 generators, connections per
/// generator, W5 duration ms).
pub(crate) fn sizes(mode: &str) -> (usize, usize, usize, usize, u64) {
    match mode {
        "smoke" => (200, 10, 2, 10, 200),
        "quick" => (3000, 100, 10, 100, 1000),
        _ => (6000, 100, 10, 100, 2000),
    }
}

fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// VmRSS of a process in MB (10^6 B).
pub(crate) fn rss_mb(pid: u32) -> Option<f64> {
    let kb = crate::procfs::status_number(pid, "VmRSS")?;
    Some(kb as f64 * 1024.0 / 1e6)
}

fn pct(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

pub(crate) fn exe() -> Res<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("__extra");
    crate::affinity::prepare_child(&mut cmd, None);
    Ok(cmd)
}

/// Runner side: runs the extras in a child main process and returns its records.
pub fn run(mode: &str, workloads: &[&str]) -> Vec<ExtraRecord> {
    let mut out = Vec::new();
    for w in workloads {
        eprintln!("[extra] {w} ...");
        let result = (|| -> Res<Vec<ExtraRecord>> {
            let child = exe()?
                .arg("main")
                .arg(mode)
                .arg(w)
                .stdout(Stdio::piped())
                .spawn()?;
            let output = child.wait_with_output()?;
            let mut recs = Vec::new();
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                if line.starts_with('{') {
                    recs.push(serde_json::from_str::<ExtraRecord>(line)?);
                }
            }
            if !output.status.success() && recs.is_empty() {
                return Err(format!("extra {w} exited with {}", output.status).into());
            }
            Ok(recs)
        })();
        match result {
            Ok(recs) => {
                for r in &recs {
                    eprintln!(
                        "[extra] {} {}: {:?} {}",
                        r.workload, r.variant, r.metrics, r.status
                    );
                }
                out.extend(recs)
            }
            Err(e) => {
                eprintln!("[extra] {w}: ERROR {e}");
                out.push(ExtraRecord {
                    peer: "electrode".into(),
                    workload: w.to_string(),
                    variant: "-".into(),
                    status: "error".into(),
                    note: Some(e.to_string()),
                    mode: mode.into(),
                    ..ExtraRecord::default()
                });
            }
        }
    }
    out
}

/// The markdown table of the extras.
pub fn markdown(recs: &[ExtraRecord]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n## P0 only: W5 many renderers, W6 sendToHost relay, W7 browser, W8 cost of a renderer (unpinned)\n"
    );
    let _ = writeln!(s, "| workload | variant | numbers | status | note |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for r in recs {
        let nums = r
            .metrics
            .iter()
            .map(|(k, v)| {
                if v.abs() >= 100.0 {
                    format!("{k} {v:.0}")
                } else {
                    format!("{k} {v:.3}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            r.workload,
            r.variant,
            nums,
            r.status,
            r.note.clone().unwrap_or_default()
        );
    }
    for r in recs
        .iter()
        .filter(|r| r.metrics.contains_key("of_floor_rt_per_s"))
    {
        let m = |k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
        let _ = writeln!(
            s,
            "\n**W5 (c) vs its raw floor (d), same run:** {:.0} vs {:.0} round trips/s = **{:.2}× the floor**; p50 {:.1} vs {:.1} µs ({:.2}×), p99 {:.1} vs {:.1} µs ({:.2}×)",
            m("rt_per_s"),
            m("floor_rt_per_s"),
            m("of_floor_rt_per_s"),
            m("p50_us"),
            m("floor_p50_us"),
            m("x_floor_p50"),
            m("p99_us"),
            m("floor_p99_us"),
            m("x_floor_p99"),
        );
    }
    s
}

/// Entry point of `__extra <role> <args..>`.
pub fn extra_main(args: &[String]) -> Res<()> {
    let role = args.first().map(String::as_str).unwrap_or("");
    let rest = &args[args.len().min(1)..];
    match role {
        "main" => {
            let mode = rest.first().map(String::as_str).unwrap_or("smoke");
            let w = rest.get(1).map(String::as_str).unwrap_or("");
            let recs = match w {
                "W6" => w6_main(mode)?,
                "W5" => w5_main(mode)?,
                "W7" => w7_main(mode)?,
                other => return Err(format!("unknown extra workload {other}").into()),
            };
            let stdout = std::io::stdout();
            let mut o = stdout.lock();
            for r in recs {
                writeln!(o, "{}", serde_json::to_string(&r)?)?;
            }
            Ok(())
        }
        "w6-host" => w6_host(rest),
        "w6-guest" => w6_guest(rest),
        "w5-renderer" => w5_renderer(),
        "w5-loadgen" => w5_loadgen(),
        "w5-evgen" => crate::w5::evgen(rest),
        "soak-renderer" => crate::soak::renderer_main(rest),
        other => Err(format!("unknown extra role {other}").into()),
    }
}

fn arg_u64(rest: &[String], i: usize) -> Res<u64> {
    Ok(rest.get(i).ok_or("missing argument")?.parse()?)
}

/// Waits until the link is gone (main shuts down at the end).
fn park(ipc: &IpcRenderer) {
    while ipc.disconnect_reason().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ------------------------------------------------------------------------------ W6

fn w6_main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (n, ..) = sizes(mode);
    let warmup = (n / 10).max(1);
    let (tx, rx) = channel::<Vec<u64>>();
    let ipc = IpcMain::new();
    let tx = Mutex::new(tx);
    ipc.on("__w6", move |_e, args| {
        let v: Vec<u64> = args.get(0)?;
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(v);
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start()?;
    let mut host_cmd = exe()?;
    host_cmd.arg("w6-host").arg((n + warmup).to_string());
    let host = main.spawn_renderer(host_cmd)?;
    if !host.wait_ready(Duration::from_secs(30)) {
        return Err("W6 host did not connect".into());
    }
    let mut guest_cmd = exe()?;
    guest_cmd.arg("w6-guest").arg((n + warmup).to_string());
    let guest = main.spawn_guest(guest_cmd, &host)?;
    if !guest.wait_ready(Duration::from_secs(30)) {
        return Err("W6 guest did not connect".into());
    }
    let samples = rx.recv_timeout(Duration::from_secs(120))?;
    main.shutdown();
    let mut s: Vec<u64> = samples.into_iter().skip(warmup).collect();
    s.sort_unstable();
    // The raw floor's round trip, measured now in the same way as the W1 cell.
    let (raw50, raw99) = floor_round_trip(&crate::peers::uds::RawUds, n)?;
    let mut m = BTreeMap::new();
    m.insert("n".into(), s.len() as f64);
    m.insert("p50_us".into(), pct(&s, 0.5));
    m.insert("p99_us".into(), pct(&s, 0.99));
    m.insert("raw_rtt_p50_us".into(), raw50);
    m.insert("raw_rtt_p99_us".into(), raw99);
    m.insert("x_raw_rtt_p50".into(), pct(&s, 0.5) / raw50);
    m.insert("x_raw_rtt_p99".into(), pct(&s, 0.99) / raw99);
    Ok(vec![ExtraRecord {
        peer: "electrode".into(),
        workload: "W6".into(),
        variant: "sendToHost string 100 B, guest → main → host, one-way".into(),
        metrics: m,
        status: "ok".into(),
        note: Some("vs raw-uds W1 string 100 B round trip (unpinned), measured right after".into()),
        mode: mode.into(),
    }])
}

fn w6_host(rest: &[String]) -> Res<()> {
    let total = arg_u64(rest, 0)? as usize;
    let samples = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let (tx, rx) = channel::<()>();
    let s2 = samples.clone();
    let tx = Mutex::new(tx);
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        ipc.on_ipc_message(move |ev, args| {
            let now = mono_ns();
            let sent: u64 = args.get(0)?;
            let mut s = s2.lock().unwrap_or_else(|e| e.into_inner());
            s.push(now.saturating_sub(sent));
            if s.len() >= total {
                let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(());
            } else {
                ev.webview().send("next", &())?;
            }
            Ok(())
        });
    })?;
    rx.recv_timeout(Duration::from_secs(120))?;
    let v = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ipc.send("__w6", &(v,))?;
    park(&ipc);
    Ok(())
}

fn w6_guest(rest: &[String]) -> Res<()> {
    let total = arg_u64(rest, 0)?;
    let (tx, rx) = channel::<()>();
    let tx = Mutex::new(tx);
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        ipc.on("next", move |_e, _a| {
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(());
            Ok(())
        });
    })?;
    let s = string_payload(100);
    for i in 0..total {
        ipc.send_to_host("bench", &(mono_ns(), s.as_str()))?;
        if i + 1 < total {
            rx.recv_timeout(Duration::from_secs(30))?;
        }
    }
    park(&ipc);
    Ok(())
}

// ------------------------------------------------------------------------------ W5 / W8

/// What one load generator (or renderer) of W5 measured.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct LoadResult {
    pub rtt_ns: Vec<u64>,
    pub first_ns: Vec<u64>,
    pub conns: usize,
    /// Replies that were not the expected `true` (event-driven generators only).
    #[serde(default)]
    pub errors: u64,
}

pub(crate) fn bench_ipc() -> (IpcMain, std::sync::mpsc::Receiver<LoadResult>) {
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

pub(crate) fn summarize(
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

fn w5_main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (_, nproc, ngen, per_gen, dur_ms) = sizes(mode);
    let dur = Duration::from_millis(dur_ms);
    let me = std::process::id();
    let mut out = Vec::new();

    // (a) renderer processes.
    {
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
        out.push(rec);
    }

    // (b) connections from load generators.
    {
        let (ipc, _rx) = bench_ipc();
        let main = Main::builder().ipc(ipc).start()?;
        let rss0 = rss_mb(me).unwrap_or(f64::NAN);
        let t0 = Instant::now();
        let mut gens = Vec::new();
        let mut wcs = Vec::new();
        for _ in 0..ngen {
            let mut child = exe()?
                .arg("w5-loadgen")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()?;
            let mut stdin = child.stdin.take().ok_or("no stdin")?;
            let mut text = String::new();
            for _ in 0..per_gen {
                let (wc, ticket) = main.issue_ticket(None);
                wcs.push(wc);
                text.push_str(&format!("{}\t{}\n", ticket.socket.display(), ticket.token));
            }
            text.push('\n');
            stdin.write_all(text.as_bytes())?;
            stdin.flush()?;
            gens.push((child, stdin));
        }
        for wc in &wcs {
            if !wc.wait_ready(Duration::from_secs(120)) {
                return Err("W5: a connection did not come up".into());
            }
        }
        let connect_ms = t0.elapsed().as_secs_f64() * 1000.0;
        std::thread::sleep(Duration::from_millis(300));
        let idle_main = rss_mb(me).unwrap_or(f64::NAN);
        let gen_rss: Vec<f64> = gens.iter().filter_map(|(c, _)| rss_mb(c.id())).collect();
        for (_, stdin) in &mut gens {
            writeln!(stdin, "go {dur_ms}")?;
            stdin.flush()?;
        }
        let peak = Arc::new(Mutex::new(idle_main));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(r) = rss_mb(me) {
                        let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                        *p = p.max(r);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        let mut results = Vec::new();
        for (child, stdin) in gens {
            drop(stdin);
            let mut line = String::new();
            BufReader::new(child.stdout.ok_or("no stdout")?).read_line(&mut line)?;
            results.push(serde_json::from_str::<LoadResult>(&line)?);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = sampler.join();
        main.shutdown();
        let mut m = BTreeMap::new();
        m.insert("connect_all_ms".into(), connect_ms);
        m.insert("main_rss_before_mb".into(), rss0);
        m.insert("main_rss_idle_mb".into(), idle_main);
        m.insert(
            "main_rss_load_mb".into(),
            *peak.lock().unwrap_or_else(|e| e.into_inner()),
        );
        m.insert(
            "loadgen_idle_rss_mb".into(),
            gen_rss.iter().sum::<f64>() / gen_rss.len().max(1) as f64,
        );
        let mut rec = summarize(
            mode,
            format!(
                "{} connections ({ngen} load generators × {per_gen}), closed-loop sendSync string 100 B",
                ngen * per_gen
            ),
            results,
            dur,
            m,
        );
        rec.note = Some(format!(
            "{dur_ms} ms closed loop, one thread per connection; first_msg = connect() start → first sendSync answered"
        ));
        out.push(rec);
    }

    // (c) the same connections from event-driven generators, (d) the raw floor (w5.rs).
    out.extend(crate::w5::run(mode));
    Ok(out)
}

fn w5_renderer() -> Res<()> {
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
    park(&ipc);
    Ok(())
}

fn w5_loadgen() -> Res<()> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut tickets = Vec::new();
    for line in lines.by_ref() {
        let line = line?;
        if line.is_empty() {
            break;
        }
        let (sock, token) = line.split_once('\t').ok_or("bad ticket line")?;
        tickets.push((sock.to_string(), token.to_string()));
    }
    let go = Arc::new((Mutex::new(None::<u64>), std::sync::Condvar::new()));
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
    for line in lines {
        let line = line?;
        if let Some(ms) = line.strip_prefix("go ") {
            let (m, cv) = &*go;
            *m.lock().unwrap_or_else(|e| e.into_inner()) = Some(ms.trim().parse()?);
            cv.notify_all();
            break;
        }
    }
    let mut r = LoadResult::default();
    for h in handles {
        let (rtt, first) = h.join().map_err(|_| "load thread panicked")??;
        r.rtt_ns.extend(rtt);
        r.first_ns.push(first);
        r.conns += 1;
    }
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}

// ------------------------------------------------------------------------------ W7

const W7_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>electrode W7</title>
<script src="/electrode/ipc-renderer.js"></script>
<script>
const { ipcRenderer } = require('electron');
const [N0, WSPORT] = location.hash.slice(1).split(',');
const N = parseInt(N0, 10) || 100;
const W = Math.max(1, Math.floor(N / 10));
let s = ''; for (let i = 0; i < 100; i++) s += String.fromCharCode(97 + (i % 26));
async function run() {
  const out = { sync: [], async: [], sync_total_ms: 0, async_total_ms: 0 };
  for (let i = 0; i < W; i++) ipcRenderer.sendSync('bench', s);
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    if (ipcRenderer.sendSync('bench', s) !== true) throw new Error('returnValue');
    out.sync.push(performance.now() - t0);
  }
  out.sync_total_ms = performance.now() - t;
  let wake = null;
  ipcRenderer.on('echo', (event, v) => { if (v.length !== 100) throw new Error('echo'); wake(); });
  const once = () => new Promise((r) => { wake = r; ipcRenderer.send('bench-async', s); });
  for (let i = 0; i < W; i++) await once();
  t = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await once();
    out.async.push(performance.now() - t0);
  }
  out.async_total_ms = performance.now() - t;
  // Floors measured from this page: a synchronous XHR GET of a static file of the same
  // server (query string carries the 100 B), and a WebSocket round trip to the P5 server.
  out.xhr = []; out.ws = [];
  const xhr = () => {
    const x = new XMLHttpRequest();
    x.open('GET', '/floor.json?s=' + s, false);
    x.send();
    if (JSON.parse(x.responseText).returnValue !== true) throw new Error('floor');
  };
  for (let i = 0; i < W; i++) xhr();
  for (let i = 0; i < N; i++) { const t0 = performance.now(); xhr(); out.xhr.push(performance.now() - t0); }
  const ws = new WebSocket('ws://127.0.0.1:' + WSPORT + '/');
  await new Promise((r, e) => { ws.onopen = r; ws.onerror = e; });
  const env = JSON.stringify({ channel: 'bench', args: [s] });
  let wwake = null;
  ws.onmessage = (m) => { if (JSON.parse(m.data).returnValue !== true) throw new Error('ws'); wwake(); };
  const wsOnce = () => new Promise((r) => { wwake = r; ws.send(env); });
  for (let i = 0; i < W; i++) await wsOnce();
  for (let i = 0; i < N; i++) { const t0 = performance.now(); await wsOnce(); out.ws.push(performance.now() - t0); }
  ws.close();
  ipcRenderer.send('__w7', JSON.stringify(out));
}
window.addEventListener('load', () => setTimeout(() => run().catch((e) => ipcRenderer.send('__w7', JSON.stringify({ error: String(e) }))), 50));
</script></head><body>W7</body></html>
"#;

#[derive(Deserialize, Default)]
struct PageResult {
    #[serde(default)]
    sync: Vec<f64>,
    #[serde(default, rename = "async")]
    asy: Vec<f64>,
    #[serde(default)]
    xhr: Vec<f64>,
    #[serde(default)]
    ws: Vec<f64>,
    #[serde(default)]
    sync_total_ms: f64,
    #[serde(default)]
    async_total_ms: f64,
    error: Option<String>,
}

/// p50 and p99 (µs) of `peer`'s W1 string 100 B round trip, unpinned, measured now.
fn floor_round_trip(peer: &dyn Peer, n: usize) -> Res<(f64, f64)> {
    let mut session = peer.open_session(&Launch {
        placement: Placement::Unpinned,
        children: 1,
    })?;
    let spec = CellSpec {
        workload: Workload::W1,
        payload: PayloadKind::String,
        size: 100,
        n,
        warmup: (n / 10).max(1),
        cap_ms: 5_000,
        records: 0,
    };
    let mut v = session.run(&spec)?.samples_ns.ok_or("floor: no samples")?;
    v.sort_unstable();
    Ok((pct(&v, 0.5), pct(&v, 0.99)))
}

fn w7_main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let n = match mode {
        "smoke" => 50,
        "quick" => 500,
        _ => 2000,
    };
    let mut rec = ExtraRecord {
        peer: "electrode".into(),
        workload: "W7".into(),
        variant: "browser page (headless Chromium) via WebBridge, string 100 B".into(),
        mode: mode.into(),
        ..ExtraRecord::default()
    };
    if !crate::chromium::available() {
        eprintln!("!!! W7: /usr/bin/chromium is missing: the W7 cells are MISSING (no numbers)");
        rec.status = "missing".into();
        rec.note = Some("/usr/bin/chromium not installed".into());
        return Ok(vec![rec]);
    }
    let (tx, rx) = channel::<String>();
    let ipc = IpcMain::new();
    ipc.on("bench", |event, args| {
        let raw: &serde_json::value::RawValue =
            serde_json::from_slice(args.json(0).ok_or("missing argument")?)?;
        std::hint::black_box(raw);
        event.set_return_value(true)?;
        Ok(())
    });
    ipc.on("bench-async", |event, args| {
        event.sender().send_args("echo", args.clone())?;
        Ok(())
    });
    let tx = Mutex::new(tx);
    ipc.on("__w7", move |_e, args| {
        let _ = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(args.get(0)?);
        Ok(())
    });
    let main = Arc::new(Main::builder().ipc(ipc).start()?);
    let dir = crate::peers::temp_dir("w7")?;
    std::fs::write(dir.join("w7.html"), W7_PAGE)?;
    std::fs::write(dir.join("floor.json"), r#"{"returnValue":true}"#)?;
    // The P5 WebSocket server (one connection), for the page's WebSocket floor.
    let mut ws_child = crate::peers::child_command("websocket", None, &[])?
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(ws_child.stdout.take().ok_or("no stdout")?).read_line(&mut port)?;
    let ws_children = crate::peers::Children(vec![ws_child]);
    let profile = dir.join("profile");
    let bridge = electrode_web::WebBridge::start(
        main.clone(),
        electrode_web::WebConfig::new().app_dir(&dir),
    )?;
    let url = format!("{}w7.html#{n},{}", bridge.url(), port.trim());
    let browser = crate::chromium::Browser::start(&url, &profile)?;
    let got = rx.recv_timeout(Duration::from_secs(120));
    drop(browser);
    drop(bridge);
    drop(ws_children);
    main.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    let text = got.map_err(|_| "W7: the page did not report within 120 s")?;
    let r: PageResult = serde_json::from_str(&text)?;
    if let Some(e) = r.error {
        return Err(format!("W7 page: {e}").into());
    }
    let us = |v: &[f64]| -> Vec<u64> {
        let mut x: Vec<u64> = v.iter().map(|ms| (ms * 1e6) as u64).collect();
        x.sort_unstable();
        x
    };
    let (sync, asy, xhr, wsp) = (us(&r.sync), us(&r.asy), us(&r.xhr), us(&r.ws));
    let (ws50, ws99) = floor_round_trip(&crate::peers::ws::WebSocket, n)?;
    let (http50, http99) = floor_round_trip(&crate::peers::http::HttpFloor, n)?;
    let mut m = BTreeMap::new();
    m.insert("n".into(), sync.len() as f64);
    m.insert("sync_p50_us".into(), pct(&sync, 0.5));
    m.insert("sync_p99_us".into(), pct(&sync, 0.99));
    m.insert("sync_mean_us".into(), r.sync_total_ms * 1000.0 / n as f64);
    m.insert("async_p50_us".into(), pct(&asy, 0.5));
    m.insert("async_p99_us".into(), pct(&asy, 0.99));
    m.insert("async_mean_us".into(), r.async_total_ms * 1000.0 / n as f64);
    m.insert("page_xhr_floor_p50_us".into(), pct(&xhr, 0.5));
    m.insert("page_xhr_floor_p99_us".into(), pct(&xhr, 0.99));
    m.insert("page_ws_floor_p50_us".into(), pct(&wsp, 0.5));
    m.insert("page_ws_floor_p99_us".into(), pct(&wsp, 0.99));
    m.insert(
        "x_page_xhr_floor_sync_p50".into(),
        pct(&sync, 0.5) / pct(&xhr, 0.5),
    );
    m.insert(
        "x_page_ws_floor_async_p50".into(),
        pct(&asy, 0.5) / pct(&wsp, 0.5),
    );
    m.insert("http_floor_p50_us".into(), http50);
    m.insert("http_floor_p99_us".into(), http99);
    m.insert("ws_floor_p50_us".into(), ws50);
    m.insert("ws_floor_p99_us".into(), ws99);
    m.insert(
        "x_rust_http_floor_sync_p50".into(),
        pct(&sync, 0.5) / http50,
    );
    m.insert("x_rust_ws_floor_async_p50".into(), pct(&asy, 0.5) / ws50);
    rec.metrics = m;
    rec.status = "ok".into();
    rec.note = Some(
        "page-side times use performance.now() (100 µs resolution in a non-isolated page); page floors: sync XHR GET of a static file of the same bridge (query carries the 100 B) and a WebSocket round trip to the P5 tungstenite server, both from the same page; http_floor/ws_floor: the Rust transport-only peers (no browser), W1 string 100 B unpinned, measured right after".into(),
    );
    Ok(vec![rec])
}
