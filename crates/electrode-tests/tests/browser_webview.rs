//! `<webview>` in a browser: the guest page is its own `WebContents`; `sendToHost` fires
//! `ipc-message` on the element, `webview.send` reaches the guest's `ipcRenderer`.

mod browser;

use browser::{record, App, Browser};
use electrode::{IpcMain, WebContents};
use electrode_tests::PATIENCE;
use serde_json::json;

/// The one guest of `host` that main knows, once it is connected (or, with `ready` false, as
/// soon as it exists).
fn guest(app: &App, host: &WebContents, ready: bool) -> WebContents {
    app.wait_for("a <webview> guest", |a| {
        let g = a.guests_of(host.id());
        (g.len() == 1 && (!ready || g[0].is_ready())).then(|| g[0].clone())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_and_host_talk_both_ways_and_removal_destroys_the_guest() {
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["progress", "marker"]);
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("host.html")).await;
    let host = app.only_page();
    let g = guest(&app, &host, true);
    assert_eq!(g.embedder().map(WebContents::id), Some(host.id()));
    b.wait_for("guestOf(document.getElementById('wv'))").await;
    assert_eq!(
        b.run(
            "return guestOf(document.getElementById('wv')).ipcRenderer._electrode.id;",
            vec![]
        )
        .await,
        json!(g.id()),
        "the guest page is the guest WebContents"
    );
    // Electron's element defaults, and the guest page in a named iframe inside the element.
    let r = b
        .run(
            r#"
            const wv = document.getElementById('wv');
            const frame = wv.querySelector('iframe');
            const cs = getComputedStyle(wv);
            return { name: frame.name.startsWith('electrode-guest:'), inside: frame.parentNode === wv,
              guest: guestOf(wv).ipcRenderer._electrode.isGuest, host: ipcRenderer._electrode.isGuest,
              display: cs.display, size: cs.width + 'x' + cs.height };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({"name": true, "inside": true, "guest": true, "host": false, "display": "inline-flex", "size": "300pxx150px"})
    );
    b.wait_for("domReady.wv").await;

    // Guest → host: sendToHost fires 'ipc-message' on the element; ipcMain does not see it.
    b.run(
        r#"
        const gw = guestOf(document.getElementById('wv'));
        gw.ipcRenderer.sendToHost('progress', 0.5, { done: false }, gw.Uint8Array.of(1, 2));
        gw.ipcRenderer.send('marker', 'after sendToHost');
        "#,
        vec![],
    )
    .await;
    let marker = seen.next();
    assert_eq!(
        (marker.channel.as_str(), marker.sender),
        ("marker", g.id()),
        "sendToHost did not reach ipcMain"
    );
    b.wait_for("hostLog.length").await;
    let r = b
        .run(
            r#"
            const e = hostLog[0];
            return { id: e.id, type: e.type, isEvent: e.isEvent, channel: e.channel, plain: e.args.slice(0, 2),
              bytes: e.args[2] instanceof Uint8Array ? Array.from(e.args[2]) : String(e.args[2]), n: e.args.length };
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({"id": "wv", "type": "ipc-message", "isEvent": true, "channel": "progress", "plain": [0.5, {"done": false}], "bytes": [1, 2], "n": 3})
    );

    // Host → guest: webview.send reaches the guest's ipcRenderer.on.
    let r = b
        .run(
            "return document.getElementById('wv').send('to-guest', 'hi guest', { n: 1 });",
            vec![],
        )
        .await;
    assert_eq!(r, json!(null), "send returns undefined");
    b.wait_for("guestOf(document.getElementById('wv')).guestLog.length")
        .await;
    assert_eq!(
        b.run(
            "return guestOf(document.getElementById('wv')).guestLog;",
            vec![]
        )
        .await,
        json!([{"channel": "to-guest", "args": ["hi guest", {"n": 1}], "senderIsIpc": true}])
    );

    assert_eq!(
        b.run("return domReady.wv;", vec![]).await,
        json!(1),
        "dom-ready once, for the one page the guest loaded"
    );

    // Removing the element destroys the guest WebContents and its iframe; the host lives on.
    b.run(
        "window.removed = document.getElementById('wv'); removed.remove();",
        vec![],
    )
    .await;
    let reason = g
        .wait_destroyed(PATIENCE)
        .expect("the guest is destroyed when its element is removed");
    assert!(reason.contains("removed"), "{reason}");
    assert_eq!(
        b.run("return removed.querySelector('iframe');", vec![])
            .await,
        json!(null)
    );
    assert!(app.guests_of(host.id()).is_empty());
    assert!(!host.is_destroyed());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_added_after_load_get_messages_sent_before_they_connect() {
    let ipc = IpcMain::new();
    ipc.on("sync-point", |event, _| {
        event.set_return_value(true)?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("host-empty.html")).await;
    let host = app.only_page();

    // document.createElement('webview').send exists at once, before the element is in the DOM
    // or has a guest; what it sends then is queued and delivered once the guest connects.
    let r = b
        .run(
            r#"
            const wv = document.createElement('webview');
            wv.id = 'late';
            const immediate = typeof wv.send;
            wv.send('early', 1);
            wv.send('early', 'two');
            wv.src = 'guest-late.html#2000';
            watch(wv);
            document.getElementById('slot').appendChild(wv);
            return { immediate, other: typeof document.createElement('div').send };
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!({"immediate": "function", "other": "undefined"}));
    let g = guest(&app, &host, false);
    // Once the host knows its guest id, its sends go to main, which queues them for the guest
    // that has not connected yet; main's own sends queue behind them.
    b.wait_for("document.getElementById('late').querySelector('iframe')")
        .await;
    b.run(
        "document.getElementById('late').send('early', 3); return ipcRenderer.sendSync('sync-point');",
        vec![],
    )
    .await;
    assert!(
        !g.is_ready(),
        "the late guest connected before the test could send to it early"
    );
    g.send("early", &("from main",)).unwrap();
    assert!(g.wait_ready(PATIENCE), "the late guest connects");
    b.wait_for("guestOf(document.getElementById('late')) && guestOf(document.getElementById('late')).guestLog.length === 4")
        .await;
    let log = b
        .run(
            "return guestOf(document.getElementById('late')).guestLog.map(e => e.args[0]);",
            vec![],
        )
        .await;
    assert_eq!(
        log,
        json!([1, "two", 3, "from main"]),
        "delivered, in order"
    );

    // A guest added by markup after load (the MutationObserver path).
    b.run(
        r#"
        const div = document.createElement('div');
        div.innerHTML = '<webview id="w2" src="guest.html"></webview>';
        document.body.appendChild(div);
        watch(document.getElementById('w2'));
        "#,
        vec![],
    )
    .await;
    b.wait_for("guestOf(document.getElementById('w2'))").await;
    b.run(
        "guestOf(document.getElementById('w2')).ipcRenderer.sendToHost('from-w2', 'x');",
        vec![],
    )
    .await;
    b.wait_for("hostLog.length").await;
    assert_eq!(
        b.run("return hostLog;", vec![]).await,
        json!([{"id": "w2", "type": "ipc-message", "isEvent": true, "channel": "from-w2", "args": ["x"]}])
    );
    let guests = app.guests_of(host.id());
    assert_eq!(guests.len(), 2);

    // The host page going away destroys its guests.
    b.open(&app.url("index.html")).await;
    for g in guests {
        assert!(
            g.wait_destroyed(PATIENCE).is_some(),
            "guest {} outlived its host",
            g.id()
        );
    }
    assert!(host.is_destroyed());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_that_reloads_keeps_its_web_contents_and_messages_wait_for_it() {
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["marker"]);
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("host.html")).await;
    let host = app.only_page();
    let g = guest(&app, &host, true);
    b.wait_for("guestOf(document.getElementById('wv'))").await;
    b.run(
        "guestOf(document.getElementById('wv')).location.reload();",
        vec![],
    )
    .await;
    // The reloaded guest page announces itself from its new page, with the same id.
    b.wait_for(
        "(() => { const gw = guestOf(document.getElementById('wv')); \
         return gw && gw.ipcRenderer && gw.guestLog && gw.guestLog.length === 0 && gw.ipcRenderer._electrode.id; })()",
    )
    .await;
    b.run(
        "guestOf(document.getElementById('wv')).ipcRenderer.send('marker', 'after reload');",
        vec![],
    )
    .await;
    let m = seen.next();
    assert_eq!(
        (m.channel.as_str(), m.sender),
        ("marker", g.id()),
        "same WebContents after reload"
    );
    assert!(!g.is_destroyed());
    b.run(
        "document.getElementById('wv').send('to-guest', 'after reload');",
        vec![],
    )
    .await;
    let got = b
        .wait_for("guestOf(document.getElementById('wv')).guestLog.length && guestOf(document.getElementById('wv')).guestLog[0].args")
        .await;
    assert_eq!(got, json!(["after reload"]));
    assert_eq!(
        app.guests_of(host.id()).len(),
        1,
        "no second guest was created"
    );
    b.close().await;
}
