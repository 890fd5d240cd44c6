//! A real page in headless Chromium as a renderer: the Electron API both ways.

mod browser;

use std::sync::mpsc::channel;
use std::sync::Mutex;

use browser::{App, Browser};
use electrode::{IpcMain, RendererKind};
use electrode_tests::PATIENCE;
use serde_json::{json, Value as Json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_send_send_sync_and_main_reply() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("hello", move |event, args| {
        let v: Json = args.get(0)?;
        tx.lock()
            .unwrap()
            .send((event.sender().id(), event.sender().kind(), v))
            .unwrap();
        event.sender().send("reply", &("from main", 2))?;
        Ok(())
    });
    ipc.on("sum", |event, args| {
        let v: Vec<f64> = args.get(0)?;
        event.set_return_value(v.iter().sum::<f64>())?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    b.run(
        "record('reply'); require('electron').ipcRenderer.send('hello', {a: 1});",
        vec![],
    )
    .await;
    let (id, kind, v) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(kind, RendererKind::Page);
    assert_eq!(v, json!({"a": 1}));
    let got = b
        .wait_for("window.received.length > 0 && window.received")
        .await;
    assert_eq!(
        got,
        json!([{"channel": "reply", "args": ["from main", 2], "senderIsIpc": true}])
    );
    let sum = b
        .run("return ipcRenderer.sendSync('sum', [1, 2, 3.5]);", vec![])
        .await;
    assert_eq!(sum, json!(6.5));
    assert!(app.main.from_id(id).is_some());
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_sync_without_listener_throws_an_error_naming_the_channel() {
    let app = App::start(IpcMain::new());
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let msg = b
        .run("try { ipcRenderer.sendSync('nobody', 1); return 'no throw'; } catch (e) { return String(e.message); }", vec![])
        .await;
    let msg = msg.as_str().unwrap();
    assert!(
        msg.contains("nobody") && msg.contains("no listener"),
        "{msg}"
    );
    b.close().await;
}
