//! Running the built examples as real processes, and headless Chromium for the notes page.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value as Json};

/// How long one expectation may wait: bounds a hang, measures nothing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The example binary `name`, as `cargo test -p electrode-examples` (or `cargo build
/// --examples`) built it: `target/<profile>/examples/<name>`, beside this test's `deps/`.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary in target/<profile>/deps");
    let bin = profile_dir.join("examples").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo test -p electrode-examples` (it builds the examples) or `cargo build -p electrode-examples --examples` first",
        bin.display()
    );
    // `cargo test -p electrode-examples --test notes` alone does not rebuild examples: testing
    // an old binary against new code would mislead.
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    assert!(
        modified(&bin) >= modified(&source),
        "{} is older than {}: run `cargo test -p electrode-examples` (it builds the examples) or `cargo build -p electrode-examples --examples` first",
        bin.display(),
        source.display()
    );
    bin
}

/// A running example; killed if the test fails before it ends.
pub struct Running {
    pub child: Child,
    pub stdout: BufReader<ChildStdout>,
}

impl Running {
    pub fn start(name: &str, args: &[&str]) -> Running {
        let mut child = Command::new(example(name))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("example {name} starts: {e}"));
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Running { child, stdout }
    }

    /// The next line of its standard output ("" at its end).
    pub fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).expect("read example stdout");
        l.trim_end().to_string()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid with a valid signal has no memory effects.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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

/// One headless Chromium session (the pattern of electrode-tests' browser tests).
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        let chromium = find("chromium");
        let chromedriver = find("chromedriver");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + PATIENCE;
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
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
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

    /// Runs `script` (a function body) in the page.
    pub async fn run(&self, script: &str) -> Json {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `expr` (a JS expression) is truthy, then returns its value.
    pub async fn wait_for(&self, expr: &str) -> Json {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let v = self.run(&format!("return ({expr});")).await;
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return v;
            }
            assert!(Instant::now() < deadline, "page never satisfied: {expr}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
