//! The test renderer's script: a renderer driven by commands from the test's main process.
//!
//! It listens on channel `cmd` for `{"op": ...}` objects, performs the call with the real
//! `IpcRenderer` API, and reports what happened on channel `report`. The same script runs in a
//! renderer process (`test-renderer`) and in main's own process over an in-memory link; the
//! page `pages/conformance.js` is its JavaScript twin.

use std::sync::Arc;
use std::time::Duration;

use electrode_renderer::{ArgList, IpcRenderer, Value};
use serde_json::{json, Value as Json};

fn args_of(cmd: &Json) -> ArgList<Json> {
    ArgList(cmd["args"].as_array().cloned().unwrap_or_default())
}

/// Sends one report to the test on channel `report`.
pub fn report(ipc: &IpcRenderer, what: Json) {
    if let Err(e) = ipc.send("report", &(what,)) {
        eprintln!("test-renderer {}: cannot report: {e}", ipc.id());
    }
}

fn values_json(args: &electrode_renderer::Args) -> Json {
    let values: Vec<Value> = args.values().unwrap_or_default();
    Json::Array(values.iter().map(to_json).collect())
}

/// Bytes become `{"bytes": [..]}` so the test can see they arrived as bytes.
fn to_json(v: &Value) -> Json {
    match v {
        Value::Bytes(b) => json!({ "bytes": b.len(), "first": b.first(), "last": b.last() }),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => Json::Object(o.iter().map(|(k, x)| (k.clone(), to_json(x))).collect()),
        other => serde_json::to_value(other).unwrap_or(Json::Null),
    }
}

fn sync_report(ipc: &IpcRenderer, channel: &str, result: Result<Json, electrode_renderer::Error>) {
    match result {
        Ok(v) => report(ipc, json!({"event": "sync", "channel": channel, "ok": v})),
        Err(e) => report(
            ipc,
            json!({"event": "sync", "channel": channel, "err": e.to_string(), "is_error": true}),
        ),
    }
}

fn invoke_report(
    event: &str,
    channel: &str,
    result: Result<Json, electrode_renderer::Error>,
) -> Json {
    match result {
        Ok(v) => json!({"event": event, "channel": channel, "ok": v}),
        Err(electrode_renderer::Error::Invoke {
            message,
            code,
            data,
            ..
        }) => json!({
            "event": event, "channel": channel, "message": message, "code": code, "data": data,
            "err": format!("Error invoking remote method '{channel}': Error: {message}"),
            "is_error": true,
        }),
        Err(e) => {
            json!({"event": event, "channel": channel, "err": e.to_string(), "is_error": true,
            "timeout": matches!(e, electrode_renderer::Error::Timeout { .. })})
        }
    }
}

/// What the `exit` command does: ends the process, or only the link for a renderer that
/// lives in main's process.
pub type Exit = Arc<dyn Fn(&IpcRenderer, i32) + Send + Sync>;

type Ids = Arc<std::sync::Mutex<Vec<(String, electrode_renderer::ListenerId)>>>;

fn run(ipc: &IpcRenderer, cmd: &Json, ids: &Ids, exit: &Exit) {
    let op = cmd["op"].as_str().unwrap_or_default();
    let channel = cmd["channel"].as_str().unwrap_or_default().to_string();
    match op {
        "listen" | "once" => {
            let me = ipc.clone();
            let tag = cmd["tag"].clone();
            let listener = move |event: &electrode_renderer::RendererEvent,
                                 args: &electrode_renderer::Args| {
                let same_sender = event.sender().id() == me.id();
                report(
                    &me,
                    json!({"event": "message", "channel": event.channel(), "args": values_json(args), "tag": tag, "sender_is_self": same_sender}),
                );
                Ok(())
            };
            let id = if op == "once" {
                ipc.once(&channel, listener)
            } else {
                ipc.on(&channel, listener)
            };
            ids.lock().unwrap().push((channel, id));
            report(
                ipc,
                json!({"event": "listening", "channel": cmd["channel"], "count": ipc.listener_count(cmd["channel"].as_str().unwrap_or_default())}),
            );
        }
        "remove_first" => {
            let mut ids = ids.lock().unwrap();
            let pos = ids.iter().position(|(c, _)| *c == channel);
            let removed = pos
                .map(|p| ids.remove(p))
                .is_some_and(|(c, id)| ipc.remove_listener(&c, id));
            report(
                ipc,
                json!({"event": "removed", "ok": removed, "count": ipc.listener_count(&channel)}),
            );
        }
        "remove_all" => {
            if channel.is_empty() {
                ipc.remove_all_listeners_everywhere();
            } else {
                ipc.remove_all_listeners(&channel);
            }
            report(
                ipc,
                json!({"event": "removed_all", "channels": ipc.channels()}),
            );
        }
        "send" => {
            let r = ipc.send(&channel, &args_of(cmd));
            if let Err(e) = r {
                report(ipc, json!({"event": "send_error", "err": e.to_string()}));
            }
        }
        "send_big" => {
            let size = cmd["size"].as_u64().unwrap_or(0) as usize;
            let r = ipc.send(&channel, &(serde_bytes_vec(size),));
            report(
                ipc,
                json!({"event": "send_big", "err": r.err().map(|e| e.to_string())}),
            );
        }
        "send_pattern" => {
            // Large messages (numbered, with bytes that depend on their number) each followed
            // by a small one, for order and content checks across the shared memory ring.
            let size = cmd["size"].as_u64().unwrap_or(0) as usize;
            let count = cmd["count"].as_u64().unwrap_or(0);
            let mut err = None;
            let shared = cmd["shared"] == json!(true);
            for i in 0..count {
                let big = if shared {
                    ipc.send(
                        &channel,
                        &(i, electrode_renderer::SharedBytes(pattern(i, size))),
                    )
                } else {
                    ipc.send(&channel, &(i, pattern(i, size)))
                };
                let small = ipc.send(&channel, &(i,));
                if let Some(e) = big.err().or(small.err()) {
                    err = Some(e.to_string());
                    break;
                }
            }
            report(ipc, json!({"event": "send_pattern", "err": err}));
        }
        "send_sync" => {
            let r = match cmd["timeout_ms"].as_u64() {
                Some(ms) => ipc.send_sync_timeout::<Json, _>(
                    &channel,
                    &args_of(cmd),
                    Duration::from_millis(ms),
                ),
                None => ipc.send_sync::<Json, _>(&channel, &args_of(cmd)),
            };
            sync_report(ipc, &channel, r);
        }
        "invoke" => {
            // Runs inside the `cmd` listener: a blocking invoke on the dispatch thread.
            let r = match cmd["timeout_ms"].as_u64() {
                Some(ms) => ipc.invoke_timeout::<Json, _>(
                    &channel,
                    &args_of(cmd),
                    Duration::from_millis(ms),
                ),
                None => ipc.invoke::<Json, _>(&channel, &args_of(cmd)),
            };
            report(ipc, invoke_report("invoked", &channel, r));
        }
        "invoke_many" => {
            // Non-blocking invokes, all in flight at once; each reports when it completes.
            for ch in cmd["channels"].as_array().cloned().unwrap_or_default() {
                let ch = ch.as_str().unwrap_or_default().to_string();
                let me = ipc.clone();
                let name = ch.clone();
                ipc.invoke_with::<Json, _, _>(&ch, &args_of(cmd), move |r| {
                    report(&me, invoke_report("invoked_async", &name, r));
                });
            }
            report(ipc, json!({"event": "invokes_started"}));
        }
        "invoke_and_drop" => {
            // Starts an invoke and drops it at once: main's handler is told.
            drop(ipc.invoke_async::<Json, _>(&channel, &args_of(cmd)));
            report(ipc, json!({"event": "dropped"}));
        }
        "send_sync_from_thread" => {
            // A sendSync from a thread that is not the listener thread: the dispatcher is idle
            // and must be woken for messages this call reads along with its reply.
            let me = ipc.clone();
            let channel = channel.clone();
            std::thread::spawn(move || {
                let r = me.send_sync::<Json, _>(&channel, &());
                sync_report(&me, &channel, r);
            });
        }
        "send_then_sync" => {
            // Ordering: one async send (with a string of `size` bytes when given) then one
            // sync, n times; main checks the order, this checks each sync returned its number.
            let n = cmd["n"].as_u64().unwrap_or(1);
            let payload = "x".repeat(cmd["size"].as_u64().unwrap_or(0) as usize);
            let mut wrong = Vec::new();
            for i in 0..n {
                let _ = if payload.is_empty() {
                    ipc.send(&channel, &(i,))
                } else {
                    ipc.send(&channel, &(i, &payload))
                };
                match ipc.send_sync::<Json, _>(&channel, &(i,)) {
                    Ok(v) if v == json!(i) => {}
                    other => wrong.push(json!([i, format!("{other:?}")])),
                }
            }
            report(ipc, json!({"event": "done", "wrong": wrong}));
        }
        "steps" => {
            // Several commands in order, each finished before the next (an invoke included).
            for step in cmd["steps"].as_array().cloned().unwrap_or_default() {
                run(ipc, &step, ids, exit);
            }
        }
        "sync_in_listener" => {
            let me = ipc.clone();
            let inner = cmd["inner"].as_str().unwrap_or("inner").to_string();
            ipc.on(&channel, move |_, _| {
                let r = me.send_sync::<Json, _>(&inner, &());
                sync_report(&me, &inner, r);
                Ok(())
            });
            report(ipc, json!({"event": "listening", "channel": channel}));
        }
        "send_to" => {
            let id = cmd["id"].as_u64().unwrap_or(0);
            if let Err(e) = ipc.send_to(id, &channel, &args_of(cmd)) {
                report(ipc, json!({"event": "send_error", "err": e.to_string()}));
            }
        }
        "send_to_host" => {
            let r = ipc.send_to_host(&channel, &args_of(cmd));
            if let Err(e) = r {
                report(ipc, json!({"event": "send_error", "err": e.to_string()}));
            }
        }
        "webview_send" => {
            let guest = cmd["guest"].as_u64().unwrap_or(0);
            if let Err(e) = ipc.webview(guest).send(&channel, &args_of(cmd)) {
                report(ipc, json!({"event": "send_error", "err": e.to_string()}));
            }
        }
        "listen_ipc_message" => {
            let me = ipc.clone();
            ipc.on_ipc_message(move |event, args| {
                report(
                    &me,
                    json!({"event": "ipc-message", "guest": event.webview().guest_id(), "channel": event.channel(), "args": values_json(args)}),
                );
                Ok(())
            });
            report(ipc, json!({"event": "listening", "channel": "ipc-message"}));
        }
        "flood" => {
            let n = cmd["n"].as_u64().unwrap_or(0);
            let payload = "x".repeat(cmd["size"].as_u64().unwrap_or(100) as usize);
            for i in 0..n {
                if let Err(e) = ipc.send(&channel, &(i, &payload)) {
                    report(ipc, json!({"event": "send_error", "err": e.to_string()}));
                    return;
                }
            }
            report(ipc, json!({"event": "flooded", "n": n}));
        }
        "panic_in_listener" => {
            ipc.on(&channel, |_, _| panic!("listener panicked on purpose"));
            report(ipc, json!({"event": "listening", "channel": channel}));
        }
        "echo" => report(ipc, json!({"event": "echo", "tag": cmd["tag"]})),
        "whoami" => report(
            ipc,
            json!({
                "event": "whoami",
                "id": ipc.id(),
                "embedder": ipc.embedder_id(),
                "version": ipc.protocol().version,
                "features": ipc.protocol().features.bits(),
                "max_message_size": ipc.max_message_size(),
                "pid": std::process::id(),
            }),
        ),
        "clone_round_trip" => clone_round_trip(ipc),
        "port_open" => {
            // A channel made here; one end goes to main, the other is kept as port n.
            let (mine, theirs) = ipc.message_channel();
            let n = keep_port(ipc, mine, cmd["pull"].as_bool().unwrap_or(false));
            let r = ipc.post_message(&channel, &cmd["message"], &[theirs]);
            report(
                ipc,
                json!({"event": "port_opened", "port": n, "err": r.err().map(|e| e.to_string())}),
            );
        }
        "listen_ports" => {
            // Ports main hands over on `channel` are kept and, unless `pull`, started and
            // report what they get.
            let me = ipc.clone();
            let pull = cmd["pull"].as_bool().unwrap_or(false);
            ipc.on(&channel, move |event, args| {
                let kept: Vec<usize> = event
                    .ports()
                    .iter()
                    .map(|p| keep_port(&me, p.clone(), pull))
                    .collect();
                report(
                    &me,
                    json!({"event": "got_ports", "ports": kept, "args": values_json(args)}),
                );
                Ok(())
            });
            report(ipc, json!({"event": "listening", "channel": channel}));
        }
        "port_post" => {
            // Posts each of `messages` on kept port `port`, in order.
            let port = kept_port(cmd["port"].as_u64().unwrap_or(0) as usize);
            let mut errors = Vec::new();
            for m in cmd["messages"].as_array().cloned().unwrap_or_default() {
                if let Err(e) = port.post_message(&m) {
                    errors.push(e.to_string());
                }
            }
            report(ipc, json!({"event": "port_posted", "errors": errors}));
        }
        "port_recv" => {
            // Waits for `count` messages on a kept port that was not started.
            let port = kept_port(cmd["port"].as_u64().unwrap_or(0) as usize);
            let me = ipc.clone();
            let count = cmd["count"].as_u64().unwrap_or(1);
            // Not on the listener thread: that thread delivers what recv waits for.
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut error = None;
                for _ in 0..count {
                    match port.recv().map(|m| m.data::<Json>()) {
                        Ok(Ok(v)) => got.push(v),
                        Ok(Err(e)) => error = Some(e.to_string()),
                        Err(e) => error = Some(e.to_string()),
                    }
                    if error.is_some() {
                        break;
                    }
                }
                report(
                    &me,
                    json!({"event": "port_received", "data": got, "err": error}),
                );
            });
        }
        "port_state" => {
            let port = kept_port(cmd["port"].as_u64().unwrap_or(0) as usize);
            report(
                ipc,
                json!({"event": "port_state", "state": format!("{port:?}")}),
            );
        }
        "port_close" => {
            kept_port(cmd["port"].as_u64().unwrap_or(0) as usize).close();
            report(ipc, json!({"event": "port_closing"}));
        }
        "exit" => exit(ipc, cmd["code"].as_i64().unwrap_or(0) as i32),
        other => report(ipc, json!({"event": "unknown_op", "op": other})),
    }
}

/// The bytes of message `i` of `send_pattern`: `size` bytes that differ from message to
/// message and from place to place.
pub fn pattern(i: u64, size: usize) -> bytes::Bytes {
    (0..size as u64)
        .map(|j| ((j * 7 + i * 13) % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn serde_bytes_vec(size: usize) -> bytes::Bytes {
    bytes::Bytes::from(vec![7u8; size])
}

/// Registers the script's listeners (`cmd`, and `early` for messages main sent before the
/// renderer connected); call it in the connect's setup.
pub fn install(ipc: &IpcRenderer, exit: Exit) {
    let ids: Ids = Arc::default();
    let me = ipc.clone();
    ipc.on("cmd", move |_, args| {
        let cmd: Json = args.get(0)?;
        run(&me, &cmd, &ids, &exit);
        Ok(())
    });
    // Messages main sent before this renderer connected must be here, in order.
    let me = ipc.clone();
    ipc.on("early", move |_, args| {
        report(
            &me,
            json!({"event": "message", "channel": "early", "args": values_json(args)}),
        );
        Ok(())
    });
}

/// Tells the test the renderer is ready for commands.
pub fn report_ready(ipc: &IpcRenderer) {
    report(
        ipc,
        json!({"event": "ready", "id": ipc.id(), "embedder": ipc.embedder_id()}),
    );
}

/// A value with every structured-clone kind: a cycle, a shared reference, a `Map` of `Date`,
/// NaN, -0, a BigInt, `undefined`, bytes, a typed array, an `ArrayBuffer`, a `RegExp`, an `Error`.
pub fn clone_sample() -> Value {
    use electrode_renderer::{Date, TypedArray};
    let m = Value::Map(vec![(
        Value::Number(1.into()),
        Value::Date(Date::from_millis(5.0)),
    )]);
    let mut o = std::collections::BTreeMap::new();
    o.insert(
        "all".to_string(),
        Value::Bytes((0..=255u8).collect::<Vec<u8>>().into()),
    );
    o.insert("m".to_string(), m);
    o.insert(
        "n".to_string(),
        Value::Array(vec![
            Value::Float(f64::NAN),
            Value::Float(-0.0),
            Value::BigInt("7".into()),
            Value::Undefined,
        ]),
    );
    o.insert(
        "s".to_string(),
        Value::Set(vec![Value::String("a".into()), Value::Number(2.into())]),
    );
    o.insert(
        "re".to_string(),
        Value::RegExp {
            source: "a+b".into(),
            flags: "gi".into(),
        },
    );
    o.insert(
        "err".to_string(),
        Value::Error {
            name: "TypeError".into(),
            message: "bad".into(),
        },
    );
    o.insert("ab".to_string(), Value::ArrayBuffer(vec![9u8, 8].into()));
    o.insert(
        "f".to_string(),
        Value::Typed(TypedArray::from_f64s(&[1.5, -2.0])),
    );
    // Containers in pre-order with sorted keys: 0 the object, 1 `m`, 2 `n`, 3 `s`.
    o.insert("self".to_string(), Value::Ref(0));
    o.insert(
        "shared".to_string(),
        Value::Array(vec![Value::Ref(1), Value::Ref(1)]),
    );
    Value::Object(o)
}

/// Whether `v` is [`clone_sample`], NaN included (compared by their `Debug` text).
pub fn is_clone_sample(v: &Value) -> bool {
    format!("{v:?}") == format!("{:?}", clone_sample())
}

/// Sends [`clone_sample`] by `send` (main answers on `clone-back`), `send_sync` and `invoke`,
/// and reports whether each answer was the sample again.
fn clone_round_trip(ipc: &IpcRenderer) {
    let me = ipc.clone();
    ipc.once("clone-back", move |_, args| {
        let back = args.value(0).map(|v| is_clone_sample(&v));
        report(
            &me,
            json!({"event": "clone_back", "same": format!("{back:?}")}),
        );
        Ok(())
    });
    let sent = ipc
        .send("clone", &(clone_sample(),))
        .map_err(|e| e.to_string());
    let sync = ipc
        .send_sync::<Value, _>("clone-sync", &(clone_sample(),))
        .map(|v| is_clone_sample(&v))
        .map_err(|e| e.to_string());
    let invoked = ipc
        .invoke::<Value, _>("clone-invoke", &(clone_sample(),))
        .map(|v| is_clone_sample(&v))
        .map_err(|e| e.to_string());
    report(
        ipc,
        json!({"event": "clone", "rules": format!("{:?}", ipc.value_rules()),
            "send": format!("{sent:?}"), "sync": format!("{sync:?}"), "invoke": format!("{invoked:?}")}),
    );
}

/// The ports this renderer keeps, numbered in the order kept.
static PORTS: std::sync::Mutex<Vec<electrode_renderer::MessagePort>> =
    std::sync::Mutex::new(Vec::new());

/// Keeps `port` as the next number, reporting its close; unless `pull` (read it with
/// `port_recv`), also started, reporting its messages.
fn keep_port(ipc: &IpcRenderer, port: electrode_renderer::MessagePort, pull: bool) -> usize {
    let mut ports = PORTS.lock().unwrap();
    let n = ports.len();
    let me = ipc.clone();
    port.on_close(move || report(&me, json!({"event": "port_closed", "port": n})));
    if pull {
        ports.push(port);
        return n;
    }
    let me = ipc.clone();
    port.on_message(move |event| {
        report(
            &me,
            json!({"event": "port_message", "port": n, "data": event.data::<Json>()?}),
        );
        Ok(())
    });
    port.start();
    ports.push(port);
    n
}

fn kept_port(n: usize) -> electrode_renderer::MessagePort {
    PORTS.lock().unwrap()[n].clone()
}
