//! P0: Electrode itself. The driver process is an `electrode::Main`; the answering
//! process(es) are Rust renderers (`electrode_renderer::IpcRenderer`) spawned with
//! `Main::spawn_renderer`.
//!
//! Who measures:
//!
//! - W1 / W1e / W2 / W3: the **renderer** (it is the side that calls `sendSync` / `send`
//!   or receives `webContents.send`). The driver forwards the cell to it over Electrode's
//!   own async channel (`__cell`) and gets the outcome back on `__outcome`, both outside
//!   the timed loop.
//! - W4: **main** (the driver): `Main::broadcast` (encoded once), and the naive loop over
//!   `WebContents::send` (encoded per renderer) as the separate peer `electrode-loop`.
//!
//! What main's listener does on channel `bench` (the envelope channel):
//!
//! - W1 (`sendSync`): syntax-checks each JSON argument (as the raw peer parses its
//!   envelope; Electrode would otherwise decode nothing the listener does not read) and
//!   sets `returnValue = true`. Binary arguments are sent as `SharedBytes` (the caller's
//!   buffer, not copied into the message; from 2026-12-04, ADR 0022) and travel as
//!   attachments, not read.
//! - W1e JSON payloads: `returnValue` = the argument list, re-emitted from the received
//!   JSON texts as `RawValue`s (syntax-checked, not decoded or re-encoded); the renderer
//!   decodes it into owned values. **W1e binary** cannot use `returnValue` (a return
//!   value is JSON only), so it is `send` → `event.sender().send_args(echo, args)` (the
//!   received argument section, attachment included, sent back without re-encoding) →
//!   renderer listener → the measuring thread (one thread hop in the renderer).
//! - W2 (`send`): syntax-checks and counts; the ack is a `sendSync` returning the count.
//! - W3: an async `send` asks main to send n messages with `event.sender().send(..)`
//!   (encoded per message), then a `__done` message with n; the renderer's listener counts
//!   them and wakes the measuring thread on `__done`. The timed span includes that one
//!   request round trip.

use super::{child_command, Launch, Peer, Session};
use crate::cell::{measure_loop, CellSpec, Outcome, PayloadKind, Res, Side, Sides, Workload};
use crate::payload::{Payload, Record};
use bytes::Bytes;
use electrode::{ArgList, IpcMain, Main, SharedBytes, WebContents};
use electrode_renderer::IpcRenderer;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The P0 peer (broadcast encoded once).
pub struct Electrode;

/// P0's naive broadcast: a loop of `WebContents::send` (encoded per renderer), W4 only.
pub struct ElectrodeLoop;

const MODE_W1: u8 = 1;
const MODE_W1E: u8 = 2;

fn supports_p0(workload: Workload, payload: PayloadKind) -> bool {
    match workload {
        Workload::W1 | Workload::W1e => true,
        Workload::W2 | Workload::W3 | Workload::W4 => payload == PayloadKind::String,
    }
}

impl Peer for Electrode {
    fn id(&self) -> &'static str {
        "electrode"
    }

    fn title(&self) -> &'static str {
        "P0 Electrode: Rust Main + Rust IpcRenderer (sendSync / send / webContents.send / broadcast)"
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        supports_p0(workload, payload)
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        open(self.id(), launch, false)
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let _ = args;
        renderer_main()
    }
}

impl Peer for ElectrodeLoop {
    fn id(&self) -> &'static str {
        "electrode-loop"
    }

    fn title(&self) -> &'static str {
        "P0 Electrode, W4 as a loop of webContents.send (encoded per renderer, suite rule 5)"
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        workload == Workload::W4 && payload == PayloadKind::String
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        open("electrode", launch, true)
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let _ = args;
        renderer_main()
    }
}

/// State shared by main's listeners and the driver.
#[derive(Default)]
struct MainState {
    mode: AtomicU8,
    count: AtomicU64,
    reader_tid: AtomicU32,
    w3_payload: Mutex<String>,
}

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// Syntax-checks every JSON argument without decoding it (what the raw peer's
/// `parse_env_raw` does for its envelope).
fn check_args(args: &electrode::Args) -> Res<()> {
    for i in 0..args.len() {
        let json = args.json(i).ok_or("missing argument")?;
        let raw: &RawValue = serde_json::from_slice(json)?;
        std::hint::black_box(raw.get().len());
    }
    Ok(())
}

fn open(child_id: &str, launch: &Launch, naive: bool) -> Res<Box<dyn Session>> {
    let state = Arc::new(MainState::default());
    let (out_tx, out_rx) = channel::<String>();
    let (ack_tx, ack_rx) = channel::<u64>();
    let ipc = IpcMain::new();
    {
        let st = state.clone();
        ipc.on("__hello", move |event, _args| {
            st.reader_tid.store(gettid(), Ordering::Relaxed);
            event.set_return_value(true)?;
            Ok(())
        });
    }
    {
        let tx = Mutex::new(out_tx);
        ipc.on("__outcome", move |_event, args| {
            let s: String = args.get(0)?;
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(s);
            Ok(())
        });
    }
    {
        let tx = Mutex::new(ack_tx);
        ipc.on("__ack", move |_event, args| {
            let n: u64 = args.get(0)?;
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(n);
            Ok(())
        });
    }
    {
        let st = state.clone();
        ipc.on("bench", move |event, args| {
            if event.is_sync() {
                if st.mode.load(Ordering::Relaxed) == MODE_W1E {
                    let mut raws: Vec<&RawValue> = Vec::with_capacity(args.len());
                    for i in 0..args.len() {
                        raws.push(serde_json::from_slice(
                            args.json(i).ok_or("missing argument")?,
                        )?);
                    }
                    event.set_return_value(ArgList(raws))?;
                } else {
                    if args.is_plain_json() {
                        check_args(args)?;
                    }
                    event.set_return_value(true)?;
                }
            } else if st.mode.load(Ordering::Relaxed) == MODE_W1E && !args.is_plain_json() {
                event.sender().send_args("__echo", args.clone())?;
            } else {
                check_args(args)?;
                st.count.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        });
    }
    {
        let st = state.clone();
        ipc.on("__w2ack", move |event, _args| {
            event.set_return_value(st.count.swap(0, Ordering::Relaxed))?;
            Ok(())
        });
    }
    {
        let st = state.clone();
        ipc.on("__w3prep", move |event, args| {
            let size: usize = args.get(0)?;
            *st.w3_payload.lock().unwrap_or_else(|e| e.into_inner()) =
                crate::payload::string_payload(size);
            event.set_return_value(true)?;
            Ok(())
        });
    }
    {
        let st = state.clone();
        ipc.on("__w3", move |event, args| {
            let n: u64 = args.get(0)?;
            let s = st.w3_payload.lock().unwrap_or_else(|e| e.into_inner());
            let wc = event.sender();
            for _ in 0..n {
                send_with_backpressure(wc, "bench", &(s.as_str(),))?;
            }
            send_with_backpressure(wc, "__done", &(n,))?;
            Ok(())
        });
    }
    let main = Main::builder().ipc(ipc).start()?;
    let cpu = if launch.children == 1 {
        launch.placement.measure_cpu()
    } else {
        launch.placement.other_cpu()
    };
    let mut renderers = Vec::new();
    for _ in 0..launch.children {
        let cmd = child_command(child_id, cpu, &[])?;
        renderers.push(main.spawn_renderer(cmd)?);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for wc in &renderers {
        let left = deadline.saturating_duration_since(Instant::now());
        if !wc.wait_ready(left) {
            return Err(format!(
                "renderer {} did not connect: {}",
                wc.id(),
                wc.destroy_reason().unwrap_or_default()
            )
            .into());
        }
    }
    // The renderer's first call records the tid of the main worker that answered it. Main
    // serves links from a worker pool (ADR 0006), so later calls may run on another worker:
    // the same-vCPU column follows this one thread and is approximate for P0.
    while state.reader_tid.load(Ordering::Relaxed) == 0 {
        if Instant::now() > deadline {
            return Err("renderer did not say hello".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(Box::new(ElectrodeSession {
        main,
        renderers,
        state,
        outcomes: out_rx,
        acks: ack_rx,
        naive,
    }))
}

/// `WebContents::send`, waiting while the renderer's outbound queue is full (the caller's
/// backpressure: Electrode never blocks a sender, it reports `QueueFull`).
fn send_with_backpressure(
    wc: &WebContents,
    channel: &str,
    args: &(impl serde::Serialize + ?Sized),
) -> Res<()> {
    loop {
        match wc.send(channel, args) {
            Ok(()) => return Ok(()),
            Err(electrode::Error::QueueFull { .. }) => {
                std::thread::sleep(Duration::from_micros(200))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

struct ElectrodeSession {
    main: Main,
    renderers: Vec<WebContents>,
    state: Arc<MainState>,
    outcomes: Receiver<String>,
    acks: Receiver<u64>,
    naive: bool,
}

impl ElectrodeSession {
    fn renderer_pids(&self) -> Vec<u32> {
        self.renderers
            .iter()
            .filter_map(|r| r.process_id())
            .collect()
    }

    /// W4: `n` broadcasts, then an ack request to every renderer; waits for all acks.
    fn broadcast(&self, s: &str, n: usize) -> Res<()> {
        for _ in 0..n {
            if self.naive {
                for wc in &self.renderers {
                    send_with_backpressure(wc, "bench", &(s,))?;
                }
            } else {
                let got = self.main.broadcast("bench", &(s,))?;
                if got != self.renderers.len() {
                    return Err(format!("broadcast reached {got} renderers").into());
                }
            }
        }
        self.main.broadcast("__ack_req", &())?;
        for _ in 0..self.renderers.len() {
            let got = self.acks.recv_timeout(Duration::from_secs(60))?;
            if got != n as u64 {
                return Err(format!("ack {got} != sent {n}").into());
            }
        }
        Ok(())
    }
}

impl Drop for ElectrodeSession {
    fn drop(&mut self) {
        self.main.shutdown();
    }
}

impl Session for ElectrodeSession {
    fn sides(&self) -> Sides {
        let me = std::process::id();
        let main_side = Side {
            pid: me,
            tid: self.state.reader_tid.load(Ordering::Relaxed),
        };
        let pids = self.renderer_pids();
        let first = pids.first().copied().unwrap_or(0);
        let r_side = Side {
            pid: first,
            tid: first,
        };
        if self.renderers.len() == 1 {
            Sides {
                measure: r_side,
                other: main_side,
                measure_pids: pids,
                other_pids: vec![me],
            }
        } else {
            Sides {
                measure: Side { pid: me, tid: me },
                other: r_side,
                measure_pids: vec![me],
                other_pids: pids,
            }
        }
    }

    fn run(&mut self, cell: &CellSpec) -> Res<Outcome> {
        match cell.workload {
            Workload::W4 => {
                let payload = Payload::build(cell.payload, cell.size, cell.records);
                let Payload::Str(s) = &payload else {
                    return Err("W4 takes a string payload".into());
                };
                let wire = electrode::Args::encode(&(s.as_str(),))?.encoded_len();
                self.broadcast(s, cell.warmup)?;
                let t0 = Instant::now();
                self.broadcast(s, cell.n)?;
                Ok(Outcome {
                    elapsed_ns: Some(t0.elapsed().as_nanos() as u64),
                    msgs: Some(cell.n as u64),
                    deliveries: Some((cell.n * self.renderers.len()) as u64),
                    wire_bytes: Some(wire as u64),
                    ..Outcome::default()
                })
            }
            _ => {
                let mode = if cell.workload == Workload::W1e {
                    MODE_W1E
                } else {
                    MODE_W1
                };
                self.state.mode.store(mode, Ordering::Relaxed);
                self.state.count.store(0, Ordering::Relaxed);
                let wc = self.renderers.first().ok_or("no renderer")?;
                wc.send("__cell", &(serde_json::to_string(cell)?,))?;
                let timeout =
                    Duration::from_millis(cell.cap_ms.max(1) * 20) + Duration::from_secs(60);
                let text = self.outcomes.recv_timeout(timeout)?;
                Ok(serde_json::from_str(&text)?)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Renderer side.

enum Note {
    Cell(String),
    Echo(usize),
    Done(u64),
}

fn renderer_main() -> Res<()> {
    let (tx, rx) = channel::<Note>();
    let count = Arc::new(AtomicU64::new(0));
    let ipc = IpcRenderer::connect_from_env_with(|ipc| {
        let t = Mutex::new(tx.clone());
        ipc.on("__cell", move |_e, args| {
            let s: String = args.get(0)?;
            let _ = t
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(Note::Cell(s));
            Ok(())
        });
        let t = Mutex::new(tx.clone());
        ipc.on("__echo", move |_e, args| {
            let len = args.attachments().map(|b| b.len()).sum();
            let _ = t
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(Note::Echo(len));
            Ok(())
        });
        let t = Mutex::new(tx.clone());
        let c = count.clone();
        ipc.on("__done", move |_e, args| {
            let n: u64 = args.get(0)?;
            let got = c.swap(0, Ordering::Relaxed);
            let _ = t
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .send(Note::Done(got.min(n)));
            if got != n {
                return Err(format!("W3: received {got} of {n}").into());
            }
            Ok(())
        });
        let c = count.clone();
        ipc.on("bench", move |_e, args| {
            check_args(args).map_err(|e| e.to_string())?;
            c.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
        let c = count.clone();
        ipc.on("__ack_req", move |e, _args| {
            e.sender().send("__ack", &(c.swap(0, Ordering::Relaxed),))?;
            Ok(())
        });
    })?;
    drop(tx);
    let _: bool = ipc.send_sync("__hello", &())?;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Note::Cell(text)) => {
                let spec: CellSpec = serde_json::from_str(&text)?;
                let outcome =
                    run_cell(&ipc, &rx, &spec).unwrap_or_else(|e| Outcome::error(e.to_string()));
                ipc.send("__outcome", &(serde_json::to_string(&outcome)?,))?;
            }
            Ok(_) => return Err("unexpected note outside a cell".into()),
            Err(RecvTimeoutError::Timeout) => {
                if ipc.disconnect_reason().is_some() {
                    return Ok(());
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

fn run_cell(ipc: &IpcRenderer, rx: &Receiver<Note>, cell: &CellSpec) -> Res<Outcome> {
    let payload = Payload::build(cell.payload, cell.size, cell.records);
    let bin = match &payload {
        // As an app sending large buffers would: Electrode's no-copy byte type.
        Payload::Binary(b) => Some(SharedBytes(Bytes::from(b.clone()))),
        _ => None,
    };
    let wire = match &payload {
        Payload::Empty => electrode::Args::encode(&())?,
        Payload::Str(s) => electrode::Args::encode(&(s.as_str(),))?,
        Payload::Records(r) => electrode::Args::encode(&(r.as_slice(),))?,
        Payload::Binary(_) => electrode::Args::encode(&(bin.clone().unwrap_or_default(),))?,
    }
    .encoded_len() as u64;
    let mut out = Outcome {
        wire_bytes: Some(wire),
        ..Outcome::default()
    };
    match cell.workload {
        Workload::W1 => {
            let samples = measure_loop(cell, || {
                let ok: bool = match &payload {
                    Payload::Empty => ipc.send_sync("bench", &())?,
                    Payload::Str(s) => ipc.send_sync("bench", &(s.as_str(),))?,
                    Payload::Records(r) => ipc.send_sync("bench", &(r.as_slice(),))?,
                    Payload::Binary(_) => {
                        ipc.send_sync("bench", &(bin.clone().unwrap_or_default(),))?
                    }
                };
                if !ok {
                    return Err("returnValue is not true".into());
                }
                Ok(())
            })?;
            out.samples_ns = Some(samples);
        }
        Workload::W1e => {
            let samples = measure_loop(cell, || {
                match &payload {
                    Payload::Empty => {
                        let v: Vec<IgnoredAny> = ipc.send_sync("bench", &())?;
                        if !v.is_empty() {
                            return Err("echo: wrong length".into());
                        }
                    }
                    Payload::Str(s) => {
                        let (v,): (String,) = ipc.send_sync("bench", &(s.as_str(),))?;
                        std::hint::black_box(&v);
                    }
                    Payload::Records(r) => {
                        let (v,): (Vec<Record>,) = ipc.send_sync("bench", &(r.as_slice(),))?;
                        if v.len() != r.len() {
                            return Err("echo: wrong length".into());
                        }
                    }
                    Payload::Binary(b) => {
                        ipc.send("bench", &(bin.clone().unwrap_or_default(),))?;
                        match rx.recv_timeout(Duration::from_secs(30))? {
                            Note::Echo(len) if len == b.len() => {}
                            _ => return Err("echo: wrong reply".into()),
                        }
                    }
                }
                Ok(())
            })?;
            out.samples_ns = Some(samples);
        }
        Workload::W2 => {
            let Payload::Str(s) = &payload else {
                return Err("W2 takes a string payload".into());
            };
            let one_way = |n: usize| -> Res<()> {
                for _ in 0..n {
                    ipc.send("bench", &(s.as_str(),))?;
                }
                let got: u64 = ipc.send_sync("__w2ack", &())?;
                if got != n as u64 {
                    return Err(format!("ack {got} != sent {n}").into());
                }
                Ok(())
            };
            one_way(cell.warmup)?;
            let t0 = Instant::now();
            one_way(cell.n)?;
            out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
            out.msgs = Some(cell.n as u64);
            out.deliveries = Some(cell.n as u64);
        }
        Workload::W3 => {
            let _: bool = ipc.send_sync("__w3prep", &(cell.size,))?;
            let one_way = |n: usize| -> Res<()> {
                // An async request: a renderer blocked in `send_sync` while main's messages
                // arrive leaves them in the inbox until the background thread's 100 ms poll
                // ends (see docs/benchmarks.md), which would measure that stall instead.
                ipc.send("__w3", &(n as u64,))?;
                match rx.recv_timeout(Duration::from_secs(120))? {
                    Note::Done(got) if got == n as u64 => Ok(()),
                    Note::Done(got) => Err(format!("W3: received {got} of {n}").into()),
                    _ => Err("W3: unexpected note".into()),
                }
            };
            one_way(cell.warmup)?;
            let t0 = Instant::now();
            one_way(cell.n)?;
            out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
            out.msgs = Some(cell.n as u64);
            out.deliveries = Some(cell.n as u64);
        }
        Workload::W4 => return Err("W4 is measured by main".into()),
    }
    Ok(out)
}
