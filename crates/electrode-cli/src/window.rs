//! `electrode demo --window`: the web demo in a desktop window (feature `window`).

use std::sync::Arc;
use std::time::Duration;

use electrode::Main;
use electrode_web::WebBridge;
use electrode_window::{App, WindowOptions};

/// Opens the demo page in a window and runs the event loop on this (the main) thread until
/// the window closes, or `serve_for` seconds have passed.
pub fn show(
    main: Arc<Main>,
    bridge: &WebBridge,
    serve_for: Option<u64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut app = App::new(main, bridge)?;
    let win = app.window(
        WindowOptions::new()
            .title("Electrode demo")
            .size(1100, 720)
            .load_file("index.html"),
    )?;
    println!("  window's page: renderer r{}", win.id());
    if let Some(s) = serve_for {
        let win = win.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(s));
            win.close();
        });
    }
    app.run();
    Ok(())
}
