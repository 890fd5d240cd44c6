//! The event passed to main-process listeners, and sync replies.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use electrode_wire::SyncOutcome;
use serde::Serialize;

use crate::{Error, WebContents};

/// The `event` of `ipcMain.on(channel, (event, ...args))`.
pub struct IpcEvent {
    sender: WebContents,
    channel: String,
    reply: Option<SyncReply>,
    ports: Vec<crate::MessagePortMain>,
}

impl IpcEvent {
    pub(crate) fn new_async(sender: WebContents, channel: String) -> Self {
        IpcEvent {
            sender,
            channel,
            reply: None,
            ports: Vec::new(),
        }
    }

    pub(crate) fn new_with_ports(
        sender: WebContents,
        channel: String,
        ports: Vec<crate::MessagePortMain>,
    ) -> Self {
        IpcEvent {
            ports,
            ..IpcEvent::new_async(sender, channel)
        }
    }

    /// `event.ports`: the MessagePorts a renderer's `postMessage` transferred (empty for
    /// other messages). They are held by main from now on; start them to get their messages.
    pub fn ports(&self) -> &[crate::MessagePortMain] {
        &self.ports
    }

    pub(crate) fn new_sync(sender: WebContents, channel: String, request: u64) -> Self {
        let reply = SyncReply(Arc::new(ReplyState {
            sender: sender.clone(),
            channel: channel.clone(),
            request,
            done: AtomicBool::new(false),
            listeners_ran: AtomicUsize::new(0),
        }));
        IpcEvent {
            sender,
            channel,
            reply: Some(reply),
            ports: Vec::new(),
        }
    }

    /// The `WebContents` that sent the message; `event.sender().send(..)` is the async reply.
    pub fn sender(&self) -> &WebContents {
        &self.sender
    }

    /// The channel the message came on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// `event.processId` (Electron 9+): the operating-system process id of the sender, for
    /// renderer processes main spawned; `None` for pages (a browser does not say) and for
    /// renderers started elsewhere. Electron's `event.frameId` has no counterpart: a
    /// renderer here is one frame.
    pub fn process_id(&self) -> Option<u32> {
        self.sender.process_id()
    }

    /// `event.reply(channel, ...args)` (Electron 5+): an async message back to the renderer
    /// that sent this one, the same as `event.sender().send(..)` (a renderer here has one
    /// frame).
    ///
    /// ```
    /// # let ipc = electrode::IpcMain::new();
    /// ipc.on("ping", |event, _args| {
    ///     event.reply("pong", &("hello",))?;
    ///     Ok(())
    /// });
    /// ```
    pub fn reply<T: Serialize + ?Sized>(&self, channel: &str, args: &T) -> Result<(), Error> {
        self.sender.send(channel, args)
    }

    /// Whether the renderer is blocked in `sendSync` waiting for a return value.
    pub fn is_sync(&self) -> bool {
        self.reply.is_some()
    }

    /// `event.returnValue = value`: answers a `sendSync`. The value follows JSON rules (as
    /// `JSON.stringify` in Electron 1.7.8). The first value set wins: returns `Ok(true)` if this
    /// call answered, `Ok(false)` if an answer had already been sent. On an asynchronous message
    /// this is [`Error::NotSync`].
    pub fn set_return_value<T: Serialize>(&self, value: T) -> Result<bool, Error> {
        self.reply_handle()?.send(value)
    }

    /// A handle that can answer the `sendSync` later, from any thread. While a handle (or the
    /// event) is alive the renderer keeps waiting; when the last one is dropped without an
    /// answer, the renderer gets an error naming the channel instead of hanging.
    pub fn reply_handle(&self) -> Result<SyncReply, Error> {
        self.reply.clone().ok_or_else(|| Error::NotSync {
            channel: self.channel.clone(),
            renderer: self.sender.id(),
        })
    }

    pub(crate) fn fail(&self, why: &str) {
        if let Some(r) = &self.reply {
            r.error(why);
        }
    }

    pub(crate) fn set_listeners_ran(&self, n: usize) {
        if let Some(r) = &self.reply {
            r.0.listeners_ran.store(n, Ordering::Relaxed);
        }
    }
}

/// A pending `sendSync` answer. Clone it, move it to another thread or task, answer later.
///
/// ```no_run
/// # use electrode::IpcMain;
/// let ipc = IpcMain::new();
/// ipc.on("slow", |event, _args| {
///     let reply = event.reply_handle()?;
///     std::thread::spawn(move || {
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         reply.send("done").ok();
///     });
///     Ok(())
/// });
/// ```
#[derive(Clone)]
pub struct SyncReply(Arc<ReplyState>);

struct ReplyState {
    sender: WebContents,
    channel: String,
    request: u64,
    done: AtomicBool,
    listeners_ran: AtomicUsize,
}

impl ReplyState {
    fn deliver(&self, outcome: SyncOutcome) -> bool {
        if self.done.swap(true, Ordering::AcqRel) {
            return false;
        }
        match self.sender.sync_reply(self.request, outcome) {
            Ok(()) => {}
            // The renderer waits for this answer but does not read what main sends it: it would
            // wait forever. Close its link (its sendSync fails with the reason) rather than
            // drop the answer without a word.
            Err(Error::QueueFull { queued, limit, .. }) => {
                let reason = format!(
                    "renderer {} does not read its messages ({queued} bytes wait, limit {limit}): the answer to its sendSync on channel '{}' cannot be queued",
                    self.sender.id(),
                    self.channel
                );
                crate::warn_visible!(renderer = self.sender.id(), "{reason}; closing its link");
                self.sender.close(&reason);
            }
            Err(e) => {
                tracing::debug!(renderer = self.sender.id(), channel = %self.channel, "sync reply not delivered: {e}")
            }
        }
        true
    }
}

impl Drop for ReplyState {
    fn drop(&mut self) {
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let why = match self.listeners_ran.load(Ordering::Relaxed) {
            0 => format!(
                "no listener for sendSync on channel '{}' in the main process",
                self.channel
            ),
            n => format!(
                "{n} listener(s) ran for sendSync on channel '{}' but none set a return value",
                self.channel
            ),
        };
        crate::warn_visible!(renderer = self.sender.id(), "{why}");
        self.deliver(SyncOutcome::Error(why));
    }
}

impl SyncReply {
    /// Sends the return value (JSON rules). `Ok(false)` if the call was already answered.
    pub fn send<T: Serialize>(&self, value: T) -> Result<bool, Error> {
        if self.is_done() {
            return Ok(false);
        }
        let json = crate::invoke::encode_reply(&self.0.sender, &value).map_err(|message| {
            Error::BadReturnValue {
                channel: self.0.channel.clone(),
                renderer: self.0.sender.id(),
                message,
            }
        })?;
        Ok(self.0.deliver(SyncOutcome::Value(json)))
    }

    /// Answers with an error: the renderer's `sendSync` fails with this text.
    pub fn error(&self, message: &str) -> bool {
        self.0.deliver(SyncOutcome::Error(message.to_string()))
    }

    /// Whether an answer was already sent.
    pub fn is_done(&self) -> bool {
        self.0.done.load(Ordering::Acquire)
    }

    /// The channel of the pending call.
    pub fn channel(&self) -> &str {
        &self.0.channel
    }
}
