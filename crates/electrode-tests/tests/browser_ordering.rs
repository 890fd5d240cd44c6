//! Ordering across the page's two transports (WebSocket for `send`, XHR for `sendSync`), and
//! main's messages to a page that is blocked in `sendSync`.

mod browser;

use std::sync::mpsc::channel;
use std::sync::Mutex;

use browser::{App, Browser};
use electrode::IpcMain;
use electrode_tests::PATIENCE;
use serde_json::json;

const PAIRS: u64 = 200;
const BIG: usize = 2 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_sends_and_send_syncs_keep_call_order() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("ord", move |event, args| {
        let i: u64 = args.get(0)?;
        if !event.is_sync() {
            // The 2 MB string is not decoded: its JSON text is checked for size only.
            let len = args.json(1).map_or(0, <[u8]>::len);
            if len != BIG + 2 {
                return Err(format!("message {i}: argument of {len} bytes").into());
            }
        }
        tx.lock().unwrap().send((i, event.is_sync())).unwrap();
        if event.is_sync() {
            event.set_return_value(i)?;
        }
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let r = b
        .run(
            r#"
            const big = 'x'.repeat(arguments[1]);
            for (let i = 0; i < arguments[0]; i++) {
              ipcRenderer.send('ord', i, big);
              const r = ipcRenderer.sendSync('ord', i);
              if (r !== i) return 'sendSync ' + i + ' returned ' + r;
            }
            return 'ok';
            "#,
            vec![json!(PAIRS), json!(BIG)],
        )
        .await;
    assert_eq!(r, json!("ok"));
    let mut order = Vec::new();
    for _ in 0..2 * PAIRS {
        order.push(
            rx.recv_timeout(PATIENCE)
                .expect("every message reached main"),
        );
    }
    let key = |(i, sync): (u64, bool)| 2 * i + sync as u64;
    let inversions = order.windows(2).filter(|w| key(w[0]) > key(w[1])).count();
    assert_eq!(inversions, 0, "order in main: {order:?}");
    let expected: Vec<_> = (0..PAIRS).flat_map(|i| [(i, false), (i, true)]).collect();
    assert_eq!(order, expected, "each message exactly once, in call order");
    assert!(rx.try_recv().is_err(), "no duplicates");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_the_page_is_blocked_arrive_after_send_sync_returns() {
    let ipc = IpcMain::new();
    ipc.on("block", |event, _| {
        // Some from the listener itself, some from another thread before and after the reply.
        for k in 0..10 {
            event.sender().send("during", &(k,))?;
        }
        let reply = event.reply_handle()?;
        let sender = event.sender().clone();
        std::thread::spawn(move || {
            for k in 10..20 {
                sender.send("during", &(k,)).unwrap();
            }
            reply.send("replied").unwrap();
            for k in 20..25 {
                sender.send("during", &(k,)).unwrap();
            }
        });
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let r = b
        .run(
            r#"
            window.got = [];
            ipcRenderer.on('during', (e, k) => got.push(k));
            const r = ipcRenderer.sendSync('block');
            got.push('returned');
            return r;
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!("replied"));
    b.wait_for("got.length === 26").await;
    let got = b.run("return got;", vec![]).await;
    let mut expected = vec![json!("returned")];
    expected.extend((0..25).map(|k| json!(k)));
    assert_eq!(
        got,
        json!(expected),
        "all after sendSync returned, in send order"
    );
    b.close().await;
}
