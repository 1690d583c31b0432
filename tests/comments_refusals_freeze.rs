//! Tests of `src/engine/source.rs` (issue #22) for what a source adds around its connection and that the
//! connection tests cannot see: the body of a refused response read for its error (limit, time
//! limit, cut characters, close), comments reported in stream order, and the page's freezing.
//! A small driver plays the face: it reports what the host saw and drains the commands.

#![cfg(not(target_arch = "wasm32"))]

use eventsource_wasm::connection::{ErrorKind, ReadyState};
use eventsource_wasm::engine::options::{OptionError, Options, Platform, TransportKind, Value};
use eventsource_wasm::engine::source::{
    Command, Decision, ErrorReport, Happening, ResponseInfo, Source, ERROR_BODY_WAIT,
};
use eventsource_wasm::parser::Output;

const URL: &str = "http://example.com/s";

fn platform() -> Platform {
    // Native, fetch streaming, XHR, XHR streaming, the CORS probe.
    Platform::from_bits(0b11111, Some("http://example.com".into()))
}

struct Face {
    source: Source,
    now: u64,
    /// The generation of the last request made.
    generation: u32,
    /// What the stream delivered, as text.
    seen: Vec<String>,
}

impl Face {
    fn new(options: Options) -> Face {
        Face::hidden(options, false)
    }

    fn hidden(options: Options, hidden: bool) -> Face {
        let source = Source::new(&options, TransportKind::Fetch, &platform(), URL.into(), hidden, 1);
        let mut face = Face { source, now: 0, generation: 0, seen: Vec::new() };
        if !hidden {
            assert!(matches!(face.commands()[..], [Command::Request(_)]));
        }
        face
    }

    /// Drains the commands; notes the generation of a request.
    fn commands(&mut self) -> Vec<Command> {
        let commands: Vec<Command> = std::iter::from_fn(|| self.source.poll(self.now)).collect();
        for c in &commands {
            if let Command::Request(r) = c {
                self.generation = r.generation;
            }
        }
        commands
    }

    /// Reports a response; returns whether the host should read the body.
    fn respond(&mut self, status: u16, content_type: Option<&str>) -> bool {
        let info = ResponseInfo { status, status_text: "Why", content_type, ..ResponseInfo::default() };
        self.source.on_response(self.generation, self.now, &info)
    }

    /// Reports body bytes; returns whether the host should go on reading.
    fn bytes(&mut self, bytes: &[u8]) -> bool {
        let seen = &mut self.seen;
        self.source.on_output(self.generation, self.now, bytes, None, |out| match out {
            Output::Event(ev) => seen.push(format!("{} {} #{}", ev.event_type, ev.data, ev.id)),
            Output::Comment { text, id } => seen.push(format!(": {text} #{id}")),
            Output::Retry(_) => {}
        })
    }

    fn at(&mut self, t: u64) -> &mut Self {
        self.now = t;
        self
    }

    fn open(&mut self) {
        assert!(self.respond(200, Some("text/event-stream")));
        assert_eq!(self.commands(), [Command::Open]);
    }
}

fn options(f: impl FnOnce(&mut Options)) -> Options {
    let mut o = Options::default();
    f(&mut o);
    o
}

/// The commands after a refusal whose body was read: the abort, then the error.
fn refused(commands: Vec<Command>) -> ErrorReport {
    match <[Command; 2]>::try_from(commands) {
        Ok([Command::Abort, Command::Error(report)]) => report,
        Ok(other) => panic!("expected an abort and an error, got {other:?}"),
        Err(other) => panic!("expected an abort and an error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The body of a refused response

#[test]
fn a_refused_response_is_read_up_to_the_limit_before_its_error() {
    let mut f = Face::new(options(|o| o.error_body = 10));
    assert!(f.at(5).respond(401, Some("application/json")), "read the body");
    assert_eq!(f.commands(), [], "the abort and the error wait for the body");
    assert_eq!(f.source.poll_timeout(), Some(5 + ERROR_BODY_WAIT));
    assert!(f.source.is_current(f.generation), "the body's reports still matter");
    assert!(f.bytes(b"{\"err\""));
    assert!(!f.bytes(b":\"token expired\"}"), "the limit is reached: stop reading");
    let e = refused(f.commands());
    assert_eq!(
        (e.kind, e.status, e.status_text.as_str(), e.ready_state),
        (ErrorKind::Status, 401, "Why", ReadyState::Closed)
    );
    assert_eq!(e.body.as_deref(), Some("{\"err\":\"to"));
    assert!(!f.source.is_current(f.generation));
    assert_eq!(f.source.poll_timeout(), None);
    assert!(f.seen.is_empty(), "a refused body is never parsed as events");
}

#[test]
fn the_default_limit_is_4_kib() {
    let mut f = Face::new(Options::default());
    assert!(f.respond(403, None));
    assert!(f.bytes(&[b'a'; 4095]));
    assert!(!f.bytes(b"bc"));
    assert_eq!(refused(f.commands()).body.map(|b| b.len()), Some(4096));
}

#[test]
fn a_wrong_content_type_is_read_too() {
    let mut f = Face::new(Options::default());
    assert!(f.respond(200, Some("text/html")));
    f.bytes(b"<h1>Login</h1>");
    f.source.on_end(f.generation, 1);
    let e = refused(f.commands());
    assert_eq!((e.kind, e.status, e.body.as_deref()), (ErrorKind::ContentType, 200, Some("<h1>Login</h1>")));
}

#[test]
fn a_stalled_body_holds_the_error_back_only_until_the_time_limit() {
    let mut f = Face::new(options(|o| o.error_body_wait = 700));
    assert!(f.at(100).respond(500, None));
    f.at(150).bytes(b"partial");
    assert_eq!(f.source.poll_timeout(), Some(800));
    f.source.on_timeout(799);
    assert_eq!(f.commands(), [], "not yet");
    f.source.on_timeout(800);
    assert_eq!(refused(f.commands()).body.as_deref(), Some("partial"));
    assert!(!f.bytes(b" more"), "what comes after the time limit is not wanted");
}

#[test]
fn a_body_without_bytes_gives_an_empty_text() {
    let mut f = Face::new(Options::default());
    assert!(f.respond(204, None));
    f.source.on_end(f.generation, 1);
    let e = refused(f.commands());
    assert_eq!((e.status, e.body.as_deref()), (204, Some("")));
}

#[test]
fn a_body_that_fails_gives_what_arrived_and_the_error_stays_the_refusal() {
    for how in ["network", "aborted"] {
        let mut f = Face::new(Options::default());
        assert!(f.respond(502, None));
        f.bytes(b"Bad gat");
        if how == "network" {
            f.source.on_network_error(f.generation, 1);
        } else {
            f.source.on_aborted(f.generation);
        }
        let e = refused(f.commands());
        assert_eq!(
            (e.kind, e.status, e.body.as_deref(), e.ready_state),
            (ErrorKind::Status, 502, Some("Bad gat"), ReadyState::Closed),
            "{how}"
        );
    }
}

#[test]
fn the_body_is_decoded_as_utf8_and_a_character_cut_by_the_limit_is_replaced() {
    // "é" is two bytes, "€" three, "😀" four: the limit falls inside the last one.
    for (body, max, want) in [
        ("aéé", 4, "aé\u{FFFD}"),
        ("a€", 3, "a\u{FFFD}"),
        ("a😀", 4, "a\u{FFFD}"),
        ("é€😀", 9, "é€😀"),
        ("abc", 3, "abc"),
    ] {
        let mut f = Face::new(options(|o| o.error_body = max));
        f.respond(400, None);
        f.bytes(body.as_bytes());
        f.source.on_end(f.generation, 1);
        assert_eq!(refused(f.commands()).body.as_deref(), Some(want), "{body:?} cut at {max}");
    }
    let mut f = Face::new(Options::default());
    f.respond(400, None);
    f.bytes(b"a\xFFb");
    f.source.on_end(f.generation, 1);
    assert_eq!(refused(f.commands()).body.as_deref(), Some("a\u{FFFD}b"));
}

#[test]
fn a_refused_response_without_a_body_stream_reports_at_once() {
    // fetch gives a 204 no body stream at all; the host says so.
    let mut f = Face::new(Options::default());
    assert!(f.respond(204, None));
    f.source.on_not_a_response(f.generation);
    let e = refused(f.commands());
    assert_eq!((e.kind, e.status, e.body.as_deref()), (ErrorKind::Status, 204, Some("")));
}

#[test]
fn with_error_body_0_nothing_is_read_but_the_error_still_says_refused() {
    let mut f = Face::new(options(|o| o.error_body = 0));
    assert!(!f.respond(401, None), "do not read the body");
    let e = refused(f.commands());
    assert_eq!(e.body.as_deref(), Some(""), "Some: about a refused response (its headers go with it)");
}

#[test]
fn errors_that_are_not_about_a_refused_response_have_no_body() {
    let mut f = Face::new(Options::default());
    f.source.on_network_error(f.generation, 1);
    match &f.commands()[..] {
        [Command::Error(e)] => assert_eq!((e.kind, e.body.as_ref()), (ErrorKind::Network, None)),
        other => panic!("{other:?}"),
    }
    f.at(5000).source.on_timeout(5000);
    f.commands();
    f.open();
    f.bytes(b"data: a\n\n");
    f.source.on_end(f.generation, 5001);
    match &f.commands()[..] {
        [Command::Error(e)] => assert_eq!((e.kind, e.status, e.body.as_ref()), (ErrorKind::EndOfStream, 200, None)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_retried_refusal_carries_its_body_then_reconnects() {
    let mut o = Options::default();
    o.set(11, Value::Object).unwrap(); // reconnect: {} (429 and 503 are retried)
    o.set(12, Value::Number(100.0)).unwrap();
    o.set(15, Value::Number(0.0)).unwrap();
    let mut f = Face::new(o);
    assert!(f.at(10).respond(503, None));
    assert!(f.bytes(b"busy"));
    f.source.on_end(f.generation, 20);
    let e = refused(f.commands());
    assert_eq!(
        (e.kind, e.status, e.body.as_deref(), e.ready_state, e.delay),
        (ErrorKind::Status, 503, Some("busy"), ReadyState::Connecting, Some(100))
    );
    assert_eq!(f.source.poll_timeout(), Some(110), "the reconnect counts from the refusal");
    f.at(110).source.on_timeout(110);
    assert!(matches!(f.commands()[..], [Command::Request(_)]));
}

#[test]
fn the_reconnect_hook_sees_a_refused_response_after_its_body() {
    let mut o = Options::default();
    o.set(11, Value::Object).unwrap(); // reconnect: { onReconnect }
    o.set(18, Value::Function).unwrap();
    o.set(12, Value::Number(50.0)).unwrap();
    let mut f = Face::new(o);
    f.respond(429, None);
    f.bytes(b"slow down");
    f.source.on_end(f.generation, 1);
    match &f.commands()[..] {
        [Command::Abort, Command::AskReconnect(info)] => assert_eq!(info.status, 429),
        other => panic!("{other:?}"),
    }
    f.source.decide(1, Decision::GiveUp);
    match &f.commands()[..] {
        [Command::Error(e)] => assert_eq!((e.kind, e.body.as_deref()), (ErrorKind::GaveUp, Some("slow down"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn close_while_reading_a_refused_body_aborts_and_reports_nothing() {
    let mut f = Face::new(Options::default());
    f.respond(401, None);
    f.bytes(b"nope");
    f.source.close();
    assert_eq!(f.commands(), [Command::Abort]);
    assert!(!f.bytes(b"more"));
    assert_eq!(f.source.poll_timeout(), None);
    f.source.on_timeout(1_000_000);
    assert_eq!(f.commands(), []);
}

#[test]
fn reports_about_an_older_request_do_not_feed_the_body() {
    let mut f = Face::new(Options::default());
    f.respond(401, None);
    let old = f.generation.wrapping_sub(1);
    assert!(!f.source.on_output(old, 0, b"old", None, |_| {}));
    f.source.on_end(old, 0);
    assert_eq!(f.commands(), [], "still reading");
    f.bytes(b"new");
    f.source.on_end(f.generation, 0);
    assert_eq!(refused(f.commands()).body.as_deref(), Some("new"));
}

// ---------------------------------------------------------------------------------------------
// Comments

#[test]
fn comments_come_in_stream_order_when_asked_and_never_otherwise() {
    let stream: &[&[u8]] = &[b":\n: keep-al", b"ive\nid: 1\ndata: a\n\n: tick\n", b"\n"];
    let mut on = Face::new(options(|o| o.comments = true));
    on.open();
    let mut off = Face::new(Options::default());
    off.open();
    for chunk in stream {
        assert!(on.bytes(chunk));
        assert!(off.bytes(chunk));
    }
    assert_eq!(on.seen, [":  #", ": keep-alive #", "message a #1", ": tick #1"]);
    assert_eq!(off.seen, ["message a #1"]);
}

#[test]
fn the_comments_option_needs_our_own_transport() {
    let mut o = Options::default();
    o.set(24, Value::Bool(true)).unwrap();
    assert!(o.comments);
    assert_eq!(o.beyond_native(), Some("comments"));
    assert_eq!(o.choose(&platform()), Ok(TransportKind::Fetch));
    o.set(2, Value::Str("native")).unwrap();
    match o.choose(&platform()) {
        Err(OptionError::Type(m)) => assert!(m.contains("comments"), "{m}"),
        other => panic!("{other:?}"),
    }
    let mut o = Options::default();
    o.set(24, Value::Bool(false)).unwrap();
    assert_eq!(o.choose(&platform()), Ok(TransportKind::Native), "comments: false keeps native");
}

#[test]
fn the_error_body_option_is_a_byte_count() {
    let mut o = Options::default();
    assert_eq!(o.error_body, 4096);
    o.set(25, Value::Number(100.0)).unwrap();
    assert_eq!(o.error_body, 100);
    o.set(25, Value::Number(0.0)).unwrap();
    assert_eq!(o.error_body, 0);
    for bad in [Value::Number(-1.0), Value::Number(f64::NAN), Value::Str("4k"), Value::Bool(true)] {
        match o.set(25, bad) {
            Err(OptionError::Type(m)) => assert!(m.contains("errorBody"), "{m}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(o.beyond_native(), None, "not a reason to leave the native transport");
}

// ---------------------------------------------------------------------------------------------
// Freezing (Page Lifecycle), with pauseWhenHidden

fn pausing() -> Options {
    options(|o| o.lifecycle.pause_when_hidden = true)
}

fn connects_with(commands: &[Command]) -> Option<String> {
    match commands {
        [Command::Request(r)] => {
            Some(r.headers.iter().find(|(n, _)| n == "Last-Event-ID").map_or(String::new(), |(_, v)| v.clone()))
        }
        _ => None,
    }
}

#[test]
fn freeze_pauses_and_resume_continues_from_the_last_event_id() {
    let mut f = Face::new(pausing());
    f.open();
    f.bytes(b"id: 7\ndata: a\n\n");
    f.source.on_lifecycle(1, Happening::Freeze);
    assert_eq!(f.commands(), [Command::Abort]);
    assert_eq!(f.source.ready_state(), ReadyState::Open, "silent");
    assert_eq!(f.source.poll_timeout(), None);
    f.source.on_lifecycle(2, Happening::Resume);
    assert_eq!(connects_with(&f.commands()).as_deref(), Some("7"));
    assert!(f.respond(200, Some("text/event-stream")));
    assert_eq!(f.commands(), [], "no second open");
}

#[test]
fn a_frozen_or_hidden_page_stays_paused_until_it_is_neither() {
    let mut f = Face::new(pausing());
    f.open();
    f.source.on_lifecycle(1, Happening::Hidden);
    assert_eq!(f.commands(), [Command::Abort]);
    f.source.on_lifecycle(2, Happening::Freeze);
    f.source.on_lifecycle(3, Happening::Resume);
    assert_eq!(f.commands(), [], "resumed, but still hidden");
    f.source.on_lifecycle(4, Happening::Visible);
    assert!(connects_with(&f.commands()).is_some());
    // The other order: shown while frozen is not possible in a browser, but is not a resume.
    f.source.on_lifecycle(5, Happening::Freeze);
    assert_eq!(f.commands(), [Command::Abort]);
    f.source.on_lifecycle(6, Happening::Visible);
    assert_eq!(f.commands(), [], "still frozen");
    f.source.on_lifecycle(7, Happening::Resume);
    assert!(connects_with(&f.commands()).is_some());
}

#[test]
fn a_source_created_hidden_does_not_connect_on_resume_alone() {
    let mut f = Face::hidden(pausing(), true);
    assert_eq!(f.commands(), []);
    f.source.on_lifecycle(1, Happening::Freeze);
    f.source.on_lifecycle(2, Happening::Resume);
    assert_eq!(f.commands(), []);
    f.source.on_lifecycle(3, Happening::Visible);
    assert_eq!(connects_with(&f.commands()).as_deref(), Some(""));
}

#[test]
fn freeze_while_waiting_to_reconnect_puts_the_reconnect_off() {
    let mut f = Face::new(pausing());
    f.open();
    f.bytes(b"retry: 100\nid: 2\ndata: a\n\n");
    f.source.on_end(f.generation, 10);
    assert!(matches!(f.commands()[..], [Command::Error(_)]));
    f.source.on_lifecycle(20, Happening::Freeze);
    assert_eq!(f.commands(), []);
    assert_eq!(f.source.poll_timeout(), None, "no reconnect while frozen");
    f.source.on_timeout(10_000);
    assert_eq!(f.commands(), []);
    f.source.on_lifecycle(10_001, Happening::Resume);
    assert_eq!(connects_with(&f.commands()).as_deref(), Some("2"));
}
