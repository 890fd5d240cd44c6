//! W9, `invoke` from a Rust renderer process: main `handle`s a channel that echoes a 100 B
//! string, and the renderer measures, in one run and one process tree,
//!
//! * sequential round trips: `send_sync` (the baseline of the same renderer kind) and blocking
//!   `invoke`, alternated in blocks so drift hits both; target invoke p50 <= 1.2x sendSync;
//! * throughput: 100 sequential invokes against 100 invokes in flight at once
//!   (`invoke_async`, then all awaited); target in flight >= 2x sequential;
//! * the invoke p50 against the raw socket's and Node fork IPC's round trip of the same
//!   100 B string, measured right after (`x_raw_rtt_p50`, `x_node_rtt_p50`).

use super::common::{
    add_node_floor, add_raw_floor, exe, park, pct, results_on, sizes, ExtraRecord,
};
use crate::cell::{Placement, Res};
use crate::payload::string_payload;
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Invokes per throughput batch.
const BATCH: usize = 100;

/// The main process of W9 (`__extra main <mode> W9`).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (n, ..) = sizes(mode);
    let ipc = IpcMain::new();
    ipc.handle("__w9", |_, args| Ok(args.get::<String>(0)?))?;
    ipc.on("__w9sync", |event, args| {
        event.set_return_value(args.get::<String>(0)?)?;
        Ok(())
    });
    let rx = results_on::<BTreeMap<String, f64>>(&ipc, "__w9done");
    let main = Main::builder().ipc(ipc).start()?;
    let mut cmd = exe()?;
    cmd.arg("w9-renderer").arg(n.to_string());
    let _renderer = main.spawn_renderer(cmd)?;
    let mut metrics = rx.recv_timeout(Duration::from_secs(300))?;
    main.shutdown();
    // The same round trip without Electrode, measured right after: the raw socket, and
    // Node's fork IPC (a request and its answer, what an invoke is to a Node app).
    let invoke50 = metrics["invoke_p50_us"];
    add_raw_floor(&mut metrics, invoke50, n, Placement::Unpinned)?;
    add_node_floor(&mut metrics, invoke50, n, Placement::Unpinned)?;
    let met = |ok: bool| if ok { "ok" } else { "missed" };
    let node = match metrics.get("x_node_rtt_p50") {
        Some(x) => format!("{x:.2}x Node fork IPC's round trip"),
        None => "no node for the Node round trip".to_string(),
    };
    let note = format!(
        "targets: invoke p50 <= 1.2x sendSync p50 ({}); {BATCH} in flight >= 2x {BATCH} sequential ({}); invoke p50 is {:.2}x the raw socket's round trip and {node} (W1 string 100 B, unpinned, measured right after)",
        met(metrics["x_send_sync_p50"] <= 1.2),
        met(metrics["x_sequential_throughput"] >= 2.0),
        metrics["x_raw_rtt_p50"],
    );
    Ok(vec![ExtraRecord {
        peer: "electrode".into(),
        workload: "W9".into(),
        variant: "invoke string 100 B from a Rust renderer: vs sendSync, and 100 in flight".into(),
        metrics,
        status: "ok".into(),
        note: Some(note),
        mode: mode.into(),
    }])
}

/// The renderer (`__extra w9-renderer <n>`).
pub fn renderer(rest: &[String]) -> Res<()> {
    let n: usize = rest.first().ok_or("missing n")?.parse()?;
    let ipc = IpcRenderer::connect_from_env()?;
    let s = string_payload(100);
    let arg = (s.as_str(),);
    let warmup = (n / 10).max(1);
    for _ in 0..warmup {
        let _: String = ipc.send_sync("__w9sync", &arg)?;
        let _: String = ipc.invoke("__w9", &arg)?;
    }
    let (mut sync_ns, mut invoke_ns) = (Vec::with_capacity(n), Vec::with_capacity(n));
    const BLOCK: usize = 100;
    while sync_ns.len() < n {
        for _ in 0..BLOCK {
            let t = Instant::now();
            let _: String = ipc.send_sync("__w9sync", &arg)?;
            sync_ns.push(t.elapsed().as_nanos() as u64);
        }
        for _ in 0..BLOCK {
            let t = Instant::now();
            let _: String = ipc.invoke("__w9", &arg)?;
            invoke_ns.push(t.elapsed().as_nanos() as u64);
        }
    }
    sync_ns.sort_unstable();
    invoke_ns.sort_unstable();
    let batches = (n / BATCH).max(3);
    let t = Instant::now();
    for _ in 0..batches * BATCH {
        let _: String = ipc.invoke("__w9", &arg)?;
    }
    let sequential = (batches * BATCH) as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..batches {
        let calls: Vec<_> = (0..BATCH)
            .map(|_| ipc.invoke_async::<String, _>("__w9", &arg))
            .collect();
        for call in calls {
            call.wait()?;
        }
    }
    let in_flight = (batches * BATCH) as f64 / t.elapsed().as_secs_f64();
    let mut m = BTreeMap::new();
    m.insert("n".to_string(), sync_ns.len() as f64);
    m.insert("send_sync_p50_us".into(), pct(&sync_ns, 0.5));
    m.insert("send_sync_p99_us".into(), pct(&sync_ns, 0.99));
    m.insert("invoke_p50_us".into(), pct(&invoke_ns, 0.5));
    m.insert("invoke_p99_us".into(), pct(&invoke_ns, 0.99));
    m.insert(
        "x_send_sync_p50".into(),
        pct(&invoke_ns, 0.5) / pct(&sync_ns, 0.5),
    );
    m.insert("sequential_invokes_per_s".into(), sequential);
    m.insert("in_flight_invokes_per_s".into(), in_flight);
    m.insert("x_sequential_throughput".into(), in_flight / sequential);
    ipc.send("__w9done", &(m,))?;
    park(&ipc);
    Ok(())
}
