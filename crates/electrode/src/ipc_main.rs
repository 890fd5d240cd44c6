//! `ipcMain`: the main process's channel → listeners table.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use electrode_wire::emitter::{Emitter, ListenerId};
use electrode_wire::Args;
use serde::Serialize;

use crate::invoke::{encode_value, failure_of, Handled, Handler, Handlers, Registered};
use crate::{BoxError, Error, InvokeEvent, IpcEvent};

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
    errors: Arc<ErrorReporting>,
    handlers: Arc<Handlers>,
}

/// What went wrong in the main process's handling of one message (see [`IpcMain::on_error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListenerFailure {
    /// A listener returned `Err`.
    Failed {
        /// The sending renderer.
        renderer: u64,
        /// The channel.
        channel: String,
        /// The error's text.
        message: String,
    },
    /// A listener panicked (caught; the other listeners still ran).
    Panicked {
        /// The sending renderer.
        renderer: u64,
        /// The channel.
        channel: String,
        /// The panic's message and source location.
        message: String,
    },
    /// A renderer sent on a channel that has no listener: the message went nowhere. Reported
    /// once per channel (a renderer must not be able to flood the log with channel names).
    NoListener {
        /// The sending renderer.
        renderer: u64,
        /// The channel.
        channel: String,
    },
}

impl fmt::Display for ListenerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenerFailure::Failed {
                renderer,
                channel,
                message,
            } => write!(
                f,
                "listener on channel '{channel}' failed (message from renderer {renderer}): {message}"
            ),
            ListenerFailure::Panicked {
                renderer,
                channel,
                message,
            } => write!(
                f,
                "listener on channel '{channel}' panicked (message from renderer {renderer}): {message}"
            ),
            ListenerFailure::NoListener { renderer, channel } => write!(
                f,
                "renderer {renderer} sent a message on channel '{channel}', which has no listener in the main process; it was dropped (later messages on this channel without a listener are not reported)"
            ),
        }
    }
}

impl ListenerFailure {
    /// What a pending `sendSync` of the renderer is answered with (it knows who it is).
    fn reply_text(&self) -> String {
        match self {
            ListenerFailure::Failed {
                channel, message, ..
            } => format!("listener on channel '{channel}' failed: {message}"),
            ListenerFailure::Panicked {
                channel, message, ..
            } => format!("listener on channel '{channel}' panicked: {message}"),
            ListenerFailure::NoListener { channel, .. } => {
                format!("no listener on channel '{channel}' in the main process")
            }
        }
    }
}

type ErrorHook = Arc<dyn Fn(&ListenerFailure) + Send + Sync>;

/// Channels reported for having no listener are remembered up to this many, so that a renderer
/// sending on endless fresh channel names costs main a bounded amount of memory.
const MAX_UNLISTENED_CHANNELS_REPORTED: usize = 1024;

#[derive(Default)]
struct ErrorReporting {
    hook: RwLock<Option<ErrorHook>>,
    unlistened: Mutex<HashSet<String>>,
}

impl ErrorReporting {
    fn report(&self, failure: ListenerFailure) {
        let hook = self.hook.read().unwrap_or_else(|e| e.into_inner()).clone();
        match (hook, &failure) {
            (Some(hook), _) => hook(&failure),
            (None, ListenerFailure::NoListener { renderer, .. }) => {
                crate::warn_visible!(renderer = renderer, "{failure}")
            }
            (
                None,
                ListenerFailure::Failed { renderer, .. }
                | ListenerFailure::Panicked { renderer, .. },
            ) => crate::error_visible!(renderer = renderer, "{failure}"),
        }
    }

    fn no_listener(&self, renderer: u64, channel: &str) {
        {
            let mut seen = self.unlistened.lock().unwrap_or_else(|e| e.into_inner());
            if seen.len() >= MAX_UNLISTENED_CHANNELS_REPORTED || !seen.insert(channel.to_string()) {
                return;
            }
        }
        self.report(ListenerFailure::NoListener {
            renderer,
            channel: channel.to_string(),
        });
    }
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
            errors: Arc::default(),
            handlers: Arc::default(),
        }
    }

    /// Takes over the reporting of listener failures: `f` is called for every listener that
    /// returns `Err` or panics, and once per channel for a message that had no listener.
    ///
    /// Without a hook these go to `tracing` (`error` / `warn`) when a subscriber is installed,
    /// and to standard error otherwise, so they are never silent.
    ///
    /// ```
    /// use electrode::{IpcMain, ListenerFailure};
    /// let ipc = IpcMain::new();
    /// ipc.on_error(|failure| {
    ///     if let ListenerFailure::Failed { channel, message, .. } = failure {
    ///         eprintln!("my app: '{channel}' failed: {message}");
    ///     }
    /// });
    /// ```
    pub fn on_error(&self, f: impl Fn(&ListenerFailure) + Send + Sync + 'static) {
        *self.errors.hook.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(f));
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

    /// `ipcMain.handle(channel, handler)`: answers `invoke(channel, ...args)` with the value the
    /// handler returns, or rejects the caller's call with its error (an [`InvokeError`](crate::InvokeError)
    /// keeps its code and data). One handler per channel: a second is
    /// [`Error::HandlerExists`], as in Electron. Handlers run on the link's worker, like
    /// listeners; many invokes of one renderer may be in flight, each answered when ready.
    ///
    /// ```
    /// use electrode::IpcMain;
    /// let ipc = IpcMain::new();
    /// ipc.handle("add", |_event, args| {
    ///     let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
    ///     Ok(a + b)
    /// })
    /// .unwrap();
    /// assert!(ipc.handle("add", |_, _| Ok(0)).is_err());
    /// ```
    pub fn handle<F, R>(&self, channel: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(&InvokeEvent, &Args) -> Result<R, BoxError> + Send + Sync + 'static,
        R: Serialize,
    {
        self.register(channel, false, now(handler))
    }

    /// Like [`handle`](Self::handle), for the next invoke only; then the channel has no
    /// handler again.
    pub fn handle_once<F, R>(&self, channel: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(&InvokeEvent, &Args) -> Result<R, BoxError> + Send + Sync + 'static,
        R: Serialize,
    {
        self.register(channel, true, now(handler))
    }

    /// An `async` handler: its future runs on a small pool of threads main starts on first use
    /// (no runtime to build). If the caller cancels or its link closes, the future is dropped at
    /// its next `.await`. To answer from another thread, await a channel it completes.
    ///
    /// ```
    /// use electrode::IpcMain;
    /// let ipc = IpcMain::new();
    /// ipc.handle_async("later", |_event, args| async move {
    ///     let n: u32 = args.get(0)?;
    ///     Ok(n * 2)
    /// })
    /// .unwrap();
    /// ```
    pub fn handle_async<F, Fut, R>(&self, channel: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(InvokeEvent, Args) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<R, BoxError>> + Send + 'static,
        R: Serialize,
    {
        let handler: Arc<Handler> = Arc::new(move |event: &InvokeEvent, args: &Args| {
            let sender = event.sender().clone();
            let future = handler(event.clone(), args.clone());
            Handled::Later(Box::pin(async move {
                match future.await {
                    Ok(value) => encode_value(&sender, &value),
                    Err(e) => Err(failure_of(e)),
                }
            }))
        });
        self.register(channel, false, handler)
    }

    /// `ipcMain.removeHandler(channel)`; `false` if the channel had none.
    pub fn remove_handler(&self, channel: &str) -> bool {
        self.handlers.remove(channel)
    }

    fn register(&self, channel: &str, once: bool, handler: Arc<Handler>) -> Result<(), Error> {
        self.handlers
            .add(channel, Registered { once, handler })
            .map_err(|message| Error::HandlerExists {
                channel: channel.to_string(),
                message,
            })
    }

    pub(crate) fn handlers(&self) -> &Arc<Handlers> {
        &self.handlers
    }

    /// Drops every listener and handler (a destroyed `WebContents`'s own table).
    pub(crate) fn clear(&self) {
        // Handlers first: once the listeners are seen gone, so are the handlers.
        self.handlers.clear();
        self.emitter.remove_all(None);
    }

    /// Runs the listeners of `event.channel()`; returns how many ran. A listener that
    /// panics or returns `Err` is logged; the others still run, and a pending `sendSync` is
    /// answered with an error. With `report_unlistened`, an async message nobody listened to
    /// is reported (not when `webContents.ipc`'s listeners took it already).
    pub(crate) fn dispatch(&self, event: &IpcEvent, args: &Args, report_unlistened: bool) -> usize {
        let channel = event.channel();
        let renderer = event.sender().id();
        let ran = self.emitter.emit(channel, |listener| {
            let failure = match crate::report::catch_panic(|| listener(event, args)) {
                Ok(Ok(())) => return,
                Ok(Err(e)) => ListenerFailure::Failed {
                    renderer,
                    channel: channel.to_string(),
                    message: e.to_string(),
                },
                Err(message) => ListenerFailure::Panicked {
                    renderer,
                    channel: channel.to_string(),
                    message,
                },
            };
            event.fail(&failure.reply_text());
            self.errors.report(failure);
        });
        // A sendSync without listeners is answered with its own error; an async message would
        // vanish without a word.
        if ran == 0 && report_unlistened && !event.is_sync() {
            self.errors.no_listener(renderer, channel);
        }
        ran
    }
}

/// Wraps a handler that answers at once.
fn now<F, R>(handler: F) -> Arc<Handler>
where
    F: Fn(&InvokeEvent, &Args) -> Result<R, BoxError> + Send + Sync + 'static,
    R: Serialize,
{
    Arc::new(move |event: &InvokeEvent, args: &Args| {
        Handled::Now(match handler(event, args) {
            Ok(value) => encode_value(event.sender(), &value),
            Err(e) => Err(failure_of(e)),
        })
    })
}
