//! The README's first code block, kept here so that it compiles (`tests/readme.rs` checks
//! that the README shows exactly this program). Run it with
//! `cargo run -p electrode-examples --example readme`.

use electrode::{IpcMain, Main};
use electrode_renderer::{renderer_role, IpcRenderer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(role) = renderer_role() {
        return renderer(&role); // started by spawn_self below: this binary is its own renderer
    }
    let ipc = IpcMain::new();
    ipc.on("ping", |event, args| {
        let n: u32 = args.get(0)?;
        event.sender().send("pong", &(n + 1,))?; // async reply
        Ok(())
    });
    ipc.on("sum", |event, args| {
        let v: Vec<f64> = args.get(0)?;
        event.set_return_value(v.iter().sum::<f64>())?; // sendSync reply
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start()?;
    let stop = main.shutdown_handle();
    main.ipc().on("done", move |_, _| {
        stop.shutdown();
        Ok(())
    });
    let worker = main.spawn_self("worker")?;
    worker.send("config", &("dark",))?; // queued until it connects
    main.wait()?; // until "done", Ctrl-C or SIGTERM
    Ok(())
}

fn renderer(role: &str) -> Result<(), Box<dyn std::error::Error>> {
    let ipc = IpcRenderer::connect_from_env_with(|ipc| {
        ipc.on("config", |_, args| {
            let theme: String = args.get(0)?;
            println!("theme {theme}");
            Ok(())
        });
        ipc.on("pong", |event, args| {
            let n: u32 = args.get(0)?;
            println!("pong {n}");
            event.sender().send("done", &())?; // main's "done" listener ends main.wait()
            Ok(())
        });
    })?;
    let sum: f64 = ipc.send_sync("sum", &(vec![1.0, 2.0],))?; // blocks for main's reply
    println!("{role}: sum {sum}");
    ipc.send("ping", &(1,))?; // its "pong" sends "done"
    ipc.wait_disconnected();
    Ok(())
}
