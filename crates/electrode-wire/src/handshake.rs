//! The versioned handshake: what a renderer's Hello and main's Welcome carry besides the token
//! and the id, and how the two sides agree on a version and a feature set.
//!
//! Neither side sends a frame kind of a feature that was not agreed, so a newer peer's
//! optional frames never reach an older one: new message kinds are added compatibly.
//!
//! ```
//! use electrode_wire::handshake::{agree, Features, PROTOCOL_VERSION};
//! let unknown = Features::from_bits(1 << 63); // a feature of some newer renderer
//! let agreed = agree(PROTOCOL_VERSION + 1, unknown, Features::SUPPORTED).unwrap();
//! assert_eq!(agreed.version, PROTOCOL_VERSION);
//! assert_eq!(agreed.features, Features::NONE);
//! let both = agree(PROTOCOL_VERSION, Features::INVOKE, Features::SUPPORTED).unwrap();
//! assert!(both.features.contains(Features::INVOKE));
//! ```

use std::fmt;

/// The newest protocol version this build speaks.
pub const PROTOCOL_VERSION: u16 = 1;

/// The oldest version this build accepts from a peer. Version 0 is the Hello of before
/// versions existed (the token alone).
pub const MIN_PROTOCOL_VERSION: u16 = 0;

/// A set of optional protocol features, one bit each. Bits this build does not know are kept
/// as they came (a peer may be newer) but are never agreed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Features(u64);

impl Features {
    /// No optional feature.
    pub const NONE: Features = Features(0);
    /// `invoke` / `handle`: the frames `Invoke`, `InvokeCancel` and `InvokeReply`.
    pub const INVOKE: Features = Features(1);
    /// Structured-clone values (docs/adr/0018): argument tags (flag bit 2) and replies as
    /// argument sections. Main agrees it only when it uses structured-clone rules.
    pub const CLONE: Features = Features(2);
    /// MessagePorts (docs/adr/0019): the frames `PostMessage`, `PortSend`, `PortClose`,
    /// `PortsMessage`, `PortMessage` and `PortClosed`.
    pub const PORTS: Features = Features(4);
    /// Large messages through a memory region the renderer shares with main
    /// (docs/adr/0022): the frame `SharedSlice`. Agreed only over a Unix socket, when the
    /// renderer sent a sealed region with its Hello and main took it.
    pub const SHARED_MEMORY: Features = Features(8);
    /// Every optional feature this build implements.
    pub const SUPPORTED: Features = Features(
        Features::INVOKE.0 | Features::CLONE.0 | Features::PORTS.0 | Features::SHARED_MEMORY.0,
    );

    /// The set with exactly these bits.
    pub const fn from_bits(bits: u64) -> Self {
        Features(bits)
    }

    /// The bits of the set.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether every feature of `other` is in this set.
    pub const fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// This set without the features of `other`.
    pub const fn without(self, other: Features) -> Features {
        Features(self.0 & !other.0)
    }

    /// The features in both sets: what two peers can use.
    pub const fn intersection(self, other: Features) -> Features {
        Features(self.0 & other.0)
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Features({:#x})", self.0)
    }
}

/// The features' names, for people: `invoke`, `none`, unknown bits in hex.
impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(Features, &str); 4] = [
            (Features::INVOKE, "invoke"),
            (Features::CLONE, "structured-clone"),
            (Features::PORTS, "message-ports"),
            (Features::SHARED_MEMORY, "shared-memory"),
        ];
        let mut rest = self.0;
        let mut names = Vec::new();
        for (feature, name) in NAMES {
            if self.contains(feature) {
                names.push(name.to_string());
                rest &= !feature.0;
            }
        }
        if rest != 0 {
            names.push(format!("{rest:#x}"));
        }
        if names.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&names.join(", "))
    }
}

/// What main and a renderer agreed on in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    /// The protocol version both speak (the lower of the two offered).
    pub version: u16,
    /// The optional features both implement.
    pub features: Features,
}

/// Main's side of the agreement, from the version and features a renderer's Hello offered and
/// main's own features. `Err` is the reason to refuse the renderer, for people.
pub fn agree(
    peer_version: u16,
    peer_features: Features,
    ours: Features,
) -> Result<Agreement, String> {
    // Always false while the minimum is 0; it guards the day the minimum rises.
    #[allow(clippy::absurd_extreme_comparisons)]
    if peer_version < MIN_PROTOCOL_VERSION {
        return Err(format!(
            "the renderer speaks protocol version {peer_version}; this main speaks versions \
             {MIN_PROTOCOL_VERSION} to {PROTOCOL_VERSION}"
        ));
    }
    Ok(Agreement {
        version: peer_version.min(PROTOCOL_VERSION),
        features: peer_features.intersection(ours),
    })
}
