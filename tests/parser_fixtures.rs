//! Fixture-driven tests of the `text/event-stream` parser (`src/parser.rs`).
//!
//! The cases live in `tests/fixtures/parser/*.txt`, one file per rule of the standard. Each case
//! is fed to a fresh [`Parser`] in many chunkings (as written, whole, one byte at a time, split
//! once at every position, and several seeded random chunkings that also slip in empty chunks),
//! and every run must produce exactly the expected outputs.
//!
//! # Fixture format
//!
//! ```text
//! # A line starting with `#` (but not `###`) is a comment; blank lines are ignored.
//! ### CRLF ends a line                   <- `### title` starts a case (titles are unique)
//! ! max 16                               <- optional: Parser::with_max_event_size(16)
//! ! start-id "7"                         <- optional: set_last_event_id("7") before the input
//! ! comments                             <- optional: report_comments(true); expect them
//! > data: a\r\n                          <- input; `> ` lines are concatenated, NO implicit
//! > \r\n                                    newline; each one is also fed as its own chunk in
//! >                                         the "as written" run (a bare `>` is an empty chunk)
//! = reset                                <- optional: Parser::reset(), then a new stream
//! < event message "a" id=""              <- an expected event: TYPE "DATA" id="ID"
//! < event "two words" "a" id=""             (TYPE is bare, or quoted when it needs to be)
//! < retry 1000                           <- an expected Output::Retry
//! < comment "text" id="ID"               <- an expected Output::Comment (only with `! comments`)
//! < error too-large                      <- feed() returned Err (must be the last output)
//! < last-id "1"                          <- last_event_id() after the whole input
//! < none                                 <- no output at all (alone, instead of the above)
//! ```
//!
//! Escapes, in input lines and in quoted strings: `\n \r \t \\ \"`, `\xHH` for one raw byte
//! (input may be invalid UTF-8; an expected string must decode as UTF-8) and `\u{HHHH}` for the
//! UTF-8 encoding of a character. Input lines may not end in a space or tab (editors strip
//! them): write `\x20` or `\t`. Anything else, such as an unknown line, escape or option, a case
//! without input or expectations, or outputs after `< error`, makes the test fail with the
//! file and line, so a typo can never silently turn a case into a no-op.
//!
//! Every case also runs in the other comment mode: a case without `! comments` with comments
//! reported, and one with it without; the outputs other than comments must be the same, so
//! reporting comments can never change an event, a `retry:` or a limit.

// The fixtures are read from disk, which wasm32-unknown-unknown has not.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use eventsource_wasm::parser::{Output, Parser};

const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parser");

/// Every fixture file, with the test that runs it (see `every_fixture_file_is_run`).
macro_rules! fixture_files {
    ($($test:ident => $file:literal,)*) => {
        const FILES: &[&str] = &[$($file),*];
        $(
            #[test]
            fn $test() {
                run_file($file);
            }
        )*
    };
}

fixture_files! {
    line_endings => "line-endings.txt",
    bom => "bom.txt",
    utf8 => "utf8.txt",
    fields => "fields.txt",
    comments => "comments.txt",
    data => "data.txt",
    event_type => "event-type.txt",
    id => "id.txt",
    retry => "retry.txt",
    dispatch => "dispatch.txt",
    limits => "limits.txt",
    regressions => "regressions.txt",
}

// ---------------------------------------------------------------------------------------------
// The model of a case

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Event { event_type: String, data: String, id: String },
    Retry(u64),
    Comment { text: String, id: String },
    TooLarge,
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Out::Event { event_type, data, id } => {
                let bare = !event_type.is_empty()
                    && event_type.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
                let ty = if bare { event_type.clone() } else { quote(event_type) };
                write!(f, "< event {ty} {} id={}", quote(data), quote(id))
            }
            Out::Retry(ms) => write!(f, "< retry {ms}"),
            Out::Comment { text, id } => write!(f, "< comment {} id={}", quote(text), quote(id)),
            Out::TooLarge => write!(f, "< error too-large"),
        }
    }
}

/// A string in fixture syntax, with anything invisible or ambiguous escaped.
fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            ' '..='~' => q.push(c),
            c if (c as u32) < 0x80 => q.push_str(&format!("\\x{:02X}", c as u32)),
            c => q.push_str(&format!("\\u{{{:X}}}", c as u32)),
        }
    }
    q.push('"');
    q
}

#[derive(Debug)]
struct Case {
    title: String,
    /// `file:line` of the `###` line.
    location: String,
    max: Option<usize>,
    start_id: Option<String>,
    comments: bool,
    /// Streams separated by `= reset`; each is its chunks as written.
    streams: Vec<Vec<Vec<u8>>>,
    expected: Vec<Out>,
    /// Set by `< none`.
    expect_none: bool,
    last_id: Option<String>,
    /// Whether an expectation line has been seen (input must come first).
    in_expectations: bool,
}

impl Case {
    fn stream_bytes(&self) -> Vec<Vec<u8>> {
        self.streams.iter().map(|chunks| chunks.concat()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Reading fixtures

/// Decodes the escapes of the fixture format into bytes.
fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('"') => out.push(b'"'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(format!("`\\x` needs two hex digits, got {hex:?}"));
                }
                out.push(u8::from_str_radix(&hex, 16).unwrap());
            }
            Some('u') => {
                if chars.next() != Some('{') {
                    return Err("`\\u` must be followed by `{`".into());
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| (1..=6).contains(&hex.len()))
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`\\u{{{hex}}}` is not a valid character"))?;
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            Some(other) => return Err(format!("unknown escape `\\{other}`")),
            None => return Err("a lone `\\` ends the line".into()),
        }
    }
    Ok(out)
}

/// Reads a `"quoted"` string at the start of `s`; returns it and what follows it.
fn take_quoted(s: &str) -> Result<(String, &str), String> {
    let body = s.strip_prefix('"').ok_or_else(|| format!("expected a quoted string at {s:?}"))?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            let bytes = unescape(&body[..i])?;
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{s:?}: an expected string must be valid UTF-8"))?;
            return Ok((text, &body[i + 1..]));
        }
    }
    Err(format!("unterminated string {s:?}"))
}

/// Reads a whole-line `"quoted"` string.
fn quoted_only(s: &str) -> Result<String, String> {
    let (text, rest) = take_quoted(s)?;
    if !rest.is_empty() {
        return Err(format!("unexpected {rest:?} after the string"));
    }
    Ok(text)
}

/// `TYPE "DATA" id="ID"`
fn parse_event(s: &str) -> Result<Out, String> {
    let (event_type, rest) = if s.starts_with('"') {
        take_quoted(s)?
    } else {
        let end = s.find(' ').ok_or("expected `TYPE \"DATA\" id=\"ID\"`")?;
        let ty = &s[..end];
        if ty.is_empty() || ty.contains(['"', '\\']) {
            return Err(format!("bad bare event type {ty:?} (quote it)"));
        }
        (ty.to_owned(), &s[end..])
    };
    let rest = rest.strip_prefix(' ').ok_or("expected one space after the event type")?;
    let (data, rest) = take_quoted(rest)?;
    let rest = rest.strip_prefix(" id=").ok_or("expected ` id=\"ID\"` after the data")?;
    let id = quoted_only(rest)?;
    Ok(Out::Event { event_type, data, id })
}

fn parse_fixtures(file: &str, text: &str) -> Result<Vec<Case>, String> {
    let mut cases: Vec<Case> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let lineno = index + 1;
        let at = |msg: String| format!("{file}:{lineno}: {msg}\n    {line}");
        if line.contains('\r') {
            return Err(at("fixture files must use LF line ends (write a CR as `\\r`)".into()));
        }
        if line.trim().is_empty() || (line.starts_with('#') && !line.starts_with("###")) {
            continue;
        }
        if let Some(title) = line.strip_prefix("###") {
            let title = title.strip_prefix(' ').unwrap_or("").trim();
            if title.is_empty() {
                return Err(at("a case needs a title: `### title`".into()));
            }
            if let Some(prev) = cases.last() {
                validate(prev).map_err(|m| format!("{}: {m}", prev.location))?;
            }
            cases.push(Case {
                title: title.to_owned(),
                location: format!("{file}:{lineno}"),
                max: None,
                start_id: None,
                comments: false,
                streams: vec![Vec::new()],
                expected: Vec::new(),
                expect_none: false,
                last_id: None,
                in_expectations: false,
            });
            continue;
        }
        let Some(case) = cases.last_mut() else {
            return Err(at("this line is outside any case (start one with `### title`)".into()));
        };
        parse_case_line(case, line).map_err(at)?;
    }
    let Some(last) = cases.last() else {
        return Err(format!("{file}: no cases"));
    };
    validate(last).map_err(|m| format!("{}: {m}", last.location))?;
    Ok(cases)
}

fn parse_case_line(case: &mut Case, line: &str) -> Result<(), String> {
    if line == ">" || line.starts_with("> ") {
        if case.in_expectations {
            return Err("input must come before the expectations".into());
        }
        let raw = line.get(2..).unwrap_or("");
        if raw.ends_with([' ', '\t']) {
            return Err("an input line may not end in whitespace; write `\\x20` or `\\t`".into());
        }
        case.streams.last_mut().unwrap().push(unescape(raw)?);
    } else if line.starts_with('>') {
        return Err("input lines are `> text` (or a bare `>` for an empty chunk)".into());
    } else if line == "= reset" {
        if case.in_expectations {
            return Err("`= reset` must come before the expectations".into());
        }
        if case.streams.last().unwrap().is_empty() {
            return Err("`= reset` must follow some input".into());
        }
        case.streams.push(Vec::new());
    } else if let Some(option) = line.strip_prefix("! ") {
        if case.in_expectations || case.streams.iter().any(|s| !s.is_empty()) {
            return Err("options must come right after the title".into());
        }
        if let Some(n) = option.strip_prefix("max ") {
            if case.max.is_some() {
                return Err("`! max` given twice".into());
            }
            case.max = Some(n.parse().map_err(|_| format!("bad size {n:?}"))?);
        } else if let Some(id) = option.strip_prefix("start-id ") {
            if case.start_id.is_some() {
                return Err("`! start-id` given twice".into());
            }
            case.start_id = Some(quoted_only(id)?);
        } else if option == "comments" {
            if case.comments {
                return Err("`! comments` given twice".into());
            }
            case.comments = true;
        } else {
            return Err(format!("unknown option {option:?} (known: `max N`, `start-id \"ID\"`, `comments`)"));
        }
    } else if let Some(expect) = line.strip_prefix("< ") {
        case.in_expectations = true;
        if case.expected.last() == Some(&Out::TooLarge) && !expect.starts_with("last-id ") {
            return Err("nothing can be output after `< error too-large`".into());
        }
        if let Some(event) = expect.strip_prefix("event ") {
            case.expected.push(parse_event(event)?);
        } else if let Some(comment) = expect.strip_prefix("comment ") {
            if !case.comments {
                return Err("`< comment` needs `! comments`".into());
            }
            let (text, rest) = take_quoted(comment)?;
            let id = rest.strip_prefix(" id=").ok_or("expected ` id=\"ID\"` after the comment")?;
            case.expected.push(Out::Comment { text, id: quoted_only(id)? });
        } else if let Some(ms) = expect.strip_prefix("retry ") {
            let ms = ms.parse().map_err(|_| format!("bad retry value {ms:?}"))?;
            case.expected.push(Out::Retry(ms));
        } else if expect == "error too-large" {
            case.expected.push(Out::TooLarge);
        } else if let Some(id) = expect.strip_prefix("last-id ") {
            if case.last_id.is_some() {
                return Err("`< last-id` given twice".into());
            }
            case.last_id = Some(quoted_only(id)?);
        } else if expect == "none" {
            if case.expect_none {
                return Err("`< none` given twice".into());
            }
            case.expect_none = true;
        } else {
            return Err(format!(
                "unknown expectation {expect:?} (known: event, retry, comment, error too-large, last-id, none)"
            ));
        }
        if case.expect_none && !case.expected.is_empty() {
            return Err("`< none` cannot be combined with expected outputs".into());
        }
    } else {
        return Err("unrecognised line (expected `### `, `! `, `> `, `= reset`, `< ` or `#`)".into());
    }
    Ok(())
}

fn validate(case: &Case) -> Result<(), String> {
    if case.streams.iter().all(|s| s.is_empty()) {
        return Err(format!("case {:?} has no input (`> ` lines)", case.title));
    }
    if case.streams.last().unwrap().is_empty() {
        return Err(format!("case {:?}: `= reset` must be followed by input", case.title));
    }
    if !case.expect_none && case.expected.is_empty() && case.last_id.is_none() {
        return Err(format!("case {:?} expects nothing; write `< none` if no output is the point", case.title));
    }
    Ok(())
}

fn load(file: &str) -> Vec<Case> {
    let path = Path::new(FIXTURE_DIR).join(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture file {}: {e}", path.display()));
    parse_fixtures(file, &text).unwrap_or_else(|e| panic!("malformed fixture: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Running cases

/// One way of cutting the input: for each stream, the chunks to feed.
#[derive(Clone)]
struct Chunking {
    name: String,
    streams: Vec<Vec<Vec<u8>>>,
}

/// SplitMix64: small, deterministic, and plenty for picking chunk sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// FNV-1a, to seed each case's random chunkings from its title.
fn seed_of(title: &str) -> u64 {
    title.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3))
}

fn split_at_sizes(bytes: &[u8], mut size: impl FnMut() -> usize) -> Vec<Vec<u8>> {
    let mut chunks = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = size().min(rest.len());
        chunks.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    chunks
}

const RANDOM_CHUNKINGS: usize = 16;

fn chunkings(case: &Case) -> Vec<Chunking> {
    let whole = case.stream_bytes();
    let mut all = vec![
        Chunking { name: "as written".into(), streams: case.streams.clone() },
        Chunking { name: "whole".into(), streams: whole.iter().map(|s| vec![s.clone()]).collect() },
        Chunking {
            name: "one byte at a time".into(),
            streams: whole.iter().map(|s| split_at_sizes(s, || 1)).collect(),
        },
    ];
    // Every single cut, in every stream.
    for (si, stream) in whole.iter().enumerate() {
        for cut in 1..stream.len() {
            let mut streams: Vec<Vec<Vec<u8>>> = whole.iter().map(|s| vec![s.clone()]).collect();
            streams[si] = vec![stream[..cut].to_vec(), stream[cut..].to_vec()];
            all.push(Chunking { name: format!("cut at byte {cut} of stream {si}"), streams });
        }
    }
    let mut rng = Rng(seed_of(&case.title));
    for round in 0..RANDOM_CHUNKINGS {
        let streams = whole
            .iter()
            .map(|s| {
                let most = [2, 3, 5, 8, s.len().max(1)][round % 5];
                let mut chunks = split_at_sizes(s, || 1 + rng.below(most));
                // Empty chunks must be harmless anywhere.
                if rng.below(2) == 0 {
                    let at = rng.below(chunks.len() + 1);
                    chunks.insert(at, Vec::new());
                }
                chunks
            })
            .collect::<Vec<_>>();
        let sizes: Vec<Vec<usize>> = streams.iter().map(|s| s.iter().map(Vec::len).collect()).collect();
        all.push(Chunking { name: format!("random #{round}, chunk sizes {sizes:?}"), streams });
    }
    all
}

/// Feeds the chunks; stops at the first error, as the connection does.
fn run(case: &Case, streams: &[Vec<Vec<u8>>], comments: bool) -> (Vec<Out>, String) {
    let mut parser = match case.max {
        Some(max) => Parser::with_max_event_size(max),
        None => Parser::new(),
    };
    parser.report_comments(comments);
    if let Some(id) = &case.start_id {
        parser.set_last_event_id(id);
    }
    let mut outs = Vec::new();
    'streams: for (i, chunks) in streams.iter().enumerate() {
        if i > 0 {
            parser.reset();
        }
        for chunk in chunks {
            let result = parser.feed(chunk, |out| {
                outs.push(match out {
                    Output::Event(ev) => Out::Event {
                        event_type: ev.event_type.to_owned(),
                        data: ev.data.to_owned(),
                        id: ev.id.to_owned(),
                    },
                    Output::Retry(ms) => Out::Retry(ms),
                    Output::Comment { text, id } => Out::Comment { text: text.to_owned(), id: id.to_owned() },
                })
            });
            if result.is_err() {
                outs.push(Out::TooLarge);
                break 'streams;
            }
        }
    }
    (outs, parser.last_event_id().to_owned())
}

fn show(outs: &[Out]) -> String {
    if outs.is_empty() {
        return "    < none\n".into();
    }
    outs.iter().map(|o| format!("    {o}\n")).collect()
}

/// Runs one case in every chunking, with and without comments; returns a description of each
/// mismatch.
fn check(case: &Case) -> Vec<String> {
    let mut failures = Vec::new();
    let without: Vec<Out> = case.expected.iter().filter(|o| !matches!(o, Out::Comment { .. })).cloned().collect();
    for (chunking, comments) in
        chunkings(case).into_iter().flat_map(|c| [(c.clone(), case.comments), (c, !case.comments)])
    {
        let (mut outs, last_id) = run(case, &chunking.streams, comments);
        let expected = if comments == case.comments {
            &case.expected
        } else {
            // The other mode: the same outputs but for the comments.
            outs.retain(|o| !matches!(o, Out::Comment { .. }));
            &without
        };
        let mut problems = String::new();
        if outs != *expected {
            let mode = if comments { "reporting comments" } else { "not reporting comments" };
            problems += &format!("  {mode}, expected:\n{}  got:\n{}", show(expected), show(&outs));
        }
        if let Some(want) = &case.last_id {
            if *want != last_id {
                problems += &format!("  expected last-id {}, got {}\n", quote(want), quote(&last_id));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{} `{}` (fed {}):\n{problems}", case.location, case.title, chunking.name));
            // One chunking is enough to show what is wrong with a case.
            break;
        }
    }
    failures
}

fn run_file(file: &str) {
    let cases = load(file);
    let failures: Vec<String> = cases.iter().flat_map(check).collect();
    if !failures.is_empty() {
        panic!("{} of {} cases in {file} failed:\n\n{}", failures.len(), cases.len(), failures.join("\n"));
    }
}

// ---------------------------------------------------------------------------------------------
// Checks of the fixture set and of the reader itself

#[test]
fn every_fixture_file_is_run() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(FIXTURE_DIR)
        .expect("fixture directory")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    let listed: BTreeSet<String> = FILES.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, listed, "add new fixture files to `fixture_files!` in {}", file!());

    let mut titles = BTreeSet::new();
    let mut total = 0;
    for file in FILES {
        for case in load(file) {
            assert!(titles.insert(case.title.clone()), "{}: duplicate title {:?}", case.location, case.title);
            total += 1;
        }
    }
    assert!(total >= 60, "only {total} fixture cases");
}

#[test]
fn malformed_fixtures_are_rejected() {
    let bad: &[(&str, &str)] = &[
        ("> data\n< none\n", "outside any case"),
        ("###\n> x\n< none\n", "needs a title"),
        ("### t\n< none\n", "no input"),
        ("### t\n> x\n", "expects nothing"),
        ("### t\n> data: a \n< none\n", "may not end in whitespace"),
        ("### t\n>data\n< none\n", "input lines are"),
        ("### t\n> \\q\n< none\n", "unknown escape"),
        ("### t\n> \\x4\n< none\n", "two hex digits"),
        ("### t\n> \\u{D800}\n< none\n", "not a valid character"),
        ("### t\n> x\n< event message \"a\" id=\"\"\n< none\n", "cannot be combined"),
        ("### t\n> x\n< event message \"a\"\n", "id="),
        ("### t\n> x\n< event message \"a id=\"\"\n", "id="),
        ("### t\n> x\n< event message \"\\xFF\" id=\"\"\n", "valid UTF-8"),
        ("### t\n> x\n< retry soon\n", "bad retry"),
        ("### t\n> x\n< error too-large\n< retry 1\n", "after `< error"),
        ("### t\n> x\n< frobnicate\n", "unknown expectation"),
        ("### t\n> x\n< none\n> y\n", "before the expectations"),
        ("### t\n> x\n! max 3\n< none\n", "right after the title"),
        ("### t\n! max many\n> x\n< none\n", "bad size"),
        ("### t\n! colour blue\n> x\n< none\n", "unknown option"),
        ("### t\n= reset\n> x\n< none\n", "must follow some input"),
        ("### t\n> x\n= reset\n< none\n", "followed by input"),
        ("### t\n> x\r\n< none\n", "LF line ends"),
        ("### t\n> x\ndata\n< none\n", "unrecognised line"),
        ("# only a comment\n", "no cases"),
        ("### t\n> :x\n< comment \"x\" id=\"\"\n", "needs `! comments`"),
        ("### t\n! comments\n> :x\n< comment \"x\"\n", "id="),
        ("### t\n! comments\n! comments\n> x\n< none\n", "given twice"),
    ];
    for (text, want) in bad {
        match parse_fixtures("test.txt", text) {
            Ok(cases) => panic!("accepted malformed fixture {text:?}: {cases:?}"),
            Err(e) => assert!(e.contains(want), "fixture {text:?}: error {e:?} should mention {want:?}"),
        }
    }

    let good = "# comment\n\n### t\n! max 9\n! start-id \"s\"\n> a\\x20\n>\n> \\u{1F600}\\\\\n= reset\n> \"b\n\
                < event \"x y\" \"\\n\" id=\"\\u{FFFD}\"\n< retry 5\n< error too-large\n< last-id \"z\"\n";
    let cases = parse_fixtures("test.txt", good).unwrap();
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!(case.max, Some(9));
    assert_eq!(case.start_id.as_deref(), Some("s"));
    assert_eq!(case.streams, [vec![b"a ".to_vec(), vec![], "😀\\".as_bytes().to_vec()], vec![b"\"b".to_vec()]]);
    assert_eq!(
        case.expected,
        [
            Out::Event { event_type: "x y".into(), data: "\n".into(), id: "\u{FFFD}".into() },
            Out::Retry(5),
            Out::TooLarge
        ]
    );
    assert_eq!(case.last_id.as_deref(), Some("z"));

    let cases = parse_fixtures("test.txt", "### c\n! comments\n> :\n< comment \"\\t\" id=\"7\"\n").unwrap();
    assert!(cases[0].comments);
    assert_eq!(cases[0].expected, [Out::Comment { text: "\t".into(), id: "7".into() }]);
}
