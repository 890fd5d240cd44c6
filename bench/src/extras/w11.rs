//! W11, the opt-in `sendSync` spin (`IpcRenderer::set_sync_spin`): a Rust renderer on vCPU 0
//! and main on vCPU 1 (the split placement, where a blocked caller pays a sleep and a
//! cross-vCPU wake-up per round trip), W1 string 100 B. The renderer alternates blocks of
//! round trips without spin and with a 50 µs spin, and reports for each the p50 / p99 and the
//! CPU time its calling thread used per round trip (`/proc/thread-self/schedstat`, as the
//! kernel accounts it; utime + stime agree), so the latency won is shown beside the CPU it
//! costs. In this VM a blocking caller is charged about 19 µs of CPU per 45 µs round trip
//! (the sleep and the cross-vCPU wake-up), so a spin that catches the reply can cost less
//! CPU than blocking; a spin that misses costs up to the whole spin. The raw socket's round trip in the same
//! placement, measured right after, is the floor.

use super::common::{add_raw_floor, exe, park, pct, results_on, sizes, ExtraRecord};
use crate::cell::{Placement, Res};
use crate::payload::string_payload;
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The spin measured against no spin.
const SPIN: Duration = Duration::from_micros(50);

/// The main process of W11 (`__extra main <mode> W11`).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (n, ..) = sizes(mode);
    crate::affinity::pin_process(std::process::id(), 1)?;
    let ipc = IpcMain::new();
    ipc.on("__w11", |event, _args| {
        event.set_return_value(true)?;
        Ok(())
    });
    let rx = results_on::<BTreeMap<String, f64>>(&ipc, "__w11done");
    let main = Main::builder().ipc(ipc).start()?;
    let mut cmd = exe()?;
    cmd.arg("w11-renderer").arg(n.to_string());
    crate::affinity::prepare_child(&mut cmd, Some(0));
    let _renderer = main.spawn_renderer(cmd)?;
    let mut metrics = rx.recv_timeout(Duration::from_secs(300))?;
    main.shutdown();
    let spin50 = metrics["spin_p50_us"];
    add_raw_floor(&mut metrics, spin50, n, Placement::Split)?;
    metrics.insert(
        "x_raw_rtt_p50_no_spin".into(),
        metrics["no_spin_p50_us"] / metrics["raw_rtt_p50_us"],
    );
    let note = format!(
        "renderer on vCPU 0, main on vCPU 1; spin {} µs: p50 {:.2}x of no spin, at {:.2}x its CPU per round trip; x_raw_rtt_p50 is the spin's p50 over the raw socket's split round trip",
        SPIN.as_micros(),
        metrics["x_no_spin_p50"],
        metrics["x_no_spin_cpu"],
    );
    Ok(vec![ExtraRecord {
        peer: "electrode".into(),
        workload: "W11".into(),
        variant: "sendSync string 100 B, split placement, without and with the opt-in spin".into(),
        metrics,
        status: "ok".into(),
        note: Some(note),
        mode: mode.into(),
    }])
}

/// CPU time the calling thread has used, ns (the first field of its schedstat).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The renderer (`__extra w11-renderer <n>`).
pub fn renderer(rest: &[String]) -> Res<()> {
    let n: usize = rest.first().ok_or("missing n")?.parse()?;
    let ipc = IpcRenderer::connect_from_env()?;
    let s = string_payload(100);
    let arg = (s.as_str(),);
    let call = || -> Res<()> {
        let ok: bool = ipc.send_sync("__w11", &arg)?;
        if !ok {
            return Err("returnValue is not true".into());
        }
        Ok(())
    };
    for _ in 0..(n / 10).max(10) {
        call()?;
    }
    const BLOCK: usize = 100;
    let mut samples: [Vec<u64>; 2] = [Vec::with_capacity(n), Vec::with_capacity(n)];
    let mut cpu = [0u64; 2];
    while samples[0].len() < n {
        for (mode, spin) in [Duration::ZERO, SPIN].into_iter().enumerate() {
            ipc.set_sync_spin(spin);
            let cpu0 = thread_cpu_ns();
            for _ in 0..BLOCK {
                let t = Instant::now();
                call()?;
                samples[mode].push(t.elapsed().as_nanos() as u64);
            }
            cpu[mode] += thread_cpu_ns() - cpu0;
        }
    }
    ipc.set_sync_spin(Duration::ZERO);
    let mut m = BTreeMap::new();
    m.insert("n".to_string(), samples[0].len() as f64);
    for (mode, name) in ["no_spin", "spin"].into_iter().enumerate() {
        let count = samples[mode].len() as f64;
        samples[mode].sort_unstable();
        m.insert(format!("{name}_p50_us"), pct(&samples[mode], 0.5));
        m.insert(format!("{name}_p99_us"), pct(&samples[mode], 0.99));
        m.insert(
            format!("{name}_cpu_us_per_rt"),
            cpu[mode] as f64 / 1000.0 / count,
        );
    }
    m.insert("spin_us".into(), SPIN.as_micros() as f64);
    m.insert(
        "x_no_spin_p50".into(),
        m["spin_p50_us"] / m["no_spin_p50_us"],
    );
    m.insert(
        "x_no_spin_cpu".into(),
        m["spin_cpu_us_per_rt"] / m["no_spin_cpu_us_per_rt"],
    );
    ipc.send("__w11done", &(m,))?;
    park(&ipc);
    Ok(())
}
