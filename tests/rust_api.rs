//! The Rust API (`eventsource_wasm::api::rust`) in headless Chromium and Firefox against the
//! real test server: events as a `Stream`, reconnects, the standard's fail rules, request
//! options, the retry policy and the reconnect hook, and that dropping the source closes the
//! connection.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use eventsource_wasm::api::rust::{ErrorReason, EventSource, Lifecycle, Reconnect, RetryPolicy, SseEvent, Transport};
use futures_core::{FusedStream, Stream};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn streams_typed_messages_in_order() {
    for transport in [Transport::Fetch, Transport::Xhr, Transport::Native] {
        let k = key("typed");
        let url = format!("{}/stream?n=3&interval=10&ids=1&type=tick&key={k}", srv(2));
        let mut source = EventSource::builder(&url).transport(transport).connect().unwrap();
        source.listen("tick");
        let seen = take_until(&mut source, 5000, "three messages", |s| messages(s).len() >= 3).await;
        assert_eq!(seen[0], SseEvent::Open, "{transport:?}");
        let expected: Vec<_> = (1..=3).map(|i| ("tick".to_owned(), i.to_string(), format!("tick {i}"))).collect();
        assert_eq!(triples(&seen), expected, "{transport:?}");
        assert_eq!(messages(&seen)[0].origin, srv(2));
    }
}

#[wasm_bindgen_test]
async fn reconnects_and_resumes_after_a_drop() {
    let k = key("drop");
    let url = format!("{}/drop?after=2&total=5&retry=50&key={k}", srv(3));
    let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
    let seen = take_until(&mut source, 5000, "five messages", |s| messages(s).len() >= 5).await;
    let ids: Vec<String> = triples(&seen).into_iter().map(|m| m.1).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"], "each id once, in order");
    // Where a cut lands is the network's business (bytes read before it may be lost with it):
    // what holds is one error per cut connection and each reconnect resuming after the last id
    // seen before its error.
    let mut last = None;
    let mut resume_ids = vec![None];
    for e in &seen {
        match e {
            SseEvent::Message(m) => last = Some(m.last_event_id.clone()),
            SseEvent::Error(e) => {
                assert!(e.will_reconnect());
                assert!(is_cut_reason(e.reason), "a cut chunked body: {:?}", e.reason);
                assert_eq!(e.reconnect_delay, Some(Duration::from_millis(50)), "the server's retry: 50");
                resume_ids.push(last.clone());
            }
            _ => {}
        }
    }
    let log = request_log(&k).await;
    let sent: Vec<Option<String>> = log.iter().map(|l| l.id_query.clone()).collect();
    // Cross-origin from a cross-origin-isolated page (the runner's): the query (see tests/web.rs).
    assert_eq!(sent, resume_ids, "the last event ID on each reconnect");
}

#[wasm_bindgen_test]
async fn fails_for_good_on_bad_status_or_type_and_the_stream_ends() {
    for (path, reason, status) in [
        ("/status?code=204", ErrorReason::HttpStatus, 204),
        ("/status?code=500", ErrorReason::HttpStatus, 500),
        ("/ctype?type=text/plain&close=1", ErrorReason::ContentType, 200),
    ] {
        let k = key("fail");
        let url = format!("{}{path}&key={k}", srv(4));
        let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
        let Some(SseEvent::Error(e)) = next_within(&mut source, 5000).await else {
            panic!("{path}: expected an error")
        };
        assert_eq!((e.reason, e.status, e.will_reconnect()), (reason, status, false), "{path}");
        if status == 500 {
            assert_eq!(e.status_text, "Internal Server Error");
            assert_eq!(e.to_string(), "event source error: http-status (HTTP 500 Internal Server Error)");
        }
        assert_eq!(source.next().await, None, "{path}: the stream ends after a failure");
        assert!(source.is_terminated());
        assert_eq!(request_log(&k).await.len(), 1, "{path}: no reconnect");
    }
}

#[wasm_bindgen_test]
async fn dropping_the_source_closes_the_connection() {
    let k = key("dropclose");
    let url = format!("{}/stream?n=1000&interval=20&key={k}", srv(5));
    let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
    assert_eq!(next_within(&mut source, 5000).await, Some(SseEvent::Open));
    assert_eq!(open_streams(&k, 1).await, 1);
    drop(source);
    assert_eq!(open_streams(&k, 0).await, 0, "the server still sees the stream");
    assert_eq!(request_log(&k).await.len(), 1);
}

#[wasm_bindgen_test]
async fn close_ends_the_stream() {
    let k = key("close");
    let url = format!("{}/stream?n=1000&interval=20&key={k}", srv(6));
    let mut source = EventSource::builder(&url).transport(Transport::Xhr).connect().unwrap();
    assert_eq!(next_within(&mut source, 5000).await, Some(SseEvent::Open));
    source.close();
    // What was already received may still come; then the stream ends.
    for e in drain(&mut source).await {
        assert!(matches!(e, SseEvent::Message(_)), "{e:?}");
    }
    assert!(source.is_terminated());
    assert_eq!(open_streams(&k, 0).await, 0);
}

#[wasm_bindgen_test]
async fn sends_headers_method_body_and_waits_for_a_type() {
    let k = key("echo");
    let url = format!("{}/echo?cors=full&key={k}", srv(7));
    let mut source = EventSource::builder(&url)
        .method("post")
        .header("Authorization", "Bearer t0k3n")
        .header("Content-Type", "application/json")
        .headers_with(|last_id, attempt| vec![("X-Attempt".into(), format!("{attempt}/{last_id}"))])
        .body(r#"{"prompt":"hi"}"#)
        .last_event_id("41")
        .connect()
        .unwrap();
    assert_eq!(source.transport(), Transport::Fetch);
    let m = source.next_of_type("message").await.unwrap().unwrap();
    let echo = js_sys::JSON::parse(&m.data).unwrap();
    let get = |k: &str| js_sys::Reflect::get(&echo, &k.into()).unwrap();
    assert_eq!(get("method").as_string().as_deref(), Some("POST"));
    assert_eq!(get("body").as_string().as_deref(), Some(r#"{"prompt":"hi"}"#));
    assert_eq!(get("contentType").as_string().as_deref(), Some("application/json"));
    // Cross-origin from a cross-origin-isolated page (the runner's), where no CORS probe is
    // possible: the ID in the query, which needs no preflight (see tests/web.rs).
    assert_eq!(get("lastEventIdQuery").as_string().as_deref(), Some("41"), "cross-origin: the ID in the query");
    assert_eq!(get("lastEventIdHeader").as_string(), None, "and not in a header");
    let headers = get("headers");
    let h = |k: &str| js_sys::Reflect::get(&headers, &k.into()).unwrap().as_string();
    assert_eq!(h("authorization").as_deref(), Some("Bearer t0k3n"));
    assert_eq!(h("x-attempt").as_deref(), Some("0/41"));
}

#[wasm_bindgen_test]
async fn the_retry_policy_gives_up_and_the_hook_can_veto() {
    // Nothing listens on this port (the server uses the sixteen after ESW_TEST_SERVER).
    let (host, port) = server().rsplit_once(':').unwrap();
    let dead = format!("{host}:{}/nothing", port.parse::<u16>().unwrap() + 40);
    let policy =
        RetryPolicy { factor: 1.0, max_delay: 1000, jitter: 0.0, max_attempts: Some(2), retry_on_overload: true };
    let mut source = EventSource::builder(&dead)
        .transport(Transport::Fetch)
        .reconnection_time(Duration::from_millis(20))
        .retry(policy)
        .connect()
        .unwrap();
    let mut reasons = Vec::new();
    while let Some(event) = within(10000, source.next()).await.expect("the stream ends") {
        let SseEvent::Error(e) = event else { panic!("{event:?}") };
        reasons.push((e.reason, e.will_reconnect()));
    }
    assert_eq!(
        reasons,
        [(ErrorReason::Network, true), (ErrorReason::Network, true), (ErrorReason::GaveUp, false)],
        "two attempts, then give up"
    );

    let mut vetoed = EventSource::builder(&dead)
        .transport(Transport::Xhr)
        .on_reconnect(|r| {
            assert_eq!(r.reason, ErrorReason::Network);
            if r.attempt >= 2 {
                Reconnect::GiveUp
            } else {
                Reconnect::After(Duration::from_millis(10))
            }
        })
        .connect()
        .unwrap();
    let Some(SseEvent::Error(first)) = next_within(&mut vetoed, 5000).await else { panic!() };
    assert_eq!(first.reconnect_delay, Some(Duration::from_millis(10)), "the hook re-timed the reconnect");
    let Some(SseEvent::Error(second)) = next_within(&mut vetoed, 5000).await else { panic!() };
    assert_eq!((second.reason, second.will_reconnect()), (ErrorReason::GaveUp, false));
    assert_eq!(vetoed.next().await, None);
}

#[wasm_bindgen_test]
async fn a_bad_header_from_the_header_function_fails_the_attempt() {
    let k = key("badheader");
    let url = format!("{}/stream?n=1&key={k}", srv(9));
    let mut source = EventSource::builder(&url)
        .transport(Transport::Fetch)
        .headers_with(|_, _| vec![("Bad Name".into(), "x".into())])
        .retry(RetryPolicy { max_attempts: Some(0), ..RetryPolicy::default() })
        .connect()
        .unwrap();
    let seen = take_until(&mut source, 5000, "the error", |s| !errors(s).is_empty()).await;
    assert_eq!(others(&seen), ["gave-up"]);
    assert_eq!(request_log(&k).await.len(), 0, "no request went out");
}

#[wasm_bindgen_test]
fn auto_streams_with_our_own_transport_and_the_stream_is_a_stream() {
    let source = EventSource::builder(&format!("{}/stream?n=1", srv(8))).connect().unwrap();
    assert_eq!(source.transport(), Transport::Fetch);
    assert_eq!(source.transport().as_str(), "fetch");
    fn is_stream<S: Stream<Item = SseEvent> + FusedStream + Unpin>(_: &S) {}
    is_stream(&source);
    assert!(!source.is_terminated());
    assert!(format!("{source:?}").contains("Fetch"));
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let e = EventSource::builder("http://[").connect().unwrap_err();
    assert_eq!(e.reason, ErrorReason::Invalid);
    let e = EventSource::builder("/s").body("x").connect().unwrap_err();
    assert!(e.message.contains("GET"), "{e}");
    let e = EventSource::builder("/s").method("TRACE").connect().unwrap_err();
    assert_eq!(e.reason, ErrorReason::Invalid);
    let e = EventSource::builder("/s").transport(Transport::Native).header("A", "b").connect().unwrap_err();
    assert!(e.message.contains("native"), "{e}");
}

#[wasm_bindgen_test]
async fn a_silent_stream_times_out_and_reconnects() {
    let k = key("stall");
    // `: hi`, then nothing: no byte for 300 ms is a dead connection.
    let url = format!("{}/stall?key={k}", srv(10));
    let mut source = EventSource::builder(&url)
        .transport(Transport::Fetch)
        .heartbeat_timeout(Duration::from_millis(300))
        .reconnection_time(Duration::from_millis(20))
        .connect()
        .unwrap();
    let seen =
        take_until(&mut source, 5000, "a second open", |s| s.iter().filter(|e| **e == SseEvent::Open).count() >= 2)
            .await;
    assert_eq!(others(&seen), ["open", "timeout", "open"]);
    assert!(errors(&seen)[0].will_reconnect());
    assert_eq!(request_log(&k).await.len(), 2);
}

#[wasm_bindgen_test]
async fn back_online_reconnects_at_once() {
    let k = key("online");
    // One event, then the end of the body: a reconnect waits a minute, unless the browser says
    // it is back online.
    let url = format!("{}/end?after=1&total=3&retry=60000&key={k}", srv(11));
    let mut source = EventSource::builder(&url)
        .transport(Transport::Fetch)
        .lifecycle(Lifecycle { reconnect_on_online: true, ..Lifecycle::default() })
        .connect()
        .unwrap();
    let seen = take_until(&mut source, 5000, "the end of the first response", |s| !errors(s).is_empty()).await;
    assert_eq!(errors(&seen)[0].reconnect_delay, Some(Duration::from_secs(60)));
    // What the browser does when the network comes back: `online` on the global object.
    let global = js_sys::global();
    let get = |name: &str| js_sys::Reflect::get(&global, &name.into()).unwrap().unchecked_into::<js_sys::Function>();
    let online = js_sys::Reflect::construct(&get("Event"), &js_sys::Array::of1(&"online".into())).unwrap();
    get("dispatchEvent").call1(&global, &online).unwrap();
    let seen = take_until(&mut source, 5000, "the reconnect", |s| !messages(s).is_empty()).await;
    assert_eq!(triples(&seen)[0].1, "2", "resumed after the last event");
    let log = request_log(&k).await;
    assert_eq!(log.iter().map(|l| l.id_query.clone()).collect::<Vec<_>>(), [None, Some("1".into())]);
}

#[wasm_bindgen_test]
async fn comments_come_in_stream_order_when_asked_for() {
    let k = key("comments");
    // Each event is preceded by `: comment`; the stream then ends and would reconnect.
    let url = format!("{}/stream?n=2&interval=0&ids=1&comment=1&close=1&retry=60000&key={k}", srv(12));
    let mut source = EventSource::builder(&url).transport(Transport::Fetch).comments(true).connect().unwrap();
    let seen = take_until(&mut source, 5000, "two messages", |s| messages(s).len() >= 2).await;
    let order: Vec<String> = seen
        .iter()
        .map(|e| match e {
            SseEvent::Open => "open".to_owned(),
            SseEvent::Comment(c) => format!(": {} #{}", c.text, c.last_event_id),
            SseEvent::Message(m) => format!("{} #{}", m.data, m.last_event_id),
            SseEvent::Error(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(order, ["open", ": comment #", "tick 1 #1", ": comment #1", "tick 2 #2"]);
}

#[wasm_bindgen_test]
async fn a_refusal_carries_its_body_and_visible_headers() {
    for (limit, expected) in [(None, "abababab"), (Some(3), "aba"), (Some(0), "")] {
        let k = key("refusal");
        let url = format!("{}/refuse?code=403&body=ab&repeat=4&ctype=text/plain&expose=1&key={k}", srv(12));
        let mut builder = EventSource::builder(&url).transport(Transport::Fetch);
        if let Some(limit) = limit {
            builder = builder.error_body(limit);
        }
        let mut source = builder.connect().unwrap();
        let Some(SseEvent::Error(e)) = next_within(&mut source, 5000).await else { panic!("expected an error") };
        assert_eq!((e.reason, e.status, e.will_reconnect()), (ErrorReason::HttpStatus, 403, false));
        assert_eq!(e.body.as_deref(), Some(expected), "error_body({limit:?}): a refusal has a body, if empty");
        // Cross-origin (the runner's page is on another port): the exposed header is visible.
        let reason = e.headers.iter().find(|(name, _)| name == "x-reason").map(|(_, v)| v.as_str());
        assert_eq!(reason, Some("token-expired"), "{:?}", e.headers);
        assert_eq!(source.next().await, None);
    }
}
