//! Electron's own `contextBridge` spec cases (spec/api-context-bridge-spec.ts), ported where
//! a browser page with one JavaScript world can run them: a real preload exposes each API,
//! the page in headless Chromium uses it, and the results are compared with what Electron's
//! spec expects. Each key below names the spec case it ports.

mod browser;

use std::sync::Arc;

use browser::{App, Browser};
use electrode::Main;
use electrode_web::{WebBridge, WebConfig};
use serde_json::{json, Value as Json};

const PRELOAD: &str = r#"
const { contextBridge } = require('electron');
const loop = { value: 135 }; loop.o = loop;
const mySymbol = Symbol('unique');
const protoPayload = Object.defineProperty({ data: 1 }, '__proto__', {
  value: { polluted: true }, enumerable: true, writable: true, configurable: true
});
let overwriteThrew = false;
contextBridge.exposeInMainWorld('numbers', { n: 123, nested: { n: 456 } });
contextBridge.exposeInMainWorld('arr', [123, 'my-words', [true]]);
contextBridge.exposeInMainWorld('topNumber', 42);
contextBridge.exposeInMainWorld('topNull', null);
contextBridge.exposeInMainWorld('topUndefined', undefined);
contextBridge.exposeInMainWorld('nestedNullish', { n: null, u: undefined });
contextBridge.exposeInMainWorld('resolves', Promise.resolve('i-resolved'));
contextBridge.exposeInMainWorld('rejects', Promise.reject(new Error('i-rejected')));
contextBridge.exposeInMainWorld('fn', () => 'return-value');
contextBridge.exposeInMainWorld('symbol', mySymbol);
contextBridge.exposeInMainWorld('isSymbol', (s) => s === mySymbol);
contextBridge.exposeInMainWorld('typed', new Uint8Array(100));
contextBridge.exposeInMainWorld('regexp', /a/g);
contextBridge.exposeInMainWorld('proto', protoPayload);
contextBridge.exposeInMainWorld('example', {
  1: 123, 2: 456,
  later: () => new Promise((resolve) => setTimeout(() => resolve(Promise.resolve(123)), 20)),
  identity: (f) => f,
  same: (a, b) => a === b,
  callWith: (f) => f(123),
  promiseBack: (p) => p,
  length: (a) => a.length,
  poisoned: () => {
    const p = [1, 2, 3];
    Object.defineProperty(p, 0, { get() { throw new Error('boom'); }, enumerable: true, configurable: true });
    return p;
  },
  receive: (obj) => [Object.getPrototypeOf(obj) === Object.prototype, obj.polluted,
    Object.prototype.hasOwnProperty.call(obj, '__proto__'), obj.data],
  getSymbol: () => mySymbol,
  getSymbolKeyed: () => ({ [mySymbol]: 123 }),
  holder: { arr: new Uint8Array(100), regexp: /a/g },
  loop: { o: loop },
  getBody: () => document.body,
  elemInfo: (f) => { const e = f(); return [e.tagName, e.constructor.name, typeof e.querySelector]; },
  getBlob: () => new Blob(['ab', 'cd']),
  blobText: async (f) => [await f().text()],
  swallow: (a) => typeof a,
  first: (second) => second((fourth) => fourth()),
  throwNormal: () => { throw new Error('whoops'); },
  throwWeird: () => { throw 'this is no error...'; },
  notClonable: () => Object(Symbol('foo')),
  notClonableInArray: () => [Object(Symbol('foo'))],
  notClonableInObject: () => ({ bad: Object(Symbol('foo')) }),
  throwDynamic: () => ({ get bad() { throw new Error('damm'); } }),
  rejectNotClonable: async () => { throw Object(Symbol('foo')); },
  resolveNotClonable: async () => Object(Symbol('foo')),
  getPromise: async () => ({ number: 123, fn: () => 'string', arr: [1, ['foo']] }),
  getFunctionFromFunction: async () => () => null,
  counter: { count: 7, read() { return this.count; } },
  getThrew: () => overwriteThrew,
});
try { contextBridge.exposeInMainWorld('example', { attempt: 2 }); } catch (e) { overwriteThrew = true; }
"#;

const PAGE: &str =
    r#"<!doctype html><html><head><title>bridge</title></head><body>page</body></html>"#;

/// The page half of every case: each entry is what the page observed.
const CASES: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const ex = window.example;
  const out = {};
  const err = (f) => { try { f(); return null; } catch (e) { return e; } };
  const asyncErr = async (f) => { try { await f(); return null; } catch (e) { return e; } };
  const isError = (e) => e !== null && Object.getPrototypeOf(e) === Error.prototype;
  const nest = (n) => { let a = []; for (let i = 0; i < n; i++) a = [a]; return a; };

  out.proxyNumbers = [window.numbers.n, window.numbers.nested.n, window.topNumber];
  window.topNumber = 1; out.globalReadOnly = window.topNumber;
  window.numbers.n = 1; window.numbers.nested.n = 1;
  out.unwriteable = [window.numbers.n, window.numbers.nested.n];
  out.arrays = window.arr;
  out.arraysImmutable = [Object.isFrozen(window.arr), Object.isFrozen(window.arr[2])];
  out.nullish = [String(window.topNull), String(window.topUndefined),
                 String(window.nestedNullish.n), String(window.nestedNullish.u)];
  out.promiseResolves = await window.resolves;
  const rejected = await asyncErr(() => window.rejects);
  out.promiseRejects = [rejected instanceof Error, rejected && rejected.message];
  out.resolvesLater = await ex.later();
  out.functions = window.fn();
  const f = () => null;
  out.noDoubleProxy = ex.identity(f) === f;
  const obj = { foo: 1 };
  out.argsOnlyOnce = ex.same(obj, obj);
  out.reverseMethods = ex.callWith((n) => n + 1);
  out.reversePromises = await ex.promiseBack(Promise.resolve('my-proxied-value'));
  const poisonedArg = [1, 2, 3];
  Object.defineProperty(poisonedArg, 0, { get() { throw new Error('boom'); }, enumerable: true, configurable: true });
  const nested = { a: [1, [2, 3]] };
  Object.defineProperty(nested.a[1], 1, { get() { throw new Error('nested boom'); }, enumerable: true, configurable: true });
  out.throwingArgGetter = [err(() => ex.length(poisonedArg)).message, err(() => ex.length(nested)).message, ex.length([1, 2, 3])];
  out.throwingReturnedGetter = err(() => ex.poisoned()).message;
  out.callableManyTimes = [ex.callWith((n) => n), ex.callWith((n) => n)];
  out.numberKeys = [ex[1], ex[2], Array.isArray(ex)];
  const payload = Object.defineProperty({ data: 1 }, '__proto__', {
    value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  out.protoKeySent = ex.receive(payload);
  out.protoKeyExposed = [Object.getPrototypeOf(window.proto) === Object.prototype, window.proto.polluted,
    Object.prototype.hasOwnProperty.call(window.proto, '__proto__'), window.proto.data];
  out.symbols = [window.isSymbol(window.symbol), typeof window.symbol,
                 ex.getSymbolKeyed()[ex.getSymbol()]];
  out.typedAndRegexp = [Object.getPrototypeOf(window.typed) === Uint8Array.prototype,
    Object.getPrototypeOf(window.regexp) === RegExp.prototype,
    Object.getPrototypeOf(ex.holder.arr) === Uint8Array.prototype,
    Object.getPrototypeOf(ex.holder.regexp) === RegExp.prototype];
  out.recursive = [ex.loop.o.value, ex.loop.o.o.value, ex.loop.o.o.o.value, ex.loop.o.o === ex.loop.o];
  out.domElements = [ex.getBody().tagName, ex.getBody().constructor.name, typeof ex.getBody().querySelector,
                     ex.getBody() === document.body];
  out.domElementsBack = ex.elemInfo(() => document.body);
  out.blobs = [await ex.getBlob().text()];
  out.blobsBack = await ex.blobText(() => new Blob(['12', '45']));
  out.depth = [err(() => ex.swallow(nest(999))), err(() => ex.swallow(nest(1000)))]
    .map((e) => e === null ? null : [e.constructor.name, e.message]);
  out.overwrite = [ex.attempt, ex.getThrew()];
  out.nestedMethodsAndPromises = await ex.first((third) => third(() => Promise.resolve('final value')));
  out.thrownErrors = [
    err(ex.throwNormal), err(ex.throwWeird), err(ex.notClonable), err(ex.notClonableInArray),
    err(ex.notClonableInObject), err(ex.throwDynamic), err(() => ex.swallow(Object(Symbol('test')))),
    await asyncErr(ex.rejectNotClonable), await asyncErr(ex.resolveNotClonable)
  ].map(isError);
  out.thrownMessages = [err(ex.throwNormal).message, err(ex.throwWeird).message];
  const got = await ex.getPromise();
  out.noPrototypeLeaks = [
    [ex, Object], [ex.later, Function], [ex.getPromise(), Promise], [got, Object], [got.fn, Function],
    [got.fn(), String], [got.arr, Array], [got.arr[1], Array], [ex.getFunctionFromFunction(), Promise],
    [await ex.getFunctionFromFunction(), Function], [ex.getBody(), HTMLBodyElement], [ex.getBlob(), Blob],
    [ex.holder, Object], [ex.getSymbolKeyed(), Object]
  ].map(([a, C]) => Object.getPrototypeOf(a) === C.prototype);
  out.methodThis = ex.counter.read();
  done(out);
})().catch((e) => done({ crashed: String(e && e.stack || e) }));
"#;

fn app() -> (App, tempfile::TempDir) {
    electrode_tests::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
    std::fs::write(dir.path().join("preload.js"), PRELOAD).unwrap();
    let main = Arc::new(Main::builder().start().expect("main starts"));
    let bridge = WebBridge::start(
        main.clone(),
        WebConfig::new()
            .app_dir(dir.path())
            .preload(dir.path().join("preload.js")),
    )
    .expect("bridge starts");
    (App { main, bridge }, dir)
}

fn expected() -> Vec<(&'static str, Json)> {
    let depth_message =
        "Electron contextBridge recursion depth exceeded.  Nested objects deeper than 1000 are not supported.";
    vec![
        ("proxyNumbers", json!([123, 456, 42])),
        ("globalReadOnly", json!(42)),
        ("unwriteable", json!([123, 456])),
        ("arrays", json!([123, "my-words", [true]])),
        ("arraysImmutable", json!([true, true])),
        ("nullish", json!(["null", "undefined", "null", "undefined"])),
        ("promiseResolves", json!("i-resolved")),
        ("promiseRejects", json!([true, "i-rejected"])),
        ("resolvesLater", json!(123)),
        ("functions", json!("return-value")),
        ("noDoubleProxy", json!(true)),
        ("argsOnlyOnce", json!(true)),
        ("reverseMethods", json!(124)),
        ("reversePromises", json!("my-proxied-value")),
        ("throwingArgGetter", json!(["boom", "nested boom", 3])),
        ("throwingReturnedGetter", json!("Uncaught Error: boom")),
        ("callableManyTimes", json!([123, 123])),
        ("numberKeys", json!([123, 456, false])),
        ("protoKeySent", json!([true, null, true, 1])),
        ("protoKeyExposed", json!([true, null, true, 1])),
        ("symbols", json!([true, "symbol", 123])),
        ("typedAndRegexp", json!([true, true, true, true])),
        ("recursive", json!([135, 135, 135, true])),
        ("domElements", json!(["BODY", "HTMLBodyElement", "function", true])),
        ("domElementsBack", json!(["BODY", "HTMLBodyElement", "function"])),
        ("blobs", json!(["abcd"])),
        ("blobsBack", json!(["1245"])),
        ("depth", json!([null, ["TypeError", depth_message]])),
        ("overwrite", json!([null, true])),
        ("nestedMethodsAndPromises", json!("final value")),
        ("thrownErrors", json!([true, true, true, true, true, true, true, true, true])),
        ("thrownMessages", json!([
            "whoops",
            "An unknown exception occurred in the isolated context, an error occurred but a valid exception was not thrown."
        ])),
        ("noPrototypeLeaks", json!([true, true, true, true, true, true, true, true, true, true, true, true, true, true])),
        ("methodThis", json!(7)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn electron_context_bridge_spec_cases_hold_in_a_page() {
    let (app, _dir) = app();
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let got = b.run_async(CASES, vec![]).await;
    let want = expected();
    // Case by case, so a failure names the spec case.
    for (case, value) in &want {
        assert_eq!(got.get(case), Some(value), "case {case}: page saw {got:#}");
    }
    assert_eq!(
        got.as_object().map(|o| o.len()),
        Some(want.len()),
        "{got:#}"
    );
    b.close().await;
}
