//! What one measurement is: the cell spec the runner sends to a driver, and the outcome
//! the driver sends back. Both travel as one JSON line each over the driver's stdin/stdout.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Boxed error used throughout the harness.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with the harness error type.
pub type Res<T> = Result<T, Error>;

/// A workload of the suite (§3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Workload {
    /// `sendSync`-style round trip; the reply is `{"returnValue":true}`.
    W1,
    /// Echo round trip; the reply is the request.
    W1e,
    /// One-way throughput measuring side → other side, ended by an ack.
    W2,
    /// One-way throughput other side → measuring side (`webContents.send`), requested by
    /// the measuring side, ended by a count message.
    W3,
    /// Broadcast from the measuring side to N children, ended by N acks.
    W4,
}

impl Workload {
    /// True for round-trip (latency) workloads.
    pub fn is_latency(self) -> bool {
        matches!(self, Workload::W1 | Workload::W1e)
    }
}

/// What `P` in `{"channel":"bench","args":[P]}` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadKind {
    /// `args: []`.
    Empty,
    /// A string of `size` ASCII bytes.
    String,
    /// An array of generated records (§3.6), about `size` bytes of JSON.
    Structured,
    /// `size` raw bytes (no JSON); only for peers that can carry bytes.
    Binary,
}

/// CPU placement of the two sides of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// Both sides free to run on any vCPU.
    Unpinned,
    /// Measuring side on vCPU 0, other side on vCPU 1.
    Split,
    /// Both sides on vCPU 0.
    Pinned,
}

impl Placement {
    /// Name used on the command line and in the output (`cpu` field).
    pub fn name(self) -> &'static str {
        match self {
            Placement::Unpinned => "unpinned",
            Placement::Split => "split",
            Placement::Pinned => "pinned",
        }
    }

    /// Parse a placement name.
    pub fn parse(s: &str) -> Option<Placement> {
        match s {
            "unpinned" => Some(Placement::Unpinned),
            "split" => Some(Placement::Split),
            "pinned" | "pinned0" => Some(Placement::Pinned),
            _ => None,
        }
    }

    /// vCPU for the measuring side, `None` when unpinned.
    pub fn measure_cpu(self) -> Option<usize> {
        match self {
            Placement::Unpinned => None,
            Placement::Split | Placement::Pinned => Some(0),
        }
    }

    /// vCPU for the other side, `None` when unpinned.
    pub fn other_cpu(self) -> Option<usize> {
        match self {
            Placement::Unpinned => None,
            Placement::Split => Some(1),
            Placement::Pinned => Some(0),
        }
    }
}

/// One cell as sent to a driver.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellSpec {
    /// The workload.
    pub workload: Workload,
    /// The payload kind.
    pub payload: PayloadKind,
    /// Payload size in bytes (decimal units: 1 MB = 1,000,000 B); 0 for `empty`.
    pub size: usize,
    /// Measured iterations (W1/W1e), messages (W2) or broadcasts (W4).
    pub n: usize,
    /// Warm-up iterations run before the measured ones and discarded.
    pub warmup: usize,
    /// Stop measuring early once this many milliseconds have passed (latency cells).
    pub cap_ms: u64,
    /// Number of records for `structured` (computed by the runner so every peer sends
    /// the same array).
    pub records: usize,
}

/// Processes and threads of one session, reported by a driver when it is ready.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sides {
    /// The side that takes the timestamps.
    pub measure: Side,
    /// The side that answers (for W4: the first child).
    pub other: Side,
    /// Processes of the measuring side (all their threads are pinned to its vCPU).
    pub measure_pids: Vec<u32>,
    /// Processes of the other side (for W4: every child).
    pub other_pids: Vec<u32>,
}

/// One thread to watch: which vCPU it last ran on is sampled during a cell.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Side {
    /// Process id.
    pub pid: u32,
    /// Thread id of the thread doing the IPC (the main thread for every peer here).
    pub tid: u32,
}

/// What a driver reports for one cell.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Round-trip times in ns, warm-up already removed (W1/W1e).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_ns: Option<Vec<u64>>,
    /// Duration of the timed part in ns (W2/W4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_ns: Option<u64>,
    /// Messages sent in the timed part (W2) or broadcasts (W4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgs: Option<u64>,
    /// Deliveries in the timed part (W4: broadcasts × children).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliveries: Option<u64>,
    /// Bytes of one request on the wire as the peer encodes it (envelope, not framing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire_bytes: Option<u64>,
    /// Set when the cell failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    /// An outcome that only carries an error.
    pub fn error(msg: impl Into<String>) -> Outcome {
        Outcome {
            error: Some(msg.into()),
            ..Outcome::default()
        }
    }
}

/// Runs `warmup + n` timed iterations of `op` and returns the measured ones in ns.
///
/// Stops early (but after the warm-up and at least one measured iteration) once
/// `cap_ms` has passed since the first measured iteration.
pub fn measure_loop(spec: &CellSpec, mut op: impl FnMut() -> Res<()>) -> Res<Vec<u64>> {
    for _ in 0..spec.warmup {
        op()?;
    }
    let cap = Duration::from_millis(spec.cap_ms.max(1));
    let mut samples = Vec::with_capacity(spec.n);
    let start = Instant::now();
    for _ in 0..spec.n {
        let t0 = Instant::now();
        op()?;
        let t1 = Instant::now();
        samples.push((t1 - t0).as_nanos() as u64);
        if t1 - start > cap {
            break;
        }
    }
    Ok(samples)
}
