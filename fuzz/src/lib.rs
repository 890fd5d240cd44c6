//! Fuzz targets of `electrode-wire`. The bodies live in [`targets`] so that a normal test
//! (`crates/electrode-wire/tests/fuzz_corpus.rs`) can replay the checked-in corpus through them.

#[path = "targets.rs"]
pub mod targets;
