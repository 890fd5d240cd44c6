//! The session vectors of the protocol crate (`crates/electrode-wire/tests/vectors/session.json`),
//! run by the shim in headless Chromium: the same frames from main must give the page's
//! listeners the same events as the Rust `RendererSession` gives (checked in
//! `crates/electrode-wire/tests/session_vectors.rs`).

mod browser;

use browser::{App, Browser};
use electrode::IpcMain;
use serde_json::Value as Json;

const VECTORS: &str = include_str!("../../electrode-wire/tests/vectors/session.json");

/// Feeds each case's frame bodies to the shim as if main had sent them, and records every
/// event the shim emits to listeners (its `emit` is wrapped, so a message on any channel is
/// seen) and the close reason once the link is marked gone.
const RUN: &str = r#"
const file = arguments[0];
const ipc = require('electron').ipcRenderer;
const internals = ipc._electrode.internals;
const toJson = (v) => {
  if (v instanceof Uint8Array) {
    return { bytes: v.length, first: v.length ? v[0] : null, last: v.length ? v[v.length - 1] : null };
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) out[k] = toJson(v[k]);
    return out;
  }
  return v === undefined ? null : v;
};
let events = [];
const emit = ipc.emit;
ipc.emit = function (channel, event, ...args) {
  events.push({ event: 'message', channel, args: toJson(args) });
  return emit.apply(this, arguments);
};
const results = [];
for (const c of file.cases) {
  events = [];
  for (const f of c.frames) {
    const body = new Uint8Array(f.hex.match(/../g).map((h) => parseInt(h, 16)));
    const goneBefore = ipc._electrode.goneReason;
    internals.receiveFromMain(body);
    const gone = ipc._electrode.goneReason;
    if (gone && gone !== goneBefore) events.push({ event: 'closing', reason: gone });
  }
  results.push({ name: c.name, events });
}
ipc.emit = emit;
return results;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shim_gives_every_session_vector_s_events() {
    let app = App::start(IpcMain::new());
    let browser = Browser::start().await;
    browser.open(&app.url("index.html")).await;
    app.only_page();
    let file: Json = serde_json::from_str(VECTORS).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let results = browser.run(RUN, vec![file.clone()]).await;
    let results = results.as_array().expect("one result per case");
    assert_eq!(results.len(), cases.len());
    for (case, got) in cases.iter().zip(results) {
        assert_eq!(got["name"], case["name"]);
        assert_eq!(
            got["events"], case["events"],
            "case '{}': the shim's events differ from the Rust session's",
            case["name"]
        );
    }
    eprintln!("session vectors: {} cases passed in Chromium", cases.len());
    browser.close().await;
}
