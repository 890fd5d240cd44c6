//! One output line per cell (suite §3.4), and per-cell medians across runs.

use crate::cell::{PayloadKind, Workload};
use crate::procfs::Host;
use serde::{Deserialize, Serialize};

/// One JSON line: a cell of one run (`stat: "run"`) or the median over runs
/// (`stat: "median"`, `run: null`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// Peer id (`raw-uds`, `node-json`, ...).
    pub peer: String,
    /// Workload.
    pub workload: Workload,
    /// Payload kind.
    pub payload: PayloadKind,
    /// Payload size in bytes (decimal units).
    pub size: usize,
    /// Placement: `unpinned`, `split` or `pinned`.
    pub cpu: String,
    /// W4: number of children.
    pub children: Option<usize>,
    /// Measured samples (W1/W1e), messages (W2) or broadcasts (W4).
    pub n: Option<u64>,
    /// Round-trip median, µs.
    pub p50_us: Option<f64>,
    /// Round-trip 99th percentile, µs.
    pub p99_us: Option<f64>,
    /// Round-trip 99.9th percentile, µs.
    pub p999_us: Option<f64>,
    /// Round-trip mean, µs.
    pub mean_us: Option<f64>,
    /// Largest round trip, µs.
    pub max_us: Option<f64>,
    /// W2: messages per second; W4: deliveries per second.
    pub msgs_per_s: Option<f64>,
    /// Envelope bytes per second / 10^6 (W2, W4 counts every delivery).
    pub mb_per_s: Option<f64>,
    /// W4: µs per broadcast to all children.
    pub us_per_broadcast: Option<f64>,
    /// Bytes of one request as the peer encodes it.
    pub wire_bytes: Option<u64>,
    /// CPU of the measuring side over the cell, % of one vCPU.
    pub measure_cpu_pct: Option<f64>,
    /// CPU of the other side(s) over the cell, % of one vCPU (W2: receiver CPU).
    pub other_cpu_pct: Option<f64>,
    /// % of vCPU samples where both sides had last run on the same vCPU.
    pub shared_vcpu_pct: Option<f64>,
    /// Number of vCPU samples.
    pub vcpu_samples: Option<u64>,
    /// CPU used by processes not ours during the cell, % of the machine.
    pub foreign_cpu_pct: Option<f64>,
    /// Wall time of the whole cell as seen by the runner (payload build and warm-up
    /// included), ms.
    pub wall_ms: Option<f64>,
    /// This peer ÷ raw-uds of the same cell and run: p50 ratio for round trips, time per
    /// message ratio (raw msgs/s ÷ this msgs/s) for W2/W4. Above 1 is slower.
    pub ratio_raw: Option<f64>,
    /// p99 ratio to raw-uds (round trips).
    pub ratio_raw_p99: Option<f64>,
    /// As `ratio_raw`, against node-json.
    pub ratio_node_json: Option<f64>,
    /// p99 ratio to node-json (round trips).
    pub ratio_node_json_p99: Option<f64>,
    /// Run number (1-based); null for medians.
    pub run: Option<u32>,
    /// Number of runs a median was taken over.
    pub runs: Option<u32>,
    /// `run` or `median`.
    pub stat: String,
    /// `smoke`, `quick` or `full`.
    pub mode: String,
    /// `ok`, `missing` (peer's runtime not there) or `error`.
    pub status: String,
    /// Why a cell is missing or failed.
    pub note: Option<String>,
    /// Host facts.
    pub host: Host,
}

/// Identity of a cell across peers: everything but the peer.
pub type CellKey = (Workload, PayloadKind, usize, String, Option<usize>);

impl Record {
    /// A record with only the identity filled in.
    pub fn new(
        peer: &str,
        workload: Workload,
        payload: PayloadKind,
        size: usize,
        cpu: &str,
        children: Option<usize>,
        host: &Host,
    ) -> Record {
        Record {
            peer: peer.to_string(),
            workload,
            payload,
            size,
            cpu: cpu.to_string(),
            children,
            n: None,
            p50_us: None,
            p99_us: None,
            p999_us: None,
            mean_us: None,
            max_us: None,
            msgs_per_s: None,
            mb_per_s: None,
            us_per_broadcast: None,
            wire_bytes: None,
            measure_cpu_pct: None,
            other_cpu_pct: None,
            shared_vcpu_pct: None,
            vcpu_samples: None,
            foreign_cpu_pct: None,
            wall_ms: None,
            ratio_raw: None,
            ratio_raw_p99: None,
            ratio_node_json: None,
            ratio_node_json_p99: None,
            run: None,
            runs: None,
            stat: "run".to_string(),
            mode: String::new(),
            status: "ok".to_string(),
            note: None,
            host: host.clone(),
        }
    }

    /// The cell this record belongs to.
    pub fn key(&self) -> CellKey {
        (
            self.workload,
            self.payload,
            self.size,
            self.cpu.clone(),
            self.children,
        )
    }

    /// True when the record has numbers.
    pub fn ok(&self) -> bool {
        self.status == "ok"
    }
}
