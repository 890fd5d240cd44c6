//! MessagePorts in main (docs/adr/0019): `MessageChannelMain`, `MessagePortMain`, and the
//! routing of ports that live in renderers.
//!
//! Every port main knows of is a [`Port`]: either held by main (a `MessagePortMain` the app
//! uses), or held by a renderer under a handle on that renderer's link. A message posted on a
//! port goes to its entangled peer, wherever that is: to main's listeners, or as a
//! `PortMessage` frame to the renderer that holds it. So two renderers given the two ends of
//! one channel talk without main's `ipcMain` listeners seeing anything.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use electrode_wire::{Args, Frame, ValueRules, WireError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{BoxError, Error, WebContents};

/// The most ports one renderer may hold at once; a renderer that opens more is closed (one
/// renderer must not grow main's tables without bound).
pub const MAX_PORTS_PER_RENDERER: usize = 4096;
/// What a port that was never started may hold before later messages are refused (and
/// logged): Electron queues without a limit until `start()`.
pub const MAX_QUEUED_PER_PORT: usize = 4096;

/// The label errors use for messages on ports, which have no channel.
const PORT_CHANNEL: &str = "<MessagePort>";

type MessageListener = Arc<dyn Fn(&MessageEvent) -> Result<(), BoxError> + Send + Sync>;
type CloseListener = Arc<dyn Fn() + Send + Sync>;

/// Where a port is.
enum Place {
    /// Held by main: the app's `MessagePortMain`.
    Main(MainEnd),
    /// Held by a renderer, under `handle` on its link.
    Renderer { wc: WebContents, handle: u64 },
    /// Closed (by either end, or its renderer is gone).
    Closed,
}

#[derive(Default)]
struct MainEnd {
    started: bool,
    queue: VecDeque<Args>,
    on_message: Vec<MessageListener>,
    on_close: Vec<CloseListener>,
}

/// One port, wherever it is.
pub(crate) struct Port {
    place: Mutex<Place>,
    /// The entangled port; `None` once either end closed.
    peer: Mutex<Option<Arc<Port>>>,
}

impl Port {
    fn new(place: Place) -> Arc<Port> {
        Arc::new(Port {
            place: Mutex::new(place),
            peer: Mutex::new(None),
        })
    }

    fn place(&self) -> std::sync::MutexGuard<'_, Place> {
        self.place.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn peer(&self) -> Option<Arc<Port>> {
        self.peer.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn take_peer(&self) -> Option<Arc<Port>> {
        self.peer.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Two entangled ports.
fn pair(a: Place, b: Place) -> (Arc<Port>, Arc<Port>) {
    let (a, b) = (Port::new(a), Port::new(b));
    *a.peer.lock().unwrap() = Some(b.clone());
    *b.peer.lock().unwrap() = Some(a.clone());
    (a, b)
}

/// The value rules a message for `port` must follow: the rules of the renderer that holds it,
/// or, for a port held by main, structured clone (nothing crosses a wire).
fn rules_for(port: &Port) -> ValueRules {
    match &*port.place() {
        Place::Renderer { wc, .. } => wc.value_rules(),
        _ => ValueRules::StructuredClone,
    }
}

/// Sends a port frame to the renderer `wc` (port frames have no channel of their own).
fn send_port_frame(wc: &WebContents, frame: Frame) -> Result<(), Error> {
    wc.send_encoded(PORT_CHANNEL, &frame.encode())
}

/// Hands `data` to `to`, the port that receives it.
fn deliver(to: &Arc<Port>, data: Args) {
    let listeners = {
        let mut place = to.place();
        match &mut *place {
            Place::Main(end) if end.started => end.on_message.clone(),
            Place::Main(end) => {
                if end.queue.len() >= MAX_QUEUED_PER_PORT {
                    crate::error_visible!(
                        "a MessagePortMain that was never started holds {MAX_QUEUED_PER_PORT} messages (the limit); \
                         this one is dropped: call start() on the port"
                    );
                } else {
                    end.queue.push_back(data);
                }
                return;
            }
            Place::Renderer { wc, handle } => {
                let frame = Frame::PortMessage {
                    port: *handle,
                    args: data,
                };
                if let Err(e) = send_port_frame(wc, frame) {
                    crate::warn_visible!(
                        renderer = wc.id(),
                        "message on a MessagePort dropped: {e}"
                    );
                }
                return;
            }
            // Electron drops a message to a closed port too.
            Place::Closed => return,
        }
    };
    run_listeners(&listeners, &MessageEvent { data });
}

fn run_listeners(listeners: &[MessageListener], event: &MessageEvent) {
    for listener in listeners {
        match crate::report::catch_panic(|| listener(event)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => crate::error_visible!("a MessagePortMain 'message' listener failed: {e}"),
            Err(panic) => {
                crate::error_visible!("a MessagePortMain 'message' listener panicked: {panic}")
            }
        }
    }
}

/// Closes `port` (whoever asked) and tells its peer, which closes too, as in Electron.
fn close(port: &Arc<Port>) {
    let was = std::mem::replace(&mut *port.place(), Place::Closed);
    if let Place::Renderer { wc, handle } = &was {
        wc.ports().remove(*handle);
    }
    let Some(peer) = port.take_peer() else {
        return;
    };
    peer.take_peer();
    closed_by_peer(&peer);
}

/// The peer of `port` closed: `port` closes and its holder hears of it.
fn closed_by_peer(port: &Arc<Port>) {
    let was = std::mem::replace(&mut *port.place(), Place::Closed);
    match was {
        Place::Main(end) => {
            for f in &end.on_close {
                if let Err(panic) = crate::report::catch_panic(|| f()) {
                    crate::error_visible!("a MessagePortMain 'close' listener panicked: {panic}");
                }
            }
        }
        Place::Renderer { wc, handle } => {
            wc.ports().remove(handle);
            let _ = send_port_frame(&wc, Frame::PortClosed { port: handle });
        }
        Place::Closed => {}
    }
}

/// A message that arrived on a [`MessagePortMain`] (Electron's `MessageEvent`).
pub struct MessageEvent {
    data: Args,
}

impl MessageEvent {
    /// The message, decoded as `T` (`event.data` in Electron).
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, WireError> {
        self.data.get(0)
    }

    /// The message as it arrived (one argument).
    pub fn args(&self) -> &Args {
        &self.data
    }
}

/// `new MessageChannelMain()`: two entangled ports held by main. Hand one (or both) to
/// renderers with [`WebContents::post_message`].
///
/// ```
/// use electrode::MessageChannelMain;
/// let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
/// let (tx, rx) = std::sync::mpsc::channel();
/// port2.on_message(move |event| {
///     tx.send(event.data::<String>()?)?;
///     Ok(())
/// });
/// port2.start();
/// port1.post_message(&"hi").unwrap();
/// assert_eq!(rx.recv().unwrap(), "hi");
/// ```
pub struct MessageChannelMain {
    /// One end.
    pub port1: MessagePortMain,
    /// The other end.
    pub port2: MessagePortMain,
}

impl MessageChannelMain {
    /// Two new entangled ports.
    pub fn new() -> Self {
        let (a, b) = pair(
            Place::Main(MainEnd::default()),
            Place::Main(MainEnd::default()),
        );
        MessageChannelMain {
            port1: MessagePortMain(a),
            port2: MessagePortMain(b),
        }
    }
}

impl Default for MessageChannelMain {
    fn default() -> Self {
        Self::new()
    }
}

/// Electron's `MessagePortMain`: one end of a channel, held by main. Cheap to clone (clones
/// are the same port). Messages that arrive before [`start`](Self::start) are queued, as in
/// Electron.
///
/// A pair whose both ends stay in main should be closed when done: each end keeps the other
/// alive.
#[derive(Clone)]
pub struct MessagePortMain(pub(crate) Arc<Port>);

impl fmt::Debug for MessagePortMain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match &*self.0.place() {
            Place::Main(_) => "in main".to_string(),
            Place::Renderer { wc, .. } => format!("transferred to renderer {}", wc.id()),
            Place::Closed => "closed".to_string(),
        };
        write!(f, "MessagePortMain({place})")
    }
}

impl MessagePortMain {
    /// `port.postMessage(message)`: sends one value to the other end, wherever it is.
    pub fn post_message<T: Serialize + ?Sized>(&self, message: &T) -> Result<(), Error> {
        self.usable()?;
        let Some(peer) = self.0.peer() else {
            return Err(Error::Port {
                reason: "the port is closed".into(),
            });
        };
        let data =
            Args::encode_with(rules_for(&peer), &(message,)).map_err(|source| Error::Encode {
                channel: PORT_CHANNEL.into(),
                source,
            })?;
        deliver(&peer, data);
        Ok(())
    }

    /// `port.on('message', listener)`. Listeners run on the thread that delivers the message
    /// (a worker for messages from renderers); an `Err` or a panic is logged.
    pub fn on_message<F>(&self, listener: F)
    where
        F: Fn(&MessageEvent) -> Result<(), BoxError> + Send + Sync + 'static,
    {
        if let Place::Main(end) = &mut *self.0.place() {
            end.on_message.push(Arc::new(listener));
        }
    }

    /// `port.on('close', listener)`: the other end closed (or its renderer went away).
    pub fn on_close(&self, listener: impl Fn() + Send + Sync + 'static) {
        if let Place::Main(end) = &mut *self.0.place() {
            end.on_close.push(Arc::new(listener));
        }
    }

    /// `port.start()`: delivers the queued messages, then each new one as it comes.
    pub fn start(&self) {
        loop {
            let (listeners, next) = {
                let mut place = self.0.place();
                let Place::Main(end) = &mut *place else {
                    return;
                };
                end.started = true;
                match end.queue.pop_front() {
                    Some(next) => (end.on_message.clone(), next),
                    None => return,
                }
            };
            run_listeners(&listeners, &MessageEvent { data: next });
        }
    }

    /// `port.close()`: the other end gets its `close` event; later posts are errors.
    pub fn close(&self) {
        if matches!(&*self.0.place(), Place::Main(_)) {
            close(&self.0);
        }
    }

    /// Whether this port was closed, by either end.
    pub fn is_closed(&self) -> bool {
        matches!(&*self.0.place(), Place::Closed)
    }

    fn usable(&self) -> Result<(), Error> {
        match &*self.0.place() {
            Place::Main(_) => Ok(()),
            Place::Renderer { wc, .. } => Err(Error::Port {
                reason: format!(
                    "the port was transferred to renderer {}; main cannot use it any more",
                    wc.id()
                ),
            }),
            Place::Closed => Err(Error::Port {
                reason: "the port is closed".into(),
            }),
        }
    }
}

/// The ports one renderer holds, by their handle on its link.
#[derive(Default)]
pub(crate) struct PortTable {
    ports: Mutex<HashMap<u64, Arc<Port>>>,
    next: Mutex<u64>,
}

/// Main's handles have the high bit set; a renderer's never do.
const MAIN_HANDLE: u64 = 1 << 63;

impl PortTable {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Port>>> {
        self.ports.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remove(&self, handle: u64) -> Option<Arc<Port>> {
        self.lock().remove(&handle)
    }

    fn get(&self, handle: u64) -> Option<Arc<Port>> {
        self.lock().get(&handle).cloned()
    }

    fn next_handle(&self) -> u64 {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        MAIN_HANDLE | *next
    }

    /// The renderer is gone: every port it held closes, and their peers hear of it.
    pub(crate) fn close_all(&self) {
        let all: Vec<_> = self.lock().drain().map(|(_, p)| p).collect();
        for port in all {
            close(&port);
        }
    }
}

/// `webContents.postMessage(channel, message, transfer)`: the ports move to `wc`; queued
/// messages follow them.
pub(crate) fn transfer_to(
    wc: &WebContents,
    channel: &str,
    data: Args,
    ports: &[MessagePortMain],
) -> Result<(), Error> {
    for (i, p) in ports.iter().enumerate() {
        p.usable()?;
        if ports[..i].iter().any(|q| Arc::ptr_eq(&q.0, &p.0)) {
            return Err(Error::Port {
                reason: "the same port is in the transfer list twice".into(),
            });
        }
    }
    let table = wc.ports();
    if table.lock().len() + ports.len() > MAX_PORTS_PER_RENDERER {
        return Err(Error::Port {
            reason: format!(
                "renderer {} would hold more than {MAX_PORTS_PER_RENDERER} ports (the limit)",
                wc.id()
            ),
        });
    }
    let mut handles = Vec::with_capacity(ports.len());
    let mut queued = Vec::new();
    for p in ports {
        let handle = table.next_handle();
        let was = std::mem::replace(
            &mut *p.0.place(),
            Place::Renderer {
                wc: wc.clone(),
                handle,
            },
        );
        if let Place::Main(end) = was {
            queued.extend(end.queue.into_iter().map(|args| (handle, args)));
        }
        table.lock().insert(handle, p.0.clone());
        handles.push(handle);
    }
    let frame = Frame::PortsMessage {
        channel: channel.to_string(),
        ports: handles,
        args: data,
    };
    let sent = wc.send_encoded(channel, &frame.encode());
    if let Err(e) = sent {
        // The renderer never got the ports: they close, and their peers hear of it.
        for p in ports {
            close(&p.0);
        }
        return Err(e);
    }
    for (port, args) in queued {
        let _ = send_port_frame(wc, Frame::PortMessage { port, args });
    }
    for p in ports {
        offer_direct(&p.0);
    }
    Ok(())
}

/// Socket ends waiting for their renderer to fetch them, by nonce. Few and short-lived: a
/// renderer fetches its end as soon as it reads the `PortDirect`.
static WAITING: Mutex<Vec<([u8; 16], UnixStream, Instant)>> = Mutex::new(Vec::new());
/// Ends not fetched within this time are dropped (their renderer went away).
const FETCH_WINDOW: Duration = Duration::from_secs(30);
/// At most this many ends wait at once; past it, ports stay routed through main.
const MAX_WAITING: usize = 1024;

/// The socket end kept under `nonce`, once.
pub(crate) fn take_direct(nonce: &[u8; 16]) -> Option<UnixStream> {
    let mut waiting = WAITING.lock().unwrap_or_else(|e| e.into_inner());
    let i = waiting.iter().position(|(n, _, _)| n == nonce)?;
    Some(waiting.swap_remove(i).1)
}

fn nonce() -> [u8; 16] {
    let mut n = [0u8; 16];
    getrandom::fill(&mut n).expect("the OS random source is available");
    n
}

/// When `port` and its peer are both held by renderers on Unix-socket links, gives each a
/// socket to the other (docs/adr/0019): their messages then skip main. Until each side
/// switches, messages keep coming through main, so nothing is lost or reordered.
fn offer_direct(port: &Arc<Port>) {
    let Some(peer) = port.peer() else { return };
    let end = |p: &Port| match &*p.place() {
        Place::Renderer { wc, handle } if wc.direct_ports_ok() => Some((wc.clone(), *handle)),
        _ => None,
    };
    let (Some((wa, ha)), Some((wb, hb))) = (end(port), end(&peer)) else {
        return;
    };
    let Ok((sa, sb)) = UnixStream::pair() else {
        return;
    };
    let (na, nb) = (nonce(), nonce());
    {
        let mut waiting = WAITING.lock().unwrap_or_else(|e| e.into_inner());
        waiting.retain(|(_, _, at)| at.elapsed() < FETCH_WINDOW);
        if waiting.len() + 2 > MAX_WAITING {
            return;
        }
        let now = Instant::now();
        waiting.push((na, sa, now));
        waiting.push((nb, sb, now));
    }
    let _ = send_port_frame(
        &wa,
        Frame::PortDirect {
            port: ha,
            nonce: na,
        },
    );
    let _ = send_port_frame(
        &wb,
        Frame::PortDirect {
            port: hb,
            nonce: nb,
        },
    );
}

/// The renderer's posts on its port `handle` go direct from now on: the other end hears it
/// after everything the renderer posted through main.
pub(crate) fn received_port_switch(wc: &WebContents, handle: u64) {
    let Some(peer) = wc.ports().get(handle).and_then(|p| p.peer()) else {
        return;
    };
    if let Place::Renderer { wc: other, handle } = &*peer.place() {
        let _ = send_port_frame(other, Frame::PortSwitched { port: *handle });
    };
}

/// What a renderer's `PortSend`, `PortClose` and `PostMessage` frames do. `Err` is a protocol
/// error: the caller closes the renderer.
pub(crate) fn received_post_message(
    wc: &WebContents,
    handles: &[u64],
) -> Result<Vec<MessagePortMain>, String> {
    let table = wc.ports();
    let mut map = table.lock();
    if map.len() + 2 * handles.len() > MAX_PORTS_PER_RENDERER {
        return Err(format!(
            "renderer {} opened more than {MAX_PORTS_PER_RENDERER} MessagePorts (the limit)",
            wc.id()
        ));
    }
    for (i, &h) in handles.iter().enumerate() {
        let fresh = h % 2 == 0
            && h & MAIN_HANDLE == 0
            && !map.contains_key(&h)
            && !map.contains_key(&(h + 1))
            && !handles[..i].contains(&h);
        if !fresh {
            return Err(format!(
                "postMessage names port handle {h:#x}, which is not a new even renderer handle"
            ));
        }
    }
    let mut moved = Vec::with_capacity(handles.len());
    for &h in handles {
        let (kept, in_main) = pair(
            Place::Renderer {
                wc: wc.clone(),
                handle: h + 1,
            },
            Place::Main(MainEnd::default()),
        );
        map.insert(h + 1, kept);
        moved.push(MessagePortMain(in_main));
    }
    Ok(moved)
}

/// The renderer posted `data` on its port `handle`.
pub(crate) fn received_port_send(wc: &WebContents, handle: u64, data: Args) -> Result<(), String> {
    // A port that just closed may still get a message in flight: dropped, as in Electron.
    let Some(from) = wc.ports().get(handle) else {
        tracing::debug!(
            renderer = wc.id(),
            "message on closed port {handle:#x} dropped"
        );
        return Ok(());
    };
    let Some(peer) = from.peer() else {
        return Ok(());
    };
    if matches!(&*peer.place(), Place::Renderer { .. }) {
        // Relayed untouched to another renderer: check it here, as sendTo does.
        data.validate()
            .map_err(|e| format!("a message on MessagePort {handle:#x}: {e}"))?;
    }
    deliver(&peer, data);
    Ok(())
}

/// The renderer closed its port `handle`.
pub(crate) fn received_port_close(wc: &WebContents, handle: u64) {
    if let Some(port) = wc.ports().get(handle) {
        close(&port);
    }
}
