//! Workloads that do not fit the two-process cell shape of the runner, for P0 only, one
//! module each: W5 many renderers and W8 cost of a renderer ([`w5`], with the event-driven
//! generators and the raw floor in [`evented`]), W6 `sendToHost` relay ([`w6`]), W7 browser
//! ([`w7`]), W9 `invoke` ([`w9`]), W10 MessagePort between renderers ([`w10`]), W11 the opt-in `sendSync` spin ([`w11`]), W12 generic `serde_json::Value` echoes ([`w12`]). What they share is in [`common`], which uses none of them.
//!
//! All unpinned. The runner starts `electrode-bench __extra main <mode> <workload>`, which is
//! the main process and prints one JSON line per result on stdout.

mod common;
mod evented;
mod w10;
mod w11;
mod w12;
mod w5;
mod w6;
mod w7;
mod w9;

use crate::cell::Res;
use common::exe;
pub use common::ExtraRecord;
use std::io::Write;
use std::process::Stdio;

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
                let e = e.to_string();
                out.push(ExtraRecord::error(mode, "electrode", w, "-".into(), &e));
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
        "\n## P0 only: W5 many renderers, W6 sendToHost relay, W7 browser, W8 cost of a renderer, W9 invoke, W10 MessagePort, W11 sendSync spin, W12 generic values (unpinned unless the variant says)\n"
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
                "W6" => w6::main(mode)?,
                "W5" => w5::main(mode)?,
                "W7" => w7::main(mode)?,
                "W9" => w9::main(mode)?,
                "W10" => w10::main(mode)?,
                "W11" => w11::main(mode)?,
                "W12" => w12::main(mode)?,
                other => return Err(format!("unknown extra workload {other}").into()),
            };
            let stdout = std::io::stdout();
            let mut o = stdout.lock();
            for r in recs {
                writeln!(o, "{}", serde_json::to_string(&r)?)?;
            }
            Ok(())
        }
        "w6-host" => w6::host(rest),
        "w6-guest" => w6::guest(rest),
        "w9-renderer" => w9::renderer(rest),
        "w10-renderer" => w10::renderer(rest),
        "w11-renderer" => w11::renderer(rest),
        "w12-renderer" => w12::renderer(rest),
        "w5-renderer" => w5::renderer(),
        "w5-loadgen" => w5::loadgen(),
        "w5-evgen" => evented::generator(rest),
        "soak-renderer" => crate::soak::renderer_main(rest),
        other => Err(format!("unknown extra role {other}").into()),
    }
}
