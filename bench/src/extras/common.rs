//! What the P0-only workloads share: the result record, sizes per mode, the `__extra`
//! command, RSS and percentiles, the W1 floor measured in-process, and the load-generator
//! protocol on stdin/stdout (tickets, `go`, one result line). Every other module of
//! `extras` uses this one; it uses none of them.

use crate::cell::{CellSpec, PayloadKind, Placement, Res, Workload};
use crate::peers::{Launch, Peer};
use electrode::IpcMain;
use electrode_renderer::IpcRenderer;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Mutex;
use std::time::Duration;

/// Argument 0 of every message main hears on channel `name`: how a workload's renderer or
/// page hands its result to main.
pub fn results_on<T: DeserializeOwned + Send + 'static>(ipc: &IpcMain, name: &str) -> Receiver<T> {
    let (tx, rx) = channel::<T>();
    let tx = Mutex::new(tx);
    ipc.on(name, move |_, args| {
        let _ = tx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(args.get(0)?);
        Ok(())
    });
    rx
}

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

impl ExtraRecord {
    /// The record of a run that failed with `e` (no numbers).
    pub fn error(mode: &str, peer: &str, workload: &str, variant: String, e: &str) -> Self {
        ExtraRecord {
            peer: peer.into(),
            workload: workload.into(),
            variant,
            status: "error".into(),
            note: Some(e.to_string()),
            mode: mode.into(),
            ..ExtraRecord::default()
        }
    }
}

/// Sizes per mode: (W6 round trips, W5 renderer processes, W5 generators, connections per
/// generator, W5 duration ms).
pub fn sizes(mode: &str) -> (usize, usize, usize, usize, u64) {
    match mode {
        "smoke" => (200, 10, 2, 10, 200),
        "quick" => (3000, 100, 10, 100, 1000),
        _ => (6000, 100, 10, 100, 2000),
    }
}

/// VmRSS of a process in MB (10^6 B).
pub fn rss_mb(pid: u32) -> Option<f64> {
    let kb = crate::procfs::status_number(pid, "VmRSS")?;
    Some(kb as f64 * 1024.0 / 1e6)
}

/// The `q` quantile of sorted nanoseconds, in µs.
pub fn pct(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

pub use crate::peers::extra_command as exe;

/// Waits until the link is gone (main shuts down at the end).
pub fn park(ipc: &IpcRenderer) {
    while ipc.disconnect_reason().is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// p50 and p99 (µs) of `peer`'s W1 string 100 B round trip, unpinned, measured now.
pub fn floor_round_trip(peer: &dyn Peer, n: usize) -> Res<(f64, f64)> {
    floor_round_trip_at(peer, n, Placement::Unpinned)
}

/// p50 and p99 (µs) of `peer`'s W1 string 100 B round trip in `placement`, measured now.
pub fn floor_round_trip_at(peer: &dyn Peer, n: usize, placement: Placement) -> Res<(f64, f64)> {
    let launch = Launch {
        placement,
        children: 1,
    };
    let spec = CellSpec {
        workload: Workload::W1,
        payload: PayloadKind::String,
        size: 100,
        n,
        warmup: (n / 10).max(1),
        cap_ms: 5_000,
        records: 0,
    };
    let mut v = crate::runner::run_one(peer, &launch, &spec)?
        .samples_ns
        .ok_or("floor: no samples")?;
    v.sort_unstable();
    Ok((pct(&v, 0.5), pct(&v, 0.99)))
}

/// Adds the raw socket's W1 string 100 B round trip, measured now in `placement`, and
/// `measured_p50_us` as a ratio to it: `raw_rtt_p50_us`, `x_raw_rtt_p50`.
pub fn add_raw_floor(
    m: &mut BTreeMap<String, f64>,
    measured_p50_us: f64,
    n: usize,
    placement: Placement,
) -> Res<()> {
    let (raw50, _) = floor_round_trip_at(&crate::peers::uds::RawUds, n, placement)?;
    m.insert("raw_rtt_p50_us".into(), raw50);
    m.insert("x_raw_rtt_p50".into(), measured_p50_us / raw50);
    Ok(())
}

/// Adds Node's `child_process.fork` IPC (JSON) W1 string 100 B round trip, measured now in
/// `placement`, and `measured_p50_us` as a ratio to it: `node_rtt_p50_us`, `x_node_rtt_p50`.
/// Without `node`, `node_missing` is 1 instead.
pub fn add_node_floor(
    m: &mut BTreeMap<String, f64>,
    measured_p50_us: f64,
    n: usize,
    placement: Placement,
) -> Res<()> {
    if crate::peers::node::node_binary().is_none() {
        m.insert("node_missing".into(), 1.0);
        return Ok(());
    }
    let (node50, _) = floor_round_trip_at(&crate::peers::node::NODE_JSON_PEER, n, placement)?;
    m.insert("node_rtt_p50_us".into(), node50);
    m.insert("x_node_rtt_p50".into(), measured_p50_us / node50);
    Ok(())
}

// ------------------------------------------------------------------------------ generators

/// What one load generator (or renderer) of W5 measured.
#[derive(Serialize, Deserialize, Default)]
pub struct LoadResult {
    pub rtt_ns: Vec<u64>,
    pub first_ns: Vec<u64>,
    pub conns: usize,
    /// Replies that were not the expected `true` (event-driven generators only).
    #[serde(default)]
    pub errors: u64,
}

/// A generator's stdin: one `socket\ttoken` line per connection, then an empty line.
pub fn read_tickets(
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

/// A generator's stdin after the tickets: `go <ms>`, the length of the closed loop.
pub fn read_go(lines: &mut impl Iterator<Item = io::Result<String>>) -> Res<u64> {
    for line in lines {
        if let Some(ms) = line?.strip_prefix("go ") {
            return Ok(ms.trim().parse()?);
        }
    }
    Err("stdin closed before go".into())
}

/// One line on stdout, flushed at once.
pub fn say(line: &str) -> Res<()> {
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    writeln!(o, "{line}")?;
    o.flush()?;
    Ok(())
}
