//! Request checks: `Host` on every request (DNS rebinding), `Origin` where browsers send it,
//! and page tokens (`<id>.<secret>`, secret compared in constant time).

use std::net::SocketAddr;

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;

/// The hosts and origins a page of this bridge legitimately uses.
#[derive(Clone)]
pub(crate) struct Allowed {
    hosts: Vec<String>,
    origins: Vec<String>,
}

impl Allowed {
    pub(crate) fn for_addr(addr: SocketAddr) -> Self {
        let port = addr.port();
        let mut hosts = vec![format!("localhost:{port}")];
        if addr.ip().is_unspecified() || addr.ip().is_loopback() {
            hosts.push(format!("127.0.0.1:{port}"));
            hosts.push(format!("[::1]:{port}"));
        }
        if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
            hosts.push(addr.to_string());
        }
        let origins = hosts.iter().map(|h| format!("http://{h}")).collect();
        Allowed { hosts, origins }
    }

    pub(crate) fn host_ok(&self, headers: &HeaderMap) -> Result<(), String> {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if self.hosts.iter().any(|h| h == host) {
            Ok(())
        } else {
            Err(format!(
                "Host {host:?} is not this bridge (possible DNS rebinding)"
            ))
        }
    }

    /// `required`: the request must carry an Origin (WebSocket upgrades always do).
    pub(crate) fn origin_ok(&self, headers: &HeaderMap, required: bool) -> Result<(), String> {
        match headers
            .get(axum::http::header::ORIGIN)
            .and_then(|h| h.to_str().ok())
        {
            Some(o) if self.origins.iter().any(|x| x == o) => Ok(()),
            Some(o) => Err(format!("Origin {o:?} is not this bridge")),
            None if required => Err("Origin header missing".into()),
            None => Ok(()),
        }
    }
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).expect("the OS random source is available");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Splits `<id>.<secret>`.
pub(crate) fn parse_token(token: &str) -> Option<(u64, &str)> {
    let (id, secret) = token.split_once('.')?;
    Some((id.parse().ok()?, secret))
}

pub(crate) fn secret_eq(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}
