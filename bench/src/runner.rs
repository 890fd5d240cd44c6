//! The runner: starts each peer's driver, interleaves the peers cell by cell, pins and
//! monitors them, and writes the JSON lines and the markdown table.

use crate::cell::{CellSpec, Outcome, Placement, Res, Sides, Workload};
use crate::driver::{Ready, Request};
use crate::monitor::{Monitor, Usage};
use crate::peers::{Launch, Peer};
use crate::plan::Plan;
use crate::procfs::Host;
use crate::record::Record;
use crate::report::{fill_ratios, markdown, medians, size_label};
use crate::stats::summarize;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Everything the runner needs.
pub struct RunOptions {
    /// Cells, runs, placements.
    pub plan: Plan,
    /// Peers to run, in table order.
    pub peers: Vec<&'static dyn Peer>,
    /// Workloads to run.
    pub workloads: Vec<Workload>,
    /// Interval of the vCPU sampling.
    pub sample_interval: Duration,
    /// Where the JSON lines also go.
    pub jsonl: Option<std::path::PathBuf>,
    /// Where the markdown table also goes.
    pub md: Option<std::path::PathBuf>,
    /// Whether the JSON lines also go to stdout.
    pub stdout_json: bool,
}

/// A running driver process.
struct Driver {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    sides: Sides,
}

/// The state of one peer in one phase.
enum Slot {
    Up(Driver),
    /// The peer's runtime is not there (e.g. no `node`): cells are `missing`.
    Missing(String),
    /// Start-up failed or the driver died: cells are `error`.
    Failed(String),
}

fn pin_sides(sides: &Sides, placement: Placement) {
    let pin = |pids: &[u32], cpu: Option<usize>| {
        if let Some(cpu) = cpu {
            for &pid in pids {
                if let Err(e) = crate::affinity::pin_process(pid, cpu) {
                    eprintln!("  warning: cannot pin pid {pid} to vCPU {cpu}: {e}");
                }
            }
        }
    };
    pin(&sides.measure_pids, placement.measure_cpu());
    pin(&sides.other_pids, placement.other_cpu());
}

fn start(peer: &dyn Peer, launch: &Launch) -> Slot {
    let mut cmd = match peer.launch(launch) {
        Ok(c) => c,
        Err(e) => return Slot::Missing(e),
    };
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    crate::affinity::prepare_child(&mut cmd, None);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Slot::Failed(format!("cannot start driver: {e}")),
    };
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Slot::Failed("driver pipes missing".to_string());
    };
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let timeout = Duration::from_secs(30) + Duration::from_millis(500) * launch.children as u32;
    let ready = match lines.recv_timeout(timeout) {
        Ok(line) => {
            serde_json::from_str::<Ready>(&line).map_err(|e| format!("bad ready line: {e}"))
        }
        Err(RecvTimeoutError::Timeout) => Err("driver not ready in time".to_string()),
        Err(RecvTimeoutError::Disconnected) => Err("driver exited before ready".to_string()),
    };
    match ready {
        Ok(r) => {
            pin_sides(&r.ready, launch.placement);
            Slot::Up(Driver {
                child,
                stdin,
                lines,
                sides: r.ready,
            })
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Slot::Failed(e)
        }
    }
}

/// Starts `peer`'s driver in `launch`, runs the one cell `spec` as a W1/W2 cell is run (its
/// own driver process, pinned as `launch` says), and stops it: how the P0-only workloads
/// measure a peer's floor in the same run.
pub fn run_one(peer: &dyn Peer, launch: &Launch, spec: &CellSpec) -> Result<Outcome, String> {
    match start(peer, launch) {
        Slot::Up(mut driver) => {
            let r = driver.run_cell(spec, Duration::from_secs(120));
            driver.quit();
            r
        }
        Slot::Missing(e) => Err(format!("{} is missing: {e}", peer.id())),
        Slot::Failed(e) => Err(format!("{} failed to start: {e}", peer.id())),
    }
}

impl Driver {
    fn run_cell(&mut self, spec: &CellSpec, timeout: Duration) -> Result<Outcome, String> {
        let mut line =
            serde_json::to_string(&Request::Cell(spec.clone())).map_err(|e| e.to_string())?;
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|_| self.stdin.flush())
            .map_err(|e| format!("driver stdin: {e}"))?;
        match self.lines.recv_timeout(timeout) {
            Ok(l) => serde_json::from_str(&l).map_err(|e| format!("bad outcome line: {e}")),
            Err(RecvTimeoutError::Timeout) => Err(format!("cell timed out after {timeout:?}")),
            Err(RecvTimeoutError::Disconnected) => Err("driver exited".to_string()),
        }
    }

    fn quit(mut self) {
        let _ = self.stdin.write_all(b"{\"quit\":true}\n");
        let _ = self.stdin.flush();
        drop(self.stdin);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!(
            "  warning: driver {} did not exit; killing it",
            self.child.id()
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Running state across runs.
struct Runner<'a> {
    opts: &'a RunOptions,
    host: Host,
    warned_missing: Vec<String>,
    phase_foreign_ns: f64,
    phase_capacity_ns: f64,
}

fn cell_name(spec: &CellSpec, children: Option<usize>) -> String {
    let w = format!("{:?}", spec.workload);
    let p = format!("{:?}", spec.payload).to_lowercase();
    let c = children.map(|c| format!(" ×{c}")).unwrap_or_default();
    format!("{w} {p}{}{c}", size_label(spec.payload, spec.size))
}

impl Runner<'_> {
    fn record_outcome(
        &mut self,
        rec: &mut Record,
        spec: &CellSpec,
        res: Result<Outcome, String>,
        usage: Usage,
    ) {
        let out = match res {
            Ok(o) => o,
            Err(e) => {
                rec.status = "error".to_string();
                rec.note = Some(e);
                return;
            }
        };
        if let Some(e) = out.error {
            rec.status = "error".to_string();
            rec.note = Some(e);
            return;
        }
        rec.wire_bytes = out.wire_bytes;
        if let Some(samples) = &out.samples_ns {
            match summarize(samples) {
                Some(s) => {
                    rec.n = Some(s.n);
                    rec.p50_us = Some(s.p50_us);
                    rec.p99_us = Some(s.p99_us);
                    rec.p999_us = Some(s.p999_us);
                    rec.mean_us = Some(s.mean_us);
                    rec.max_us = Some(s.max_us);
                }
                None => {
                    rec.status = "error".to_string();
                    rec.note = Some("no samples".to_string());
                    return;
                }
            }
        }
        if let (Some(ns), Some(msgs)) = (out.elapsed_ns, out.msgs) {
            let secs = ns.max(1) as f64 / 1e9;
            let deliveries = out.deliveries.unwrap_or(msgs);
            rec.n = Some(msgs);
            rec.msgs_per_s = Some(deliveries as f64 / secs);
            rec.mb_per_s = out.wire_bytes.map(|b| (b * deliveries) as f64 / secs / 1e6);
            if spec.workload == Workload::W4 {
                rec.us_per_broadcast = Some(ns as f64 / 1e3 / msgs.max(1) as f64);
            }
        }
        rec.measure_cpu_pct = Some(usage.pct(usage.measure_cpu_ns));
        rec.other_cpu_pct = Some(usage.pct(usage.other_cpu_ns));
        rec.shared_vcpu_pct = usage.shared_pct();
        rec.vcpu_samples = Some(usage.samples);
        rec.foreign_cpu_pct = Some(usage.foreign_pct());
        rec.wall_ms = Some(usage.wall_ns as f64 / 1e6);
    }

    /// Runs one cell on one peer's driver (or records why it cannot).
    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        tag: &str,
        peer: &dyn Peer,
        slot: &mut Slot,
        spec: &CellSpec,
        placement: Placement,
        children: Option<usize>,
        run: u32,
    ) -> Record {
        let mut rec = Record::new(
            peer.id(),
            spec.workload,
            spec.payload,
            spec.size,
            placement.name(),
            children,
            &self.host,
        );
        rec.run = Some(run);
        rec.mode = self.opts.plan.mode.name().to_string();
        let name = cell_name(spec, children);
        let driver = match slot {
            Slot::Up(d) => d,
            Slot::Missing(why) => {
                rec.status = "missing".to_string();
                rec.note = Some(why.clone());
                eprintln!("{tag} {name:<24} {:<13} MISSING ({why})", peer.id());
                return rec;
            }
            Slot::Failed(why) => {
                rec.status = "error".to_string();
                rec.note = Some(why.clone());
                eprintln!("{tag} {name:<24} {:<13} ERROR ({why})", peer.id());
                return rec;
            }
        };
        let timeout = Duration::from_secs(120) + Duration::from_millis(spec.cap_ms);
        let monitor = Monitor::start(&driver.sides, self.opts.sample_interval, self.host.nproc);
        let res = driver.run_cell(spec, timeout);
        let usage = monitor.stop();
        let failed = res.as_ref().err().cloned();
        self.record_outcome(&mut rec, spec, res, usage);
        if let Some(e) = failed {
            // The driver is unusable now: kill it and fail its remaining cells.
            if let Slot::Up(d) = std::mem::replace(slot, Slot::Failed(format!("driver died: {e}")))
            {
                d.kill();
            }
        }
        self.phase_foreign_ns += usage.foreign_cpu_ns as f64;
        self.phase_capacity_ns += usage.wall_ns as f64 * self.host.nproc as f64;
        let foreign = usage.foreign_pct();
        if !rec.ok() {
            eprintln!(
                "{tag} {name:<24} {:<13} ERROR {}",
                peer.id(),
                rec.note.as_deref().unwrap_or("")
            );
        } else if let Some(p50) = rec.p50_us {
            eprintln!(
                "{tag} {name:<24} {:<13} p50 {:>9.1} p99 {:>9.1} µs  n={:<6} same-vCPU {:>3.0}%  other-procs {:>4.1}%",
                peer.id(),
                p50,
                rec.p99_us.unwrap_or(0.0),
                rec.n.unwrap_or(0),
                rec.shared_vcpu_pct.unwrap_or(f64::NAN),
                foreign
            );
        } else {
            eprintln!(
                "{tag} {name:<24} {:<13} {:>11.0} msgs/s {:>8.1} MB/s  recv CPU {:>3.0}%  other-procs {:>4.1}%",
                peer.id(),
                rec.msgs_per_s.unwrap_or(0.0),
                rec.mb_per_s.unwrap_or(0.0),
                rec.other_cpu_pct.unwrap_or(0.0),
                foreign
            );
        }
        if usage.wall_ns >= 300_000_000 && foreign > 5.0 {
            eprintln!(
                "  WARNING: other processes used {foreign:.1}% of the machine during this cell"
            );
        }
        rec
    }

    fn start_all(&mut self, order: &[&'static dyn Peer], launch: &Launch) -> Vec<Slot> {
        order
            .iter()
            .map(|p| {
                let slot = start(*p, launch);
                match &slot {
                    Slot::Missing(why) if !self.warned_missing.contains(&p.id().to_string()) => {
                        self.warned_missing.push(p.id().to_string());
                        eprintln!(
                            "\n!!! {}: MISSING: {why}\n!!! its cells are recorded with status \"missing\" and no numbers\n",
                            p.id()
                        );
                    }
                    Slot::Failed(why) => eprintln!("!!! {}: failed to start: {why}", p.id()),
                    _ => {}
                }
                slot
            })
            .collect()
    }

    fn end_phase(&mut self, label: &str) {
        if self.phase_capacity_ns > 0.0 {
            let pct = 100.0 * self.phase_foreign_ns / self.phase_capacity_ns;
            if pct > 5.0 {
                eprintln!(
                    "  WARNING: other processes used {pct:.1}% of the machine during phase {label}; \
                     numbers may be disturbed (is a build or another benchmark running?)"
                );
            }
        }
        self.phase_foreign_ns = 0.0;
        self.phase_capacity_ns = 0.0;
    }

    fn wants(&self, w: Workload) -> bool {
        self.opts.workloads.contains(&w)
    }

    fn one_run(&mut self, run: u32) -> Vec<Record> {
        let opts = self.opts;
        let plan = &opts.plan;
        let k = (run as usize - 1) % opts.peers.len().max(1);
        let order: Vec<&'static dyn Peer> = opts.peers[k..]
            .iter()
            .chain(&opts.peers[..k])
            .copied()
            .collect();
        let mut records = Vec::new();
        for &placement in &plan.placements {
            let mut cells: Vec<&CellSpec> = plan
                .latency
                .iter()
                .filter(|c| self.wants(c.workload))
                .collect();
            if placement == Placement::Unpinned {
                cells.extend(plan.oneway.iter().filter(|c| self.wants(c.workload)));
            }
            if cells.is_empty() {
                continue;
            }
            let launch = Launch {
                placement,
                children: 1,
            };
            let mut slots = self.start_all(&order, &launch);
            let tag = format!("[run {run}/{} {:<8}]", plan.runs, placement.name());
            for spec in cells {
                for (peer, slot) in order.iter().zip(slots.iter_mut()) {
                    if peer.supports(spec.workload, spec.payload) {
                        records.push(self.cell(&tag, *peer, slot, spec, placement, None, run));
                    }
                }
            }
            for slot in slots {
                if let Slot::Up(d) = slot {
                    d.quit();
                }
            }
            self.end_phase(&format!("run {run} {}", placement.name()));
        }
        if self.wants(Workload::W4) {
            let tag = format!("[run {run}/{} bcast   ]", plan.runs);
            for (children, spec) in &plan.broadcast {
                let launch = Launch {
                    placement: Placement::Unpinned,
                    children: *children,
                };
                for peer in &order {
                    if !peer.supports(Workload::W4, spec.payload) {
                        continue;
                    }
                    let mut slot = self.start_all(&[*peer], &launch).remove(0);
                    records.push(self.cell(
                        &tag,
                        *peer,
                        &mut slot,
                        spec,
                        Placement::Unpinned,
                        Some(*children),
                        run,
                    ));
                    if let Slot::Up(d) = slot {
                        d.quit();
                    }
                }
            }
            self.end_phase(&format!("run {run} broadcast"));
        }
        fill_ratios(&mut records);
        records
    }
}

fn emit(records: &[Record], file: &mut Option<std::fs::File>, to_stdout: bool) -> Res<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for r in records {
        let line = serde_json::to_string(r)?;
        if to_stdout {
            writeln!(out, "{line}")?;
        }
        if let Some(f) = file {
            writeln!(f, "{line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Runs the whole plan; returns every per-run record and the median records.
pub fn run(opts: &RunOptions) -> Res<(Vec<Record>, Vec<Record>)> {
    let mut host = Host::read();
    host.node = crate::peers::node::node_version();
    let mut opts_plan = opts.plan.clone();
    if host.nproc < 2 && opts_plan.placements.contains(&Placement::Split) {
        eprintln!(
            "!!! only {} vCPU: skipping the `split` placement",
            host.nproc
        );
        opts_plan.placements.retain(|p| *p != Placement::Split);
    }
    let opts = RunOptions {
        plan: opts_plan,
        peers: opts.peers.clone(),
        workloads: opts.workloads.clone(),
        sample_interval: opts.sample_interval,
        jsonl: opts.jsonl.clone(),
        md: opts.md.clone(),
        stdout_json: opts.stdout_json,
    };
    eprintln!(
        "electrode-bench {}: {} run(s), peers {}, host nproc {} kernel {} cpuidle {} node {}",
        opts.plan.mode.name(),
        opts.plan.runs,
        opts.peers
            .iter()
            .map(|p| p.id())
            .collect::<Vec<_>>()
            .join(","),
        host.nproc,
        host.kernel,
        host.cpuidle,
        host.node
    );
    let mut file = match &opts.jsonl {
        Some(p) => Some(std::fs::File::create(p)?),
        None => None,
    };
    let mut runner = Runner {
        opts: &opts,
        host,
        warned_missing: Vec::new(),
        phase_foreign_ns: 0.0,
        phase_capacity_ns: 0.0,
    };
    let started = Instant::now();
    let mut all = Vec::new();
    for run in 1..=opts.plan.runs {
        let recs = runner.one_run(run);
        emit(&recs, &mut file, opts.stdout_json)?;
        all.extend(recs);
    }
    let meds = medians(&all);
    emit(&meds, &mut file, opts.stdout_json)?;
    let title = format!(
        "Electrode bench, {} mode ({:.0} s)",
        opts.plan.mode.name(),
        started.elapsed().as_secs_f64()
    );
    let table = markdown(&meds, &title);
    eprintln!("\n{table}");
    if let Some(p) = &opts.md {
        std::fs::write(p, &table)?;
    }
    let errors = all.iter().filter(|r| r.status == "error").count();
    let missing = all.iter().filter(|r| r.status == "missing").count();
    eprintln!(
        "done in {:.1} s: {} cells, {errors} error(s), {missing} missing",
        started.elapsed().as_secs_f64(),
        all.len()
    );
    if !runner.warned_missing.is_empty() {
        eprintln!(
            "!!! MISSING peers (no numbers recorded): {}",
            runner.warned_missing.join(", ")
        );
    }
    Ok((all, meds))
}
