//! Measures what `sendSync` costs in the window's webview against the two transports it could
//! use: a synchronous XHR to the bridge (what the shim does) and one to a custom protocol
//! (Dioxus's way). Prints mean round trips; asserts nothing. Needs a display:
//!
//! ```sh
//! xvfb-run -a cargo run --release -p electrode-window --example sync_floor
//! ```

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use electrode::{IpcMain, Main};
use electrode_web::{WebBridge, WebConfig};
use tao::event::{Event, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder};
use tao::window::WindowBuilder;
use wry::http::{header, Response};

/// Round trips per measurement.
const ROUNDS: u32 = 1000;

/// Times `f` ROUNDS times and hands the page's report to the host (wry's `window.ipc`).
const TIMER: &str = r#"
function measure(name, f) {
  for (let i = 0; i < 50; i++) f(i); // warm-up
  const t = performance.now();
  for (let i = 0; i < ROUNDS; i++) f(i);
  const us = (performance.now() - t) * 1000 / ROUNDS;
  window.ipc.postMessage(name + ': ' + us.toFixed(0) + ' us per round trip (mean of ' + ROUNDS + ')');
}
function xhr(url) {
  const r = new XMLHttpRequest();
  r.open('GET', url, false);
  r.send();
  if (r.status !== 200) throw new Error(url + ': HTTP ' + r.status);
  return r.responseText;
}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(120));
        eprintln!("sync_floor: no result within 120 s");
        std::process::exit(1);
    });
    let ipc = IpcMain::new();
    ipc.on("ask", |event, _| {
        event.set_return_value("answer")?;
        Ok(())
    });
    let main = Arc::new(Main::builder().ipc(ipc).start()?);
    let dir = tempfile_dir()?;
    let timer = TIMER.replace("ROUNDS", &ROUNDS.to_string());
    std::fs::write(dir.join("ping.txt"), "pong")?;
    std::fs::write(
        dir.join("bridge.html"),
        format!(
            "<script src=\"/electrode/ipc-renderer.js\"></script><script>{timer}
            const {{ ipcRenderer }} = require('electron');
            window.onload = () => setTimeout(() => {{
              measure('sync XHR GET to the bridge (a static file)', (i) => xhr('/ping.txt?' + i));
              measure('ipcRenderer.sendSync through the bridge', (i) => ipcRenderer.sendSync('ask', i));
              location.href = 'floor://localhost/floor.html';
            }}, 100);</script>"
        ),
    )?;
    let floor_page = format!(
        "<script>{timer}
        window.onload = () => setTimeout(() => {{
          measure('sync XHR GET to a custom protocol (wry handler on the UI thread)', (i) => xhr('floor://localhost/ping?' + i));
          window.ipc.postMessage('done');
        }}, 100);</script>"
    );
    let bridge = WebBridge::start(main.clone(), WebConfig::new().app_dir(&dir))?;
    let pages = dir.clone();

    let event_loop = EventLoopBuilder::<()>::with_user_event().build();
    let window = WindowBuilder::new()
        .with_title("sync floor")
        .build(&event_loop)?;
    let builder = wry::WebViewBuilder::new()
        .with_custom_protocol("floor".into(), move |_id, request| {
            let body: Cow<'static, [u8]> = if request.uri().path() == "/floor.html" {
                Cow::Owned(floor_page.clone().into_bytes())
            } else {
                Cow::Borrowed(b"pong")
            };
            Response::builder()
                .header(header::CONTENT_TYPE, "text/html")
                .body(body)
                .expect("a valid response")
        })
        .with_ipc_handler(move |request| {
            let line = request.body();
            if line == "done" {
                let _ = std::fs::remove_dir_all(&pages);
                std::process::exit(0);
            }
            println!("{line}");
        })
        .with_url(format!("{}bridge.html", bridge.url()));
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    let _webview = builder.build(&window)?;
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let _webview = {
        use tao::platform::unix::WindowExtUnix;
        use wry::WebViewBuilderExtUnix;
        builder.build_gtk(window.default_vbox().ok_or("no content box")?)?
    };
    event_loop.run(move |event, _, flow| {
        *flow = ControlFlow::Wait;
        if let Event::WindowEvent {
            event: WindowEvent::CloseRequested,
            ..
        } = event
        {
            *flow = ControlFlow::Exit;
        }
    });
}

/// A fresh directory for the bridge's page, removed when the measurement is done.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("electrode-sync-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
