//! The transports through the Rust face, in headless Chromium and Firefox (`wasm-pack test`),
//! against the real SSE test server (tests/server), which the test command starts and whose
//! address it passes in `ESW_TEST_SERVER` (origin A) and `ESW_TEST_SERVER_B` (a second port).
//! The test page itself is served by wasm-bindgen-test-runner from yet another origin, so every
//! request here is cross-origin.
#![cfg(target_arch = "wasm32")]

use eventsource_wasm::api::rust::{ErrorReason, EventSource, ReadyState, SseEvent, Transport};
use js_sys::Reflect;
use wasm_bindgen_test::*;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The transports the engine drives; each behavioural case runs on all of them.
const OWN_TRANSPORTS: [Transport; 3] = [Transport::Fetch, Transport::Xhr, Transport::LongPoll];

fn open(url: &str, transport: Transport) -> EventSource {
    EventSource::builder(url).transport(transport).connect().unwrap()
}

#[wasm_bindgen_test]
async fn streams_typed_events_with_ids_and_origin() {
    for t in OWN_TRANSPORTS {
        let k = key("typed");
        let url = format!("{}/stream?n=3&interval=10&ids=1&type=tick&key={k}", srv(2));
        let mut source = open(&url, t);
        assert_eq!(source.transport(), t);
        assert_eq!(source.ready_state(), ReadyState::Connecting);
        let seen = take_until(&mut source, 5000, "three events", |s| messages(s).len() >= 3).await;
        assert_eq!(seen[0], SseEvent::Open, "{t}");
        assert_eq!(source.ready_state(), ReadyState::Open);
        let expected: Vec<_> = (1..=3).map(|i| ("tick".to_owned(), i.to_string(), format!("tick {i}"))).collect();
        assert_eq!(triples(&seen), expected, "{t}");
        assert!(messages(&seen).iter().all(|m| m.origin == srv(2)), "{t}: {seen:?}");
        source.close();
        assert_eq!(source.ready_state(), ReadyState::Closed);
    }
}

#[wasm_bindgen_test]
async fn bytes_split_anywhere_give_the_same_events() {
    // A BOM, CRLF/CR/LF, a CR at the end of one write and its LF in the next, and a four-byte
    // character split across writes, delivered one byte per write.
    let stream = "\u{feff}data: a\u{1F600}b\r\n\r\nid: 7\rdata: c\r\ndata: d\n\n:c\nevent: x\ndata\n\n";
    for t in OWN_TRANSPORTS {
        let k = key("split");
        let url = format!("{}/raw?b64={}&chunk=1&delay=1&key={k}", srv(3), b64url(stream.as_bytes()));
        let mut source = open(&url, t);
        let seen = take_until(&mut source, 8000, "three events", |s| messages(s).len() >= 3).await;
        assert_eq!(
            triples(&seen),
            [
                ("message".into(), "".into(), "a\u{1F600}b".into()),
                ("message".into(), "7".into(), "c\nd".into()),
                ("x".into(), "7".into(), "".into()),
            ],
            "{t}"
        );
    }
}

async fn expect_failure(transport: Transport, path: &str, reason: ErrorReason, status: u16) {
    let k = key("fail");
    let mut source = open(&format!("{}{path}&key={k}", srv(4)), transport);
    let seen = take_until(&mut source, 5000, "an error", |s| !errors(s).is_empty()).await;
    let [SseEvent::Error(e)] = seen.as_slice() else { panic!("{transport} {path}: {seen:?}") };
    assert_eq!((e.reason, e.status, e.will_reconnect()), (reason, status, false), "{transport} {path}");
    assert_eq!(source.ready_state(), ReadyState::Closed);
    assert_eq!(drain(&mut source).await, [], "{transport} {path}: the stream ends after a failure");
    // Closed for good: the source must not have asked again.
    assert_eq!(request_log(&k).await.len(), 1, "{transport} {path}: exactly one request");
}

#[wasm_bindgen_test]
async fn fails_on_204_500_and_wrong_content_type() {
    for t in OWN_TRANSPORTS {
        expect_failure(t, "/status?code=204", ErrorReason::HttpStatus, 204).await;
        expect_failure(t, "/status?code=500", ErrorReason::HttpStatus, 500).await;
        // The body ends: Chromium's XHR holds back a text/plain response until it has enough
        // bytes to sniff, or the end.
        expect_failure(t, "/ctype?type=text/plain&close=1", ErrorReason::ContentType, 200).await;
        expect_failure(t, "/ctype?type=none&close=1", ErrorReason::ContentType, 200).await;
    }
}

#[wasm_bindgen_test]
async fn reconnects_after_a_drop_with_the_last_event_id_in_the_query() {
    for t in OWN_TRANSPORTS {
        let k = key("drop");
        let url = format!("{}/drop?after=2&total=5&retry=50&key={k}", srv(5));
        let mut source = open(&url, t);
        let seen = take_until(&mut source, 8000, "five events", |s| messages(s).len() >= 5).await;
        let ids: Vec<String> = triples(&seen).into_iter().map(|e| e.1).collect();
        assert_eq!(ids, ["1", "2", "3", "4", "5"], "{t}: each event exactly once, in order");
        // Each drop is one error (CONNECTING) followed by one open. The server drops the socket
        // after every second event; XHR may lose the tail of a dropped response (the browser
        // discards `responseText` on a network error), in which case the server sends it again.
        let mut last_id = None;
        let mut expected_ids = Vec::new();
        let mut kinds = Vec::new();
        for e in &seen {
            match e {
                SseEvent::Message(m) => last_id = Some(m.last_event_id.clone()),
                SseEvent::Open => {
                    expected_ids.push(last_id.clone());
                    kinds.push("open");
                }
                SseEvent::Comment(c) => panic!("{t}: comments are off by default, got {c:?}"),
                SseEvent::Error(e) => {
                    assert!(e.will_reconnect(), "{t}: {e}");
                    assert_eq!(e.reconnect_delay, Some(std::time::Duration::from_millis(50)), "the server's retry: 50");
                    kinds.push("error");
                }
            }
        }
        let drops = kinds.iter().filter(|&&k| k == "error").count();
        let expected: Vec<&str> = (0..drops).flat_map(|_| ["open", "error"]).chain(["open"]).collect();
        assert_eq!(kinds, expected, "{t}: {seen:?}");
        let log = request_log(&k).await;
        // Cross-origin, from the runner's page, which is cross-origin isolated: there the library
        // cannot tell a CORS refusal from a network error (a no-cors probe needs the server's
        // Cross-Origin-Resource-Policy), so the id travels in the query from the start, which
        // needs no preflight.
        let raw: Vec<String> = raw_request_log(&k).await.into_iter().map(|l| l.method).collect();
        assert!(raw.iter().all(|m| m == "GET"), "{t}: no preflight, no probe: {raw:?}");
        assert!(log.iter().all(|l| l.method == "GET"), "{log:?}");
        let sent: Vec<Option<String>> = log.iter().map(|l| l.id_query.clone()).collect();
        if t == Transport::LongPoll && in_webkit() {
            // WebKit may end a cut body as if it were complete (see is_cut_reason), and a long
            // poll that ends is no error: such a request starts with no event to mark it. What
            // holds: at least one request per error, the first without an ID, and every later
            // one after an ID delivered before it, none before the one before it.
            assert!(log.len() > drops, "{t}: {} requests, {drops} errors", log.len());
            assert_eq!(sent[0], None, "{t}: the first request has no ID");
            let resumed: Vec<u32> =
                sent[1..].iter().map(|s| s.as_deref().unwrap_or("?").parse().unwrap_or(0)).collect();
            let ordered = resumed.windows(2).all(|w| w[0] <= w[1]);
            assert!(
                ordered && resumed.iter().all(|i| (1..=5).contains(i)),
                "{t}: the last event ID on each reconnect: {sent:?}"
            );
        } else {
            assert_eq!(log.len(), drops + 1, "{t}: one request per error, and the first");
            assert_eq!(sent, expected_ids, "{t}: the last event ID on each reconnect");
        }
        assert!(log.iter().all(|l| l.id_header.is_none()));
    }
}

#[wasm_bindgen_test]
async fn streaming_transports_honour_retry() {
    for t in [Transport::Fetch, Transport::Xhr] {
        let k = key("retry");
        let url = format!("{}/end?after=1&total=2&retry=400&key={k}", srv(6));
        let mut source = open(&url, t);
        let seen = take_until(&mut source, 5000, "the end of the first stream", |s| !errors(s).is_empty()).await;
        assert_eq!(errors(&seen)[0].reason, ErrorReason::EndOfStream);
        take_until(&mut source, 5000, "the second open", |s| s.contains(&SseEvent::Open)).await;
        drop(source);
        // The wait, read on the server: the second request cannot come sooner than 400 ms after
        // the first, whose response ended after it came, nor (had `retry:` been lost) sooner than
        // the default 3 s. Timed here, between two polls of the stream, a busy machine that
        // polls late shortens it.
        let log = request_log(&k).await;
        assert!(log.len() >= 2, "{t}: {} requests", log.len());
        let gap = log[1].time - log[0].time;
        assert!(
            gap >= 350.0,
            "{t}: reconnected {gap} ms after the first request, before the 400 ms the server asked for"
        );
        assert!(gap < 3000.0, "{t}: reconnected {gap} ms after the first request: retry: was ignored (default is 3 s)");
    }
}

#[wasm_bindgen_test]
async fn close_stops_everything() {
    for t in OWN_TRANSPORTS {
        let k = key("close");
        let url = format!("{}/stream?n=1000&interval=20&key={k}", srv(7));
        let mut source = open(&url, t);
        take_until(&mut source, 5000, "a first event", |s| !messages(s).is_empty()).await;
        source.close();
        assert_eq!(source.ready_state(), ReadyState::Closed);
        let rest = drain(&mut source).await;
        assert!(rest.iter().all(|e| matches!(e, SseEvent::Message(_))), "{t}: {rest:?}");
        assert_eq!(open_streams(&k, 0).await, 0, "{t}: the server still sees the stream open");
        // Events were flowing every 20 ms: by now any leak would have shown up.
        assert_eq!(source.next().await, None, "{t}: something was reported after close()");
        assert_eq!(request_log(&k).await.len(), 1);
    }
}

#[wasm_bindgen_test]
async fn close_while_connecting_reports_nothing() {
    for t in OWN_TRANSPORTS {
        let k = key("early");
        let mut source = open(&format!("{}/stream?n=3&key={k}", srv(8)), t);
        source.close();
        // The request may or may not have reached the server; either way it must end.
        assert_eq!(open_streams(&k, 0).await, 0);
        assert_eq!(drain(&mut source).await, [], "{t}");
    }
}

#[wasm_bindgen_test]
async fn oversized_event_fails_the_connection() {
    for t in [Transport::Fetch, Transport::Xhr] {
        let k = key("big");
        let url = format!("{}/big?size={}&key={k}", srv(9), 17 * 1024 * 1024);
        let mut source = open(&url, t);
        let seen = take_until(&mut source, 20000, "the size-limit error", |s| !errors(s).is_empty()).await;
        assert_eq!(others(&seen), ["open", "size-limit"], "{t}");
        assert!(!errors(&seen)[0].will_reconnect());
        assert!(messages(&seen).is_empty());
        assert_eq!(open_streams(&k, 0).await, 0, "{t}: the oversized stream was not aborted");
        assert_eq!(source.ready_state(), ReadyState::Closed);
        assert_eq!(drain(&mut source).await, []);
    }
}

#[wasm_bindgen_test]
async fn native_transport_mirrors_the_browser() {
    let k = key("native");
    let url = format!("{}/stream?n=2&interval=10&ids=1&type=tick&key={k}", server_b());
    let mut source = open(&url, Transport::Native);
    assert_eq!(source.transport(), Transport::Native);
    source.listen("tick");
    let seen = take_until(&mut source, 5000, "two events", |s| messages(s).len() >= 2).await;
    assert_eq!(seen[0], SseEvent::Open);
    assert_eq!(source.ready_state(), ReadyState::Open);
    assert_eq!(
        triples(&seen),
        [("tick".into(), "1".into(), "tick 1".into()), ("tick".into(), "2".into(), "tick 2".into())]
    );
    assert!(messages(&seen).iter().all(|m| m.origin == server_b()));
    source.close();
    assert_eq!(open_streams(&k, 0).await, 0);
    assert_eq!(source.ready_state(), ReadyState::Closed);
}

#[wasm_bindgen_test]
async fn native_transport_reports_failure_as_closed() {
    let k = key("nativefail");
    let mut source = open(&format!("{}/status?code=500&key={k}", srv(11)), Transport::Native);
    let seen = take_until(&mut source, 5000, "an error", |s| !s.is_empty()).await;
    let [SseEvent::Error(e)] = seen.as_slice() else { panic!("{seen:?}") };
    assert_eq!((e.reason, e.will_reconnect()), (ErrorReason::Native, false));
    assert_eq!(source.ready_state(), ReadyState::Closed);
    assert_eq!(drain(&mut source).await, []);
}

#[wasm_bindgen_test]
fn bad_urls_and_options_are_refused() {
    let e = EventSource::builder("http://[").connect().unwrap_err();
    assert_eq!(e.reason, ErrorReason::Invalid);
    assert!(e.message.contains("http://["), "{e}");
    let refused = [
        EventSource::builder(server()).header("Bad Name", "x"),
        EventSource::builder(server()).header("X", "a\nb"),
        EventSource::builder(server()).method("TRACE"),
        EventSource::builder(server()).method("POST").last_event_id("a\nb"),
        EventSource::builder(server()).body("x"),
        EventSource::builder(server()).max_event_size(0),
        EventSource::builder(server()).last_event_id_param(""),
        EventSource::builder(server())
            .retry(eventsource_wasm::RetryPolicy { factor: 0.5, ..eventsource_wasm::RetryPolicy::default() }),
        EventSource::builder(server()).transport(Transport::Native).header("A", "b"),
    ];
    for builder in refused {
        let what = format!("{builder:?}");
        let e = builder.connect().expect_err(&what);
        assert_eq!(e.reason, ErrorReason::Invalid, "{what}: {e}");
        assert!(!e.message.is_empty());
    }
}

#[wasm_bindgen_test]
fn relative_urls_resolve_against_the_page() {
    let source = open("/nowhere?x=1", Transport::Fetch);
    let location = Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    let origin = Reflect::get(&location, &"origin".into()).unwrap().as_string().unwrap();
    assert_eq!(source.url(), format!("{origin}/nowhere?x=1"));
}

#[wasm_bindgen_test]
async fn longpoll_asks_for_the_next_batch_at_once_and_silently() {
    let k = key("poll");
    // Each response carries three events and ends; the server also sends `retry: 5000`, which
    // a streaming transport would wait out before every batch.
    let url = format!("{}/longpoll?n=3&retry=5000&key={k}", srv(12));
    let mut source = open(&url, Transport::LongPoll);
    let seen = take_until(&mut source, 5000, "nine events", |s| messages(s).len() >= 9).await;
    let ids: Vec<String> = triples(&seen).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, (1..=9).map(|i| i.to_string()).collect::<Vec<_>>());
    assert_eq!(others(&seen), ["open"], "polling again must be invisible to the application");
    assert_eq!(source.ready_state(), ReadyState::Open);
    let log = request_log(&k).await;
    assert!(log.len() >= 3);
    assert_eq!((log[1].id_query.as_deref(), log[2].id_query.as_deref()), (Some("3"), Some("6")));
}

#[wasm_bindgen_test]
async fn xhr_recycles_its_growing_buffer_without_losing_an_event() {
    // 200,000 events of 32 bytes: about 10 MB of responseText, more than twice the limit, so a
    // fresh request must take over (how often depends on how the browser batches progress),
    // resuming from the last event ID.
    let k = key("recycle");
    let n = 200_000;
    let mut source = open(&format!("{}/burst?n={n}&size=32&key={k}", srv(13)), Transport::Xhr);
    let mut next_id = 1;
    let mut opens = 0;
    while next_id <= n {
        match next_within(&mut source, 60000).await {
            Some(SseEvent::Message(m)) => {
                assert_eq!(m.last_event_id, next_id.to_string(), "an event is out of order, missing or repeated");
                next_id += 1;
            }
            Some(SseEvent::Open) => opens += 1,
            other => panic!("a recycle must be invisible to the application: {other:?} after event {}", next_id - 1),
        }
    }
    assert_eq!(opens, 1);
    let log = request_log(&k).await;
    assert!(log.len() >= 2, "expected the request to be recycled, got {} requests", log.len());
    assert!(log[1..].iter().all(|l| l.id_query.is_some()), "every fresh request resumes: {log:?}");
}

#[wasm_bindgen_test]
async fn auto_switches_to_longpoll_behind_a_buffering_proxy() {
    let k = key("buffered");
    let url = format!("{}/buffered?n=3&delay=1100&key={k}", srv(14));
    let mut source = EventSource::builder(&url).connect().unwrap();
    assert_eq!(source.transport(), Transport::Fetch, "auto streams with our own transport");
    let seen = take_until(&mut source, 10000, "six events", |s| messages(s).len() >= 6).await;
    let ids: Vec<String> = triples(&seen).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    assert_eq!(others(&seen), ["open"], "{seen:?}");
    assert_eq!(source.transport(), Transport::LongPoll);
}

/// A chunk containing `__panic_here__` makes the engine panic, in builds with the `test-panic`
/// feature (the test command enables it for these suites).
#[cfg(feature = "test-panic")]
#[wasm_bindgen_test]
async fn a_panic_fails_one_source_and_the_others_go_on() {
    let kb = key("panic");
    let kg = key("survivor");
    let poison = "data: __panic_here__\n\n";
    let bad_url = format!("{}/raw?b64={}&key={kb}", srv(15), b64url(poison.as_bytes()));
    let good_url = format!("{}/stream?n=50&interval=20&ids=1&key={kg}", srv(15));
    let mut fetch_good = open(&good_url, Transport::Fetch);
    let mut xhr_good = open(&good_url.replace("key=", "key=x"), Transport::Xhr);
    let mut seen = take_until(&mut fetch_good, 5000, "the survivor's first event", |s| !messages(s).is_empty()).await;

    let mut doomed = open(&bad_url, Transport::Fetch);
    let crash = take_until(&mut doomed, 5000, "the crash report", |s| !errors(s).is_empty()).await;
    assert_eq!(others(&crash), ["open", "internal"], "{crash:?}");
    let e = errors(&crash)[0];
    assert!(!e.will_reconnect());
    if cfg!(feature = "panic-hook") {
        assert!(e.message.contains("injected panic"), "the hook keeps the panic's message: {e}");
    }
    assert_eq!(doomed.ready_state(), ReadyState::Closed, "the crashed source reads as closed");
    assert_eq!(drain(&mut doomed).await, [], "the crashed source's stream ends");
    assert_eq!(open_streams(&kb, 0).await, 0, "the crashed source's request is aborted");

    // The others keep streaming, in order, after the panic.
    let before = messages(&seen).len();
    seen.extend(take_until(&mut fetch_good, 5000, "more events after the panic", |s| messages(s).len() >= 5).await);
    assert!(messages(&seen).len() >= before + 5);
    let ids: Vec<String> = triples(&seen).into_iter().map(|e| e.1).collect();
    assert_eq!(ids, (1..=ids.len()).map(|i| i.to_string()).collect::<Vec<_>>());
    take_until(&mut xhr_good, 5000, "the XHR source's events", |s| messages(s).len() >= 5).await;
    // And new sources still work.
    let mut fresh = open(&format!("{}/stream?n=2&ids=1&key={kg}late", srv(15)), Transport::Fetch);
    take_until(&mut fresh, 5000, "a new source's events", |s| messages(s).len() >= 2).await;
    doomed.close(); // harmless on a crashed source
}
