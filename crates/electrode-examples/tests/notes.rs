//! The notes example as a user runs it: the built binary (main + its indexer renderer), its
//! page in headless Chromium, a note added with a click.

mod common;

use common::{Browser, Running};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_added_in_the_page_is_indexed_by_the_worker_and_read_back_with_send_sync() {
    let mut app = Running::start("notes", &[]);
    let first = app.line();
    let url = first
        .strip_prefix("notes: open ")
        .unwrap_or_else(|| panic!("the example did not print its URL: {first:?}"))
        .to_string();

    let b = Browser::start().await;
    b.client.goto(&url).await.expect("page loads");
    b.client
        .find(Locator::Css("#note-text"))
        .await
        .expect("note input")
        .send_keys("Buy milk, buy eggs")
        .await
        .expect("typing");
    b.client
        .find(Locator::Css("#add-button"))
        .await
        .expect("add button")
        .click()
        .await
        .expect("click");

    // The count comes from the indexer renderer, through main, to the page's `on` listener.
    let words = b
        .wait_for("document.querySelector('#note-1[data-words]')?.dataset.words")
        .await;
    assert_eq!(words, json!("4"));
    let shown = b
        .run("return document.getElementById('note-1').textContent;")
        .await;
    assert_eq!(shown, json!("Buy milk, buy eggs (4 words)"));
    let stats = b
        .wait_for("document.getElementById('stats').textContent")
        .await;
    assert_eq!(
        stats,
        json!("1 notes, 4 words; most used: buy ×2, eggs ×1, milk ×1")
    );

    // sendSync reads main's state directly...
    let list = b
        .run("return require('electron').ipcRenderer.sendSync('notes:list');")
        .await;
    assert_eq!(
        list,
        json!({
            "notes": [{"id": 1, "text": "Buy milk, buy eggs", "words": 4}],
            "stats": {"notes": 1, "words": 4, "top": [["buy", 2], ["eggs", 1], ["milk", 1]]},
        })
    );
    // ...and a page loaded afterwards draws the list from it before anything else arrives.
    b.client.refresh().await.expect("reload");
    let shown = b
        .wait_for("document.getElementById('note-1')?.textContent")
        .await;
    assert_eq!(shown, json!("Buy milk, buy eggs (4 words)"));
    b.close().await;

    // SIGTERM ends Main::wait: the example shuts down cleanly and exits 0.
    app.signal(libc::SIGTERM);
    assert_eq!(app.line(), "notes: stopped");
    let status = app.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn serve_for_stops_the_example_by_itself() {
    let mut app = Running::start("notes", &["--serve-for", "0"]);
    assert!(app.line().starts_with("notes: open http://127.0.0.1:"));
    assert_eq!(app.line(), "notes: stopped");
    assert!(app.child.wait().unwrap().success());
}

#[test]
fn the_same_app_runs_in_a_desktop_window_under_xvfb() {
    // A real WebKitGTK window on a virtual display: it opens, and the app stops cleanly.
    let out = std::process::Command::new("xvfb-run")
        .arg("-a")
        .arg(common::example("notes"))
        .args(["--window", "--serve-for", "3"])
        .output()
        .unwrap_or_else(|e| panic!("xvfb-run is needed for the window test (apt-get install -y xvfb xauth; scripts/deps.sh installs it): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("notes: in a window (page ")),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"notes: stopped"), "{stdout}");
}
