//! The handle of one window: its `WebContents`, `close`, `on_closed`.

use std::sync::{Arc, Mutex};

use electrode::WebContents;
use tao::event_loop::EventLoopProxy;

use crate::app::Command;

type Hook = Box<dyn FnOnce() + Send>;

/// Runs a window's `on_closed` callbacks once, after the window has gone.
#[derive(Default)]
pub(crate) struct ClosedHooks {
    state: Mutex<(bool, Vec<Hook>)>,
}

impl ClosedHooks {
    fn add(&self, f: Hook) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 {
            drop(state);
            f();
        } else {
            state.1.push(f);
        }
    }

    pub(crate) fn fire(&self) {
        let hooks = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.0 {
                return;
            }
            state.0 = true;
            std::mem::take(&mut state.1)
        };
        for hook in hooks {
            hook();
        }
    }

    fn is_closed(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0
    }
}

/// A desktop window showing one app page, like Electron's `BrowserWindow`. Cheap to clone;
/// usable from any thread. The window lives until the user closes it, [`close`](Self::close)
/// is called, its `WebContents` is closed, or main shuts down; any of these ends the others.
#[derive(Clone)]
pub struct BrowserWindow {
    contents: WebContents,
    proxy: Arc<Mutex<EventLoopProxy<Command>>>,
    pub(crate) closed: Arc<ClosedHooks>,
}

impl std::fmt::Debug for BrowserWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserWindow")
            .field("id", &self.contents.id())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl BrowserWindow {
    /// A handle for `contents`; closing the `WebContents` (main's `close`, shutdown) closes
    /// the window.
    pub(crate) fn new(contents: WebContents, proxy: EventLoopProxy<Command>) -> Self {
        let win = BrowserWindow {
            contents,
            proxy: Arc::new(Mutex::new(proxy)),
            closed: Arc::default(),
        };
        let me = win.clone();
        win.contents
            .on_destroyed(move |reason| me.request_close(reason));
        win
    }

    /// The window's id: that of its `WebContents` (Electron's `win.id` is separate; one
    /// number is simpler and it is unique as long as main runs).
    pub fn id(&self) -> u64 {
        self.contents.id()
    }

    /// The page's `WebContents`: send to it, watch its loads, close it, as with any renderer.
    /// It stays the same across reloads and navigations of the page.
    pub fn web_contents(&self) -> &WebContents {
        &self.contents
    }

    /// Closes the window (Electron's `win.close()`); its `WebContents` is closed with it.
    /// Returns at once; [`on_closed`](Self::on_closed) callbacks run when the window is gone.
    pub fn close(&self) {
        self.request_close("the window was closed by main");
    }

    /// Runs `f` once the window is closed, whoever closed it (Electron's `'closed'` event); at
    /// once if it is closed already. Callbacks run on the event loop's thread: keep them short.
    pub fn on_closed(&self, f: impl FnOnce() + Send + 'static) {
        self.closed.add(Box::new(f));
    }

    /// Whether the window has closed.
    pub fn is_closed(&self) -> bool {
        self.closed.is_closed()
    }

    fn request_close(&self, reason: &str) {
        let sent = self
            .proxy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send_event(Command::Close {
                id: self.id(),
                reason: reason.to_string(),
            });
        if sent.is_err() {
            // The event loop is gone, and its windows with it.
            self.contents.close(reason);
            self.closed.fire();
        }
    }
}
