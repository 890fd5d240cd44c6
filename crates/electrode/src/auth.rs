//! Renderer tokens: 256 random bits per renderer, single use, compared in constant time.

use std::collections::HashMap;
use std::sync::Mutex;

use subtle::ConstantTimeEq;

use crate::WebContents;

/// Tokens issued and not yet used. A token is `"<id>.<64 hex digits>"`: the id selects the
/// entry, the secret is compared in constant time, and a used token is forgotten.
#[derive(Default)]
pub(crate) struct Tickets {
    pending: Mutex<HashMap<u64, ([u8; 32], WebContents)>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Tickets {
    pub(crate) fn issue(&self, contents: &WebContents) -> String {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).expect("the OS random source is available");
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(contents.id(), (secret, contents.clone()));
        format!("{}.{}", contents.id(), hex(&secret))
    }

    /// Forgets the token of a renderer that will never connect (its process exited).
    pub(crate) fn revoke(&self, id: u64) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Exchanges a token for its renderer, once. The error says why, for the log.
    pub(crate) fn redeem(&self, token: &[u8]) -> Result<WebContents, String> {
        let text = std::str::from_utf8(token).map_err(|_| "token is not text".to_string())?;
        let (id, secret) = text
            .split_once('.')
            .ok_or_else(|| "token has no '<id>.<secret>' form".to_string())?;
        let id: u64 = id
            .parse()
            .map_err(|_| "token id is not a number".to_string())?;
        let given = unhex(secret)
            .ok_or_else(|| format!("token secret for renderer {id} is not 64 hex digits"))?;
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let Some((expected, _)) = pending.get(&id) else {
            return Err(format!(
                "no unused token for renderer {id} (unknown, or already used)"
            ));
        };
        if !bool::from(expected.ct_eq(&given)) {
            return Err(format!("wrong token for renderer {id}"));
        }
        Ok(pending.remove(&id).expect("checked above").1)
    }
}
