//! `ipcRenderer.invoke` from a real page in headless Chromium: what is particular to
//! JavaScript (a Promise, an `Error`'s JSON shape of bytes, argument checks). A handler's value,
//! its error's message, code and data, no handler, call order with `send` and slow handlers
//! are main's view, the same on every renderer: `conformance.rs`.

mod browser;

use browser::{App, Browser};
use electrode::{InvokeError, IpcMain};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_gives_a_promise_rejects_with_an_error_and_bytes_as_a_buffer() {
    let ipc = IpcMain::new();
    ipc.handle("add", |_, args| {
        let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
        Ok(a + b)
    })
    .unwrap();
    ipc.handle("fail", |_, _| -> Result<(), electrode::BoxError> {
        Err(InvokeError::new("disk full")
            .with_code("ENOSPC")
            .with_data(json!({"free": 0}))
            .into())
    })
    .unwrap();
    ipc.handle("bytes", |_, _| Ok(bytes::Bytes::from_static(b"\x01\x02")))
        .unwrap();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const ipc = require('electron').ipcRenderer;
            const out = {};
            const caught = (p) => p.then((v) => ({ ok: v }), (e) => ({
              err: e.message, code: e.code, data: e.data, isError: e instanceof Error }));
            (async () => {
              out.fail = await caught(ipc.invoke('fail'));
              out.bytes = await ipc.invoke('bytes');
              out.isPromise = ipc.invoke('add', 0, 0) instanceof Promise;
              out.badChannel = await caught(ipc.invoke());
              done(out);
            })().catch((e) => done({ crashed: String(e) }));
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r["fail"],
        json!({
            "err": "Error invoking remote method 'fail': Error: disk full",
            "code": "ENOSPC", "data": {"free": 0}, "isError": true
        })
    );
    // Bytes arrive in the JSON shape of a Node Buffer, as sendSync's do.
    assert_eq!(r["bytes"], json!({"type": "Buffer", "data": [1, 2]}));
    assert_eq!(r["isPromise"], true);
    assert_eq!(r["badChannel"]["err"], "Missing required channel argument");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abort_signal_as_last_argument_cancels_the_invoke_and_tells_the_handler() {
    let ipc = IpcMain::new();
    let dropped_rx = electrode_tests::handle_forever(&ipc, "forever");
    let echoed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = echoed.clone();
    ipc.handle("echo", move |_, args| {
        seen.lock().unwrap().push(args.len());
        let v: serde_json::Value = args.get(0)?;
        Ok(v)
    })
    .unwrap();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const ipc = require('electron').ipcRenderer;
            const out = {};
            const caught = (p) => p.then((v) => ({ ok: v }), (e) => ({ err: e.message, name: e.name }));
            (async () => {
              const c = new AbortController();
              const p = caught(ipc.invoke('forever', 1, c.signal));
              setTimeout(() => c.abort(), 20);
              out.aborted = await p;
              const pre = new AbortController();
              pre.abort(new Error('stopped before'));
              out.pre = await caught(ipc.invoke('echo', 2, pre.signal));
              const live = new AbortController();
              out.echo = await ipc.invoke('echo', 3, live.signal);
              live.abort();
              out.after = await ipc.invoke('echo', 4);
              done(out);
            })().catch((e) => done({ crashed: String(e) }));
            "#,
            vec![],
        )
        .await;
    assert_eq!(r["aborted"]["name"], "AbortError", "{r}");
    assert_eq!(r["pre"], json!({"err": "stopped before", "name": "Error"}));
    assert_eq!(r["echo"], 3);
    assert_eq!(r["after"], 4);
    assert_eq!(
        dropped_rx.recv_timeout(std::time::Duration::from_secs(10)),
        Ok("dropped"),
        "main dropped the cancelled handler's future"
    );
    // The signal is not an argument; the pre-aborted call never reached main.
    assert_eq!(*echoed.lock().unwrap(), vec![1, 1]);
    b.close().await;
}
