//! Headless Chromium driven over WebDriver, against pages served by a real main process.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use electrode::{IpcMain, Limits, Main, RendererKind, Value, WebContents};
use electrode_web::{WebBridge, WebConfig};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value as Json};

pub const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/pages");

fn find(bin: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
        let p = Path::new(dir).join(bin);
        if p.exists() {
            return p;
        }
    }
    panic!("{bin} is not installed: browser tests need Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver); .ci/run installs them");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A main process with the web bridge serving `pages/`.
pub struct App {
    pub main: Arc<Main>,
    pub bridge: WebBridge,
}

impl App {
    pub fn start(ipc: IpcMain) -> App {
        App::start_with_limits(ipc, Limits::default())
    }

    pub fn start_with_limits(ipc: IpcMain, limits: Limits) -> App {
        electrode_tests::init_tracing();
        let main = Main::builder()
            .ipc(ipc)
            .limits(limits)
            .start()
            .expect("main starts");
        App::serve(Arc::new(main))
    }

    /// Serves `pages/` from an existing main process.
    pub fn serve(main: Arc<Main>) -> App {
        electrode_tests::init_tracing();
        let bridge =
            WebBridge::start(main.clone(), WebConfig::new().app_dir(PAGES)).expect("bridge starts");
        App { main, bridge }
    }

    pub fn url(&self, page: &str) -> String {
        format!("{}{page}", self.bridge.url())
    }

    /// Live web pages that are not `<webview>` guests, by id.
    pub fn pages(&self) -> Vec<WebContents> {
        self.main
            .web_contents()
            .into_iter()
            .filter(|w| w.kind() == RendererKind::Page && w.embedder().is_none())
            .collect()
    }

    /// Live `<webview>` guests of `host`.
    pub fn guests_of(&self, host: u64) -> Vec<WebContents> {
        self.main
            .web_contents()
            .into_iter()
            .filter(|w| w.embedder().map(|e| e.id()) == Some(host))
            .collect()
    }

    /// Waits until `f` returns something (polling main's state).
    pub fn wait_for<T>(&self, what: &str, f: impl Fn(&App) -> Option<T>) -> T {
        let deadline = Instant::now() + electrode_tests::PATIENCE;
        loop {
            if let Some(v) = f(self) {
                return v;
            }
            assert!(Instant::now() < deadline, "main never saw: {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The one live top-level page.
    pub fn only_page(&self) -> WebContents {
        self.wait_for("one connected page", |a| {
            let p = a.pages();
            (p.len() == 1 && p[0].is_ready()).then(|| p[0].clone())
        })
    }
}

/// One message as a main-process listener saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub sender: u64,
    pub sync: bool,
    pub channel: String,
    /// Each argument's JSON text exactly as it arrived.
    pub json: Vec<String>,
    /// Each argument decoded (bytes as `Value::Bytes`).
    pub values: Vec<Value>,
    /// Size of the whole argument section on the wire.
    pub raw_len: usize,
}

impl Seen {
    /// Argument `i` as JSON (bytes are shown as `{"bytes": len}`).
    pub fn arg(&self, i: usize) -> Json {
        to_json(&self.values[i])
    }
}

pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Bytes(b) => json!({ "bytes": b.len() }),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => Json::Object(o.iter().map(|(k, x)| (k.clone(), to_json(x))).collect()),
        other => serde_json::to_value(other).unwrap(),
    }
}

/// What main's listeners saw, in order.
pub struct Mailbox(Receiver<Seen>);

impl Mailbox {
    pub fn next(&self) -> Seen {
        self.0
            .recv_timeout(electrode_tests::PATIENCE)
            .expect("main's listener got nothing in time")
    }

    pub fn try_next(&self) -> Option<Seen> {
        self.0.try_recv().ok()
    }

    /// Waits `d`, then asserts nothing arrived.
    pub fn assert_quiet(&self, d: Duration) {
        if let Ok(s) = self.0.recv_timeout(d) {
            panic!("unexpected message in main: {s:?}");
        }
    }
}

/// A listener on each of `channels` that records every message (and answers nothing).
pub fn record(ipc: &IpcMain, channels: &[&str]) -> Mailbox {
    let (tx, rx) = channel();
    let tx = Arc::new(Mutex::new(tx));
    for ch in channels {
        let tx = tx.clone();
        ipc.on(ch, move |event, args| {
            let seen = Seen {
                sender: event.sender().id(),
                sync: event.is_sync(),
                channel: event.channel().to_string(),
                json: (0..args.len())
                    .map(|i| String::from_utf8(args.json(i).unwrap().to_vec()).unwrap())
                    .collect(),
                values: args.values()?,
                raw_len: args.encoded_len(),
            };
            tx.lock().unwrap().send(seen).ok();
            Ok(())
        });
    }
    Mailbox(rx)
}

/// One headless Chromium session.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        Browser::start_with_args(&[]).await
    }

    /// With extra Chromium switches (e.g. `--enable-blink-features=...`).
    pub async fn start_with_args(extra: &[&str]) -> Browser {
        let chromium = find("chromium");
        let chromedriver = find("chromedriver");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let args: Vec<String> = args
            .into_iter()
            .chain(extra.iter().map(|a| a.to_string()))
            .collect();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args }),
        );
        let client = ClientBuilder::rustls()
            .expect("TLS setup")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session starts");
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("page loads");
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn run(&self, script: &str, args: Vec<Json>) -> Json {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `expr` (a JS expression) is truthy, then returns its value.
    pub async fn wait_for(&self, expr: &str) -> Json {
        let deadline = Instant::now() + electrode_tests::PATIENCE;
        loop {
            let v = self.run(&format!("return ({expr});"), vec![]).await;
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "page never satisfied: {expr}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs an async script: its last argument is the callback that finishes it.
    pub async fn run_async(&self, script: &str, args: Vec<Json>) -> Json {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Reloads the page (like F5).
    pub async fn reload(&self) {
        self.client.refresh().await.expect("page reloads");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
