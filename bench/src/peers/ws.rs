//! P5: WebSocket over loopback TCP, tokio-tungstenite at both ends (current-thread
//! runtimes, `TCP_NODELAY`): the transport floor of the browser bridge's async path.
//!
//! JSON goes in text messages, bytes in binary messages. Short text messages starting
//! with `!` are control messages (modes as in [`super::ipcchan`]).

use super::{child_args, driver_sides, is_control, spawn_listening_child};
use super::{Children, Launch, Peer, Session};
use crate::cell::{CellSpec, Outcome, PayloadKind, Res, Sides, Workload};
use crate::payload::{ack_body, decode_ack, decode_sync_reply, parse_env_raw, Payload};
use futures_util::{SinkExt, StreamExt};
use std::io::Write;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

/// The P5 peer.
pub struct WebSocket;

const REPLY: Utf8Bytes = Utf8Bytes::from_static(r#"{"returnValue":true}"#);

fn runtime() -> Res<Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

impl Peer for WebSocket {
    fn id(&self) -> &'static str {
        "websocket"
    }

    fn title(&self) -> &'static str {
        "P5 WebSocket loopback (tokio-tungstenite both ends, nodelay)"
    }

    fn supports(&self, workload: Workload, payload: PayloadKind) -> bool {
        match workload {
            Workload::W1 | Workload::W1e => true,
            Workload::W2 => payload == PayloadKind::String,
            Workload::W3 | Workload::W4 => false,
        }
    }

    fn open_session(&self, launch: &Launch) -> Res<Box<dyn Session>> {
        let (children, port) = spawn_listening_child(self.id(), launch.placement.other_cpu())?;
        let rt = runtime()?;
        let ws = rt.block_on(async move {
            let s = TcpStream::connect(("127.0.0.1", port)).await?;
            s.set_nodelay(true)?;
            let (ws, _) =
                tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), s).await?;
            Res::Ok(ws)
        })?;
        Ok(Box::new(WsSession { rt, ws, children }))
    }

    fn child_main(&self, args: &[String]) -> Res<()> {
        let (_, cpu) = child_args(args);
        crate::affinity::pin_self(cpu);
        let rt = runtime()?;
        rt.block_on(async {
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let port = listener.local_addr()?.port();
            {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{port}")?;
                out.flush()?;
            }
            let (s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            let mut ws = tokio_tungstenite::accept_async(s).await?;
            let mut mode = b'S';
            let mut count = 0u64;
            while let Some(msg) = ws.next().await {
                match msg? {
                    Message::Text(t) => {
                        let b = t.as_bytes();
                        if is_control(b) {
                            match b.get(1) {
                                Some(b'A') => {
                                    let ack = String::from_utf8(ack_body(count))?;
                                    ws.send(Message::Text(ack.into())).await?;
                                    count = 0;
                                }
                                Some(&c) => mode = c,
                                None => return Err("empty control message".into()),
                            }
                            continue;
                        }
                        parse_env_raw(b)?;
                        match mode {
                            b'S' => ws.send(Message::Text(REPLY)).await?,
                            b'E' => ws.send(Message::Text(t)).await?,
                            b'T' => count += 1,
                            other => return Err(format!("text in mode {other}").into()),
                        }
                    }
                    Message::Binary(b) => match mode {
                        b'b' => ws.send(Message::Text(REPLY)).await?,
                        b'e' => ws.send(Message::Binary(b)).await?,
                        other => return Err(format!("binary in mode {other}").into()),
                    },
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            Res::Ok(())
        })
    }
}

struct WsSession {
    rt: Runtime,
    ws: WebSocketStream<TcpStream>,
    children: Children,
}

async fn next_reply(ws: &mut WebSocketStream<TcpStream>) -> Res<Message> {
    loop {
        match ws.next().await.ok_or("server closed")?? {
            m @ (Message::Text(_) | Message::Binary(_)) => return Ok(m),
            Message::Close(_) => return Err("server closed".into()),
            _ => {}
        }
    }
}

async fn control(ws: &mut WebSocketStream<TcpStream>, c: &'static str) -> Res<()> {
    ws.send(Message::Text(Utf8Bytes::from_static(c))).await?;
    Ok(())
}

async fn one_way(ws: &mut WebSocketStream<TcpStream>, payload: &Payload, n: usize) -> Res<()> {
    control(ws, "!T").await?;
    for _ in 0..n {
        ws.send(Message::Text(payload.env_string()?.into())).await?;
    }
    control(ws, "!A").await?;
    let got = decode_ack(&next_reply(ws).await?.into_data())?;
    if got != n as u64 {
        return Err(format!("ack {got} != sent {n}").into());
    }
    Ok(())
}

async fn round_trip(
    ws: &mut WebSocketStream<TcpStream>,
    payload: &Payload,
    bytes: &Option<Bytes>,
    sync: bool,
) -> Res<()> {
    let msg = match bytes {
        Some(b) => Message::Binary(b.clone()),
        None => Message::Text(payload.env_string()?.into()),
    };
    ws.send(msg).await?;
    let reply = next_reply(ws).await?;
    let data = match &reply {
        Message::Text(t) => t.as_bytes(),
        Message::Binary(b) => b,
        _ => unreachable!(),
    };
    if sync {
        decode_sync_reply(data)
    } else {
        payload.decode_echo(data)
    }
}

impl Session for WsSession {
    fn sides(&self) -> Sides {
        driver_sides(&self.children)
    }

    fn run(&mut self, cell: &CellSpec) -> Res<Outcome> {
        let (payload, mut out) = Payload::for_cell(cell)?;
        let ws = &mut self.ws;
        self.rt.block_on(async {
            match cell.workload {
                Workload::W1 | Workload::W1e => {
                    let sync = cell.workload == Workload::W1;
                    let bytes = match &payload {
                        Payload::Binary(b) => Some(Bytes::from(b.clone())),
                        _ => None,
                    };
                    let mode = match (sync, bytes.is_some()) {
                        (true, false) => "!S",
                        (false, false) => "!E",
                        (true, true) => "!b",
                        (false, true) => "!e",
                    };
                    control(ws, mode).await?;
                    for _ in 0..cell.warmup {
                        round_trip(ws, &payload, &bytes, sync).await?;
                    }
                    let cap = Duration::from_millis(cell.cap_ms.max(1));
                    let mut samples = Vec::with_capacity(cell.n);
                    let start = Instant::now();
                    for _ in 0..cell.n {
                        let t0 = Instant::now();
                        round_trip(ws, &payload, &bytes, sync).await?;
                        let t1 = Instant::now();
                        samples.push((t1 - t0).as_nanos() as u64);
                        if t1 - start > cap {
                            break;
                        }
                    }
                    out.samples_ns = Some(samples);
                }
                Workload::W2 => {
                    one_way(ws, &payload, cell.warmup).await?;
                    let t0 = Instant::now();
                    one_way(ws, &payload, cell.n).await?;
                    out.elapsed_ns = Some(t0.elapsed().as_nanos() as u64);
                    out.msgs = Some(cell.n as u64);
                }
                Workload::W3 | Workload::W4 => {
                    return Err("websocket: W3/W4 not implemented".into())
                }
            }
            Res::Ok(())
        })?;
        Ok(out)
    }
}

impl Drop for WsSession {
    fn drop(&mut self) {
        let ws = &mut self.ws;
        let _ = self.rt.block_on(async { ws.close(None).await });
    }
}
