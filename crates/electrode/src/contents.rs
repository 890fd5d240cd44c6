//! `WebContents`: the main process's handle on one renderer.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use electrode_wire::{Args, Encoded, Frame, SyncOutcome, ValueRules};
use serde::Serialize;

use crate::transport::{Outbound, SendFailure};
use crate::{Error, Limits};

/// Which kind of renderer a `WebContents` is. Listeners need not care; it is for logs and tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RendererKind {
    /// A Rust process using `electrode_renderer::IpcRenderer` over a Unix socket.
    Process,
    /// A web page running the `ipcRenderer` shim over the HTTP/WebSocket bridge.
    Page,
}

enum State {
    Pending { queue: Vec<Encoded>, bytes: usize },
    Connected { out: Arc<dyn Outbound> },
    Destroyed { reason: String },
}

type DestroyCallback = Box<dyn FnOnce(&str) + Send>;

/// A hook that runs for a `WebContents` (created, finished loading).
pub(crate) type ContentsHook = Arc<dyn Fn(&WebContents) + Send + Sync>;

pub(crate) struct ContentsInner {
    id: u64,
    kind: RendererKind,
    embedder: Option<WebContents>,
    limits: Limits,
    rules: ValueRules,
    state: Mutex<State>,
    changed: Condvar,
    on_destroyed: Mutex<Vec<DestroyCallback>>,
    on_did_finish_load: Mutex<Vec<ContentsHook>>,
    loads: AtomicU64,
    registry: Weak<Registry>,
    pid: OnceLock<u32>,
    /// `webContents.ipc`, made on first use.
    ipc: OnceLock<crate::IpcMain>,
    /// The MessagePorts this renderer holds.
    ports: crate::ports::PortTable,
    /// Its link can take socket descriptors (a Unix socket), so its ports may go direct.
    direct_ports: std::sync::atomic::AtomicBool,
}

/// One renderer, as the main process sees it: Electron's `webContents`. Cheap to clone.
///
/// Both Rust renderer processes and web pages are `WebContents`, with ids from one space that
/// are never reused within a main process.
#[derive(Clone)]
pub struct WebContents(Arc<ContentsInner>);

impl fmt::Debug for WebContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebContents")
            .field("id", &self.0.id)
            .field("kind", &self.0.kind)
            .field("destroyed", &self.is_destroyed())
            .finish()
    }
}

impl PartialEq for WebContents {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id
    }
}

fn check_channel(channel: &str, renderer: u64) -> Result<(), Error> {
    if channel.is_empty() {
        return Err(Error::EmptyChannel { renderer });
    }
    Ok(())
}

/// Encodes `args` into a `Message` frame for `channel`, ready for any renderer (broadcasts
/// encode once and send the same frame to all).
pub(crate) fn encode_message<T: Serialize + ?Sized>(
    rules: ValueRules,
    channel: &str,
    args: &T,
) -> Result<Encoded, Error> {
    let args = Args::encode_with(rules, args).map_err(|source| Error::Encode {
        channel: channel.to_string(),
        source,
    })?;
    Ok(Frame::Message {
        channel: channel.to_string(),
        args,
    }
    .encode())
}

impl WebContents {
    /// The renderer's id, unique in this main process.
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// Rust process or web page.
    pub fn kind(&self) -> RendererKind {
        self.0.kind
    }

    /// The value rules of its main: JSON (Electron 1.7.8) or structured clone.
    pub fn value_rules(&self) -> ValueRules {
        self.0.rules
    }

    /// The embedder, when this renderer is a `<webview>` guest.
    pub fn embedder(&self) -> Option<&WebContents> {
        self.0.embedder.as_ref()
    }

    /// `webContents.send(channel, ...args)`: an asynchronous message to the renderer. `args` is
    /// a tuple (the argument list), `()` for none, or any other value as one argument.
    ///
    /// Before the renderer connects the message is queued (bounded by
    /// [`Limits::pending_bytes`]); to a destroyed renderer it is an error, never a panic.
    pub fn send<T: Serialize + ?Sized>(&self, channel: &str, args: &T) -> Result<(), Error> {
        check_channel(channel, self.id())?;
        self.send_encoded(channel, &encode_message(self.0.rules, channel, args)?)
    }

    /// `webContents.postMessage(channel, message, transfer)` (Electron 10+): `message` with
    /// MessagePorts that move to the renderer (its listener finds them in `event.ports`).
    /// Messages queued on a port that was never started follow it. A transferred
    /// `MessagePortMain` can no longer be used by main.
    ///
    /// ```no_run
    /// # fn demo(a: &electrode::WebContents, b: &electrode::WebContents) -> Result<(), electrode::Error> {
    /// // Two renderers talk over a channel; main's listeners see none of it.
    /// let electrode::MessageChannelMain { port1, port2 } = electrode::MessageChannelMain::new();
    /// a.post_message("port", &"to b", &[port1])?;
    /// b.post_message("port", &"to a", &[port2])?;
    /// # Ok(()) }
    /// ```
    pub fn post_message<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        message: &T,
        transfer: &[crate::MessagePortMain],
    ) -> Result<(), Error> {
        check_channel(channel, self.id())?;
        let data =
            Args::encode_with(self.0.rules, &(message,)).map_err(|source| Error::Encode {
                channel: channel.to_string(),
                source,
            })?;
        if transfer.is_empty() {
            // Nothing moves: a message like `send`'s, which every renderer reads.
            return self.send_args(channel, data);
        }
        crate::ports::transfer_to(self, channel, data, transfer)
    }

    pub(crate) fn ports(&self) -> &crate::ports::PortTable {
        &self.0.ports
    }

    pub(crate) fn allow_direct_ports(&self) {
        self.0.direct_ports.store(true, Ordering::Release);
    }

    pub(crate) fn direct_ports_ok(&self) -> bool {
        self.0.direct_ports.load(Ordering::Acquire)
    }

    /// Sends already-encoded arguments (relays and broadcasts use this: no re-encoding).
    pub fn send_args(&self, channel: &str, args: Args) -> Result<(), Error> {
        check_channel(channel, self.id())?;
        let frame = Frame::Message {
            channel: channel.to_string(),
            args,
        };
        self.send_encoded(channel, &frame.encode())
    }

    /// Like [`send`](Self::send), but when the renderer's queue is full, waits up to `timeout`
    /// for room instead of failing at once with [`Error::QueueFull`]: for producers that must
    /// not lose a message to a slow renderer (no sleep-and-retry loop needed).
    ///
    /// ```no_run
    /// # fn demo(wc: &electrode::WebContents) -> Result<(), electrode::Error> {
    /// for chunk in 0..10_000u32 {
    ///     wc.send_timeout("chunk", &(chunk,), std::time::Duration::from_secs(30))?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn send_timeout<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<(), Error> {
        check_channel(channel, self.id())?;
        let frame = encode_message(self.0.rules, channel, args)?;
        let deadline = Instant::now() + timeout;
        loop {
            match self.send_encoded(channel, &frame) {
                Err(Error::QueueFull { .. }) if self.wait_for_room(frame.len(), deadline) => {}
                done => return done,
            }
        }
    }

    /// Waits for room for `bytes` more; `false` once there is no point in trying again.
    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        let out = {
            let state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
            match &*state {
                State::Connected { out } => out.clone(),
                // Not connected yet: its queue empties when it connects.
                State::Pending { .. } => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    let _ = self
                        .0
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner());
                    return Instant::now() < deadline;
                }
                State::Destroyed { .. } => return true,
            }
        };
        out.wait_for_room(bytes, deadline)
    }

    /// `TooLarge` when `frame` is over the renderer's limit (what it accepts from main).
    fn check_frame_size(&self, channel: &str, frame: &Encoded) -> Result<(), Error> {
        let limit = self.0.limits.max_message_size;
        if frame.body_len() > limit {
            return Err(Error::TooLarge {
                channel: channel.to_string(),
                renderer: self.id(),
                size: frame.body_len(),
                limit,
            });
        }
        Ok(())
    }

    pub(crate) fn send_encoded(&self, channel: &str, frame: &Encoded) -> Result<(), Error> {
        self.check_frame_size(channel, frame)?;
        let out = {
            let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
            match &mut *state {
                State::Connected { out } => out.clone(),
                State::Pending { queue, bytes } => {
                    let limit = self.0.limits.pending_bytes;
                    if *bytes + frame.len() > limit {
                        return Err(Error::QueueFull {
                            renderer: self.id(),
                            channel: channel.to_string(),
                            queued: *bytes,
                            limit,
                        });
                    }
                    *bytes += frame.len();
                    queue.push(frame.clone());
                    return Ok(());
                }
                State::Destroyed { reason } => {
                    return Err(Error::Destroyed {
                        renderer: self.id(),
                        channel: channel.to_string(),
                        reason: reason.clone(),
                    })
                }
            }
        };
        out.send(frame).map_err(|f| self.failure(channel, f))
    }

    fn failure(&self, channel: &str, f: SendFailure) -> Error {
        match f {
            SendFailure::Closed(reason) => Error::Destroyed {
                renderer: self.id(),
                channel: channel.to_string(),
                reason,
            },
            SendFailure::QueueFull { queued, limit } => Error::QueueFull {
                renderer: self.id(),
                channel: channel.to_string(),
                queued,
                limit,
            },
        }
    }

    /// Sends an answer (an invoke reply) on the link the renderer has now; never queued for a
    /// later link, whose page would not know the request.
    pub(crate) fn send_reply(&self, channel: &str, frame: &Encoded) -> Result<(), Error> {
        self.check_frame_size(channel, frame)?;
        let out = match &*self.0.state.lock().unwrap_or_else(|e| e.into_inner()) {
            State::Connected { out } => out.clone(),
            _ => {
                return Err(Error::Destroyed {
                    renderer: self.id(),
                    channel: channel.to_string(),
                    reason: "not connected".into(),
                })
            }
        };
        out.send(frame).map_err(|f| self.failure(channel, f))
    }

    pub(crate) fn sync_reply(&self, request: u64, outcome: SyncOutcome) -> Result<(), Error> {
        let out = match &*self.0.state.lock().unwrap_or_else(|e| e.into_inner()) {
            State::Connected { out } => out.clone(),
            _ => {
                return Err(Error::Destroyed {
                    renderer: self.id(),
                    channel: "(sync reply)".into(),
                    reason: "not connected".into(),
                })
            }
        };
        out.sync_reply(request, outcome)
            .map_err(|f| self.failure("(sync reply)", f))
    }

    /// The operating-system process id, for renderers that main spawned.
    pub fn process_id(&self) -> Option<u32> {
        self.0.pid.get().copied()
    }

    pub(crate) fn set_pid(&self, pid: u32) {
        let _ = self.0.pid.set(pid);
    }

    /// Whether the renderer is gone (exited, crashed, disconnected or closed).
    pub fn is_destroyed(&self) -> bool {
        self.destroy_reason().is_some()
    }

    /// Why the renderer was destroyed, if it was.
    pub fn destroy_reason(&self) -> Option<String> {
        match &*self.0.state.lock().unwrap_or_else(|e| e.into_inner()) {
            State::Destroyed { reason } => Some(reason.clone()),
            _ => None,
        }
    }

    /// Whether the renderer has connected and can receive messages now.
    pub fn is_ready(&self) -> bool {
        matches!(
            &*self.0.state.lock().unwrap_or_else(|e| e.into_inner()),
            State::Connected { .. }
        )
    }

    fn wait_until(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if done(&state) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .0
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Waits until the renderer is connected (`true`) or destroyed / out of time (`false`).
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |s| !matches!(s, State::Pending { .. }));
        self.is_ready()
    }

    /// Waits until the renderer is destroyed; returns the reason, or `None` on timeout.
    pub fn wait_destroyed(&self, timeout: Duration) -> Option<String> {
        self.wait_until(timeout, |s| matches!(s, State::Destroyed { .. }));
        self.destroy_reason()
    }

    /// Runs `f(reason)` once the renderer is destroyed (at once if it already is).
    pub fn on_destroyed(&self, f: impl FnOnce(&str) + Send + 'static) {
        if let Some(reason) = self.destroy_reason() {
            f(&reason);
            return;
        }
        self.0
            .on_destroyed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
        // It may have been destroyed between the check and the push.
        if let Some(reason) = self.destroy_reason() {
            self.run_destroy_callbacks(&reason);
        }
    }

    /// Electron's `did-finish-load`: runs `f` each time the renderer has finished loading, that
    /// is when its listeners are in place and messages sent now reach them. For a page this is
    /// after the window's `load` event (a `<webview>` guest that navigates loads again); for a
    /// Rust renderer it is when it has connected. If it has loaded already, `f` also runs once
    /// at once, so a hook added late is not left waiting for an event that has passed.
    ///
    /// ```no_run
    /// # fn demo(main: &electrode::Main) {
    /// main.on_web_contents_created(|wc| {
    ///     wc.on_did_finish_load(|wc| {
    ///         let _ = wc.send("hello", &("welcome",));
    ///     });
    /// });
    /// # }
    /// ```
    pub fn on_did_finish_load(&self, f: impl Fn(&WebContents) + Send + Sync + 'static) {
        let hook: ContentsHook = Arc::new(f);
        let already = {
            let mut hooks = self
                .0
                .on_did_finish_load
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            hooks.push(hook.clone());
            self.0.loads.load(Ordering::Acquire) > 0
        };
        if already {
            hook(self);
        }
    }

    /// How many times the renderer has finished loading (see [`on_did_finish_load`]).
    ///
    /// [`on_did_finish_load`]: WebContents::on_did_finish_load
    pub fn load_count(&self) -> u64 {
        self.0.loads.load(Ordering::Acquire)
    }

    /// Called by transports when the renderer reports that it finished loading; runs the
    /// `did-finish-load` hooks. Not for applications.
    #[doc(hidden)]
    pub fn notify_did_finish_load(&self) {
        let hooks = {
            let hooks = self
                .0
                .on_did_finish_load
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            self.0.loads.fetch_add(1, Ordering::AcqRel);
            hooks.clone()
        };
        self.0.changed.notify_all();
        for hook in hooks {
            run_hook("did-finish-load", self, &hook);
        }
    }

    /// Closes the renderer's link; the renderer is destroyed with `reason`.
    pub fn close(&self, reason: &str) {
        self.destroy(reason);
    }

    /// Drops the current link but keeps the renderer alive and waiting for a new one, as a
    /// `<webview>` guest that navigates keeps its `WebContents`. Messages sent meanwhile are
    /// queued. Returns `false` if it was not connected.
    pub(crate) fn detach(&self, reason: &str) -> bool {
        let out = {
            let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
            if !matches!(&*state, State::Connected { .. }) {
                return false;
            }
            let old = std::mem::replace(
                &mut *state,
                State::Pending {
                    queue: Vec::new(),
                    bytes: 0,
                },
            );
            self.0.changed.notify_all();
            match old {
                State::Connected { out } => out,
                _ => unreachable!("checked above"),
            }
        };
        out.close(reason);
        // The ports were the old page's: its handles mean nothing to the next page (which
        // numbers its own from the start), so they close and their peers hear of it.
        self.0.ports.close_all();
        tracing::info!(
            renderer = self.id(),
            "renderer detached, waiting for a new link: {reason}"
        );
        true
    }

    pub(crate) fn attach(&self, out: Arc<dyn Outbound>) -> Result<(), Error> {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        let queue = match &mut *state {
            State::Pending { queue, .. } => std::mem::take(queue),
            State::Connected { .. } => {
                return Err(Error::Protocol {
                    renderer: self.id(),
                    reason: "renderer is already connected".into(),
                })
            }
            State::Destroyed { reason } => {
                return Err(Error::Destroyed {
                    renderer: self.id(),
                    channel: "(connect)".into(),
                    reason: reason.clone(),
                })
            }
        };
        for frame in &queue {
            if let Err(f) = out.send(frame) {
                return Err(self.failure("(queued before connect)", f));
            }
        }
        *state = State::Connected { out };
        self.0.changed.notify_all();
        Ok(())
    }

    /// `webContents.ipc` (Electron 21+): listeners and handlers for this renderer only. Its
    /// listeners run before `ipcMain`'s for the same message (both run); for `invoke`, a handler
    /// here wins over `ipcMain`'s. Emptied when the renderer is destroyed, so listeners that
    /// hold this `WebContents` do not keep it alive.
    ///
    /// ```
    /// # fn demo(contents: &electrode::WebContents) {
    /// contents.ipc().on("status", |event, args| {
    ///     println!("renderer {} says {:?}", event.sender().id(), args.preview(80));
    ///     Ok(())
    /// });
    /// # }
    /// ```
    pub fn ipc(&self) -> &crate::IpcMain {
        self.0.ipc.get_or_init(crate::IpcMain::new)
    }

    /// `webContents.ipc` if anything ever used it.
    pub(crate) fn local_ipc(&self) -> Option<&crate::IpcMain> {
        self.0.ipc.get()
    }

    pub(crate) fn destroy(&self, reason: &str) {
        let out = {
            let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
            if matches!(&*state, State::Destroyed { .. }) {
                return;
            }
            // Leave the live list before anyone can observe the destroyed state.
            if let Some(registry) = self.0.registry.upgrade() {
                registry.remove(self.id());
            }
            let old = std::mem::replace(
                &mut *state,
                State::Destroyed {
                    reason: reason.to_string(),
                },
            );
            self.0.changed.notify_all();
            match old {
                State::Connected { out } => Some(out),
                _ => None,
            }
        };
        if let Some(out) = out {
            out.close(reason);
        }
        tracing::info!(renderer = self.id(), "renderer destroyed: {reason}");
        self.0.ports.close_all();
        self.run_destroy_callbacks(reason);
        if let Some(ipc) = self.local_ipc() {
            ipc.clear();
        }
    }

    fn run_destroy_callbacks(&self, reason: &str) {
        let callbacks = std::mem::take(
            &mut *self
                .0
                .on_destroyed
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for f in callbacks {
            f(reason);
        }
    }
}

/// Runs a user hook; a panic in it is caught and reported, as for listeners.
fn run_hook(what: &str, wc: &WebContents, hook: &ContentsHook) {
    if let Err(message) = crate::report::catch_panic(|| hook(wc)) {
        crate::error_visible!(
            renderer = wc.id(),
            "the {what} hook for renderer {} panicked: {message}",
            wc.id()
        );
    }
}

/// All live `WebContents` of a main process, and the id counter.
pub(crate) struct Registry {
    contents: RwLock<HashMap<u64, WebContents>>,
    next_id: AtomicU64,
    limits: Limits,
    pub(crate) rules: ValueRules,
    created_hooks: RwLock<Vec<ContentsHook>>,
}

impl Registry {
    pub(crate) fn new(limits: Limits, rules: ValueRules) -> Arc<Self> {
        Arc::new(Registry {
            contents: RwLock::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            limits,
            rules,
            created_hooks: RwLock::new(Vec::new()),
        })
    }

    pub(crate) fn on_created(&self, hook: ContentsHook) {
        self.created_hooks
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(hook);
    }

    pub(crate) fn create(
        self: &Arc<Self>,
        kind: RendererKind,
        embedder: Option<&WebContents>,
    ) -> WebContents {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let wc = WebContents(Arc::new(ContentsInner {
            id,
            kind,
            embedder: embedder.cloned(),
            limits: self.limits,
            rules: self.rules,
            state: Mutex::new(State::Pending {
                queue: Vec::new(),
                bytes: 0,
            }),
            changed: Condvar::new(),
            on_destroyed: Mutex::new(Vec::new()),
            ports: Default::default(),
            direct_ports: Default::default(),
            on_did_finish_load: Mutex::new(Vec::new()),
            loads: AtomicU64::new(0),
            registry: Arc::downgrade(self),
            pid: OnceLock::new(),
            ipc: OnceLock::new(),
        }));
        self.contents
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, wc.clone());
        let hooks = self
            .created_hooks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for hook in hooks {
            run_hook("web-contents-created", &wc, &hook);
        }
        wc
    }

    pub(crate) fn get(&self, id: u64) -> Option<WebContents> {
        self.contents
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    pub(crate) fn remove(&self, id: u64) {
        self.contents
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    pub(crate) fn all(&self) -> Vec<WebContents> {
        let mut v: Vec<_> = self
            .contents
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|w| w.id());
        v
    }
}
