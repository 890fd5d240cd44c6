//! `ipcMain.handle` / `ipcRenderer.invoke`: one handler per channel, answered with a value or a
//! failure, now or later (an `async` handler runs on a small pool main owns).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use electrode_wire::{Args, Frame, InvokeFailure, InvokeOutcome};
use futures_util::future::{AbortHandle, Abortable};
use serde::Serialize;

use crate::{BoxError, WebContents};

/// The most invokes one renderer may have waiting for their handlers; more are answered with
/// an error at once (a renderer must not be able to pile up unbounded work in main).
pub(crate) const MAX_INVOKES_IN_FLIGHT: usize = 1024;

/// An error a handler returns to give the caller a typed payload, beyond Electron's message:
/// the page's rejected `Error` gets `code` and `data` properties, a Rust renderer's
/// `Error::Invoke` carries them.
///
/// ```
/// use electrode::{InvokeError, IpcMain};
/// let ipc = IpcMain::new();
/// ipc.handle("open", |_event, args| {
///     let path: String = args.get(0)?;
///     if path.is_empty() {
///         return Err(InvokeError::new("no path given")
///             .with_code("ENOENT")
///             .with_data(serde_json::json!({ "path": path }))
///             .into());
///     }
///     Ok(path.len())
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeError(InvokeFailure);

impl InvokeError {
    /// A failure with this message (what Electron's rejection shows).
    pub fn new(message: impl Into<String>) -> Self {
        InvokeError(InvokeFailure::new(message))
    }

    /// Adds a code a program can match (a string, usually).
    pub fn with_code(mut self, code: impl Into<serde_json::Value>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Adds structured details.
    pub fn with_data(mut self, data: impl Into<serde_json::Value>) -> Self {
        self.0.data = Some(data.into());
        self
    }
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for InvokeError {}

/// The `event` of `ipcMain.handle(channel, (event, ...args))`: who asked, on which channel, and
/// whether the caller has stopped waiting. Cheap to clone; an `async` handler owns one.
#[derive(Clone)]
pub struct InvokeEvent(Arc<Call>);

struct Call {
    sender: WebContents,
    channel: String,
    request: u64,
    cancelled: AtomicBool,
    abort: Mutex<Option<AbortHandle>>,
}

impl InvokeEvent {
    /// The renderer that called `invoke`.
    pub fn sender(&self) -> &WebContents {
        &self.0.sender
    }

    /// The channel invoked.
    pub fn channel(&self) -> &str {
        &self.0.channel
    }

    /// `event.processId`: the sender's operating-system process id, as
    /// [`IpcEvent::process_id`](crate::IpcEvent::process_id).
    pub fn process_id(&self) -> Option<u32> {
        self.0.sender.process_id()
    }

    /// Whether the caller stopped waiting (it cancelled, or its link closed): the answer will be
    /// dropped, so long work may stop. An `async` handler is also dropped at its next `.await`.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::Acquire)
    }
}

type Answer = Result<Bytes, InvokeFailure>;
type AnswerFuture = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// What a handler gave: an answer now, or a future that gives it.
pub(crate) enum Handled {
    Now(Answer),
    Later(AnswerFuture),
}

pub(crate) type Handler = dyn Fn(&InvokeEvent, &Args) -> Handled + Send + Sync;

/// One registered handler.
#[derive(Clone)]
pub(crate) struct Registered {
    pub(crate) once: bool,
    pub(crate) handler: Arc<Handler>,
}

/// The handler table of one `IpcMain` (or one `WebContents`).
#[derive(Default)]
pub(crate) struct Handlers(Mutex<HashMap<String, Registered>>);

impl Handlers {
    /// Adds a handler; `Err` is Electron's text when the channel has one already.
    pub(crate) fn add(&self, channel: &str, entry: Registered) -> Result<(), String> {
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if table.contains_key(channel) {
            return Err(format!(
                "Attempted to register a second handler for '{channel}'"
            ));
        }
        table.insert(channel.to_string(), entry);
        Ok(())
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub(crate) fn remove(&self, channel: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(channel)
            .is_some()
    }

    /// The handler for `channel`; a `handle_once` handler is taken out.
    pub(crate) fn take(&self, channel: &str) -> Option<Arc<Handler>> {
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = table.get(channel)?.clone();
        if entry.once {
            table.remove(channel);
        }
        Some(entry.handler)
    }
}

/// Turns a handler's value into the body of the reply.
pub(crate) fn encode_value<T: Serialize>(sender: &WebContents, value: &T) -> Answer {
    encode_reply(sender, value).map_err(|e| {
        InvokeFailure::new(format!(
            "the handler's value cannot be sent under {} rules: {e}",
            sender.value_rules()
        ))
    })
}

/// The body of a `sendSync` or `invoke` reply. Under JSON rules it is JSON text: pages get
/// Electron's `JSON.stringify` shape for bytes, Rust renderers a number array that reads into
/// `Vec<u8>` or `Bytes`. Under structured-clone rules it is an argument section with one
/// argument, so tags and attachments travel as in any message (docs/adr/0018).
pub(crate) fn encode_reply<T: Serialize + ?Sized>(
    sender: &WebContents,
    value: &T,
) -> Result<Bytes, String> {
    if sender.value_rules() == electrode_wire::ValueRules::StructuredClone {
        return electrode_wire::Args::encode_with(sender.value_rules(), &(value,))
            .map(|args| args.raw())
            .map_err(|e| e.to_string());
    }
    match sender.kind() {
        crate::RendererKind::Page => crate::buffer_json::to_vec(value),
        crate::RendererKind::Process => serde_json::to_vec(value),
    }
    .map(Bytes::from)
    .map_err(|e| e.to_string())
}

/// Turns a handler's error into the failure sent back, keeping an [`InvokeError`]'s payload.
pub(crate) fn failure_of(error: BoxError) -> InvokeFailure {
    match error.downcast::<InvokeError>() {
        Ok(typed) => typed.0,
        Err(other) => InvokeFailure::new(other.to_string()),
    }
}

/// The invokes of one link that wait for their handlers.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashMap<u64, InvokeEvent>>);

impl InFlight {
    /// Runs the handler of one `Invoke` frame and sends its answer when it has one.
    pub(crate) fn start(
        self: &Arc<Self>,
        handler: Option<Arc<Handler>>,
        sender: &WebContents,
        request: u64,
        channel: String,
        args: Args,
    ) {
        let Some(handler) = handler else {
            let why = format!("No handler registered for '{channel}'");
            return reply(sender, request, &channel, Err(InvokeFailure::new(why)));
        };
        let event = InvokeEvent(Arc::new(Call {
            sender: sender.clone(),
            channel,
            request,
            cancelled: AtomicBool::new(false),
            abort: Mutex::new(None),
        }));
        {
            let mut calls = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if calls.len() >= MAX_INVOKES_IN_FLIGHT {
                drop(calls);
                let why = format!(
                    "renderer {} has {MAX_INVOKES_IN_FLIGHT} invokes waiting for their handlers already (the limit); invoke on channel '{}' refused",
                    sender.id(),
                    event.channel()
                );
                crate::warn_visible!(renderer = sender.id(), "{why}");
                return reply(
                    sender,
                    request,
                    event.channel(),
                    Err(InvokeFailure::new(why)),
                );
            }
            calls.insert(request, event.clone());
        }
        let handled = crate::report::catch_panic(|| handler(&event, &args))
            .unwrap_or_else(|panic| Handled::Now(Err(InvokeFailure::new(panic))));
        match handled {
            Handled::Now(answer) => self.finish(&event, answer),
            Handled::Later(future) => {
                let (abort, registration) = AbortHandle::new_pair();
                *event.0.abort.lock().unwrap_or_else(|e| e.into_inner()) = Some(abort);
                if event.is_cancelled() {
                    return;
                }
                let flights = self.clone();
                let task = Abortable::new(future, registration);
                pool().spawn_ok(async move {
                    if let Ok(answer) = task.await {
                        flights.finish(&event, answer);
                    }
                });
            }
        }
    }

    /// Sends the answer unless the caller stopped waiting.
    fn finish(&self, event: &InvokeEvent, answer: Answer) {
        let still_waiting = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&event.0.request)
            .is_some();
        if still_waiting && !event.is_cancelled() {
            reply(&event.0.sender, event.0.request, &event.0.channel, answer);
        }
    }

    /// The caller stopped waiting for `request`: tell its handler.
    pub(crate) fn cancel(&self, request: u64) {
        let call = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&request);
        if let Some(event) = call {
            cancel_call(&event);
        }
    }

    /// The link closed: every handler still running is told.
    pub(crate) fn cancel_all(&self) {
        let calls: Vec<InvokeEvent> = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, e)| e)
            .collect();
        calls.iter().for_each(cancel_call);
    }
}

fn cancel_call(event: &InvokeEvent) {
    event.0.cancelled.store(true, Ordering::Release);
    if let Some(abort) = event
        .0
        .abort
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        abort.abort();
    }
}

fn reply(sender: &WebContents, request: u64, channel: &str, answer: Answer) {
    let outcome = match answer {
        Ok(json) => InvokeOutcome::Value(json),
        Err(failure) => {
            // Electron logs every handler failure in main ("Error occurred in handler for").
            crate::error_visible!(
                renderer = sender.id(),
                "Error occurred in handler for '{channel}' (invoked by renderer {}): {}",
                sender.id(),
                failure.message
            );
            InvokeOutcome::Error(failure)
        }
    };
    let frame = Frame::InvokeReply { request, outcome }.encode();
    let sent = match sender.send_reply(channel, &frame) {
        Err(crate::Error::TooLarge { size, limit, .. }) => {
            let why = format!(
                "the answer of the handler for '{channel}' is {size} bytes, over the limit of {limit} bytes"
            );
            crate::error_visible!(renderer = sender.id(), "{why}");
            let outcome = InvokeOutcome::Error(InvokeFailure::new(why));
            sender.send_reply(channel, &Frame::InvokeReply { request, outcome }.encode())
        }
        other => other,
    };
    match sent {
        Ok(()) => {}
        // The renderer waits for this answer but does not read what main sends it: close its
        // link (its invoke fails with the reason) rather than drop the answer without a word.
        Err(crate::Error::QueueFull { queued, limit, .. }) => {
            let reason = format!(
                "renderer {} does not read its messages ({queued} bytes wait, limit {limit}): the answer to its invoke on channel '{channel}' cannot be queued",
                sender.id()
            );
            crate::warn_visible!(renderer = sender.id(), "{reason}; closing its link");
            sender.close(&reason);
        }
        // Gone already: nobody waits for the answer.
        Err(e) => tracing::debug!(
            renderer = sender.id(),
            "the answer to invoke on channel '{channel}' was not delivered: {e}"
        ),
    }
}

/// The threads that run `async` handlers: two, started on first use. Handlers that block
/// should move that work to a thread of their own.
fn pool() -> &'static futures_executor::ThreadPool {
    static POOL: OnceLock<futures_executor::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        futures_executor::ThreadPool::builder()
            .pool_size(2)
            .name_prefix("electrode-handle-")
            .create()
            .expect("cannot start the threads for async invoke handlers")
    })
}
