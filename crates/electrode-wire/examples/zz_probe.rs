use std::time::Instant;
fn main() {
    let data = bytes::Bytes::from(
        (0..1_048_576u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let s: String = (0..1_048_576u32)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    for _ in 0..50 {
        let a = electrode_wire::Args::encode(&(data.clone(),)).unwrap();
        std::hint::black_box(a);
    }
    let n = 300;
    let t = Instant::now();
    for _ in 0..n {
        let a = electrode_wire::Args::encode(&(data.clone(),)).unwrap();
        std::hint::black_box(a);
    }
    println!(
        "encode 1MB bytes: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let a = electrode_wire::Args::encode(&(s.as_str(),)).unwrap();
        std::hint::black_box(a);
    }
    println!(
        "encode 1MB str: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let mut dst = vec![0u8; 1 << 20];
    let t = Instant::now();
    for _ in 0..n {
        dst.copy_from_slice(&data);
        std::hint::black_box(&dst);
    }
    println!(
        "memcpy 1MB warm: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let v = vec![0u8; 1 << 20];
        std::hint::black_box(v);
    }
    println!(
        "vec![0;1MB]: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let mut v = Vec::<u8>::with_capacity(1 << 20);
        v.extend_from_slice(&data);
        std::hint::black_box(v);
    }
    println!(
        "alloc+copy 1MB: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    // decode
    let a = electrode_wire::Args::encode(&(data.clone(),)).unwrap();
    let raw = a.raw().clone();
    let t = Instant::now();
    for _ in 0..n {
        let b = electrode_wire::Args::from_raw(raw.clone()).unwrap();
        let x: bytes::Bytes = b.get(0).unwrap();
        std::hint::black_box(x);
    }
    println!(
        "decode 1MB bytes: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let a = electrode_wire::Args::encode(&(s.as_str(),)).unwrap();
    let raw = a.raw().clone();
    let t = Instant::now();
    for _ in 0..n {
        let b = electrode_wire::Args::from_raw(raw.clone()).unwrap();
        let x: String = b.get(0).unwrap();
        std::hint::black_box(x);
    }
    println!(
        "decode 1MB string: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
