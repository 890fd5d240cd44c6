//! Watches a cell while it runs: how often the two sides last ran on the same vCPU
//! (sampling field 39 of `/proc/<pid>/task/<tid>/stat`), the CPU time of each side, and the
//! CPU time used meanwhile by processes that are not ours (/proc/stat minus ours).

use crate::cell::Sides;
use crate::procfs::{cpu_snapshot, last_cpu, machine_busy_ns};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the monitor saw during one cell.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// Wall time of the whole cell as seen by the runner (warm-up included), ns.
    pub wall_ns: u64,
    /// vCPU samples where both sides were readable.
    pub samples: u64,
    /// Samples where both sides had last run on the same vCPU.
    pub shared: u64,
    /// CPU time of the measuring side's processes, ns.
    pub measure_cpu_ns: u64,
    /// CPU time of the other side's processes, ns.
    pub other_cpu_ns: u64,
    /// CPU time of processes that are neither the runner nor the session's, ns.
    pub foreign_cpu_ns: u64,
    /// Online vCPUs.
    pub nproc: usize,
}

impl Usage {
    /// Share of samples where both sides were on the same vCPU, in %.
    pub fn shared_pct(&self) -> Option<f64> {
        (self.samples > 0).then(|| 100.0 * self.shared as f64 / self.samples as f64)
    }

    /// CPU of other processes as % of the machine's capacity during the cell (capped at
    /// 100: per-thread run times of running threads lag by up to a scheduler tick, which
    /// makes very short cells noisy).
    pub fn foreign_pct(&self) -> f64 {
        let cap = self.wall_ns as f64 * self.nproc.max(1) as f64;
        if cap > 0.0 {
            (100.0 * self.foreign_cpu_ns as f64 / cap).min(100.0)
        } else {
            0.0
        }
    }

    /// CPU of a side as % of one vCPU over the cell.
    pub fn pct(&self, cpu_ns: u64) -> f64 {
        if self.wall_ns > 0 {
            100.0 * cpu_ns as f64 / self.wall_ns as f64
        } else {
            0.0
        }
    }
}

/// A running monitor; [`Monitor::stop`] ends it.
pub struct Monitor {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(u64, u64)>>,
    t0: Instant,
    busy0: u64,
    snap0: HashMap<u32, u64>,
    sides: Sides,
    nproc: usize,
}

fn delta(a: &HashMap<u32, u64>, b: &HashMap<u32, u64>, pid: u32) -> u64 {
    b.get(&pid)
        .copied()
        .unwrap_or(0)
        .saturating_sub(a.get(&pid).copied().unwrap_or(0))
}

impl Monitor {
    /// Starts watching; samples the two sides' vCPUs every `interval`.
    pub fn start(sides: &Sides, interval: Duration, nproc: usize) -> Monitor {
        let stop = Arc::new(AtomicBool::new(false));
        let (m, o) = (sides.measure, sides.other);
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let (mut samples, mut shared) = (0u64, 0u64);
            while !flag.load(Ordering::Relaxed) {
                if let (Some(a), Some(b)) = (last_cpu(m.pid, m.tid), last_cpu(o.pid, o.tid)) {
                    samples += 1;
                    shared += u64::from(a == b);
                }
                std::thread::park_timeout(interval);
            }
            (samples, shared)
        });
        // The window spans both snapshots, so every process's delta lies inside it.
        let t0 = Instant::now();
        let busy0 = machine_busy_ns();
        let snap0 = cpu_snapshot();
        Monitor {
            stop,
            thread: Some(thread),
            busy0,
            snap0,
            sides: sides.clone(),
            nproc,
            t0,
        }
    }

    /// Stops the sampling thread and returns what was seen.
    ///
    /// Other processes' CPU is the sum of the per-thread run time (schedstat) of every
    /// process that is not ours; that misses processes that exited during the cell, so
    /// for cells of at least 2 vCPU-seconds it is raised to /proc/stat busy time minus
    /// ours when that is larger (/proc/stat counts in 10 ms ticks, too coarse for short
    /// cells).
    pub fn stop(mut self) -> Usage {
        self.stop.store(true, Ordering::Relaxed);
        let (samples, shared) = match self.thread.take() {
            Some(t) => {
                t.thread().unpark();
                t.join().unwrap_or((0, 0))
            }
            None => (0, 0),
        };
        let snap1 = cpu_snapshot();
        let busy1 = machine_busy_ns();
        let wall_ns = self.t0.elapsed().as_nanos() as u64;
        let (a, b) = (&self.snap0, &snap1);
        let sum = |pids: &[u32]| pids.iter().map(|&p| delta(a, b, p)).sum::<u64>();
        let me = std::process::id();
        let is_ours = |p: u32| {
            p == me || self.sides.measure_pids.contains(&p) || self.sides.other_pids.contains(&p)
        };
        let ours: u64 = b
            .keys()
            .filter(|&&p| is_ours(p))
            .map(|&p| delta(a, b, p))
            .sum();
        let mut foreign: u64 = b
            .keys()
            .filter(|&&p| !is_ours(p))
            .map(|&p| delta(a, b, p))
            .sum();
        if wall_ns.saturating_mul(self.nproc as u64) >= 2_000_000_000 {
            foreign = foreign.max(busy1.saturating_sub(self.busy0).saturating_sub(ours));
        }
        Usage {
            wall_ns,
            samples,
            shared,
            measure_cpu_ns: sum(&self.sides.measure_pids),
            other_cpu_ns: sum(&self.sides.other_pids),
            foreign_cpu_ns: foreign,
            nproc: self.nproc,
        }
    }
}
