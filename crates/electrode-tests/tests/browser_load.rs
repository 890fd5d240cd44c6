//! Main's messages to a page that arrive before the page's scripts registered their listeners
//! are held by the shim until the document has loaded; then main hears did-finish-load.

mod browser;

use std::sync::mpsc::channel;
use std::time::Duration;

use browser::{App, Browser};
use electrode::IpcMain;
use electrode_tests::PATIENCE;
use serde_json::json;

const EARLY: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_at_first_sight_reach_listeners_registered_late_and_did_finish_load_fires() {
    let ipc = IpcMain::new();
    ipc.on("pause", |event, _| {
        std::thread::sleep(Duration::from_millis(300));
        event.set_return_value("ok")?;
        Ok(())
    });
    let app = App::start(ipc);
    let (loaded_tx, loaded) = channel();
    app.main.on_web_contents_created(move |wc| {
        // As soon as main sees the page: before it connected, long before its scripts ran.
        for n in 0..EARLY {
            wc.send("greet", &(n,)).unwrap();
        }
        let tx = loaded_tx.clone();
        wc.on_did_finish_load(move |wc| {
            tx.send(wc.id()).ok();
            // Sent once the page has loaded: it follows the held ones.
            wc.send("greet", &(EARLY,)).unwrap();
        });
    });
    let b = Browser::start().await;
    for page in ["late-listener.html", "onload-listener.html"] {
        b.open(&app.url(page)).await;
        let got = b
            .wait_for(&format!(
                "window.got && window.got.length >= {} && window.got",
                EARLY + 1
            ))
            .await;
        let want: Vec<u64> = (0..=EARLY).collect();
        assert_eq!(got, json!(want), "{page}: every message, in order");
        let id = b.run("return ipcRenderer._electrode.id;", vec![]).await;
        let fired = loaded
            .recv_timeout(PATIENCE)
            .expect("did-finish-load fired");
        assert_eq!(json!(fired), id, "{page}: did-finish-load is the page's");
        let wc = app.main.from_id(fired).unwrap();
        assert_eq!(wc.load_count(), 1, "{page}");
    }
    assert!(
        loaded.try_recv().is_err(),
        "did-finish-load fired once per page"
    );
    b.close().await;
}
