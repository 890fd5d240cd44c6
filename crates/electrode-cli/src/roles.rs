//! The demo's renderer processes. Each waits for `run` commands from main and reports back
//! with ordinary `send` calls, so everything the demo shows crosses a real socket.

use std::time::Instant;

use electrode_renderer::{Error, IpcRenderer};
use serde_json::{json, Value};

fn micros(since: Instant) -> u64 {
    since.elapsed().as_micros() as u64
}

fn step(ipc: &IpcRenderer, name: &str, arg: &Value) -> Result<(), Error> {
    match name {
        "ping" => ipc.send("ping", &(1,)),
        "sum" => {
            let t = Instant::now();
            let sum: f64 = ipc.send_sync("sum", &(vec![1.5, 2.5, 3.0],))?;
            ipc.send("sync-result", &("sum", sum, micros(t)))
        }
        "later" => {
            let t = Instant::now();
            let v: Value = ipc.send_sync("later", &())?;
            ipc.send("sync-result", &("later", v, micros(t)))
        }
        "nobody" => {
            let t = Instant::now();
            let r = ipc.send_sync::<Value, _>("no-such-channel", &());
            let text = r
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "unexpected success".into());
            ipc.send("sync-result", &("no-such-channel", text, micros(t)))
        }
        "send_to" => ipc.send_to(
            arg.as_u64().unwrap_or(0),
            "hello",
            &("hi from a sibling renderer",),
        ),
        "not_a_guest" => {
            let text = ipc
                .send_to_host("progress", &())
                .err()
                .map(|e| e.to_string());
            ipc.send("not-a-guest", &(text,))
        }
        "progress" => ipc.send_to_host("progress", &(0.5, json!({"stage": "loading"}))),
        "bytes" => ipc.send(
            "bytes",
            &(electrode_renderer::Value::Bytes(vec![0xAB; 1 << 20].into()),),
        ),
        "latency" => {
            let n = arg.as_u64().unwrap_or(2000) as usize;
            let mut samples = Vec::with_capacity(n);
            for _ in 0..n {
                let t = Instant::now();
                let _: bool = ipc.send_sync("tick", &())?;
                samples.push(t.elapsed().as_nanos() as u64);
            }
            samples.sort_unstable();
            let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
            ipc.send("latency", &(n, p(0.5), p(0.99)))
        }
        other => ipc.send("unknown-step", &(other,)),
    }
}

pub fn run(role: &str) -> Result<(), Box<dyn std::error::Error>> {
    let role = role.to_string();
    let ipc = IpcRenderer::connect_from_env_with(|ipc| {
        let me = ipc.clone();
        ipc.on("run", move |_, args| {
            let name: String = args.get(0)?;
            let arg: Value = args.get(1).unwrap_or(Value::Null);
            step(&me, &name, &arg)?;
            me.send("step-done", &(name,))?;
            Ok(())
        });
        for channel in ["config", "pong", "hello", "continue", "news"] {
            let me = ipc.clone();
            ipc.on(channel, move |event, args| {
                me.send("seen", &(event.channel(), args.values()?))?;
                Ok(())
            });
        }
        if role == "embedder" {
            ipc.on_ipc_message(|event, args| {
                event.webview().send(
                    "continue",
                    &(format!(
                        "host got '{}' {}",
                        event.channel(),
                        args.preview(40)
                    ),),
                )?;
                Ok(())
            });
        }
    })?;
    ipc.send("hello-main", &(role.as_str(),))?;
    ipc.wait_disconnected();
    Ok(())
}
