//! The shim is written as parts, one concern each (`assets/shim/*.js`), and served as one
//! script: `SHIM_JS` joins them with `concat!`, and `assets/ipc-renderer.js` is the same join
//! checked in for the npm package and the browser tests (docs/adr/0017-shim-files.md).

use std::path::PathBuf;

const REGENERATE: &str = "run `bash scripts/join-shim.sh` to rewrite it from assets/shim/*.js";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// The parts in name order (the order `scripts/join-shim.sh` joins them in).
fn parts() -> Vec<(String, String)> {
    let shim = dir().join("shim");
    let mut names: Vec<String> = std::fs::read_dir(&shim)
        .unwrap_or_else(|e| panic!("{}: {e}", shim.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".js"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(shim.join(&name)).unwrap();
            (name, text)
        })
        .collect()
}

/// Where two texts first differ, as a line number and both lines.
fn first_difference(a: &str, b: &str) -> String {
    let (mut la, mut lb) = (a.lines(), b.lines());
    for n in 1.. {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => return "they differ only in line endings".to_string(),
            (x, y) => return format!("line {n}: {x:?} / {y:?}"),
        }
    }
    unreachable!()
}

#[test]
fn shim_js_joins_every_part_in_name_order() {
    let parts = parts();
    assert!(parts.len() > 2, "assets/shim has too few parts: {parts:?}");
    let joined: String = parts.iter().map(|(_, text)| text.as_str()).collect();
    assert!(
        joined == electrode_web::SHIM_JS,
        "SHIM_JS is not assets/shim/*.js joined in name order (is a part missing from the concat! \
         in src/lib.rs, or out of order?); {}",
        first_difference(&joined, electrode_web::SHIM_JS)
    );
}

#[test]
fn each_part_names_itself_first() {
    for (name, text) in parts() {
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.trim_start().starts_with(&format!("// shim/{name}: ")),
            "assets/shim/{name} must start with a `// shim/{name}: <its concern>` line, not {first:?}"
        );
    }
}

#[test]
fn checked_in_ipc_renderer_js_is_shim_js() {
    let path = dir().join("ipc-renderer.js");
    let file = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        file == electrode_web::SHIM_JS,
        "assets/ipc-renderer.js is not the joined shim (SHIM_JS): {REGENERATE}; {}",
        first_difference(electrode_web::SHIM_JS, &file)
    );
}
