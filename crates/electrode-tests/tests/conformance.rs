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

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use electrode::{
    Args, BoxError, Error, InvokeError, IpcEvent, IpcMain, ListenerFailure, Main, RendererKind,
    WebContents,
};
use electrode_tests::{Harness, PATIENCE};
use serde_json::{json, Value as Json};

/// One message as main's recording listeners saw it.
struct Seen {
    sender: u64,
    kind: RendererKind,
    sync: bool,
    args: Json,
    /// Length of argument 1's JSON text (0 without one): big strings are measured, not copied.
    big: usize,
}

/// What a scenario works with: the harness (commands and reports) and main's side.
struct Ctx<'a> {
    h: &'a Harness,
    /// The kind of renderer this driver spawns, as main sees it.
    kind: RendererKind,
    /// What main's recording listeners saw.
    seen: Mutex<Receiver<Seen>>,
    /// The bytes argument of every message on `big`.
    blobs: Mutex<Receiver<bytes::Bytes>>,
    /// What main's error hook was told, in order.
    failures: Arc<Mutex<Vec<ListenerFailure>>>,
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
    ("main's messages keep their order", main_to_renderer_order),
    (
        "main's values cross with the 1.7.8 rules and bytes stay bytes",
        main_values,
    ),
    ("sendSync returns main's value", send_sync_value),
    ("a sendSync reply follows JSON rules", sync_json_rules),
    (
        "the first return value wins, later sets are ignored",
        sync_first_wins,
    ),
    (
        "a sendSync may be answered later from another thread",
        sync_reply_later,
    ),
    (
        "a sendSync nobody answers is an error naming the channel",
        sync_unanswered,
    ),
    (
        "a sendSync without a listener is an error, not a hang",
        sync_no_listener,
    ),
    (
        "a failing or panicking listener gives the sendSync an error",
        sync_failing_listeners,
    ),
    (
        "an async message has no return value",
        async_no_return_value,
    ),
    (
        "a sendSync inside a renderer listener does not deadlock",
        sync_in_listener,
    ),
    (
        "a listener replies through event.sender",
        reply_through_sender,
    ),
    (
        "event.reply answers the sending renderer only",
        event_reply_to_sender_only,
    ),
    (
        "main's once runs once and is removed before running",
        main_once,
    ),
    (
        "main's listeners run in order; one added during dispatch waits",
        main_listener_order,
    ),
    ("once fires once", once_fires_once),
    ("removeListener removes one listener", remove_one_listener),
    (
        "removeAllListeners(channel) clears that channel only",
        remove_all_on_channel,
    ),
    (
        "a renderer's on, once, removeListener and removeAllListeners",
        renderer_listener_table,
    ),
    (
        "listener failures reach main's error hook",
        listener_failures_hook,
    ),
    (
        "a renderer's own listeners run first and see only its messages",
        contents_listeners_first,
    ),
    (
        "a sendSync may be answered by the renderer's own listener",
        contents_answers_sync,
    ),
    (
        "a renderer's own handler wins over ipcMain's",
        contents_handler_wins,
    ),
    ("invoke returns the handler's value", invoke_value),
    (
        "a handler's error keeps its message, code and data",
        invoke_error,
    ),
    ("invoke without a handler is refused", invoke_no_handler),
    (
        "handle, a second handle, removeHandler and handleOnce",
        invoke_handler_registration,
    ),
    (
        "a slow handler does not hold a fast one",
        invoke_independent,
    ),
    ("send and invoke keep call order", invoke_order_with_send),
    ("several renderers invoke at once", invoke_many_renderers),
    ("send and sendSync keep one order", send_and_sync_order),
    (
        "main's messages wait while sendSync is pending",
        held_during_sync,
    ),
    (
        "sendTo reaches another renderer, both ways; unknown ids are dropped",
        send_to_other,
    ),
    ("a 3 MiB binary argument arrives whole", large_binary),
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

fn run_all(driver: &str, kind: RendererKind, h: &Harness, spawn: &dyn Fn() -> WebContents) {
    let ctx = install_main_side(h, kind);
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
    run_all("memory", RendererKind::Process, &h, &|| h.spawn_memory());
}

#[test]
fn socket() {
    let h = Harness::new(env!("CARGO_BIN_EXE_test-renderer"), IpcMain::new());
    run_all("socket", RendererKind::Process, &h, &|| h.spawn());
}

#[test]
fn socket_with_poll() {
    let h = Harness::new(env!("CARGO_BIN_EXE_test-renderer"), IpcMain::new());
    run_all("socket (poll)", RendererKind::Process, &h, &|| {
        h.spawn_poll()
    });
}

#[test]
fn page() {
    let main = Arc::new(Main::builder().start().expect("main starts"));
    let h = Harness::for_main(env!("CARGO_BIN_EXE_test-renderer"), main.clone());
    let app = browser::App::serve(main);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chromium = rt.block_on(browser::Browser::start());
    let url = app.url("conformance.html");
    run_all("page", RendererKind::Page, &h, &|| {
        rt.block_on(chromium.open("about:blank"));
        rt.block_on(chromium.open(&url));
        let (id, _) = h.expect_any("ready");
        h.main.from_id(id).expect("the page's WebContents")
    });
    rt.block_on(chromium.close());
}

fn seen_of(event: &IpcEvent, args: &Args) -> Result<Seen, BoxError> {
    let values: Vec<electrode::Value> = args.values()?;
    Ok(Seen {
        sender: event.sender().id(),
        kind: event.sender().kind(),
        sync: event.is_sync(),
        args: Json::Array(values.iter().map(browser::to_json).collect()),
        big: 0,
    })
}

/// A `Sender` listeners may share.
type Shared<T> = Arc<Mutex<Sender<T>>>;

fn shared<T>() -> (Shared<T>, Receiver<T>) {
    let (tx, rx) = channel();
    (Arc::new(Mutex::new(tx)), rx)
}

/// Main's side of every scenario: listeners and handlers on channels named after them
/// (scenarios add their own where they check main's API itself).
fn install_main_side(h: &Harness, kind: RendererKind) -> Ctx<'_> {
    let ipc = h.main.ipc();
    let (tx, rx) = shared::<Seen>();
    let (blob_tx, blobs) = shared::<bytes::Bytes>();
    for ch in ["in-order", "big"] {
        let tx = tx.clone();
        let blob_tx = blob_tx.clone();
        ipc.on(ch, move |event, args| {
            if event.channel() == "big" {
                blob_tx.lock().unwrap().send(args.get(0)?).ok();
            }
            tx.lock().unwrap().send(seen_of(event, args)?).ok();
            if event.is_sync() {
                event.set_return_value("ok")?;
            }
            Ok(())
        });
    }
    {
        // Ordering: each message's number, and the size of a big second argument (its JSON
        // text, not decoded); a sendSync returns its number.
        let tx = tx.clone();
        ipc.on("order", move |event, args| {
            let i: u64 = args.get(0)?;
            tx.lock()
                .unwrap()
                .send(Seen {
                    sender: event.sender().id(),
                    kind: event.sender().kind(),
                    sync: event.is_sync(),
                    args: json!([i]),
                    big: args.json(1).map_or(0, <[u8]>::len),
                })
                .ok();
            if event.is_sync() {
                event.set_return_value(i)?;
            }
            Ok(())
        });
    }
    ipc.on("sum", |event, args| {
        let v: Vec<f64> = args.get(0)?;
        event.set_return_value(v.iter().sum::<f64>())?;
        Ok(())
    });
    {
        let tx = tx.clone();
        ipc.on("ping", move |event, args| {
            tx.lock().unwrap().send(seen_of(event, args)?).ok();
            let n: u32 = args.get(0)?;
            event.sender().send("pong", &(n + 1,))?;
            Ok(())
        });
    }
    ipc.on("ask-while-sending", |event, _| {
        // Some from the listener itself, some from another thread before and after the reply.
        for k in 0..10 {
            event.sender().send("told-meanwhile", &(k,))?;
        }
        let reply = event.reply_handle()?;
        let sender = event.sender().clone();
        std::thread::spawn(move || {
            for k in 10..20 {
                sender.send("told-meanwhile", &(k,)).unwrap();
            }
            reply.send("answer").unwrap();
            for k in 20..25 {
                sender.send("told-meanwhile", &(k,)).unwrap();
            }
        });
        Ok(())
    });
    ipc.handle("add", |event, args| {
        let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
        Ok(json!({"sum": a + b, "from": event.sender().id(), "channel": event.channel()}))
    })
    .unwrap();
    ipc.handle("open", |_, args| -> Result<(), BoxError> {
        let path: String = args.get(0)?;
        Err(InvokeError::new(format!("cannot open {path}"))
            .with_code("ENOENT")
            .with_data(json!({"path": path}))
            .into())
    })
    .unwrap();
    ipc.handle("plain", |_, _| -> Result<(), BoxError> {
        Err("plain failure".into())
    })
    .unwrap();
    ipc.handle("panics", |_, _| -> Result<(), BoxError> {
        panic!("handler panicked on purpose")
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
    let failures: Arc<Mutex<Vec<ListenerFailure>>> = Arc::default();
    {
        let failures = failures.clone();
        ipc.on_error(move |f| failures.lock().unwrap().push(f.clone()));
    }
    electrode_tests::answer_alive(ipc);
    Ctx {
        h,
        kind,
        seen: Mutex::new(rx),
        blobs: Mutex::new(blobs),
        failures,
        release,
    }
}

fn next_seen(seen: &Receiver<Seen>) -> Seen {
    seen.recv_timeout(PATIENCE)
        .expect("main's listener got nothing in time")
}

/// Every report `r` sent before this one has reached main (the renderer handles commands and
/// messages in order, and reports on one channel).
fn barrier(h: &Harness, r: &WebContents, tag: &str) {
    h.cmd(r, json!({"op": "echo", "tag": tag}));
    assert_eq!(h.expect(r, "echo")["tag"], tag);
}

/// `v` with every integral number written as an integer: a JavaScript number has one type, so
/// `42` from a page and `42.0` from a Rust renderer are the same value.
fn norm(v: &Json) -> Json {
    match v {
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 && n.is_f64() => json!(f as i64),
            _ => v.clone(),
        },
        Json::Array(a) => Json::Array(a.iter().map(norm).collect()),
        Json::Object(o) => Json::Object(o.iter().map(|(k, x)| (k.clone(), norm(x))).collect()),
        other => other.clone(),
    }
}

/// The report of a sendSync on `channel` with `args`.
fn sync_call(h: &Harness, r: &WebContents, channel: &str, args: Json) -> Json {
    h.cmd(
        r,
        json!({"op": "send_sync", "channel": channel, "args": args}),
    );
    let got = h.expect(r, "sync");
    assert_eq!(got["channel"], channel, "{got}");
    got
}

/// The error of a sendSync that must fail (an `Error` on a page).
fn sync_error(h: &Harness, r: &WebContents, channel: &str, args: Json) -> String {
    let got = sync_call(h, r, channel, args);
    assert_eq!(got["is_error"], true, "{got}");
    got["err"]
        .as_str()
        .unwrap_or_else(|| panic!("sendSync '{channel}' did not fail: {got}"))
        .to_string()
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
        let s = next_seen(&seen);
        assert_eq!(s.sender, r.id());
        assert!(!s.sync);
        assert_eq!(s.args, json!([i, "two", {"x": [true, null, 1.5]}]));
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

fn main_to_renderer_order(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "n");
    for i in 0..500 {
        r.send("n", &(i,)).unwrap();
    }
    for i in 0..500 {
        assert_eq!(h.expect(r, "message")["args"], json!([i]));
    }
}

fn main_values(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "values");
    #[derive(serde::Serialize)]
    struct Unsorted {
        zeta: f64,
        alpha: Option<u8>,
    }
    let blob = bytes::Bytes::from(vec![1u8, 2, 3, 250]);
    r.send(
        "values",
        &(
            f64::NAN,
            f64::INFINITY,
            Unsorted {
                zeta: -0.5,
                alpha: None,
            },
            blob,
            "ü€",
        ),
    )
    .unwrap();
    let m = h.expect(r, "message");
    assert_eq!(
        norm(&m["args"]),
        json!([0, 0, {"alpha": null, "zeta": -0.5}, {"bytes": 4, "first": 1, "last": 250}, "ü€"])
    );
}

fn send_sync_value(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let got = sync_call(h, r, "sum", json!([[1, 2, 3.5]]));
    assert_eq!(got["ok"], 6.5, "{got}");
    let got = sync_call(h, r, "sum", json!([[1.5, 2.5, 3]]));
    assert_eq!(got["ok"], 7.0, "{got}");
}

#[derive(serde::Serialize)]
struct NotJsonSafe {
    nan: f64,
    list: Vec<f64>,
    none: Option<u8>,
    text: &'static str,
}

fn sync_json_rules(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    ipc.on("nan", |event, _| {
        event.set_return_value((f64::NAN, "text", None::<u8>))?;
        Ok(())
    });
    ipc.on("now", |event, args| {
        let n: f64 = args.get(0)?;
        event.set_return_value(json!({"double": n * 2.0, "list": [1, "b", null]}))?;
        Ok(())
    });
    ipc.on("json-rules", |event, _| {
        event.set_return_value(NotJsonSafe {
            nan: f64::NAN,
            list: vec![f64::INFINITY, f64::NEG_INFINITY, 1.5],
            none: None,
            text: "ok",
        })?;
        Ok(())
    });
    assert_eq!(
        sync_call(h, r, "nan", json!([]))["ok"],
        json!([null, "text", null])
    );
    assert_eq!(
        norm(&sync_call(h, r, "now", json!([21]))["ok"]),
        json!({"double": 42, "list": [1, "b", null]})
    );
    assert_eq!(
        norm(&sync_call(h, r, "json-rules", json!([]))["ok"]),
        json!({"nan": null, "list": [null, null, 1.5], "none": null, "text": "ok"}),
        "the reply follows JSON rules: non-finite numbers become null"
    );
}

fn sync_first_wins(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    let (tx, rx) = shared();
    ipc.on("twice", |event, _| {
        assert!(event.set_return_value("first")?);
        Ok(())
    });
    ipc.on("twice", move |event, _| {
        let second = event.set_return_value("second")?;
        tx.lock().unwrap().send(second).ok();
        Ok(())
    });
    assert_eq!(
        sync_call(h, r, "twice", json!([]))["ok"],
        "first",
        "the first value set wins"
    );
    assert!(
        !rx.recv_timeout(PATIENCE).unwrap(),
        "the second set reports it was ignored"
    );
}

fn sync_reply_later(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    let (order_tx, order_rx) = shared();
    ipc.on("later", move |event, args| {
        let n: u64 = args.get(0)?;
        let reply = event.reply_handle()?;
        // The thread answers once the listener has returned (it says so just before).
        let (returned_tx, returned) = channel::<()>();
        let tx = order_tx.clone();
        std::thread::spawn(move || {
            let listener_had_returned = returned.recv_timeout(PATIENCE).is_ok();
            let sent = reply.send(n * 2).unwrap();
            tx.lock().unwrap().send((listener_had_returned, sent)).ok();
        });
        returned_tx.send(()).unwrap();
        Ok(())
    });
    assert_eq!(sync_call(h, r, "later", json!([21]))["ok"], 42);
    assert_eq!(
        order_rx.recv_timeout(PATIENCE).unwrap(),
        (true, true),
        "the deferred reply was sent from another thread after the listener had returned"
    );
}

fn sync_unanswered(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    ipc.on("dropped", |event, _| {
        let reply = event.reply_handle()?;
        std::thread::spawn(move || drop(reply));
        Ok(())
    });
    ipc.on("unanswered", |_, _| Ok(()));
    ipc.on("silent", |_, _| Ok(()));
    ipc.on("silent", |_, _| Ok(()));
    let err = sync_error(h, r, "dropped", json!([]));
    assert!(
        err.contains("'dropped'") && err.contains("none set a return value"),
        "{err}"
    );
    let err = sync_error(h, r, "unanswered", json!([]));
    assert!(
        err.contains("'unanswered'") && err.contains("none set a return value"),
        "{err}"
    );
    let err = sync_error(h, r, "silent", json!([]));
    assert!(
        err.contains("2 listener(s) ran") && err.contains("'silent'"),
        "{err}"
    );
    h.assert_alive(r);
}

fn sync_no_listener(c: &Ctx<'_>, r: &WebContents) {
    // Electron leaves the renderer blocked for good (spec 1.8); Electrode answers with an
    // error on every driver: an `Err` in Rust, a thrown `Error` on a page.
    let h = c.h;
    let err = sync_error(h, r, "nobody-listens", json!([1]));
    assert!(
        err.contains("no listener") && err.contains("'nobody-listens'"),
        "{err}"
    );
    h.assert_alive(r);
}

fn sync_failing_listeners(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    let (tx, rx) = shared();
    ipc.on("boom", |_, _| panic!("kaboom"));
    ipc.on("boom", move |_, _| {
        tx.lock().unwrap().send("second listener ran").ok();
        Ok(())
    });
    ipc.on("bad-arg", |_, args| {
        let _: u32 = args.get(5)?;
        Ok(())
    });
    ipc.on("fails", |_, _| Err("the listener failed on purpose".into()));
    let other = h.spawn();
    let err = sync_error(h, r, "boom", json!([]));
    assert!(err.contains("'boom'") && err.contains("kaboom"), "{err}");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "second listener ran");
    let err = sync_error(h, r, "bad-arg", json!([]));
    assert!(
        err.contains("'bad-arg'") && err.contains("argument 5"),
        "{err}"
    );
    let err = sync_error(h, r, "fails", json!([]));
    assert!(
        err.contains("'fails'") && err.contains("failed on purpose"),
        "{err}"
    );
    assert_eq!(sync_call(h, r, "sum", json!([[1, 1]]))["ok"], 2.0);
    h.assert_alive(r);
    h.assert_alive(&other);
    other.close("the scenario is over");
}

fn async_no_return_value(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let (tx, rx) = shared();
    h.main.ipc().on("async", move |event, _| {
        let e = event.set_return_value(1).unwrap_err();
        tx.lock().unwrap().send(e).ok();
        Ok(())
    });
    h.cmd(r, json!({"op": "send", "channel": "async", "args": []}));
    match rx.recv_timeout(PATIENCE).unwrap() {
        Error::NotSync { channel, renderer } => {
            assert_eq!((channel.as_str(), renderer), ("async", r.id()))
        }
        other => panic!("expected NotSync, got {other:?}"),
    }
}

fn sync_in_listener(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.main.ipc().on("inner", |event, _| {
        event.set_return_value("inner reply")?;
        Ok(())
    });
    h.cmd(
        r,
        json!({"op": "sync_in_listener", "channel": "trigger", "inner": "inner"}),
    );
    h.expect(r, "listening");
    r.send("trigger", &()).unwrap();
    assert_eq!(h.expect(r, "sync")["ok"], "inner reply");
}

fn reply_through_sender(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    h.listen(r, "listen", "pong");
    h.cmd(
        r,
        json!({"op": "send", "channel": "ping", "args": [41, "hi"]}),
    );
    let s = next_seen(&seen);
    assert_eq!(
        (s.sender, s.kind, s.sync, s.args),
        (r.id(), c.kind, false, json!([41, "hi"]))
    );
    assert!(h.main.from_id(r.id()).is_some());
    let got = h.expect(r, "message");
    assert_eq!(got["channel"], "pong");
    assert_eq!(got["args"], json!([42]));
    assert_eq!(
        got["sender_is_self"], true,
        "renderer event.sender is its own ipcRenderer"
    );
}

fn event_reply_to_sender_only(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.main.ipc().on("ping-reply", |event, args| {
        let n: u32 = args.get(0)?;
        event.reply("pong", &(n * 10,))?;
        Ok(())
    });
    let bystander = h.spawn();
    h.listen(r, "listen", "pong");
    h.listen(&bystander, "listen", "pong");
    h.cmd(
        r,
        json!({"op": "send", "channel": "ping-reply", "args": [4]}),
    );
    let got = h.expect(r, "message");
    assert_eq!(
        (got["channel"].clone(), got["args"].clone()),
        (json!("pong"), json!([40]))
    );
    // The other renderer got nothing: its next report is the answer to a round trip.
    h.assert_alive(&bystander);
    assert!(h
        .drain(bystander.id(), |m| m["event"] == "message")
        .is_empty());
    bystander.close("the scenario is over");
}

fn main_once(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc().clone();
    let calls = Arc::new(Mutex::new(Vec::new()));
    {
        let calls = calls.clone();
        let ipc2 = ipc.clone();
        ipc.once("one", move |_, _| {
            calls.lock().unwrap().push(ipc2.listener_count("one"));
            Ok(())
        });
    }
    for _ in 0..3 {
        h.cmd(r, json!({"op": "send", "channel": "one", "args": []}));
    }
    h.assert_alive(r); // everything before this round trip has been dispatched
    assert_eq!(
        *calls.lock().unwrap(),
        vec![0],
        "ran once, removed before it ran"
    );
    assert_eq!(ipc.listener_count("one"), 0);
}

fn main_listener_order(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc().clone();
    let log = Arc::new(Mutex::new(Vec::new()));
    for k in 0..3 {
        let log = log.clone();
        let ipc2 = ipc.clone();
        ipc.on("ordered", move |_, args| {
            let n: u32 = args.get(0)?;
            log.lock().unwrap().push(format!("{n}:{k}"));
            if k == 0 && n == 0 {
                let log = log.clone();
                ipc2.on("ordered", move |_, args| {
                    let n: u32 = args.get(0)?;
                    log.lock().unwrap().push(format!("{n}:late"));
                    Ok(())
                });
            }
            Ok(())
        });
    }
    h.cmd(r, json!({"op": "send", "channel": "ordered", "args": [0]}));
    h.cmd(r, json!({"op": "send", "channel": "ordered", "args": [1]}));
    h.assert_alive(r);
    assert_eq!(
        *log.lock().unwrap(),
        vec!["0:0", "0:1", "0:2", "1:0", "1:1", "1:2", "1:late"]
    );
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

fn renderer_listener_table(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "once", "o");
    h.listen(r, "listen", "l");
    r.send("o", &(1,)).unwrap();
    r.send("o", &(2,)).unwrap();
    h.assert_alive(r);
    let got = h.drain(r.id(), |x| x["event"] == "message" && x["channel"] == "o");
    assert_eq!(got.len(), 1, "once listener ran once: {got:?}");
    assert_eq!(got[0]["args"], json!([1]));

    h.cmd(r, json!({"op": "remove_first", "channel": "l"}));
    let removed = h.expect(r, "removed");
    assert_eq!(
        (removed["ok"].clone(), removed["count"].clone()),
        (json!(true), json!(0))
    );
    r.send("l", &()).unwrap();
    h.listen(r, "listen", "m");
    h.cmd(r, json!({"op": "remove_all", "channel": "m"}));
    assert!(!h.expect(r, "removed_all")["channels"]
        .as_array()
        .unwrap()
        .contains(&json!("m")));
    // Reports travel in order: a message on "l" would have been reported before this.
    assert!(h
        .drain(r.id(), |x| x["event"] == "message" && x["channel"] == "l")
        .is_empty());
    // Everywhere means everywhere: the script's own "cmd" listener goes too (so this is the
    // scenario's last command).
    h.cmd(r, json!({"op": "remove_all", "channel": ""}));
    assert_eq!(h.expect(r, "removed_all")["channels"], json!([]));
}

fn listener_failures_hook(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    ipc.on("hook-fails", |_, _| Err("disk full".into()));
    ipc.on("hook-panics", |_, _| panic!("listener bug"));
    for (channel, args) in [
        ("hook-fails", json!([])),
        ("hook-panics", json!([])),
        ("hook-nobody", json!([1])),
        ("hook-nobody", json!([2])),
    ] {
        h.cmd(r, json!({"op": "send", "channel": channel, "args": args}));
    }
    h.assert_alive(r);
    let id = r.id();
    let got: Vec<ListenerFailure> = c
        .failures
        .lock()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(f, ListenerFailure::Failed { renderer, .. }
                | ListenerFailure::Panicked { renderer, .. }
                | ListenerFailure::NoListener { renderer, .. } if *renderer == id)
        })
        .cloned()
        .collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got[0],
        ListenerFailure::Failed {
            renderer: id,
            channel: "hook-fails".into(),
            message: "disk full".into()
        }
    );
    assert!(
        matches!(&got[1], ListenerFailure::Panicked { renderer, channel, message }
            if *renderer == id && channel == "hook-panics" && message.starts_with("listener bug (at ")),
        "{:?}",
        got[1]
    );
    assert_eq!(
        got[2],
        ListenerFailure::NoListener {
            renderer: id,
            channel: "hook-nobody".into()
        },
        "reported once per channel"
    );
}

fn contents_listeners_first(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    h.main.ipc().on("hello-own", move |event, _| {
        seen.lock()
            .unwrap()
            .push(format!("ipcMain {}", event.sender().id()));
        Ok(())
    });
    let other = h.spawn();
    let seen = order.clone();
    let (tx, rx) = shared();
    r.ipc().on("hello-own", move |event, _| {
        seen.lock()
            .unwrap()
            .push(format!("contents {}", event.sender().id()));
        tx.lock().unwrap().send(()).ok();
        Ok(())
    });
    h.cmd(
        &other,
        json!({"op": "send", "channel": "hello-own", "args": []}),
    );
    h.assert_alive(&other);
    h.cmd(r, json!({"op": "send", "channel": "hello-own", "args": []}));
    rx.recv_timeout(PATIENCE).unwrap();
    h.assert_alive(r);
    assert_eq!(
        *order.lock().unwrap(),
        [
            format!("ipcMain {}", other.id()),
            format!("contents {}", r.id()),
            format!("ipcMain {}", r.id()),
        ]
    );
    other.close("the scenario is over");
}

fn contents_answers_sync(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    r.ipc().on("whoami-own", |event, _| {
        event.set_return_value(event.sender().id())?;
        Ok(())
    });
    assert_eq!(sync_call(h, r, "whoami-own", json!([]))["ok"], r.id());
}

fn contents_handler_wins(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.main
        .ipc()
        .handle("who-own", |_, _| Ok("ipcMain"))
        .unwrap();
    let plain = h.spawn();
    r.ipc().handle("who-own", |_, _| Ok("contents")).unwrap();
    h.cmd(r, json!({"op": "invoke", "channel": "who-own"}));
    assert_eq!(h.expect(r, "invoked")["ok"], "contents");
    h.cmd(&plain, json!({"op": "invoke", "channel": "who-own"}));
    assert_eq!(h.expect(&plain, "invoked")["ok"], "ipcMain");
    plain.close("the scenario is over");
}

fn invoke_value(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    // The Rust script's `cmd` listener runs on the renderer's dispatch thread: the blocking
    // invoke there must not wait for that same thread.
    h.cmd(
        r,
        json!({"op": "invoke", "channel": "add", "args": [1.5, 2]}),
    );
    assert_eq!(
        h.expect(r, "invoked")["ok"],
        json!({"sum": 3.5, "from": r.id(), "channel": "add"})
    );
    h.cmd(r, json!({"op": "invoke", "channel": "add", "args": [2, 3]}));
    assert_eq!(h.expect(r, "invoked")["ok"]["sum"], 5.0);
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
    assert_eq!(got["is_error"], true, "{got}");
    h.cmd(r, json!({"op": "invoke", "channel": "plain"}));
    let got = h.expect(r, "invoked");
    assert_eq!(got["message"], "plain failure");
    assert_eq!(got["code"], json!(null));
    h.cmd(r, json!({"op": "invoke", "channel": "panics"}));
    let got = h.expect(r, "invoked");
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .contains("handler panicked on purpose"),
        "{got}"
    );
    // The renderer's link survived all three.
    h.assert_alive(r);
}

fn invoke_no_handler(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.cmd(r, json!({"op": "invoke", "channel": "nobody"}));
    let got = h.expect(r, "invoked");
    assert_eq!(
        got["err"],
        "Error invoking remote method 'nobody': Error: No handler registered for 'nobody'"
    );
    assert_eq!(got["code"], json!(null), "{got}");
}

fn invoke_handler_registration(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    ipc.handle("once", |_, _| Ok("first")).unwrap();
    let second = ipc.handle("once", |_, _| Ok("second")).unwrap_err();
    assert!(matches!(second, Error::HandlerExists { ref channel, .. } if channel == "once"));
    assert_eq!(
        second.to_string(),
        "Attempted to register a second handler for 'once'"
    );
    assert!(ipc.remove_handler("once"));
    assert!(!ipc.remove_handler("once"));
    ipc.handle_once("once", |_, _| Ok("only once")).unwrap();
    h.cmd(r, json!({"op": "invoke", "channel": "once"}));
    assert_eq!(h.expect(r, "invoked")["ok"], "only once");
    h.cmd(r, json!({"op": "invoke", "channel": "once"}));
    let gone = h.expect(r, "invoked");
    assert_eq!(gone["message"], "No handler registered for 'once'");
    assert_eq!(
        gone["err"],
        "Error invoking remote method 'once': Error: No handler registered for 'once'"
    );
    // The channel is free again after handle_once answered.
    ipc.handle("once", |_, _| Ok("again")).unwrap();
    h.cmd(r, json!({"op": "invoke", "channel": "once"}));
    assert_eq!(h.expect(r, "invoked")["ok"], "again");
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
    // The fast answer arrives while the slow handler still waits.
    let first = h.expect(r, "invoked_async");
    assert_eq!(first["channel"], "fast", "{first}");
    assert_eq!(first["ok"], "fast");
    // Messages still flow both ways meanwhile.
    h.assert_alive(r);
    release.send(()).unwrap();
    let second = h.expect(r, "invoked_async");
    assert_eq!(second["channel"], "slow");
    assert_eq!(second["ok"], "slow");
}

fn invoke_order_with_send(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let ipc = h.main.ipc();
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    ipc.on("note", move |_, args| {
        seen.lock().unwrap().push(args.get::<String>(0)?);
        Ok(())
    });
    let seen = order.clone();
    ipc.handle("mark", move |_, args| {
        let mut seen = seen.lock().unwrap();
        seen.push(args.get::<String>(0)?);
        Ok(seen.len())
    })
    .unwrap();
    h.cmd(
        r,
        json!({"op": "steps", "steps": [
            {"op": "send", "channel": "note", "args": ["first"]},
            {"op": "invoke", "channel": "mark", "args": ["second"]},
            {"op": "send", "channel": "note", "args": ["third"]},
        ]}),
    );
    assert_eq!(h.expect(r, "invoked")["ok"], 2);
    barrier(h, r, "after the notes");
    assert_eq!(*order.lock().unwrap(), ["first", "second", "third"]);
}

fn invoke_many_renderers(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.main
        .ipc()
        .handle("who", |event, _| Ok(event.sender().id()))
        .unwrap();
    let mut renderers = vec![r.clone()];
    renderers.extend((0..3).map(|_| h.spawn()));
    for w in &renderers {
        h.cmd(w, json!({"op": "invoke", "channel": "who"}));
    }
    for w in &renderers {
        assert_eq!(h.expect(w, "invoked")["ok"], w.id());
    }
    for w in &renderers[1..] {
        w.close("the scenario is over");
    }
}

fn send_and_sync_order(c: &Ctx<'_>, r: &WebContents) {
    const BIG: usize = 2 * 1024 * 1024;
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    // Many small pairs, then fewer whose sends carry 2 MiB (on a page, send and sendSync go
    // by different transports).
    for (pairs, size) in [(300u64, 0usize), (200, BIG)] {
        h.cmd(
            r,
            json!({"op": "send_then_sync", "channel": "order", "n": pairs, "size": size}),
        );
        assert_eq!(
            h.expect(r, "done")["wrong"],
            json!([]),
            "each sendSync returned its number"
        );
        let mut order = Vec::new();
        for _ in 0..2 * pairs {
            let s = next_seen(&seen);
            assert_eq!(s.sender, r.id());
            if !s.sync {
                let want = if size == 0 { 0 } else { size + 2 };
                assert_eq!(s.big, want, "the send's second argument, as JSON text");
            }
            order.push((s.args[0].as_u64().unwrap(), s.sync));
        }
        let key = |(i, sync): (u64, bool)| 2 * i + sync as u64;
        let inversions = order.windows(2).filter(|w| key(w[0]) > key(w[1])).count();
        assert_eq!(inversions, 0, "order in main: {order:?}");
        let expected: Vec<_> = (0..pairs).flat_map(|i| [(i, false), (i, true)]).collect();
        assert_eq!(order, expected, "each message exactly once, in call order");
        barrier(h, r, "after the pairs");
        assert!(seen.try_recv().is_err(), "no duplicates");
    }
}

fn held_during_sync(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    h.listen(r, "listen", "told-meanwhile");
    h.cmd(
        r,
        json!({"op": "send_sync", "channel": "ask-while-sending"}),
    );
    // The messages main sent during the call are delivered after the call returned, in order
    // (reports travel in order: the sync result must come before any of them).
    let first = h.expect_where(r.id(), |m| m["event"] == "sync" || m["event"] == "message");
    let first = first.expect("a report");
    assert_eq!(first["event"], "sync", "sendSync returned first: {first}");
    assert_eq!(first["ok"], "answer");
    for k in 0..25 {
        let got = h.expect(r, "message");
        assert_eq!(
            got["args"],
            json!([k]),
            "all after sendSync returned, in send order"
        );
    }
}

fn send_to_other(c: &Ctx<'_>, r: &WebContents) {
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    let target = h.spawn();
    h.listen(&target, "listen", "direct");
    h.listen(r, "listen", "back");
    // An unknown id is logged and dropped by main (as in Electron).
    h.cmd(
        r,
        json!({"op": "send_to", "id": 999_999, "channel": "direct", "args": ["nobody"]}),
    );
    h.cmd(
        r,
        json!({"op": "send_to", "id": target.id(), "channel": "direct", "args": ["from a", {"n": 1}]}),
    );
    let got = h.expect(&target, "message");
    assert_eq!(got["args"], json!(["from a", {"n": 1}]));
    h.cmd(
        &target,
        json!({"op": "send_to", "id": r.id(), "channel": "back", "args": ["from rust", {"x": [1.5, null]}]}),
    );
    let got = h.expect(r, "message");
    assert_eq!(got["channel"], "back");
    assert_eq!(got["args"], json!(["from rust", {"x": [1.5, null]}]));
    assert_eq!(got["sender_is_self"], true);
    h.cmd(
        &target,
        json!({"op": "send_to", "id": 987_654_321, "channel": "to-nobody", "args": []}),
    );
    // Both links live on.
    for w in [r, &target] {
        h.cmd(
            w,
            json!({"op": "send", "channel": "in-order", "args": ["alive"]}),
        );
        let s = next_seen(&seen);
        assert_eq!((s.sender, s.args), (w.id(), json!(["alive"])));
        h.assert_alive(w);
    }
    assert!(!r.is_destroyed() && !target.is_destroyed());
    target.close("the scenario is over");
}

fn large_binary(c: &Ctx<'_>, r: &WebContents) {
    const SIZE: usize = 3 * 1024 * 1024;
    let h = c.h;
    let seen = c.seen.lock().unwrap();
    h.cmd(r, json!({"op": "send_big", "channel": "big", "size": SIZE}));
    assert_eq!(h.expect(r, "send_big")["err"], json!(null));
    let s = next_seen(&seen);
    assert_eq!(s.sender, r.id());
    assert_eq!(s.args, json!([{ "bytes": SIZE }]));
    let b = c.blobs.lock().unwrap().recv_timeout(PATIENCE).unwrap();
    assert_eq!(b.len(), SIZE);
    assert!(b.iter().all(|&x| x == 7));
}
