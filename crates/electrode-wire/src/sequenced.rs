//! The sequenced mode of the web path: a page sends its async messages over a WebSocket and
//! its `sendSync` calls over a synchronous XHR, so main puts them back in the page's order.
//!
//! Each async message carries a sequence number (from 1). A `sendSync` request says the number
//! of the last async message sent before it and carries the newest messages themselves (in
//! case the WebSocket is stalled behind the blocking XHR); main dispatches each number once,
//! in order, and the call only when every earlier message has been dispatched.
//!
//! ```
//! use electrode_wire::sequenced::{Admit, Sequence};
//! let mut seq = Sequence::default();
//! assert_eq!(seq.admit(1), Admit::Next);
//! assert_eq!(seq.admit(1), Admit::Duplicate); // carried by a sendSync, then on the WebSocket
//! assert_eq!(seq.admit(3), Admit::Early);     // message 2 is not here yet
//! assert!(!seq.caught_up(2));
//! ```

use bytes::Bytes;

use crate::{Frame, FrameKind};

/// Main's record of a page's async messages: the number of the last one dispatched.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    last: u64,
}

/// What to do with an async message of a given number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// It is the next one: dispatch it now (it is counted as dispatched).
    Next,
    /// It was dispatched already (it came twice: carried, then on the WebSocket): skip it.
    Duplicate,
    /// An earlier one is missing: on the WebSocket, which keeps order, that is a protocol
    /// error; carried by a `sendSync`, it waits for the WebSocket.
    Early,
}

impl Sequence {
    /// The number of the last message dispatched (0: none yet).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Admits message `seq` (see [`Admit`]).
    pub fn admit(&mut self, seq: u64) -> Admit {
        if seq <= self.last {
            Admit::Duplicate
        } else if seq == self.last + 1 {
            self.last = seq;
            Admit::Next
        } else {
            Admit::Early
        }
    }

    /// Whether every message up to `seq` has been dispatched.
    pub fn caught_up(&self, seq: u64) -> bool {
        self.last >= seq
    }
}

/// A `sendSync` request of a page: `u64 LE last async seq | u32 LE count | count x (u64 LE seq,
/// u32 LE len, frame body) | SendSync frame body`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRequest {
    /// The number of the last async message the page sent before the call.
    pub last_seq: u64,
    /// The newest async messages, consecutive and ending at `last_seq` (or none).
    pub carried: Vec<(u64, Frame)>,
    /// The `SendSync` frame.
    pub call: Frame,
}

impl SyncRequest {
    /// Reads a request; frames over `limit` bytes are refused. `Err` says what is wrong, for
    /// the page's error and main's log.
    pub fn decode(body: &Bytes, limit: usize) -> Result<SyncRequest, String> {
        let take = |at: usize, n: usize| {
            body.get(at..at + n)
                .ok_or_else(|| "sync request is truncated".to_string())
        };
        let u64_at =
            |at: usize| take(at, 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        let u32_at =
            |at: usize| take(at, 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")));
        let last_seq = u64_at(0)?;
        let count = u32_at(8)? as usize;
        let mut at = 12;
        // Bounded by the body, not by the count it claims.
        let mut carried: Vec<(u64, Frame)> = Vec::with_capacity(count.min(body.len() / 12));
        for _ in 0..count {
            let seq = u64_at(at)?;
            let len = u32_at(at + 8)? as usize;
            take(at + 12, len)?;
            // The page carries a consecutive run of its newest messages, ending at
            // `last_seq`; anything else would make main dispatch the call while a message is
            // missing.
            match carried.last() {
                Some((prev, _)) if seq != prev + 1 => {
                    return Err(format!(
                        "carried message {seq} follows carried message {prev} (a gap)"
                    ))
                }
                _ if seq > last_seq => {
                    return Err(format!(
                        "carried message {seq} is newer than the request's last message {last_seq}"
                    ))
                }
                _ => {}
            }
            let frame = Frame::decode(body.slice(at + 12..at + 12 + len), limit)
                .map_err(|e| format!("carried message {seq}: {e}"))?;
            carried.push((seq, frame));
            at += 12 + len;
        }
        if let Some((seq, _)) = carried.last() {
            if *seq != last_seq {
                return Err(format!(
                    "the carried messages end at {seq}, not at the request's last message {last_seq}"
                ));
            }
        }
        let call = Frame::decode(body.slice(at..), limit).map_err(|e| format!("sync call: {e}"))?;
        if call.kind() != FrameKind::SendSync {
            return Err(format!(
                "sync request ends with {:?}, not SendSync",
                call.kind()
            ));
        }
        Ok(SyncRequest {
            last_seq,
            carried,
            call,
        })
    }

    /// The request's bytes (what the shim sends; for tests and other clients).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.last_seq.to_le_bytes());
        out.extend_from_slice(&(self.carried.len() as u32).to_le_bytes());
        for (seq, frame) in &self.carried {
            let body = frame.encode().to_vec();
            out.extend_from_slice(&seq.to_le_bytes());
            out.extend_from_slice(&((body.len() - 4) as u32).to_le_bytes());
            out.extend_from_slice(&body[4..]);
        }
        out.extend_from_slice(&self.call.encode().to_vec()[4..]);
        out
    }
}
