//! W10, a MessagePort between two Rust renderer processes: main makes a `MessageChannelMain`,
//! hands one end to each renderer (`post_message`), and steps aside: the two ends get a socket
//! pair main passed with `SCM_RIGHTS` (docs/adr/0019). Renderer A posts a 100 B string and
//! waits for B's echo with `MessagePort::recv` (B posts it back from its `message` listener),
//! sequentially.
//!
//! The floor, same run, same two processes: a raw Unix socket between A and B carrying the
//! same 100 B with a u32 length prefix, blocking write and read on each side. Target: port
//! round trip p50 <= 1.1x the raw round trip. Node's MessagePorts join worker threads of one
//! process, not two processes, so the Node comparison is the shortest Node IPC between two
//! processes: a `child_process.fork` round trip (JSON) of the same 100 B, in the same
//! placement, measured right after (`x_node_rtt_p50`).

use super::common::{add_node_floor, exe, park, pct, results_on, sizes, ExtraRecord};
use crate::cell::{Placement, Res};
use crate::payload::string_payload;
use electrode::{IpcMain, Main, MessageChannelMain};
use electrode_renderer::IpcRenderer;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The main process of W10 (`__extra main <mode> W10`): unpinned, then both renderers on
/// one vCPU (unpinned, which vCPU each thread lands on moves both numbers by up to 5x here).
pub fn main(mode: &str) -> Res<Vec<ExtraRecord>> {
    Ok(vec![run(mode, None)?, run(mode, Some(1))?])
}

fn run(mode: &str, cpu: Option<usize>) -> Res<ExtraRecord> {
    let (n, ..) = sizes(mode);
    let ipc = IpcMain::new();
    let rx = results_on::<BTreeMap<String, f64>>(&ipc, "__w10done");
    let ready = results_on::<String>(&ipc, "__w10ready");
    let main = Main::builder().ipc(ipc).start()?;
    let dir = std::env::temp_dir().join(format!(
        "electrode-w10-{}-{}",
        std::process::id(),
        cpu.map_or(-1, |c| c as i64)
    ));
    std::fs::create_dir_all(&dir)?;
    let raw = dir.join("raw.sock");
    let spawn = |role: &str| -> Res<electrode::WebContents> {
        let mut cmd = exe()?;
        cmd.arg("w10-renderer")
            .arg(role)
            .arg(n.to_string())
            .arg(&raw);
        crate::affinity::prepare_child(&mut cmd, cpu);
        Ok(main.spawn_renderer(cmd)?)
    };
    let (a, b) = (spawn("a")?, spawn("b")?);
    for _ in 0..2 {
        ready.recv_timeout(Duration::from_secs(60))?;
    }
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    b.post_message("__w10port", &"echo", &[port2])?;
    a.post_message("__w10port", &"measure", &[port1])?;
    let mut metrics = rx.recv_timeout(Duration::from_secs(300))?;
    main.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    let placement = if cpu.is_some() {
        Placement::Pinned
    } else {
        Placement::Unpinned
    };
    let port50 = metrics["port_p50_us"];
    add_node_floor(&mut metrics, port50, n, placement)?;
    let direct = metrics.get("direct").copied() == Some(1.0);
    let met = metrics["x_raw_p50"] <= 1.1;
    let node = match metrics.get("x_node_rtt_p50") {
        Some(x) => {
            format!("; port p50 is {x:.2}x Node fork IPC's round trip in the same placement")
        }
        None => "; no node for the Node round trip".to_string(),
    };
    let note = format!(
        "target: port p50 <= 1.1x raw socket p50 ({}); {}{node}",
        if met { "ok" } else { "missed" },
        if direct {
            "the port went direct (no hop through main)"
        } else {
            "the port did NOT go direct: routed through main"
        }
    );
    let where_ = match cpu {
        Some(c) => format!("both renderers pinned to vCPU {c}"),
        None => "unpinned".to_string(),
    };
    Ok(ExtraRecord {
        peer: "electrode".into(),
        workload: "W10".into(),
        variant: format!("MessagePort string 100 B round trip between two Rust renderers, vs a raw socket between the same two ({where_})"),
        metrics,
        status: "ok".into(),
        note: Some(note),
        mode: mode.into(),
    })
}

/// The renderers (`__extra w10-renderer <a|b> <n> <raw socket path>`).
pub fn renderer(rest: &[String]) -> Res<()> {
    let role = rest.first().ok_or("missing role")?.clone();
    let n: usize = rest.get(1).ok_or("missing n")?.parse()?;
    let raw = std::path::PathBuf::from(rest.get(2).ok_or("missing raw path")?);
    let (port_tx, port_rx) = channel();
    let port_tx = Mutex::new(port_tx);
    let ipc = IpcRenderer::connect_from_env_with(|ipc| {
        ipc.on("__w10port", move |event, _| {
            if let Some(p) = event.ports().first() {
                let _ = port_tx.lock().unwrap().send(p.clone());
            }
            Ok(())
        });
    })?;
    if role == "b" {
        let listener = UnixListener::bind(&raw)?;
        ipc.send("__w10ready", &("b",))?;
        let port = port_rx.recv_timeout(Duration::from_secs(60))?;
        let echo = port.clone();
        port.on_message(move |m| {
            echo.post_message(&m.data::<String>()?)?;
            Ok(())
        });
        port.start();
        let (mut s, _) = listener.accept()?;
        raw_echo(&mut s)?;
        park(&ipc);
        return Ok(());
    }
    ipc.send("__w10ready", &("a",))?;
    let port = port_rx.recv_timeout(Duration::from_secs(60))?;
    let s = string_payload(100);
    // The waiting side reads with `recv` on its own thread, as a raw client reads its socket;
    // B answers from a `message` listener, as an Electron page would.
    let round_trip = || -> Res<u64> {
        let t = Instant::now();
        port.post_message(&s)?;
        let _: String = port.recv()?.data()?;
        Ok(t.elapsed().as_nanos() as u64)
    };
    // Until both ends switched (or 5 s): a few round trips through main first.
    let deadline = Instant::now() + Duration::from_secs(5);
    let both_direct = || format!("{port:?}").contains("receiving direct");
    while !both_direct() && Instant::now() < deadline {
        round_trip()?;
    }
    let direct = both_direct();
    for _ in 0..(n / 10).max(10) {
        round_trip()?;
    }
    let mut raw_s = connect_retry(&raw)?;
    let frame = {
        let mut f = (s.len() as u32).to_le_bytes().to_vec();
        f.extend_from_slice(s.as_bytes());
        f
    };
    let mut buf = vec![0u8; frame.len()];
    let mut raw_round_trip = || -> Res<u64> {
        let t = Instant::now();
        raw_s.write_all(&frame)?;
        raw_s.read_exact(&mut buf)?;
        Ok(t.elapsed().as_nanos() as u64)
    };
    for _ in 0..(n / 10).max(10) {
        raw_round_trip()?;
    }
    // Alternated in blocks, so drift hits both.
    let (mut port_ns, mut raw_ns) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while port_ns.len() < n {
        for _ in 0..100 {
            port_ns.push(round_trip()?);
        }
        for _ in 0..100 {
            raw_ns.push(raw_round_trip()?);
        }
    }
    port_ns.sort_unstable();
    raw_ns.sort_unstable();
    let mut m = BTreeMap::new();
    m.insert("n".to_string(), port_ns.len() as f64);
    m.insert("direct".into(), if direct { 1.0 } else { 0.0 });
    m.insert("port_p50_us".into(), pct(&port_ns, 0.5));
    m.insert("port_p99_us".into(), pct(&port_ns, 0.99));
    m.insert("raw_p50_us".into(), pct(&raw_ns, 0.5));
    m.insert("raw_p99_us".into(), pct(&raw_ns, 0.99));
    m.insert("x_raw_p50".into(), pct(&port_ns, 0.5) / pct(&raw_ns, 0.5));
    ipc.send("__w10done", &(m,))?;
    park(&ipc);
    Ok(())
}

/// B's side of the floor: echoes length-prefixed frames until A hangs up.
fn raw_echo(s: &mut UnixStream) -> Res<()> {
    let mut len = [0u8; 4];
    let mut body = Vec::new();
    while s.read_exact(&mut len).is_ok() {
        body.resize(u32::from_le_bytes(len) as usize, 0);
        s.read_exact(&mut body)?;
        s.write_all(&len)?;
        s.write_all(&body)?;
    }
    Ok(())
}

fn connect_retry(path: &std::path::Path) -> Res<UnixStream> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match UnixStream::connect(path) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() > deadline => return Err(e.into()),
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
