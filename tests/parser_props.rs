//! Property tests of the `text/event-stream` parser (`src/parser.rs`).
//!
//! - Chunking never matters: any cutting of any input (realistic SSE lines mixed with CR/LF
//!   mixes, BOMs, multi-byte characters, invalid UTF-8 and random bytes) gives the same outputs
//!   and the same last event ID as feeding it whole, with or without a size limit.
//! - Arbitrary bytes never panic, even when the caller keeps feeding after an error.
//! - The parser agrees with `reference`, a slow and literal transcription of the standard that
//!   decodes the whole input first and only then splits lines.
//! - A size limit only ever truncates the output, and is never exceeded.
//! - Reporting comments adds them in their place in the stream and changes nothing else.
//!
//! Any failure found here is kept as a fixed case in `tests/fixtures/parser/regressions.txt`.
//! Failures are not persisted to disk (`failure_persistence: None`); proptest prints the
//! minimal input. `PROPTEST_CASES=100000 cargo test --test parser_props` runs a longer soak.

// proptest is a native-only dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::parser::{Output, Parser};
use proptest::prelude::*;
use proptest::sample::Index;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Event { event_type: String, data: String, id: String },
    Retry(u64),
    Comment { text: String, id: String },
    TooLarge,
}

fn parser(max: Option<usize>) -> Parser {
    max.map_or_else(Parser::new, Parser::with_max_event_size)
}

/// Feeds the chunks in order and stops at the first error, as the connection does.
fn feed<'a>(parser: &mut Parser, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<Out> {
    let mut outs = Vec::new();
    for chunk in chunks {
        let result = parser.feed(chunk, |out| {
            outs.push(match out {
                Output::Event(ev) => {
                    Out::Event { event_type: ev.event_type.to_owned(), data: ev.data.to_owned(), id: ev.id.to_owned() }
                }
                Output::Retry(ms) => Out::Retry(ms),
                Output::Comment { text, id } => Out::Comment { text: text.to_owned(), id: id.to_owned() },
            })
        });
        if result.is_err() {
            outs.push(Out::TooLarge);
            break;
        }
    }
    outs
}

/// Parses `input` cut into chunks; returns the outputs and the final last event ID.
fn parse_chunks(input: &[u8], chunks: &[&[u8]], max: Option<usize>) -> (Vec<Out>, String) {
    debug_assert_eq!(chunks.concat(), input);
    let mut p = parser(max);
    let outs = feed(&mut p, chunks.iter().copied());
    (outs, p.last_event_id().to_owned())
}

fn parse_whole(input: &[u8], max: Option<usize>) -> (Vec<Out>, String) {
    parse_chunks(input, &[input], max)
}

/// [`parse_chunks`] with a parser that reports comments.
fn parse_reporting_comments(chunks: &[&[u8]]) -> (Vec<Out>, String) {
    let mut p = Parser::new();
    p.report_comments(true);
    let outs = feed(&mut p, chunks.iter().copied());
    (outs, p.last_event_id().to_owned())
}

/// Cuts `input` at the given positions (sorted; repeated positions give empty chunks).
fn cut<'a>(input: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::with_capacity(points.len() + 1);
    let mut start = 0;
    for p in points {
        chunks.push(&input[start..p]);
        start = p;
    }
    chunks.push(&input[start..]);
    chunks
}

// ---------------------------------------------------------------------------------------------
// The reference: the standard's algorithm, read literally, on a fully decoded string.

/// "Parsing an event stream" and "Interpreting an event stream", with the whole stream in hand:
/// decode (UTF-8 decode strips one leading BOM, and replaces each maximal invalid subpart with
/// U+FFFD), split lines at CRLF, LF or CR, drop the unterminated last line, then interpret.
fn reference(input: &[u8], start_id: &str) -> (Vec<Out>, String) {
    reference_with(input, start_id, false)
}

/// [`reference`], reporting each comment line (its text after the colon and one optional space)
/// when `comments` is set.
fn reference_with(input: &[u8], start_id: &str, comments: bool) -> (Vec<Out>, String) {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let text = String::from_utf8_lossy(input);

    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\r' => {
                lines.push(std::mem::take(&mut line));
                if chars.get(i + 1) == Some(&'\n') {
                    i += 1;
                }
            }
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
        i += 1;
    }
    // Whatever is left in `line` never ended: "any pending data must be discarded".

    let mut outs = Vec::new();
    let mut data = String::new();
    let mut event_type = String::new();
    let mut id_buffer = start_id.to_owned();
    let mut last_event_id = start_id.to_owned();
    for line in lines {
        if line.is_empty() {
            // Dispatch the event.
            last_event_id = id_buffer.clone();
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            let ty = if event_type.is_empty() { "message".to_owned() } else { event_type.clone() };
            outs.push(Out::Event { event_type: ty, data: data.clone(), id: last_event_id.clone() });
            data.clear();
            event_type.clear();
            continue;
        }
        if let Some(text) = line.strip_prefix(':') {
            if comments {
                let text = text.strip_prefix(' ').unwrap_or(text).to_owned();
                outs.push(Out::Comment { text, id: last_event_id.clone() });
            }
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (&line[..], ""),
        };
        match field {
            "event" => event_type = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buffer = value.to_owned(),
            "retry" if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) => {
                // Only digits, so the only possible parse error is overflow.
                outs.push(Out::Retry(value.parse().unwrap_or(u64::MAX)));
            }
            // Unknown fields, an id with NUL, a retry that is not all digits: ignored.
            _ => {}
        }
    }
    (outs, last_event_id)
}

// ---------------------------------------------------------------------------------------------
// Input strategies

fn bytes_of(s: &'static str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// A piece of a field value: mostly ordinary text, with the characters that matter.
fn value_atom() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(vec!["a", "b", "x", "hello", "42", "7", "0", " ", "  ", ":", ": "]).prop_map(bytes_of),
        2 => prop::sample::select(vec!["é", "€", "😀", "\u{FEFF}", "\u{FFFD}", "\u{2028}", "\t", "\\", "\""]).prop_map(bytes_of),
        2 => prop::sample::select(vec![
            &b"\xFF"[..], b"\x80", b"\xC0\x80", b"\xED\xA0\x80", b"\xE2\x82", b"\xF0\x9F\x98",
            b"\xF4\x90\x80\x80", b"\xEF\xBB", b"\x00", b"\xC3",
        ]).prop_map(|b| b.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(value_atom(), 0..5).prop_map(|atoms| atoms.concat())
}

fn line_end() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![&b"\n"[..], b"\r", b"\r\n"]).prop_map(|b| b.to_vec())
}

/// One line (without its end) the way servers write them, plus near misses.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let name = prop_oneof![
        8 => prop::sample::select(vec!["data", "data", "data", "event", "id", "retry"]),
        1 => prop::sample::select(vec!["Data", "dat", "datas", "ID", "foo", "", " data", "data "]),
    ];
    let separator = prop::sample::select(vec![":", ": ", ":  ", "", ":\t"]);
    let retry_value = prop_oneof![prop::collection::vec(prop::sample::select(b"0123456789".to_vec()), 0..25), value(),];
    prop_oneof![
        6 => (name, separator, value()).prop_map(|(n, s, v)| [n.as_bytes(), s.as_bytes(), &v].concat()),
        2 => (prop::sample::select(vec!["retry:", "retry: ", "retry:  "]), retry_value)
            .prop_map(|(n, v)| [n.as_bytes(), &v].concat()),
        1 => value().prop_map(|v| [b":", &v[..]].concat()),
    ]
}

fn ended_line() -> impl Strategy<Value = Vec<u8>> {
    (line(), line_end()).prop_map(|(l, e)| [l, e].concat())
}

/// A piece of a stream: a whole event, a line with its end, a blank line, or noise.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (prop::collection::vec(ended_line(), 1..5), line_end()).prop_map(|(lines, e)| [lines.concat(), e].concat()),
        10 => ended_line(),
        4 => line_end(),
        1 => line(),
        1 => prop::sample::select(vec![BOM, b"\xEF\xBB", b"\xEF"]).prop_map(|b| b.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..6),
        1 => prop::collection::vec(prop::sample::select(b"\r\n:a ".to_vec()), 0..6),
    ]
}

/// A realistic stream, maybe with a leading BOM (or two, or a false start).
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let start = prop::sample::select(vec![&b""[..], b"", b"", BOM, b"\xEF\xBB\xBF\xEF\xBB\xBF", b"\xEF\xBB", b"\xEF"]);
    (start, prop::collection::vec(piece(), 0..24)).prop_map(|(s, pieces)| [s.to_vec(), pieces.concat()].concat())
}

/// Random bytes, biased towards the bytes the parser looks at.
fn noisy_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>(),
        2 => prop::sample::select(b"\r\n: ".to_vec()),
        2 => prop::sample::select(b"dataeventidretry".to_vec()),
        1 => prop::sample::select(vec![0xEF, 0xBB, 0xBF, 0x80, 0xC3, 0xE2, 0xF0, 0x00]),
    ];
    prop::collection::vec(byte, 0..max_len)
}

/// Any of the above.
fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => stream(), 1 => noisy_bytes(300)]
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    prop::collection::vec(any::<Index>(), 0..24)
}

/// `cases` by default; `PROPTEST_CASES=n` in the environment asks for a longer (or shorter) run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config(3000))]

    /// Any chunking, one byte at a time included, gives what feeding the input whole gives.
    #[test]
    fn chunking_does_not_matter(input in input(), cuts in cuts()) {
        let whole = parse_whole(&input, None);
        let chunked = parse_chunks(&input, &cut(&input, &cuts), None);
        prop_assert_eq!(&chunked, &whole, "cut into {:?}", cut(&input, &cuts));
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&parse_chunks(&input, &bytes, None), &whole, "one byte at a time");
    }

    /// The same with a small size limit: the error comes at the same point of the output.
    #[test]
    fn chunking_does_not_matter_with_a_limit(input in input(), cuts in cuts(), max in 1usize..48) {
        let whole = parse_whole(&input, Some(max));
        let chunked = parse_chunks(&input, &cut(&input, &cuts), Some(max));
        prop_assert_eq!(&chunked, &whole, "cut into {:?}", cut(&input, &cuts));
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&parse_chunks(&input, &bytes, Some(max)), &whole, "one byte at a time");
    }

    /// The parser computes what the standard says, whole and chunked.
    #[test]
    fn agrees_with_the_reference(input in input(), cuts in cuts()) {
        let expected = reference(&input, "");
        prop_assert_eq!(&parse_whole(&input, None), &expected, "fed whole");
        prop_assert_eq!(&parse_chunks(&input, &cut(&input, &cuts), None), &expected, "cut into {:?}", cut(&input, &cuts));
    }

    /// Reporting comments: each one in its place, and everything else as without them.
    #[test]
    fn agrees_with_the_reference_reporting_comments(input in input(), cuts in cuts()) {
        let expected = reference_with(&input, "", true);
        prop_assert_eq!(&parse_reporting_comments(&[&input]), &expected, "fed whole");
        prop_assert_eq!(&parse_reporting_comments(&cut(&input, &cuts)), &expected, "cut into {:?}", cut(&input, &cuts));
        let mut without = expected.clone();
        without.0.retain(|o| !matches!(o, Out::Comment { .. }));
        prop_assert_eq!(&without, &reference(&input, ""), "the comments are all that differ");
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// `reset` ends one stream and starts another: the second is parsed as a fresh stream (its
    /// own BOM, nothing pending), starting from the last ID the first one committed.
    #[test]
    fn reset_starts_a_fresh_stream(
        first in stream(), second in stream(), start in prop::sample::select(vec!["", "7", "x y"]),
        cuts1 in cuts(), cuts2 in cuts(),
    ) {
        let (out1, id1) = reference(&first, start);
        let (out2, id2) = reference(&second, &id1);
        let mut p = Parser::new();
        p.set_last_event_id(start);
        let mut got = feed(&mut p, cut(&first, &cuts1));
        p.reset();
        prop_assert_eq!(p.last_event_id(), id1.as_str());
        got.extend(feed(&mut p, cut(&second, &cuts2)));
        prop_assert_eq!(got, [out1, out2].concat());
        prop_assert_eq!(p.last_event_id(), id2.as_str());
    }

    /// A limit only truncates: what comes out before the error is what comes out without a
    /// limit, no event is bigger than the limit, and without an error the outputs are the same.
    #[test]
    fn a_limit_only_truncates(input in input(), max in 1usize..64) {
        let (unlimited, unlimited_id) = parse_whole(&input, None);
        let (limited, limited_id) = parse_whole(&input, Some(max));
        let kept = match limited.last() {
            Some(Out::TooLarge) => &limited[..limited.len() - 1],
            _ => {
                prop_assert_eq!(&limited_id, &unlimited_id);
                &limited[..]
            }
        };
        if limited.last() != Some(&Out::TooLarge) {
            prop_assert_eq!(kept.len(), unlimited.len());
        }
        prop_assert_eq!(kept, &unlimited[..kept.len()]);
        for out in kept {
            if let Out::Event { data, .. } = out {
                prop_assert!(data.len() < max, "event data of {} bytes under limit {}", data.len(), max);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    /// Arbitrary bytes in arbitrary chunks never panic, with or without a limit, even when the
    /// caller ignores errors and keeps feeding, resets, and feeds again.
    #[test]
    fn arbitrary_bytes_never_panic(
        input in prop::collection::vec(any::<u8>(), 0..1024),
        cuts in cuts(),
        max in prop::option::of(1usize..64),
    ) {
        let mut p = parser(max);
        for round in 0..2 {
            for chunk in cut(&input, &cuts) {
                let _ = p.feed(chunk, |out| {
                    if let Output::Event(ev) = out {
                        assert!(!ev.event_type.is_empty());
                        if let Some(max) = max {
                            assert!(ev.data.len() < max);
                        }
                    }
                });
            }
            if round == 0 {
                p.reset();
            }
        }
        let _ = p.last_event_id();
    }
}

/// The reference itself, on a few inputs worked out by hand, so that agreeing with it means
/// something.
#[test]
fn the_reference_is_right_on_known_inputs() {
    let ev = |t: &str, d: &str, i: &str| Out::Event { event_type: t.into(), data: d.into(), id: i.into() };
    let cases: &[(&[u8], Vec<Out>, &str)] = &[
        (b"data: a\r\n\r\n", vec![ev("message", "a", "")], ""),
        (b"\xEF\xBB\xBFdata: a\n\n", vec![ev("message", "a", "")], ""),
        (b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", vec![], ""),
        (b"data: a\rdata: b\r\r", vec![ev("message", "a\nb", "")], ""),
        (b"event: t\nid: 1\ndata:  x\ndata\n\n", vec![ev("t", " x\n", "1")], "1"),
        (b"id: 2\n\nid: 3\x00\ndata: \xE2\x82\n\n", vec![ev("message", "\u{FFFD}", "2")], "2"),
        (b"retry: 10\nretry:  10\nretry: 1a\nretry:\n", vec![Out::Retry(10)], ""),
        (b"retry: 99999999999999999999\n", vec![Out::Retry(u64::MAX)], ""),
        (b"data: a\n\nid: 9\ndata: b\n", vec![ev("message", "a", "")], ""),
        (b"Data: a\n: c\n\n", vec![], ""),
    ];
    for (input, outs, id) in cases {
        assert_eq!(reference(input, ""), (outs.clone(), id.to_string()), "{:?}", String::from_utf8_lossy(input));
        assert_eq!(parse_whole(input, None), (outs.clone(), id.to_string()), "{:?}", String::from_utf8_lossy(input));
    }
    let comment = |t: &str, i: &str| Out::Comment { text: t.into(), id: i.into() };
    let with_comments: &[(&[u8], Vec<Out>)] = &[
        (
            b":\n: keep-alive\r:  two\r\n::x\n\n",
            vec![comment("", ""), comment("keep-alive", ""), comment(" two", ""), comment(":x", "")],
        ),
        (b"id: 1\ndata: a\n: \xFF\n\n:b\n", vec![comment("\u{FFFD}", ""), ev("message", "a", "1"), comment("b", "1")]),
    ];
    for (input, outs) in with_comments {
        let want = (outs.clone(), reference(input, "").1);
        assert_eq!(reference_with(input, "", true), want, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(parse_reporting_comments(&[input]), want, "{:?}", String::from_utf8_lossy(input));
    }
}
