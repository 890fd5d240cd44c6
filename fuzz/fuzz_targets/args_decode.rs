#![no_main]

use electrode_wire_fuzz::targets;

#[global_allocator]
static ALLOC: targets::CountingAlloc = targets::CountingAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::args_decode(data));
