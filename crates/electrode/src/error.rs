use std::io;

use electrode_wire::WireError;

/// A boxed error, what listeners return: `?` works on any error type inside a listener.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the main-process API can report. Each message names the renderer, the channel
/// and the limit involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An empty channel name was given.
    #[error("channel name must not be empty (renderer {renderer})")]
    EmptyChannel {
        /// The renderer the message was for.
        renderer: u64,
    },
    /// The encoded message is over the configured size limit; nothing was sent.
    #[error("message on channel '{channel}' for renderer {renderer} is {size} bytes, over the limit of {limit} bytes; not sent")]
    TooLarge {
        /// Channel of the message.
        channel: String,
        /// Target renderer.
        renderer: u64,
        /// Encoded size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The renderer is gone (exited, crashed, disconnected or closed).
    #[error(
        "renderer {renderer} is destroyed ({reason}); message on channel '{channel}' not sent"
    )]
    Destroyed {
        /// The renderer.
        renderer: u64,
        /// Channel of the message.
        channel: String,
        /// Why it was destroyed.
        reason: String,
    },
    /// Too many bytes are waiting for the renderer (not connected yet, or not reading).
    #[error("renderer {renderer} already has {queued} bytes waiting (limit {limit}); message on channel '{channel}' refused")]
    QueueFull {
        /// The renderer.
        renderer: u64,
        /// Channel of the refused message.
        channel: String,
        /// Bytes already waiting.
        queued: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A MessagePort cannot do what was asked (closed, transferred, over a limit).
    #[error("MessagePort: {reason}")]
    Port {
        /// What is wrong, for people.
        reason: String,
    },
    /// A sync-only operation was used on an asynchronous message.
    #[error("the message on channel '{channel}' from renderer {renderer} was sent with send(), not sendSync(): it takes no return value (reply with event.sender().send)")]
    NotSync {
        /// Channel of the message.
        channel: String,
        /// The sending renderer.
        renderer: u64,
    },
    /// The sync reply value could not be turned into JSON.
    #[error("return value for sendSync on channel '{channel}' from renderer {renderer} is not JSON-serializable: {message}")]
    BadReturnValue {
        /// Channel of the message.
        channel: String,
        /// The sending renderer.
        renderer: u64,
        /// What serde_json said.
        message: String,
    },
    /// A channel got a second `handle` (Electron's text: "Attempted to register a second
    /// handler for '<channel>'"); remove the first with `remove_handler`.
    #[error("{message}")]
    HandlerExists {
        /// The channel.
        channel: String,
        /// Electron's message.
        message: String,
    },
    /// No `WebContents` has this id.
    #[error("no renderer with id {0}")]
    UnknownRenderer(u64),
    /// The renderer is not a `<webview>` guest of the given embedder.
    #[error("renderer {guest} is not a guest of renderer {embedder}")]
    NotAGuest {
        /// The supposed guest.
        guest: u64,
        /// The supposed embedder.
        embedder: u64,
    },
    /// Arguments could not be encoded.
    #[error("arguments for channel '{channel}': {source}")]
    Encode {
        /// Channel of the message.
        channel: String,
        /// The codec's error.
        source: WireError,
    },
    /// A renderer broke the protocol; its connection is closed.
    #[error("renderer {renderer} broke the protocol: {reason}")]
    Protocol {
        /// The renderer.
        renderer: u64,
        /// What it did.
        reason: String,
    },
    /// A broadcast reached only some renderers; `missed` has one error per renderer that did
    /// not get it (each names the renderer and why).
    #[error("broadcast on channel '{channel}' reached {delivered} renderer(s) but not {}: {}", missed.len(), list(missed))]
    Undelivered {
        /// Channel of the message.
        channel: String,
        /// Renderers that took the message.
        delivered: usize,
        /// Why each of the others did not.
        missed: Vec<Error>,
    },
    /// A renderer role (`self_command`, `Main::spawn_self`) was empty: the child could not
    /// tell it from "no role".
    #[error("a renderer role must not be empty")]
    EmptyRole,
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: io::Error,
    },
}

fn list(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// The renderer is gone ([`Error::Destroyed`], [`Error::UnknownRenderer`]): sending to it
    /// again fails the same way.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Destroyed { .. } | Error::UnknownRenderer(_))
    }

    /// The message was over a limit and was not sent: its size ([`Error::TooLarge`]) or the
    /// bytes waiting for the renderer ([`Error::QueueFull`]). The link is intact.
    pub fn is_over_limit(&self) -> bool {
        matches!(self, Error::TooLarge { .. } | Error::QueueFull { .. })
    }

    /// A renderer broke the protocol; its link was closed ([`Error::Protocol`]).
    pub fn is_protocol(&self) -> bool {
        matches!(self, Error::Protocol { .. })
    }

    /// The renderer the error is about, when there is one.
    pub fn renderer(&self) -> Option<u64> {
        match self {
            Error::EmptyChannel { renderer }
            | Error::TooLarge { renderer, .. }
            | Error::Destroyed { renderer, .. }
            | Error::QueueFull { renderer, .. }
            | Error::NotSync { renderer, .. }
            | Error::BadReturnValue { renderer, .. }
            | Error::Protocol { renderer, .. } => Some(*renderer),
            Error::UnknownRenderer(id) => Some(*id),
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_the_kind_and_the_renderer() {
        let full = Error::QueueFull {
            renderer: 4,
            channel: "c".into(),
            queued: 10,
            limit: 8,
        };
        assert!(full.is_over_limit() && !full.is_gone());
        assert_eq!(full.renderer(), Some(4));
        assert!(Error::UnknownRenderer(9).is_gone());
        assert_eq!(Error::UnknownRenderer(9).renderer(), Some(9));
        let breach = Error::Protocol {
            renderer: 2,
            reason: "bad frame".into(),
        };
        assert!(breach.is_protocol());
        assert_eq!(Error::EmptyRole.renderer(), None);
    }
}
