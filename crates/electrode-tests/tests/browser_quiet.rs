//! What a user sees in the browser console and in main's log for routine events and designed
//! errors: no "Failed to load resource: 500" for a listener's error, no WARN for a page that
//! simply went away. This binary captures main's log lines itself.

mod browser;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use browser::{App, Browser};
use electrode::IpcMain;
use electrode_tests::PATIENCE;
use serde_json::json;

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Main's log so far (installed before anything else logs in this binary).
fn log() -> String {
    static BUF: OnceLock<Capture> = OnceLock::new();
    let cap = BUF.get_or_init(|| {
        let cap = Capture(Arc::new(Mutex::new(Vec::new())));
        let w = cap.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_ansi(false)
            .with_writer(move || w.clone())
            .init();
        cap
    });
    String::from_utf8_lossy(&cap.0.lock().unwrap()).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn designed_sync_errors_and_ordinary_page_closes_are_not_alarms() {
    log();
    let ipc = IpcMain::new();
    ipc.on("fail", |_, _| Err("no such user".into()));
    ipc.on("ok?", |event, _| {
        event.set_return_value("ok")?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();
    let r = b
        .run(
            r#"
            let thrown = null;
            try { ipcRenderer.sendSync('fail', 1); } catch (e) { thrown = e instanceof Error ? e.message : 'not an Error'; }
            const statuses = performance.getEntriesByType('resource')
              .filter(e => e.name.endsWith('/electrode/sync'))
              .map(e => e.responseStatus);
            return { thrown, statuses, next: ipcRenderer.sendSync('ok?') };
            "#,
            vec![],
        )
        .await;
    let thrown = r["thrown"].as_str().expect("sendSync threw");
    assert!(thrown.contains("no such user"), "{r}");
    assert!(thrown.contains("'fail'"), "{r}");
    let statuses = r["statuses"].as_array().unwrap();
    assert!(!statuses.is_empty(), "{r}");
    assert!(
        statuses.iter().all(|s| s.as_u64().is_some_and(|s| s < 400)),
        "the page's console logs a failed resource load: {r}"
    );
    assert_eq!(r["next"], json!("ok"));

    // The page goes away the ordinary way.
    b.open("about:blank").await;
    let why = page.wait_destroyed(PATIENCE).expect("the page link closes");
    assert!(why.contains("page disconnected"), "{why}");
    let text = log();
    assert!(
        text.contains("closing page link: page disconnected"),
        "the close is logged at debug: {text}"
    );
    let alarms: Vec<_> = text
        .lines()
        .filter(|l| l.contains("page disconnected") && (l.contains("WARN") || l.contains("ERROR")))
        .collect();
    assert!(alarms.is_empty(), "{alarms:?}");
    b.close().await;
}
