//! The protocol's state machines, one per side, with no I/O and no threads: frames go in, what
//! to do comes out, and the caller (a transport driver) does the reading, writing and waking.
//!
//! * [`RendererSession`]: a renderer's side. It builds the Hello, reads the Welcome, numbers
//!   calls, matches replies to them, and keeps main's messages back while a `sendSync` is
//!   pending (Electron delivers them after the call returns, in order).
//! * [`MainSession`]: main's side of one link. It reads the Hello, agrees on a version and
//!   features, builds the Welcome, and checks each frame a renderer sends: frames only main may
//!   send, and frames of a feature that was not agreed, end the link with a reason that says so.
//!
//! The session has no timers: a blocking call's deadline belongs to the thread that waits.
//!
//! ```
//! use electrode_wire::session::{MainSession, Received, RendererSession};
//! use electrode_wire::{Args, Frame, SyncOutcome, ValueRules};
//!
//! // Renderer: Hello. Main: reads it, answers with a Welcome.
//! let hello = RendererSession::hello("1.secret");
//! let (main, token) = MainSession::accept(hello, ValueRules::Json).unwrap();
//! assert_eq!(&token[..], b"1.secret");
//! let welcome = main.welcome(7, None, 1 << 20);
//! let mut renderer = RendererSession::welcomed(welcome).unwrap();
//! assert_eq!(renderer.id(), 7);
//!
//! // A sendSync: main's message that comes meanwhile waits for the reply.
//! let request = renderer.start_sync();
//! let news = Frame::Message { channel: "news".into(), args: Args::encode(&()).unwrap() };
//! assert_eq!(renderer.receive(news), Received::Queued);
//! assert!(renderer.next_message().is_none());
//! let reply = Frame::SyncReply { request, outcome: SyncOutcome::Value(b"1".to_vec().into()) };
//! assert_eq!(renderer.receive(reply), Received::Reply(request));
//! assert!(renderer.take_reply(request).is_some());
//! renderer.finish(request);
//! assert!(matches!(renderer.next_message(), Some(Frame::Message { .. })));
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;

use bytes::Bytes;

use crate::handshake::{agree, Agreement, Features, PROTOCOL_VERSION};
use crate::{Frame, FrameKind, InvokeOutcome, SyncOutcome, ValueRules};

/// Why a link ended or could not start, for people and for code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// Main refused the renderer at the handshake (a bad or used token, a version it does not
    /// speak); the text is main's.
    Refused(String),
    /// The peer said why it closes (a `Close` frame).
    Closed(String),
    /// The peer broke the protocol (an unexpected, malformed or unagreed frame).
    Protocol(String),
}

impl CloseReason {
    /// The text alone.
    pub fn text(&self) -> &str {
        match self {
            CloseReason::Refused(t) | CloseReason::Closed(t) | CloseReason::Protocol(t) => t,
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl std::error::Error for CloseReason {}

/// What main's Welcome told the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Welcome {
    /// The renderer's `WebContents` id.
    pub id: u64,
    /// Its embedder's id, when it is a `<webview>` guest.
    pub embedder: Option<u64>,
    /// The largest frame body main accepts or sends.
    pub max_message_size: usize,
    /// The version and features both sides use.
    pub agreement: Agreement,
}

/// An answer main sent to a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The answer to a `sendSync`.
    Sync(SyncOutcome),
    /// The answer to an `invoke`.
    Invoke(InvokeOutcome),
}

/// What [`RendererSession::receive`] made of a frame from main.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The reply to this pending call came; take it with [`RendererSession::take_reply`].
    Reply(u64),
    /// A message for the listeners; [`RendererSession::next_message`] hands it out in order
    /// (not while a `sendSync` is pending).
    Queued,
    /// A reply to a call nobody waits for any more (it timed out or was dropped): ignored.
    Abandoned(u64),
    /// Main said it closes the link, and why; the link ends when the transport does.
    Closing,
    /// A frame main must not send (a renderer's frame kind, a second Welcome): ignored, and
    /// worth a warning.
    Unexpected(FrameKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sync,
    Invoke,
}

#[derive(Debug)]
enum Answer {
    Waiting,
    Came(Reply),
    Taken,
}

#[derive(Debug)]
struct Call {
    kind: Kind,
    answer: Answer,
}

impl Call {
    fn new(kind: Kind) -> Self {
        Call {
            kind,
            answer: Answer::Waiting,
        }
    }
}

/// A renderer's side of the protocol (see the [module docs](self)).
#[derive(Debug)]
pub struct RendererSession {
    welcome: Welcome,
    calls: HashMap<u64, Call>,
    /// `sendSync` calls not finished yet: main's messages are held while there is any.
    syncs: usize,
    inbox: VecDeque<Frame>,
    next_request: u64,
    closing: Option<String>,
}

impl RendererSession {
    /// The Hello a renderer opens with: this build's version and features, and its token.
    pub fn hello(token: &str) -> Frame {
        Frame::Hello {
            version: PROTOCOL_VERSION,
            features: Features::SUPPORTED,
            token: Bytes::copy_from_slice(token.as_bytes()),
        }
    }

    /// Reads main's answer to the Hello. `Err` is why the renderer cannot go on.
    pub fn welcomed(first: Frame) -> Result<RendererSession, CloseReason> {
        let welcome = match first {
            Frame::Welcome {
                id,
                embedder,
                max_message_size,
                version,
                features,
            } => Welcome {
                id,
                embedder: (embedder != 0).then_some(embedder),
                max_message_size: usize::try_from(max_message_size).unwrap_or(usize::MAX),
                agreement: Agreement { version, features },
            },
            Frame::Close { reason } => return Err(CloseReason::Refused(reason)),
            other => {
                return Err(CloseReason::Protocol(format!(
                    "expected Welcome, got {:?}",
                    other.kind()
                )))
            }
        };
        Ok(RendererSession {
            welcome,
            calls: HashMap::new(),
            syncs: 0,
            inbox: VecDeque::new(),
            next_request: 1,
            closing: None,
        })
    }

    /// What main's Welcome said.
    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// The value rules main chose for this link: structured clone when it agreed the feature.
    pub fn rules(&self) -> ValueRules {
        if self.welcome.agreement.features.contains(Features::CLONE) {
            ValueRules::StructuredClone
        } else {
            ValueRules::Json
        }
    }

    /// The renderer's id.
    pub fn id(&self) -> u64 {
        self.welcome.id
    }

    /// Whether main agreed to `feature`: frames of a feature that was not agreed must not be
    /// sent.
    pub fn supports(&self, feature: Features) -> bool {
        self.welcome.agreement.features.contains(feature)
    }

    fn number(&mut self) -> u64 {
        let request = self.next_request;
        self.next_request += 1;
        request
    }

    /// Numbers a `sendSync`; main's messages are held from now until [`finish`](Self::finish).
    pub fn start_sync(&mut self) -> u64 {
        let request = self.number();
        self.calls.insert(request, Call::new(Kind::Sync));
        self.syncs += 1;
        request
    }

    /// Numbers an `invoke`. `None`: main did not agree to [`Features::INVOKE`].
    pub fn start_invoke(&mut self) -> Option<u64> {
        if !self.supports(Features::INVOKE) {
            return None;
        }
        let request = self.number();
        self.calls.insert(request, Call::new(Kind::Invoke));
        Some(request)
    }

    /// Takes in one frame from main.
    pub fn receive(&mut self, frame: Frame) -> Received {
        match frame {
            Frame::SyncReply { request, outcome } => {
                self.answer(request, Kind::Sync, Reply::Sync(outcome))
            }
            Frame::InvokeReply { request, outcome } => {
                self.answer(request, Kind::Invoke, Reply::Invoke(outcome))
            }
            Frame::Message { .. } | Frame::HostMessage { .. } => {
                self.inbox.push_back(frame);
                Received::Queued
            }
            // In the same queue as messages: a port's messages keep their order, and a port
            // handed over by a `PortsMessage` exists before its first message is delivered.
            Frame::PortsMessage { .. }
            | Frame::PortMessage { .. }
            | Frame::PortClosed { .. }
            | Frame::PortDirect { .. }
            | Frame::PortSwitched { .. }
                if self.supports(Features::PORTS) =>
            {
                self.inbox.push_back(frame);
                Received::Queued
            }
            Frame::Close { reason } => {
                self.closing.get_or_insert(reason);
                Received::Closing
            }
            other => Received::Unexpected(other.kind()),
        }
    }

    /// Keeps a reply for its call, if the call waits for one of this kind.
    fn answer(&mut self, request: u64, kind: Kind, reply: Reply) -> Received {
        match self.calls.get_mut(&request) {
            Some(call) if call.kind == kind && matches!(call.answer, Answer::Waiting) => {
                call.answer = Answer::Came(reply);
                Received::Reply(request)
            }
            _ => Received::Abandoned(request),
        }
    }

    /// The reply of a pending call, once it came (once: a second take gives `None`).
    pub fn take_reply(&mut self, request: u64) -> Option<Reply> {
        let call = self.calls.get_mut(&request)?;
        match std::mem::replace(&mut call.answer, Answer::Taken) {
            Answer::Came(reply) => Some(reply),
            other => {
                call.answer = other;
                None
            }
        }
    }

    /// Whether the reply of `request` came and waits to be taken.
    pub fn has_reply(&self, request: u64) -> bool {
        matches!(
            self.calls.get(&request),
            Some(Call {
                answer: Answer::Came(_),
                ..
            })
        )
    }

    /// The call ends, answered or not; a later reply is [`Received::Abandoned`]. For an
    /// `invoke` still unanswered, returns the `InvokeCancel` to send, so main's handler is told.
    pub fn finish(&mut self, request: u64) -> Option<Frame> {
        let call = self.calls.remove(&request)?;
        match (call.kind, call.answer) {
            (Kind::Sync, _) => {
                self.syncs -= 1;
                None
            }
            (Kind::Invoke, Answer::Waiting) => Some(Frame::InvokeCancel { request }),
            (Kind::Invoke, _) => None,
        }
    }

    /// Whether main's messages are held (a `sendSync` is pending).
    pub fn is_holding(&self) -> bool {
        self.syncs > 0
    }

    /// The next message for the listeners, in arrival order; `None` while a `sendSync` is
    /// pending or when there is none.
    pub fn next_message(&mut self) -> Option<Frame> {
        if self.is_holding() {
            return None;
        }
        self.inbox.pop_front()
    }

    /// Whether messages wait in the inbox (held or not).
    pub fn has_messages(&self) -> bool {
        !self.inbox.is_empty()
    }

    /// The reason main gave in its `Close`, if it sent one.
    pub fn closing_reason(&self) -> Option<&str> {
        self.closing.as_deref()
    }

    /// Every call still waiting for its reply (to fail them when the link ends).
    pub fn pending_calls(&self) -> impl Iterator<Item = u64> + '_ {
        self.calls
            .iter()
            .filter(|(_, c)| matches!(c.answer, Answer::Waiting))
            .map(|(r, _)| *r)
    }
}

/// Main's side of one link (see the [module docs](self)). After the handshake it holds only
/// what was agreed, so checking a frame needs no lock.
#[derive(Debug, Clone, Copy)]
pub struct MainSession {
    agreement: Agreement,
}

impl MainSession {
    /// Main's features: what it implements.
    pub const FEATURES: Features = Features::SUPPORTED;

    /// Main's features under `rules`: structured-clone values only when main sends them.
    pub fn features(rules: ValueRules) -> Features {
        match rules {
            ValueRules::StructuredClone => Self::FEATURES,
            ValueRules::Json => Self::FEATURES.without(Features::CLONE),
        }
    }

    /// Reads a renderer's first frame: the token to check and the session, or why the renderer
    /// is refused. A main with structured-clone `rules` refuses a renderer that cannot read
    /// such values, rather than sending it what it would misread.
    pub fn accept(first: Frame, rules: ValueRules) -> Result<(MainSession, Bytes), CloseReason> {
        match first {
            Frame::Hello {
                version,
                features,
                token,
            } => {
                if rules == ValueRules::StructuredClone && !features.contains(Features::CLONE) {
                    return Err(CloseReason::Refused(format!(
                        "this main sends structured-clone values and the renderer does not \
                         support them (it offers: {features}); update the renderer"
                    )));
                }
                agree(version, features, Self::features(rules))
                    .map(|agreement| (MainSession { agreement }, token))
                    .map_err(CloseReason::Refused)
            }
            other => Err(CloseReason::Refused(format!(
                "first frame was {:?}, not Hello",
                other.kind()
            ))),
        }
    }

    /// A session for a renderer that came in without a Hello frame (the web bridge, whose
    /// pages authenticate over HTTP), speaking `agreement`.
    pub fn agreed(agreement: Agreement) -> MainSession {
        MainSession { agreement }
    }

    /// What was agreed.
    pub fn agreement(&self) -> Agreement {
        self.agreement
    }

    /// The session without `features`: main could not honour them on this link (for
    /// example [`Features::SHARED_MEMORY`] when no usable region came with the Hello). Call
    /// it before [`welcome`](Self::welcome), which tells the renderer what was agreed.
    pub fn without(self, features: Features) -> MainSession {
        MainSession {
            agreement: Agreement {
                version: self.agreement.version,
                features: self.agreement.features.without(features),
            },
        }
    }

    /// The Welcome for the renderer, once its token was accepted.
    pub fn welcome(&self, id: u64, embedder: Option<u64>, max_message_size: usize) -> Frame {
        Frame::Welcome {
            id,
            embedder: embedder.unwrap_or(0),
            max_message_size: max_message_size as u64,
            version: self.agreement.version,
            features: self.agreement.features,
        }
    }

    /// Checks a frame from the renderer: `Err` is why the link must close (a frame only main
    /// sends, a second Hello, or a frame of a feature that was not agreed).
    pub fn check(&self, frame: &Frame) -> Result<(), CloseReason> {
        let kind = frame.kind();
        let needs = match kind {
            FrameKind::Send
            | FrameKind::SendSync
            | FrameKind::SendToHost
            | FrameKind::SendTo
            | FrameKind::WebviewSend => Features::NONE,
            FrameKind::Invoke | FrameKind::InvokeCancel => Features::INVOKE,
            FrameKind::PostMessage
            | FrameKind::PortSend
            | FrameKind::PortClose
            | FrameKind::PortSwitch => Features::PORTS,
            FrameKind::SharedSlice => Features::SHARED_MEMORY,
            FrameKind::PortFetch => {
                return Err(CloseReason::Protocol(
                    "PortFetch is only the first frame of its own connection".into(),
                ))
            }
            FrameKind::Hello => {
                return Err(CloseReason::Protocol(
                    "a second Hello after the handshake".into(),
                ))
            }
            _ => {
                return Err(CloseReason::Protocol(format!(
                    "frame type {kind:?} may only be sent by the main process"
                )))
            }
        };
        if !self.agreement.features.contains(needs) {
            return Err(CloseReason::Protocol(format!(
                "frame type {kind:?} needs the feature '{needs}', which was not agreed in the \
                 handshake (agreed: {})",
                self.agreement.features
            )));
        }
        let tagged = match frame {
            Frame::Send { args, .. }
            | Frame::SendSync { args, .. }
            | Frame::SendToHost { args, .. }
            | Frame::SendTo { args, .. }
            | Frame::WebviewSend { args, .. }
            | Frame::Invoke { args, .. }
            | Frame::PostMessage { args, .. }
            | Frame::PortSend { args, .. } => args.has_clone_tags(),
            _ => false,
        };
        if tagged && !self.agreement.features.contains(Features::CLONE) {
            return Err(CloseReason::Protocol(format!(
                "a {kind:?} frame carries structured-clone tags, which need the feature \
                 'structured-clone', not agreed in the handshake (agreed: {})",
                self.agreement.features
            )));
        }
        Ok(())
    }

    /// The value rules of this link.
    pub fn rules(&self) -> ValueRules {
        if self.agreement.features.contains(Features::CLONE) {
            ValueRules::StructuredClone
        } else {
            ValueRules::Json
        }
    }
}
