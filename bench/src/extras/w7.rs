//! W7 browser: a page in headless Chromium (`/usr/bin/chromium`), served by the Electrode
//! `WebBridge`, uses `require('electron').ipcRenderer`: `sendSync` (synchronous XHR) and an
//! async round trip (`send` → main's `event.sender().send_args` of the same arguments → page
//! listener) and `invoke` (main's `handle`; sequential, and batches of 100 in flight),
//! string 100 B, and a 1 MB `Uint8Array` async round trip against the same bytes echoed over
//! the page's own WebSocket to the P5 server; timed in the page with `performance.now()` (which Chromium
//! coarsens to 100 µs on a page that is not cross-origin isolated, so the mean per operation
//! over the whole loop is reported too). Floors, from the same page: a synchronous XHR GET of
//! a static file served by the same bridge, and a WebSocket round trip to the P5 tungstenite
//! server; also the Rust transport-only peers (P5 WebSocket and the HTTP keep-alive POST, W1
//! string 100 B), measured right after. No Chromium: the record says `missing`, loudly, with
//! no numbers.

use super::common::{floor_round_trip, pct, ExtraRecord};
use crate::cell::Res;
use electrode::{IpcMain, Main};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

const W7_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>electrode W7</title>
<script src="/electrode/ipc-renderer.js"></script>
<script>
const { ipcRenderer } = require('electron');
const [N0, WSPORT] = location.hash.slice(1).split(',');
const N = parseInt(N0, 10) || 100;
const W = Math.max(1, Math.floor(N / 10));
let s = ''; for (let i = 0; i < 100; i++) s += String.fromCharCode(97 + (i % 26));
async function run() {
  const out = { sync: [], async: [], sync_total_ms: 0, async_total_ms: 0 };
  for (let i = 0; i < W; i++) ipcRenderer.sendSync('bench', s);
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    if (ipcRenderer.sendSync('bench', s) !== true) throw new Error('returnValue');
    out.sync.push(performance.now() - t0);
  }
  out.sync_total_ms = performance.now() - t;
  let wake = null;
  ipcRenderer.on('echo', (event, v) => { if (v.length !== 100) throw new Error('echo'); wake(); });
  const once = () => new Promise((r) => { wake = r; ipcRenderer.send('bench-async', s); });
  for (let i = 0; i < W; i++) await once();
  t = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await once();
    out.async.push(performance.now() - t0);
  }
  out.async_total_ms = performance.now() - t;
  // invoke (Electron 7+): sequential round trips, then batches of 100 in flight at once.
  out.invoke = [];
  for (let i = 0; i < W; i++) await ipcRenderer.invoke('bench-invoke', s);
  t = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    if (await ipcRenderer.invoke('bench-invoke', s) !== true) throw new Error('invoke');
    out.invoke.push(performance.now() - t0);
  }
  out.invoke_total_ms = performance.now() - t;
  const batches = Math.max(3, Math.floor(N / 100));
  t = performance.now();
  for (let b = 0; b < batches; b++) {
    const calls = [];
    for (let i = 0; i < 100; i++) calls.push(ipcRenderer.invoke('bench-invoke', s));
    await Promise.all(calls);
  }
  out.in_flight_per_s = batches * 100 / ((performance.now() - t) / 1000);
  out.sequential_invoke_per_s = N / (out.invoke_total_ms / 1000);
  // Floors measured from this page: a synchronous XHR GET of a static file of the same
  // server (query string carries the 100 B), and a WebSocket round trip to the P5 server.
  out.xhr = []; out.ws = [];
  const xhr = () => {
    const x = new XMLHttpRequest();
    x.open('GET', '/floor.json?s=' + s, false);
    x.send();
    if (JSON.parse(x.responseText).returnValue !== true) throw new Error('floor');
  };
  for (let i = 0; i < W; i++) xhr();
  for (let i = 0; i < N; i++) { const t0 = performance.now(); xhr(); out.xhr.push(performance.now() - t0); }
  const ws = new WebSocket('ws://127.0.0.1:' + WSPORT + '/');
  await new Promise((r, e) => { ws.onopen = r; ws.onerror = e; });
  const env = JSON.stringify({ channel: 'bench', args: [s] });
  let wwake = null;
  ws.onmessage = (m) => { if (JSON.parse(m.data).returnValue !== true) throw new Error('ws'); wwake(); };
  const wsOnce = () => new Promise((r) => { wwake = r; ws.send(env); });
  for (let i = 0; i < W; i++) await wsOnce();
  for (let i = 0; i < N; i++) { const t0 = performance.now(); await wsOnce(); out.ws.push(performance.now() - t0); }
  // 1 MB Uint8Array round trip: send -> main echoes the same arguments (send_args) -> the
  // page's listener; its floor: the same bytes echoed by the P5 WebSocket server (mode 'e').
  const big = new Uint8Array(1000000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const NB = Math.max(5, Math.floor(N / 20));
  out.bin = []; out.ws_bin = [];
  let bwake = null;
  ipcRenderer.on('echo-bin', (event, v) => {
    if (!(v instanceof Uint8Array) || v.length !== big.length || v[999999] !== 999999 % 251) throw new Error('echo-bin');
    bwake();
  });
  const bonce = () => new Promise((r) => { bwake = r; ipcRenderer.send('bench-async-bin', big); });
  for (let i = 0; i < 3; i++) await bonce();
  for (let i = 0; i < NB; i++) { const t0 = performance.now(); await bonce(); out.bin.push(performance.now() - t0); }
  ws.binaryType = 'arraybuffer';
  ws.send('!e');
  ws.onmessage = (m) => { if (m.data.byteLength !== big.length) throw new Error('ws-bin'); wwake(); };
  const wsBin = () => new Promise((r) => { wwake = r; ws.send(big); });
  for (let i = 0; i < 3; i++) await wsBin();
  for (let i = 0; i < NB; i++) { const t0 = performance.now(); await wsBin(); out.ws_bin.push(performance.now() - t0); }
  ws.close();
  ipcRenderer.send('__w7', JSON.stringify(out));
}
window.addEventListener('load', () => setTimeout(() => run().catch((e) => ipcRenderer.send('__w7', JSON.stringify({ error: String(e) }))), 50));
</script></head><body>W7</body></html>
"#;

#[derive(Deserialize, Default)]
struct PageResult {
    #[serde(default)]
    sync: Vec<f64>,
    #[serde(default, rename = "async")]
    asy: Vec<f64>,
    #[serde(default)]
    xhr: Vec<f64>,
    #[serde(default)]
    ws: Vec<f64>,
    #[serde(default)]
    sync_total_ms: f64,
    #[serde(default)]
    async_total_ms: f64,
    #[serde(default)]
    invoke: Vec<f64>,
    #[serde(default)]
    invoke_total_ms: f64,
    #[serde(default)]
    in_flight_per_s: f64,
    #[serde(default)]
    sequential_invoke_per_s: f64,
    #[serde(default)]
    bin: Vec<f64>,
    #[serde(default)]
    ws_bin: Vec<f64>,
    error: Option<String>,
}

/// The main process of W7 (`__extra main <mode> W7`).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    let n = match mode {
        "smoke" => 50,
        "quick" => 500,
        _ => 2000,
    };
    let mut rec = ExtraRecord {
        peer: "electrode".into(),
        workload: "W7".into(),
        variant: "browser page (headless Chromium) via WebBridge, string 100 B".into(),
        mode: mode.into(),
        ..ExtraRecord::default()
    };
    if !crate::chromium::available() {
        eprintln!("!!! W7: /usr/bin/chromium is missing: the W7 cells are MISSING (no numbers)");
        rec.status = "missing".into();
        rec.note = Some("/usr/bin/chromium not installed".into());
        return Ok(vec![rec]);
    }
    let ipc = IpcMain::new();
    ipc.on("bench", |event, args| {
        let raw: &serde_json::value::RawValue =
            serde_json::from_slice(args.json(0).ok_or("missing argument")?)?;
        std::hint::black_box(raw);
        event.set_return_value(true)?;
        Ok(())
    });
    ipc.handle("bench-invoke", |_, args| {
        let raw: &serde_json::value::RawValue =
            serde_json::from_slice(args.json(0).ok_or("missing argument")?)?;
        std::hint::black_box(raw);
        Ok(true)
    })?;
    ipc.on("bench-async", |event, args| {
        event.sender().send_args("echo", args.clone())?;
        Ok(())
    });
    ipc.on("bench-async-bin", |event, args| {
        event.sender().send_args("echo-bin", args.clone())?;
        Ok(())
    });
    let rx = super::common::results_on::<String>(&ipc, "__w7");
    let main = Arc::new(Main::builder().ipc(ipc).start()?);
    let dir = crate::peers::temp_dir("w7")?;
    std::fs::write(dir.join("w7.html"), W7_PAGE)?;
    std::fs::write(dir.join("floor.json"), r#"{"returnValue":true}"#)?;
    // The P5 WebSocket server (one connection), for the page's WebSocket floor.
    let mut ws_child = crate::peers::child_command("websocket", None, &[])?
        .stdout(Stdio::piped())
        .spawn()?;
    let mut port = String::new();
    BufReader::new(ws_child.stdout.take().ok_or("no stdout")?).read_line(&mut port)?;
    let ws_children = crate::peers::Children(vec![ws_child]);
    let profile = dir.join("profile");
    let bridge = electrode_web::WebBridge::start(
        main.clone(),
        electrode_web::WebConfig::new().app_dir(&dir),
    )?;
    let url = format!("{}w7.html#{n},{}", bridge.url(), port.trim());
    let browser = crate::chromium::Browser::start(&url, &profile)?;
    let got = rx.recv_timeout(Duration::from_secs(120));
    drop(browser);
    drop(bridge);
    drop(ws_children);
    main.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    let text = got.map_err(|_| "W7: the page did not report within 120 s")?;
    let r: PageResult = serde_json::from_str(&text)?;
    if let Some(e) = r.error {
        return Err(format!("W7 page: {e}").into());
    }
    let us = |v: &[f64]| -> Vec<u64> {
        let mut x: Vec<u64> = v.iter().map(|ms| (ms * 1e6) as u64).collect();
        x.sort_unstable();
        x
    };
    let (sync, asy, xhr, wsp) = (us(&r.sync), us(&r.asy), us(&r.xhr), us(&r.ws));
    let invoke = us(&r.invoke);
    let (bin, ws_bin) = (us(&r.bin), us(&r.ws_bin));
    let (ws50, ws99) = floor_round_trip(&crate::peers::ws::WebSocket, n)?;
    let (http50, http99) = floor_round_trip(&crate::peers::http::HttpFloor, n)?;
    let mut m = BTreeMap::new();
    m.insert("n".into(), sync.len() as f64);
    m.insert("sync_p50_us".into(), pct(&sync, 0.5));
    m.insert("sync_p99_us".into(), pct(&sync, 0.99));
    m.insert("sync_mean_us".into(), r.sync_total_ms * 1000.0 / n as f64);
    m.insert("async_p50_us".into(), pct(&asy, 0.5));
    m.insert("async_p99_us".into(), pct(&asy, 0.99));
    m.insert("async_mean_us".into(), r.async_total_ms * 1000.0 / n as f64);
    m.insert("invoke_p50_us".into(), pct(&invoke, 0.5));
    m.insert("invoke_p99_us".into(), pct(&invoke, 0.99));
    m.insert(
        "invoke_mean_us".into(),
        r.invoke_total_ms * 1000.0 / n as f64,
    );
    // Same page, same run: the issue's targets (invoke <= 1.2x sendSync; 100 in flight >= 2x).
    m.insert(
        "x_sync_invoke_mean".into(),
        r.invoke_total_ms / r.sync_total_ms,
    );
    m.insert(
        "x_page_ws_floor_invoke_p50".into(),
        pct(&invoke, 0.5) / pct(&wsp, 0.5),
    );
    m.insert("in_flight_invokes_per_s".into(), r.in_flight_per_s);
    m.insert("sequential_invokes_per_s".into(), r.sequential_invoke_per_s);
    m.insert(
        "x_sequential_invoke_throughput".into(),
        r.in_flight_per_s / r.sequential_invoke_per_s,
    );
    m.insert("bin_1mb_p50_us".into(), pct(&bin, 0.5));
    m.insert("bin_1mb_p99_us".into(), pct(&bin, 0.99));
    m.insert("page_ws_floor_bin_1mb_p50_us".into(), pct(&ws_bin, 0.5));
    m.insert(
        "x_page_ws_floor_bin_1mb_p50".into(),
        pct(&bin, 0.5) / pct(&ws_bin, 0.5),
    );
    m.insert("page_xhr_floor_p50_us".into(), pct(&xhr, 0.5));
    m.insert("page_xhr_floor_p99_us".into(), pct(&xhr, 0.99));
    m.insert("page_ws_floor_p50_us".into(), pct(&wsp, 0.5));
    m.insert("page_ws_floor_p99_us".into(), pct(&wsp, 0.99));
    m.insert(
        "x_page_xhr_floor_sync_p50".into(),
        pct(&sync, 0.5) / pct(&xhr, 0.5),
    );
    m.insert(
        "x_page_ws_floor_async_p50".into(),
        pct(&asy, 0.5) / pct(&wsp, 0.5),
    );
    m.insert("http_floor_p50_us".into(), http50);
    m.insert("http_floor_p99_us".into(), http99);
    m.insert("ws_floor_p50_us".into(), ws50);
    m.insert("ws_floor_p99_us".into(), ws99);
    m.insert(
        "x_rust_http_floor_sync_p50".into(),
        pct(&sync, 0.5) / http50,
    );
    m.insert("x_rust_ws_floor_async_p50".into(), pct(&asy, 0.5) / ws50);
    rec.metrics = m;
    rec.status = "ok".into();
    rec.note = Some(
        "page-side times use performance.now() (100 µs resolution in a non-isolated page); page floors: sync XHR GET of a static file of the same bridge (query carries the 100 B) and a WebSocket round trip to the P5 tungstenite server, both from the same page; bin_1mb: a 1 MB Uint8Array send echoed by main (send_args) against the page's WebSocket binary echo of the same bytes (page_ws_floor_bin_1mb); http_floor/ws_floor: the Rust transport-only peers (no browser), W1 string 100 B unpinned, measured right after".into(),
    );
    Ok(vec![rec])
}
