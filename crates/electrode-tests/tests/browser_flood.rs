//! A page that floods main: every message arrives, in order, and main's thread count stays
//! put (the bridge used to hand every WebSocket message to a fresh blocking section, and tokio
//! started replacement workers by the hundred).

mod browser;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use browser::{App, Browser};
use electrode::IpcMain;
use serde_json::json;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_page_is_served_in_order_without_new_threads() {
    let ipc = IpcMain::new();
    let next = Arc::new(AtomicU64::new(0));
    let out_of_order = Arc::new(AtomicU64::new(0));
    {
        let (next, bad) = (next.clone(), out_of_order.clone());
        ipc.on("flood", move |_, args| {
            let n: u64 = args.get(0)?;
            if next.fetch_add(1, Ordering::SeqCst) != n {
                bad.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
    }
    ipc.on("count?", {
        let next = next.clone();
        move |event, _| {
            event.set_return_value(next.load(Ordering::SeqCst))?;
            Ok(())
        }
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let _page = app.only_page();
    let before = threads();
    let total = 60_000u64;
    let counted = b
        .run_async(
            r#"
            const [total, done] = arguments;
            const { ipcRenderer } = require('electron');
            let i = 0;
            function burst() {
                for (let k = 0; k < 2000 && i < total; k++, i++) ipcRenderer.send('flood', i);
                if (i < total) { setTimeout(burst, 0); return; }
                done(ipcRenderer.sendSync('count?'));
            }
            burst();
            "#,
            vec![json!(total)],
        )
        .await;
    assert_eq!(counted, json!(total), "every message reached main first");
    assert_eq!(out_of_order.load(Ordering::SeqCst), 0);
    let grown = threads().saturating_sub(before);
    assert!(
        grown <= 4,
        "a flooding page added {grown} threads to main (before: {before})"
    );
}
