//! Every `ipcRenderer` method a page may call (the JavaScript API surface: chaining,
//! `addListener`, `this`, the event's keys, `setMaxListeners`, unbound calls, argument checks),
//! and page reloads, with a real page in headless Chromium against a real main process. The
//! `sendSync` reply rules are main's view, the same on every renderer: `conformance.rs`.

mod browser;

use browser::{record, App, Browser};
use electrode::{ArgList, Error, IpcMain};
use electrode_tests::PATIENCE;
use serde_json::{json, Value as Json};

/// Main sends `args[1]` (a list) back to the page on channel `args[0]`.
fn echo_back(ipc: &IpcMain) {
    ipc.on("please-send", |event, args| {
        let channel: String = args.get(0)?;
        let list: Vec<Json> = args.get(1)?;
        event.sender().send(&channel, &ArgList(list))?;
        Ok(())
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_renderer_method() {
    let ipc = IpcMain::new();
    echo_back(&ipc);
    let seen = record(&ipc, &["m"]);
    ipc.on("m-sync", |event, args| {
        let q: String = args.get(0)?;
        event.set_return_value(format!("answer to {q} from {}", event.sender().id()))?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();

    // on, addListener, once: chaining, counts, names; listeners get (event, ...args) with
    // event = { sender: ipcRenderer } and nothing else (1.7.8).
    let r = b
        .run(
            r#"
            window.log = [];
            const ipc = require('electron').ipcRenderer;
            const rec = (name) => function (e, ...a) {
              log.push([name, a, e.sender === ipc, Object.keys(e).join(','), this === ipc]);
            };
            window.f1 = rec('f1'); window.f2 = rec('f2'); window.f3 = rec('f3');
            const chain = ipc.on('a', f1) === ipc && ipc.addListener('a', f2) === ipc
              && ipc.once('a', f3) === ipc;
            const before = ipc.listenerCount('a');
            ipc.send('please-send', 'a', [1, 'x']);
            ipc.send('please-send', 'a', [2]);
            ipc.send('please-send', 'done', []);
            ipc.once('done', () => log.push(['done']));
            return { chain, before, names: ipc.eventNames(), undef: ipc.send('please-send', 'x', []) === undefined };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({"chain": true, "before": 3, "names": ["a", "done"], "undef": true})
    );
    b.wait_for("log.length && log[log.length - 1][0] === 'done'")
        .await;
    let r = b
        .run(
            "return { log, count: ipcRenderer.listenerCount('a'), names: ipcRenderer.eventNames() };",
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({
            "log": [
                ["f1", [1, "x"], true, "sender", true],
                ["f2", [1, "x"], true, "sender", true],
                ["f3", [1, "x"], true, "sender", true],
                ["f1", [2], true, "sender", true],
                ["f2", [2], true, "sender", true],
                ["done"]
            ],
            "count": 2,
            "names": ["a"]
        }),
        "once fired once and removed itself; on/addListener fired every time"
    );

    // removeListener: a plain listener, and a once listener before it fired.
    let r = b
        .run(
            r#"
            const ipc = ipcRenderer;
            log.length = 0;
            const chain = ipc.removeListener('a', f1) === ipc;
            ipc.once('a', f3);
            ipc.removeListener('a', f3);
            ipc.removeListener('a', () => {}); // not there: no effect
            const count = ipc.listenerCount('a');
            ipc.send('please-send', 'a', [3]);
            ipc.send('please-send', 'done', []);
            ipc.once('done', () => log.push(['done']));
            return { chain, count };
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!({"chain": true, "count": 1}));
    b.wait_for("log.length && log[log.length - 1][0] === 'done'")
        .await;
    assert_eq!(
        b.run("return log;", vec![]).await,
        json!([["f2", [3], true, "sender", true], ["done"]])
    );

    // removeAllListeners(channel), then removeAllListeners() (1.7.8 threw; Electrode clears all).
    let r = b
        .run(
            r#"
            const ipc = ipcRenderer;
            log.length = 0;
            ipc.on('b', f1); ipc.on('c', f1); ipc.on('c', f2);
            const chain = ipc.removeAllListeners('a') === ipc;
            const afterOne = ipc.eventNames();
            ipc.removeAllListeners();
            const afterAll = ipc.eventNames();
            ipc.send('please-send', 'a', [4]);
            ipc.send('please-send', 'b', [4]);
            ipc.send('please-send', 'c', [4]);
            ipc.send('please-send', 'done', []);
            ipc.once('done', () => log.push(['done']));
            return { chain, afterOne, afterAll, counts: [ipc.listenerCount('a'), ipc.listenerCount('b'), ipc.listenerCount('c')] };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({"chain": true, "afterOne": ["b", "c"], "afterAll": [], "counts": [0, 0, 0]})
    );
    b.wait_for("log.length && log[log.length - 1][0] === 'done'")
        .await;
    assert_eq!(b.run("return log;", vec![]).await, json!([["done"]]));

    // setMaxListeners: the leak warning past the limit (a warning, the listener still works).
    let r = b
        .run(
            r#"
            const ipc = ipcRenderer;
            const warnings = [];
            const warn = console.warn;
            console.warn = (...a) => warnings.push(String(a[0]));
            try {
              const chain = ipc.setMaxListeners(1) === ipc;
              const max = ipc.getMaxListeners();
              ipc.on('d', f1);
              const one = warnings.length;
              ipc.on('d', f2);
              const two = warnings.length;
              ipc.setMaxListeners(0);
              ipc.on('e', f1); ipc.on('e', f2); ipc.on('e', f3);
              let bad = null;
              try { ipc.setMaxListeners(-1); } catch (e) { bad = e instanceof TypeError; }
              ipc.setMaxListeners(10);
              return { chain, max, one, two, after: warnings.length, text: warnings[0] || '', count: ipc.listenerCount('d'), bad };
            } finally {
              console.warn = warn;
              ipc.removeAllListeners();
            }
            "#,
            vec![],
        )
        .await;
    assert_eq!(r["chain"], true);
    assert_eq!(r["max"], 1);
    assert_eq!(
        (&r["one"], &r["two"], &r["after"]),
        (&json!(0), &json!(1), &json!(1))
    );
    assert!(
        r["text"]
            .as_str()
            .unwrap()
            .contains("MaxListenersExceededWarning"),
        "{r}"
    );
    assert_eq!(r["count"], 2);
    assert_eq!(r["bad"], true);

    // send and sendSync, as main sees them: sender, kind, arguments, order.
    let r = b
        .run(
            r#"
            const ipc = ipcRenderer;
            const a = ipc.send('m', 1, 'two', { three: 3 });
            ipc.send('m');
            const answer = ipc.sendSync('m-sync', 'q');
            const { send } = ipc; // works unbound, as in Electron
            send('m', 'unbound');
            let missing = null;
            try { ipc.send(undefined, 1); } catch (e) { missing = e.message; }
            return { a: a === undefined, answer, missing };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({"a": true, "answer": format!("answer to q from {}", page.id()), "missing": "Missing required channel argument"})
    );
    let m1 = seen.next();
    assert_eq!((m1.sender, m1.sync), (page.id(), false));
    assert_eq!(m1.values.len(), 3);
    assert_eq!(
        (m1.arg(0), m1.arg(1), m1.arg(2)),
        (json!(1), json!("two"), json!({"three": 3}))
    );
    let m2 = seen.next();
    assert!(m2.values.is_empty(), "send('m') has no arguments");
    let m3 = seen.next();
    assert_eq!(m3.arg(0), json!("unbound"));

    // sendTo (undocumented in 1.7.8): to a WebContents by id, here the page itself.
    let r = b
        .run(
            r#"
            const ipc = ipcRenderer;
            window.selfLog = [];
            ipc.on('self', (e, ...a) => selfLog.push([a, e.sender === ipc]));
            ipc.sendTo(arguments[0], 'self', 5, { six: [6] });
            let typeErr = null;
            try { ipc.sendTo(String(arguments[0]), 'self', 1); } catch (e) { typeErr = [e instanceof TypeError, e.message]; }
            return typeErr;
            "#,
            vec![json!(page.id())],
        )
        .await;
    assert_eq!(r, json!([true, "First argument has to be webContentsId"]));
    b.wait_for("selfLog.length").await;
    assert_eq!(
        b.run("return selfLog;", vec![]).await,
        json!([[[5, {"six": [6]}], true]])
    );

    // sendToHost from a page that is not a <webview> guest: dropped with a console warning.
    let r = b
        .run(
            r#"
            const warnings = [];
            const warn = console.warn;
            console.warn = (...a) => warnings.push(String(a[0]));
            try { ipcRenderer.sendToHost('host-ch', 1); } finally { console.warn = warn; }
            ipcRenderer.send('m', 'after sendToHost');
            return warnings;
            "#,
            vec![],
        )
        .await;
    assert!(
        r[0].as_str().unwrap().contains("not a <webview> guest"),
        "{r}"
    );
    assert_eq!(
        seen.next().arg(0),
        json!("after sendToHost"),
        "nothing else reached main"
    );
    b.close().await;
}

fn listener_total(ipc: &IpcMain) -> usize {
    ipc.channels().iter().map(|c| ipc.listener_count(c)).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_destroys_the_old_web_contents_and_creates_a_new_one() {
    let ipc = IpcMain::new();
    echo_back(&ipc);
    let seen = record(&ipc, &["hello"]);
    ipc.on("who", |event, _| {
        event.set_return_value(event.sender().id())?;
        Ok(())
    });
    let app = App::start(ipc.clone());
    let listeners = listener_total(&ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let mut old = app.only_page();
    for round in 0..3 {
        // The page registers listeners and talks to main, then goes away.
        b.run(
            "record('x'); record('y'); ipcRenderer.send('hello', 'before reload'); ipcRenderer.send('please-send', 'x', [1]);",
            vec![],
        )
        .await;
        assert_eq!(seen.next().sender, old.id());
        b.wait_for("received.length").await;
        b.reload().await;
        let reason = old
            .wait_destroyed(PATIENCE)
            .expect("the old page's WebContents is destroyed");
        assert!(reason.contains("disconnected"), "round {round}: {reason}");
        assert!(app.main.from_id(old.id()).is_none());
        assert!(matches!(old.send("x", &(1,)), Err(Error::Destroyed { .. })));
        let new = app.only_page();
        assert!(new.id() > old.id(), "a new id, never reused");
        assert_eq!(
            b.run("return ipcRenderer.sendSync('who');", vec![]).await,
            json!(new.id())
        );
        assert_eq!(
            b.run("return received.length;", vec![]).await,
            json!(0),
            "the new page starts clean"
        );
        assert_eq!(app.main.web_contents().len(), 1, "no WebContents leaked");
        assert_eq!(listener_total(&ipc), listeners, "no main listener leaked");
        old = new;
    }
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigating_away_and_back_gives_a_new_web_contents() {
    let ipc = IpcMain::new();
    ipc.on("who", |event, _| {
        event.set_return_value(event.sender().id())?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let first = app.only_page();
    // Navigating away destroys the page's WebContents, also when Chromium keeps the page in
    // its back/forward cache.
    b.open(&app.url("index.html?second")).await;
    let reason = first
        .wait_destroyed(PATIENCE)
        .expect("the page left behind is destroyed");
    assert!(reason.contains("disconnected"), "{reason}");
    let second = app.only_page();
    // Coming back (possibly from the back/forward cache) gives a working page with a new id.
    b.client.back().await.expect("history back");
    second
        .wait_destroyed(PATIENCE)
        .expect("the page left behind is destroyed");
    let third = app.only_page();
    assert!(third.id() > second.id());
    assert_eq!(
        b.run(
            "return [location.search, ipcRenderer.sendSync('who')];",
            vec![]
        )
        .await,
        json!(["", third.id()])
    );
    assert_eq!(app.main.web_contents().len(), 1);
    b.close().await;
}
