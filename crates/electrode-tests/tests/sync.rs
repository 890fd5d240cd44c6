//! `sendSync` reply rules: immediate, first wins, deferred from another thread, dropped
//! handle, no listener, no value, async events, failing listeners, sync inside a listener.

mod common;

use std::sync::mpsc::channel;
use std::sync::Mutex;

use common::*;
use electrode::{Error, IpcMain};
use serde_json::json;

fn sync_result(
    h: &Harness,
    r: &electrode::WebContents,
    channel: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    h.cmd(
        r,
        json!({"op": "send_sync", "channel": channel, "args": args}),
    );
    h.expect(r, "sync")
}

#[test]
fn immediate_return_value_follows_json_rules() {
    let ipc = IpcMain::new();
    ipc.on("sum", |event, args| {
        let v: Vec<f64> = args.get(0)?;
        event.set_return_value(v.iter().sum::<f64>())?;
        Ok(())
    });
    ipc.on("nan", |event, _| {
        event.set_return_value((f64::NAN, "text", None::<u8>))?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    assert_eq!(
        sync_result(&h, &r, "sum", json!([[1.5, 2.5, 3]]))["ok"],
        json!(7.0)
    );
    assert_eq!(
        sync_result(&h, &r, "nan", json!([]))["ok"],
        json!([null, "text", null])
    );
}

#[test]
fn first_value_wins_and_later_sets_are_ignored() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("twice", |event, _| {
        assert!(event.set_return_value("first")?);
        Ok(())
    });
    ipc.on("twice", move |event, _| {
        let second = event.set_return_value("second")?;
        tx.lock().unwrap().send(second).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    assert_eq!(sync_result(&h, &r, "twice", json!([]))["ok"], "first");
    assert!(
        !rx.recv_timeout(PATIENCE).unwrap(),
        "the second set reports it was ignored"
    );
}

#[test]
fn reply_later_from_another_thread() {
    let ipc = IpcMain::new();
    ipc.on("later", |event, args| {
        let n: u64 = args.get(0)?;
        let reply = event.reply_handle()?;
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            reply.send(n * 2).unwrap();
        });
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    assert_eq!(sync_result(&h, &r, "later", json!([21]))["ok"], 42);
}

#[test]
fn dropped_handle_gives_an_error_naming_the_channel() {
    let ipc = IpcMain::new();
    ipc.on("dropped", |event, _| {
        let reply = event.reply_handle()?;
        std::thread::spawn(move || drop(reply));
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    let err = sync_result(&h, &r, "dropped", json!([]))["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains("'dropped'") && err.contains("none set a return value"),
        "{err}"
    );
    h.assert_alive(&r);
}

#[test]
fn no_listener_gives_an_error_instead_of_hanging() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    let err = sync_result(&h, &r, "nobody-listens", json!([1]))["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no listener") && err.contains("'nobody-listens'"),
        "{err}"
    );
    h.assert_alive(&r);
}

#[test]
fn listeners_that_set_nothing_give_an_error() {
    let ipc = IpcMain::new();
    ipc.on("silent", |_, _| Ok(()));
    ipc.on("silent", |_, _| Ok(()));
    let h = harness(ipc);
    let r = h.spawn();
    let err = sync_result(&h, &r, "silent", json!([]))["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains("2 listener(s) ran") && err.contains("'silent'"),
        "{err}"
    );
}

#[test]
fn async_events_have_no_return_value() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("async", move |event, _| {
        let e = event.set_return_value(1).unwrap_err();
        tx.lock().unwrap().send(e).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(&r, json!({"op": "send", "channel": "async", "args": []}));
    match rx.recv_timeout(PATIENCE).unwrap() {
        Error::NotSync { channel, renderer } => {
            assert_eq!((channel.as_str(), renderer), ("async", r.id()))
        }
        other => panic!("expected NotSync, got {other:?}"),
    }
}

#[test]
fn a_panicking_listener_is_contained_and_the_call_gets_an_error() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("boom", |_, _| panic!("kaboom"));
    ipc.on("boom", move |_, _| {
        tx.lock().unwrap().send("second listener ran").unwrap();
        Ok(())
    });
    ipc.on("fails", |_, args| {
        let _: u32 = args.get(5)?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    let other = h.spawn();
    let err = sync_result(&h, &r, "boom", json!([]))["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(err.contains("'boom'") && err.contains("kaboom"), "{err}");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "second listener ran");
    let err = sync_result(&h, &r, "fails", json!([]))["err"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        err.contains("'fails'") && err.contains("argument 5"),
        "{err}"
    );
    h.assert_alive(&r);
    h.assert_alive(&other);
}

#[test]
fn send_sync_inside_a_renderer_listener_does_not_deadlock() {
    let ipc = IpcMain::new();
    ipc.on("inner", |event, _| {
        event.set_return_value("inner reply")?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "sync_in_listener", "channel": "trigger", "inner": "inner"}),
    );
    h.expect(&r, "listening");
    r.send("trigger", &()).unwrap();
    assert_eq!(h.expect(&r, "sync")["ok"], "inner reply");
}

#[test]
fn send_sync_timeout_gives_up_and_the_link_stays_usable() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("slow", move |event, _| {
        tx.lock().unwrap().send(event.reply_handle()?).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_sync", "channel": "slow", "args": [], "timeout_ms": 200}),
    );
    let err = h.expect(&r, "sync")["err"].as_str().unwrap().to_string();
    assert!(
        err.contains("'slow'") && err.contains("no reply within"),
        "{err}"
    );
    // The late answer is dropped by the renderer; the link carries on.
    rx.recv_timeout(PATIENCE).unwrap().send("too late").unwrap();
    h.assert_alive(&r);
}

/// Main answers "sync-with-news" after sending three "news" messages; the renderer listens to
/// "news" and then runs `op` (a sendSync on that channel, from the listener thread or not).
fn news_during_sync(op: &str) -> (Harness, electrode::WebContents) {
    let ipc = IpcMain::new();
    ipc.on("sync-with-news", |event, _| {
        for i in 0..3 {
            event.sender().send("news", &(i,))?;
        }
        event.set_return_value("answer")?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.listen(&r, "listen", "news");
    h.cmd(
        &r,
        json!({"op": op, "channel": "sync-with-news", "args": []}),
    );
    (h, r)
}

#[test]
fn messages_sent_during_a_pending_send_sync_arrive_after_it_returns_in_order() {
    let (h, r) = news_during_sync("send_sync");
    // Reports are sent in order by the renderer: the sync result must come before any news.
    let mut order = Vec::new();
    for _ in 0..4 {
        let rep = h
            .expect_where(r.id(), |x| x["event"] == "sync" || x["event"] == "message")
            .expect("report");
        order.push(rep);
    }
    assert_eq!(
        order[0]["event"], "sync",
        "sendSync returned first: {order:?}"
    );
    assert_eq!(order[0]["ok"], "answer");
    for (i, m) in order[1..].iter().enumerate() {
        assert_eq!(m["args"], json!([i]));
    }
}

#[test]
fn messages_during_a_send_sync_from_another_thread_are_delivered_in_order() {
    // The caller is not the listener thread: the idle dispatcher must be woken for the
    // messages the call read along with its reply.
    let (h, r) = news_during_sync("send_sync_from_thread");
    assert_eq!(h.expect(&r, "sync")["ok"], "answer");
    for i in 0..3 {
        assert_eq!(h.expect(&r, "message")["args"], json!([i]));
    }
}
