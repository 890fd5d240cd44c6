//! `ipcRenderer.invoke` from a real page in headless Chromium against `ipcMain.handle`.

mod browser;

use std::sync::{Arc, Mutex};

use browser::{App, Browser};
use electrode::{InvokeError, IpcMain};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_resolves_rejects_and_keeps_order_with_send() {
    let ipc = IpcMain::new();
    ipc.handle("add", |event, args| {
        let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
        Ok(json!({"sum": a + b, "from": event.sender().id()}))
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
    let order = Arc::new(Mutex::new(Vec::new()));
    let seen = order.clone();
    ipc.on("note", move |_, args| {
        seen.lock().unwrap().push(args.get::<String>(0)?);
        Ok(())
    });
    let seen = order.clone();
    ipc.handle("mark", move |_, args| {
        seen.lock().unwrap().push(args.get::<String>(0)?);
        Ok(seen.lock().unwrap().len())
    })
    .unwrap();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const ipc = require('electron').ipcRenderer;
            const out = {};
            const caught = (p) => p.then((v) => ({ ok: v }), (e) => ({
              err: e.message, code: e.code, data: e.data, isError: e instanceof Error }));
            (async () => {
              out.add = await ipc.invoke('add', 1.5, 2);
              out.fail = await caught(ipc.invoke('fail'));
              out.none = await caught(ipc.invoke('nobody-handles-this'));
              out.bytes = await ipc.invoke('bytes');
              // send and invoke go in call order to main.
              ipc.send('note', 'first');
              const n = await ipc.invoke('mark', 'second');
              ipc.send('note', 'third');
              out.mark = n;
              out.isPromise = ipc.invoke('add', 0, 0) instanceof Promise;
              out.badChannel = await caught(ipc.invoke());
              done(out);
            })().catch((e) => done({ crashed: String(e) }));
            "#,
            vec![],
        )
        .await;
    assert_eq!(r["add"], json!({"sum": 3.5, "from": page.id()}), "{r}");
    assert_eq!(
        r["fail"],
        json!({
            "err": "Error invoking remote method 'fail': Error: disk full",
            "code": "ENOSPC", "data": {"free": 0}, "isError": true
        })
    );
    assert_eq!(
        r["none"]["err"],
        "Error invoking remote method 'nobody-handles-this': Error: No handler registered for 'nobody-handles-this'"
    );
    assert_eq!(r["none"]["code"], json!(null));
    // Bytes arrive in the JSON shape of a Node Buffer, as sendSync's do.
    assert_eq!(r["bytes"], json!({"type": "Buffer", "data": [1, 2]}));
    assert_eq!(r["mark"], 2);
    assert_eq!(r["isPromise"], true);
    assert_eq!(r["badChannel"]["err"], "Missing required channel argument");
    let deadline = std::time::Instant::now() + electrode_tests::PATIENCE;
    while order.lock().unwrap().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(*order.lock().unwrap(), ["first", "second", "third"]);
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_hold_a_fast_one() {
    let ipc = IpcMain::new();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    ipc.handle_async("slow", move |_event, _args| {
        let rx = release_rx.clone();
        async move {
            // A thread of its own waits for the test; the future awaits a channel it completes.
            let (tx, done) = futures_channel();
            std::thread::spawn(move || {
                let _ = rx.lock().unwrap().recv();
                tx.send();
            });
            done.await;
            Ok("slow")
        }
    })
    .unwrap();
    ipc.handle("fast", |_, _| Ok("fast")).unwrap();
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    b.run(
        r#"
        window.done = [];
        ipcRenderer.invoke('slow').then((v) => done.push(v));
        ipcRenderer.invoke('fast').then((v) => done.push(v));
        return true;
        "#,
        vec![],
    )
    .await;
    assert_eq!(
        b.wait_for("done.length === 1 && done").await,
        json!(["fast"])
    );
    release_tx.send(()).unwrap();
    assert_eq!(
        b.wait_for("done.length === 2 && done").await,
        json!(["fast", "slow"])
    );
    b.close().await;
}

/// A one-shot signal whose receiver is a future.
fn futures_channel() -> (Signal, Wait) {
    let state = Arc::new(Mutex::new((false, None::<std::task::Waker>)));
    (Signal(state.clone()), Wait(state))
}

struct Signal(Arc<Mutex<(bool, Option<std::task::Waker>)>>);
struct Wait(Arc<Mutex<(bool, Option<std::task::Waker>)>>);

impl Signal {
    fn send(self) {
        let mut s = self.0.lock().unwrap();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
    }
}

impl std::future::Future for Wait {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let mut s = self.0.lock().unwrap();
        if s.0 {
            std::task::Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
}
