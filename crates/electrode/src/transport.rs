//! The seam between `WebContents` and the links that carry frames (Unix sockets, WebSockets).

use std::sync::Arc;
use std::time::Instant;

use electrode_wire::session::MainSession;
use electrode_wire::{Args, Encoded, Frame, SyncOutcome};

use crate::contents::Registry;
use crate::invoke::InFlight;
use crate::{Error, IpcEvent, IpcMain, WebContents};

/// Why an [`Outbound`] did not take a frame.
#[derive(Debug, Clone)]
pub enum SendFailure {
    /// The link is closed; the text says why.
    Closed(String),
    /// Too many bytes wait to be written already.
    QueueFull {
        /// Bytes waiting.
        queued: usize,
        /// The limit.
        limit: usize,
    },
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendFailure::Closed(reason) => write!(f, "link closed: {reason}"),
            SendFailure::QueueFull { queued, limit } => write!(
                f,
                "{queued} bytes already wait to be written (limit {limit} bytes)"
            ),
        }
    }
}

impl std::error::Error for SendFailure {}

/// The sending half of a renderer link. `send` must not block for long: a link whose peer does
/// not read queues (bounded) and reports [`SendFailure::QueueFull`] past its limit.
pub trait Outbound: Send + Sync + 'static {
    /// Writes or queues one frame.
    fn send(&self, frame: &Encoded) -> Result<(), SendFailure>;

    /// Delivers a `sendSync` answer. Links that answer sync calls out of band (HTTP) override it.
    fn sync_reply(&self, request: u64, outcome: SyncOutcome) -> Result<(), SendFailure> {
        self.send(&Frame::SyncReply { request, outcome }.encode())
    }

    /// Closes the link, telling the peer why when it can.
    fn close(&self, reason: &str);

    /// Waits until `bytes` more could be queued, the link closed, or `deadline` passed;
    /// `false` if there is still no room at the deadline. Links that cannot wait return
    /// `false` at once.
    fn wait_for_room(&self, bytes: usize, deadline: Instant) -> bool {
        let _ = (bytes, deadline);
        false
    }
}

/// The receiving half of a renderer link, held by the transport: it feeds frames in.
pub struct Connection {
    contents: WebContents,
    ipc: IpcMain,
    registry: Arc<Registry>,
    invokes: Arc<InFlight>,
    session: MainSession,
    /// The ring of the region the renderer shared (feature `SHARED_MEMORY`), and the largest
    /// body main takes out of it.
    shared: Option<(electrode_shm::RingReader, usize)>,
    /// Bytes taken out of the shared ring since the workers last asked (their fairness
    /// budget counts them like bytes read from the socket).
    shared_taken: std::sync::atomic::AtomicUsize,
}

impl Connection {
    pub(crate) fn new(
        contents: WebContents,
        ipc: IpcMain,
        registry: Arc<Registry>,
        session: MainSession,
    ) -> Self {
        Connection {
            contents,
            ipc,
            registry,
            invokes: Arc::default(),
            session,
            shared: None,
            shared_taken: Default::default(),
        }
    }

    /// Bytes taken out of the shared ring since the last call.
    pub(crate) fn take_shared_bytes(&self) -> usize {
        self.shared_taken
            .swap(0, std::sync::atomic::Ordering::Relaxed)
    }

    /// The link's shared memory ring (docs/adr/0022): [`Frame::SharedSlice`] bodies are taken
    /// out of it, up to `max_message_size` bytes each.
    pub(crate) fn with_shared_ring(
        mut self,
        ring: electrode_shm::RingReader,
        max_message_size: usize,
    ) -> Self {
        self.shared = Some((ring, max_message_size));
        self
    }

    /// Copies a frame body out of the shared ring and decodes it: the frame that travelled
    /// by reference, handled as if it had come on the socket.
    fn take_shared(&self, at: u64, len: u64) -> Result<Frame, Error> {
        let Some((ring, limit)) = &self.shared else {
            return Err(self.protocol("SharedSlice on a link without a shared region".into()));
        };
        let body = ring
            .take(at, len, *limit)
            .map_err(|e| self.protocol(e.to_string()))?;
        self.shared_taken
            .fetch_add(body.len(), std::sync::atomic::Ordering::Relaxed);
        let frame = Frame::decode(body, *limit)
            .map_err(|e| self.protocol(format!("malformed frame in shared memory: {e}")))?;
        if matches!(frame, Frame::SharedSlice { .. }) {
            return Err(self.protocol("a SharedSlice inside shared memory".into()));
        }
        Ok(frame)
    }

    /// The renderer on this link.
    pub fn contents(&self) -> &WebContents {
        &self.contents
    }

    pub(crate) fn session_features(&self) -> electrode_wire::Features {
        self.session.agreement().features
    }

    fn protocol(&self, reason: String) -> Error {
        Error::Protocol {
            renderer: self.contents.id(),
            reason,
        }
    }

    /// Handles one frame from the renderer, running listeners on the calling thread. An `Err`
    /// means the renderer broke the protocol: the transport logs it and closes the link.
    pub fn handle_frame(&self, frame: Frame) -> Result<(), Error> {
        let me = self.contents.id();
        self.session
            .check(&frame)
            .map_err(|reason| self.protocol(reason.to_string()))?;
        match frame {
            Frame::SharedSlice { at, len } => {
                let inner = self.take_shared(at, len)?;
                return self.handle_frame(inner);
            }
            Frame::Send { channel, args } => {
                let event = IpcEvent::new_async(self.contents.clone(), channel);
                let local = self.local_dispatch(&event, &args);
                self.ipc.dispatch(&event, &args, local == 0);
            }
            Frame::SendSync {
                request,
                channel,
                args,
            } => {
                let event = IpcEvent::new_sync(self.contents.clone(), channel, request);
                let local = self.local_dispatch(&event, &args);
                let ran = self.ipc.dispatch(&event, &args, local == 0);
                event.set_listeners_ran(local + ran);
            }
            Frame::Invoke {
                request,
                channel,
                args,
            } => {
                // webContents.ipc's handler wins over ipcMain's, as in Electron.
                let handler = self
                    .contents
                    .local_ipc()
                    .and_then(|local| local.handlers().take(&channel))
                    .or_else(|| self.ipc.handlers().take(&channel));
                self.invokes
                    .start(handler, &self.contents, request, channel, args);
            }
            Frame::InvokeCancel { request } => self.invokes.cancel(request),
            Frame::PostMessage {
                channel,
                ports,
                args,
            } => {
                let ports = crate::ports::received_post_message(&self.contents, &ports)
                    .map_err(|reason| self.protocol(reason))?;
                let event = IpcEvent::new_with_ports(self.contents.clone(), channel, ports);
                let local = self.local_dispatch(&event, &args);
                self.ipc.dispatch(&event, &args, local == 0);
            }
            Frame::PortSend { port, args } => {
                crate::ports::received_port_send(&self.contents, port, args)
                    .map_err(|reason| self.protocol(reason))?;
            }
            Frame::PortClose { port } => crate::ports::received_port_close(&self.contents, port),
            Frame::PortSwitch { port } => crate::ports::received_port_switch(&self.contents, port),
            Frame::SendToHost { channel, args } => {
                args.validate().map_err(|e| {
                    self.protocol(format!("sendToHost on channel '{channel}': {e}"))
                })?;
                match self.contents.embedder() {
                    Some(host) => {
                        let frame = Frame::HostMessage {
                            guest: me,
                            channel: channel.clone(),
                            args,
                        };
                        if let Err(e) = host.send_encoded(&channel, &frame.encode()) {
                            crate::warn_visible!(renderer = me, "sendToHost dropped: {e}");
                        }
                    }
                    None => crate::warn_visible!(
                        renderer = me,
                        "sendToHost on channel '{channel}' dropped: renderer {me} is not a <webview> guest"
                    ),
                }
            }
            Frame::SendTo {
                target,
                channel,
                args,
            } => {
                args.validate()
                    .map_err(|e| self.protocol(format!("sendTo on channel '{channel}': {e}")))?;
                match self.registry.get(target) {
                    Some(t) => {
                        if let Err(e) = t.send_args(&channel, args) {
                            crate::warn_visible!(renderer = me, "sendTo {target} dropped: {e}");
                        }
                    }
                    None => crate::error_visible!(
                        renderer = me,
                        "Sending message to WebContents with unknown ID {target} (channel '{channel}')"
                    ),
                }
            }
            Frame::WebviewSend {
                guest,
                channel,
                args,
            } => {
                args.validate().map_err(|e| {
                    self.protocol(format!("<webview>.send on channel '{channel}': {e}"))
                })?;
                match self.registry.get(guest) {
                    Some(g) if g.embedder().map(|e| e.id()) == Some(me) => {
                        if let Err(e) = g.send_args(&channel, args) {
                            crate::warn_visible!(renderer = me, "<webview>.send to guest {guest} dropped: {e}");
                        }
                    }
                    _ => crate::warn_visible!(
                        renderer = me,
                        "<webview>.send on channel '{channel}' dropped: renderer {guest} is not a live guest of renderer {me}"
                    ),
                }
            }
            other => {
                return Err(self.protocol(format!(
                    "frame type {:?} may only be sent by the main process",
                    other.kind()
                )))
            }
        }
        Ok(())
    }

    /// Runs `webContents.ipc`'s listeners, if it has any; returns how many ran.
    fn local_dispatch(&self, event: &IpcEvent, args: &Args) -> usize {
        self.contents
            .local_ipc()
            .map_or(0, |local| local.dispatch(event, args, false))
    }

    /// The link ended: the renderer is destroyed with this reason.
    pub fn closed(&self, reason: &str) {
        self.invokes.cancel_all();
        self.contents.destroy(reason);
    }

    /// The link ended but the renderer lives on, waiting for a new link
    /// ([`Main::attach`](crate::Main::attach)) with messages queued meanwhile: a `<webview>`
    /// guest that reloads or navigates keeps its id, as in Electron.
    pub fn detached(&self, reason: &str) {
        self.invokes.cancel_all();
        self.contents.detach(reason);
    }
}
