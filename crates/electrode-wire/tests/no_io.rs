//! The protocol crate stays free of I/O: none of the crates that make system calls may be in
//! its dependency tree (they belong to `electrode-io` and the transports).

use std::process::Command;

#[test]
fn the_protocol_crate_depends_on_no_system_call_crate() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "electrode-wire",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    assert!(tree.contains("electrode-wire"), "unexpected tree:\n{tree}");
    for banned in [
        "libc ",
        "rustix ",
        "tokio ",
        "mio ",
        "electrode-io ",
        "nix ",
    ] {
        assert!(
            !tree.lines().any(|l| l.starts_with(banned)),
            "electrode-wire depends on `{}`:\n{tree}",
            banned.trim()
        );
    }
}
