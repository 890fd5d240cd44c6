//! The page API's documentation cannot drift from the shim: every method the shim defines on
//! `ipcRenderer`, every member it gives `<webview>` and every event a `<webview>` fires is named
//! in `docs/page-api.md` and declared in `assets/electron.d.ts`, and the declarations declare
//! nothing the shim lacks. (`scripts/check-page-types.sh` type-checks the declarations with a
//! real TypeScript compiler; this test needs no network.)

use std::path::PathBuf;

fn repo_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-'
}

/// Every name that follows `prefix` in `text` and is itself followed by `suffix`.
fn names_between(text: &str, prefix: &str, suffix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        let end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
        if end > 0 && rest[end..].starts_with(suffix) && !names.iter().any(|n| n == &rest[..end]) {
            names.push(rest[..end].to_string());
        }
    }
    names
}

/// The text of `export interface <name> ... {` up to its closing brace at the line start.
fn interface<'a>(dts: &'a str, name: &str) -> &'a str {
    let head = format!("export interface {name} ");
    let start = dts
        .find(&head)
        .unwrap_or_else(|| panic!("electron.d.ts declares no interface {name}"));
    let body = &dts[start..];
    let end = body
        .find("\n}\n")
        .unwrap_or_else(|| panic!("interface {name} is not closed"));
    &body[..end]
}

/// Member names declared in an interface body (`  name(` or `  name:` at the member indent).
fn declared_members(body: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in body.lines().skip(1) {
        let Some(member) = line.strip_prefix("  ") else {
            continue;
        };
        if member.starts_with(' ') {
            continue; // a continuation line of a longer declaration
        }
        let end = member.find(|c| !is_name_char(c)).unwrap_or(member.len());
        let rest = &member[end..];
        if end > 0
            && (rest.starts_with('(') || rest.starts_with(':') || rest.starts_with('<'))
            && !names.iter().any(|n| n == &member[..end])
        {
            names.push(member[..end].to_string());
        }
    }
    names
}

struct Shim {
    /// Methods of `ipcRenderer`: its own send functions and the EventEmitter prototype's.
    methods: Vec<String>,
    /// Properties the shim defines on `<webview>` elements.
    webview_members: Vec<String>,
    /// Events a `<webview>` element fires.
    webview_events: Vec<String>,
}

fn shim() -> Shim {
    let js = electrode_web::SHIM_JS;
    let mut methods = names_between(js, "\n  ipcRenderer.", " = ");
    methods.extend(names_between(js, "\n  EventEmitter.prototype.", " = "));
    let webview_members = names_between(js, "Object.defineProperty(proto, '", "'");
    let mut webview_events = names_between(js, "dispatch(el, '", "'");
    webview_events.extend(names_between(js, "new Event('", "'"));
    webview_events.dedup();
    Shim {
        methods,
        webview_members,
        webview_events,
    }
}

#[test]
fn the_shim_is_read_as_expected() {
    // Guards the extraction itself: a refactor of the shim that hides its methods from this
    // reader must fail here rather than make the other tests pass on an empty list.
    let shim = shim();
    for m in [
        "send",
        "sendSync",
        "sendTo",
        "sendToHost",
        "on",
        "once",
        "removeListener",
        "removeAllListeners",
        "listeners",
        "emit",
    ] {
        assert!(
            shim.methods.iter().any(|x| x == m),
            "ipcRenderer.{m} not found in the shim; found {:?}",
            shim.methods
        );
    }
    assert_eq!(
        shim.webview_members,
        ["send", "src"],
        "<webview> members found in the shim"
    );
    let mut events = shim.webview_events.clone();
    events.sort();
    assert_eq!(
        events,
        ["did-finish-load", "dom-ready", "ipc-message"],
        "<webview> events found in the shim"
    );
}

#[test]
fn every_shim_method_is_in_the_page_api_reference() {
    let doc = repo_file("../../docs/page-api.md");
    let shim = shim();
    let mut missing = Vec::new();
    for m in &shim.methods {
        if !doc.contains(&format!("`{m}(")) {
            missing.push(format!("ipcRenderer.{m}"));
        }
    }
    for m in &shim.webview_members {
        if !doc.contains(&format!("`{m}(")) && !doc.contains(&format!("`{m}`")) {
            missing.push(format!("<webview>.{m}"));
        }
    }
    for e in &shim.webview_events {
        if !doc.contains(&format!("`{e}`")) {
            missing.push(format!("<webview> event {e}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/page-api.md does not name: {missing:?}"
    );
}

#[test]
fn the_declarations_match_the_shim() {
    let dts = repo_file("assets/electron.d.ts");
    let shim = shim();

    let declared = declared_members(interface(&dts, "IpcRenderer"));
    let undeclared: Vec<_> = shim
        .methods
        .iter()
        .filter(|m| !declared.contains(m))
        .collect();
    assert!(
        undeclared.is_empty(),
        "electron.d.ts's IpcRenderer lacks {undeclared:?}"
    );
    let extra: Vec<_> = declared
        .iter()
        .filter(|m| !shim.methods.contains(m))
        .collect();
    assert!(
        extra.is_empty(),
        "electron.d.ts's IpcRenderer declares {extra:?}, which the shim does not define"
    );

    // addEventListener/removeEventListener only narrow the DOM's own methods to our events.
    let declared: Vec<_> = declared_members(interface(&dts, "WebviewTag"))
        .into_iter()
        .filter(|m| m != "addEventListener" && m != "removeEventListener")
        .collect();
    let mut expected = shim.webview_members.clone();
    expected.sort();
    let mut got = declared.clone();
    got.sort();
    assert_eq!(
        got, expected,
        "electron.d.ts's WebviewTag members vs the shim's"
    );

    let events = interface(&dts, "WebviewTagEventMap");
    for e in &shim.webview_events {
        assert!(
            events.contains(&format!("'{e}':")),
            "electron.d.ts's WebviewTagEventMap lacks '{e}'"
        );
    }
    for global in ["var ipcRenderer: IpcRenderer", "webview: WebviewTag"] {
        assert!(dts.contains(global), "electron.d.ts lacks `{global}`");
    }
}
