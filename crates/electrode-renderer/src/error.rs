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
    /// A handshake step failed.
    #[error("handshake with the main process failed: {0}")]
    Handshake(String),
}
