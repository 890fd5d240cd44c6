//! `sendTo` between a web page and a Rust renderer process (the real `test-renderer` binary),
//! both ways, through one main process.

mod browser;

use browser::{record, App, Browser};
use electrode::{IpcMain, RendererKind};
use electrode_tests::Harness;
use serde_json::json;

const RENDERER: &str = env!("CARGO_BIN_EXE_test-renderer");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_rust_renderer_send_to_each_other() {
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["marker"]);
    let app = App::start(ipc);
    let h = Harness::for_main(RENDERER, app.main.clone());
    let rust = h.spawn();
    assert_eq!(rust.kind(), RendererKind::Process);
    h.listen(&rust, "listen", "to-rust");

    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();

    // Page → Rust renderer.
    b.run(
        "ipcRenderer.sendTo(arguments[0], 'to-rust', 1, { a: [2, NaN] }, new Uint8Array([9, 8, 7]));",
        vec![json!(rust.id())],
    )
    .await;
    let m = h.expect(&rust, "message");
    assert_eq!(m["channel"], "to-rust");
    assert_eq!(
        m["args"],
        json!([1, {"a": [2, 0]}, {"bytes": 3, "first": 9, "last": 7}]),
        "converted once by the page, relayed by main as they were"
    );

    // Rust renderer → page.
    b.run("record('to-page');", vec![]).await;
    h.cmd(
        &rust,
        json!({"op": "send_to", "id": page.id(), "channel": "to-page", "args": ["from rust", {"x": [1.5, null]}]}),
    );
    b.wait_for("received.length").await;
    assert_eq!(
        b.run("return received;", vec![]).await,
        json!([{"channel": "to-page", "args": ["from rust", {"x": [1.5, null]}], "senderIsIpc": true}])
    );

    // An unknown id is logged and dropped by main (as in Electron); both links live on.
    b.run(
        "ipcRenderer.sendTo(987654321, 'to-nobody', 1); ipcRenderer.send('marker', 'page alive');",
        vec![],
    )
    .await;
    let marker = seen.next();
    assert_eq!(
        (marker.sender, marker.arg(0)),
        (page.id(), json!("page alive"))
    );
    h.cmd(
        &rust,
        json!({"op": "send_to", "id": 987654321, "channel": "to-nobody", "args": []}),
    );
    h.cmd(
        &rust,
        json!({"op": "send", "channel": "marker", "args": ["rust alive"]}),
    );
    let marker = seen.next();
    assert_eq!(
        (marker.sender, marker.arg(0)),
        (rust.id(), json!("rust alive"))
    );
    assert!(!page.is_destroyed() && !rust.is_destroyed());
    b.close().await;
}
