use std::fmt::Display;

/// Everything that can go wrong while encoding or decoding Electrode messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A frame ended before one of its fields did.
    #[error("truncated frame: {0}")]
    Truncated(&'static str),
    /// A frame is larger than the receiver's limit.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the frame body in bytes.
        size: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The frame's type byte is not one this version knows. A peer only sends the kinds of
    /// its protocol version and of the features agreed in the handshake, so this is a breach.
    #[error("unknown frame type 0x{0:02x} (not in the protocol version or features agreed)")]
    UnknownFrameType(u8),
    /// The handshake fields are inconsistent.
    #[error("malformed handshake: {0}")]
    MalformedHandshake(&'static str),
    /// A text field is not UTF-8.
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// The argument section is inconsistent (lengths, attachment references).
    #[error("malformed arguments: {0}")]
    MalformedArgs(String),
    /// An argument index past the end of the list was read.
    #[error("argument {index} requested but the message has {count}")]
    MissingArgument {
        /// The requested index.
        index: usize,
        /// How many arguments the message has.
        count: usize,
    },
    /// An argument could not be converted to or from the requested type.
    #[error("argument {index}: {message}")]
    Convert {
        /// Index of the argument (or 0 for a sync reply).
        index: usize,
        /// What serde said.
        message: String,
    },
    /// Decoding argument `index` into a [`Value`](crate::Value) would cost more memory than
    /// its budget, a small multiple of what is decoded (see
    /// [`DECODE_BUDGET_FACTOR`](crate::DECODE_BUDGET_FACTOR)). Reading it into a typed struct
    /// with `get::<T>` costs only what `T` needs.
    #[error(
        "argument {index}: decoding {size} bytes of JSON as a Value needs more than the budget \
         of {limit} bytes ({factor}x their size plus a share of {floor} bytes); read the \
         argument into a typed struct, or raise the budget with Args::value_within",
        factor = crate::DECODE_BUDGET_FACTOR,
        floor = crate::DECODE_BUDGET_FLOOR
    )]
    OverBudget {
        /// Index of the argument being decoded when the budget ran out.
        index: usize,
        /// Bytes being decoded: the argument's JSON, or the whole section for `values()`.
        size: usize,
        /// The budget in bytes.
        limit: usize,
    },
    /// A value could not be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(String),
    /// A structured-clone-only value (a `Date`, `Map`, `Set`, `BigInt`, ...) was sent under
    /// JSON rules, which cannot carry it.
    #[error(
        "a {0} can only be sent when the Main uses structured-clone values \
         (ValueRules::StructuredClone); under the default JSON rules, convert it first"
    )]
    NeedsStructuredClone(&'static str),
}

impl serde::ser::Error for WireError {
    fn custom<T: Display>(msg: T) -> Self {
        WireError::Serialize(msg.to_string())
    }
}

impl serde::de::Error for WireError {
    fn custom<T: Display>(msg: T) -> Self {
        WireError::Convert {
            index: 0,
            message: msg.to_string(),
        }
    }
}
