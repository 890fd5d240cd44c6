//! The README's first Rust code block is `examples/readme.rs`, which `cargo test` builds: so
//! the README's code compiles, and runs (`cargo run -p electrode-examples --example readme`).

mod common;

use common::Running;

const README: &str = include_str!("../../../README.md");
const EXAMPLE: &str = include_str!("../examples/readme.rs");

#[test]
fn the_readmes_first_rust_block_is_the_readme_example() {
    let start = README
        .find("```rust\n")
        .expect("a rust block in the README")
        + "```rust\n".len();
    let block = &README[start..];
    let block = &block[..block.find("```").expect("the block ends")];
    // The example file is the block plus a header comment.
    let code = EXAMPLE
        .split_once("\n\n")
        .map(|(_header, code)| code)
        .expect("header, blank line, code");
    assert_eq!(block, code, "README.md and examples/readme.rs differ");
}

#[test]
fn the_readme_example_runs_and_ends_by_itself() {
    let mut app = Running::start("readme", &[]);
    let mut lines = Vec::new();
    loop {
        let l = app.line();
        if l.is_empty() {
            break;
        }
        lines.push(l);
    }
    assert!(app.child.wait().unwrap().success());
    lines.sort();
    assert_eq!(lines, ["pong 2", "theme dark", "worker: sum 3"]);
}
