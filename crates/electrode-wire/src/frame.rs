//! Frame layout.
//!
//! On a stream every frame is `u32 LE body length` followed by the body. The body starts with
//! one type byte, then the fixed fields of that type (little-endian `u64`s), then, for frames
//! that carry a message, the channel (`u32 LE length` + UTF-8) and the argument section
//! ([`Args`]) up to the end of the body. WebSocket messages carry the body alone.

use bytes::{Buf, Bytes};

use crate::handshake::Features;
use crate::{Args, WireError};

/// The type byte of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// Renderer → main: authentication, first frame on a connection.
    Hello = 0x01,
    /// Renderer → main: `ipcRenderer.send`.
    Send = 0x02,
    /// Renderer → main: `ipcRenderer.sendSync`.
    SendSync = 0x03,
    /// Renderer → main: `ipcRenderer.sendToHost`.
    SendToHost = 0x04,
    /// Renderer → main: `ipcRenderer.sendTo`.
    SendTo = 0x05,
    /// Embedder → main: `<webview>.send`.
    WebviewSend = 0x06,
    /// Renderer → main: `ipcRenderer.invoke` (feature [`Features::INVOKE`]).
    Invoke = 0x07,
    /// Renderer → main: the renderer no longer waits for an invoke (feature [`Features::INVOKE`]).
    InvokeCancel = 0x08,
    /// Renderer → main: `ipcRenderer.postMessage` with ports (feature [`Features::PORTS`]).
    PostMessage = 0x09,
    /// Renderer → main: a message posted on a port the renderer holds (feature [`Features::PORTS`]).
    PortSend = 0x0a,
    /// Renderer → main: the renderer closed a port it holds (feature [`Features::PORTS`]).
    PortClose = 0x0b,
    /// Renderer → main: this renderer's posts on a port go direct from now on (feature [`Features::PORTS`]).
    PortSwitch = 0x0c,
    /// Renderer → main, the first and only frame of its own connection: "give me the
    /// descriptor of this nonce" (feature [`Features::PORTS`]).
    PortFetch = 0x0d,
    /// Renderer → main: the body of the next frame lies in the link's shared memory region
    /// (feature [`Features::SHARED_MEMORY`]).
    SharedSlice = 0x0e,
    /// Main → renderer: accepted, here is your id.
    Welcome = 0x81,
    /// Main → renderer: `webContents.send` (or a relayed `sendTo`).
    Message = 0x82,
    /// Main → renderer: the answer to a `sendSync`.
    SyncReply = 0x83,
    /// Main → embedder: a guest's `sendToHost` (the `<webview>` `ipc-message` event).
    HostMessage = 0x84,
    /// Main → renderer: the connection is being closed, and why.
    Close = 0x85,
    /// Main → renderer: the answer to an invoke (feature [`Features::INVOKE`]).
    InvokeReply = 0x86,
    /// Main → renderer: `webContents.postMessage` with ports (feature [`Features::PORTS`]).
    PortsMessage = 0x87,
    /// Main → renderer: a message for a port the renderer holds (feature [`Features::PORTS`]).
    PortMessage = 0x88,
    /// Main → renderer: the other end of a port the renderer holds closed (feature [`Features::PORTS`]).
    PortClosed = 0x89,
    /// Main → renderer: fetch a socket to the other end of a port (feature [`Features::PORTS`]).
    PortDirect = 0x8a,
    /// Main → renderer: the other end's posts on a port go direct from now on (feature [`Features::PORTS`]).
    PortSwitched = 0x8b,
}

impl FrameKind {
    fn from_byte(b: u8) -> Result<Self, WireError> {
        use FrameKind::*;
        Ok(match b {
            0x01 => Hello,
            0x02 => Send,
            0x03 => SendSync,
            0x04 => SendToHost,
            0x05 => SendTo,
            0x06 => WebviewSend,
            0x07 => Invoke,
            0x08 => InvokeCancel,
            0x09 => PostMessage,
            0x0a => PortSend,
            0x0b => PortClose,
            0x0c => PortSwitch,
            0x0d => PortFetch,
            0x0e => SharedSlice,
            0x81 => Welcome,
            0x82 => Message,
            0x83 => SyncReply,
            0x84 => HostMessage,
            0x85 => Close,
            0x86 => InvokeReply,
            0x87 => PortsMessage,
            0x88 => PortMessage,
            0x89 => PortClosed,
            0x8a => PortDirect,
            0x8b => PortSwitched,
            other => return Err(WireError::UnknownFrameType(other)),
        })
    }
}

/// How a `sendSync` ended, as main reports it to the renderer.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncOutcome {
    /// The reply value as JSON text (`JSON.stringify` rules, as in Electron 1.7.8).
    Value(Bytes),
    /// No value will come; the text says why (no listener, listener panicked, ...).
    Error(String),
}

/// How an invoke ended, as main reports it to the renderer.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeOutcome {
    /// The handler's value as JSON text.
    Value(Bytes),
    /// The handler failed, or there was none.
    Error(InvokeFailure),
}

/// Why an invoke failed: the message Electron carries, plus the typed payload Electron loses
/// (electron#24427): a `code` and `data` the handler chose, when it gave them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InvokeFailure {
    /// For people; the page's rejection reads
    /// `Error invoking remote method '<channel>': Error: <message>`.
    pub message: String,
    /// A code a program can match (any JSON value; usually a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<serde_json::Value>,
    /// Structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

impl InvokeFailure {
    /// A failure with a message and no payload.
    pub fn new(message: impl Into<String>) -> Self {
        InvokeFailure {
            message: message.into(),
            code: None,
            data: None,
        }
    }
}

/// One protocol message.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// Renderer → main: the token main issued for this renderer, and what the renderer speaks.
    /// Version 0 is encoded as the token alone (the Hello of before versions existed).
    Hello {
        /// The newest protocol version the renderer speaks.
        version: u16,
        /// The optional features the renderer implements.
        features: Features,
        /// The secret token.
        token: Bytes,
    },
    /// Renderer → main: asynchronous message.
    Send {
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Renderer → main: synchronous message; main answers with [`Frame::SyncReply`].
    SendSync {
        /// Request number chosen by the renderer, echoed in the reply.
        request: u64,
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Renderer (a guest) → main: message for the embedder's `<webview>` element.
    SendToHost {
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Renderer → main: relay to another renderer.
    SendTo {
        /// Target `WebContents` id.
        target: u64,
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Embedder → main: `<webview>.send` to one of its guests.
    WebviewSend {
        /// The guest's `WebContents` id.
        guest: u64,
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Renderer → main: `invoke`; main answers with [`Frame::InvokeReply`], in any order
    /// relative to other invokes.
    Invoke {
        /// Request number chosen by the renderer, echoed in the reply.
        request: u64,
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Renderer → main: the renderer stopped waiting for invoke `request` (the handler is told;
    /// no reply follows).
    InvokeCancel {
        /// The request number of the [`Frame::Invoke`].
        request: u64,
    },
    /// Renderer → main: `ipcRenderer.postMessage(channel, message, transfer)`. Each port is
    /// a new even handle `h` chosen by the renderer: the port `h` moves to main, and its
    /// partner, kept by the renderer, is handle `h + 1` on this link from now on
    /// (docs/adr/0019).
    PostMessage {
        /// Channel name.
        channel: String,
        /// The handles of the transferred ports.
        ports: Vec<u64>,
        /// The message (one argument).
        args: Args,
    },
    /// Renderer → main: the renderer posted a message on its port `port`.
    PortSend {
        /// The handle of the port the renderer posted on.
        port: u64,
        /// The message (one argument).
        args: Args,
    },
    /// Renderer → main: the renderer closed its port `port`.
    PortClose {
        /// The handle of the port.
        port: u64,
    },
    /// Main → renderer: `webContents.postMessage(channel, message, transfer)`: each port is
    /// a handle chosen by main (high bit set) that the renderer holds from now on.
    PortsMessage {
        /// Channel name.
        channel: String,
        /// The handles of the ports the renderer now holds.
        ports: Vec<u64>,
        /// The message (one argument).
        args: Args,
    },
    /// Main → renderer: a message for the renderer's port `port`.
    PortMessage {
        /// The handle of the port the message is for.
        port: u64,
        /// The message (one argument).
        args: Args,
    },
    /// Main → renderer: the other end of the renderer's port `port` closed.
    PortClosed {
        /// The handle of the port.
        port: u64,
    },
    /// Renderer → main: after this frame, the renderer's posts on port `port` go over the
    /// direct socket; main tells the other end ([`Frame::PortSwitched`]).
    PortSwitch {
        /// The handle of the port.
        port: u64,
    },
    /// Renderer → main, alone on a fresh connection: main answers with the descriptor it
    /// keeps under `nonce` (one byte with `SCM_RIGHTS`) and closes.
    PortFetch {
        /// The secret main gave in [`Frame::PortDirect`].
        nonce: [u8; 16],
    },
    /// Renderer → main: a frame body of `len` bytes waits at position `at` of the ring in the
    /// memory region the renderer shared with its Hello (docs/adr/0022). Main copies it out,
    /// frees its place, and handles it as if it had come on the socket, in this frame's turn.
    SharedSlice {
        /// Where the body starts, as a position in the ring's stream of bytes.
        at: u64,
        /// The body's length.
        len: u64,
    },
    /// Main → renderer: the two ends of port `port` can talk directly: fetch the socket with
    /// `nonce` ([`Frame::PortFetch`]), then send [`Frame::PortSwitch`].
    PortDirect {
        /// The handle of the port.
        port: u64,
        /// The secret to fetch the socket with.
        nonce: [u8; 16],
    },
    /// Main → renderer: the other end of port `port` posts over the direct socket from now
    /// on; everything it posted before came through main.
    PortSwitched {
        /// The handle of the port.
        port: u64,
    },
    /// Main → renderer: the answer to [`Frame::Invoke`].
    InvokeReply {
        /// The request number from [`Frame::Invoke`].
        request: u64,
        /// The value or the failure.
        outcome: InvokeOutcome,
    },
    /// Main → renderer: the handshake succeeded.
    Welcome {
        /// The renderer's own `WebContents` id.
        id: u64,
        /// The id of its embedder when the renderer is a `<webview>` guest, else 0.
        embedder: u64,
        /// Main's largest accepted frame body: the renderer checks its messages against it
        /// before sending. Absent on the wire from older mains (then the default).
        max_message_size: u64,
        /// The protocol version agreed (0 from a main of before versions existed).
        version: u16,
        /// The optional features agreed: the only ones either side may use on this link.
        features: Features,
    },
    /// Main → renderer: asynchronous message.
    Message {
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Main → renderer: the answer to [`Frame::SendSync`].
    SyncReply {
        /// The request number from [`Frame::SendSync`].
        request: u64,
        /// The value or the reason there is none.
        outcome: SyncOutcome,
    },
    /// Main → embedder: a guest called `sendToHost`.
    HostMessage {
        /// The guest's `WebContents` id.
        guest: u64,
        /// Channel name.
        channel: String,
        /// Arguments.
        args: Args,
    },
    /// Main → renderer: the connection is about to close.
    Close {
        /// Why, for people.
        reason: String,
    },
}

/// An encoded frame: a small head (length prefix, type, fixed fields, channel) and the body
/// bytes (arguments or payload), kept apart so a writer can send both with one `writev` and
/// a broadcast can share one body between many connections.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Length prefix, type byte, fixed fields and channel.
    pub head: Vec<u8>,
    /// The rest of the frame body, shared, never copied by relays.
    pub body: Bytes,
    /// What follows `body` on the wire: the large attachments of an argument section encoded
    /// here ([`Args::parts`]), kept in their own buffer; usually empty.
    pub tail: Bytes,
}

impl Encoded {
    /// A frame of `head` (length prefix included) and `body`, with no tail.
    pub fn new(head: Vec<u8>, body: Bytes) -> Encoded {
        Encoded {
            head,
            body,
            tail: Bytes::new(),
        }
    }

    /// Total bytes on a stream, length prefix included.
    pub fn len(&self) -> usize {
        self.head.len() + self.body.len() + self.tail.len()
    }

    /// Whether the frame is empty (never true: every frame has a head).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size of the frame body (what the receiver's limit applies to).
    pub fn body_len(&self) -> usize {
        self.len() - 4
    }

    /// The whole frame as stream bytes (length prefix included).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len());
        v.extend_from_slice(&self.head);
        v.extend_from_slice(&self.body);
        v.extend_from_slice(&self.tail);
        v
    }

    /// The frame body without the length prefix, as one WebSocket binary message.
    pub fn to_message(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len() - 4);
        v.extend_from_slice(&self.head[4..]);
        v.extend_from_slice(&self.body);
        v.extend_from_slice(&self.tail);
        v
    }
}

/// The first byte of a versioned Hello body; a token (hex text) never starts with it.
const VERSIONED_HELLO: u8 = 0x00;

struct Head(Vec<u8>);

impl Head {
    fn new(kind: FrameKind) -> Self {
        let mut v = Vec::with_capacity(32);
        v.extend_from_slice(&[0, 0, 0, 0, kind as u8]);
        Head(v)
    }
    fn u16(mut self, x: u16) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    fn u64(mut self, x: u64) -> Self {
        self.0.extend_from_slice(&x.to_le_bytes());
        self
    }
    fn ports(mut self, ports: &[u64]) -> Self {
        self.0
            .extend_from_slice(&(ports.len() as u32).to_le_bytes());
        for p in ports {
            self.0.extend_from_slice(&p.to_le_bytes());
        }
        self
    }
    fn text(mut self, s: &str) -> Self {
        self.0.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    /// A reply's status byte (1: a value follows, 0: a failure), then its body.
    fn reply(mut self, ok: bool, body: Bytes) -> Encoded {
        self.0.push(u8::from(ok));
        self.finish(body)
    }
    fn finish(self, body: Bytes) -> Encoded {
        self.finish_split(body, Bytes::new())
    }
    /// Ends the frame with an argument section, in its two parts.
    fn args(self, args: &Args) -> Encoded {
        let (raw, tail) = args.parts();
        self.finish_split(raw.clone(), tail.clone())
    }
    fn finish_split(mut self, body: Bytes, tail: Bytes) -> Encoded {
        let total = (self.0.len() - 4 + body.len() + tail.len()) as u32;
        self.0[..4].copy_from_slice(&total.to_le_bytes());
        Encoded {
            head: self.0,
            body,
            tail,
        }
    }
}

impl Frame {
    /// The type byte of this frame.
    pub fn kind(&self) -> FrameKind {
        match self {
            Frame::Hello { .. } => FrameKind::Hello,
            Frame::Send { .. } => FrameKind::Send,
            Frame::SendSync { .. } => FrameKind::SendSync,
            Frame::SendToHost { .. } => FrameKind::SendToHost,
            Frame::SendTo { .. } => FrameKind::SendTo,
            Frame::WebviewSend { .. } => FrameKind::WebviewSend,
            Frame::Welcome { .. } => FrameKind::Welcome,
            Frame::Message { .. } => FrameKind::Message,
            Frame::SyncReply { .. } => FrameKind::SyncReply,
            Frame::HostMessage { .. } => FrameKind::HostMessage,
            Frame::Close { .. } => FrameKind::Close,
            Frame::Invoke { .. } => FrameKind::Invoke,
            Frame::InvokeCancel { .. } => FrameKind::InvokeCancel,
            Frame::InvokeReply { .. } => FrameKind::InvokeReply,
            Frame::PostMessage { .. } => FrameKind::PostMessage,
            Frame::PortSend { .. } => FrameKind::PortSend,
            Frame::PortClose { .. } => FrameKind::PortClose,
            Frame::PortsMessage { .. } => FrameKind::PortsMessage,
            Frame::PortMessage { .. } => FrameKind::PortMessage,
            Frame::PortClosed { .. } => FrameKind::PortClosed,
            Frame::PortSwitch { .. } => FrameKind::PortSwitch,
            Frame::PortFetch { .. } => FrameKind::PortFetch,
            Frame::SharedSlice { .. } => FrameKind::SharedSlice,
            Frame::PortDirect { .. } => FrameKind::PortDirect,
            Frame::PortSwitched { .. } => FrameKind::PortSwitched,
        }
    }

    /// Encodes the frame. Argument bytes are shared, not copied.
    pub fn encode(&self) -> Encoded {
        let head = Head::new(self.kind());
        match self {
            Frame::Hello {
                version: 0, token, ..
            } => head.finish(token.clone()),
            Frame::Hello {
                version,
                features,
                token,
            } => {
                let mut head = head;
                head.0.push(VERSIONED_HELLO);
                head.u16(*version)
                    .u64(features.bits())
                    .finish(token.clone())
            }
            Frame::Send { channel, args }
            | Frame::SendToHost { channel, args }
            | Frame::Message { channel, args } => head.text(channel).args(args),
            Frame::SendSync {
                request,
                channel,
                args,
            }
            | Frame::Invoke {
                request,
                channel,
                args,
            } => head.u64(*request).text(channel).args(args),
            Frame::InvokeCancel { request }
            | Frame::PortClose { port: request }
            | Frame::PortClosed { port: request }
            | Frame::PortSwitch { port: request }
            | Frame::PortSwitched { port: request } => head.u64(*request).finish(Bytes::new()),
            Frame::PortFetch { nonce } => head.finish(Bytes::copy_from_slice(nonce)),
            Frame::SharedSlice { at, len } => head.u64(*at).u64(*len).finish(Bytes::new()),
            Frame::PortDirect { port, nonce } => {
                head.u64(*port).finish(Bytes::copy_from_slice(nonce))
            }
            Frame::PostMessage {
                channel,
                ports,
                args,
            }
            | Frame::PortsMessage {
                channel,
                ports,
                args,
            } => head.ports(ports).text(channel).args(args),
            Frame::PortSend { port, args } | Frame::PortMessage { port, args } => {
                head.u64(*port).args(args)
            }
            Frame::InvokeReply { request, outcome } => {
                let head = head.u64(*request);
                match outcome {
                    InvokeOutcome::Value(json) => head.reply(true, json.clone()),
                    InvokeOutcome::Error(failure) => {
                        // Strings and JSON values always serialize.
                        let json = serde_json::to_vec(failure).unwrap_or_default();
                        head.reply(false, Bytes::from(json))
                    }
                }
            }
            Frame::SendTo {
                target: id,
                channel,
                args,
            }
            | Frame::WebviewSend {
                guest: id,
                channel,
                args,
            }
            | Frame::HostMessage {
                guest: id,
                channel,
                args,
            } => head.u64(*id).text(channel).args(args),
            Frame::Welcome {
                id,
                embedder,
                max_message_size,
                version,
                features,
            } => head
                .u64(*id)
                .u64(*embedder)
                .u64(*max_message_size)
                .u16(*version)
                .u64(features.bits())
                .finish(Bytes::new()),
            Frame::SyncReply { request, outcome } => {
                let head = head.u64(*request);
                match outcome {
                    SyncOutcome::Value(json) => head.reply(true, json.clone()),
                    SyncOutcome::Error(text) => {
                        head.reply(false, Bytes::copy_from_slice(text.as_bytes()))
                    }
                }
            }
            Frame::Close { reason } => head.finish(Bytes::copy_from_slice(reason.as_bytes())),
        }
    }

    /// Decodes a frame body (the bytes after the length prefix, or one WebSocket message).
    /// `max_size` bounds the body; argument sections are checked for consistency but their
    /// JSON is not parsed here.
    pub fn decode(mut body: Bytes, max_size: usize) -> Result<Frame, WireError> {
        if body.len() > max_size {
            return Err(WireError::TooLarge {
                size: body.len(),
                limit: max_size,
            });
        }
        if body.is_empty() {
            return Err(WireError::Truncated("frame type"));
        }
        let kind = FrameKind::from_byte(body.get_u8())?;
        let b = &mut body;
        Ok(match kind {
            FrameKind::Hello if b.first() == Some(&VERSIONED_HELLO) => {
                b.advance(1);
                let version = u16_field(b)?;
                if version == 0 {
                    // Version 0 is written as the token alone; one encoding per Hello.
                    return Err(WireError::MalformedHandshake(
                        "a versioned Hello carries version 1 or newer",
                    ));
                }
                Frame::Hello {
                    version,
                    features: Features::from_bits(u64_field(b)?),
                    token: body,
                }
            }
            FrameKind::Hello => Frame::Hello {
                version: 0,
                features: Features::NONE,
                token: body,
            },
            FrameKind::Send => Frame::Send {
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::SendSync => Frame::SendSync {
                request: u64_field(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::SendToHost => Frame::SendToHost {
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::SendTo => Frame::SendTo {
                target: u64_field(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::WebviewSend => Frame::WebviewSend {
                guest: u64_field(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::Welcome => {
                let id = u64_field(b)?;
                let embedder = u64_field(b)?;
                // A main from before the limit travelled sends no third field, and one from
                // before versions existed no version and features.
                let max_message_size = if b.is_empty() {
                    crate::DEFAULT_MAX_MESSAGE_SIZE as u64
                } else {
                    u64_field(b)?
                };
                let (version, features) = if b.is_empty() {
                    (0, Features::NONE)
                } else {
                    (u16_field(b)?, Features::from_bits(u64_field(b)?))
                };
                Frame::Welcome {
                    id,
                    embedder,
                    max_message_size,
                    version,
                    features,
                }
            }
            FrameKind::Message => Frame::Message {
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::SyncReply => {
                let request = u64_field(b)?;
                let outcome = if reply_status(b, "sync reply status")? {
                    SyncOutcome::Value(body)
                } else {
                    SyncOutcome::Error(utf8(body, "sync error text")?)
                };
                Frame::SyncReply { request, outcome }
            }
            FrameKind::Invoke => Frame::Invoke {
                request: u64_field(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::InvokeCancel => Frame::InvokeCancel {
                request: u64_field(b)?,
            },
            FrameKind::InvokeReply => {
                let request = u64_field(b)?;
                let outcome = if reply_status(b, "invoke reply status")? {
                    InvokeOutcome::Value(body)
                } else {
                    InvokeOutcome::Error(serde_json::from_slice(&body).map_err(|e| {
                        WireError::MalformedArgs(format!("invoke failure is not valid: {e}"))
                    })?)
                };
                Frame::InvokeReply { request, outcome }
            }
            FrameKind::HostMessage => Frame::HostMessage {
                guest: u64_field(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::Close => Frame::Close {
                reason: utf8(body, "close reason")?,
            },
            FrameKind::PostMessage => Frame::PostMessage {
                ports: ports(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::PortsMessage => Frame::PortsMessage {
                ports: ports(b)?,
                channel: text(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::PortSend => Frame::PortSend {
                port: u64_field(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::PortMessage => Frame::PortMessage {
                port: u64_field(b)?,
                args: Args::from_raw(body)?,
            },
            FrameKind::PortClose => Frame::PortClose {
                port: u64_field(b)?,
            },
            FrameKind::PortClosed => Frame::PortClosed {
                port: u64_field(b)?,
            },
            FrameKind::PortSwitch => Frame::PortSwitch {
                port: u64_field(b)?,
            },
            FrameKind::PortSwitched => Frame::PortSwitched {
                port: u64_field(b)?,
            },
            FrameKind::PortFetch => Frame::PortFetch { nonce: nonce(b)? },
            FrameKind::SharedSlice => Frame::SharedSlice {
                at: u64_field(b)?,
                len: u64_field(b)?,
            },
            FrameKind::PortDirect => Frame::PortDirect {
                port: u64_field(b)?,
                nonce: nonce(b)?,
            },
        })
    }
}

/// The status byte of a reply frame (`what` names it): `true` when a value follows, `false`
/// for a failure.
fn reply_status(b: &mut Bytes, what: &'static str) -> Result<bool, WireError> {
    if b.is_empty() {
        return Err(WireError::Truncated(what));
    }
    match b.get_u8() {
        1 => Ok(true),
        0 => Ok(false),
        _ => Err(WireError::MalformedArgs(format!(
            "{what} status must be 0 or 1"
        ))),
    }
}

fn u16_field(b: &mut Bytes) -> Result<u16, WireError> {
    if b.len() < 2 {
        return Err(WireError::Truncated("u16 field"));
    }
    Ok(b.get_u16_le())
}

fn u64_field(b: &mut Bytes) -> Result<u64, WireError> {
    if b.len() < 8 {
        return Err(WireError::Truncated("u64 field"));
    }
    Ok(b.get_u64_le())
}

fn nonce(b: &mut Bytes) -> Result<[u8; 16], WireError> {
    let n: [u8; 16] = b[..]
        .try_into()
        .map_err(|_| WireError::MalformedArgs("a port nonce is 16 bytes".into()))?;
    b.advance(16);
    Ok(n)
}

/// The most ports one message may transfer (Electron has no limit; one message must not make
/// main allocate a table per byte).
pub const MAX_PORTS_PER_MESSAGE: usize = 64;

fn ports(b: &mut Bytes) -> Result<Vec<u64>, WireError> {
    if b.len() < 4 {
        return Err(WireError::Truncated("port count"));
    }
    let n = b.get_u32_le() as usize;
    if n > MAX_PORTS_PER_MESSAGE {
        return Err(WireError::MalformedArgs(format!(
            "a message transfers {n} ports; the most is {MAX_PORTS_PER_MESSAGE}"
        )));
    }
    if b.len() < n * 8 {
        return Err(WireError::Truncated("port handles"));
    }
    Ok((0..n).map(|_| b.get_u64_le()).collect())
}

fn text(b: &mut Bytes) -> Result<String, WireError> {
    if b.len() < 4 {
        return Err(WireError::Truncated("channel length"));
    }
    let n = b.get_u32_le() as usize;
    if b.len() < n {
        return Err(WireError::Truncated("channel"));
    }
    utf8(b.split_to(n), "channel")
}

fn utf8(b: Bytes, what: &'static str) -> Result<String, WireError> {
    String::from_utf8(b.to_vec()).map_err(|_| WireError::InvalidUtf8(what))
}
