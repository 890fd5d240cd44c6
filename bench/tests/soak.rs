//! The soak command end to end, for a few seconds with a few renderers and the flooding page:
//! every account must balance; and with main told to forget messages, the run must fail and
//! say how many were lost. (The long soak itself is run by hand: docs/soak.md.)

use std::process::Command;

fn soak(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_electrode-bench"))
        .arg("soak")
        .args(args)
        .output()
        .expect("run electrode-bench soak");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn short_soak_with_page_loses_nothing() {
    let (ok, text) = soak(&["--minutes", "0.1", "--renderers", "3"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("[soak] OK: nothing lost, nothing out of order, RSS not judged"),
        "{text}"
    );
    // Every class took part: 3 steady renderers, the flooder, the slow reader and the page.
    let rows = text
        .lines()
        .filter(|l| {
            ["steady", "flooder", "slow", "page"]
                .iter()
                .any(|r| l.split_whitespace().nth(1) == Some(*r))
        })
        .count();
    assert_eq!(rows, 6, "{text}");
}

#[test]
fn forgotten_messages_fail_the_soak() {
    let (ok, text) = soak(&[
        "--minutes",
        "0.05",
        "--renderers",
        "2",
        "--no-page",
        "--forget-every",
        "1000",
    ]);
    assert!(!ok, "{text}");
    assert!(text.contains("messages lost"), "{text}");
    assert!(text.contains("[soak] FAILED"), "{text}");
}
