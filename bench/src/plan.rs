//! What each mode runs: cells, iteration counts, runs and placements.

use crate::cell::{CellSpec, PayloadKind, Placement, Workload};
use crate::payload::records_for_size;

/// Run length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// n = 100 per cell, one run: proves every peer works (CI).
    Smoke,
    /// About two minutes, 3 runs.
    Quick,
    /// Under ten minutes, 5 runs.
    Full,
}

impl Mode {
    /// Name used in the output.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Smoke => "smoke",
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// The cells of one run and how often to repeat them.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Mode.
    pub mode: Mode,
    /// Runs; medians are taken over them.
    pub runs: u32,
    /// Placements for the round-trip cells.
    pub placements: Vec<Placement>,
    /// W1/W1e cells, run in every placement.
    pub latency: Vec<CellSpec>,
    /// W2 and W3 cells, unpinned only.
    pub oneway: Vec<CellSpec>,
    /// W4 cells with their number of children, unpinned only.
    pub broadcast: Vec<(usize, CellSpec)>,
}

fn spec(workload: Workload, payload: PayloadKind, size: usize, n: usize, cap_ms: u64) -> CellSpec {
    CellSpec {
        workload,
        payload,
        size,
        n,
        warmup: (n / 10).max(1),
        cap_ms,
        records: if payload == PayloadKind::Structured {
            records_for_size(size)
        } else {
            0
        },
    }
}

impl Plan {
    /// The plan of a mode.
    pub fn new(mode: Mode) -> Plan {
        use PayloadKind::*;
        let mut payloads = vec![
            (Empty, 0),
            (String, 100),
            (String, 10_000),
            (String, 1_000_000),
            (Binary, 1_000_000),
            (Structured, 1_000_000),
        ];
        if mode == Mode::Full {
            payloads.insert(3, (Structured, 10_000));
        }
        let (runs, cap_ms) = match mode {
            Mode::Smoke => (1, 100),
            Mode::Quick => (3, 250),
            Mode::Full => (5, 750),
        };
        let rtt_n = |size: usize| match (mode, size) {
            (Mode::Smoke, _) => 100,
            (Mode::Quick, 0..=100) => 2000,
            (Mode::Quick, 101..=10_000) => 1000,
            (Mode::Quick, _) => 20,
            (Mode::Full, 0..=100) => 6000,
            (Mode::Full, 101..=10_000) => 2000,
            (Mode::Full, _) => 50,
        };
        let mut latency = Vec::new();
        for w in [Workload::W1, Workload::W1e] {
            for &(p, size) in &payloads {
                latency.push(spec(w, p, size, rtt_n(size), cap_ms));
            }
        }
        let oneway_n = |size: usize| match (mode, size) {
            (Mode::Smoke, _) => 100,
            (Mode::Quick, 0..=100) => 30_000,
            (Mode::Quick, 101..=10_000) => 10_000,
            (Mode::Quick, _) => 100,
            (Mode::Full, 0..=100) => 200_000,
            (Mode::Full, 101..=10_000) => 30_000,
            (Mode::Full, _) => 300,
        };
        let oneway = [Workload::W2, Workload::W3]
            .into_iter()
            .flat_map(|w| {
                [100, 10_000, 1_000_000]
                    .into_iter()
                    .map(move |size| spec(w, String, size, oneway_n(size), cap_ms))
            })
            .collect();
        let (children, sizes): (&[usize], &[usize]) = match mode {
            Mode::Smoke => (&[1, 10], &[100]),
            Mode::Quick => (&[1, 10, 100], &[100]),
            Mode::Full => (&[1, 10, 100], &[100, 1_000_000]),
        };
        let mut broadcast = Vec::new();
        for &size in sizes {
            for &c in children {
                let n = match (mode, size) {
                    (Mode::Smoke, _) => 100,
                    (Mode::Quick, 0..=100) => (10_000 / c).max(50),
                    (Mode::Full, 0..=100) => (30_000 / c).max(100),
                    (_, _) => (200 / c).max(2),
                };
                broadcast.push((c, spec(Workload::W4, String, size, n, cap_ms)));
            }
        }
        Plan {
            mode,
            runs,
            placements: vec![Placement::Unpinned, Placement::Split, Placement::Pinned],
            latency,
            oneway,
            broadcast,
        }
    }
}
