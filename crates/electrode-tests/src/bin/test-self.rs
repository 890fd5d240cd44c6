//! One binary that is both a main process and its own renderer (`Main::spawn_self` and
//! `renderer_role`), for the tests of `Main::wait` and the one-binary pattern.
//!
//! Main modes (first argument):
//! - `pair`: spawns itself as the `greeter` renderer, which says hello; the `hello` listener
//!   shuts main down through a `ShutdownHandle`, so `wait` returns.
//! - `wait`: spawns itself as an `idle` renderer, prints `waiting`, and waits for a signal.
//! - `wait-twice`: a first `wait` ended by a `ShutdownHandle` (the handler is now installed),
//!   then prints `installed` and sleeps with no `wait` running.

use electrode::{IpcMain, Main};
use electrode_renderer::{renderer_role, IpcRenderer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(role) = renderer_role() {
        return renderer(&role);
    }
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "pair" => pair(),
        "wait" => wait_for_signal(),
        "wait-twice" => wait_twice(),
        other => Err(format!("unknown mode {other:?}").into()),
    }
}

fn renderer(role: &str) -> Result<(), Box<dyn std::error::Error>> {
    let ipc = IpcRenderer::connect_from_env()?;
    if role == "greeter" {
        ipc.send("hello", &(role,))?;
    }
    let reason = ipc.wait_disconnected();
    eprintln!("renderer {role} disconnected: {reason}");
    Ok(())
}

fn pair() -> Result<(), Box<dyn std::error::Error>> {
    let main = Main::builder().ipc(IpcMain::new()).start()?;
    let stop = main.shutdown_handle();
    main.ipc().on("hello", move |event, args| {
        let role: String = args.get(0)?;
        println!("renderer {} says hello as {role}", event.sender().id());
        stop.shutdown();
        Ok(())
    });
    let greeter = main.spawn_self("greeter")?;
    main.wait()?;
    println!(
        "wait returned; greeter destroyed: {}",
        greeter.is_destroyed()
    );
    Ok(())
}

fn wait_for_signal() -> Result<(), Box<dyn std::error::Error>> {
    let main = Main::builder().start()?;
    let idle = main.spawn_self("idle")?;
    // Connected first, so that its disconnect reason below is main's shutdown.
    if !idle.wait_ready(std::time::Duration::from_secs(20)) {
        return Err("the idle renderer never connected".into());
    }
    println!("waiting");
    main.wait()?;
    println!(
        "wait returned; renderer destroyed: {}",
        idle.destroy_reason().unwrap_or_default()
    );
    Ok(())
}

fn wait_twice() -> Result<(), Box<dyn std::error::Error>> {
    let main = Main::builder().start()?;
    main.shutdown_handle().shutdown();
    main.wait()?;
    println!("installed");
    loop {
        std::thread::park();
    }
}
