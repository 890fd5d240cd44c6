//! `ipcMain`: the main process's channel → listeners table.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use electrode_wire::emitter::{Emitter, ListenerId};
use electrode_wire::Args;

use crate::{BoxError, IpcEvent};

/// What `ipcMain.on` takes: `(event, args)`, returning `Err` to report a failure (it is logged,
/// and a pending `sendSync` gets an error reply).
pub type MainListener = dyn Fn(&IpcEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static;

/// The main process's listener table, Electron's `ipcMain`. Cheap to clone; clones share the
/// same listeners.
///
/// ```
/// use electrode::IpcMain;
/// let ipc = IpcMain::new();
/// let id = ipc.on("ping", |event, args| {
///     let n: u32 = args.get(0)?;
///     event.sender().send("pong", &(n + 1,))?;
///     Ok(())
/// });
/// assert_eq!(ipc.listener_count("ping"), 1);
/// assert!(ipc.remove_listener("ping", id));
/// ```
#[derive(Clone)]
pub struct IpcMain {
    emitter: Arc<Emitter<MainListener>>,
}

impl Default for IpcMain {
    fn default() -> Self {
        Self::new()
    }
}

impl IpcMain {
    /// An empty table.
    pub fn new() -> Self {
        IpcMain {
            emitter: Arc::new(Emitter::new("ipcMain")),
        }
    }

    /// Calls `listener(event, args)` for every message on `channel`.
    pub fn on<F>(&self, channel: &str, listener: F) -> ListenerId
    where
        F: Fn(&IpcEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.emitter.add(channel, false, Box::new(listener))
    }

    /// Like [`on`](Self::on), for the next message only; removed before it runs.
    pub fn once<F>(&self, channel: &str, listener: F) -> ListenerId
    where
        F: Fn(&IpcEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.emitter.add(channel, true, Box::new(listener))
    }

    /// Removes the listener `id` from `channel`; `false` if it was not there.
    pub fn remove_listener(&self, channel: &str, id: ListenerId) -> bool {
        self.emitter.remove(channel, id)
    }

    /// Removes every listener of `channel`.
    pub fn remove_all_listeners(&self, channel: &str) {
        self.emitter.remove_all(Some(channel));
    }

    /// Removes every listener of every channel (Electron 1.7.8 throws here because its
    /// internals share the emitter; Electrode's internals do not).
    pub fn remove_all_listeners_everywhere(&self) {
        self.emitter.remove_all(None);
    }

    /// Number of listeners on `channel`.
    pub fn listener_count(&self, channel: &str) -> usize {
        self.emitter.count(channel)
    }

    /// Channels that have listeners, sorted (`eventNames()`).
    pub fn channels(&self) -> Vec<String> {
        self.emitter.channels()
    }

    /// Sets the per-channel count above which a leak warning is logged (default 10, 0 = off).
    pub fn set_max_listeners(&self, n: usize) {
        self.emitter.set_max_listeners(n);
    }

    /// Runs the listeners of `event.channel()`; returns how many ran. A listener that
    /// panics or returns `Err` is logged; the others still run, and a pending `sendSync` is
    /// answered with an error.
    pub(crate) fn dispatch(&self, event: &IpcEvent, args: &Args) -> usize {
        let channel = event.channel();
        self.emitter.emit(channel, |listener| {
            let outcome = catch_unwind(AssertUnwindSafe(|| listener(event, args)));
            let failure = match outcome {
                Ok(Ok(())) => return,
                Ok(Err(e)) => format!("listener on channel '{channel}' failed: {e}"),
                Err(panic) => format!(
                    "listener on channel '{channel}' panicked: {}",
                    panic_message(&panic)
                ),
            };
            tracing::error!(renderer = event.sender().id(), "{failure}");
            event.fail(&failure);
        })
    }
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".into()
    }
}
