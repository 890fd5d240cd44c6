//! The event loop that owns the main thread, and the windows it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use electrode::Main;
use electrode_web::{PageReserver, ReservedPage, WebBridge};
use tao::dpi::LogicalSize;
use tao::event::{Event, WindowEvent};
use tao::event_loop::{
    ControlFlow, EventLoop, EventLoopBuilder, EventLoopProxy, EventLoopWindowTarget,
};
use tao::platform::run_return::EventLoopExtRunReturn;
use tao::window::{Window, WindowBuilder, WindowId};

use crate::options::Source;
use crate::{BrowserWindow, Error, WindowOptions};

/// What other threads ask of the event loop.
pub(crate) enum Command {
    Open(Box<Pending>),
    Close { id: u64, reason: String },
}

/// A window asked for from another thread, opened by the loop.
pub(crate) struct Pending {
    options: WindowOptions,
    page: ReservedPage,
    handle: BrowserWindow,
}

/// An open window. Field order is drop order: the webview goes before its window.
struct Live {
    webview: wry::WebView,
    window: Window,
    handle: BrowserWindow,
}

/// The desktop side of an Electrode app: the window event loop, on the main thread.
///
/// Build it and [`run`](Self::run) it on the process's main thread (macOS requires that, and
/// GTK must run on the thread it started on); `App` is not `Send` so that it cannot go
/// elsewhere. Other threads open windows through an [`AppHandle`].
pub struct App {
    event_loop: EventLoop<Command>,
    main: Arc<Main>,
    handle: AppHandle,
    windows: Windows,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("windows", &self.windows.live.len())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Starts the window system for `main`'s pages, served by `bridge` (keep the bridge alive
    /// while windows are open: they load their pages from it).
    ///
    /// Fails if there is no display (neither `DISPLAY` nor `WAYLAND_DISPLAY`), if GTK cannot
    /// start, or if this is not the main thread.
    pub fn new(main: Arc<Main>, bridge: &WebBridge) -> Result<App, Error> {
        #[cfg(all(unix, not(target_os = "macos")))]
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            return Err(Error::EventLoop(
                "no display: neither DISPLAY nor WAYLAND_DISPLAY is set (run under a desktop session or Xvfb)"
                    .into(),
            ));
        }
        // tao panics where it cannot start (no GTK, no display, not the main thread).
        let event_loop =
            std::panic::catch_unwind(|| EventLoopBuilder::<Command>::with_user_event().build())
                .map_err(|panic| {
                    let text = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "the window system failed to start".into());
                    Error::EventLoop(text)
                })?;
        let handle = AppHandle {
            proxy: event_loop.create_proxy(),
            reserver: bridge.reserver(),
            requests: Arc::default(),
        };
        Ok(App {
            event_loop,
            main,
            handle,
            windows: Windows::default(),
        })
    }

    /// Opens a window now (before [`run`](Self::run); from other threads, or once running, use
    /// [`AppHandle::window`]). Its page loads when the loop runs.
    pub fn window(&mut self, mut options: WindowOptions) -> Result<BrowserWindow, Error> {
        options.read_preload()?;
        let page = self.handle.reserver.reserve();
        let handle = BrowserWindow::new(page.web_contents().clone(), self.handle.proxy.clone());
        match build(&self.event_loop, &options, &page) {
            Ok((window, webview)) => {
                self.windows.insert(Live {
                    webview,
                    window,
                    handle: handle.clone(),
                });
                Ok(handle)
            }
            Err(e) => {
                page.web_contents()
                    .close(&format!("its window could not open: {e}"));
                handle.closed.fire();
                Err(e)
            }
        }
    }

    /// A handle that opens windows from any thread.
    pub fn handle(&self) -> AppHandle {
        self.handle.clone()
    }

    /// The main process this app's pages belong to.
    pub fn main(&self) -> &Arc<Main> {
        &self.main
    }

    /// Runs the event loop on this (the main) thread until no window is open: the user closed
    /// the last one, main closed them, or [`Main::shutdown`] closed their `WebContents`. With
    /// no window open or asked for, it returns at once (Electron quits when all windows are
    /// closed, too).
    pub fn run(mut self) {
        let App {
            event_loop,
            windows,
            handle,
            ..
        } = &mut self;
        event_loop.run_return(|event, target, flow| {
            *flow = ControlFlow::Wait;
            match event {
                Event::UserEvent(Command::Open(pending)) => {
                    handle.requests.opened();
                    windows.open(target, *pending);
                }
                Event::UserEvent(Command::Close { id, reason }) => windows.close(id, &reason),
                // Destroyed: the window went without asking (its X client was killed, ...);
                // windows this loop closes are no longer in `by_window` when theirs arrives.
                Event::WindowEvent {
                    window_id,
                    event: WindowEvent::CloseRequested | WindowEvent::Destroyed,
                    ..
                } => {
                    if let Some(id) = windows.by_window.get(&window_id).copied() {
                        windows.close(id, "the window was closed");
                    }
                }
                Event::MainEventsCleared
                    if windows.live.is_empty() && handle.requests.end_if_none() =>
                {
                    *flow = ControlFlow::Exit;
                }
                _ => {}
            }
        });
    }
}

impl Drop for App {
    // An app dropped without running (or an early return) takes its windows with it; their
    // `WebContents` must not linger as renderers that never load.
    fn drop(&mut self) {
        let ids: Vec<u64> = self.windows.live.keys().copied().collect();
        for id in ids {
            self.windows.close(id, "the window's app was dropped");
        }
    }
}

/// Opens windows from any thread, while the [`App`] runs (or before). Cheap to clone.
#[derive(Clone)]
pub struct AppHandle {
    proxy: EventLoopProxy<Command>,
    reserver: PageReserver,
    requests: Arc<Requests>,
}

/// Windows asked for that the loop has not opened yet, and whether it has ended: under one
/// lock, so that a window is either opened by the loop or refused, never left in its queue.
#[derive(Default)]
struct Requests(Mutex<(usize, bool)>);

impl Requests {
    /// Counts a request, unless the loop has ended.
    fn ask(&self, send: impl FnOnce() -> bool) -> bool {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if state.1 || !send() {
            return false;
        }
        state.0 += 1;
        true
    }

    fn opened(&self) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = state.0.saturating_sub(1);
    }

    /// Ends the loop if no window is asked for.
    fn end_if_none(&self) -> bool {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 == 0 {
            state.1 = true;
        }
        state.1
    }
}

impl std::fmt::Debug for AppHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppHandle").finish_non_exhaustive()
    }
}

impl AppHandle {
    /// Asks the event loop to open a window and returns its handle at once: its
    /// `WebContents` exists now (messages to it are queued until the page connects). If the
    /// window cannot be created, the error is printed and the `WebContents` closed with it as
    /// the reason, so [`BrowserWindow::on_closed`] runs.
    pub fn window(&self, mut options: WindowOptions) -> Result<BrowserWindow, Error> {
        options.read_preload()?;
        let page = self.reserver.reserve();
        let handle = BrowserWindow::new(page.web_contents().clone(), self.proxy.clone());
        let contents = page.web_contents().clone();
        let pending = Pending {
            options,
            page,
            handle: handle.clone(),
        };
        let sent = self.requests.ask(|| {
            self.proxy
                .send_event(Command::Open(Box::new(pending)))
                .is_ok()
        });
        if !sent {
            contents.close("the window event loop is no longer running");
            handle.closed.fire();
            return Err(Error::Closed);
        }
        Ok(handle)
    }
}

#[derive(Default)]
struct Windows {
    live: HashMap<u64, Live>,
    by_window: HashMap<WindowId, u64>,
}

impl Windows {
    fn insert(&mut self, live: Live) {
        self.by_window.insert(live.window.id(), live.handle.id());
        self.live.insert(live.handle.id(), live);
    }

    fn open(&mut self, target: &EventLoopWindowTarget<Command>, p: Pending) {
        if p.handle.web_contents().is_destroyed() {
            // Closed before the loop got to it.
            p.handle.closed.fire();
            return;
        }
        match build(target, &p.options, &p.page) {
            Ok((window, webview)) => self.insert(Live {
                webview,
                window,
                handle: p.handle,
            }),
            Err(e) => {
                electrode::error_visible!("window {:?} could not open: {e}", p.options.title);
                p.page
                    .web_contents()
                    .close(&format!("its window could not open: {e}"));
                p.handle.closed.fire();
            }
        }
    }

    fn close(&mut self, id: u64, reason: &str) {
        let Some(live) = self.live.remove(&id) else {
            return;
        };
        self.by_window.remove(&live.window.id());
        let Live {
            webview,
            window,
            handle,
        } = live;
        drop(webview);
        drop(window);
        handle.web_contents().close(reason);
        handle.closed.fire();
    }
}

/// Creates the window and its webview, which loads the page with its ticket in place.
fn build(
    target: &EventLoopWindowTarget<Command>,
    options: &WindowOptions,
    page: &ReservedPage,
) -> Result<(Window, wry::WebView), Error> {
    let init = match &options.preload_source {
        None => page.init_script(),
        Some(source) => page.init_script_with_preload(source),
    };
    let window = WindowBuilder::new()
        .with_title(&options.title)
        .with_inner_size(LogicalSize::new(options.width, options.height))
        .build(target)?;
    let url = match &options.source {
        Source::File(path) => page.url(path),
        Source::Url(url) => url.clone(),
    };
    let builder = wry::WebViewBuilder::new()
        .with_initialization_script_for_main_only(init, true)
        .with_devtools(options.devtools)
        .with_url(url);
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    let webview = builder.build(&window)?;
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let webview = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        let vbox = window
            .default_vbox()
            .ok_or_else(|| Error::EventLoop("the GTK window has no content box".into()))?;
        builder.build_gtk(vbox)?
    };
    Ok((window, webview))
}
