//! `electrode demo`: a main process and four Rust renderers (one a `<webview>` guest of
//! another) exercising every call, with a live traffic log and a summary.

use std::process::Command;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use electrode::{IpcMain, Main, WebContents};
use electrode_web::{WebBridge, WebConfig};
use serde_json::{json, Value};

use crate::traffic::Traffic;

/// Events reported by renderers; those not awaited yet wait in the backlog.
struct Events {
    rx: Receiver<(u64, String, Value)>,
    backlog: Mutex<Vec<(u64, String, Value)>>,
}

/// Where listeners report to the scripted part of the demo. Closed once the script is done, so
/// traffic that comes later (a page of the web demo flooding main) is logged but not kept.
struct Feed(Mutex<Option<Sender<(u64, String, Value)>>>);

impl Feed {
    fn push(&self, from: u64, channel: &str, values: Value) {
        if let Some(tx) = &*self.0.lock().unwrap() {
            tx.send((from, channel.to_string(), values)).ok();
        }
    }

    fn close(&self) {
        self.0.lock().unwrap().take();
    }
}

const PATIENCE: Duration = Duration::from_secs(15);

fn name(wc: &WebContents) -> String {
    format!("r{}", wc.id())
}

/// Waits for `channel` from renderer `from`; other events were already logged.
fn wait_for(events: &Events, from: &WebContents, channel: &str) -> Result<Value, String> {
    let hit = |(id, ch, _): &(u64, String, Value)| *id == from.id() && ch == channel;
    {
        let mut backlog = events.backlog.lock().unwrap();
        if let Some(pos) = backlog.iter().position(hit) {
            return Ok(backlog.remove(pos).2);
        }
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.rx.recv_timeout(left) {
            Ok(e) if hit(&e) => return Ok(e.2),
            Ok(e) => events.backlog.lock().unwrap().push(e),
            Err(_) => {
                return Err(format!(
                    "{} did not send '{channel}' within {PATIENCE:?}",
                    name(from)
                ))
            }
        }
    }
}

fn listeners(traffic: &Arc<Traffic>, events: &Arc<Feed>) -> IpcMain {
    let ipc = IpcMain::new();
    for ch in [
        "hello-main",
        "step-done",
        "seen",
        "sync-result",
        "not-a-guest",
        "latency",
        "unknown-step",
    ] {
        let (t, ev) = (traffic.clone(), events.clone());
        ipc.on(ch, move |event, args| {
            let values = serde_json::to_value(args.values()?)?;
            t.log(
                &format!("r{}", event.sender().id()),
                "main",
                event.channel(),
                &values.to_string(),
                "",
            );
            ev.push(event.sender().id(), ch, values);
            Ok(())
        });
    }
    let (t, ev) = (traffic.clone(), events.clone());
    ipc.on("bytes", move |event, args| {
        let b: electrode::Value = args.value(0)?;
        let note = match &b {
            electrode::Value::Bytes(b) => format!("{} raw bytes, not a JSON array", b.len()),
            other => format!("unexpected {other}"),
        };
        t.log(
            &format!("r{}", event.sender().id()),
            "main",
            "bytes",
            &args.preview(40),
            &note,
        );
        ev.push(event.sender().id(), "bytes", Value::Null);
        Ok(())
    });
    let t = traffic.clone();
    ipc.on("ping", move |event, args| {
        let n: u32 = args.get(0)?;
        let from = format!("r{}", event.sender().id());
        t.log(&from, "main", "ping", &args.preview(40), "");
        event.sender().send("pong", &(n + 1,))?;
        t.log(
            "main",
            &from,
            "pong",
            &format!("[{}]", n + 1),
            "event.sender().send",
        );
        Ok(())
    });
    let t = traffic.clone();
    ipc.on("sum", move |event, args| {
        let v: Vec<f64> = args.get(0)?;
        t.log(
            &format!("r{}", event.sender().id()),
            "main",
            "sum",
            &args.preview(40),
            "sendSync",
        );
        event.set_return_value(v.iter().sum::<f64>())?;
        Ok(())
    });
    let t = traffic.clone();
    ipc.on("later", move |event, _| {
        t.log(
            &format!("r{}", event.sender().id()),
            "main",
            "later",
            "[]",
            "sendSync, answered from another thread",
        );
        let reply = event.reply_handle()?;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            reply.send("answered 20 ms later").ok();
        });
        Ok(())
    });
    ipc.on("tick", |event, _| {
        event.set_return_value(true)?;
        Ok(())
    });
    ipc
}

fn step(
    traffic: &Traffic,
    events: &Events,
    wc: &WebContents,
    what: &str,
    arg: Value,
) -> Result<(), Box<dyn std::error::Error>> {
    traffic.log(
        "main",
        &name(wc),
        "run",
        &json!([what, arg]).to_string(),
        "",
    );
    wc.send("run", &(what, arg))?;
    wait_for(events, wc, "step-done")?;
    Ok(())
}

pub fn run(
    web: bool,
    window: bool,
    serve_for: Option<u64>,
) -> Result<(), Box<dyn std::error::Error>> {
    if window && !cfg!(feature = "window") {
        // Before the demo starts: a user asking for a window wants one, not a console run.
        return Err(
            "this electrode was built without desktop windows; run \
            `cargo run -p electrode-cli --features window -- demo --window` (needs WebKitGTK 4.1)"
                .into(),
        );
    }
    let traffic = Arc::new(Traffic::new());
    let (tx, rx) = channel();
    let events = Events {
        rx,
        backlog: Mutex::new(Vec::new()),
    };
    let feed = Arc::new(Feed(Mutex::new(Some(tx))));
    let main = Arc::new(Main::builder().ipc(listeners(&traffic, &feed)).start()?);
    let exe = std::env::current_exe()?;
    let role = |r: &str| {
        let mut c = Command::new(&exe);
        c.args(["renderer", r]);
        c
    };
    println!("Electrode demo: a Rust main process and four Rust renderer processes.");
    println!(
        "  time        from → to    channel          arguments                                note"
    );

    let worker = main.spawn_renderer(role("worker"))?;
    worker.send("config", &(json!({"theme": "dark"}),))?;
    traffic.log(
        "main",
        &name(&worker),
        "config",
        r#"[{"theme":"dark"}]"#,
        "queued: renderer not connected yet",
    );
    let sibling = main.spawn_renderer(role("worker"))?;
    let host = main.spawn_renderer(role("embedder"))?;
    let guest = main.spawn_guest(role("guest"), &host)?;
    for wc in [&worker, &sibling, &host, &guest] {
        wait_for(&events, wc, "hello-main")?;
    }
    wait_for(&events, &worker, "seen")?; // the queued config arrived

    step(&traffic, &events, &worker, "ping", Value::Null)?;
    wait_for(&events, &worker, "seen")?; // pong
    step(&traffic, &events, &worker, "sum", Value::Null)?;
    step(&traffic, &events, &worker, "later", Value::Null)?;
    step(&traffic, &events, &worker, "nobody", Value::Null)?;
    step(&traffic, &events, &worker, "send_to", json!(sibling.id()))?;
    wait_for(&events, &sibling, "seen")?; // hello, relayed by main
    step(&traffic, &events, &worker, "not_a_guest", Value::Null)?;
    step(&traffic, &events, &guest, "progress", Value::Null)?;
    wait_for(&events, &guest, "seen")?; // the host answered through <webview>.send
    step(&traffic, &events, &worker, "bytes", Value::Null)?;
    let n = main.broadcast("news", &("main broadcast, encoded once",))?;
    traffic.log(
        "main",
        "all",
        "news",
        "[\"main broadcast, encoded once\"]",
        &format!("to {n} renderers"),
    );
    for wc in [&worker, &sibling, &host, &guest] {
        wait_for(&events, wc, "seen")?;
    }
    step(&traffic, &events, &worker, "latency", json!(2000))?;
    let latency = wait_for(&events, &worker, "latency").ok();
    // The script is over: nothing reads `events` from now on.
    feed.close();
    drop(events);

    let web_bridge = if web || window {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("index.html"),
            include_str!("../app/index.html"),
        )?;
        std::fs::write(
            dir.path().join("guest.html"),
            include_str!("../app/guest.html"),
        )?;
        let bridge = WebBridge::start(main.clone(), WebConfig::new().app_dir(dir.path()))?;
        Some((bridge, dir))
    } else {
        None
    };

    println!();
    println!("Summary");
    println!(
        "  renderers: {} live ({})",
        main.web_contents().len(),
        main.web_contents()
            .iter()
            .map(name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  {} is a <webview> guest of {}", name(&guest), name(&host));
    let counts = traffic.counts();
    println!(
        "  messages logged: {} on {} channels",
        counts.values().sum::<u64>(),
        counts.len()
    );
    if let Some(l) = latency {
        println!(
            "  sendSync round trip over {} calls (debug builds are slower; see docs/benchmarks.md): p50 {:.1} µs, p99 {:.1} µs",
            l[0], l[1].as_f64().unwrap_or(0.0), l[2].as_f64().unwrap_or(0.0)
        );
    }
    #[cfg(feature = "window")]
    if let (true, Some((bridge, _dir))) = (window, &web_bridge) {
        println!();
        println!("Desktop window: the web demo (a host page with a <webview> guest), until you close it.");
        crate::window::show(main.clone(), bridge, serve_for)?;
        main.shutdown();
        println!("  window closed, all renderers closed; bye.");
        return Ok(());
    }
    if let Some((bridge, _dir)) = &web_bridge {
        println!();
        println!(
            "Web demo: open {}index.html (a host page with a <webview> guest).",
            bridge.url()
        );
        match serve_for {
            Some(s) => std::thread::sleep(Duration::from_secs(s)),
            None => {
                println!("Serving until Ctrl-C.");
                loop {
                    std::thread::park();
                }
            }
        }
    }
    main.shutdown();
    println!("  all renderers closed; bye.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use electrode_renderer::IpcRenderer;

    fn peak_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    /// After the scripted part, the demo serves the web demo for as long as the user likes; a
    /// page flooding main must not grow it (events nobody reads used to pile up: +144 MiB per
    /// 127 k messages).
    #[test]
    fn the_demo_main_stays_flat_under_a_flood_after_its_script() {
        let traffic = Arc::new(Traffic::quiet());
        let (tx, _rx) = channel();
        let feed = Arc::new(Feed(Mutex::new(Some(tx))));
        let ipc = listeners(&traffic, &feed);
        ipc.on("done?", |event, _| {
            event.set_return_value(true)?;
            Ok(())
        });
        let main = Main::builder().ipc(ipc).start().unwrap();
        feed.close();
        let (_, ticket) = main.issue_ticket(None);
        let page = IpcRenderer::connect(&ticket.socket, &ticket.token).unwrap();
        let before = peak_kib();
        let note = "a page that floods the demo with messages it listens to; ".repeat(5);
        for i in 0..130_000u32 {
            page.send("seen", &(i, &note)).unwrap();
        }
        assert!(page.send_sync::<bool, _>("done?", &()).unwrap());
        let grown = peak_kib().saturating_sub(before);
        assert_eq!(traffic.counts()["seen"], 130_000);
        assert!(
            grown < 16 * 1024,
            "130 000 messages grew the demo's peak memory by {grown} KiB"
        );
    }
}
