//! W12, generic values: the echo round trip an application writes when both sides hold
//! `serde_json::Value` (the shape of an independent harness: the value serialized inside the
//! timed region, main answering with the arguments as `&RawValue`s, the renderer decoding the
//! answer into `serde_json::Value`), against a raw floor doing the same `serde_json` work over
//! a plain Unix socket between the same two processes: the renderer writes
//! `serde_json::to_vec` of the argument list with a u32 length prefix, main's thread parses it
//! into `Vec<&RawValue>` and writes `serde_json::to_vec` of those back, the renderer parses
//! the answer into `serde_json::Value`. Both processes on vCPU 0. Target: Electrode p50
//! <= 1.2x the floor's.

use super::common::{exe, park, pct, results_on, sizes, ExtraRecord};
use crate::cell::Res;
use crate::payload::{record, records_for_size, string_payload};
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

/// The payloads: name, and the value.
fn payloads() -> Vec<(&'static str, Value)> {
    let records = |size: usize| {
        Value::Array(
            (0..records_for_size(size) as u64)
                .map(|i| serde_json::to_value(record(i)).expect("a record is JSON"))
                .collect(),
        )
    };
    vec![
        ("string 10 KB", Value::String(string_payload(10_000))),
        ("string 1 MB", Value::String(string_payload(1_000_000))),
        ("structured 1 MB", records(1_000_000)),
    ]
}

/// The main process of W12 (`__extra main <mode> W12`).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (n, ..) = sizes(mode);
    crate::affinity::pin_process(std::process::id(), 0)?;
    let ipc = IpcMain::new();
    ipc.on("__w12", |event, args| {
        let raws = (0..args.len())
            .map(|i| serde_json::from_slice::<&RawValue>(args.json(i).unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        event.set_return_value(&raws)?;
        Ok(())
    });
    let rx = results_on::<BTreeMap<String, BTreeMap<String, f64>>>(&ipc, "__w12done");
    let main = Main::builder().ipc(ipc).start()?;
    let dir = crate::peers::temp_dir("w12")?;
    let raw = dir.join("raw.sock");
    let listener = UnixListener::bind(&raw)?;
    std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            let _ = raw_echo(s);
        }
    });
    let mut cmd = exe()?;
    cmd.arg("w12-renderer").arg(n.to_string()).arg(&raw);
    crate::affinity::prepare_child(&mut cmd, Some(0));
    let _renderer = main.spawn_renderer(cmd)?;
    let results = rx.recv_timeout(Duration::from_secs(600))?;
    main.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results
        .into_iter()
        .map(|(name, metrics)| {
            let x = metrics["x_floor_p50"];
            ExtraRecord {
                peer: "electrode".into(),
                workload: "W12".into(),
                variant: format!(
                    "echo of a serde_json::Value {name}, both sides serde_json, vs a raw socket doing the same serde_json work (both on vCPU 0)"
                ),
                metrics,
                status: "ok".into(),
                note: Some(format!(
                    "target: p50 <= 1.2x the raw floor's ({})",
                    if x <= 1.2 { "ok" } else { "missed" }
                )),
                mode: mode.into(),
            }
        })
        .collect())
}

/// The raw floor's main side: u32-LE length-prefixed frames, each an argument list parsed
/// into `&RawValue`s and written back.
fn raw_echo(mut s: UnixStream) -> Res<()> {
    let mut len = [0u8; 4];
    let mut buf = Vec::new();
    loop {
        if s.read_exact(&mut len).is_err() {
            return Ok(());
        }
        buf.resize(u32::from_le_bytes(len) as usize, 0);
        s.read_exact(&mut buf)?;
        let raws: Vec<&RawValue> = serde_json::from_slice(&buf)?;
        let out = serde_json::to_vec(&raws)?;
        s.write_all(&(out.len() as u32).to_le_bytes())?;
        s.write_all(&out)?;
    }
}

/// The renderer (`__extra w12-renderer <n> <raw socket path>`).
pub fn renderer(rest: &[String]) -> Res<()> {
    let n: usize = rest.first().ok_or("missing n")?.parse()?;
    let raw_path = rest.get(1).ok_or("missing raw path")?;
    let ipc = IpcRenderer::connect_from_env()?;
    let mut raw = UnixStream::connect(raw_path)?;
    let mut results = BTreeMap::new();
    for (name, value) in payloads() {
        let count = if matches!(value, Value::String(ref s) if s.len() < 100_000) {
            n
        } else {
            (n / 100).max(10)
        };
        let electrode_once = || -> Res<()> {
            let (back,): (Value,) = ipc.send_sync("__w12", &(&value,))?;
            std::hint::black_box(&back);
            Ok(())
        };
        let mut len = [0u8; 4];
        let mut buf = Vec::new();
        let mut raw_once = || -> Res<()> {
            let out = serde_json::to_vec(&(&value,))?;
            raw.write_all(&(out.len() as u32).to_le_bytes())?;
            raw.write_all(&out)?;
            raw.read_exact(&mut len)?;
            buf.resize(u32::from_le_bytes(len) as usize, 0);
            raw.read_exact(&mut buf)?;
            let (back,): (Value,) = serde_json::from_slice(&buf)?;
            std::hint::black_box(&back);
            Ok(())
        };
        for _ in 0..(count / 10).max(2) {
            electrode_once()?;
            raw_once()?;
        }
        // Alternating blocks, so drift hits both alike.
        let block = (count / 10).max(1);
        let (mut e, mut r) = (Vec::with_capacity(count), Vec::with_capacity(count));
        while e.len() < count {
            for _ in 0..block {
                let t = Instant::now();
                electrode_once()?;
                e.push(t.elapsed().as_nanos() as u64);
            }
            for _ in 0..block {
                let t = Instant::now();
                raw_once()?;
                r.push(t.elapsed().as_nanos() as u64);
            }
        }
        e.sort_unstable();
        r.sort_unstable();
        let mut m = BTreeMap::new();
        m.insert("n".to_string(), e.len() as f64);
        m.insert("p50_us".into(), pct(&e, 0.5));
        m.insert("p99_us".into(), pct(&e, 0.99));
        m.insert("floor_p50_us".into(), pct(&r, 0.5));
        m.insert("floor_p99_us".into(), pct(&r, 0.99));
        m.insert("x_floor_p50".into(), pct(&e, 0.5) / pct(&r, 0.5));
        results.insert(name.to_string(), m);
    }
    ipc.send("__w12done", &(results,))?;
    park(&ipc);
    Ok(())
}
