//! Test support: a real main process, real renderer processes, and a mailbox of what the
//! renderers report.

pub mod script;

use std::collections::VecDeque;
use std::process::Command;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use electrode::{IpcMain, Limits, Main, WebContents};
use serde_json::{json, Value as Json};

/// How long any single expectation may wait before the test fails. Generous: this bounds a
/// hang, it does not measure speed.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Installs a `tracing` subscriber once per test binary (`RUST_LOG` controls it).
pub fn init_tracing() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

/// A main process whose `report` channel feeds a mailbox.
pub struct Harness {
    /// The main process under test (shared, so a web bridge can serve pages from it too).
    pub main: Arc<Main>,
    renderer_bin: String,
    reports: Receiver<(u64, Json)>,
    backlog: Mutex<VecDeque<(u64, Json)>>,
}

impl Harness {
    /// Starts main with `ipc` (a `report` listener is added) and default limits.
    pub fn new(renderer_bin: &str, ipc: IpcMain) -> Harness {
        Harness::with_limits(renderer_bin, ipc, Limits::default())
    }

    /// Starts main with `ipc` and `limits`.
    pub fn with_limits(renderer_bin: &str, ipc: IpcMain, limits: Limits) -> Harness {
        init_tracing();
        let main = Main::builder()
            .ipc(ipc)
            .limits(limits)
            .start()
            .expect("main starts");
        Harness::for_main(renderer_bin, Arc::new(main))
    }

    /// Drives renderers of an already running main (for example one that also serves web
    /// pages); adds the `report` listener to its `IpcMain`.
    pub fn for_main(renderer_bin: &str, main: Arc<Main>) -> Harness {
        init_tracing();
        let (tx, rx) = channel();
        let tx = Mutex::new(tx);
        main.ipc().on("report", move |event, args| {
            let v: Json = args.get(0)?;
            tx.lock().unwrap().send((event.sender().id(), v)).ok();
            Ok(())
        });
        Harness {
            main,
            renderer_bin: renderer_bin.to_string(),
            reports: rx,
            backlog: Mutex::new(VecDeque::new()),
        }
    }

    /// Spawns a test renderer and waits for its `ready` report.
    pub fn spawn(&self) -> WebContents {
        let wc = self
            .main
            .spawn_renderer(Command::new(&self.renderer_bin))
            .expect("renderer spawns");
        self.expect(&wc, "ready");
        wc
    }

    /// Spawns a test renderer that watches its socket with the portable `poll(2)` driver
    /// instead of epoll, and waits for its `ready` report.
    pub fn spawn_poll(&self) -> WebContents {
        let mut cmd = Command::new(&self.renderer_bin);
        cmd.env("TEST_RENDERER_TRANSPORT", "poll");
        let wc = self.main.spawn_renderer(cmd).expect("renderer spawns");
        self.expect(&wc, "ready");
        wc
    }

    /// Starts a test renderer in this process, over an in-memory link, and waits for its
    /// `ready` report. It runs the same script as the `test-renderer` process; its `exit`
    /// command closes the link.
    pub fn spawn_memory(&self) -> WebContents {
        let (wc, link) = self
            .main
            .memory_renderer(None)
            .expect("in-memory renderer starts");
        std::thread::Builder::new()
            .name(format!("memory-renderer-{}", wc.id()))
            .spawn(move || {
                let exit: script::Exit = Arc::new(|ipc, _| ipc.close());
                let ipc = electrode_renderer::IpcRenderer::connect_memory(link, |ipc| {
                    script::install(ipc, exit)
                })
                .expect("in-memory renderer connects");
                script::report_ready(&ipc);
                ipc.wait_disconnected();
            })
            .expect("renderer thread starts");
        self.expect(&wc, "ready");
        wc
    }

    /// Waits for the next `event` report from any renderer; returns who sent it and the report.
    pub fn expect_any(&self, event: &str) -> (u64, Json) {
        let matches = |r: &Json| r["event"] == event;
        {
            let mut backlog = self.backlog.lock().unwrap();
            if let Some(pos) = backlog.iter().position(|(_, r)| matches(r)) {
                return backlog.remove(pos).unwrap();
            }
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.reports.recv_timeout(left) {
                Ok((id, r)) if matches(&r) => return (id, r),
                Ok(other) => self.backlog.lock().unwrap().push_back(other),
                Err(_) => panic!("no renderer reported '{event}' within {PATIENCE:?}"),
            }
        }
    }

    /// Spawns a test renderer as a guest of `embedder` and waits for it.
    pub fn spawn_guest(&self, embedder: &WebContents) -> WebContents {
        let wc = self
            .main
            .spawn_guest(Command::new(&self.renderer_bin), embedder)
            .expect("guest spawns");
        self.expect(&wc, "ready");
        wc
    }

    /// Sends a command to a test renderer.
    pub fn cmd(&self, wc: &WebContents, cmd: Json) {
        wc.send("cmd", &(cmd,)).expect("command sent");
    }

    /// Sends a command that registers a listener, and waits until it is registered.
    pub fn listen(&self, wc: &WebContents, op: &str, channel: &str) {
        self.cmd(wc, json!({"op": op, "channel": channel}));
        self.expect(wc, "listening");
    }

    /// Waits for the next report from `wc` whose `event` is `event`; earlier reports of other
    /// kinds stay in the mailbox for later expectations.
    pub fn expect(&self, wc: &WebContents, event: &str) -> Json {
        self.expect_where(wc.id(), |r| r["event"] == event)
            .unwrap_or_else(|| {
                panic!(
                    "renderer {} did not report '{event}' within {PATIENCE:?}",
                    wc.id()
                )
            })
    }

    /// Waits for a report from renderer `from` that matches `pred`.
    pub fn expect_where(&self, from: u64, pred: impl Fn(&Json) -> bool) -> Option<Json> {
        {
            let mut backlog = self.backlog.lock().unwrap();
            if let Some(pos) = backlog.iter().position(|(id, r)| *id == from && pred(r)) {
                return backlog.remove(pos).map(|(_, r)| r);
            }
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.reports.recv_timeout(left) {
                Ok((id, r)) if id == from && pred(&r) => return Some(r),
                Ok(other) => self.backlog.lock().unwrap().push_back(other),
                Err(_) => return None,
            }
        }
    }

    /// Reports from `from` matching `pred` that arrived so far, without waiting.
    pub fn drain(&self, from: u64, pred: impl Fn(&Json) -> bool) -> Vec<Json> {
        while let Ok(r) = self.reports.try_recv() {
            self.backlog.lock().unwrap().push_back(r);
        }
        let mut backlog = self.backlog.lock().unwrap();
        let (hit, keep): (Vec<_>, Vec<_>) = backlog
            .drain(..)
            .partition(|(id, r)| *id == from && pred(r));
        *backlog = keep.into();
        hit.into_iter().map(|(_, r)| r).collect()
    }

    /// Proves a renderer is alive and its link works: a full sendSync round trip through it.
    pub fn assert_alive(&self, wc: &WebContents) {
        self.cmd(
            wc,
            json!({"op": "send_sync", "channel": "alive?", "args": []}),
        );
        let r = self.expect(wc, "sync");
        assert_eq!(
            r["ok"],
            json!("alive"),
            "renderer {} round trip: {r}",
            wc.id()
        );
    }
}

/// Adds the listener `assert_alive` relies on.
pub fn answer_alive(ipc: &IpcMain) {
    ipc.on("alive?", |event, _| {
        event.set_return_value("alive")?;
        Ok(())
    });
}

/// Registers an async handler on `channel` that never answers, and returns what tells the test
/// that main dropped its future (a cancelled invoke): one `"dropped"` per dropped call.
pub fn handle_forever(ipc: &IpcMain, channel: &str) -> std::sync::mpsc::Receiver<&'static str> {
    let (dropped_tx, dropped_rx) = std::sync::mpsc::channel();
    let dropped_tx = std::sync::Mutex::new(dropped_tx);
    ipc.handle_async(channel, move |_event, _args| {
        let guard = DropSignal(dropped_tx.lock().unwrap().clone());
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(())
        }
    })
    .expect("no handler on the channel yet");
    dropped_rx
}

/// Sends on drop: tells the test that main dropped a handler's future.
struct DropSignal(std::sync::mpsc::Sender<&'static str>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send("dropped");
    }
}
