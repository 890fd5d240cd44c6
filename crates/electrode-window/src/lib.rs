//! Desktop windows for Electrode: Electron's `BrowserWindow` for a Rust main process.
//!
//! Each window is a native webview (WebKitGTK on Linux, through `wry` and `tao`) showing an
//! app page served by an [`electrode_web::WebBridge`]. The page is a
//! [`WebContents`](electrode::WebContents) like any other, with the same `ipcRenderer` shim:
//! `send`, `sendSync`, `sendTo`, `<webview>` work unchanged, and `ipcMain` listeners cannot
//! tell a window's page from a browser tab or a Rust renderer.
//!
//! The window event loop must own the process's main thread (macOS requires it, GTK wants the
//! thread it was started on), so [`App`] is built and [`run`](App::run) on the main thread,
//! while [`Main`](electrode::Main), the bridge and every [`BrowserWindow`] handle work from any
//! thread.
//!
//! ```no_run
//! use std::sync::Arc;
//! use electrode::{IpcMain, Main};
//! use electrode_web::{WebBridge, WebConfig};
//! use electrode_window::{App, WindowOptions};
//!
//! let ipc = IpcMain::new();
//! ipc.on("ask", |event, _args| {
//!     event.set_return_value("an answer from main")?;
//!     Ok(())
//! });
//! let main = Arc::new(Main::builder().ipc(ipc).start()?);
//! let bridge = WebBridge::start(main.clone(), WebConfig::new().app_dir("./app"))?;
//! let mut app = App::new(main, &bridge)?;
//! let win = app.window(WindowOptions::new().title("Notes").size(800, 600).load_file("index.html"))?;
//! win.web_contents().send("hello", &("from main",))?; // queued until the page has connected
//! win.on_closed(|| println!("bye"));
//! app.run(); // returns when the last window has closed (or Main shut down)
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Platforms: Linux with WebKitGTK 4.1 and GTK 3 is built and tested (on X11, under Xvfb; GTK
//! also runs on Wayland, untested). `wry` and `tao` also target macOS (WKWebView) and Windows
//! (WebView2), where this crate is not built yet; see `docs/adr/0010-desktop-window.md`.

#![deny(missing_docs)]

mod app;
mod options;
mod window;

pub use app::{App, AppHandle};
pub use options::WindowOptions;
pub use window::BrowserWindow;

/// Errors opening windows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No window system could be reached: no display, no GTK, or not the main thread.
    #[error("cannot start the window event loop: {0}")]
    EventLoop(String),
    /// The OS refused to create the window.
    #[error("cannot create the window: {0}")]
    Window(#[from] tao::error::OsError),
    /// The webview could not be created (WebKitGTK missing or failing).
    #[error("cannot create the webview: {0}")]
    WebView(#[from] wry::Error),
    /// [`WindowOptions::preload`] names a file that cannot be read.
    #[error("the window's preload script {path} cannot be read: {reason}")]
    Preload {
        /// The preload's path.
        path: std::path::PathBuf,
        /// Why it cannot be read.
        reason: String,
    },
    /// The event loop has ended: no more windows can be opened through this handle.
    #[error("the window event loop is no longer running")]
    Closed,
}
