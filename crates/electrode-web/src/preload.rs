//! The preload script (`WebConfig::preload`): served at `/electrode/preload.js`, wrapped so it
//! runs with its own `require('electron')` (`ipcRenderer`, `contextBridge`), and put in front
//! of every app page's own scripts.
//!
//! A browser has one JavaScript world per page, not Electron's isolated world. What this gives:
//! the preload's variables stay in its function; after it ran, the page's globals hold no
//! `ipcRenderer` and no `require` (only what `contextBridge.exposeInMainWorld` exposed, copied
//! and frozen). What it cannot give: a page script can still change built-in prototypes the
//! preload's functions use later (see docs/page-api.md).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::routes::{refuse, Bridge};

/// The tags put at the start of every HTML page when a preload is set: the shim (in preload
/// mode), then the preload.
const TAGS: &str = "<script src=\"/electrode/ipc-renderer.js\" data-electrode-preload></script>\
<script src=\"/electrode/preload.js\"></script>";

/// App pages larger than this are served without the preload (and a warning): the page is
/// read into memory to put the tags in.
const MAX_INJECTED_PAGE: usize = 16 << 20;

/// A preload's source wrapped to run in its own function with the `require('electron')`,
/// `module` and `exports` that the shim (in preload mode, just before) left for it. When the
/// shim is not in preload mode the wrapper says so on the console; when another preload (a
/// window's own, [`ReservedPage::init_script_with_preload`](crate::ReservedPage)) already took
/// the page, it does nothing.
pub(crate) fn wrap(source: &str) -> String {
    format!(
        "(function () {{\n\
         var bridge = window.__electrodePreload;\n\
         if (!bridge) {{\n\
         if (!window[Symbol.for('electrode.preloaded')]) console.error('electrode: /electrode/preload.js must follow the shim in preload mode');\n\
         return;\n\
         }}\n\
         try {{\n\
         (function (require, module, exports) {{\n{source}\n}}).call(window, bridge.require, bridge.module, bridge.module.exports);\n\
         }} finally {{ bridge.done(); }}\n\
         }})();\n"
    )
}

/// `GET /electrode/preload.js`: the app's preload, wrapped.
pub(crate) async fn script(State(b): State<Bridge>) -> Response {
    let Some(path) = b.config.preload.clone() else {
        return refuse(
            StatusCode::NOT_FOUND,
            "no preload script is configured (WebConfig::preload)".into(),
        );
    };
    let source = match tokio::fs::read_to_string(&path).await {
        Ok(s) => s,
        Err(e) => {
            let why = format!("cannot read the preload script {}: {e}", path.display());
            electrode::error_visible!("{why}");
            return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response();
        }
    };
    let wrapped = wrap(&source);
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        wrapped,
    )
        .into_response()
}

/// Middleware on the app's files: HTML pages get the shim and the preload in front of their
/// own scripts.
pub(crate) async fn inject(State(b): State<Bridge>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if b.config.preload.is_none() || !is_html(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_INJECTED_PAGE).await {
        Ok(b) => b,
        Err(e) => {
            let why = format!(
                "an app page could not be read to add the preload (over {MAX_INJECTED_PAGE} bytes, or failed: {e})"
            );
            electrode::error_visible!("{why}");
            return (StatusCode::INTERNAL_SERVER_ERROR, why).into_response();
        }
    };
    let page = String::from_utf8_lossy(&bytes);
    let at = insertion_point(&page);
    let mut out = String::with_capacity(page.len() + TAGS.len());
    out.push_str(&page[..at]);
    out.push_str(TAGS);
    out.push_str(&page[at..]);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ETAG);
    parts.headers.remove(header::LAST_MODIFIED);
    Response::from_parts(parts, Body::from(out))
}

fn is_html(r: &Response) -> bool {
    r.status() == StatusCode::OK
        && r.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
}

/// Right after `<head ...>`, or after `<html ...>`, or after the doctype, or at the start:
/// before any script of the page.
fn insertion_point(page: &str) -> usize {
    let lower = page.to_ascii_lowercase();
    for tag in ["<head", "<html", "<!doctype"] {
        if let Some(start) = lower.find(tag) {
            if let Some(end) = lower[start..].find('>') {
                return start + end + 1;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::insertion_point;

    #[test]
    fn tags_go_before_the_page_s_scripts() {
        let p = "<!DOCTYPE html><HTML lang=en><Head><script>x()</script></head>";
        assert_eq!(&p[insertion_point(p)..], "<script>x()</script></head>");
        let p = "<!doctype html><script>x()</script>";
        assert_eq!(&p[insertion_point(p)..], "<script>x()</script>");
        assert_eq!(insertion_point("<script>x()</script>"), 0);
    }
}
