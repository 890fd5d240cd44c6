//! A preload script with `contextBridge` (modern Electron apps' shape) in headless Chromium:
//! the page uses only what the preload exposed; `invoke` and `on` work through it.

mod browser;

use std::sync::Arc;

use browser::{App, Browser};
use electrode::{IpcMain, Main};
use electrode_web::{WebBridge, WebConfig};
use serde_json::json;

const PRELOAD: &str = r#"
const { contextBridge, ipcRenderer } = require('electron');
var preloadLocal = 'not a global';
contextBridge.exposeInMainWorld('api', {
  add: (a, b) => ipcRenderer.invoke('add', a, b),
  onTick: (cb) => ipcRenderer.on('tick', (_event, n) => cb(n)),
  ask: (q) => ipcRenderer.sendSync('ask', q),
  data: { flags: ['a', 'b'], boot: 1234 },
  boom: () => { const e = new Error('whoops'); e.secret = 1; throw e; },
  later: Promise.resolve({ ready: true }),
  echoFn: (f) => f(20) + 1,
});
window.exposeAgain = (key) => {
  try { contextBridge.exposeInMainWorld(key, {}); return 'ok'; } catch (e) { return e.message; }
};
contextBridge.exposeInMainWorld('leaky', { ipc: ipcRenderer });
"#;

const PAGE: &str = r#"<!doctype html>
<html><head><title>preload</title>
<script>window.sawApiFirst = typeof window.api === 'object';</script>
<!-- A page written for a preload-less setup loads the shim itself: it gets nothing. -->
<script src="/electrode/ipc-renderer.js"></script>
</head><body>page</body></html>"#;

fn app(ipc: IpcMain) -> (App, tempfile::TempDir) {
    electrode_tests::init_tracing();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), PAGE).unwrap();
    std::fs::write(dir.path().join("preload.js"), PRELOAD).unwrap();
    let main = Arc::new(Main::builder().ipc(ipc).start().expect("main starts"));
    let bridge = WebBridge::start(
        main.clone(),
        WebConfig::new()
            .app_dir(dir.path())
            .preload(dir.path().join("preload.js")),
    )
    .expect("bridge starts");
    (App { main, bridge }, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_uses_what_its_preload_exposed_and_nothing_else() {
    let ipc = IpcMain::new();
    ipc.handle("add", |_, args| {
        Ok(args.get::<f64>(0)? + args.get::<f64>(1)?)
    })
    .unwrap();
    ipc.on("ask", |event, args| {
        event.set_return_value(format!("answer to {}", args.get::<String>(0)?))?;
        Ok(())
    });
    let (app, _dir) = app(ipc);
    let b = Browser::start().await;
    b.open(&app.url("index.html")).await;
    let page = app.only_page();

    let r = b
        .run_async(
            r#"
            const done = arguments[arguments.length - 1];
            (async () => {
              const out = {};
              out.sawApiFirst = window.sawApiFirst;
              out.globals = [typeof window.ipcRenderer, typeof window.require,
                             typeof window.preloadLocal, typeof window.__electrodePreload];
              out.sum = await window.api.add(2, 3);
              out.sync = window.api.ask('life');
              out.data = window.api.data;
              out.frozen = Object.isFrozen(window.api) && Object.isFrozen(window.api.data.flags);
              window.api.data.boot = 1; // ignored: frozen copy
              out.boot = window.api.data.boot;
              try { window.api.boom(); } catch (e) { out.boom = [e.message, e.secret, e instanceof Error]; }
              out.later = await window.api.later;
              out.fnArg = window.api.echoFn((n) => n * 2);
              out.again = window.exposeAgain('api');
              out.leaky = Object.keys(window.leaky.ipc).length;
              window.ticks = [];
              window.api.onTick((n) => window.ticks.push(n));
              done(out);
            })().catch((e) => done({ crashed: String(e) }));
            "#,
            vec![],
        )
        .await;
    assert_eq!(
        r,
        json!({
            "sawApiFirst": true,
            "globals": ["undefined", "undefined", "undefined", "undefined"],
            "sum": 5,
            "sync": "answer to life",
            "data": {"flags": ["a", "b"], "boot": 1234},
            "frozen": true,
            "boot": 1234,
            "boom": ["whoops", null, true],
            "later": {"ready": true},
            "fnArg": 41,
            "again": "Cannot bind an API on top of an existing property on the window object",
            "leaky": 0,
        })
    );
    page.send("tick", &(7,)).unwrap();
    assert_eq!(b.wait_for("ticks.length && ticks").await, json!([7]));
    b.close().await;
}

#[test]
fn a_missing_preload_is_an_error_at_start() {
    let main = Arc::new(Main::builder().start().unwrap());
    let err = WebBridge::start(main, WebConfig::new().preload("/nonexistent/preload.js"))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("/nonexistent/preload.js"), "{err}");
}
