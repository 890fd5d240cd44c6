//! MessagePorts in a Rust renderer (docs/adr/0019): [`MessagePort`], local channels, and the
//! ports this renderer holds under handles on its link.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

use electrode_wire::io::FrameReader;

use electrode_wire::handshake::Features;
use electrode_wire::report::catch_panic;
use electrode_wire::{Args, Frame, WireError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::renderer::{Inner, IpcRenderer};
use crate::{BoxError, Error};

/// What an unstarted port may hold before later messages are dropped (and logged).
pub const MAX_QUEUED_PER_PORT: usize = 4096;

/// The label errors use for messages on ports, which have no channel.
const PORT_CHANNEL: &str = "<MessagePort>";

type MessageListener = Arc<dyn Fn(&PortMessageEvent) -> Result<(), BoxError> + Send + Sync>;
type CloseListener = Arc<dyn Fn() + Send + Sync>;

enum Where {
    /// Both ends in this renderer, not transferred yet.
    Local {
        peer: Arc<PortState>,
    },
    /// The other end is beyond main; this port is `handle` on the link.
    Remote {
        ipc: Weak<Inner>,
        handle: u64,
    },
    /// Posts go over a socket straight to the other end's renderer (docs/adr/0019).
    Direct {
        ipc: Weak<Inner>,
        handle: u64,
        socket: UnixStream,
    },
    /// Sent to main with `post_message`: no longer usable here.
    Transferred,
    Closed,
}

pub(crate) struct PortState {
    at: Mutex<Where>,
    end: Mutex<End>,
    /// Rings when a message is queued, the port closes, or the other end switches.
    arrived: Condvar,
    /// The reading half of a direct socket, until the other end says it switched.
    direct_in: Mutex<Option<UnixStream>>,
    /// The other end switched and nobody reads the socket yet: [`MessagePort::recv`] reads
    /// it on the caller's thread; `start` hands it to a reading thread.
    switched: Mutex<Option<DirectReader>>,
    /// The other end's posts come over the direct socket (it switched).
    inbound_direct: std::sync::atomic::AtomicBool,
}

/// A direct socket that carries the other end's posts.
struct DirectReader {
    reader: FrameReader<UnixStream>,
    limit: usize,
    ipc: Weak<Inner>,
    handle: u64,
}

#[derive(Default)]
struct End {
    started: bool,
    queue: VecDeque<Args>,
    on_message: Vec<MessageListener>,
    on_close: Vec<CloseListener>,
}

impl PortState {
    fn new(at: Where) -> Arc<PortState> {
        Arc::new(PortState {
            at: Mutex::new(at),
            end: Mutex::new(End::default()),
            arrived: Condvar::new(),
            direct_in: Mutex::new(None),
            switched: Mutex::new(None),
            inbound_direct: Default::default(),
        })
    }

    fn at(&self) -> MutexGuard<'_, Where> {
        self.at.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn end(&self) -> MutexGuard<'_, End> {
        self.end.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message for this port: to its listeners, or queued until `start`.
    pub(crate) fn deliver(&self, data: Args) {
        let listeners = {
            let mut end = self.end();
            if !end.started {
                if end.queue.len() >= MAX_QUEUED_PER_PORT {
                    electrode_wire::error_visible!(
                        "a MessagePort that was never started holds {MAX_QUEUED_PER_PORT} messages (the limit); \
                         this one is dropped: call start() on the port"
                    );
                } else {
                    end.queue.push_back(data);
                    self.arrived.notify_all();
                }
                return;
            }
            end.on_message.clone()
        };
        run_listeners(&listeners, &PortMessageEvent { data });
    }

    /// The other end closed: this one closes too and its `close` listeners run.
    pub(crate) fn closed_by_peer(&self) {
        let was = std::mem::replace(&mut *self.at(), Where::Closed);
        if let Where::Direct { socket, .. } = &was {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
        if matches!(was, Where::Closed) {
            return;
        }
        let listeners = {
            let mut end = self.end();
            self.arrived.notify_all();
            std::mem::take(&mut end.on_close)
        };
        for f in listeners {
            if let Err(panic) = catch_panic(|| f()) {
                electrode_wire::error_visible!("a MessagePort 'close' listener panicked: {panic}");
            }
        }
    }
}

fn run_listeners(listeners: &[MessageListener], event: &PortMessageEvent) {
    for l in listeners {
        match catch_panic(|| l(event)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                electrode_wire::error_visible!("a MessagePort 'message' listener failed: {e}")
            }
            Err(panic) => {
                electrode_wire::error_visible!("a MessagePort 'message' listener panicked: {panic}")
            }
        }
    }
}

/// A message that arrived on a [`MessagePort`].
pub struct PortMessageEvent {
    data: Args,
}

impl PortMessageEvent {
    /// The message, decoded as `T` (`event.data`).
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, WireError> {
        self.data.get(0)
    }

    /// The message as it arrived (one argument).
    pub fn args(&self) -> &Args {
        &self.data
    }
}

/// One end of a message channel, held by this renderer: the DOM's `MessagePort`. Cheap to
/// clone (clones are the same port). Messages that arrive before [`start`](Self::start) are
/// queued.
///
/// Made by [`IpcRenderer::message_channel`], or received from main in
/// [`RendererEvent::ports`](crate::RendererEvent::ports).
#[derive(Clone)]
pub struct MessagePort(pub(crate) Arc<PortState>);

impl fmt::Debug for MessagePort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match &*self.0.at() {
            Where::Local { .. } => "local".to_string(),
            Where::Remote { handle, .. } => format!("remote {handle:#x}"),
            Where::Direct { handle, .. } => {
                let inbound = self
                    .0
                    .inbound_direct
                    .load(std::sync::atomic::Ordering::Acquire);
                let from = if inbound { "direct" } else { "through main" };
                format!("direct {handle:#x}, receiving {from}")
            }
            Where::Transferred => "transferred".to_string(),
            Where::Closed => "closed".to_string(),
        };
        write!(f, "MessagePort({at})")
    }
}

impl MessagePort {
    /// `port.postMessage(message)`: one value to the other end.
    pub fn post_message<T: Serialize + ?Sized>(&self, message: &T) -> Result<(), Error> {
        let at = self.0.at();
        match &*at {
            Where::Local { peer } => {
                let peer = peer.clone();
                drop(at);
                // No wire: the richer rules, so a local pair carries what a remote one can.
                let data = encode(electrode_wire::ValueRules::StructuredClone, message)?;
                peer.deliver(data);
                Ok(())
            }
            // The lock is held while writing: a switch to the direct socket cannot slip in
            // between, so the other end gets everything in order.
            Where::Remote { ipc, handle } => {
                let ipc = ipc.upgrade().map(IpcRenderer).ok_or_else(gone)?;
                let data = encode(ipc.value_rules(), message)?;
                ipc.write_frame(
                    PORT_CHANNEL,
                    Frame::PortSend {
                        port: *handle,
                        args: data,
                    },
                )
            }
            Where::Direct { ipc, socket, .. } => {
                let ipc = ipc.upgrade().map(IpcRenderer).ok_or_else(gone)?;
                let data = encode(ipc.value_rules(), message)?;
                let frame = Frame::PortMessage {
                    port: 0,
                    args: data,
                }
                .encode();
                ipc.check_size(PORT_CHANNEL, frame.body_len())?;
                electrode_wire::io::write_frame(&mut &*socket, &frame)
                    .map_err(|_| port_error("the other end of the port is gone"))
            }
            Where::Transferred => Err(port_error("the port was transferred to main")),
            Where::Closed => Err(port_error("the port is closed")),
        }
    }

    /// `port.on('message', listener)`; listeners run on the renderer's dispatch thread (or the
    /// poster's, for a local pair). An `Err` or a panic is logged.
    pub fn on_message<F>(&self, listener: F)
    where
        F: Fn(&PortMessageEvent) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        self.0.end().on_message.push(Arc::new(listener));
    }

    /// `port.on('close', listener)`: the other end closed, or the link to main ended.
    pub fn on_close(&self, listener: impl Fn() + Send + Sync + 'static) {
        self.0.end().on_close.push(Arc::new(listener));
    }

    /// `port.start()`: delivers the queued messages, then each new one as it comes.
    pub fn start(&self) {
        self.0.end().started = true;
        let waiting = self
            .0
            .switched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(direct) = waiting {
            spawn_reader(direct, self.0.clone());
        }
        loop {
            let (listeners, next) = {
                let mut end = self.0.end();
                end.started = true;
                match end.queue.pop_front() {
                    Some(next) => (end.on_message.clone(), next),
                    None => return,
                }
            };
            run_listeners(&listeners, &PortMessageEvent { data: next });
        }
    }

    /// Waits for the next message on a port that is not started (no listener gets it then),
    /// on the calling thread: on a direct port it reads the socket itself, so no thread
    /// hands the message over. `Err` once the port is closed; messages queued before the
    /// close are still returned first.
    ///
    /// ```no_run
    /// # fn demo(port: electrode_renderer::MessagePort) -> Result<(), electrode_renderer::BoxError> {
    /// port.post_message(&"ping")?;
    /// let answer: String = port.recv()?.data()?;
    /// # Ok(()) }
    /// ```
    pub fn recv(&self) -> Result<PortMessageEvent, Error> {
        loop {
            {
                let mut end = self.0.end();
                if end.started {
                    return Err(port_error(
                        "recv() on a started port: its messages go to its listeners",
                    ));
                }
                if let Some(data) = end.queue.pop_front() {
                    return Ok(PortMessageEvent { data });
                }
            }
            let mut switched = self.0.switched.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(direct) = switched.as_mut() {
                match direct.next() {
                    Some(data) => return Ok(PortMessageEvent { data }),
                    None => {
                        let direct = switched.take().expect("present");
                        drop(switched);
                        direct_ended(&self.0, &direct);
                        return Err(port_error("the port is closed"));
                    }
                }
            }
            drop(switched);
            let end = self.0.end();
            if self.is_closed() && end.queue.is_empty() {
                return Err(port_error("the port is closed"));
            }
            let switched_meanwhile = self
                .0
                .switched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some();
            if end.queue.is_empty() && !switched_meanwhile {
                // Woken by a message, the switch or the close; the timeout only bounds a race.
                let _ = self
                    .0
                    .arrived
                    .wait_timeout(end, Duration::from_millis(100))
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// `port.close()`: the other end gets its `close` event.
    pub fn close(&self) {
        let was = std::mem::replace(&mut *self.0.at(), Where::Closed);
        match was {
            Where::Local { peer } => peer.closed_by_peer(),
            Where::Remote { ipc, handle } => tell_main_closed(&ipc, handle),
            Where::Direct {
                ipc,
                handle,
                socket,
            } => {
                let _ = socket.shutdown(std::net::Shutdown::Both);
                tell_main_closed(&ipc, handle);
            }
            Where::Transferred | Where::Closed => {}
        }
    }

    /// Whether the port is closed (by either end).
    pub fn is_closed(&self) -> bool {
        matches!(&*self.0.at(), Where::Closed)
    }
}

fn tell_main_closed(ipc: &Weak<Inner>, handle: u64) {
    if let Some(ipc) = ipc.upgrade().map(IpcRenderer) {
        ipc.ports().remove(handle);
        let _ = ipc.write_frame(PORT_CHANNEL, Frame::PortClose { port: handle });
    }
}

fn encode<T: Serialize + ?Sized>(
    rules: electrode_wire::ValueRules,
    message: &T,
) -> Result<Args, Error> {
    Args::encode_with(rules, &(message,)).map_err(|source| Error::Encode {
        channel: PORT_CHANNEL.into(),
        source,
    })
}

fn port_error(reason: &str) -> Error {
    Error::Port(reason.to_string())
}

fn gone() -> Error {
    port_error("the renderer's link to main is gone")
}

/// The ports this renderer holds, by their handle on the link.
#[derive(Default)]
pub(crate) struct PortTable {
    ports: Mutex<HashMap<u64, Arc<PortState>>>,
    /// The last even handle given out; renderers' handles never have the high bit set.
    last: Mutex<u64>,
    /// Main's socket, where direct sockets are fetched (set when connecting by path).
    pub(crate) socket: OnceLock<PathBuf>,
}

impl PortTable {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<PortState>>> {
        self.ports.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, handle: u64) -> Option<Arc<PortState>> {
        self.lock().get(&handle).cloned()
    }

    pub(crate) fn remove(&self, handle: u64) -> Option<Arc<PortState>> {
        self.lock().remove(&handle)
    }

    fn next_even(&self) -> u64 {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        *last += 2;
        *last
    }

    /// The link ended: every port closes.
    pub(crate) fn close_all(&self) {
        let all: Vec<_> = self.lock().drain().map(|(_, p)| p).collect();
        for p in all {
            p.closed_by_peer();
        }
    }
}

impl IpcRenderer {
    /// `new MessageChannel()`: two entangled ports in this renderer. Send one to main with
    /// [`post_message`](Self::post_message); keep the other.
    ///
    /// ```no_run
    /// # fn demo(ipc: &electrode_renderer::IpcRenderer) -> Result<(), electrode_renderer::Error> {
    /// let (mine, theirs) = ipc.message_channel();
    /// mine.on_message(|event| {
    ///     println!("main says {}", event.data::<String>()?);
    ///     Ok(())
    /// });
    /// mine.start();
    /// ipc.post_message("port", &"here is a port", &[theirs])?;
    /// mine.post_message(&"hello over the port")?;
    /// # Ok(()) }
    /// ```
    pub fn message_channel(&self) -> (MessagePort, MessagePort) {
        let a = PortState::new(Where::Closed);
        let b = PortState::new(Where::Local { peer: a.clone() });
        *a.at() = Where::Local { peer: b.clone() };
        (MessagePort(a), MessagePort(b))
    }

    /// `ipcRenderer.postMessage(channel, message, transfer)` (Electron 10+): `message` to
    /// main's listeners on `channel`, with ports made by [`message_channel`](Self::message_channel)
    /// that move to main (`event.ports()` there). Messages already posted to a transferred
    /// port follow it.
    pub fn post_message<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        message: &T,
        transfer: &[MessagePort],
    ) -> Result<(), Error> {
        if !self.protocol().features.contains(Features::PORTS) {
            return Err(self.unsupported("postMessage", channel));
        }
        let data = self.encode(channel, &(message,))?;
        // Check every port before moving any.
        for (i, p) in transfer.iter().enumerate() {
            match &*p.0.at() {
                Where::Local { .. } => {}
                Where::Remote { .. } | Where::Direct { .. } => {
                    return Err(port_error(
                        "a port received from main cannot be transferred again (not supported yet)",
                    ))
                }
                Where::Transferred => return Err(port_error("the port was already transferred")),
                Where::Closed => return Err(port_error("the port is closed")),
            }
            if transfer[..i].iter().any(|q| Arc::ptr_eq(&q.0, &p.0)) {
                return Err(port_error("the same port is in the transfer list twice"));
            }
        }
        let mut handles = Vec::with_capacity(transfer.len());
        let mut follow = Vec::new();
        for p in transfer {
            let handle = self.ports().next_even();
            let Where::Local { peer: kept } = std::mem::replace(&mut *p.0.at(), Where::Transferred)
            else {
                unreachable!("checked above")
            };
            *kept.at() = Where::Remote {
                ipc: Arc::downgrade(&self.0),
                handle: handle + 1,
            };
            self.ports().lock().insert(handle + 1, kept);
            let queued = std::mem::take(&mut p.0.end().queue);
            follow.extend(queued.into_iter().map(|args| Frame::PortSend {
                port: handle + 1,
                args,
            }));
            handles.push(handle);
        }
        self.write_frame(
            channel,
            Frame::PostMessage {
                channel: channel.to_string(),
                ports: handles,
                args: data,
            },
        )?;
        for frame in follow {
            self.write_frame(PORT_CHANNEL, frame)?;
        }
        Ok(())
    }

    /// Ports handed over by main's `webContents.postMessage`: held here from now on.
    pub(crate) fn adopt_ports(&self, handles: &[u64]) -> Vec<MessagePort> {
        handles
            .iter()
            .map(|&handle| {
                let port = PortState::new(Where::Remote {
                    ipc: Arc::downgrade(&self.0),
                    handle,
                });
                self.ports().lock().insert(handle, port.clone());
                MessagePort(port)
            })
            .collect()
    }
}

impl IpcRenderer {
    /// Main offers a direct socket for port `handle`: fetch it, tell main (after every post
    /// that went through it), and post over the socket from now on. On failure the port
    /// closes with a line on stderr: the other end would post to a socket nobody reads.
    pub(crate) fn port_direct(&self, handle: u64, nonce: [u8; 16]) {
        let Some(port) = self.ports().get(handle) else {
            return;
        };
        let fetched = self
            .fetch_direct(nonce)
            .and_then(|s| Ok((s.try_clone()?, s)));
        let (reader, writer) = match fetched {
            Ok(pair) => pair,
            Err(e) => {
                electrode_wire::error_visible!(
                    renderer = self.id(),
                    "MessagePort {handle:#x}: cannot fetch its direct socket from main ({e}); closing the port"
                );
                MessagePort(port).close();
                return;
            }
        };
        let mut at = port.at();
        if let Where::Remote { ipc, handle } = &*at {
            if self
                .write_frame(PORT_CHANNEL, Frame::PortSwitch { port: *handle })
                .is_ok()
            {
                *port.direct_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(reader);
                *at = Where::Direct {
                    ipc: ipc.clone(),
                    handle: *handle,
                    socket: writer,
                };
            }
        }
    }

    fn fetch_direct(&self, nonce: [u8; 16]) -> std::io::Result<UnixStream> {
        let path = match self.ports().socket.get() {
            Some(p) => p.clone(),
            None => std::env::var_os(electrode_wire::ENV_SOCKET)
                .map(PathBuf::from)
                .ok_or_else(|| std::io::Error::other("main's socket path is not known"))?,
        };
        let mut s = UnixStream::connect(path)?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        s.write_all(&Frame::PortFetch { nonce }.encode().to_vec())?;
        let fd = electrode_io::recv_fd(&s)?;
        Ok(UnixStream::from(fd))
    }

    /// The other end of port `handle` posts over the direct socket from now on: a started
    /// port gets a reading thread; an unstarted one keeps the socket for `recv` or `start`.
    pub(crate) fn port_switched(&self, handle: u64) {
        let Some(port) = self.ports().get(handle) else {
            return;
        };
        let Some(socket) = port
            .direct_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let limit = self.max_message_size();
        let direct = DirectReader {
            reader: FrameReader::new(socket, limit),
            limit,
            ipc: Arc::downgrade(&self.0),
            handle,
        };
        port.inbound_direct
            .store(true, std::sync::atomic::Ordering::Release);
        let end = port.end();
        if end.started {
            drop(end);
            spawn_reader(direct, port);
        } else {
            *port.switched.lock().unwrap_or_else(|e| e.into_inner()) = Some(direct);
            port.arrived.notify_all();
        }
    }
}

impl DirectReader {
    /// The next message from the other end; `None` once it closed (or broke the rules).
    fn next(&mut self) -> Option<Args> {
        let body = self.reader.read_frame().ok()?;
        match Frame::decode(body, self.limit) {
            Ok(Frame::PortMessage { args, .. }) => Some(args),
            other => {
                electrode_wire::error_visible!(
                    "MessagePort {:#x}: the other end sent {other:?} on the direct socket; closing the port",
                    self.handle
                );
                None
            }
        }
    }
}

fn spawn_reader(mut direct: DirectReader, port: Arc<PortState>) {
    let handle = direct.handle;
    let spawned = std::thread::Builder::new()
        .name("electrode-port".into())
        .spawn(move || {
            while let Some(args) = direct.next() {
                port.deliver(args);
            }
            direct_ended(&port, &direct);
        });
    if let Err(e) = spawned {
        electrode_wire::error_visible!("MessagePort {handle:#x}: no thread to read it: {e}");
    }
}

/// The other end closed its direct socket: this end closes too, and main forgets it.
fn direct_ended(port: &PortState, direct: &DirectReader) {
    if !matches!(&*port.at(), Where::Closed) {
        tell_main_closed(&direct.ipc, direct.handle);
        port.closed_by_peer();
    }
}
