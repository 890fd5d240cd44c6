//! A Rust renderer process driven by commands from the test's main process (see
//! `electrode_tests::script`).

use std::sync::Arc;

use electrode_renderer::drivers::PollTransport;
use electrode_renderer::{Error, IpcRenderer};
use electrode_tests::script;
use serde_json::Value as Json;

fn main() {
    let exit: script::Exit = Arc::new(|_, code| std::process::exit(code));
    let setup = |ipc: &IpcRenderer| script::install(ipc, exit);
    // `poll`: the portable driver (poll(2) and a pipe) instead of the default epoll one.
    let connected = if std::env::var("TEST_RENDERER_TRANSPORT").as_deref() == Ok("poll") {
        connect_with_poll(setup)
    } else {
        IpcRenderer::connect_from_env_with(setup)
    };
    let ipc = match connected {
        Ok(i) => i,
        Err(e) => {
            eprintln!("test-renderer: {e}");
            std::process::exit(2);
        }
    };
    // A renderer started as the "main killed" probe: block in sendSync and print the outcome.
    if std::env::var("TEST_RENDERER_MODE").as_deref() == Ok("hang-then-print") {
        // With TEST_RENDERER_BIG the call carries 1 MB (through the shared region).
        let big = std::env::var_os("TEST_RENDERER_BIG").is_some();
        let args = electrode_renderer::ArgList(if big {
            vec![bytes::Bytes::from(vec![1u8; 1 << 20])]
        } else {
            Vec::new()
        });
        if big {
            let shared = ipc
                .protocol()
                .features
                .contains(electrode::wire::Features::SHARED_MEMORY);
            println!("shared memory: {shared}");
        }
        let r = ipc.send_sync::<Json, _>("hang", &args);
        println!(
            "send_sync returned: {}",
            match r {
                Ok(v) => format!("Ok({v})"),
                Err(e) => format!("Err({e})"),
            }
        );
        let later = ipc.send("after", &args);
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

fn connect_with_poll(setup: impl FnOnce(&IpcRenderer)) -> Result<IpcRenderer, Error> {
    let socket =
        std::env::var_os("ELECTRODE_SOCKET").ok_or(Error::MissingEnv("ELECTRODE_SOCKET"))?;
    let token =
        std::env::var("ELECTRODE_TOKEN").map_err(|_| Error::MissingEnv("ELECTRODE_TOKEN"))?;
    let socket = std::path::PathBuf::from(socket);
    let (transport, source) = PollTransport::connect(&socket, 64 * 1024)
        .map_err(|source| Error::Connect { socket, source })?;
    IpcRenderer::connect_transport(transport, source, &token, setup)
}
