//! Electron 1.7.8's argument conversion (spec 1.9), page → main, checked on the raw JSON text
//! main receives; and main → page, checked in the page.

mod browser;

use std::collections::BTreeMap;

use browser::{record, App, Browser, Seen};
use bytes::Bytes;
use electrode::{IpcMain, Value};
use serde_json::json;

/// `[name, ...args]` cases: the page sends each on channel `conv`.
const CASES: &str = r#"
  const cases = {};
  cases.scalars = [null, true, false, 'str', 42, -7, 2 ** 31, 1.5, -0, 2 ** 53, 'a\ud800b'];
  cases.nonFinite = [NaN, Infinity, -Infinity, [NaN, Infinity, -Infinity], { a: NaN, b: -Infinity, c: 1 }];
  cases.unconvertible = [undefined, function () {}, Symbol('s'),
    [undefined, () => 1, Symbol('t'), 2],
    { u: undefined, f() {}, s: Symbol('x'), k: 1, [Symbol('key')]: 5 }];
  const date = new Date(Date.UTC(2017, 8, 28, 12, 34, 56, 789));
  cases.dates = [date, { d: date }, [date]];
  cases.typedArrays = [new Float64Array([1.5, -2]), new Int16Array([-1, 7]), new Uint8ClampedArray([300]),
    new Int8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), new Float32Array([])];
  const m = new Map([[1, 2]]);
  const withExtra = new Map([[1, 2]]); withExtra.extra = 5;
  const err = new Error('message and stack are not enumerable');
  cases.empties = [new ArrayBuffer(8), new DataView(new ArrayBuffer(4)), m, new Set([1, 2]), err, /re/g,
    new WeakMap(), Promise.resolve(1), withExtra];
  class Point {
    constructor() { this.y = 'b'; this.x = 1; Object.defineProperty(this, 'hidden', { value: 1, enumerable: false }); }
    get z() { return 3; }
    norm() { return 0; }
  }
  const proto = { inherited: 1 };
  const child = Object.create(proto); child.own = 2;
  cases.instances = [new Point(), child, { toJSON() { return 'ignored'; }, kept: true }];
  cases.throwingGetter = [{ a: 1, get b() { throw new Error('no'); } }];
  const holes = [1, , 3, , , 6];
  const extra = [1, 2]; extra.name = 'dropped';
  cases.sparse = [holes, extra, new Array(5)];
  const s = { v: 1 };
  cases.shared = [[s, s], { a: s, b: s }, s];
  const cyc = { n: 1 }; cyc.self = cyc;
  const arr = [1]; arr.push(arr);
  const deep = { k: { back: null } }; deep.k.back = deep;
  cases.cycles = [cyc, arr, deep];
  let a100 = 7; for (let i = 0; i < 99; i++) a100 = [a100];
  let a101 = 7; for (let i = 0; i < 100; i++) a101 = [a101];
  let o100 = 7; for (let i = 0; i < 99; i++) o100 = { a: o100 };
  let o101 = 7; for (let i = 0; i < 100; i++) o101 = { a: o101 };
  cases.depth = [a100, a101, o100, o101];
  cases.keys = [{ b: 1, a: 2, A: 3, 'é': 4, '10': 5, '9': 6, _: 7, '': 8, 'ab': 9 }];
"#;

fn text(seen: &Seen) -> Vec<&str> {
    seen.json.iter().map(String::as_str).collect()
}

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_to_main_follows_the_1_7_8_conversion_table() {
    let ipc = IpcMain::new();
    let seen = record(&ipc, &["conv", "bytes"]);
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let names = b
        .run(
            &format!(
                "{CASES}\n for (const k of Object.keys(cases)) ipcRenderer.send('conv', k, ...cases[k]);\n return Object.keys(cases);"
            ),
            vec![],
        )
        .await;
    let mut got = BTreeMap::new();
    for _ in 0..names.as_array().unwrap().len() {
        let mut s = seen.next();
        let name = s.json.remove(0);
        s.values.remove(0);
        got.insert(name.trim_matches('"').to_string(), s);
    }
    assert_eq!(
        text(&got["scalars"]),
        [
            "null",
            "true",
            "false",
            "\"str\"",
            "42",
            "-7",
            "2147483648",
            "1.5",
            "0",
            "9007199254740992",
            "\"a\u{fffd}b\""
        ]
    );
    assert_eq!(
        text(&got["nonFinite"]),
        ["0", "0", "0", "[0,0,0]", r#"{"a":0,"b":0,"c":1}"#],
        "NaN and ±Infinity become 0"
    );
    assert_eq!(
        text(&got["unconvertible"]),
        ["null", "null", "null", "[null,null,null,2]", r#"{"k":1}"#],
        "undefined, functions and symbols: null in arrays and as arguments, omitted in objects"
    );
    assert_eq!(
        text(&got["dates"]),
        [
            r#""2017-09-28T12:34:56.789Z""#,
            r#"{"d":"2017-09-28T12:34:56.789Z"}"#,
            r#"["2017-09-28T12:34:56.789Z"]"#
        ]
    );
    assert_eq!(
        text(&got["typedArrays"]),
        [
            r#"{"0":1.5,"1":-2}"#,
            r#"{"0":-1,"1":7}"#,
            r#"{"0":255}"#,
            r#"{"0":0,"1":1,"10":10,"2":2,"3":3,"4":4,"5":5,"6":6,"7":7,"8":8,"9":9}"#,
            "{}"
        ],
        "typed arrays other than Uint8Array are objects of their index keys (sorted bytewise)"
    );
    assert_eq!(
        text(&got["empties"]),
        ["{}", "{}", "{}", "{}", "{}", "{}", "{}", "{}", r#"{"extra":5}"#],
        "ArrayBuffer, DataView, Map, Set, Error, RegExp, WeakMap, Promise: own enumerable props only"
    );
    assert_eq!(
        text(&got["instances"]),
        [r#"{"x":1,"y":"b"}"#, r#"{"own":2}"#, r#"{"kept":true}"#],
        "own enumerable properties; no prototype, getters on prototypes, methods or toJSON"
    );
    assert_eq!(text(&got["throwingGetter"]), [r#"{"a":1,"b":null}"#]);
    assert_eq!(
        text(&got["sparse"]),
        ["[1,3,6]", "[1,2]", "[]"],
        "holes skipped (compacted), non-index properties dropped"
    );
    assert_eq!(
        text(&got["shared"]),
        [
            r#"[{"v":1},{"v":1}]"#,
            r#"{"a":{"v":1},"b":{"v":1}}"#,
            r#"{"v":1}"#
        ],
        "a shared (non-cyclic) reference is duplicated"
    );
    assert_eq!(
        text(&got["cycles"]),
        [
            r#"{"n":1,"self":null}"#,
            "[1,null]",
            r#"{"k":{"back":null}}"#
        ],
        "the back-reference of a cycle becomes null"
    );
    let depth = text(&got["depth"]);
    assert_eq!(
        depth[0],
        nested("[", "7", "]", 99),
        "7 at depth 100 is kept"
    );
    assert_eq!(
        depth[1],
        nested("[", "null", "]", 100),
        "depth 101 becomes null in an array"
    );
    assert_eq!(depth[2], nested(r#"{"a":"#, "7", "}", 99));
    assert_eq!(
        depth[3],
        format!("{}{{}}{}", r#"{"a":"#.repeat(99), "}".repeat(99)),
        "depth 101 is omitted from an object"
    );
    assert_eq!(
        text(&got["keys"]),
        [r#"{"":8,"10":5,"9":6,"A":3,"_":7,"a":2,"ab":9,"b":1,"é":4}"#],
        "keys come out sorted bytewise"
    );

    // Bytes: any Uint8Array (a Buffer-like subclass, a view into a larger buffer) is bytes;
    // a 1 MiB Uint8Array arrives as 1 MiB of bytes and travels as bytes, not as JSON numbers.
    b.run(
        r#"
        class Buffer extends Uint8Array {}
        const big = new Uint8Array(1 << 20);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 255;
        const whole = new Uint8Array([0, 1, 2, 3, 4, 5]);
        ipcRenderer.send('bytes', new Uint8Array([1, 2, 255]), Buffer.from([9, 8]), whole.subarray(2, 4),
          { nested: [new Uint8Array([]), new Uint8Array([42])] }, big);
        "#,
        vec![],
    )
    .await;
    let s = seen.next();
    assert_eq!(s.channel, "bytes");
    assert_eq!(s.values[0], Value::Bytes(Bytes::from_static(&[1, 2, 255])));
    assert_eq!(s.values[1], Value::Bytes(Bytes::from_static(&[9, 8])));
    assert_eq!(
        s.values[2],
        Value::Bytes(Bytes::from_static(&[2, 3])),
        "only the view's bytes"
    );
    assert_eq!(
        s.values[3],
        Value::Object(BTreeMap::from([(
            "nested".to_string(),
            Value::Array(vec![
                Value::Bytes(Bytes::new()),
                Value::Bytes(Bytes::from_static(&[42]))
            ])
        )]))
    );
    let Value::Bytes(big) = &s.values[4] else {
        panic!("the 1 MiB Uint8Array is not bytes: {:?}", s.json[4]);
    };
    assert_eq!(big.len(), 1 << 20);
    assert!(big
        .iter()
        .enumerate()
        .all(|(i, &x)| x == ((i * 7) & 255) as u8));
    assert!(
        s.raw_len < (1 << 20) + 1024,
        "1 MiB of bytes took {} bytes on the wire",
        s.raw_len
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_to_page_values_arrive_intact_and_bytes_as_uint8array() {
    let ipc = IpcMain::new();
    ipc.on("ready", |event, _| {
        let big: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
        let obj = Value::Object(BTreeMap::from([
            (
                "bin".to_string(),
                Value::Bytes(Bytes::from_static(&[0, 128, 255])),
            ),
            ("n".to_string(), Value::Number(7.into())),
            ("\u{0}tricky".to_string(), Value::String("nul key".into())),
        ]));
        event.sender().send(
            "values",
            &(
                json!({"b": [1, 2.5, null, true], "a": "héllo ✓ 😀", "z": {"deep": [[["x"]]]}}),
                i64::MAX,
                -1.25e-7,
                "",
                (),
                Bytes::from_static(b"\x01\x02\x03"),
                obj,
                Bytes::from(big),
            ),
        )?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    b.run(
        r#"
        window.got = null;
        const u8 = (x) => x instanceof Uint8Array ? { u8: Array.from(x.length > 8 ? x.subarray(0, 4) : x), len: x.length } : x;
        ipcRenderer.once('values', (event, ...args) => {
          const big = args[7];
          let bigOk = big instanceof Uint8Array && big.length === (1 << 20);
          for (let i = 0; bigOk && i < big.length; i++) if (big[i] !== i % 251) bigOk = false;
          got = { sender: event.sender === ipcRenderer, count: args.length, plain: [args[0], args[2], args[3], args[4]], max: args[1] === 2 ** 63,
            bytes: u8(args[5]), obj: { bin: u8(args[6].bin), n: args[6].n, tricky: args[6]['\u0000tricky'], keys: Object.keys(args[6]) },
            bigOk };
        });
        ipcRenderer.send('ready');
        "#,
        vec![],
    )
    .await;
    let got = b.wait_for("got").await;
    assert_eq!(
        got,
        json!({
            "sender": true,
            "count": 8,
            "plain": [
                {"a": "héllo ✓ 😀", "b": [1, 2.5, null, true], "z": {"deep": [[["x"]]]}},
                -1.25e-7,
                "",
                null
            ],
            "max": true,
            "bytes": {"u8": [1, 2, 3], "len": 3},
            "obj": {"bin": {"u8": [0, 128, 255], "len": 3}, "n": 7, "tricky": "nul key", "keys": ["\u{0}tricky", "bin", "n"]},
            "bigOk": true
        })
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_in_a_return_value_reach_the_page_as_json_stringify_gives_a_buffer() {
    let ipc = IpcMain::new();
    ipc.on("bytes?", |event, _| {
        let b = Bytes::from_static(&[1, 2, 3]);
        let mut map = BTreeMap::new();
        map.insert("k".to_string(), Value::Bytes(b.clone()));
        event.set_return_value((
            b,
            Value::Object(map),
            vec![4u8, 5],
            Value::Bytes(Bytes::new()),
        ))?;
        Ok(())
    });
    let app = App::start(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let r = b
        .run(
            "return JSON.stringify(ipcRenderer.sendSync('bytes?'));",
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!(
            r#"[{"type":"Buffer","data":[1,2,3]},{"k":{"type":"Buffer","data":[1,2,3]}},[4,5],{"type":"Buffer","data":[]}]"#
        )
    );
    b.close().await;
}
