//! The shim's side of the bridge protocol against the real bridge, where the rest of the
//! browser tests do not already pin it: sends made before the WebSocket opens, a large send
//! still buffered when a `sendSync` starts, main closing a page, and `sendSync` during page
//! dismissal (synthetic lifecycle events and a real navigation).

mod browser;

use std::sync::{Arc, Mutex};

use browser::{App, Browser};
use bytes::Bytes;
use electrode::{Args, BoxError, IpcMain};
use electrode_tests::PATIENCE;
use serde::Serialize;
use serde_json::{json, Value as Json};

/// What main's `sync-echo` listener was asked, in order.
type Asked = Arc<Mutex<Vec<Json>>>;

/// `sync-echo` answers a `sendSync` with its own arguments and remembers them.
fn sync_echo(ipc: &IpcMain) -> Asked {
    let asked: Asked = Arc::default();
    let log = asked.clone();
    ipc.on("sync-echo", move |event, args| {
        let list = (0..args.len())
            .map(|i| args.get::<Json>(i))
            .collect::<Result<Vec<_>, _>>()?;
        log.lock().unwrap().push(Json::Array(list.clone()));
        event.set_return_value(list)?;
        Ok(())
    });
    asked
}

/// Keeps what `read` makes of each message on `channel`; a `sendSync` on `query` answers
/// with everything kept so far.
fn recorded<T: Serialize + Clone + Send + 'static>(
    ipc: &IpcMain,
    channel: &str,
    query: &str,
    read: impl Fn(&Args) -> Result<T, BoxError> + Send + Sync + 'static,
) -> Arc<Mutex<Vec<T>>> {
    let kept: Arc<Mutex<Vec<T>>> = Arc::default();
    let log = kept.clone();
    ipc.on(channel, move |_, args| {
        log.lock().unwrap().push(read(args)?);
        Ok(())
    });
    let log = kept.clone();
    ipc.on(query, move |event, _| {
        let seen = log.lock().unwrap().clone();
        event.set_return_value(seen)?;
        Ok(())
    });
    kept
}

fn unload_error(channel: &str) -> String {
    format!(
        "ipcRenderer.sendSync('{channel}') cannot run during unload/pagehide: browsers forbid synchronous requests there"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_from_the_first_script_reach_main_once_ahead_of_its_send_sync() {
    let ipc = IpcMain::new();
    let log = recorded(&ipc, "q", "log?", |args| Ok(args.get::<u64>(0)?));
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("first-script.html")).await;
    let page = app.only_page();
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            return { early, require: [require('electron').ipcRenderer === r, require('x'), require.config],
              id: r._electrode.id, token: r._electrode.token, guest: r._electrode.isGuest };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r["early"],
        json!({"open": false, "log": [1, 2]}),
        "queued before the socket opened, dispatched before the sendSync that followed them"
    );
    assert_eq!(
        r["require"],
        json!([true, "orig:x", 42]),
        "the page's own require is kept; only 'electron' is the shim's"
    );
    assert_eq!(r["id"], json!(page.id()));
    // The bridge's token is `<id>.<secret hex>`; the page presents it as it got it.
    let token = r["token"].as_str().unwrap();
    let secret = token
        .strip_prefix(&format!("{}.", page.id()))
        .unwrap_or_else(|| panic!("{token}"));
    assert!(
        secret.len() >= 32 && secret.bytes().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    assert_eq!(r["guest"], false);

    // The socket opening later must not deliver the carried sends a second time.
    b.wait_for("ipcRenderer._electrode.state.open").await;
    let after = b
        .run(
            "ipcRenderer.send('q', 3); return ipcRenderer.sendSync('log?');",
            vec![],
        )
        .await;
    assert_eq!(after, json!([1, 2, 3]));
    assert_eq!(*log.lock().unwrap(), [1, 2, 3]);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_arguments_a_big_send_before_send_sync_and_a_close_by_main() {
    let ipc = IpcMain::new();
    ipc.on("echo", |event, args| {
        // As received: the page's conversion is what comes back.
        event.sender().send_args("echo", args.clone())?;
        Ok(())
    });
    let big = recorded(&ipc, "big", "big?", |args| {
        let b: Bytes = args.get(0)?;
        Ok(json!([b.len(), b.first(), b.last()]))
    });
    ipc.on("unit", |event, _| {
        event.set_return_value(())?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();

    let got = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const r = ipcRenderer;
            r.once('echo', function (event, a, bytes, none) {
              done({ keys: Object.keys(event), sender: event.sender === r, self: this === r, n: arguments.length,
                a, bytes: bytes instanceof Uint8Array ? Array.from(bytes) : String(bytes), none });
            });
            r.send('echo', { b: 1, a: 2, n: NaN, d: new Date(0) }, new Uint8Array([1, 2]), undefined);
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        got,
        json!({"keys": ["sender"], "sender": true, "self": true, "n": 4,
            "a": {"a": 2, "b": 1, "d": "1970-01-01T00:00:00.000Z", "n": 0}, "bytes": [1, 2], "none": null})
    );

    // 8 MiB cannot leave the socket's buffer before the sendSync's XHR starts, so the
    // request has to carry it; main must have it, whole, when the call is answered.
    let r = b
        .run(
            r#"
            const big = new Uint8Array(8 * 1024 * 1024);
            big[0] = 7;
            big[big.length - 1] = 9;
            ipcRenderer.send('big', big);
            const buffered = ipcRenderer._electrode.state.ws.bufferedAmount;
            return { buffered, seen: ipcRenderer.sendSync('big?'), unit: ipcRenderer.sendSync('unit') };
            "#,
            vec![],
        )
        .await;
    assert!(
        r["buffered"].as_u64().unwrap() > 0,
        "the send had left the page before the sendSync: {r}"
    );
    assert_eq!(r["seen"], json!([[8 * 1024 * 1024, 7, 9]]), "{r}");
    assert_eq!(r["unit"], json!(null), "main's () is null, as JSON has it");
    assert_eq!(big.lock().unwrap().len(), 1, "dispatched once");

    // Main closes the page: the shim knows why, and later calls say so.
    page.close("bye from main");
    b.wait_for("ipcRenderer._electrode.goneReason !== null")
        .await;
    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            let thrown = null;
            try { r.sendSync('big?'); } catch (e) { thrown = e instanceof Error ? e.message : 'not an Error'; }
            const warnings = [];
            const warn = console.warn;
            console.warn = (...a) => warnings.push(a.join(' '));
            try { r.send('echo', 1); } finally { console.warn = warn; }
            return { reason: r._electrode.goneReason, thrown, warnings };
            "#,
            vec![],
        )
        .await;
    let reason = r["reason"].as_str().unwrap();
    assert!(reason.contains("bye from main"), "{r}");
    assert_eq!(
        r["thrown"],
        json!(format!("main process is gone: {reason}"))
    );
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{r}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("dropped: main process is gone"),
        "{r}"
    );
    assert!(page.is_destroyed());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_sync_is_refused_during_pagehide_and_beforeunload_and_works_again_after() {
    let ipc = IpcMain::new();
    let asked = sync_echo(&ipc);
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    app.only_page();
    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const r = ipcRenderer;
            const attempt = (arg) => {
              try { return ['returned', r.sendSync('sync-echo', arg)]; } catch (e) { return ['threw', e.message]; }
            };
            const out = {};
            window.dispatchEvent(new Event('pagehide'));
            out.pagehide = attempt('during pagehide');
            window.dispatchEvent(new Event('pageshow'));
            out.pageshow = attempt('after pageshow');
            window.dispatchEvent(new Event('beforeunload'));
            out.beforeunload = attempt('during beforeunload');
            // A beforeunload that nobody follows with a navigation (cancelled) ends with its task.
            setTimeout(() => { out.later = attempt('after beforeunload'); done(out); }, 20);
            "#,
            vec![],
        )
        .await;
    let refused = json!(["threw", unload_error("sync-echo")]);
    assert_eq!(
        r,
        json!({
            "pagehide": refused,
            "pageshow": ["returned", ["after pageshow"]],
            "beforeunload": refused,
            "later": ["returned", ["after beforeunload"]],
        })
    );
    assert_eq!(
        *asked.lock().unwrap(),
        [json!(["after pageshow"]), json!(["after beforeunload"])],
        "the refused calls never reached main"
    );
    b.close().await;
}

/// The notes `unload.html` kept in this tab, by where they were made; clears them.
async fn take_notes(b: &Browser) -> Vec<(String, String)> {
    let notes = b
        .run(
            "const n = JSON.parse(sessionStorage.getItem('notes') || '[]'); sessionStorage.removeItem('notes'); return n;",
            vec![],
        )
        .await;
    let notes: Vec<String> = serde_json::from_value(notes).unwrap();
    notes
        .iter()
        .map(|n| {
            let (k, v) = n.split_once(": ").unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn note<'a>(notes: &'a [(String, String)], where_: &str) -> Option<&'a str> {
    let found: Vec<_> = notes.iter().filter(|(k, _)| k == where_).collect();
    assert!(found.len() <= 1, "{where_} ran twice: {notes:?}");
    found.first().map(|(_, v)| v.as_str())
}

/// Waits until the page that replaced `old` in the tab is connected.
async fn replaced(app: &App, old: &electrode::WebContents) {
    old.wait_destroyed(PATIENCE)
        .expect("the page left behind is destroyed");
    app.only_page();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_sync_during_a_real_page_dismissal_throws_the_shim_s_error_and_never_reaches_main() {
    let ipc = IpcMain::new();
    let asked = sync_echo(&ipc);
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("unload.html")).await;
    let first = app.only_page();
    b.wait_for("sessionStorage.getItem('notes')").await;
    assert_eq!(
        take_notes(&b).await,
        [("load".to_string(), r#"returned ["ok"]"#.to_string())],
        "sendSync works at load"
    );
    let threw = format!("threw {}", unload_error("sync-echo"));

    // A reload is a dismissal the browser never keeps in its back/forward cache: it refuses
    // the synchronous XHR itself, so even the listener that runs before the shim's own gets
    // the shim's error, not the browser's NetworkError.
    b.run("location.reload();", vec![]).await;
    replaced(&app, &first).await;
    let notes = take_notes(&b).await;
    eprintln!("notes of the reload: {notes:?}");
    assert_eq!(
        note(&notes, "persisted"),
        Some("returned false"),
        "{notes:?}"
    );
    for where_ in ["beforeunload", "pagehide-browser", "pagehide"] {
        assert_eq!(
            note(&notes, where_),
            Some(threw.as_str()),
            "{where_}: {notes:?}"
        );
    }
    // Browsers differ on whether the page is still visible when it is dismissed: the call
    // either did not happen or got the same error.
    let vc = note(&notes, "visibilitychange");
    assert!(vc.is_none() || vc == Some(threw.as_str()), "{notes:?}");
    assert_eq!(
        note(&notes, "load"),
        Some(r#"returned ["ok"]"#),
        "{notes:?}"
    );
    assert_eq!(
        *asked.lock().unwrap(),
        [json!(["ok"]), json!(["ok"])],
        "only the calls at load reached main"
    );

    // Navigating away, as an app does (a link, location.href). Chromium may keep the page
    // in its back/forward cache; entering it is no dismissal to the browser, which then lets
    // a synchronous XHR through, but only a listener that runs before the shim's can make
    // one: from the shim's pagehide on, the shim refuses, and it closes the page's link.
    let second = app.only_page();
    b.run("location.href = 'index.html?after-unload';", vec![])
        .await;
    replaced(&app, &second).await;
    let notes = take_notes(&b).await;
    eprintln!("notes of the navigation: {notes:?}");
    for where_ in ["beforeunload", "pagehide"] {
        assert_eq!(
            note(&notes, where_),
            Some(threw.as_str()),
            "{where_}: {notes:?}"
        );
    }
    let vc = note(&notes, "visibilitychange");
    assert!(vc.is_none() || vc == Some(threw.as_str()), "{notes:?}");
    let mut expected = vec![json!(["ok"]), json!(["ok"])];
    match (note(&notes, "persisted"), note(&notes, "pagehide-browser")) {
        (Some("returned true"), Some(r#"returned ["ph-browser"]"#)) => {
            expected.push(json!(["ph-browser"]))
        }
        (Some(_), Some(got)) => assert_eq!(got, threw, "{notes:?}"),
        other => panic!("no pagehide: {other:?} in {notes:?}"),
    }
    assert_eq!(*asked.lock().unwrap(), expected, "{notes:?}");
    b.close().await;
}
