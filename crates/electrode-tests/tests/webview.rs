//! `<webview>` for renderer processes: guest → host `ipc-message`, host → guest `send`.

mod common;

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn guest_send_to_host_reaches_the_embedder_and_webview_send_reaches_the_guest() {
    let h = harness(IpcMain::new());
    let host = h.spawn();
    let guest = h.spawn_guest(&host);
    assert_eq!(guest.embedder().map(|e| e.id()), Some(host.id()));
    h.cmd(&guest, json!({"op": "whoami"}));
    assert_eq!(h.expect(&guest, "whoami")["embedder"], host.id());

    h.cmd(&host, json!({"op": "listen_ipc_message"}));
    h.expect(&host, "listening");
    h.cmd(
        &guest,
        json!({"op": "send_to_host", "channel": "progress", "args": [0.5, {"done": false}]}),
    );
    let m = h.expect(&host, "ipc-message");
    assert_eq!(m["guest"], guest.id());
    assert_eq!(m["channel"], "progress");
    assert_eq!(m["args"], json!([0.5, {"done": false}]));

    h.listen(&guest, "listen", "to-guest");
    h.cmd(&host, json!({"op": "webview_send", "guest": guest.id(), "channel": "to-guest", "args": ["hi guest"]}));
    assert_eq!(h.expect(&guest, "message")["args"], json!(["hi guest"]));
}

#[test]
fn send_to_host_from_a_non_guest_is_an_error() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_to_host", "channel": "x", "args": []}),
    );
    let e = h.expect(&r, "send_error")["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        e.contains("not a <webview> guest") && e.contains("'x'"),
        "{e}"
    );
}

#[test]
fn webview_send_to_someone_elses_guest_is_dropped() {
    let h = harness(IpcMain::new());
    let host = h.spawn();
    let intruder = h.spawn();
    let guest = h.spawn_guest(&host);
    h.listen(&guest, "listen", "secret");
    h.cmd(
        &intruder,
        json!({"op": "webview_send", "guest": guest.id(), "channel": "secret", "args": [1]}),
    );
    h.assert_alive(&intruder);
    h.cmd(
        &host,
        json!({"op": "webview_send", "guest": guest.id(), "channel": "secret", "args": [2]}),
    );
    assert_eq!(
        h.expect(&guest, "message")["args"],
        json!([2]),
        "only the embedder's message arrived"
    );
}
