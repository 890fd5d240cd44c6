use std::io;
use std::path::PathBuf;
use std::time::Duration;

use electrode_wire::WireError;

/// A boxed error, what listeners return: `?` works on any error type inside a listener.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the renderer API can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ELECTRODE_SOCKET` or `ELECTRODE_TOKEN` is not set: the process was not started by
    /// `Main::spawn_renderer` (or given a ticket).
    #[error("environment variable {0} is not set: start this renderer with Main::spawn_renderer or give it a ticket")]
    MissingEnv(&'static str),
    /// The main process's socket could not be reached.
    #[error("cannot connect to the main process at {}: {source}", socket.display())]
    Connect {
        /// The socket path.
        socket: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Main refused the connection (wrong or used token).
    #[error("the main process refused this renderer: {0}")]
    Refused(String),
    /// The link to main is gone; every later call fails the same way.
    #[error("the main process is gone: {reason}")]
    Disconnected {
        /// Why, as far as is known.
        reason: String,
    },
    /// An empty channel name was given.
    #[error("channel name must not be empty")]
    EmptyChannel,
    /// The encoded message is over the size limit; nothing was sent, the link is intact.
    #[error(
        "message on channel '{channel}' is {size} bytes, over the limit of {limit} bytes; not sent"
    )]
    TooLarge {
        /// Channel of the message.
        channel: String,
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Arguments could not be encoded.
    #[error("arguments for channel '{channel}': {source}")]
    Encode {
        /// Channel of the message.
        channel: String,
        /// The codec's error.
        source: WireError,
    },
    /// The sync reply did not fit the requested type.
    #[error("reply to sendSync on channel '{channel}' does not fit the requested type: {message}")]
    Decode {
        /// Channel of the call.
        channel: String,
        /// What serde said.
        message: String,
    },
    /// Main answered the `sendSync` with an error (no listener, no return value, a failing
    /// listener).
    #[error("sendSync on channel '{channel}' failed: {message}")]
    NoReply {
        /// Channel of the call.
        channel: String,
        /// Main's explanation.
        message: String,
    },
    /// No reply came in time (`send_sync_timeout`).
    #[error("sendSync on channel '{channel}' got no reply within {after:?}")]
    Timeout {
        /// Channel of the call.
        channel: String,
        /// The timeout.
        after: Duration,
    },
    /// `send_to_host` from a renderer that is no `<webview>` guest.
    #[error("sendToHost on channel '{channel}': this renderer is not a <webview> guest")]
    NotAGuest {
        /// Channel of the message.
        channel: String,
    },
    /// Main's handler for an `invoke` failed, or there was none. The text is Electron's
    /// rejection message; `code` and `data` are the typed payload the handler gave, if any.
    #[error("Error invoking remote method '{channel}': Error: {message}")]
    Invoke {
        /// Channel of the call.
        channel: String,
        /// The handler's message (or "No handler registered for '<channel>'").
        message: String,
        /// The code the handler gave (`InvokeError::with_code` in main).
        code: Option<serde_json::Value>,
        /// The details the handler gave (`InvokeError::with_data` in main).
        data: Option<serde_json::Value>,
    },
    /// The main process does not implement a feature this call needs (it is older).
    #[error("{call} on channel '{channel}': the main process does not support it (protocol version {version}, features {features:#x})")]
    Unsupported {
        /// The call.
        call: &'static str,
        /// Channel of the call.
        channel: String,
        /// The protocol version agreed with main.
        version: u16,
        /// The feature bits agreed with main.
        features: u64,
    },
    /// A MessagePort cannot do what was asked (closed, transferred, ...).
    #[error("MessagePort: {0}")]
    Port(String),
    /// A handshake step failed.
    #[error("handshake with the main process failed: {0}")]
    Handshake(String),
}

impl Error {
    /// The link to main is gone ([`Error::Disconnected`]): every later call fails the same way.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, Error::Disconnected { .. })
    }

    /// Main did not accept this renderer ([`Error::Refused`], [`Error::Handshake`],
    /// [`Error::Connect`], [`Error::MissingEnv`]).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Error::Refused(_) | Error::Handshake(_) | Error::Connect { .. } | Error::MissingEnv(_)
        )
    }

    /// No answer came in time ([`Error::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// The message was over main's size limit and was not sent ([`Error::TooLarge`]).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::TooLarge { .. })
    }

    /// Main answered the call with an error: a `sendSync` nobody answered
    /// ([`Error::NoReply`]) or a failing or missing `handle` ([`Error::Invoke`]).
    pub fn is_remote(&self) -> bool {
        matches!(self, Error::NoReply { .. } | Error::Invoke { .. })
    }

    /// The arguments or the answer did not convert ([`Error::Encode`], [`Error::Decode`]).
    pub fn is_conversion(&self) -> bool {
        matches!(self, Error::Encode { .. } | Error::Decode { .. })
    }

    /// The channel the failed call used, when it had one.
    pub fn channel(&self) -> Option<&str> {
        match self {
            Error::TooLarge { channel, .. }
            | Error::Encode { channel, .. }
            | Error::Decode { channel, .. }
            | Error::NoReply { channel, .. }
            | Error::Timeout { channel, .. }
            | Error::NotAGuest { channel }
            | Error::Invoke { channel, .. }
            | Error::Unsupported { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_the_kind_and_the_channel() {
        let timeout = Error::Timeout {
            channel: "ask".into(),
            after: Duration::from_millis(5),
        };
        assert!(timeout.is_timeout() && !timeout.is_disconnected());
        assert_eq!(timeout.channel(), Some("ask"));
        let gone = Error::Disconnected {
            reason: "main exited".into(),
        };
        assert!(gone.is_disconnected() && gone.channel().is_none());
        assert!(Error::Refused("used token".into()).is_connect());
        let remote = Error::NoReply {
            channel: "c".into(),
            message: "no listener".into(),
        };
        assert!(remote.is_remote() && !remote.is_too_large());
    }
}
