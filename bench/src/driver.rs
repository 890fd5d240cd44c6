//! The driver process of a Rust peer (`electrode-bench __driver <id>`): opens a session and
//! serves cells over stdin/stdout, one JSON line each (protocol in [`crate::peers`]).

use crate::cell::{CellSpec, Outcome, Placement, Res, Sides};
use crate::peers::{Launch, Peer, Session};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

/// A message from the runner to a driver.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Request {
    /// Run one cell and answer with an [`Outcome`].
    Cell(CellSpec),
    /// Stop the children and exit.
    Quit(bool),
}

/// The first line a driver prints.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ready {
    /// Both sides of the session.
    pub ready: Sides,
}

/// Entry point of `__driver`.
pub fn driver_main(peer: &dyn Peer, placement: Placement, children: usize) -> Res<()> {
    crate::affinity::pin_self(placement.measure_cpu());
    let launch = Launch {
        placement,
        children,
    };
    let session = peer.open_session(&launch)?;
    serve(session)
}

/// Prints the ready line, then runs cells until `quit` or EOF.
pub fn serve(mut session: Box<dyn Session>) -> Res<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer(
        &mut out,
        &Ready {
            ready: session.sides(),
        },
    )?;
    out.write_all(b"\n")?;
    out.flush()?;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Request>(&line)? {
            Request::Quit(_) => break,
            Request::Cell(spec) => {
                let outcome = session
                    .run(&spec)
                    .unwrap_or_else(|e| Outcome::error(e.to_string()));
                serde_json::to_writer(&mut out, &outcome)?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
        }
    }
    drop(session);
    Ok(())
}
