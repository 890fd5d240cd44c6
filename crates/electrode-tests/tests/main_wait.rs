//! `Main::wait`, `ShutdownHandle` and the one-binary pattern (`Main::spawn_self` with
//! `renderer_role`), with real processes and real signals.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;

mod common;

use common::eventually;
use electrode::{Error, Main};
use electrode_tests::init_tracing;

const SELF_BIN: &str = env!("CARGO_BIN_EXE_test-self");

fn start(mode: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(SELF_BIN)
        .arg(mode)
        .stdout(Stdio::piped())
        .spawn()
        .expect("test-self starts");
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

fn line(out: &mut BufReader<ChildStdout>) -> String {
    let mut l = String::new();
    out.read_line(&mut l).expect("read child stdout");
    l.trim_end().to_string()
}

/// Whether `pid` catches `signal` (its `SigCgt` mask in procfs): the handler is installed, so
/// sending the signal now tests the handler and not the default action.
fn catches(pid: u32, signal: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
}

fn kill(child: &Child, signal: i32) {
    // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0, "kill failed");
}

#[test]
fn wait_returns_when_another_thread_calls_shutdown() {
    init_tracing();
    let main = Arc::new(Main::builder().start().expect("main starts"));
    let (_wc, _ticket) = main.issue_ticket(None);
    let other = main.clone();
    let t = std::thread::spawn(move || other.shutdown());
    main.wait().expect("wait");
    // wait returned: the teardown is complete, not just begun.
    assert!(main.web_contents().is_empty());
    t.join().unwrap();
}

#[test]
fn wait_after_shutdown_returns_at_once_and_a_handle_outliving_main_does_nothing() {
    init_tracing();
    let main = Main::builder().start().expect("main starts");
    let handle = main.shutdown_handle();
    main.shutdown();
    main.wait().expect("wait");
    drop(main);
    handle.shutdown();
}

#[test]
fn one_binary_is_main_and_renderer_and_a_listener_ends_wait() {
    let (mut child, mut out) = start("pair");
    let hello = line(&mut out);
    assert!(hello.ends_with("says hello as greeter"), "{hello}");
    assert_eq!(line(&mut out), "wait returned; greeter destroyed: true");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn sigterm_and_ctrl_c_make_a_waiting_main_shut_down_and_exit_0() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let (mut child, mut out) = start("wait");
        assert_eq!(line(&mut out), "waiting");
        let pid = child.id();
        assert!(
            eventually(|| catches(pid, signal)),
            "the handler for signal {signal} was never installed"
        );
        kill(&child, signal);
        assert_eq!(
            line(&mut out),
            "wait returned; renderer destroyed: main process is shutting down"
        );
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "signal {signal}: {status}");
    }
}

#[test]
fn a_signal_while_no_main_waits_still_ends_the_process() {
    let (mut child, mut out) = start("wait-twice");
    assert_eq!(line(&mut out), "installed");
    kill(&child, libc::SIGTERM);
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
}

#[test]
fn roles_are_named_alike_on_both_sides_and_may_not_be_empty() {
    assert_eq!(electrode::ENV_ROLE, electrode_renderer::ENV_ROLE);
    assert!(matches!(electrode::self_command(""), Err(Error::EmptyRole)));
    let cmd = electrode::self_command("worker").unwrap();
    let role = cmd
        .get_envs()
        .find(|(k, _)| *k == electrode::ENV_ROLE)
        .and_then(|(_, v)| v);
    assert_eq!(role, Some(std::ffi::OsStr::new("worker")));
}
