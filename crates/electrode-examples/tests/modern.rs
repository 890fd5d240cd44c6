//! The README's first web example (`examples/modern.rs`, `modern/`): a page written for
//! Electron 12+ (a preload exposing `window.api.loadNote(id)` over `ipcRenderer.invoke`, no
//! `require` in the page) runs unchanged in headless Chromium against the Rust main, and the
//! README shows exactly these files.

mod common;

use common::{Browser, Running};
use serde_json::json;

const README: &str = include_str!("../../../README.md");

/// The README block that follows `marker` (a line of the README) and is in `lang`.
fn block_after(marker: &str, lang: &str) -> &'static str {
    let at = README
        .find(marker)
        .unwrap_or_else(|| panic!("README has no {marker:?}"));
    let fence = format!("```{lang}\n");
    let start = README[at..].find(&fence).expect("a block after the marker") + at + fence.len();
    let block = &README[start..];
    &block[..block.find("```").expect("the block ends")]
}

#[test]
fn the_readme_shows_the_example_s_files() {
    assert_eq!(
        block_after("\npreload.js:\n", "js"),
        include_str!("../modern/preload.js")
    );
    assert_eq!(
        block_after("\nindex.html:\n", "html"),
        include_str!("../modern/index.html")
    );
    assert_eq!(
        block_after("\nMain:\n", "rust"),
        include_str!("../examples/modern.rs")
            .split_once("\n\n")
            .expect("header, blank line, code")
            .1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_electron_12_page_with_a_preload_runs_unchanged() {
    let mut app = Running::start("modern", &[]);
    let first = app.line();
    let url = first
        .strip_prefix("modern: open ")
        .unwrap_or_else(|| panic!("the example did not print its URL: {first:?}"))
        .to_string();
    let b = Browser::start().await;
    b.client.goto(&url).await.expect("page loads");
    // invoke resolved with main's value...
    let title = b
        .wait_for("document.getElementById('title').textContent !== '…' && document.getElementById('title').textContent")
        .await;
    assert_eq!(title, json!("Groceries"));
    let body = b
        .run("return document.getElementById('body').textContent;")
        .await;
    assert_eq!(body, json!("milk, eggs"));
    // ...and rejected with Electron's message for the handler's error.
    let error = b.wait_for("document.body.dataset.error").await;
    assert_eq!(
        error,
        json!("Error invoking remote method 'note:load': Error: no note 99")
    );
    // The page has only what the preload exposed (frozen), not Electron's modules.
    let globals = b
        .run("return [typeof window.require, typeof window.ipcRenderer, Object.isFrozen(window.api), Object.keys(window.api)];")
        .await;
    assert_eq!(
        globals,
        json!(["undefined", "undefined", true, ["loadNote"]])
    );
    b.close().await;
    app.signal(libc::SIGTERM);
    assert_eq!(app.line(), "modern: stopped");
    assert_eq!(app.child.wait().unwrap().code(), Some(0));
}
