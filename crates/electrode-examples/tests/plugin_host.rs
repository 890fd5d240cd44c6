//! The plugin host example as a user runs it: one plugin crashes, main restarts it, the
//! others answer every round.

mod common;

use common::Running;

#[test]
fn the_crash_is_seen_the_plugin_restarted_and_the_others_answer_throughout() {
    let mut app = Running::start("plugin_host", &[]);
    let mut lines = Vec::new();
    loop {
        let l = app.line();
        if l.is_empty() {
            break;
        }
        lines.push(l);
    }
    let status = app.child.wait().unwrap();
    let text = lines.join("\n");
    assert!(status.success(), "{status}\n{text}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("summary: rounds=8 crashes=1 restarts=1 others_answered_every_round=true"),
        "{text}"
    );
    let has = |prefix: &str| lines.iter().any(|l| l.trim_start().starts_with(prefix));
    for healthy in [
        "upper    answered 8/8",
        "reverse  answered 8/8",
        "count    answered 8/8",
    ] {
        assert!(has(healthy), "no {healthy:?} in\n{text}");
    }
    // Crashed on its third job, so it missed round 3 alone, and its restart answered the rest.
    assert!(has("flaky    answered 7/8; crashed ("), "{text}");
    assert!(has("round 3: flaky crashed"), "{text}");
    assert!(has("round 4: flaky -> \"job 4 for the plugins\""), "{text}");
    assert!(!has("round 3: upper missed"), "{text}");
    for round in 1..=8 {
        for (name, answer) in [
            ("upper", format!("\"JOB {round} FOR THE PLUGINS\"")),
            ("count", "\"21 chars\"".to_string()),
        ] {
            let line = format!("round {round}: {name} -> {answer}");
            assert!(has(&line), "no {line:?} in\n{text}");
        }
    }
}
