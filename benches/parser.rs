//! Throughput of the `text/event-stream` parser on six workloads, in bytes/s and events/s.
//!
//! `cargo bench --bench parser` (about a minute). Each iteration parses the whole workload with
//! a fresh parser, fed in 64 KiB chunks (what a network read typically hands over), except the
//! mixed workload, which is fed in 1-7 byte chunks to stress lines split between chunks. The
//! callback sums event data lengths into a `black_box`, so no work can be optimised away.
//! Criterion reports both throughputs (`Throughput::ElementsAndBytes`): events/s ("elem/s")
//! and bytes/s ("MiB/s" / "GiB/s").

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::Duration;

    use criterion::{criterion_group, Criterion, Throughput};
    use eventsource_wasm::parser::{Output, Parser};

    const NETWORK_CHUNK: usize = 64 * 1024;

    struct Workload {
        name: &'static str,
        input: Vec<u8>,
        /// Sizes of the chunks to feed, in order; they add up to `input.len()`.
        chunks: Vec<usize>,
        events: u64,
    }

    /// SplitMix64, so every run benchmarks the same bytes.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// `len` bytes of JSON-looking ASCII text (no CR, LF).
    fn payload(rng: &mut Rng, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}:,\"._-";
        (0..len).map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize]).collect()
    }

    fn fixed_chunks(len: usize, size: usize) -> Vec<usize> {
        let mut chunks = vec![size; len / size];
        if len % size != 0 {
            chunks.push(len % size);
        }
        chunks
    }

    /// `events` events, each of `lines` data lines of `line_len` bytes, fed in 64 KiB chunks.
    fn data_events(name: &'static str, events: u64, lines: usize, line_len: usize) -> Workload {
        let mut rng = Rng(events ^ line_len as u64);
        let mut input = Vec::new();
        for _ in 0..events {
            for _ in 0..lines {
                input.extend_from_slice(b"data: ");
                input.extend_from_slice(&payload(&mut rng, line_len));
                input.push(b'\n');
            }
            input.push(b'\n');
        }
        let chunks = fixed_chunks(input.len(), NETWORK_CHUNK);
        Workload { name, input, chunks, events }
    }

    /// Typed events with ids: `event:` + `id:` + 64 B of data.
    fn typed_events(name: &'static str, events: u64) -> Workload {
        let mut rng = Rng(7);
        let mut input = Vec::new();
        for i in 0..events {
            let ty = ["update", "insert", "delete", "heartbeat"][(i % 4) as usize];
            input.extend_from_slice(format!("event: {ty}\nid: {}\ndata: ", 1_000_000 + i).as_bytes());
            input.extend_from_slice(&payload(&mut rng, 64));
            input.extend_from_slice(b"\n\n");
        }
        let chunks = fixed_chunks(input.len(), NETWORK_CHUNK);
        Workload { name, input, chunks, events }
    }

    /// Everything a real stream mixes: comments, ids, types, retry, multi-line data, CRLF and CR
    /// line ends, non-ASCII text; fed in 1-7 byte chunks.
    fn mixed_events(name: &'static str, events: u64) -> Workload {
        let mut rng = Rng(42);
        let mut input = b"\xEF\xBB\xBF: stream start\r\nretry: 5000\r\n\r\n".to_vec();
        for i in 0..events {
            let eol: &[u8] = [&b"\n"[..], b"\r\n", b"\r"][rng.below(3) as usize];
            if rng.below(4) == 0 {
                input.extend_from_slice(b": keep-alive");
                input.extend_from_slice(eol);
            }
            if rng.below(2) == 0 {
                input.extend_from_slice(
                    ["event: tick", "event: price", "event: caf\u{e9}"][rng.below(3) as usize].as_bytes(),
                );
                input.extend_from_slice(eol);
            }
            if rng.below(3) != 0 {
                input.extend_from_slice(format!("id: {i}").as_bytes());
                input.extend_from_slice(eol);
            }
            for _ in 0..1 + rng.below(4) {
                input.extend_from_slice(b"data: ");
                let len = 1 + rng.below(80) as usize;
                input.extend_from_slice(&payload(&mut rng, len));
                if rng.below(8) == 0 {
                    input.extend_from_slice("\u{20ac}\u{1f600}".as_bytes());
                }
                input.extend_from_slice(eol);
            }
            input.extend_from_slice(eol);
        }
        let mut chunks = Vec::new();
        let mut left = input.len();
        while left > 0 {
            let n = (1 + rng.below(7) as usize).min(left);
            chunks.push(n);
            left -= n;
        }
        Workload { name, input, chunks, events }
    }

    fn workloads() -> Vec<Workload> {
        vec![
            data_events("a_100k_x_32B", 100_000, 1, 32),
            data_events("b_10k_x_1KiB", 10_000, 1, 1024),
            data_events("c_1k_x_64KiB", 1_000, 1, 64 * 1024),
            data_events("d_20k_x_8_lines_x_32B", 20_000, 8, 32),
            mixed_events("e_1500_mixed_1-7B_chunks", 1_500),
            typed_events("f_20k_typed_with_id", 20_000),
        ]
    }

    /// Parses the workload; returns (events, total data bytes).
    fn parse(w: &Workload) -> (u64, u64) {
        let mut parser = Parser::new();
        let (mut events, mut bytes) = (0u64, 0u64);
        let mut rest = &w.input[..];
        for &n in &w.chunks {
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            parser
                .feed(black_box(chunk), |out| {
                    if let Output::Event(ev) = out {
                        events += 1;
                        bytes += black_box(ev.data).len() as u64;
                    }
                })
                .expect("within the size limit");
        }
        (events, bytes)
    }

    fn parser_throughput(c: &mut Criterion) {
        let mut group = c.benchmark_group("parser");
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        for w in workloads() {
            let (events, _) = parse(&w);
            assert_eq!(events, w.events, "{}: the workload is not what it claims", w.name);
            group.throughput(Throughput::ElementsAndBytes { elements: w.events, bytes: w.input.len() as u64 });
            group.bench_function(w.name, |b| b.iter(|| black_box(parse(&w))));
        }
        group.finish();
    }

    criterion_group! {
        name = benches;
        config = Criterion::default().without_plots();
        targets = parser_throughput
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
