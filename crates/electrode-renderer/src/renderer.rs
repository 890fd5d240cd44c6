//! The public `IpcRenderer` API.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use electrode_wire::report::catch_panic;

use electrode_wire::emitter::{Emitter, ListenerId};
use electrode_wire::{Args, Frame, SyncOutcome, ValueRules, ENV_SOCKET, ENV_TOKEN};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::drivers::{MemoryTransport, UnixTransport};
use crate::link::{Link, MAX_HANDSHAKE_FRAME};
use crate::transport::{FrameSource, Transport};
use crate::{BoxError, Error};
use electrode_wire::memory::MemoryLink;

type Listener = dyn Fn(&RendererEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static;
type HostListener = dyn Fn(&IpcMessageEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static;

/// The channel name under which `<webview>` `ipc-message` listeners are kept.
const IPC_MESSAGE: &str = "ipc-message";

pub(crate) struct Inner {
    pub(crate) link: Link,
    listeners: Emitter<Listener>,
    host_listeners: Emitter<HostListener>,
    ports: crate::ports::PortTable,
}

/// Electron's `ipcRenderer` for a Rust renderer process. Cheap to clone; clones share the link.
#[derive(Clone)]
pub struct IpcRenderer(pub(crate) Arc<Inner>);

/// The `event` passed to renderer listeners: `{ sender }`, as in Electron 1.7.8.
pub struct RendererEvent {
    sender: IpcRenderer,
    channel: String,
    ports: Vec<crate::MessagePort>,
}

impl RendererEvent {
    /// This renderer's own `IpcRenderer` (Electron's `event.sender`).
    pub fn sender(&self) -> &IpcRenderer {
        &self.sender
    }

    /// The channel the message came on.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// `event.ports`: the MessagePorts main's `webContents.postMessage` handed over (empty
    /// for other messages). Start them to get their messages.
    pub fn ports(&self) -> &[crate::MessagePort] {
        &self.ports
    }
}

/// The `<webview>` `ipc-message` event: a guest called `send_to_host`.
pub struct IpcMessageEvent {
    webview: Webview,
    channel: String,
}

impl IpcMessageEvent {
    /// The guest's `<webview>` handle (reply with `event.webview().send(..)`).
    pub fn webview(&self) -> &Webview {
        &self.webview
    }

    /// The channel the guest used (`event.channel`).
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

/// The embedder's handle on one of its guests, like a `<webview>` element.
#[derive(Clone)]
pub struct Webview {
    owner: IpcRenderer,
    guest: u64,
}

impl Webview {
    /// The guest's `WebContents` id.
    pub fn guest_id(&self) -> u64 {
        self.guest
    }

    /// `<webview>.send(channel, ...args)`: reaches the guest's `on` listeners.
    pub fn send<T: Serialize + ?Sized>(&self, channel: &str, args: &T) -> Result<(), Error> {
        let args = self.owner.encode(channel, args)?;
        self.owner.write(
            channel,
            Frame::WebviewSend {
                guest: self.guest,
                channel: channel.to_string(),
                args,
            },
        )
    }
}

impl IpcRenderer {
    /// Connects using `ELECTRODE_SOCKET` and `ELECTRODE_TOKEN`, which `Main::spawn_renderer`
    /// sets for the child. Delivery to listeners starts at once; to be sure no early message
    /// from main finds its listener missing, register listeners in
    /// [`connect_from_env_with`](Self::connect_from_env_with).
    pub fn connect_from_env() -> Result<IpcRenderer, Error> {
        IpcRenderer::connect_from_env_with(|_| {})
    }

    /// Connects using the environment, runs `setup` (register listeners there), then starts
    /// delivering messages. Messages main sent before the renderer connected wait for `setup`.
    ///
    /// ```no_run
    /// use electrode_renderer::IpcRenderer;
    /// let ipc = IpcRenderer::connect_from_env_with(|ipc| {
    ///     ipc.on("config", |_event, args| {
    ///         let theme: String = args.get(0)?;
    ///         println!("theme: {theme}");
    ///         Ok(())
    ///     });
    /// })?;
    /// # Ok::<(), electrode_renderer::Error>(())
    /// ```
    pub fn connect_from_env_with(setup: impl FnOnce(&IpcRenderer)) -> Result<IpcRenderer, Error> {
        let socket = std::env::var_os(ENV_SOCKET).ok_or(Error::MissingEnv(ENV_SOCKET))?;
        let token = std::env::var(ENV_TOKEN).map_err(|_| Error::MissingEnv(ENV_TOKEN))?;
        IpcRenderer::connect_with(Path::new(&socket), &token, setup)
    }

    /// Connects to main's socket with a token main issued.
    pub fn connect(socket: &Path, token: &str) -> Result<IpcRenderer, Error> {
        IpcRenderer::connect_with(socket, token, |_| {})
    }

    /// Connects, runs `setup`, then starts delivering messages to listeners.
    pub fn connect_with(
        socket: &Path,
        token: &str,
        setup: impl FnOnce(&IpcRenderer),
    ) -> Result<IpcRenderer, Error> {
        let (transport, source) =
            UnixTransport::connect(socket, MAX_HANDSHAKE_FRAME).map_err(|source| {
                Error::Connect {
                    socket: socket.to_path_buf(),
                    source,
                }
            })?;
        IpcRenderer::connect_transport_at(transport, source, token, setup, Some(socket))
    }

    /// Connects over the in-memory link main made for a renderer in its own process
    /// (`Main::memory_renderer`), runs `setup`, then starts delivering messages.
    ///
    /// ```
    /// # fn demo(link: electrode_wire::memory::MemoryLink) -> Result<(), electrode_renderer::Error> {
    /// use electrode_renderer::IpcRenderer;
    /// let ipc = IpcRenderer::connect_memory(link, |ipc| {
    ///     ipc.on("pong", |_event, _args| Ok(()));
    /// })?;
    /// ipc.send("ping", &(1,))?;
    /// # Ok(()) }
    /// ```
    pub fn connect_memory(
        link: MemoryLink,
        setup: impl FnOnce(&IpcRenderer),
    ) -> Result<IpcRenderer, Error> {
        let MemoryLink { end, token } = link;
        let (transport, source) = MemoryTransport::new(end, MAX_HANDSHAKE_FRAME);
        IpcRenderer::connect_transport(transport, source, &token, setup)
    }

    /// Connects over a transport of your own (see [`crate::transport`]): sends the Hello with
    /// `token`, reads main's Welcome, runs `setup`, then starts delivering messages. Until the
    /// Welcome, `source` should refuse frames over 64 KiB.
    pub fn connect_transport(
        transport: impl Transport,
        source: impl FrameSource,
        token: &str,
        setup: impl FnOnce(&IpcRenderer),
    ) -> Result<IpcRenderer, Error> {
        IpcRenderer::connect_transport_at(transport, source, token, setup, None)
    }

    fn connect_transport_at(
        transport: impl Transport,
        source: impl FrameSource,
        token: &str,
        setup: impl FnOnce(&IpcRenderer),
        socket: Option<&Path>,
    ) -> Result<IpcRenderer, Error> {
        let link = Link::handshake(Box::new(transport), Box::new(source), token)?;
        let ipc = IpcRenderer(Arc::new(Inner {
            link,
            listeners: Emitter::new("ipcRenderer"),
            host_listeners: Emitter::new("<webview>"),
            ports: Default::default(),
        }));
        if let Some(socket) = socket {
            let _ = ipc.0.ports.socket.set(socket.to_path_buf());
        }
        setup(&ipc);
        let bg = ipc.clone();
        std::thread::Builder::new()
            .name("electrode-renderer".into())
            .spawn(move || {
                bg.0.link.run(|frame| bg.dispatch(frame));
                // The link ended: the ports beyond it are gone too.
                bg.0.ports.close_all();
            })
            .map_err(|e| Error::Handshake(format!("cannot start the dispatch thread: {e}")))?;
        Ok(ipc)
    }

    /// This renderer's `WebContents` id in main.
    pub fn id(&self) -> u64 {
        self.0.link.id
    }

    /// The embedder's id, when this renderer is a `<webview>` guest.
    pub fn embedder_id(&self) -> Option<u64> {
        self.0.link.embedder
    }

    /// The largest message main accepts (main's `max_message_size`, told in its Welcome):
    /// sends above it fail with [`Error::TooLarge`](crate::Error) before anything is written.
    pub fn max_message_size(&self) -> usize {
        self.0.link.max_message_size
    }

    /// The protocol version and optional features this renderer and main agreed on.
    pub fn protocol(&self) -> electrode_wire::handshake::Agreement {
        self.0.link.agreement
    }

    /// Lets a `send_sync` caller poll for its reply for up to `spin` (at most 1 ms) before it
    /// blocks (default: no spin). A reply that comes within the spin costs no sleep and no
    /// wake-up, which across vCPUs is most of a small round trip; the price is the calling
    /// thread's vCPU, busy for the whole spin when the reply is slower. Off by default, for
    /// latency-critical renderers with a vCPU to spare; `Duration::ZERO` turns it off again.
    /// Only the Unix-socket transport spins; others ignore it.
    ///
    /// ```no_run
    /// # fn demo(ipc: &electrode_renderer::IpcRenderer) {
    /// ipc.set_sync_spin(std::time::Duration::from_micros(20));
    /// # }
    /// ```
    pub fn set_sync_spin(&self, spin: std::time::Duration) {
        self.0.link.set_sync_spin(spin);
    }

    /// `None` while connected; the reason once the link to main is gone.
    pub fn disconnect_reason(&self) -> Option<String> {
        self.0.link.disconnected().map(|e| e.to_string())
    }

    /// Closes the link to main.
    pub fn close(&self) {
        self.0.link.close("closed by the renderer");
    }

    /// Blocks until the link to main is gone, then returns why.
    pub fn wait_disconnected(&self) -> String {
        self.0.link.wait_dead().to_string()
    }

    /// Calls `listener(event, args)` for every message on `channel`.
    pub fn on<F>(&self, channel: &str, listener: F) -> ListenerId
    where
        F: Fn(&RendererEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.0.listeners.add(channel, false, Box::new(listener))
    }

    /// Like [`on`](Self::on), for the next message only; removed before it runs.
    pub fn once<F>(&self, channel: &str, listener: F) -> ListenerId
    where
        F: Fn(&RendererEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.0.listeners.add(channel, true, Box::new(listener))
    }

    /// Removes listener `id` from `channel`; `false` if it was not there.
    pub fn remove_listener(&self, channel: &str, id: ListenerId) -> bool {
        self.0.listeners.remove(channel, id)
    }

    /// Removes every listener of `channel`.
    pub fn remove_all_listeners(&self, channel: &str) {
        self.0.listeners.remove_all(Some(channel));
    }

    /// Removes every listener of every channel.
    pub fn remove_all_listeners_everywhere(&self) {
        self.0.listeners.remove_all(None);
    }

    /// Number of listeners on `channel`.
    pub fn listener_count(&self, channel: &str) -> usize {
        self.0.listeners.count(channel)
    }

    /// Channels with listeners, sorted.
    pub fn channels(&self) -> Vec<String> {
        self.0.listeners.channels()
    }

    /// The value rules main chose for this link (see `electrode::MainBuilder::values`):
    /// what the values this renderer sends and receives may be.
    pub fn value_rules(&self) -> ValueRules {
        self.0.link.rules()
    }

    /// Sets the per-channel count above which a leak warning is logged (default 10, 0 = off).
    pub fn set_max_listeners(&self, n: usize) {
        self.0.listeners.set_max_listeners(n);
    }

    pub(crate) fn encode<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<Args, Error> {
        if channel.is_empty() {
            return Err(Error::EmptyChannel);
        }
        Args::encode_with(self.0.link.rules(), args).map_err(|source| Error::Encode {
            channel: channel.to_string(),
            source,
        })
    }

    pub(crate) fn check_size(&self, channel: &str, size: usize) -> Result<(), Error> {
        let limit = self.0.link.max_message_size;
        if size > limit {
            return Err(Error::TooLarge {
                channel: channel.to_string(),
                size,
                limit,
            });
        }
        Ok(())
    }

    pub(crate) fn ports(&self) -> &crate::ports::PortTable {
        &self.0.ports
    }

    pub(crate) fn write_frame(&self, channel: &str, frame: Frame) -> Result<(), Error> {
        self.write(channel, frame)
    }

    fn write(&self, channel: &str, frame: Frame) -> Result<(), Error> {
        let encoded = frame.encode();
        self.check_size(channel, encoded.body_len())?;
        self.0.link.write(&encoded)
    }

    /// `ipcRenderer.send(channel, ...args)`: asynchronous message to main.
    pub fn send<T: Serialize + ?Sized>(&self, channel: &str, args: &T) -> Result<(), Error> {
        let args = self.encode(channel, args)?;
        self.write(
            channel,
            Frame::Send {
                channel: channel.to_string(),
                args,
            },
        )
    }

    /// `ipcRenderer.sendSync(channel, ...args)`: blocks until main sets a return value, then
    /// reads it as `R` (use `electrode_renderer::Value` or `serde_json::Value` for any).
    /// Fails with [`Error::NoReply`] when main has no listener or none set a value.
    pub fn send_sync<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<R, Error> {
        self.sync(channel, args, None)
    }

    /// [`send_sync`](Self::send_sync) that gives up after `timeout` ([`Error::Timeout`]).
    pub fn send_sync_timeout<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<R, Error> {
        self.sync(channel, args, Some(timeout))
    }

    fn sync<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
        timeout: Option<Duration>,
    ) -> Result<R, Error> {
        let args = self.encode(channel, args)?;
        // type byte + request number + channel length + channel + arguments
        self.check_size(channel, 1 + 8 + 4 + channel.len() + args.encoded_len())?;
        let outcome = self.0.link.call_sync(
            |request| {
                Frame::SendSync {
                    request,
                    channel: channel.to_string(),
                    args,
                }
                .encode()
            },
            timeout,
        );
        match outcome? {
            None => Err(Error::Timeout {
                channel: channel.to_string(),
                after: timeout.unwrap_or_default(),
            }),
            Some(SyncOutcome::Value(body)) => decode_reply(self.0.link.rules(), channel, body),
            Some(SyncOutcome::Error(message)) => Err(Error::NoReply {
                channel: channel.to_string(),
                message,
            }),
        }
    }

    /// `ipcRenderer.sendToHost(channel, ...args)`: reaches the embedder's `ipc-message`
    /// listeners. An error when this renderer is no `<webview>` guest.
    pub fn send_to_host<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        args: &T,
    ) -> Result<(), Error> {
        if self.embedder_id().is_none() {
            return Err(Error::NotAGuest {
                channel: channel.to_string(),
            });
        }
        let args = self.encode(channel, args)?;
        self.write(
            channel,
            Frame::SendToHost {
                channel: channel.to_string(),
                args,
            },
        )
    }

    /// `ipcRenderer.sendTo(webContentsId, channel, ...args)` (undocumented in 1.7.8): relayed
    /// by main to another renderer. Unknown ids are logged by main and dropped, as in Electron.
    pub fn send_to<T: Serialize + ?Sized>(
        &self,
        web_contents_id: u64,
        channel: &str,
        args: &T,
    ) -> Result<(), Error> {
        let args = self.encode(channel, args)?;
        self.write(
            channel,
            Frame::SendTo {
                target: web_contents_id,
                channel: channel.to_string(),
                args,
            },
        )
    }

    /// The handle on guest `guest_id` of this renderer (a `<webview>` element).
    pub fn webview(&self, guest_id: u64) -> Webview {
        Webview {
            owner: self.clone(),
            guest: guest_id,
        }
    }

    /// Listens to `ipc-message` from every guest of this renderer.
    pub fn on_ipc_message<F>(&self, listener: F) -> ListenerId
    where
        F: Fn(&IpcMessageEvent, &Args) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.0
            .host_listeners
            .add(IPC_MESSAGE, false, Box::new(listener))
    }

    /// Removes an `ipc-message` listener.
    pub fn remove_ipc_message_listener(&self, id: ListenerId) -> bool {
        self.0.host_listeners.remove(IPC_MESSAGE, id)
    }

    fn emit(&self, channel: String, ports: Vec<crate::MessagePort>, args: &Args) {
        let event = RendererEvent {
            sender: self.clone(),
            channel,
            ports,
        };
        self.0.listeners.emit(&event.channel, |l| {
            report(&event.channel, self.id(), catch_panic(|| l(&event, args)))
        });
    }

    fn dispatch(&self, frame: Frame) {
        match frame {
            Frame::Message { channel, args } => self.emit(channel, Vec::new(), &args),
            Frame::PortsMessage {
                channel,
                ports,
                args,
            } => {
                let ports = self.adopt_ports(&ports);
                self.emit(channel, ports, &args);
            }
            Frame::PortMessage { port, args } => match self.0.ports.get(port) {
                Some(p) => p.deliver(args),
                None => tracing::debug!(
                    renderer = self.id(),
                    "message for closed port {port:#x} dropped"
                ),
            },
            Frame::PortClosed { port } => {
                if let Some(p) = self.0.ports.remove(port) {
                    p.closed_by_peer();
                }
            }
            Frame::PortDirect { port, nonce } => self.port_direct(port, nonce),
            Frame::PortSwitched { port } => self.port_switched(port),
            Frame::HostMessage {
                guest,
                channel,
                args,
            } => {
                let event = IpcMessageEvent {
                    webview: self.webview(guest),
                    channel,
                };
                let n = self.0.host_listeners.emit(IPC_MESSAGE, |l| {
                    report(&event.channel, self.id(), catch_panic(|| l(&event, &args)))
                });
                if n == 0 {
                    tracing::debug!(
                        renderer = self.id(),
                        guest,
                        "ipc-message on '{}' with no listener",
                        event.channel
                    );
                }
            }
            other => electrode_wire::warn_visible!(
                renderer = self.id(),
                "unexpected frame {:?} dropped",
                other.kind()
            ),
        }
    }
}

/// A listener's failure is shown by default: to `tracing` when a subscriber is set, else on
/// standard error (see `electrode_wire::report`).
fn report(channel: &str, renderer: u64, outcome: Result<Result<(), BoxError>, String>) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => electrode_wire::error_visible!(
            renderer = renderer,
            "listener on channel '{channel}' failed: {e}"
        ),
        Err(panic) => electrode_wire::error_visible!(
            renderer = renderer,
            "listener on channel '{channel}' panicked: {panic}"
        ),
    }
}

/// Reads the value of a `sendSync` or `invoke` reply: JSON text under JSON rules, an argument
/// section with one argument under structured-clone rules (docs/adr/0018).
pub(crate) fn decode_reply<R: DeserializeOwned>(
    rules: electrode_wire::ValueRules,
    channel: &str,
    body: bytes::Bytes,
) -> Result<R, Error> {
    let decode = |message: String| Error::Decode {
        channel: channel.to_string(),
        message,
    };
    match rules {
        electrode_wire::ValueRules::Json => {
            serde_json::from_slice(&body).map_err(|e| decode(e.to_string()))
        }
        electrode_wire::ValueRules::StructuredClone => Args::from_raw(body)
            .and_then(|args| args.get(0))
            .map_err(|e| decode(e.to_string())),
    }
}
