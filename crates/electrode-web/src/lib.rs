//! Web renderers for Electrode: any page served by the main process becomes a renderer.
//!
//! The bridge serves the app's files, the `ipcRenderer` shim (`/electrode/ipc-renderer.js`)
//! and the IPC endpoints on `127.0.0.1` (an ephemeral port by default). Each page that loads
//! the shim is a [`WebContents`](electrode::WebContents) in the same id space as Rust
//! renderers: `ipcMain` listeners cannot tell them apart.
//!
//! ```no_run
//! use std::sync::Arc;
//! use electrode::{IpcMain, Main};
//! use electrode_web::{WebBridge, WebConfig};
//!
//! let ipc = IpcMain::new();
//! ipc.on("hello", |event, args| {
//!     let name: String = args.get(0)?;
//!     event.set_return_value(format!("hello, {name}"))?;
//!     Ok(())
//! });
//! let main = Arc::new(Main::builder().ipc(ipc).start()?);
//! let bridge = WebBridge::start(main, WebConfig::new().app_dir("./app"))?;
//! println!("open {}", bridge.url());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A desktop window (crate `electrode-window`) needs its page's `WebContents` before the page
//! loads: [`WebBridge::reserve_page`] makes one, with the ticket the window's page presents.
//!
//! Page code written for Electron 1.7.8 runs as it is once it loads the shim:
//! `<script src="/electrode/ipc-renderer.js"></script>`, then
//! `const { ipcRenderer } = require('electron')`.
//!
//! # Platforms
//!
//! The bridge is portable Rust (tokio, axum, hyper) and the shim runs in any current browser,
//! but the crate depends on `electrode`, which is Linux only today, so it builds on Linux only
//! (see the workspace README's Platforms section).

#![deny(missing_docs)]

mod dispatch;
mod files;
mod outbound;
mod page;
mod preload;
mod reserve;
mod routes;
mod security;
mod server;
mod sync;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use electrode::Main;

pub use reserve::{PageReserver, ReservedPage};

/// The shim, as served at `/electrode/ipc-renderer.js`: its parts (`assets/shim/`, one concern
/// each, in name order) joined into one script. `assets/ipc-renderer.js` is the same text checked
/// in (for the npm package and the browser tests); `scripts/join-shim.sh` rewrites it.
pub const SHIM_JS: &str = concat!(
    include_str!("../assets/shim/00-header.js"),
    include_str!("../assets/shim/10-constants.js"),
    include_str!("../assets/shim/20-convert.js"),
    include_str!("../assets/shim/30-codec.js"),
    include_str!("../assets/shim/35-clone.js"),
    include_str!("../assets/shim/40-emitter.js"),
    include_str!("../assets/shim/50-session.js"),
    include_str!("../assets/shim/60-api.js"),
    include_str!("../assets/shim/70-webview.js"),
    include_str!("../assets/shim/80-lifecycle.js"),
    include_str!("../assets/shim/90-preload.js"),
    include_str!("../assets/shim/99-footer.js"),
);

/// Errors starting the bridge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The runtime could not start.
    #[error("cannot start the web bridge runtime: {0}")]
    Runtime(std::io::Error),
    /// `WebConfig::preload` names a file that cannot be read.
    #[error("preload script {path} cannot be read: {reason}")]
    Preload {
        /// The configured script.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `WebConfig::app_dir` is not a readable directory: every page would be a 404.
    #[error("app_dir {path} is not a directory the bridge can serve: {reason}")]
    AppDir {
        /// The configured directory.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Bridge settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub(crate) bind: SocketAddr,
    pub(crate) app_dir: Option<PathBuf>,
    pub(crate) sync_deadline: Duration,
    pub(crate) connect_deadline: Duration,
    pub(crate) max_pending_syncs: usize,
    pub(crate) max_connections: usize,
    pub(crate) header_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) max_pending_pages: usize,
    pub(crate) symlinks_out: bool,
    pub(crate) content_security_policy: Option<String>,
    pub(crate) preload: Option<PathBuf>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            app_dir: None,
            sync_deadline: Duration::from_secs(30),
            connect_deadline: Duration::from_secs(30),
            max_pending_syncs: 8,
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_pending_pages: 256,
            symlinks_out: false,
            preload: None,
            content_security_policy: Some("frame-ancestors 'self'".into()),
        }
    }
}

impl WebConfig {
    /// Defaults: `127.0.0.1`, an ephemeral port, no app directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where to listen (keep it on loopback unless you know why not).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// A preload script (Electron's `webPreferences.preload`): it runs before each app page's
    /// own scripts, sees `require('electron')` with `ipcRenderer` and `contextBridge`, and
    /// exposes an API with `contextBridge.exposeInMainWorld(key, api)`. Afterwards the page's
    /// globals have no `ipcRenderer` and no `require`. A missing file is an error at start.
    /// See docs/page-api.md for what isolation a browser can and cannot give.
    pub fn preload(mut self, script: impl Into<PathBuf>) -> Self {
        self.preload = Some(script.into());
        self
    }

    /// Serves the files of this directory at `/`.
    pub fn app_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.app_dir = Some(dir.into());
        self
    }

    /// The longest a `sendSync` request waits for main's answer before the bridge answers with
    /// an error itself (a synchronous XHR in a page cannot time out on its own). Default 30 s.
    pub fn sync_deadline(mut self, d: Duration) -> Self {
        self.sync_deadline = d;
        self
    }

    /// Most bridge connections open at once, WebSockets included (default 512). Beyond it a
    /// new connection is closed at once, so that slow or idle clients cannot use up main's
    /// file descriptors (Rust renderers need them too); a browser uses a few per origin plus
    /// one WebSocket per page.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle between requests (default 10 s; slowloris).
    pub fn header_timeout(mut self, d: Duration) -> Self {
        self.header_timeout = d;
        self
    }

    /// How long a client may take to send an authorised request's body (default 30 s).
    pub fn body_timeout(mut self, d: Duration) -> Self {
        self.body_timeout = d;
        self
    }

    /// Most pages connected but without their WebSocket yet (default 256). Each holds a
    /// `WebContents` until it opens its WebSocket or the connect deadline passes; beyond the
    /// cap `POST /electrode/connect` is refused with an error saying so.
    pub fn max_pending_pages(mut self, n: usize) -> Self {
        self.max_pending_pages = n.max(1);
        self
    }

    /// Serve files whose path inside `app_dir` is a symlink to somewhere outside it (default
    /// `false`: such paths are refused with `403`).
    pub fn allow_symlinks_out(mut self, allow: bool) -> Self {
        self.symlinks_out = allow;
        self
    }

    /// The `Content-Security-Policy` header of every answer (default
    /// `frame-ancestors 'self'`: other origins cannot frame the app's pages, which would
    /// connect as renderers). `None` sends none. A handler's own policy is left alone.
    pub fn content_security_policy(mut self, policy: Option<impl Into<String>>) -> Self {
        self.content_security_policy = policy.map(Into::into);
        self
    }

    /// How many `sendSync` requests of one page may wait in the bridge at once (default 8).
    /// A page's script blocks on each, so more than one means frames of the same page or a
    /// hand-made client; over the cap the request fails at once with an error saying so.
    pub fn max_pending_syncs(mut self, n: usize) -> Self {
        self.max_pending_syncs = n.max(1);
        self
    }
}

/// A running bridge. Dropping it stops the server, so keep it alive as long as pages are served.
#[must_use = "dropping the WebBridge stops the server at once"]
pub struct WebBridge {
    addr: SocketAddr,
    reserver: PageReserver,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl WebBridge {
    /// Binds and starts serving on a background thread with its own runtime.
    pub fn start(main: Arc<Main>, config: WebConfig) -> Result<WebBridge, Error> {
        if let Some(dir) = &config.app_dir {
            let reason = match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => None,
                Ok(_) => Some("not a directory".to_string()),
                Err(e) => Some(e.to_string()),
            };
            if let Some(reason) = reason {
                return Err(Error::AppDir {
                    path: dir.clone(),
                    reason,
                });
            }
        }
        if let Some(script) = &config.preload {
            if let Err(e) = std::fs::File::open(script) {
                return Err(Error::Preload {
                    path: script.clone(),
                    reason: e.to_string(),
                });
            }
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("electrode-web")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        // Bound with std so that starting works from inside another runtime too.
        let bind_err = |source| Error::Bind {
            addr: config.bind,
            source,
        };
        let listener = std::net::TcpListener::bind(config.bind).map_err(bind_err)?;
        listener.set_nonblocking(true).map_err(bind_err)?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.bind,
            source,
        })?;
        let (max_connections, header_timeout) = (config.max_connections, config.header_timeout);
        let pages = Arc::new(page::Pages::default());
        let reserver = PageReserver::new(main.clone(), pages.clone(), addr);
        let app = routes::router(main, pages, config, addr);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("electrode-web".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            return electrode::error_visible!(
                                "web bridge cannot use its socket: {e}"
                            )
                        }
                    };
                    let stop = async {
                        let _ = stopped.await;
                    };
                    server::serve(listener, app, max_connections, header_timeout, stop).await;
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(Error::Runtime)?;
        tracing::info!("web bridge listening on http://{addr}/");
        Ok(WebBridge {
            addr,
            reserver,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address the bridge listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Reserves a `WebContents` for a page that something other than a browser tab will load,
    /// such as a desktop window; see [`PageReserver::reserve`].
    pub fn reserve_page(&self) -> ReservedPage {
        self.reserver.reserve()
    }

    /// A handle that reserves pages from any thread, for as long as the bridge runs.
    pub fn reserver(&self) -> PageReserver {
        self.reserver.clone()
    }

    /// Stops the server (open pages lose their link).
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for WebBridge {
    fn drop(&mut self) {
        self.stop_now();
    }
}

// The crate's README is what the registry shows; its examples are compiled as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
