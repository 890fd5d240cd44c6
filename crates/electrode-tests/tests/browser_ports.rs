//! MessagePorts and pages (docs/adr/0019), in headless Chromium against a real main: a page
//! transfers ports to main with `ipcRenderer.postMessage(channel, message, [port])`, main
//! hands ports to pages with `WebContents::post_message` (its listeners get `event.ports`),
//! two pages talk over one `MessageChannelMain`, messages keep their order, closing reaches
//! the other end, and what cannot be sent throws.
//!
//! Chromium (156 here) fires the MessagePort `close` event only behind the
//! `MessagePortCloseEvent` Blink feature. Without it a page never hears that main closed a
//! port the page transferred, and main hears of the page closing that port's partner only
//! when the page goes away; for ports main gives a page the shim fires `close` itself and
//! reports the page's `close()`. With the feature (one test turns it on) close crosses both
//! ways for every port.

mod browser;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use browser::{App, Browser};
use electrode::{IpcMain, Main, MessageChannelMain, MessagePortMain, Value, ValueRules};
use electrode_tests::PATIENCE;
use serde_json::{json, Value as Json};

type Log = Arc<Mutex<Vec<Json>>>;

/// Waits until `f` gives something (main's side of a test).
fn wait_until<T>(what: &str, f: impl Fn() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn len(log: &Log) -> usize {
    log.lock().unwrap().len()
}

/// A main whose listener on `port` echoes on every port it is given (see [`echo_ports`]).
fn echoing_main() -> (IpcMain, Log, Arc<Mutex<Vec<MessagePortMain>>>) {
    let ipc = IpcMain::new();
    let log: Log = Arc::default();
    let held: Arc<Mutex<Vec<MessagePortMain>>> = Arc::default();
    echo_ports(&ipc, "port", &log, &held);
    (ipc, log, held)
}

/// A listener on `channel` that records `{message, ports}` in `log`, starts every port it
/// gets, records each port's messages (`{port: i, data}`) and echoes them back as
/// `{echo: data}`; the ports go to `held`, `closed` counts their `close` events.
fn echo_ports(ipc: &IpcMain, channel: &str, log: &Log, held: &Arc<Mutex<Vec<MessagePortMain>>>) {
    let (log, held) = (log.clone(), held.clone());
    ipc.on(channel, move |event, args| {
        let message: Json = args.get(0)?;
        log.lock()
            .unwrap()
            .push(json!({"message": message, "argc": args.len(), "ports": event.ports().len()}));
        for p in event.ports() {
            let i = {
                let mut held = held.lock().unwrap();
                held.push(p.clone());
                held.len() - 1
            };
            let (echo, log2, log3) = (p.clone(), log.clone(), log.clone());
            p.on_message(move |m| {
                let data: Json = m.data()?;
                log2.lock()
                    .unwrap()
                    .push(json!({"port": i, "data": data.clone()}));
                echo.post_message(&json!({ "echo": data }))?;
                Ok(())
            });
            p.on_close(move || log3.lock().unwrap().push(json!({"closed": i})));
            p.start();
        }
        Ok(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_transfers_a_port_main_echoes_in_order_and_closes_it() {
    let (ipc, log, held) = echoing_main();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    app.only_page();
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            const { port1, port2 } = new MessageChannel();
            window.replies = [];
            window.closed = false;
            port1.onmessage = (e) => window.replies.push(e.data);
            port1.addEventListener('close', () => { window.closed = true; });
            port1.postMessage('before'); // waits in port2, and follows it to main
            r.postMessage('port', { hello: 1 }, [port2]);
            for (let i = 0; i < 10; i++) port1.postMessage(i);
            window.keep = port1;
            return { handles: [...r._electrode.state.ports.keys()].map(String),
              nativeClose: 'onclose' in MessagePort.prototype };
            "#,
            vec![],
        )
        .await;
    // The transferred port is an even h (in main now); the shim keeps its partner, h + 1.
    // Pages start their handles at a random even number (ADR 0019), below main's range.
    let handles = r["handles"].as_array().unwrap();
    assert_eq!(handles.len(), 1, "{r}");
    let kept: u64 = handles[0].as_str().unwrap().parse().unwrap();
    assert!(kept % 2 == 1 && kept < 1 << 62, "{kept}");
    let native_close = r["nativeClose"] == json!(true);
    wait_until("main got the port and 11 messages on it", || {
        (len(&log) == 12).then_some(())
    });
    let mut expected = vec![
        json!({"message": {"hello": 1}, "argc": 1, "ports": 1}),
        json!({"port": 0, "data": "before"}),
    ];
    expected.extend((0..10).map(|i| json!({"port": 0, "data": i})));
    assert_eq!(
        *log.lock().unwrap(),
        expected,
        "in the order the page posted"
    );
    let replies = b
        .wait_for("window.replies.length === 11 && window.replies")
        .await;
    let mut echoes = vec![json!({"echo": "before"})];
    echoes.extend((0..10).map(|i| json!({"echo": i})));
    assert_eq!(replies, Json::Array(echoes), "main's replies in order");

    // Main closes its end: the shim drops its end of the page's port.
    held.lock().unwrap()[0].close();
    b.wait_for("ipcRenderer._electrode.state.ports.size === 0")
        .await;
    if native_close {
        b.wait_for("window.closed").await;
    } else {
        // This Chromium has no MessagePort 'close' event: the page's port1 sees nothing;
        // what it posts from now on goes nowhere.
        assert_eq!(b.run("return window.closed;", vec![]).await, json!(false));
    }
    b.run("window.keep.postMessage('after close');", vec![])
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(len(&log), 12, "nothing reached main after the close");
    assert!(held.lock().unwrap()[0].is_closed());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_crosses_both_ways_where_the_browser_has_close_events() {
    let (ipc, log, held) = echoing_main();
    let app = App::start(ipc);
    let b = Browser::start_with_args(&["--enable-blink-features=MessagePortCloseEvent"]).await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();
    let r = b
        .run(
            r#"
            window.closes = [];
            window.mine = [0, 1].map((i) => {
              const { port1, port2 } = new MessageChannel();
              port1.onclose = () => window.closes.push('mine ' + i);
              port1.start(); // Chromium fires 'close' on started ports only
              ipcRenderer.postMessage('port', i, [port2]);
              return port1;
            });
            ipcRenderer.on('given', (event) => {
              const p = event.ports[0];
              p.onclose = () => window.closes.push('given');
              p.start();
              window.given = p;
            });
            return 'onclose' in MessagePort.prototype;
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!(true), "the Blink feature is on");
    wait_until("main holds both ports", || {
        (held.lock().unwrap().len() == 2).then_some(())
    });
    // Main closes port 0: the page's partner fires 'close'.
    held.lock().unwrap()[0].close();
    assert_eq!(
        b.wait_for("window.closes.length === 1 && window.closes")
            .await,
        json!(["mine 0"])
    );
    // The page closes its partner of port 1: main's port fires 'close'.
    b.run("window.mine[1].close();", vec![]).await;
    wait_until("main's port 1 closed", || {
        log.lock()
            .unwrap()
            .contains(&json!({"closed": 1}))
            .then_some(())
    });
    // A port from main, closed by the page, then one closed by main.
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    let closed: Log = Arc::default();
    let c = closed.clone();
    port2.on_close(move || c.lock().unwrap().push(json!("main's end")));
    page.post_message("given", &(), &[port1]).unwrap();
    b.wait_for("window.given").await;
    b.run("window.given.close();", vec![]).await;
    wait_until("main's end closed", || (len(&closed) == 1).then_some(()));
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    b.run("window.given = null;", vec![]).await;
    page.post_message("given", &(), &[port1]).unwrap();
    b.wait_for("window.given").await;
    port2.close();
    assert_eq!(
        b.wait_for("window.closes.length === 2 && window.closes")
            .await,
        json!(["mine 0", "given"])
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_hands_ports_to_two_pages_and_messages_cross_in_order() {
    let ipc = IpcMain::new();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    // A second page: a same-origin iframe is its own WebContents with its own link.
    b.run(
        r#"
        const f = document.createElement('iframe');
        f.id = 'f';
        f.src = 'index.html?b';
        document.body.appendChild(f);
        "#,
        vec![],
    )
    .await;
    app.wait_for("two connected pages", |a| {
        let p = a.pages();
        (p.len() == 2 && p.iter().all(|w| w.is_ready())).then_some(())
    });
    b.wait_for("f.contentWindow.ipcRenderer && f.contentWindow.ipcRenderer._electrode.id && f.contentWindow.document.readyState === 'complete'")
        .await;
    let ids = b
        .run(
            "return [ipcRenderer._electrode.id, f.contentWindow.ipcRenderer._electrode.id];",
            vec![],
        )
        .await;
    let a = app.main.from_id(ids[0].as_u64().unwrap()).unwrap();
    let bp = app.main.from_id(ids[1].as_u64().unwrap()).unwrap();
    // Each page keeps what arrives on its ports, by channel.
    b.run(
        r#"
        for (const w of [window, f.contentWindow]) {
          w.portLog = {};
          w.ports = {};
          w.closes = [];
          w.ipcRenderer.on('port', function (event, name) {
            const p = event.ports[0];
            w.portLog[name] = [];
            w.ports[name] = p;
            w.eventShape = { keys: Object.keys(event).join(','), sender: event.sender === w.ipcRenderer,
              n: event.ports.length, isPort: p instanceof w.MessagePort };
            p.onmessage = (e) => w.portLog[name].push(e.data);
            p.addEventListener('close', () => w.closes.push(name));
          });
        }
        "#,
        vec![],
    )
    .await;

    // Main and page A: three messages wait in main's port1 before it moves (they follow it),
    // seven more after; then A answers on the port.
    let MessageChannelMain {
        port1: to_a,
        port2: in_main_end,
    } = MessageChannelMain::new();
    let in_main: Log = Arc::default();
    let l = in_main.clone();
    in_main_end.on_message(move |m| {
        l.lock().unwrap().push(m.data::<Json>()?);
        Ok(())
    });
    in_main_end.start();
    for i in 0..3 {
        in_main_end.post_message(&i).unwrap();
    }
    a.post_message("port", &"main", &[to_a]).unwrap();
    for i in 3..10 {
        in_main_end.post_message(&i).unwrap();
    }
    let got = b
        .wait_for("window.portLog.main && window.portLog.main.length === 10 && window.portLog.main")
        .await;
    assert_eq!(got, json!((0..10).collect::<Vec<_>>()));
    assert_eq!(
        b.run("return window.eventShape;", vec![]).await,
        json!({"keys": "sender,ports", "sender": true, "n": 1, "isPort": true}),
        "Electron 10+'s IpcRendererEvent has ports"
    );
    // Main's handles have the high bit set (beyond 2^53: BigInt in the shim).
    assert_eq!(
        b.run(
            "return [...ipcRenderer._electrode.state.ports.keys()].map((k) => [typeof k, k >= (1n << 63n)]);",
            vec![]
        )
        .await,
        json!([["bigint", true]])
    );
    b.run(
        "for (let i = 0; i < 10; i++) window.ports.main.postMessage({ a: i });",
        vec![],
    )
    .await;
    wait_until("main's port got 10 messages", || {
        (len(&in_main) == 10).then_some(())
    });
    assert_eq!(
        *in_main.lock().unwrap(),
        (0..10).map(|i| json!({ "a": i })).collect::<Vec<_>>()
    );

    // Page A and page B on one channel: main only relays, in order both ways.
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    a.post_message("port", &"ab", &[port1]).unwrap();
    bp.post_message("port", &"ab", &[port2]).unwrap();
    b.wait_for("window.ports.ab && f.contentWindow.ports.ab")
        .await;
    b.run(
        r#"
        for (let i = 0; i < 10; i++) {
          window.ports.ab.postMessage('from a ' + i);
          f.contentWindow.ports.ab.postMessage('from b ' + i);
        }
        "#,
        vec![],
    )
    .await;
    let got = b
        .wait_for(
            "window.portLog.ab.length === 10 && f.contentWindow.portLog.ab.length === 10 \
             && [window.portLog.ab, f.contentWindow.portLog.ab]",
        )
        .await;
    let from = |who: &str| {
        (0..10)
            .map(|i| format!("from {who} {i}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(got, json!([from("b"), from("a")]));

    // A closes its end: B's port fires 'close' (the shim fires it where Chromium has none),
    // after every message main relayed before.
    b.run(
        "window.ports.ab.postMessage('last'); window.ports.ab.close();",
        vec![],
    )
    .await;
    let got = b
        .wait_for("f.contentWindow.closes.length && [f.contentWindow.closes, f.contentWindow.portLog.ab.slice(-1)]")
        .await;
    assert_eq!(got, json!([["ab"], ["last"]]));
    assert_eq!(
        b.run(
            "return [ipcRenderer._electrode.state.ports.size, f.contentWindow.ipcRenderer._electrode.state.ports.size];",
            vec![]
        )
        .await,
        json!([1, 0]),
        "each shim dropped its end of 'ab'; A still holds 'main'"
    );
    // Main closes its end of the first channel: page A's port fires 'close'.
    in_main_end.close();
    assert_eq!(
        b.wait_for("window.closes.length && window.closes").await,
        json!(["main"])
    );
    assert_eq!(
        b.run("return ipcRenderer._electrode.state.ports.size;", vec![])
            .await,
        json!(0)
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_sent_or_moved_throws_and_sends_nothing() {
    let (ipc, log, _held) = echoing_main();
    ipc.on("done?", move |event, _| {
        event.set_return_value(true)?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();
    let MessageChannelMain {
        port1,
        port2: _main_end,
    } = MessageChannelMain::new();
    b.run(
        "ipcRenderer.on('given', (e) => { window.given = e.ports[0]; });",
        vec![],
    )
    .await;
    page.post_message("given", &(), &[port1]).unwrap();
    b.wait_for("window.given").await;
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            const err = (f) => { try { f(); return null; } catch (e) { return e.name + ': ' + e.message; } };
            const a = new MessageChannel();
            const moved = new MessageChannel();
            r.postMessage('port', 'moved', [moved.port2]);
            const out = {
              // On a port: the browser's structured clone refuses before anything moves.
              fnOnPort: err(() => moved.port1.postMessage(() => {})),
              symbolOnGiven: err(() => window.given.postMessage(Symbol('s'))),
              notArray: err(() => r.postMessage('port', 1, a.port1)),
              notPort: err(() => r.postMessage('port', 1, [{}])),
              twice: err(() => r.postMessage('port', 1, [a.port1, a.port1])),
              again: err(() => r.postMessage('port', 1, [moved.port2])),
              fromMain: err(() => r.postMessage('port', 1, [window.given])),
              tooMany: err(() => r.postMessage('port', 1, Array.from({ length: 65 }, () => new MessageChannel().port1))),
            };
            // a.port1 was not moved by the refused calls: it still transfers.
            r.postMessage('port', 'a', [a.port1]);
            out.done = r.sendSync('done?');
            return out;
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({
            "fnOnPort": "DataCloneError: Failed to execute 'postMessage' on 'MessagePort': () => {} could not be cloned.",
            "symbolOnGiven": "DataCloneError: Failed to execute 'postMessage' on 'MessagePort': Symbol(s) could not be cloned.",
            "notArray": "TypeError: ipcRenderer.postMessage(\"port\"): the transfer list must be an array of MessagePorts",
            "notPort": "TypeError: ipcRenderer.postMessage(\"port\"): transfer[0] is not a MessagePort",
            "twice": "DataCloneError: Failed to execute 'structuredClone' on 'Window': Message port at index 1 is a duplicate of an earlier port.",
            "again": "DataCloneError: Failed to execute 'structuredClone' on 'Window': Port at index 0 is already neutered.",
            "fromMain": "Error: ipcRenderer.postMessage(\"port\"): transfer[0] is a port received from main, which cannot be transferred again yet (Electrode)",
            "tooMany": "Error: ipcRenderer.postMessage(\"port\"): 65 ports in one message; the most is 64",
            "done": true
        })
    );
    assert_eq!(
        *log.lock().unwrap(),
        [
            json!({"message": "moved", "argc": 1, "ports": 1}),
            json!({"message": "a", "argc": 1, "ports": 1})
        ],
        "the refused calls sent nothing"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_structured_clone_rules_ports_carry_clone_values_and_refuse_the_rest() {
    electrode_tests::init_tracing();
    let ipc = IpcMain::new();
    let values: Arc<Mutex<Vec<Value>>> = Arc::default();
    let held: Arc<Mutex<Vec<MessagePortMain>>> = Arc::default();
    let (v, h) = (values.clone(), held.clone());
    ipc.on("port", move |event, args| {
        v.lock().unwrap().push(args.value(0)?);
        for p in event.ports() {
            let v = v.clone();
            p.on_message(move |m| {
                v.lock().unwrap().push(m.args().value(0)?);
                Ok(())
            });
            p.start();
            h.lock().unwrap().push(p.clone());
        }
        Ok(())
    });
    let main = Main::builder()
        .ipc(ipc)
        .values(ValueRules::StructuredClone)
        .start()
        .expect("main starts");
    let app = App::serve(Arc::new(main));
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    app.only_page();
    b.wait_for("ipcRenderer._electrode.valueRules === 'structured-clone'")
        .await;
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            const c = new MessageChannel();
            let thrown = null;
            try { r.postMessage('port', () => {}, [c.port2]); } catch (e) { thrown = e.message; }
            // Refused before anything moved: the port still transfers.
            r.postMessage('port', new Map([[1, 'one']]), [c.port2]);
            window.errors = [];
            const error = console.error;
            console.error = (...a) => { window.errors.push(a.join(' ')); error.apply(console, a); };
            c.port1.postMessage(new Set([1n]));
            c.port1.postMessage(new Blob(['x'])); // the browser clones it; main's rules cannot
            c.port1.postMessage(new Date(0));
            window.keep = c.port1;
            return thrown;
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!("An object could not be cloned."));
    wait_until("main got the message and two port messages", || {
        (values.lock().unwrap().len() == 3).then_some(())
    });
    let got = values.lock().unwrap().clone();
    assert!(matches!(&got[0], Value::Map(m) if m.len() == 1), "{got:?}");
    assert!(matches!(&got[1], Value::Set(s) if s.len() == 1), "{got:?}");
    assert!(matches!(&got[2], Value::Date(_)), "{got:?}");
    let errors = b.wait_for("window.errors.length && window.errors").await;
    assert!(
        errors[0].as_str().unwrap().contains(
            "a message on a MessagePort was not sent to main: An object could not be cloned."
        ),
        "{errors}"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_message_without_ports_is_one_message() {
    let ipc = IpcMain::new();
    let got: Arc<Mutex<Vec<(Json, usize, usize)>>> = Arc::default();
    let log = got.clone();
    ipc.on("pm", move |event, args| {
        log.lock()
            .unwrap()
            .push((args.get(0)?, args.len(), event.ports().len()));
        Ok(())
    });
    ipc.on("done?", move |event, _| {
        event.set_return_value(true)?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            r.on('hello', (event, m) => { window.got = [m, Object.keys(event).join(',')]; });
            r.postMessage('pm', { a: 1 });
            r.postMessage('pm', 'two', []);
            r.postMessage('pm', 'three', null);
            return r.sendSync('done?');
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!(true));
    assert_eq!(
        *got.lock().unwrap(),
        [
            (json!({"a": 1}), 1, 0),
            (json!("two"), 1, 0),
            (json!("three"), 1, 0)
        ]
    );
    // Main's post_message without ports is a message like any other (Electron 1.7.8's event).
    page.post_message("hello", &"no ports", &[]).unwrap();
    let seen = b.wait_for("window.got").await;
    assert_eq!(seen, json!(["no ports", "sender"]));
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_that_reloads_loses_its_ports_and_transfers_new_ones() {
    let (ipc, log, held) = echoing_main();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("host.html")).await;
    let host = app.only_page();
    let g = app.wait_for("a connected guest", |a| {
        let g = a.guests_of(host.id());
        (g.len() == 1 && g[0].is_ready()).then(|| g[0].clone())
    });
    let guest = "guestOf(document.getElementById('wv'))";
    b.wait_for(&format!(
        "{guest} && {guest}.document.readyState === 'complete'"
    ))
    .await;
    let transfer = format!(
        "const w = {guest}; const c = new MessageChannel(); w.keep = c.port1; \
         w.ipcRenderer.postMessage('port', 'from guest', [c.port2]);"
    );
    b.run(&transfer, vec![]).await;
    wait_until("main holds the guest's first port", || {
        (held.lock().unwrap().len() == 1).then_some(())
    });
    b.run(&format!("{guest}.location.reload();"), vec![]).await;
    wait_until("the old page's port closed with its link", || {
        log.lock()
            .unwrap()
            .contains(&json!({"closed": 0}))
            .then_some(())
    });
    b.wait_for(&format!(
        "(() => {{ const w = {guest}; return w && w.ipcRenderer && w.guestLog && w.document.readyState === 'complete' \
         && w.ipcRenderer._electrode.state.open; }})()"
    ))
    .await;
    // The new page transfers again and keeps working: main closed the old page's ports.
    b.run(&transfer, vec![]).await;
    wait_until("main holds the new page's port", || {
        (held.lock().unwrap().len() == 2).then_some(())
    });
    assert!(
        g.is_ready(),
        "the guest was not closed for reusing a handle"
    );
    b.run(&format!("{guest}.keep.postMessage('hi');"), vec![])
        .await;
    wait_until("the new port works", || {
        log.lock()
            .unwrap()
            .contains(&json!({"port": 1, "data": "hi"}))
            .then_some(())
    });
    b.close().await;
}
