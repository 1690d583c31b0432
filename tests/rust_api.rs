//! The Rust API (`eventsource_wasm::api::rust`) in headless Chromium and Firefox against the
//! real test server: events as a `Stream`, reconnects, the standard's fail rules, request
//! options, the retry policy, and that dropping the source closes the connection.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use eventsource_wasm::api::rust::{EventSource, Reconnect, SseEvent, Transport};
use eventsource_wasm::connection::RetryPolicy;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The next event, failing the test if none comes within `ms`.
async fn next_within(source: &mut EventSource, ms: i32) -> SseEvent {
    let timeout = js_sys::Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let mut timer = std::pin::pin!(JsFuture::from(timeout));
    let mut next = std::pin::pin!(source.next());
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(ev) = next.as_mut().poll(cx) {
            return std::task::Poll::Ready(ev.expect("the stream ended"));
        }
        if timer.as_mut().poll(cx).is_ready() {
            panic!("no event within {ms} ms");
        }
        std::task::Poll::Pending
    })
    .await
}

use std::future::Future;

fn messages(events: &[SseEvent]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            SseEvent::Message(m) => Some((m.event_type.clone(), m.last_event_id.clone(), m.data.clone())),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn streams_typed_messages_in_order() {
    for transport in [Transport::Fetch, Transport::Xhr, Transport::Native] {
        let k = key("typed");
        let url = format!("{}/stream?n=3&interval=10&ids=1&type=tick&key={k}", srv(2));
        let mut source = EventSource::builder(&url).transport(transport).connect().unwrap();
        source.listen("tick");
        let mut seen = Vec::new();
        while messages(&seen).len() < 3 {
            seen.push(next_within(&mut source, 5000).await);
        }
        assert_eq!(seen[0], SseEvent::Open, "{transport:?}");
        let expected: Vec<_> = (1..=3).map(|i| ("tick".to_owned(), i.to_string(), format!("tick {i}"))).collect();
        assert_eq!(messages(&seen), expected, "{transport:?}");
        if let SseEvent::Message(m) = &seen[1] {
            assert_eq!(m.origin, srv(2));
        }
    }
}

#[wasm_bindgen_test]
async fn reconnects_and_resumes_after_a_drop() {
    let k = key("drop");
    let url = format!("{}/drop?after=2&total=5&retry=50&key={k}", srv(3));
    let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
    let mut seen = Vec::new();
    while messages(&seen).len() < 5 {
        seen.push(next_within(&mut source, 5000).await);
    }
    let ids: Vec<String> = messages(&seen).into_iter().map(|m| m.1).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    // The server resets every connection after 2 events. A reset can take with it what the
    // browser had not handed over yet (an errored fetch body drops the chunks it had queued),
    // sent again after the resume, so how the ids split over the connections is timing. What
    // holds: each cut is one error that will reconnect, and each reconnect carries the last id
    // received before it.
    let mut last_id = None;
    let mut resumes = vec![None];
    for e in &seen {
        match e {
            SseEvent::Message(m) => last_id = Some(m.last_event_id.clone()),
            SseEvent::Error(e) => {
                assert!(e.will_reconnect());
                assert_eq!(e.reason, "network");
                assert_eq!(e.reconnect_delay, Some(Duration::from_millis(50)), "the server's retry: 50");
                resumes.push(last_id.clone());
            }
            SseEvent::Open => {}
        }
    }
    assert!(resumes.len() >= 3, "5 events at 2 a connection take 2 cuts at least: {seen:?}");
    let log = request_log(&k).await;
    assert_eq!(log.iter().map(|l| l.2.clone()).collect::<Vec<_>>(), resumes, "the last event ID on each request");
}

#[wasm_bindgen_test]
async fn fails_for_good_on_bad_status_or_type_and_the_stream_ends() {
    for (path, reason, status) in [
        ("/status?code=204", "http-status", 204),
        ("/status?code=500", "http-status", 500),
        ("/ctype?type=text/plain&close=1", "content-type", 200),
    ] {
        let k = key("fail");
        let url = format!("{}{path}&key={k}", srv(4));
        let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
        let SseEvent::Error(e) = next_within(&mut source, 5000).await else { panic!("{path}: expected an error") };
        assert_eq!((e.reason.as_str(), e.status, e.will_reconnect()), (reason, status, false), "{path}");
        assert_eq!(source.next().await, None, "{path}: the stream ends after a failure");
        assert_eq!(request_log(&k).await.len(), 1, "{path}: no reconnect");
    }
}

#[wasm_bindgen_test]
async fn dropping_the_source_closes_the_connection() {
    let k = key("dropclose");
    let url = format!("{}/stream?n=1000&interval=20&key={k}", srv(5));
    let mut source = EventSource::builder(&url).transport(Transport::Fetch).connect().unwrap();
    assert_eq!(next_within(&mut source, 5000).await, SseEvent::Open);
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
    assert_eq!(next_within(&mut source, 5000).await, SseEvent::Open);
    source.close();
    // What was already received may still come; then the stream ends.
    while let Some(e) = source.next().await {
        assert!(matches!(e, SseEvent::Message(_)), "{e:?}");
    }
    assert_eq!(open_streams(&k, 0).await, 0);
}

#[wasm_bindgen_test]
async fn sends_headers_method_body_and_waits_for_a_type() {
    let k = key("echo");
    let url = format!("{}/echo?cors=full&key={k}", srv(7));
    let mut source = EventSource::builder(&url)
        .method("POST")
        .header("Authorization", "Bearer t0k3n")
        .header("Content-Type", "application/json")
        .headers_with(|last_id, attempt| vec![("X-Attempt".into(), format!("{attempt}/{last_id}"))])
        .body(r#"{"prompt":"hi"}"#)
        .last_event_id("41")
        .connect()
        .unwrap();
    assert_eq!(source.transport(), "fetch", "options beyond the standard pick our own transport");
    let m = source.next_of_type("message").await.unwrap().unwrap();
    let echo = js_sys::JSON::parse(&m.data).unwrap();
    let get = |k: &str| js_sys::Reflect::get(&echo, &k.into()).unwrap();
    assert_eq!(get("method").as_string().as_deref(), Some("POST"));
    assert_eq!(get("body").as_string().as_deref(), Some(r#"{"prompt":"hi"}"#));
    assert_eq!(get("contentType").as_string().as_deref(), Some("application/json"));
    assert_eq!(get("lastEventIdQuery").as_string().as_deref(), Some("41"), "cross-origin: the ID in the query");
    let headers = get("headers");
    let h = |k: &str| js_sys::Reflect::get(&headers, &k.into()).unwrap().as_string();
    assert_eq!(h("authorization").as_deref(), Some("Bearer t0k3n"));
    assert_eq!(h("x-attempt").as_deref(), Some("0/41"));
}

#[wasm_bindgen_test]
async fn the_retry_policy_gives_up_and_the_hook_can_veto() {
    // Nothing listens on this port (the server uses the sixteen from ESW_TEST_SERVER).
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
    while let Some(SseEvent::Error(e)) = source.next().await {
        reasons.push((e.reason.clone(), e.will_reconnect()));
    }
    assert_eq!(
        reasons,
        [("network".into(), true), ("network".into(), true), ("gave-up".into(), false)],
        "two attempts, then give up"
    );

    let mut vetoed = EventSource::builder(&dead)
        .transport(Transport::Xhr)
        .on_reconnect(
            |attempt, _| if attempt >= 2 { Reconnect::GiveUp } else { Reconnect::After(Duration::from_millis(10)) },
        )
        .connect()
        .unwrap();
    let SseEvent::Error(first) = next_within(&mut vetoed, 5000).await else { panic!() };
    assert_eq!(first.reconnect_delay, Some(Duration::from_millis(10)), "the hook re-timed the reconnect");
    let SseEvent::Error(second) = next_within(&mut vetoed, 5000).await else { panic!() };
    assert_eq!((second.reason.as_str(), second.will_reconnect()), ("gave-up", false));
    assert_eq!(vetoed.next().await, None);
}

#[wasm_bindgen_test]
fn auto_streams_with_our_own_transport() {
    let source = EventSource::builder(&format!("{}/stream?n=1", srv(8))).connect().unwrap();
    assert_eq!(source.transport(), "fetch");
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let e = EventSource::builder("http://[").connect().err().unwrap();
    assert_eq!(e.reason, "invalid");
    let e = EventSource::builder("/s").body("x").connect().err().unwrap();
    assert!(e.message.contains("GET"), "{e}");
    let e = EventSource::builder("/s").method("TRACE").connect().err().unwrap();
    assert_eq!(e.reason, "invalid");
    let e = EventSource::builder("/s").transport(Transport::Native).header("A", "b").connect().err().unwrap();
    assert!(e.message.contains("native"), "{e}");
}
