//! One conformance suite for every transport: each scenario is written once, against the test
//! renderer's command script (`electrode_tests::script`, and its JavaScript twin
//! `pages/conformance.js`), and runs on three drivers:
//!
//! * `memory`: a Rust renderer in main's own process, over the in-memory link;
//! * `socket`: a Rust renderer process, over main's Unix socket (epoll driver);
//! * `socket_with_poll`: the same with the portable `poll(2)` driver;
//! * `page`: a web page in headless Chromium, over the web bridge.
//!
//! Main sees the three alike (a `WebContents`), so the scenarios are main's view of the
//! Electron model: what arrives, in which order, with which values and errors.

mod browser;

use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};

use electrode::{InvokeError, IpcMain, Main, WebContents};
use electrode_tests::{Harness, PATIENCE};
use serde_json::{json, Value as Json};

/// What a scenario works with: the harness (commands and reports) and main's side.
struct Ctx<'a> {
    h: &'a Harness,
    /// What main's recording listeners saw: (sender, sync?, arguments).
    seen: Mutex<Receiver<(u64, bool, Json)>>,
    /// Lets the `slow` handler answer.
    release: Arc<Mutex<Option<Receiver<()>>>>,
}

type Scenario = fn(&Ctx<'_>, &WebContents);

const SCENARIOS: &[(&str, Scenario)] = &[
    (
        "sends reach main in order with their values",
        sends_in_order,
    ),
    ("main's messages reach the listener", main_to_renderer),
    ("sendSync returns main's value", send_sync_value),
    (
        "a listener replies through event.sender",
        reply_through_sender,
    ),
    ("once fires once", once_fires_once),
    ("removeListener removes one listener", remove_one_listener),
    (
        "removeAllListeners(channel) clears that channel only",
        remove_all_on_channel,
    ),
    ("invoke returns the handler's value", invoke_value),
    (
        "a handler's error keeps its message, code and data",
        invoke_error,
    ),
    ("invoke without a handler is refused", invoke_no_handler),
    (
        "a slow handler does not hold a fast one",
        invoke_independent,
    ),
    ("send and sendSync keep one order", send_and_sync_order),
    (
        "main's messages wait while sendSync is pending",
        held_during_sync,
    ),
    ("sendTo reaches another renderer", send_to_other),
    ("a 1 MiB binary argument arrives whole", large_binary),
];

/// Says which scenario on which driver failed, since one test runs them all.
struct Running<'a>(&'a str, &'a str);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("conformance: FAILED '{}' on the {} driver", self.0, self.1);
        }
    }
}

fn run_all(driver: &str, h: &Harness, spawn: &dyn Fn() -> WebContents) {
    let ctx = install_main_side(h);
    for (name, scenario) in SCENARIOS {
        let _running = Running(name, driver);
        let r = spawn();
        scenario(&ctx, &r);
    }
    eprintln!(
        "conformance: {} scenarios passed on the {driver} driver",
        SCENARIOS.len()
    );
}

#[test]
fn memory() {
    let h = Harness::new(env!("CARGO_BIN_EXE_test-renderer"), IpcMain::new());
    run_all("memory", &h, &|| h.spawn_memory());
}

#[test]
fn socket() {
    let h = Harness::new(env!("CARGO_BIN_EXE_test-renderer"), IpcMain::new());
    run_all("socket", &h, &|| h.spawn());
}

#[test]
fn socket_with_poll() {
    let h = Harness::new(env!("CARGO_BIN_EXE_test-renderer"), IpcMain::new());
    run_all("socket (poll)", &h, &|| h.spawn_poll());
}

#[test]
fn page() {
    let main = Arc::new(Main::builder().start().expect("main starts"));
    let h = Harness::for_main(env!("CARGO_BIN_EXE_test-renderer"), main.clone());
    let app = browser::App::serve(main);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chromium = rt.block_on(browser::Browser::start());
    let url = app.url("conformance.html");
    run_all("page", &h, &|| {
        rt.block_on(chromium.open("about:blank"));
        rt.block_on(chromium.open(&url));
        let (id, _) = h.expect_any("ready");
        h.main.from_id(id).expect("the page's WebContents")
    });
    rt.block_on(chromium.close());
}

/// Main's side of every scenario: listeners and handlers on channels named after them.
fn install_main_side(h: &Harness) -> Ctx<'_> {
    let ipc = h.main.ipc();
    let (tx, rx) = channel();
    let tx = Arc::new(Mutex::new(tx));
    for ch in ["in-order", "order", "big"] {
        let tx = tx.clone();
        ipc.on(ch, move |event, args| {
            let values: Vec<electrode::Value> = args.values()?;
            let values = Json::Array(values.iter().map(browser::to_json).collect());
            tx.lock()
                .unwrap()
                .send((event.sender().id(), event.is_sync(), values))
                .ok();
            if event.is_sync() {
                event.set_return_value("ok")?;
            }
            Ok(())
        });
    }
    ipc.on("sum", |event, args| {
        let v: Vec<f64> = args.get(0)?;
        event.set_return_value(v.iter().sum::<f64>())?;
        Ok(())
    });
    ipc.on("ping", |event, args| {
        let n: u32 = args.get(0)?;
        event.sender().send("pong", &(n + 1,))?;
        Ok(())
    });
    ipc.on("ask-while-sending", |event, _| {
        event.sender().send("told-meanwhile", &("meanwhile",))?;
        event.set_return_value("answer")?;
        Ok(())
    });
    ipc.handle("add", |_, args| {
        let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
        Ok(a + b)
    })
    .unwrap();
    ipc.handle("open", |_, args| -> Result<(), electrode::BoxError> {
        let path: String = args.get(0)?;
        Err(InvokeError::new(format!("cannot open {path}"))
            .with_code("ENOENT")
            .with_data(json!({"path": path}))
            .into())
    })
    .unwrap();
    let release: Arc<Mutex<Option<Receiver<()>>>> = Arc::default();
    let slow = release.clone();
    ipc.handle_async("slow", move |_event, _args| {
        let rx = slow.lock().unwrap().take();
        async move {
            // Blocking here is fine: the invoke pool has other threads for the fast handler.
            if let Some(rx) = rx {
                let _ = rx.recv_timeout(PATIENCE);
            }
            Ok("slow")
        }
    })
    .unwrap();
    ipc.handle("fast", |_, _| Ok("fast")).unwrap();
    electrode_tests::answer_alive(ipc);
    Ctx {
        h,
        seen: Mutex::new(rx),
        release,
    }
}

fn next_seen(seen: &Receiver<(u64, bool, Json)>) -> (u64, bool, Json) {
    seen.recv_timeout(PATIENCE)
        .expect("main's listener got nothing in time")
}

/// Every report `r` sent before this one has reached main (the renderer handles commands and
/// messages in order, and reports on one channel).
fn barrier(h: &Harness, r: &WebContents, tag: &str) {
    h.cmd(r, json!({"op": "echo", "tag": tag}));
    assert_eq!(h.expect(r, "echo")["tag"], tag);
}

fn sends_in_order(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    for i in 0..20 {
        h.cmd(
            r,
            json!({"op": "send", "channel": "in-order", "args": [i, "two", {"x": [true, null, 1.5]}]}),
        );
    }
    for i in 0..20 {
        let (sender, sync, args) = next_seen(&seen);
        assert_eq!(sender, r.id());
        assert!(!sync);
        assert_eq!(args, json!([i, "two", {"x": [true, null, 1.5]}]));
    }
}

fn main_to_renderer(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "news");
    r.send("news", &(1, "two", json!({"x": [true, null]})))
        .unwrap();
    let got = h.expect(r, "message");
    assert_eq!(got["channel"], "news");
    assert_eq!(got["args"], json!([1, "two", {"x": [true, null]}]));
    assert_eq!(got["sender_is_self"], true);
}

fn send_sync_value(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.cmd(
        r,
        json!({"op": "send_sync", "channel": "sum", "args": [[1, 2, 3.5]]}),
    );
    let got = h.expect(r, "sync");
    assert_eq!(got["ok"], 6.5, "{got}");
}

fn reply_through_sender(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "pong");
    h.cmd(r, json!({"op": "send", "channel": "ping", "args": [41]}));
    let got = h.expect(r, "message");
    assert_eq!(got["channel"], "pong");
    assert_eq!(got["args"], json!([42]));
}

fn once_fires_once(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "once", "one-shot");
    r.send("one-shot", &("first",)).unwrap();
    r.send("one-shot", &("second",)).unwrap();
    barrier(h, r, "after two");
    let got = h.drain(r.id(), |m| m["event"] == "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["args"], json!(["first"]));
}

fn remove_one_listener(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    for tag in ["a", "b"] {
        h.cmd(r, json!({"op": "listen", "channel": "twice", "tag": tag}));
        h.expect(r, "listening");
    }
    h.cmd(r, json!({"op": "remove_first", "channel": "twice"}));
    let removed = h.expect(r, "removed");
    assert_eq!(removed["ok"], true);
    assert_eq!(removed["count"], 1);
    r.send("twice", &()).unwrap();
    barrier(h, r, "after remove");
    let got = h.drain(r.id(), |m| m["event"] == "message");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["tag"], "b");
}

fn remove_all_on_channel(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "gone");
    h.listen(r, "listen", "kept");
    h.cmd(r, json!({"op": "remove_all", "channel": "gone"}));
    let channels = h.expect(r, "removed_all")["channels"].clone();
    let channels: Vec<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(channels.contains(&"kept"), "{channels:?}");
    assert!(!channels.contains(&"gone"), "{channels:?}");
    r.send("gone", &()).unwrap();
    r.send("kept", &()).unwrap();
    let got = h.expect(r, "message");
    assert_eq!(got["channel"], "kept");
}

fn invoke_value(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.cmd(r, json!({"op": "invoke", "channel": "add", "args": [2, 3]}));
    assert_eq!(h.expect(r, "invoked")["ok"], 5.0);
}

fn invoke_error(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.cmd(
        r,
        json!({"op": "invoke", "channel": "open", "args": ["/nope"]}),
    );
    let got = h.expect(r, "invoked");
    assert_eq!(
        got["err"],
        "Error invoking remote method 'open': Error: cannot open /nope"
    );
    assert_eq!(got["message"], "cannot open /nope");
    assert_eq!(got["code"], "ENOENT");
    assert_eq!(got["data"], json!({"path": "/nope"}));
    h.assert_alive(r);
}

fn invoke_no_handler(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.cmd(r, json!({"op": "invoke", "channel": "nobody"}));
    assert_eq!(
        h.expect(r, "invoked")["err"],
        "Error invoking remote method 'nobody': Error: No handler registered for 'nobody'"
    );
}

fn invoke_independent(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let (release, wait) = channel();
    *c.release.lock().unwrap() = Some(wait);
    h.cmd(
        r,
        json!({"op": "invoke_many", "channels": ["slow", "fast"]}),
    );
    h.expect(r, "invokes_started");
    let first = h.expect(r, "invoked_async");
    assert_eq!(first["channel"], "fast", "{first}");
    assert_eq!(first["ok"], "fast");
    h.assert_alive(r);
    release.send(()).unwrap();
    let second = h.expect(r, "invoked_async");
    assert_eq!(second["channel"], "slow");
    assert_eq!(second["ok"], "slow");
}

fn send_and_sync_order(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    h.cmd(
        r,
        json!({"op": "send_then_sync", "channel": "order", "n": 10}),
    );
    h.expect(r, "done");
    for i in 0..10 {
        for sync in [false, true] {
            let (sender, was_sync, args) = next_seen(&seen);
            assert_eq!(sender, r.id());
            assert_eq!((was_sync, args), (sync, json!([i])));
        }
    }
}

fn held_during_sync(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "told-meanwhile");
    h.cmd(
        r,
        json!({"op": "send_sync", "channel": "ask-while-sending"}),
    );
    // The message main sent during the call is delivered after the call returned.
    let first = h.expect_where(r.id(), |m| m["event"] == "sync" || m["event"] == "message");
    let first = first.expect("a report");
    assert_eq!(first["event"], "sync", "{first}");
    assert_eq!(first["ok"], "answer");
    let got = h.expect(r, "message");
    assert_eq!(got["args"], json!(["meanwhile"]));
}

fn send_to_other(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let target = h.spawn();
    h.listen(&target, "listen", "direct");
    h.cmd(
        r,
        json!({"op": "send_to", "id": target.id(), "channel": "direct", "args": ["hi", 2]}),
    );
    let got = h.expect(&target, "message");
    assert_eq!(got["args"], json!(["hi", 2]));
    target.close("the scenario is over");
}

fn large_binary(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    h.cmd(
        r,
        json!({"op": "send_big", "channel": "big", "size": 1 << 20}),
    );
    assert_eq!(h.expect(r, "send_big")["err"], json!(null));
    let (sender, _, args) = next_seen(&seen);
    assert_eq!(sender, r.id());
    assert_eq!(args, json!([{"bytes": 1 << 20}]));
}
