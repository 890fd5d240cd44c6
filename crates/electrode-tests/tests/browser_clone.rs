//! Structured-clone values (docs/adr/0018) between a real page in headless Chromium and a real
//! main that chose `ValueRules::StructuredClone`: every kind of value crosses both ways as
//! itself (main decodes them into `Value` variants, the page gets `Map`, `Date`, cycles...),
//! through `send`, `sendSync` (bytes through the synchronous XHR) and `invoke`; a value that
//! cannot be cloned throws Electron's error in the page and sends nothing.

mod browser;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use browser::{App, Browser};
use bytes::Bytes;
use electrode::{Date, IpcMain, Main, TypedArray, Value, ValueRules};
use serde_json::json;

/// The checks a page runs on a value that came back from main, as a list of failures.
const CHECK_SAMPLE: &str = r#"
  window.sample = function () {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const o = { text: 'h\u00e9llo \u2713 \ud83d\ude00', all, m: new Map([[1, new Date(5)]]),
      n: [NaN, -0, 7n, undefined], s: new Set(['a', 2]), re: /a+b/gi, err: new TypeError('bad'),
      ab: new Uint8Array([9, 8]).buffer };
    o.self = o;
    o.f = new Float64Array([1.5, -2]);
    o.shared = [o.m, o.m];
    return o;
  };
  window.checkSample = function (v) {
    const bad = [];
    const ok = (name, c) => { if (!c) bad.push(name); };
    ok('bytes', v && v.all instanceof Uint8Array && v.all.length === 256 && v.all.every((x, i) => x === i));
    ok('UTF-8 text', v && v.text === 'h\u00e9llo \u2713 \ud83d\ude00');
    ok('Map of Date', v && v.m instanceof Map && v.m.get(1) instanceof Date && v.m.get(1).getTime() === 5);
    ok('NaN, -0, BigInt, undefined', v && Number.isNaN(v.n[0]) && Object.is(v.n[1], -0) && v.n[2] === 7n
      && v.n.length === 4 && v.n[3] === undefined);
    ok('Set', v && v.s instanceof Set && v.s.has('a') && v.s.has(2) && v.s.size === 2);
    ok('RegExp', v && v.re instanceof RegExp && v.re.source === 'a+b' && v.re.flags === 'gi');
    ok('Error', v && v.err instanceof TypeError && v.err.message === 'bad');
    ok('ArrayBuffer', v && v.ab instanceof ArrayBuffer && new Uint8Array(v.ab).join() === '9,8');
    ok('cycle', v && v.self === v);
    ok('shared reference', v && v.shared[0] === v.m && v.shared[1] === v.m);
    ok('Float64Array', v && v.f instanceof Float64Array && v.f[0] === 1.5 && v.f[1] === -2);
    return bad;
  };
"#;

fn clone_main(ipc: IpcMain) -> App {
    electrode_tests::init_tracing();
    let main = Main::builder()
        .ipc(ipc)
        .values(ValueRules::StructuredClone)
        .start()
        .expect("main starts");
    App::serve(Arc::new(main))
}

/// The `Value` main decoded from the page's `sample()`, checked variant by variant.
fn check_sample_in_main(v: &Value) -> Vec<&'static str> {
    let mut bad = Vec::new();
    let Value::Object(o) = v else {
        return vec!["not an object"];
    };
    let mut ok = |name, c: bool| {
        if !c {
            bad.push(name)
        }
    };
    ok(
        "bytes",
        matches!(o.get("all"), Some(Value::Bytes(b)) if b.len() == 256 && b[255] == 255),
    );
    ok(
        "text",
        o.get("text") == Some(&Value::String("h\u{e9}llo \u{2713} \u{1f600}".into())),
    );
    ok(
        "Map of Date",
        o.get("m")
            == Some(&Value::Map(vec![(
                Value::Number(1.into()),
                Value::Date(Date::from_millis(5.0)),
            )])),
    );
    ok(
        "NaN, -0, BigInt, undefined",
        matches!(o.get("n"), Some(Value::Array(a)) if a.len() == 4
            && matches!(a[0], Value::Float(x) if x.is_nan())
            && matches!(a[1], Value::Float(x) if x == 0.0 && x.is_sign_negative())
            && a[2] == Value::BigInt("7".into())
            && a[3] == Value::Undefined),
    );
    ok(
        "RegExp",
        o.get("re")
            == Some(&Value::RegExp {
                source: "a+b".into(),
                flags: "gi".into(),
            }),
    );
    ok(
        "Error",
        o.get("err")
            == Some(&Value::Error {
                name: "TypeError".into(),
                message: "bad".into(),
            }),
    );
    ok(
        "ArrayBuffer",
        o.get("ab") == Some(&Value::ArrayBuffer(Bytes::from_static(&[9, 8]))),
    );
    // Containers are numbered as first entered: the object itself is 0.
    ok("cycle", o.get("self") == Some(&Value::Ref(0)));
    ok(
        "Float64Array",
        o.get("f") == Some(&Value::Typed(TypedArray::from_f64s(&[1.5, -2.0]))),
    );
    ok(
        "shared reference",
        matches!(o.get("shared"), Some(Value::Array(a)) if a.len() == 2 && a[1] == a[0]
            && matches!(a[0], Value::Ref(_))),
    );
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_value_kind_crosses_send_send_sync_and_invoke_both_ways_as_itself() {
    let ipc = IpcMain::new();
    let seen: Arc<Mutex<Vec<Vec<&'static str>>>> = Arc::default();
    let log = seen.clone();
    ipc.on("echo", move |event, args| {
        let v = args.value(0)?;
        log.lock().unwrap().push(check_sample_in_main(&v));
        // Sent back from the decoded value, not the received bytes: the Rust encoder's work.
        event.sender().send("echo", &(v,))?;
        Ok(())
    });
    ipc.on("sync-echo", |event, args| {
        event.set_return_value(args.value(0)?)?;
        Ok(())
    });
    ipc.on("sync-designed-error", |_, _| {
        Err("designed \u{2713} error".into())
    });
    ipc.handle("invoke-echo", |_, args| Ok(args.value(0)?))
        .unwrap();
    let app = clone_main(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();
    assert_eq!(page.value_rules(), ValueRules::StructuredClone);
    b.run(CHECK_SAMPLE, vec![]).await;
    b.wait_for("ipcRenderer._electrode.valueRules === 'structured-clone'")
        .await;

    let r = b
        .run(
            r#"
            const r = ipcRenderer;
            let designed = null;
            try { r.sendSync('sync-designed-error'); } catch (e) { designed = e.message; }
            return { sync: checkSample(r.sendSync('sync-echo', sample())),
              undef: r.sendSync('sync-echo', undefined) === undefined, designed };
            "#,
            vec![],
        )
        .await;
    assert_eq!(r["sync"], json!([]), "sendSync reply: {r}");
    assert_eq!(r["undef"], true, "{r}");
    assert!(
        r["designed"]
            .as_str()
            .is_some_and(|m| m.contains("designed \u{2713} error")),
        "{r}"
    );

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            ipcRenderer.once('echo', (event, v) => done(checkSample(v)));
            ipcRenderer.send('echo', sample());
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!([]), "send, then main's send of what it decoded");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![Vec::<&str>::new()],
        "main decoded every kind"
    );

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            ipcRenderer.invoke('invoke-echo', sample()).then(v => done(checkSample(v)), e => done(['rejected: ' + e.message]));
            "#,
            vec![],
        )
        .await;
    assert_eq!(r, json!([]), "invoke reply");
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_s_rust_values_arrive_as_javascript_values_and_uncloneable_ones_throw_in_the_page() {
    let ipc = IpcMain::new();
    let reached: Arc<Mutex<Vec<String>>> = Arc::default();
    for channel in ["echo", "sync-echo"] {
        let log = reached.clone();
        ipc.on(channel, move |event, _| {
            log.lock().unwrap().push(channel.into());
            if event.is_sync() {
                event.set_return_value(())?;
            }
            Ok(())
        });
    }
    let log = reached.clone();
    ipc.handle("invoke-echo", move |_, args| {
        log.lock().unwrap().push("invoke-echo".into());
        Ok(args.value(0)?)
    })
    .unwrap();
    ipc.on("ready", |event, _| {
        let mut obj = BTreeMap::new();
        obj.insert(
            "when".to_string(),
            Value::Date(Date::from_millis(86_400_000.0)),
        );
        obj.insert(
            "tags".to_string(),
            Value::Set(vec![Value::String("a".into()), Value::Undefined]),
        );
        obj.insert("me".to_string(), Value::Ref(0));
        let args = (
            Value::Object(obj),
            Value::Float(f64::NEG_INFINITY),
            Value::BigInt("-18446744073709551617".into()),
        );
        event.sender().send("from-main", &args)?;
        Ok(())
    });
    let app = clone_main(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    app.only_page();
    b.wait_for("ipcRenderer._electrode.valueRules === 'structured-clone'")
        .await;

    let got = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            ipcRenderer.once('from-main', (event, v, n, big) => done({
              date: v.when instanceof Date && v.when.toISOString(),
              set: v.tags instanceof Set && [...v.tags].map(x => x === undefined ? 'undefined' : x),
              cycle: v.me === v, inf: n === -Infinity, big: typeof big === 'bigint' && String(big) }));
            ipcRenderer.send('ready');
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        got,
        json!({"date": "1970-01-02T00:00:00.000Z", "set": ["a", "undefined"], "cycle": true,
            "inf": true, "big": "-18446744073709551617"})
    );

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            const r = ipcRenderer;
            const st = r._electrode.state;
            const before = { seq: st.seq, request: st.request };
            const thrown = (fn) => { try { fn(); return 'did not throw'; } catch (e) { return e.message; } };
            const out = {
              send: thrown(() => r.send('echo', { f: function () {} })),
              sendSync: thrown(() => r.sendSync('sync-echo', document.body)),
              symbol: thrown(() => r.send('echo', [Symbol('s')])),
            };
            r.invoke('invoke-echo', Promise.resolve()).then(() => 'resolved', e => e.message).then(m => {
              out.invoke = m;
              out.nothingSent = st.seq === before.seq && st.request === before.request;
              // The link still works after the refusals.
              out.after = r.sendSync('sync-echo', new Map());
              done(out);
            });
            "#,
            vec![],
        )
        .await;
    let refused = "An object could not be cloned.";
    assert_eq!(
        r,
        json!({"send": refused, "sendSync": refused, "symbol": refused, "invoke": refused,
            "nothingSent": true, "after": null})
    );
    assert_eq!(
        *reached.lock().unwrap(),
        ["sync-echo"],
        "only the last call reached main"
    );
    b.close().await;
}
