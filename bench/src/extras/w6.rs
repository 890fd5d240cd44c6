//! W6, `sendToHost` relay over 3 processes: main (`electrode::Main`), an embedder renderer
//! (host) and its `<webview>` guest (`Main::spawn_guest`). The guest stamps
//! `CLOCK_MONOTONIC` (shared by all processes of the machine) and calls `send_to_host`; the
//! host's `ipc-message` listener stamps receipt first thing and answers the guest with
//! `webview(id).send("next")` (closed loop, one message in flight). Compared with the raw
//! floor's W1 string 100 B round trip (P1) measured right after, in the same process tree.

use super::common::{exe, floor_round_trip, park, pct, sizes, ExtraRecord};
use crate::cell::Res;
use crate::payload::string_payload;
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;
use std::collections::BTreeMap;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn arg_u64(rest: &[String], i: usize) -> Res<u64> {
    Ok(rest.get(i).ok_or("missing argument")?.parse()?)
}

/// The main process of W6 (`__extra main <mode> W6`).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let (n, ..) = sizes(mode);
    let warmup = (n / 10).max(1);
    let (tx, rx) = channel::<Vec<u64>>();
    let ipc = IpcMain::new();
    let tx = Mutex::new(tx);
    ipc.on("__w6", move |_e, args| {
        let v: Vec<u64> = args.get(0)?;
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(v);
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start()?;
    let mut host_cmd = exe()?;
    host_cmd.arg("w6-host").arg((n + warmup).to_string());
    let host = main.spawn_renderer(host_cmd)?;
    if !host.wait_ready(Duration::from_secs(30)) {
        return Err("W6 host did not connect".into());
    }
    let mut guest_cmd = exe()?;
    guest_cmd.arg("w6-guest").arg((n + warmup).to_string());
    let guest = main.spawn_guest(guest_cmd, &host)?;
    if !guest.wait_ready(Duration::from_secs(30)) {
        return Err("W6 guest did not connect".into());
    }
    let samples = rx.recv_timeout(Duration::from_secs(120))?;
    main.shutdown();
    let mut s: Vec<u64> = samples.into_iter().skip(warmup).collect();
    s.sort_unstable();
    // The raw floor's round trip, measured now in the same way as the W1 cell.
    let (raw50, raw99) = floor_round_trip(&crate::peers::uds::RawUds, n)?;
    let mut m = BTreeMap::new();
    m.insert("n".into(), s.len() as f64);
    m.insert("p50_us".into(), pct(&s, 0.5));
    m.insert("p99_us".into(), pct(&s, 0.99));
    m.insert("raw_rtt_p50_us".into(), raw50);
    m.insert("raw_rtt_p99_us".into(), raw99);
    m.insert("x_raw_rtt_p50".into(), pct(&s, 0.5) / raw50);
    m.insert("x_raw_rtt_p99".into(), pct(&s, 0.99) / raw99);
    Ok(vec![ExtraRecord {
        peer: "electrode".into(),
        workload: "W6".into(),
        variant: "sendToHost string 100 B, guest → main → host, one-way".into(),
        metrics: m,
        status: "ok".into(),
        note: Some("vs raw-uds W1 string 100 B round trip (unpinned), measured right after".into()),
        mode: mode.into(),
    }])
}

/// The host renderer (`__extra w6-host <n>`): stamps each guest message on receipt.
pub fn host(rest: &[String]) -> Res<()> {
    let total = arg_u64(rest, 0)? as usize;
    let samples = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let (tx, rx) = channel::<()>();
    let s2 = samples.clone();
    let tx = Mutex::new(tx);
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        ipc.on_ipc_message(move |ev, args| {
            let now = mono_ns();
            let sent: u64 = args.get(0)?;
            let mut s = s2.lock().unwrap_or_else(|e| e.into_inner());
            s.push(now.saturating_sub(sent));
            if s.len() >= total {
                let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(());
            } else {
                ev.webview().send("next", &())?;
            }
            Ok(())
        });
    })?;
    rx.recv_timeout(Duration::from_secs(120))?;
    let v = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ipc.send("__w6", &(v,))?;
    park(&ipc);
    Ok(())
}

/// The `<webview>` guest (`__extra w6-guest <n>`): sends stamped messages to its host.
pub fn guest(rest: &[String]) -> Res<()> {
    let total = arg_u64(rest, 0)?;
    let (tx, rx) = channel::<()>();
    let tx = Mutex::new(tx);
    let ipc = IpcRenderer::connect_from_env_with(move |ipc| {
        ipc.on("next", move |_e, _a| {
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(());
            Ok(())
        });
    })?;
    let s = string_payload(100);
    for i in 0..total {
        ipc.send_to_host("bench", &(mono_ns(), s.as_str()))?;
        if i + 1 < total {
            rx.recv_timeout(Duration::from_secs(30))?;
        }
    }
    park(&ipc);
    Ok(())
}
