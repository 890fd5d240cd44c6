//! `sendTo` from a web page to a Rust renderer process (the real `test-renderer` binary): the
//! page converts its arguments once (the 1.7.8 rules: NaN becomes 0, a `Uint8Array` is bytes)
//! and main relays them as they were. Both directions, unknown ids and links that live on are
//! main's view, the same on every renderer: `conformance.rs`.

mod browser;

use browser::{App, Browser};
use electrode::{IpcMain, RendererKind};
use electrode_tests::Harness;
use serde_json::json;

const RENDERER: &str = env!("CARGO_BIN_EXE_test-renderer");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_s_send_to_a_rust_renderer_is_converted_once_and_relayed_as_it_was() {
    let app = App::start(IpcMain::new());
    let h = Harness::for_main(RENDERER, app.main.clone());
    let rust = h.spawn();
    assert_eq!(rust.kind(), RendererKind::Process);
    h.listen(&rust, "listen", "to-rust");

    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let _page = app.only_page();

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
    b.close().await;
}
