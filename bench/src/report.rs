//! Ratios between peers of the same run, medians across runs, and the markdown tables.

use crate::cell::{PayloadKind, Workload};
use crate::peers::{self, NODE_JSON, RAW_FLOOR};
use crate::record::{CellKey, Record};
use crate::stats::median;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Fills the ratio columns of the records of ONE run from the raw-uds and node-json
/// records of the same cell in that run.
pub fn fill_ratios(run: &mut [Record]) {
    let find = |recs: &[Record], peer: &str, key: &CellKey| {
        recs.iter()
            .find(|r| r.peer == peer && r.ok() && &r.key() == key)
            .cloned()
    };
    let snapshot = run.to_vec();
    for r in run.iter_mut().filter(|r| r.ok()) {
        let key = r.key();
        let raw = find(&snapshot, RAW_FLOOR, &key);
        let js = find(&snapshot, NODE_JSON, &key);
        let (a, a99) = ratios(r, raw.as_ref());
        let (b, b99) = ratios(r, js.as_ref());
        r.ratio_raw = a;
        r.ratio_raw_p99 = a99;
        r.ratio_node_json = b;
        r.ratio_node_json_p99 = b99;
    }
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// (p50 or time-per-message ratio, p99 ratio) of `r` against `base`.
fn ratios(r: &Record, base: Option<&Record>) -> (Option<f64>, Option<f64>) {
    let Some(b) = base else { return (None, None) };
    if r.workload.is_latency() {
        (div(r.p50_us, b.p50_us), div(r.p99_us, b.p99_us))
    } else {
        (div(b.msgs_per_s, r.msgs_per_s), None)
    }
}

/// Median record per (peer, cell) over the `stat: "run"` records given.
pub fn medians(records: &[Record]) -> Vec<Record> {
    let mut groups: BTreeMap<(usize, String, CellKey), Vec<&Record>> = BTreeMap::new();
    let order: Vec<&str> = peers::registry().iter().map(|p| p.id()).collect();
    for r in records.iter().filter(|r| r.stat == "run") {
        let rank = order
            .iter()
            .position(|p| *p == r.peer)
            .unwrap_or(order.len());
        groups
            .entry((rank, r.peer.clone(), r.key()))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for (_, group) in groups {
        let ok: Vec<&Record> = group.iter().copied().filter(|r| r.ok()).collect();
        let mut m = group[0].clone();
        m.stat = "median".to_string();
        m.run = None;
        m.runs = Some(ok.len() as u32);
        if ok.is_empty() {
            out.push(m);
            continue;
        }
        m.status = "ok".to_string();
        m.note = None;
        let med = |f: fn(&Record) -> Option<f64>| median(ok.iter().filter_map(|r| f(r)).collect());
        m.n = med(|r| r.n.map(|v| v as f64)).map(|v| v.round() as u64);
        m.p50_us = med(|r| r.p50_us);
        m.p99_us = med(|r| r.p99_us);
        m.p999_us = med(|r| r.p999_us);
        m.mean_us = med(|r| r.mean_us);
        m.max_us = med(|r| r.max_us);
        m.msgs_per_s = med(|r| r.msgs_per_s);
        m.mb_per_s = med(|r| r.mb_per_s);
        m.us_per_broadcast = med(|r| r.us_per_broadcast);
        m.measure_cpu_pct = med(|r| r.measure_cpu_pct);
        m.other_cpu_pct = med(|r| r.other_cpu_pct);
        m.shared_vcpu_pct = med(|r| r.shared_vcpu_pct);
        m.vcpu_samples = med(|r| r.vcpu_samples.map(|v| v as f64)).map(|v| v.round() as u64);
        m.foreign_cpu_pct = med(|r| r.foreign_cpu_pct);
        m.wall_ms = med(|r| r.wall_ms);
        m.ratio_raw = med(|r| r.ratio_raw);
        m.ratio_raw_p99 = med(|r| r.ratio_raw_p99);
        m.ratio_node_json = med(|r| r.ratio_node_json);
        m.ratio_node_json_p99 = med(|r| r.ratio_node_json_p99);
        out.push(m);
    }
    out
}

/// `100 B`, `10 KB`, `1 MB` (decimal units).
pub fn size_label(payload: PayloadKind, size: usize) -> String {
    if payload == PayloadKind::Empty {
        return String::new();
    }
    if size >= 1_000_000 && size.is_multiple_of(1_000_000) {
        format!(" {} MB", size / 1_000_000)
    } else if size >= 1000 && size.is_multiple_of(1000) {
        format!(" {} KB", size / 1000)
    } else {
        format!(" {size} B")
    }
}

fn cell_label(r: &Record) -> String {
    let w = match r.workload {
        Workload::W1 => "W1",
        Workload::W1e => "W1e",
        Workload::W2 => "W2",
        Workload::W3 => "W3",
        Workload::W4 => "W4",
    };
    let p = match r.payload {
        PayloadKind::Empty => "empty",
        PayloadKind::String => "string",
        PayloadKind::Structured => "structured",
        PayloadKind::Binary => "binary",
    };
    format!("{w} {p}{}", size_label(r.payload, r.size))
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "—".to_string(),
        Some(v) if v >= 10_000.0 => {
            let s = format!("{:.0}", v);
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}%"))
        .unwrap_or_else(|| "—".to_string())
}

fn ratio_pair(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (None, _) => "—".to_string(),
        (Some(a), None) => format!("{a:.2}"),
        (Some(a), Some(b)) => format!("{a:.2} / {b:.2}"),
    }
}

fn placement_rank(cpu: &str) -> usize {
    ["unpinned", "split", "pinned"]
        .iter()
        .position(|p| *p == cpu)
        .unwrap_or(3)
}

fn sort_key(r: &Record, order: &[&str]) -> impl Ord {
    (
        r.workload,
        r.payload,
        r.size,
        r.children,
        placement_rank(&r.cpu),
        order
            .iter()
            .position(|p| *p == r.peer)
            .unwrap_or(order.len()),
        r.peer.clone(),
    )
}

/// The markdown report from median records.
pub fn markdown(meds: &[Record], title: &str) -> String {
    let order: Vec<&str> = peers::registry().iter().map(|p| p.id()).collect();
    let mut meds: Vec<&Record> = meds.iter().collect();
    meds.sort_by_key(|r| sort_key(r, &order));
    let mut s = String::new();
    let _ = writeln!(s, "# {title}\n");
    if let Some(r) = meds.first() {
        let h = &r.host;
        let runs = meds.iter().filter_map(|r| r.runs).max().unwrap_or(0);
        let _ = writeln!(
            s,
            "Host: nproc {}, kernel {}, cpuidle {}, node {}. Mode `{}`, medians over {} run(s).\n",
            h.nproc, h.kernel, h.cpuidle, h.node, r.mode, runs
        );
    }
    let _ = writeln!(
        s,
        "Ratios are taken per run against the same cell of raw-uds (P1) and node-json (P2) \
         and then medianed; above 1 means slower. Compare peers only within one run.\n"
    );
    let _ = writeln!(s, "## Round trips (W1 sendSync, W1e echo), µs\n");
    let _ = writeln!(
        s,
        "| cell | cpu | peer | n | p50 | p99 | p99.9 | mean | same vCPU | other procs CPU | × raw p50 / p99 | × node json p50 / p99 |"
    );
    let _ = writeln!(
        s,
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in meds.iter().filter(|r| r.workload.is_latency()) {
        if !r.ok() {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | | | | | | | | |",
                cell_label(r),
                r.cpu,
                r.peer,
                r.status
            );
            continue;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell_label(r),
            r.cpu,
            r.peer,
            r.n.map(|n| n.to_string()).unwrap_or_default(),
            num(r.p50_us),
            num(r.p99_us),
            num(r.p999_us),
            num(r.mean_us),
            pct(r.shared_vcpu_pct),
            pct(r.foreign_cpu_pct),
            ratio_pair(r.ratio_raw, r.ratio_raw_p99),
            ratio_pair(r.ratio_node_json, r.ratio_node_json_p99),
        );
    }
    let _ = writeln!(s, "\n## One-way (W2, W3) and broadcast (W4), unpinned\n");
    let _ = writeln!(
        s,
        "| cell | children | peer | n | msgs/s | MB/s | µs/broadcast | sender CPU | receiver CPU | other procs CPU | × raw | × node json |"
    );
    let _ = writeln!(
        s,
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in meds.iter().filter(|r| !r.workload.is_latency()) {
        let children = r.children.map(|c| c.to_string()).unwrap_or_default();
        if !r.ok() {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | | | | | | | | |",
                cell_label(r),
                children,
                r.peer,
                r.status
            );
            continue;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell_label(r),
            children,
            r.peer,
            r.n.map(|n| n.to_string()).unwrap_or_default(),
            num(r.msgs_per_s),
            num(r.mb_per_s),
            num(r.us_per_broadcast),
            pct(r.measure_cpu_pct),
            pct(r.other_cpu_pct),
            pct(r.foreign_cpu_pct),
            ratio_pair(r.ratio_raw, None),
            ratio_pair(r.ratio_node_json, None),
        );
    }
    let _ = writeln!(
        s,
        "\nmsgs/s for W4 counts deliveries (broadcasts × children). CPU columns are % of one \
         vCPU over the whole cell, warm-up included; receiver CPU for W4 is the sum over children. For W3 the two CPU columns are the measuring side (which receives) and the other side (which sends), i.e. swapped."
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::Host;

    fn rec(peer: &str, run: u32, p50: f64) -> Record {
        let mut r = Record::new(
            peer,
            Workload::W1,
            PayloadKind::String,
            100,
            "split",
            None,
            &Host::default(),
        );
        r.run = Some(run);
        r.p50_us = Some(p50);
        r.p99_us = Some(p50 * 2.0);
        r
    }

    #[test]
    fn ratios_are_per_run_and_medianed() {
        let mut run1 = vec![rec("raw-uds", 1, 10.0), rec("node-json", 1, 20.0)];
        let mut run2 = vec![rec("raw-uds", 2, 20.0), rec("node-json", 2, 30.0)];
        fill_ratios(&mut run1);
        fill_ratios(&mut run2);
        assert_eq!(run1[1].ratio_raw, Some(2.0));
        assert_eq!(run2[1].ratio_raw, Some(1.5));
        let all: Vec<Record> = run1.into_iter().chain(run2).collect();
        let meds = medians(&all);
        let js = meds.iter().find(|r| r.peer == "node-json").unwrap();
        assert_eq!(js.ratio_raw, Some(1.75));
        assert_eq!(js.p50_us, Some(25.0));
        assert_eq!(js.runs, Some(2));
        let md = markdown(&meds, "t");
        assert!(
            md.contains("| W1 string 100 B | split | node-json |"),
            "{md}"
        );
    }
}
