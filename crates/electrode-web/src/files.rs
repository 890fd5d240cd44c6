//! The app's files: confined to `app_dir` (symlinks that lead out of it are refused unless
//! allowed), with headers that stop other origins from framing them and browsers from
//! sniffing their types.

use std::path::{Path, PathBuf};

use axum::http::{header, HeaderValue, Response};

/// Where `path` (a request path, percent-encoded) leads inside `root` (canonical), if it
/// leads outside through a symlink. `None`: inside, or not there (the file server answers).
pub(crate) async fn escapes(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut p = root.to_path_buf();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            // The file server refuses these itself.
            ".." => return None,
            part => p.push(part),
        }
    }
    let real = tokio::fs::canonicalize(&p).await.ok()?;
    if !real.starts_with(root) {
        return Some(real);
    }
    // A directory is answered with its index.html, which may itself be a link.
    if real.is_dir() {
        let index = tokio::fs::canonicalize(real.join("index.html"))
            .await
            .ok()?;
        if !index.starts_with(root) {
            return Some(index);
        }
    }
    None
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Adds the hardening headers to any response of the bridge.
pub(crate) fn harden<B>(r: &mut Response<B>, csp: Option<&HeaderValue>) {
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(csp) = csp {
        if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
            h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
        }
    }
}
