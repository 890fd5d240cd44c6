//! `electrode-bench`: runs the IPC peers of the Electrode benchmark suite side by side
//! (design: shared/bench/benchmark-suite.md; usage: bench/README.md).
//!
//! ```text
//! electrode-bench --smoke | --quick | --full  [--out FILE.jsonl] [--md FILE.md]
//! electrode-bench report FILE.jsonl [--md FILE.md]
//! electrode-bench soak --minutes N [--renderers 100]     (docs/soak.md)
//! ```
//!
//! Progress goes to stderr, one JSON line per cell to stdout (and `--out`), and the
//! markdown table to stderr (and `--md`) at the end.

mod affinity;
mod cell;
mod chromium;
mod driver;
mod extras;
mod frame;
mod monitor;
mod payload;
mod peers;
mod plan;
mod procfs;
mod record;
mod report;
mod runner;
mod soak;
mod stats;

use cell::{Placement, Res, Workload};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Benchmark harness of Electrode: raw UDS, Node fork, ipc-channel, WebSocket and HTTP
/// peers side by side.
#[derive(Parser, Debug)]
#[command(name = "electrode-bench", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// n = 100 per cell, one run, a few seconds: only proves every peer works (CI).
    #[arg(long, conflicts_with_all = ["quick", "full"])]
    smoke: bool,
    /// About two minutes, median of 3 runs (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// Under ten minutes, median of 5 runs.
    #[arg(long)]
    full: bool,
    /// Override the number of runs.
    #[arg(long)]
    runs: Option<u32>,
    /// Peers to run (comma-separated ids; default all; see --list).
    #[arg(long, value_delimiter = ',')]
    peers: Vec<String>,
    /// Placements for round-trip cells: unpinned,split,pinned (default all three).
    #[arg(long, value_delimiter = ',')]
    placements: Vec<String>,
    /// Workloads: W1,W1e,W2,W3,W4 (pairs, every peer) and W5,W6,W7,W9,W10,W11,W12 (P0 only; W5 includes the
    /// W8 numbers) (default all).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Also write the JSON lines to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also write the markdown table to this file.
    #[arg(long)]
    md: Option<PathBuf>,
    /// Print the JSON lines on stdout (the default, except in --smoke mode, where CI logs
    /// should stay short: there they go only to --out unless --json is given).
    #[arg(long)]
    json: bool,
    /// Interval of the same-vCPU sampling, ms.
    #[arg(long, default_value_t = 5)]
    sample_ms: u64,
    /// List the peers and exit.
    #[arg(long)]
    list: bool,
    /// Exit non-zero when a peer is missing (e.g. no `node`), not only on errors.
    #[arg(long)]
    require_all: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Turn a JSON-lines file into the markdown table (medians of its per-run lines).
    Report {
        /// The .jsonl file written by a run.
        file: PathBuf,
        /// Also write the table to this file.
        #[arg(long)]
        md: Option<PathBuf>,
    },
    /// Soak: 100 steady renderers, a flooder, a slow reader and a flooding page for N
    /// minutes; checks every sequence number at both ends (docs/soak.md). Exits non-zero if
    /// anything was lost or out of order, or main's RSS kept growing.
    Soak {
        /// How long the traffic runs, in minutes (fractions allowed).
        #[arg(long)]
        minutes: f64,
        /// Steady renderer processes.
        #[arg(long, default_value_t = 100)]
        renderers: usize,
        /// Pause between two messages of a steady renderer, ms.
        #[arg(long, default_value_t = 10)]
        interval_ms: u64,
        /// Every n-th message of a steady renderer is a sendSync (0: none).
        #[arg(long, default_value_t = 50)]
        sync_every: u64,
        /// Pause between two rounds of main's pushes to every renderer, ms.
        #[arg(long, default_value_t = 20)]
        push_ms: u64,
        /// Main's outbound queue limit per renderer, MiB (the slow reader keeps it full).
        #[arg(long, default_value_t = 8)]
        queue_mib: usize,
        /// Leave out the flooding page (no Chromium).
        #[arg(long)]
        no_page: bool,
        /// The page makes a sendSync every n-th burst of 500 sends (0: none).
        #[arg(long, default_value_t = 20)]
        page_sync_every: u64,
        /// Test only: main forgets every n-th message (the run must then fail).
        #[arg(long, hide = true, default_value_t = 0)]
        forget_every: u64,
    },
    /// Internal: a peer's driver process.
    #[command(name = "__driver", hide = true)]
    Driver {
        peer: String,
        #[arg(long)]
        placement: String,
        #[arg(long, default_value_t = 1)]
        children: usize,
    },
    /// Internal: the processes of the P0-only workloads W5, W6, W8.
    #[command(name = "__extra", hide = true)]
    Extra {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Internal: a peer's answering process.
    #[command(name = "__child", hide = true)]
    Child {
        peer: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn parse_workload(s: &str) -> Option<Workload> {
    match s.to_ascii_lowercase().as_str() {
        "w1" => Some(Workload::W1),
        "w1e" => Some(Workload::W1e),
        "w2" => Some(Workload::W2),
        "w3" => Some(Workload::W3),
        "w4" => Some(Workload::W4),
        _ => None,
    }
}

fn peer(id: &str) -> Res<&'static dyn peers::Peer> {
    peers::by_id(id).ok_or_else(|| format!("unknown peer {id:?} (see --list)").into())
}

fn real_main() -> Res<i32> {
    let cli = Cli::parse();
    match cli.cmd {
        Some(Cmd::Driver {
            peer: id,
            placement,
            children,
        }) => {
            let placement =
                Placement::parse(&placement).ok_or(format!("bad placement {placement:?}"))?;
            driver::driver_main(peer(&id)?, placement, children)?;
            return Ok(0);
        }
        Some(Cmd::Soak {
            minutes,
            renderers,
            interval_ms,
            sync_every,
            push_ms,
            queue_mib,
            no_page,
            page_sync_every,
            forget_every,
        }) => {
            if !(minutes.is_finite() && minutes > 0.0) {
                return Err(format!("--minutes must be a positive number, not {minutes}").into());
            }
            return soak::run(&soak::Options {
                duration: Duration::from_secs_f64(minutes * 60.0),
                renderers,
                interval_ms,
                sync_every,
                push_ms: push_ms.max(1),
                queue_mib: queue_mib.max(1),
                page: !no_page,
                page_sync_every,
                forget_every,
            });
        }
        Some(Cmd::Extra { args }) => {
            extras::extra_main(&args)?;
            return Ok(0);
        }
        Some(Cmd::Child { peer: id, args }) => {
            peer(&id)?.child_main(&args)?;
            return Ok(0);
        }
        Some(Cmd::Report { file, md }) => {
            let text = std::fs::read_to_string(&file)?;
            let mut recs = Vec::new();
            let mut extra = Vec::new();
            for line in text.lines().filter(|l| l.starts_with('{')) {
                if line.contains("\"metrics\"") {
                    extra.push(serde_json::from_str::<extras::ExtraRecord>(line)?);
                } else {
                    recs.push(serde_json::from_str::<record::Record>(line)?);
                }
            }
            let meds = report::medians(&recs);
            let mut table =
                report::markdown(&meds, &format!("Electrode bench: {}", file.display()));
            if !extra.is_empty() {
                table.push_str(&extras::markdown(&extra));
            }
            print!("{table}");
            if let Some(p) = md {
                std::fs::write(p, &table)?;
            }
            return Ok(0);
        }
        None => {}
    }
    if cli.list {
        for p in peers::registry() {
            println!("{:<14} {}", p.id(), p.title());
        }
        return Ok(0);
    }
    let mode = if cli.smoke {
        plan::Mode::Smoke
    } else if cli.full {
        plan::Mode::Full
    } else {
        plan::Mode::Quick
    };
    let mut plan = plan::Plan::new(mode);
    if let Some(r) = cli.runs {
        plan.runs = r.max(1);
    }
    if !cli.placements.is_empty() {
        plan.placements = cli
            .placements
            .iter()
            .map(|p| Placement::parse(p).ok_or(format!("bad placement {p:?}")))
            .collect::<Result<_, _>>()?;
    }
    let peers = if cli.peers.is_empty() {
        peers::registry()
    } else {
        cli.peers.iter().map(|id| peer(id)).collect::<Res<_>>()?
    };
    let all_workloads = cli.workloads.is_empty();
    let extra_workloads: Vec<&str> = ["W5", "W6", "W7", "W9", "W10", "W11", "W12"]
        .into_iter()
        .filter(|w| {
            all_workloads
                || cli.workloads.iter().any(|x| {
                    x.eq_ignore_ascii_case(w) || (*w == "W5" && x.eq_ignore_ascii_case("W8"))
                })
        })
        .filter(|_| cli.peers.is_empty() || cli.peers.iter().any(|p| p == "electrode"))
        .collect();
    let pair_args: Vec<&String> = cli
        .workloads
        .iter()
        .filter(|w| parse_workload(w).is_some())
        .collect();
    for w in &cli.workloads {
        if parse_workload(w).is_none()
            && !["w5", "w6", "w7", "w8", "w9", "w10", "w11", "w12"]
                .contains(&w.to_ascii_lowercase().as_str())
        {
            return Err(format!("bad workload {w:?}").into());
        }
    }
    let workloads = if all_workloads {
        vec![
            Workload::W1,
            Workload::W1e,
            Workload::W2,
            Workload::W3,
            Workload::W4,
        ]
    } else {
        pair_args.iter().filter_map(|w| parse_workload(w)).collect()
    };
    let mode_name = plan.mode.name();
    let md_path = cli.md.clone();
    let out_path = cli.out.clone();
    let stdout_json = cli.json || !cli.smoke;
    let opts = runner::RunOptions {
        plan,
        peers,
        workloads,
        sample_interval: Duration::from_millis(cli.sample_ms.max(1)),
        jsonl: cli.out,
        md: cli.md,
        stdout_json,
    };
    let (all, _meds) = if opts.workloads.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        runner::run(&opts)?
    };
    let extra = extras::run(mode_name, &extra_workloads);
    if !extra.is_empty() {
        let table = extras::markdown(&extra);
        eprint!("{table}");
        if let Some(p) = &md_path {
            append(p, &table)?;
        }
        let mut lines = String::new();
        for r in &extra {
            lines.push_str(&serde_json::to_string(r)?);
            lines.push('\n');
        }
        if stdout_json {
            print!("{lines}");
        }
        if let Some(p) = &out_path {
            append(p, &lines)?;
        }
    }
    let errors = all.iter().filter(|r| r.status == "error").count()
        + extra.iter().filter(|r| r.status == "error").count();
    let missing = all.iter().filter(|r| r.status == "missing").count();
    Ok(if errors > 0 || (cli.require_all && missing > 0) {
        1
    } else {
        0
    })
}

/// Appends `text` to the file at `path` (created if missing): the extras after the runner's
/// lines and table.
fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    std::io::Write::write_all(&mut f, text.as_bytes())
}

fn main() {
    match real_main() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("electrode-bench: {e}");
            std::process::exit(1);
        }
    }
}
