//! A Rust renderer process driven by commands from the test's main process (see
//! `electrode_tests::script`).

use std::sync::Arc;

use electrode_renderer::IpcRenderer;
use electrode_tests::script;
use serde_json::Value as Json;

fn main() {
    let exit: script::Exit = Arc::new(|_, code| std::process::exit(code));
    let connected = IpcRenderer::connect_from_env_with(|ipc| script::install(ipc, exit));
    let ipc = match connected {
        Ok(i) => i,
        Err(e) => {
            eprintln!("test-renderer: {e}");
            std::process::exit(2);
        }
    };
    // A renderer started as the "main killed" probe: block in sendSync and print the outcome.
    if std::env::var("TEST_RENDERER_MODE").as_deref() == Ok("hang-then-print") {
        let r = ipc.send_sync::<Json, _>("hang", &());
        println!(
            "send_sync returned: {}",
            match r {
                Ok(v) => format!("Ok({v})"),
                Err(e) => format!("Err({e})"),
            }
        );
        let later = ipc.send("after", &());
        println!(
            "later send: {}",
            match later {
                Ok(()) => "Ok".to_string(),
                Err(e) => format!("Err({e})"),
            }
        );
        return;
    }
    script::report_ready(&ipc);
    let why = ipc.wait_disconnected();
    eprintln!("test-renderer {}: {why}", ipc.id());
}
