//! Runs the harness end to end in smoke mode (n = 100, one run) on a subset of placements
//! and checks that every cell produced numbers. No timing is asserted.

use std::process::Command;

#[test]
fn smoke_run_produces_a_line_per_cell() {
    let out = Command::new(env!("CARGO_BIN_EXE_electrode-bench"))
        .args([
            "--smoke",
            "--json",
            "--placements",
            "unpinned",
            "--sample-ms",
            "2",
        ])
        .output()
        .expect("run electrode-bench");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let runs: Vec<&serde_json::Value> = lines.iter().filter(|l| l["stat"] == "run").collect();
    assert!(runs.len() > 40, "only {} cells", runs.len());
    let node = runs
        .iter()
        .any(|l| l["peer"] == "node-json" && l["status"] == "ok");
    for l in &runs {
        let peer = l["peer"].as_str().unwrap();
        if l["status"] == "missing" {
            // Only Node may be absent from a machine.
            assert!(peer.starts_with("node-"), "{l}");
            continue;
        }
        assert_eq!(l["status"], "ok", "{l}");
        assert!(l["n"].as_u64().unwrap() > 0, "{l}");
        assert!(l["host"]["nproc"].as_u64().unwrap() >= 1);
        if l["workload"] == "W1" || l["workload"] == "W1e" {
            assert!(l["p50_us"].as_f64().unwrap() > 0.0, "{l}");
            if l["cpu"] == "pinned" {
                assert_eq!(l["shared_vcpu_pct"].as_f64().unwrap_or(100.0), 100.0, "{l}");
            }
        } else {
            assert!(l["msgs_per_s"].as_f64().unwrap() > 0.0, "{l}");
        }
        if peer != "raw-uds" && l["workload"] != "W4" {
            // The raw floor ran the same cell, so the ratio is there.
            let raw_has = runs.iter().any(|r| {
                r["peer"] == "raw-uds"
                    && r["workload"] == l["workload"]
                    && r["payload"] == l["payload"]
                    && r["size"] == l["size"]
                    && r["cpu"] == l["cpu"]
            });
            if raw_has {
                assert!(l["ratio_raw"].as_f64().is_some(), "{l}");
            }
        }
    }
    if node {
        assert!(runs
            .iter()
            .any(|l| l["peer"] == "node-advanced" && l["payload"] == "binary"));
    }
    assert!(lines.iter().any(|l| l["stat"] == "median"));
    assert!(stderr.contains("## Round trips"), "{stderr}");
}
