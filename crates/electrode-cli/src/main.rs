//! `electrode`: runs the demo (the default) and hosts the demo's renderer roles.

mod demo;
mod roles;
mod traffic;
#[cfg(feature = "window")]
mod window;

use clap::{Parser, Subcommand};

/// Electrode: Electron's IPC model with a Rust main process.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start a main process and Rust renderers (one a <webview> guest of another), exercise
    /// every call with a live traffic log, print a summary and exit.
    Demo {
        /// Also serve the web demo (a host page with a <webview> guest) and keep running until
        /// Ctrl-C, so you can open it in a browser.
        #[arg(long)]
        web: bool,
        /// Open the web demo in a desktop window (WebKitGTK) and run until it is closed. Needs
        /// the CLI built with `--features window`.
        #[arg(long)]
        window: bool,
        /// With --web or --window: stop after this many seconds instead of waiting for Ctrl-C
        /// or the window to close.
        #[arg(long)]
        serve_for: Option<u64>,
    },
    /// A renderer role of the demo (started by the demo itself).
    #[command(hide = true)]
    Renderer {
        /// worker, embedder or guest.
        role: String,
    },
}

fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ELECTRODE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Cmd::Demo {
        web: false,
        window: false,
        serve_for: None,
    }) {
        Cmd::Demo {
            web,
            window,
            serve_for,
        } => demo::run(web, window, serve_for),
        Cmd::Renderer { role } => roles::run(&role),
    };
    if let Err(e) = result {
        eprintln!("electrode: {e}");
        std::process::exit(1);
    }
}
