//! [`SharedBytes`]: a byte buffer that an Electrode encoder takes as it is, without copying it.

use std::cell::RefCell;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

thread_local! {
    /// The buffer a `SharedBytes` is serializing right now: the encoder's `serialize_bytes`
    /// recognises its slice by address and length and keeps a reference instead of a copy.
    static OFFERED: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// A byte buffer sent as an argument (or inside one) without being copied into the message.
///
/// `serde` hands a serializer only a borrowed `&[u8]`, so a plain [`Bytes`] or `Vec<u8>`
/// argument is copied once into the message being built. A `SharedBytes` of 64 KiB or more,
/// when it is a message's only binary value, is kept by reference instead (its reference count
/// goes up): the writer sends the caller's own buffer. It reaches the receiver exactly as a
/// `Bytes` would (a `Buffer` in a page, `Bytes` / `Vec<u8>` in Rust), and any other serializer
/// sees plain bytes.
///
/// ```
/// use electrode_wire::{Args, SharedBytes};
/// let image = bytes::Bytes::from(vec![7u8; 1 << 20]);
/// let args = Args::encode(&(SharedBytes(image.clone()),)).unwrap();
/// assert_eq!(args.get::<bytes::Bytes>(0).unwrap(), image);
/// // The section's second part is the caller's buffer itself.
/// assert_eq!(args.parts().1.as_ptr(), image.as_ptr());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedBytes(pub Bytes);

impl From<Bytes> for SharedBytes {
    fn from(b: Bytes) -> Self {
        SharedBytes(b)
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(v: Vec<u8>) -> Self {
        SharedBytes(v.into())
    }
}

impl Serialize for SharedBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let previous = OFFERED.with(|o| o.replace(Some(self.0.clone())));
        let result = s.serialize_bytes(&self.0);
        OFFERED.with(|o| *o.borrow_mut() = previous);
        result
    }
}

impl<'de> Deserialize<'de> for SharedBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Bytes::deserialize(d).map(SharedBytes)
    }
}

/// The buffer behind `v` when `v` is the whole of the `SharedBytes` being serialized now.
pub(crate) fn offered(v: &[u8]) -> Option<Bytes> {
    OFFERED.with(|o| {
        o.borrow()
            .as_ref()
            .filter(|b| b.as_ptr() == v.as_ptr() && b.len() == v.len())
            .cloned()
    })
}
