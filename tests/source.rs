//! `engine::source::Source` natively: the requests it asks for (headers, where the last event
//! ID travels, body, credentials), which request is current, the application's hooks, the page
//! lifecycle and the switch to long-polling; and `engine::options`: option checking and the
//! choice of transport. The face-independent half of what the browser suites check per transport.

use eventsource_wasm::connection::{ErrorKind, ReadyState};
use eventsource_wasm::engine::options::{
    Credentials, OptionError, Options, Platform, TransportKind, Value, OPTION_NAMES,
};
use eventsource_wasm::engine::source::{Command, Decision, Happening, Request, ResponseInfo, Source, RECYCLE_AFTER};

const PAGE: &str = "http://127.0.0.1:8080";
const SAME: &str = "http://127.0.0.1:8080/s";
const CROSS: &str = "http://127.0.0.1:3000/s";

fn browser() -> Platform {
    Platform::from_bits(0b11111, Some(PAGE.into()))
}

fn key(name: &str) -> usize {
    OPTION_NAMES.iter().position(|n| *n == name).unwrap()
}

fn options(set: &[(&str, Value<'_>)]) -> Result<Options, OptionError> {
    let mut o = Options::default();
    for (name, value) in set {
        o.set(key(name), *value)?;
    }
    o.finish()?;
    Ok(o)
}

fn start(url: &str, set: &[(&str, Value<'_>)]) -> Source {
    let o = options(set).unwrap();
    let kind = o.choose(&browser()).unwrap();
    Source::new(&o, kind, &browser(), url.into(), false, 7)
}

fn request(s: &mut Source, now: u64) -> Request {
    match s.poll(now) {
        Some(Command::Request(r)) => r,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn ok(status: u16) -> ResponseInfo<'static> {
    ResponseInfo { status, content_type: Some("text/event-stream"), ..Default::default() }
}

fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Opens `s` with the request it asked for, then feeds `body`; returns the request.
fn open(s: &mut Source, body: &[u8]) -> Request {
    let r = request(s, 0);
    assert!(s.on_response(r.generation, 1, &ok(200)));
    assert_eq!(s.poll(1), Some(Command::Open));
    s.on_bytes(r.generation, 2, body, None, |_| {});
    r
}

#[test]
fn auto_picks_native_unless_an_option_needs_our_own_transport() {
    assert_eq!(options(&[]).unwrap().choose(&browser()), Ok(TransportKind::Native));
    let with = |set: &[(&str, Value<'_>)]| options(set).unwrap().choose(&browser());
    assert_eq!(with(&[("withCredentials", Value::Bool(true))]), Ok(TransportKind::Native));
    assert_eq!(with(&[("method", Value::Str("POST")), ("body", Value::Str("x"))]), Ok(TransportKind::Fetch));
    assert_eq!(with(&[("headers", Value::HeaderLines("authorization:x"))]), Ok(TransportKind::Fetch));
    // Headers given but empty, and options left at their defaults, keep the native class.
    assert_eq!(with(&[("headers", Value::HeaderLines("")), ("method", Value::Str("get"))]), Ok(TransportKind::Native));
    let no_fetch = Platform::from_bits(0b1101, None);
    assert_eq!(options(&[("heartbeatTimeout", Value::Number(5.0))]).unwrap().choose(&no_fetch), Ok(TransportKind::Xhr));
    let polling_only = Platform::from_bits(0b0100, None);
    assert_eq!(options(&[]).unwrap().choose(&polling_only), Ok(TransportKind::LongPoll));
    assert!(matches!(options(&[]).unwrap().choose(&Platform::default()), Err(OptionError::NotSupported(_))));
}

#[test]
fn options_are_checked_with_errors_that_name_them() {
    let err = |name: &str, value: Value<'_>| match options(&[(name, value)]) {
        Err(OptionError::Type(m)) => m,
        other => panic!("{name}: expected a TypeError, got {other:?}"),
    };
    assert!(err("transport", Value::Str("pigeon")).contains("'transport'"));
    assert!(err("transport", Value::Number(1.0)).contains("'transport' must be a string"));
    assert!(err("heartbeatTimeout", Value::Number(-1.0)).contains("'heartbeatTimeout'"));
    assert!(err("heartbeatTimeout", Value::Number(f64::NAN)).contains("'heartbeatTimeout'"));
    assert!(err("reconnect.backoff", Value::Number(0.5)).contains("≥ 1"));
    assert!(err("reconnect.jitter", Value::Number(2.0)).contains("from 0 to 1"));
    assert!(err("maxEventSize", Value::Number(0.0)).contains("'maxEventSize'"));
    assert!(err("fetch", Value::Str("no")).contains("a function"));
    assert!(err("reconnect", Value::Number(3.0)).contains("an object"));
    assert!(err("headers", Value::BadHeaders).contains("'headers'"));
    assert!(err("headers", Value::HeaderLines("bad name:x")).contains("'headers'"));
    assert!(err("method", Value::Str("CONNECT")).contains("not a valid HTTP method"));
    assert!(err("lastEventId", Value::Str("a\nb")).contains("'lastEventId'"));
    assert!(err("credentials", Value::Str("all")).contains("'credentials'"));
    assert!(matches!(options(&[("body", Value::Str("x"))]), Err(OptionError::Type(m)) if m.contains("GET or HEAD")));
    let native = options(&[("transport", Value::Str("native")), ("heartbeatTimeout", Value::Number(5.0))]).unwrap();
    assert!(matches!(native.choose(&browser()), Err(OptionError::Type(m)) if m.contains("'heartbeatTimeout'")));
    // Infinity is "never"; a null body is no body.
    let o = options(&[("reconnect.maxAttempts", Value::Number(f64::INFINITY)), ("body", Value::Null)]).unwrap();
    assert_eq!(o.retry.unwrap().max_attempts, None);
    assert!(!o.body);
}

#[test]
fn the_first_request_asks_for_the_event_stream_with_the_pages_headers_and_body() {
    let mut s = start(
        SAME,
        &[
            ("method", Value::Str("post")),
            ("body", Value::Str("{}")),
            ("headers", Value::HeaderLines("authorization:Bearer t\nx-a:1")),
            ("credentials", Value::Str("include")),
        ],
    );
    let r = request(&mut s, 0);
    assert_eq!(r.method, "POST");
    assert!(r.body && !r.xhr);
    assert_eq!(r.credentials, Credentials::Include);
    assert_eq!(r.url, SAME);
    let names: Vec<_> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Accept", "authorization", "x-a"]);
    assert_eq!(header(&r, "accept"), Some("text/event-stream"));
    assert_eq!(s.poll(0), None, "one request at a time");
}

/// Opens `s`, gets event `id`, ends the body, waits the reconnection time: returns the reconnect.
fn reconnect_after(s: &mut Source, id: &str) -> Request {
    let r = open(s, format!("id: {id}\ndata: x\n\n").as_bytes());
    s.on_end(r.generation, 10);
    assert!(
        matches!(s.poll(10), Some(Command::Error(e)) if e.kind == ErrorKind::EndOfStream && e.ready_state == ReadyState::Connecting)
    );
    s.on_timeout(s.poll_timeout().unwrap());
    let again = request(s, 5000);
    assert!(again.generation != r.generation);
    again
}

#[test]
fn the_last_event_id_travels_in_the_header_as_natives_does_also_cross_origin() {
    for url in [SAME, CROSS] {
        let mut s = start(url, &[("heartbeatTimeout", Value::Number(60_000.0))]);
        let again = reconnect_after(&mut s, "41");
        assert_eq!(header(&again, "last-event-id"), Some("41"), "{url}");
        assert!(!again.url.contains("lastEventId"), "{url}: {}", again.url);
        assert_eq!(again.cross_origin, url == CROSS);
    }
}

#[test]
fn a_cross_origin_header_refused_by_cors_moves_to_the_query_for_good_in_the_same_attempt() {
    let mut s = start(CROSS, &[("heartbeatTimeout", Value::Number(60_000.0))]);
    let refused = reconnect_after(&mut s, "41");
    s.on_cors_failure(refused.generation, 5001);
    let retried = request(&mut s, 5001);
    assert_eq!(s.poll(5001), None, "no error: the same attempt");
    assert_eq!(header(&retried, "last-event-id"), None);
    assert!(retried.url.ends_with("?lastEventId=41"), "{}", retried.url);
    // For good: the next reconnect uses the query at once; and a CORS refusal now fails.
    assert!(s.on_response(retried.generation, 5002, &ok(200)));
    assert_eq!(s.poll(5002), Some(Command::Open), "the reconnect opens, as any does");
    s.on_bytes(retried.generation, 5003, b"id: 42\ndata: y\n\n", None, |_| {});
    s.on_network_error(retried.generation, 5004);
    assert!(matches!(s.poll(5004), Some(Command::Error(_))));
    s.on_timeout(s.poll_timeout().unwrap());
    let next = request(&mut s, 9000);
    assert!(next.url.ends_with("?lastEventId=42") && header(&next, "last-event-id").is_none(), "{}", next.url);
    s.on_cors_failure(next.generation, 9001);
    assert_eq!(s.poll(9001), Some(Command::Abort));
    assert!(
        matches!(s.poll(9001), Some(Command::Error(e)) if e.kind == ErrorKind::Cors && e.ready_state == ReadyState::Closed)
    );
}

#[test]
fn without_a_way_to_tell_cors_from_the_network_the_id_goes_in_the_query_cross_origin() {
    let no_probe = Platform::from_bits(0b1111, Some(PAGE.into()));
    let o = options(&[("heartbeatTimeout", Value::Number(60_000.0))]).unwrap();
    for (url, query) in [(SAME, false), (CROSS, true)] {
        let mut s = Source::new(&o, TransportKind::Fetch, &no_probe, url.into(), false, 1);
        let again = reconnect_after(&mut s, "7");
        assert_eq!(again.url.contains("lastEventId=7"), query, "{url}");
        assert_eq!(header(&again, "last-event-id").is_some(), !query, "{url}");
    }
}

#[test]
fn a_non_latin1_last_event_id_is_sent_as_its_utf8_bytes() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(60_000.0))]);
    let again = reconnect_after(&mut s, "…é");
    let value = header(&again, "last-event-id").unwrap();
    assert!(value.chars().all(|c| (c as u32) < 0x100), "a byte string: {value:?}");
    let bytes: Vec<u8> = value.chars().map(|c| c as u8).collect();
    assert_eq!(String::from_utf8(bytes).unwrap(), "…é");
}

#[test]
fn a_url_that_cannot_be_fetched_fails_without_a_request() {
    for url in ["ftp://example.not/", "about:blank", "mailto:a@b.c", "javascript:1"] {
        let mut s = start(url, &[("heartbeatTimeout", Value::Number(1.0))]);
        assert!(
            matches!(s.poll(0), Some(Command::Error(e)) if e.kind == ErrorKind::UrlScheme && e.ready_state == ReadyState::Closed),
            "{url}"
        );
        assert_eq!(s.poll(0), None, "{url}");
        assert_eq!(s.poll_timeout(), None, "{url}: no reconnect");
    }
    for url in ["data:text/event-stream,data:x", "blob:http://127.0.0.1:8080/abc", "HTTPS://example.com/"] {
        assert!(matches!(start(url, &[]).poll(0), Some(Command::Request(_))), "{url}");
    }
}

#[test]
fn xhr_sends_the_standards_cache_headers_same_origin_only() {
    for (url, cache) in [(SAME, true), (CROSS, false)] {
        let o = options(&[("transport", Value::Str("xhr"))]).unwrap();
        let mut s = Source::new(&o, TransportKind::Xhr, &browser(), url.into(), false, 1);
        let r = request(&mut s, 0);
        assert_eq!(header(&r, "accept"), Some("text/event-stream"));
        assert_eq!(header(&r, "cache-control").is_some(), cache, "{url}: Cache-Control");
        assert_eq!(header(&r, "pragma").is_some(), cache, "{url}: Pragma");
    }
    let mut fetch = start(SAME, &[("heartbeatTimeout", Value::Number(1.0))]);
    assert_eq!(header(&request(&mut fetch, 0), "cache-control"), None, "fetch sets its cache mode instead");
}

#[test]
fn a_stream_source_opens_on_its_first_read_and_never_reconnects() {
    let mut s = Source::for_stream(1);
    assert_eq!((s.url(), s.origin()), ("about:event-stream", "null"));
    assert_eq!(s.poll(0), None, "no request");
    assert_eq!(s.ready_state(), ReadyState::Connecting);
    assert!(s.on_response(Source::STREAM, 1, &ok(200)));
    assert_eq!(s.poll(1), Some(Command::Open));
    let mut seen = Vec::new();
    s.on_bytes(Source::STREAM, 2, b"\xEF\xBB\xBFretry: 10\r\nid: 3\rdata: a\r\n\r\ndata: partial", None, |e| {
        seen.push(e.data.to_owned())
    });
    assert_eq!(seen, ["a"]);
    assert_eq!((s.last_event_id(), s.reconnection_time()), ("3", 10));
    s.reset();
    s.on_bytes(Source::STREAM, 3, b"\n\ndata: b\n\n", None, |e| seen.push(e.data.to_owned()));
    assert_eq!(seen, ["a", "b"], "reset() dropped the partial event");
    s.on_end(Source::STREAM, 4);
    assert!(matches!(s.poll(4), Some(Command::Error(e)) if e.ready_state == ReadyState::Closed));
    assert_eq!(s.poll_timeout(), None, "no reconnect");
}

#[test]
fn reports_about_an_aborted_request_are_ignored() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(100.0))]);
    let r = request(&mut s, 0);
    s.on_timeout(100); // no response: the heartbeat gives up on it
    assert_eq!(s.poll(100), Some(Command::Abort));
    assert!(matches!(s.poll(100), Some(Command::Error(e)) if e.kind == ErrorKind::Timeout));
    assert!(!s.is_current(r.generation));
    assert!(!s.on_response(r.generation, 101, &ok(200)), "the old request's response");
    assert_eq!(s.poll(101), None);
    let mut seen = 0;
    assert!(!s.on_bytes(r.generation, 102, b"data: late\n\n", None, |_| seen += 1));
    assert_eq!(seen, 0);
}

#[test]
fn a_header_function_is_asked_before_every_request_and_a_stale_answer_is_dropped() {
    let mut s = start(SAME, &[("headers", Value::Function), ("lastEventId", Value::Str("9"))]);
    let Some(Command::AskHeaders { generation, attempt, last_event_id }) = s.poll(0) else { panic!() };
    assert_eq!((attempt, last_event_id.as_str()), (0, "9"));
    assert_eq!(s.poll(0), None, "nothing until the application answered");
    s.headers_ready(generation + 1, 1, vec![("x-token".into(), "stale".into())]);
    assert_eq!(s.poll(1), None);
    s.headers_ready(generation, 2, vec![("x-token".into(), "fresh".into())]);
    let r = request(&mut s, 2);
    assert_eq!(r.generation, generation);
    assert_eq!(header(&r, "x-token"), Some("fresh"));
    assert_eq!(header(&r, "last-event-id"), Some("9"));
}

#[test]
fn a_failing_header_function_is_a_failed_attempt() {
    let mut s = start(SAME, &[("headers", Value::Function)]);
    let Some(Command::AskHeaders { generation, .. }) = s.poll(0) else { panic!() };
    s.headers_failed(generation, 5);
    assert!(matches!(s.poll(5), Some(Command::Error(e)) if e.kind == ErrorKind::Network && e.delay == Some(3000)));
}

#[test]
fn the_reconnect_hook_decides_before_the_error_is_reported() {
    for (decision, state, delay) in [
        (Decision::Proceed, ReadyState::Connecting, Some(3000)),
        (Decision::Delay(42), ReadyState::Connecting, Some(42)),
        (Decision::GiveUp, ReadyState::Closed, None),
    ] {
        let mut s = start(
            SAME,
            &[
                ("reconnect", Value::Object),
                ("reconnect.onReconnect", Value::Function),
                ("reconnect.jitter", Value::Number(0.0)),
                ("reconnect.delay", Value::Number(3000.0)),
            ],
        );
        let r = open(&mut s, b"id: 1\ndata: x\n\n");
        s.on_network_error(r.generation, 10);
        let Some(Command::AskReconnect(info)) = s.poll(10) else { panic!() };
        assert_eq!(
            (info.attempt, info.delay, info.kind, info.last_event_id.as_str()),
            (1, 3000, ErrorKind::Network, "1")
        );
        assert_eq!(s.poll(10), None, "the error waits for the decision");
        assert_eq!(s.poll_timeout(), None, "and so does the reconnect");
        s.decide(11, decision);
        let Some(Command::Error(e)) = s.poll(11) else { panic!() };
        assert_eq!((e.ready_state, e.delay), (state, delay), "{decision:?}");
        if decision == Decision::GiveUp {
            assert_eq!(e.kind, ErrorKind::GaveUp);
            assert_eq!(s.poll_timeout(), None);
        } else if decision == Decision::Proceed {
            assert_eq!(s.poll_timeout(), Some(10 + 3000), "as planned, from the failure");
        } else {
            assert_eq!(s.poll_timeout(), Some(11 + 42), "re-timed, from the decision");
        }
    }
}

#[test]
fn a_refused_response_aborts_and_fails_with_its_status_text() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(1.0e6))]);
    let r = request(&mut s, 0);
    let refused = ResponseInfo {
        status: 401,
        status_text: "Unauthorized",
        content_type: Some("text/plain"),
        ..Default::default()
    };
    // The start of its body is read first, for the error (tests/comments_refusals_freeze.rs).
    assert!(s.on_response(r.generation, 1, &refused), "read the body");
    assert_eq!(s.poll(1), None, "the abort and the error wait for it");
    s.on_bytes(r.generation, 2, b"expired", None, |_| panic!("a refused body is no stream"));
    s.on_end(r.generation, 3);
    assert_eq!(s.poll(3), Some(Command::Abort));
    let Some(Command::Error(e)) = s.poll(3) else { panic!() };
    assert_eq!(
        (e.kind, e.status, e.status_text.as_str(), e.ready_state, e.body.as_deref()),
        (ErrorKind::Status, 401, "Unauthorized", ReadyState::Closed, Some("expired"))
    );
    // With errorBody: 0, at once.
    let mut s = start(SAME, &[("errorBody", Value::Number(0.0))]);
    let r = request(&mut s, 0);
    assert!(!s.on_response(r.generation, 1, &refused));
    assert_eq!(s.poll(1), Some(Command::Abort));
    let Some(Command::Error(e)) = s.poll(1) else { panic!() };
    assert_eq!((e.kind, e.status, e.body.as_deref()), (ErrorKind::Status, 401, Some("")));
}

#[test]
fn the_origin_is_the_responses_after_redirects() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(1.0e6))]);
    assert_eq!(s.origin(), PAGE);
    let r = request(&mut s, 0);
    let redirected = ResponseInfo { url: "http://127.0.0.1:3000/elsewhere?x", ..ok(200) };
    assert!(s.on_response(r.generation, 1, &redirected));
    assert_eq!(s.origin(), "http://127.0.0.1:3000");
}

#[test]
fn xhr_text_past_the_recycle_point_swaps_the_request_at_an_event_boundary() {
    let o = options(&[("transport", Value::Str("xhr"))]).unwrap();
    let kind = o.choose(&browser()).unwrap();
    let mut s = Source::new(&o, kind, &browser(), SAME.into(), false, 1);
    let r = open(&mut s, b"");
    assert!(r.xhr);
    let mut n = 0;
    assert!(s.on_bytes(r.generation, 3, b"id: 5\ndata: a\n\n", Some(RECYCLE_AFTER), |_| n += 1), "not past it yet");
    assert!(!s.on_bytes(r.generation, 4, b"data: b\n\n", Some(RECYCLE_AFTER + 1), |_| n += 1), "past it: swapped");
    assert_eq!(n, 2);
    assert_eq!(s.poll(4), Some(Command::Abort));
    let again = request(&mut s, 4);
    assert_eq!(header(&again, "last-event-id"), Some("5"));
    assert_eq!(s.ready_state(), ReadyState::Open, "silently: the page sees no error and no second open");
}

#[test]
fn a_source_made_in_a_hidden_page_waits_until_it_is_shown() {
    let o = options(&[("pauseWhenHidden", Value::Bool(true))]).unwrap();
    let kind = o.choose(&browser()).unwrap();
    let mut s = Source::new(&o, kind, &browser(), SAME.into(), true, 1);
    assert_eq!(s.poll(0), None);
    s.on_lifecycle(10, Happening::Visible);
    let r = request(&mut s, 10);
    assert!(s.on_response(r.generation, 11, &ok(200)));
    assert_eq!(s.poll(11), Some(Command::Open));
    s.on_lifecycle(20, Happening::Hidden);
    assert_eq!(s.poll(20), Some(Command::Abort));
    assert_eq!(s.ready_state(), ReadyState::Open, "a pause is silent");
}

#[test]
fn a_buffering_proxy_turns_an_auto_source_to_long_polling() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(1.0e6))]);
    let r = request(&mut s, 0);
    assert!(s.on_response(r.generation, 1500, &ok(200)));
    assert_eq!(s.poll(1500), Some(Command::Open));
    // Nothing for 1.5 s, then three events at once, right before the end.
    s.on_bytes(r.generation, 1500, b"id: 1\ndata: a\n\nid: 2\ndata: b\n\nid: 3\ndata: c\n\n", None, |_| {});
    s.on_end(r.generation, 1510);
    assert_eq!(s.poll(1510), Some(Command::TransportChanged(TransportKind::LongPoll)));
    assert_eq!(s.transport(), TransportKind::LongPoll);
    let next = request(&mut s, 1510);
    assert_eq!(header(&next, "last-event-id"), Some("3"), "the next batch at once, from the last ID");
}

#[test]
fn close_aborts_the_request_and_nothing_follows() {
    let mut s = start(SAME, &[("heartbeatTimeout", Value::Number(1000.0))]);
    let r = open(&mut s, b"data: x\n\n");
    s.close();
    assert_eq!(s.poll(5), Some(Command::Abort));
    assert_eq!(s.poll(5), None);
    assert_eq!(s.poll_timeout(), None);
    assert!(!s.is_current(r.generation));
    s.on_end(r.generation, 6);
    assert_eq!(s.poll(6), None);
}

#[test]
fn hosts_the_url_standard_refuses_are_told() {
    use eventsource_wasm::url::valid_host;
    for bad in ["http://this%20is%20invalid/", "https://a%2Fb/", "http://a<b/", "http://user@/"] {
        assert!(!valid_host(bad), "{bad}");
    }
    for good in [
        "http://example.com/",
        "https://[::1]:8443/s?q=%20",
        "http://user:p%40ss@example.com/",
        "ftp://x y/",
        "data:,x",
    ] {
        assert!(valid_host(good), "{good}");
    }
}

#[test]
fn the_hosts_lifecycle_codes_are_the_happenings_discriminants() {
    for code in 0..6 {
        let what = Happening::from_code(code).expect("codes 0 to 5 are happenings");
        assert_eq!(what as u32, code);
    }
    assert_eq!(Happening::from_code(4), Some(Happening::Freeze));
    assert_eq!(Happening::from_code(6), None, "an unknown code is ignored, not a panic");
    assert_eq!(Happening::from_code(u32::MAX), None);
}

/// What the class sends before the whole engine is in (`first_request`, and what it tells page
/// code meanwhile) must be exactly what the source, once made, asks for and tells first: the
/// class adopts that request, and treats any difference as a bug.
#[test]
fn first_request_is_the_sources_first_request() {
    use eventsource_wasm::engine::source::first_request;
    let headers = Value::HeaderLines("x-token:abc\naccept:text/plain");
    let cases: &[&[(&str, Value<'_>)]] = &[
        &[],
        &[("transport", Value::Str("fetch"))],
        &[("transport", Value::Str("xhr"))],
        &[("transport", Value::Str("longpoll"))],
        &[("headers", headers), ("method", Value::Str("post")), ("body", Value::Object)],
        &[("lastEventId", Value::Str("41")), ("transport", Value::Str("fetch"))],
        &[
            ("lastEventId", Value::Str("é 1")),
            ("lastEventIdIn", Value::Str("both")),
            ("lastEventIdParam", Value::Str("since")),
        ],
        &[("lastEventId", Value::Str("7")), ("lastEventIdIn", Value::Str("query")), ("transport", Value::Str("xhr"))],
        &[
            ("withCredentials", Value::Bool(true)),
            ("credentials", Value::Str("omit")),
            ("transport", Value::Str("fetch")),
        ],
        &[("reconnect.delay", Value::Number(250.0)), ("transport", Value::Str("fetch"))],
        &[("pauseWhenHidden", Value::Bool(true))],
        &[("headers", Value::Function)],
    ];
    let platforms = [browser(), Platform::from_bits(0b00110, Some(PAGE.into())), Platform::from_bits(0b00100, None)];
    let mut compared = 0;
    for set in cases {
        for platform in &platforms {
            for url in [SAME, CROSS, "http://127.0.0.1:3000/s?a=1#f", "ftp://127.0.0.1/s"] {
                for hidden in [false, true] {
                    let o = options(set).unwrap();
                    let Ok(kind) = o.choose(platform) else { continue };
                    if kind == TransportKind::Native {
                        continue;
                    }
                    let first = first_request(&o, kind, platform, url.into(), hidden);
                    let mut s = Source::new(&o, kind, platform, url.into(), hidden, 7);
                    assert_eq!(s.last_event_id(), o.last_event_id, "{set:?}");
                    assert_eq!(s.reconnection_time(), o.initial_reconnection_time(), "{set:?}");
                    match s.poll(0) {
                        // Not told where the last event ID goes in the query (left to the source).
                        Some(Command::Request(r)) if first.is_none() => {
                            assert!(
                                !o.last_event_id.is_empty() && r.url != url,
                                "{set:?} {url}: no first request told"
                            );
                        }
                        Some(Command::Request(r)) => {
                            assert_eq!(first.as_ref(), Some(&r), "{set:?} {url} hidden {hidden}");
                            compared += 1;
                        }
                        other => {
                            assert_eq!(first, None, "{set:?} {url} hidden {hidden}: the source starts with {other:?}")
                        }
                    }
                }
            }
        }
    }
    // Most combinations start with a request (the rest: a header function, a hidden page that
    // pauses, an ftp: URL).
    assert!(compared > 100, "only {compared} requests compared");
}
