//! A real window under Xvfb, real WebKitGTK (after `App::new` without a display fails with an
//! error saying so): main sends to the page, the page answers with `ipcRenderer.send`, its
//! `sendSync` returns main's value, its `<webview>` guest's `sendToHost` reaches it, the page
//! survives a reload as the same `WebContents`, and a screenshot of the window lands in
//! `docs/window.png`; then windows opened from another thread load, a user's close
//! (`WM_DELETE_WINDOW`) and `close()` each close a window and its `WebContents` (`on_closed`
//! runs), and `Main::shutdown` closes the last, which ends `App::run`.
//!
//! tao's event loop must own the main thread, so this is a `harness = false` test: its own
//! `main` runs the loop, a driver thread runs the script, and every wait has a deadline that
//! fails the test with a message. A missing Xvfb, ImageMagick or WebKitGTK fails it too.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use electrode::{IpcMain, Main, WebContents};
use electrode_web::{WebBridge, WebConfig};
use electrode_window::{App, WindowOptions};

/// Liveness deadline for each step (a first WebKitGTK start under Xvfb can take seconds).
const STEP: Duration = Duration::from_secs(60);

/// The window's size, and the screenshot's.
const SIZE: (u32, u32) = (960, 420);

fn fail(what: &str) -> ! {
    eprintln!("window test FAILED: {what}");
    std::process::exit(1);
}

/// An Xvfb server on a free display. It ends when this process does (`PR_SET_PDEATHSIG`), not
/// before: Xlib ends a process whose display goes away with exit status 1, and tao keeps an X
/// connection on a thread of its own.
struct Xvfb {
    /// Never waited for: it must outlive every X connection of this process.
    _server: Child,
    display: String,
}

impl Xvfb {
    /// Starts Xvfb on a display it finds free itself (`-displayfd`: it writes the number on
    /// its standard output once it accepts clients).
    fn start() -> Xvfb {
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            fail(&format!(
                "cannot start Xvfb ({e}); scripts/deps.sh installs it"
            ))
        });
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| fail("Xvfb did not report its display within 20 s"));
        let n: u32 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| fail(&format!("Xvfb did not start (it said {line:?})")));
        Xvfb {
            _server: child,
            display: format!(":{n}"),
        }
    }
}

/// What the page's listeners tell the driver.
enum Seen {
    Pong(i64),
    Done {
        answer: String,
        micros: f64,
        id: u64,
        guest: bool,
    },
}

/// What the preloaded window's page saw: `typeof` of `ipcRenderer`, `require` and the
/// preload's bridge, whether `window.api` is frozen, and `sendSync`'s answer through the api.
type Facts = (String, String, String, bool, String);

/// A `<webview>` guest's `sendToHost`, as the window's page forwarded it: channel, the guest's
/// id and whether it knows it is a guest.
type GuestSaid = (String, (u64, bool));

fn ipc(tx: Sender<Seen>, guest: Sender<GuestSaid>, preloaded: Sender<Facts>) -> IpcMain {
    let ipc = IpcMain::new();
    ipc.on("preloaded", move |_event, args| {
        let _ = preloaded.send(args.get(0)?);
        Ok(())
    });
    ipc.on("guest-said", move |_event, args| {
        let _ = guest.send((args.get(0)?, args.get(1)?));
        Ok(())
    });
    let pong = tx.clone();
    ipc.on("pong", move |_event, args| {
        let _ = pong.send(Seen::Pong(args.get(0)?));
        Ok(())
    });
    ipc.on("ask", |event, _args| {
        event.set_return_value("fine, thanks: main")?;
        Ok(())
    });
    ipc.on("done", move |_event, args| {
        let _ = tx.send(Seen::Done {
            answer: args.get(0)?,
            micros: args.get(1)?,
            id: args.get(2)?,
            guest: args.get(3)?,
        });
        Ok(())
    });
    ipc
}

fn recv<T>(rx: &Receiver<T>, what: &str) -> T {
    rx.recv_timeout(STEP)
        .unwrap_or_else(|_| fail(&format!("no {what} within {STEP:?}")))
}

/// One exchange: main's `ping`, the page's `pong`, its `sendSync`, its `done` once painted.
fn exchange(wc: &WebContents, seen: &Receiver<Seen>, n: i64) -> (String, f64) {
    wc.send("ping", &(n,))
        .unwrap_or_else(|e| fail(&format!("send ping: {e}")));
    match recv(seen, "pong from the page") {
        Seen::Pong(m) if m == n + 1 => {}
        Seen::Pong(m) => fail(&format!("pong {m}, expected {}", n + 1)),
        Seen::Done { .. } => fail("done before pong"),
    }
    match recv(seen, "done from the page") {
        Seen::Done {
            answer,
            micros,
            id,
            guest,
        } => {
            if id != wc.id() {
                fail(&format!(
                    "the page says it is renderer {id}, main says {}",
                    wc.id()
                ));
            }
            if guest {
                fail("a window's page thinks it is a <webview> guest");
            }
            (answer, micros)
        }
        Seen::Pong(_) => fail("a second pong"),
    }
}

/// The window, from the top left corner of the screen (Xvfb has no window manager to move it).
fn screenshot(display: &str, (width, height): (u32, u32), to: &Path) {
    let status = Command::new("import")
        .args([
            "-window",
            "root",
            "-crop",
            &format!("{width}x{height}+0+0"),
            "+repage",
        ])
        .arg(to)
        .env("DISPLAY", display)
        .status()
        .unwrap_or_else(|e| {
            fail(&format!(
                "cannot run ImageMagick's import ({e}); scripts/deps.sh installs it"
            ))
        });
    if !status.success() {
        fail(&format!("import -window root failed: {status}"));
    }
    // An empty screen has one colour; the page's text has many.
    let colours = Command::new("convert")
        .arg(to)
        .args(["-format", "%k", "info:"])
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run ImageMagick's convert: {e}")));
    let n: u64 = String::from_utf8_lossy(&colours.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    if n < 16 {
        fail(&format!(
            "the screenshot has {n} colours: the window shows nothing"
        ));
    }
    println!("screenshot: {} ({n} colours)", to.display());
}

/// Closes the top-level window titled `title` as a user would: with the `WM_DELETE_WINDOW`
/// message a window manager sends for its close button (Xvfb has no window manager).
fn close_like_a_user(display: &str, title: &str) {
    use std::ffi::{CStr, CString};
    use x11_dl::xlib;
    let x = xlib::Xlib::open().unwrap_or_else(|e| fail(&format!("cannot load libX11: {e}")));
    let name = CString::new(display).expect("no NUL in a display name");
    // SAFETY: plain Xlib calls on a connection of our own; every pointer Xlib returns is
    // checked and freed with XFree.
    unsafe {
        let d = (x.XOpenDisplay)(name.as_ptr());
        if d.is_null() {
            fail(&format!("cannot open display {display} to close {title:?}"));
        }
        let root = (x.XDefaultRootWindow)(d);
        let (mut r, mut p, mut kids, mut n) = (0, 0, std::ptr::null_mut(), 0);
        (x.XQueryTree)(d, root, &mut r, &mut p, &mut kids, &mut n);
        let mut target = None;
        for i in 0..n as usize {
            let w = *kids.add(i);
            let mut text = std::ptr::null_mut();
            if (x.XFetchName)(d, w, &mut text) != 0 && !text.is_null() {
                if CStr::from_ptr(text).to_bytes() == title.as_bytes() {
                    target = Some(w);
                }
                (x.XFree)(text.cast());
            }
        }
        if !kids.is_null() {
            (x.XFree)(kids.cast());
        }
        let w = target.unwrap_or_else(|| fail(&format!("no top-level window titled {title:?}")));
        let protocols = (x.XInternAtom)(d, c"WM_PROTOCOLS".as_ptr(), 0);
        let delete = (x.XInternAtom)(d, c"WM_DELETE_WINDOW".as_ptr(), 0);
        let mut data = xlib::ClientMessageData::new();
        data.set_long(0, delete as std::ffi::c_long);
        data.set_long(1, xlib::CurrentTime as std::ffi::c_long);
        let mut event: xlib::XEvent = xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: d,
            window: w,
            message_type: protocols,
            format: 32,
            data,
        }
        .into();
        (x.XSendEvent)(d, w, xlib::False, xlib::NoEventMask, &mut event);
        (x.XFlush)(d);
        (x.XCloseDisplay)(d);
    }
}

fn main() {
    // Whatever hangs, the test ends with a message.
    std::thread::spawn(|| {
        std::thread::sleep(STEP * 5);
        fail(&format!("the test did not finish within {:?}", STEP * 5));
    });
    let xvfb = Xvfb::start();
    std::env::remove_var("WAYLAND_DISPLAY");
    // No WebKit switches: with bubblewrap installed (a dependency of the WebKitGTK package) its
    // sandbox starts even as root, and Xvfb's software GL suffices. Where it cannot, the
    // environment may set WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 or
    // WEBKIT_DISABLE_COMPOSITING_MODE=1 (ADR 0010); the test leaves them to it.

    let (tx, seen) = channel();
    let (guest_tx, guest_said) = channel();
    let (preloaded_tx, preloaded) = channel();
    let main = Arc::new(
        Main::builder()
            .ipc(ipc(tx, guest_tx, preloaded_tx))
            .start()
            .unwrap_or_else(|e| fail(&format!("main: {e}"))),
    );
    let app_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app");
    let bridge = WebBridge::start(main.clone(), WebConfig::new().app_dir(&app_dir))
        .unwrap_or_else(|e| fail(&format!("bridge: {e}")));
    // Without a display, an error that says so, not a panic inside GTK.
    std::env::remove_var("DISPLAY");
    match App::new(main.clone(), &bridge) {
        Err(e) if e.to_string().contains("no display") => {}
        Err(e) => fail(&format!("App::new without a display: unexpected error {e}")),
        Ok(_) => fail("App::new without a display succeeded"),
    }
    std::env::set_var("DISPLAY", &xvfb.display);
    let mut app = App::new(main.clone(), &bridge).unwrap_or_else(|e| fail(&e.to_string()));
    let win = app
        .window(
            WindowOptions::new()
                .title("Electrode window test")
                .size(SIZE.0, SIZE.1)
                .load_file("index.html"),
        )
        .unwrap_or_else(|e| {
            fail(&format!(
                "{e} (is WebKitGTK 4.1 installed? scripts/deps.sh)"
            ))
        });
    let (closed_tx, closed) = channel();
    win.on_closed(move || {
        let _ = closed_tx.send(());
    });

    let wc = win.web_contents().clone();
    let (loaded_tx, loaded) = channel();
    wc.on_did_finish_load(move |wc| {
        let _ = loaded_tx.send(wc.load_count());
    });
    let display = xvfb.display.clone();
    let driver_win = win.clone();
    let (handle, driver_main) = (app.handle(), main.clone());
    let driver = std::thread::spawn(move || {
        recv(&loaded, "did-finish-load of the window's page");
        let (answer, micros) = exchange(&wc, &seen, 41);
        if answer != "fine, thanks: main" {
            fail(&format!("sendSync returned {answer:?}"));
        }
        println!("sendSync in WebKitGTK: {micros} µs per round trip (mean of 200)");

        // The page's <webview> guest is a WebContents of its own, embedded by the window's.
        let (said, (guest_id, knows)) = recv(&guest_said, "the guest's sendToHost");
        if said != "hello-host" || !knows {
            fail(&format!(
                "the guest said {said:?} (knows it is a guest: {knows})"
            ));
        }
        let embedder = driver_main
            .from_id(guest_id)
            .and_then(|g| g.embedder().map(|e| e.id()));
        if embedder != Some(wc.id()) {
            fail(&format!(
                "guest {guest_id} is embedded by {embedder:?}, not the window's page"
            ));
        }

        // A reload is a new page in the same WebContents (same id), as in Electron.
        wc.send("reload", &())
            .unwrap_or_else(|e| fail(&format!("send reload: {e}")));
        if recv(&loaded, "did-finish-load after the reload") < 2 {
            fail("the reload did not load the page again");
        }
        let (answer, micros) = exchange(&wc, &seen, 99);
        if answer != "fine, thanks: main" {
            fail(&format!("sendSync after the reload returned {answer:?}"));
        }
        println!("sendSync after the reload: {micros} µs per round trip");
        // The reloaded page made a new <webview>, hence a new guest; it is painted once it spoke.
        let (said, (guest_id, _)) =
            recv(&guest_said, "the new guest's sendToHost after the reload");
        if said != "hello-host" || driver_main.from_id(guest_id).is_none() {
            fail(&format!("after the reload, guest {guest_id} said {said:?}"));
        }

        let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/window.png");
        screenshot(&display, SIZE, &png);

        // A second window, asked for from this thread while the loop runs, with a preload of
        // its own (the first has none): its page sees only what the preload exposed.
        let preload = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/app/preload.js");
        let second = handle
            .window(
                WindowOptions::new()
                    .title("second")
                    .load_file("preloaded.html")
                    .preload(&preload),
            )
            .unwrap_or_else(|e| fail(&format!("second window: {e}")));
        let (second_loaded_tx, second_loaded) = channel();
        second.web_contents().on_did_finish_load(move |_| {
            let _ = second_loaded_tx.send(());
        });
        recv(
            &second_loaded,
            "did-finish-load of the second window's page",
        );
        if second.id() == wc.id() {
            fail("two windows share a WebContents");
        }
        let facts = recv(
            &preloaded,
            "the preloaded page's report through its preload",
        );
        let want: Facts = (
            "undefined".into(),
            "undefined".into(),
            "undefined".into(),
            true,
            "fine, thanks: main".into(),
        );
        if facts != want {
            fail(&format!(
                "the preloaded window's page saw {facts:?}, not {want:?}"
            ));
        }
        match handle.window(WindowOptions::new().preload("/nonexistent/preload.js")) {
            Err(e) if e.to_string().contains("/nonexistent/preload.js") => {}
            Err(e) => fail(&format!("an unreadable preload: unexpected error {e}")),
            Ok(_) => fail("a window with an unreadable preload opened"),
        }

        // A third, closed by the user (the window manager's close button).
        let third = handle
            .window(WindowOptions::new().title("third").load_file("index.html"))
            .unwrap_or_else(|e| fail(&format!("third window: {e}")));
        let (third_loaded_tx, third_loaded) = channel();
        third.web_contents().on_did_finish_load(move |_| {
            let _ = third_loaded_tx.send(());
        });
        recv(&third_loaded, "did-finish-load of the third window's page");
        let (third_closed_tx, third_closed) = channel();
        third.on_closed(move || {
            let _ = third_closed_tx.send(());
        });
        close_like_a_user(&display, "third");
        recv(
            &third_closed,
            "on_closed after the user closed the third window",
        );
        match third.web_contents().destroy_reason() {
            Some(why) if why.contains("the window was closed") => {}
            other => fail(&format!(
                "the third window's WebContents ended with {other:?}"
            )),
        }

        driver_win.close();
        closed
            .recv_timeout(STEP)
            .unwrap_or_else(|_| fail("on_closed did not run after close()"));
        if !wc.is_destroyed() {
            fail("the window closed but its WebContents lives on");
        }

        // Main shutting down closes the last window, and so ends `run`.
        let (second_closed_tx, second_closed) = channel();
        second.on_closed(move || {
            let _ = second_closed_tx.send(());
        });
        driver_main.shutdown();
        recv(
            &second_closed,
            "on_closed of the second window after Main::shutdown",
        );
    });

    app.run();
    if let Err(panic) = driver.join() {
        std::panic::resume_unwind(panic);
    }
    if !win.is_closed() {
        fail("run() returned with the window open");
    }
    drop(bridge);
    println!("1 passed, 0 failed");
    // Xvfb ends with this process (see `Xvfb`).
    drop(xvfb);
}
