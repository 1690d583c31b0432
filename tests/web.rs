//! Browser tests of the drivers and transports behind the JS class, run in headless Chromium and
//! Firefox by `wasm-pack test` against the real SSE test server (tests/server), which the test
//! command starts and whose address it passes in `ESW_TEST_SERVER` (origin A) and
//! `ESW_TEST_SERVER_B` (a second port). The test page itself is served by
//! wasm-bindgen-test-runner from yet another origin, so every request here is cross-origin.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use eventsource_wasm::api::js::{Emit, Source};
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const OPEN: u32 = 0;
const MESSAGES: u32 = 1;
const ERROR_RECONNECTING: u32 = 2;
const ERROR_CLOSED: u32 = 3;

fn init(transport: &str) -> JsValue {
    let o = js_sys::Object::new();
    Reflect::set(&o, &"transport".into(), &transport.into()).unwrap();
    o.into()
}

#[derive(Debug, Clone, PartialEq)]
struct Emitted {
    kind: u32,
    text: String,
    num: u32,
}

/// Records what a [`Source`] reports and lets a test await the next report with a deadline.
struct Recorder {
    seen: Rc<RefCell<Vec<Emitted>>>,
    wake: Rc<RefCell<Option<Function>>>,
    _closure: Closure<dyn FnMut(u32, String, u32)>,
    emit: Emit,
}

impl Recorder {
    fn new() -> Recorder {
        let seen: Rc<RefCell<Vec<Emitted>>> = Rc::default();
        let wake: Rc<RefCell<Option<Function>>> = Rc::default();
        let closure = Closure::<dyn FnMut(u32, String, u32)>::new({
            let seen = seen.clone();
            let wake = wake.clone();
            move |kind, text: String, num| {
                // Errors carry `reason CR statusText`; the reason is what these tests check.
                let text = if kind == ERROR_RECONNECTING || kind == ERROR_CLOSED {
                    text.split('\r').next().unwrap_or_default().to_owned()
                } else {
                    text
                };
                seen.borrow_mut().push(Emitted { kind, text, num });
                if let Some(f) = wake.borrow_mut().take() {
                    let _ = f.call0(&JsValue::UNDEFINED);
                }
            }
        });
        let emit: Emit = closure.as_ref().clone().unchecked_into();
        Recorder { seen, wake, _closure: closure, emit }
    }

    fn open(&self, url: &str, init: JsValue) -> Result<Source, JsValue> {
        Source::new(url, init, JsValue::clone(&self.emit).unchecked_into())
    }

    fn all(&self) -> Vec<Emitted> {
        self.seen.borrow().clone()
    }

    /// Waits until `cond` holds for what was seen, failing the test after `ms`.
    async fn until(&self, ms: u32, what: &str, cond: impl Fn(&[Emitted]) -> bool) {
        common::until(ms, &self.wake, || cond(&self.seen.borrow()), || format!("{what}; seen: {:?}", self.all())).await;
    }

    /// The events seen so far, unpacked as (type, id, data).
    fn events(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for e in self.seen.borrow().iter().filter(|e| e.kind == MESSAGES) {
            let parts: Vec<&str> = e.text.split('\r').collect();
            for t in parts.chunks_exact(3) {
                let ty = if t[0].is_empty() { "message" } else { t[0] };
                out.push((ty.to_owned(), t[1].to_owned(), t[2].to_owned()));
            }
        }
        out
    }
}

/// The transports driven by the Rust core; each behavioural case runs on all of them.
const CORE_TRANSPORTS: [&str; 3] = ["fetch", "xhr", "longpoll"];

#[wasm_bindgen_test]
async fn streams_typed_events_with_ids_and_origin() {
    for t in CORE_TRANSPORTS {
        typed_events(t).await;
    }
}

async fn typed_events(transport: &str) {
    let rec = Recorder::new();
    let k = key("typed");
    let url = format!("{}/stream?n=3&interval=10&ids=1&type=tick&key={k}", srv(2));
    let src = rec.open(&url, init(transport)).unwrap();
    assert_eq!(src.transport(), transport);
    assert_eq!(src.ready_state(), 0);
    rec.until(5000, "three events", |s| s.iter().filter(|e| e.kind == MESSAGES).count() >= 1).await;
    rec.until(5000, "three events", |_| rec.events().len() >= 3).await;
    let all = rec.all();
    assert_eq!(all[0], Emitted { kind: OPEN, text: srv(2), num: 0 });
    assert_eq!(src.ready_state(), 1);
    let ev = rec.events();
    assert_eq!(ev, (1..=3).map(|i| ("tick".to_owned(), i.to_string(), format!("tick {i}"))).collect::<Vec<_>>());
    src.close();
    assert_eq!(src.ready_state(), 2);
}

#[wasm_bindgen_test]
async fn bytes_split_anywhere_give_the_same_events() {
    for t in CORE_TRANSPORTS {
        split_bytes(t).await;
    }
}

async fn split_bytes(transport: &str) {
    // A BOM, CRLF/CR/LF, a CR at the end of one write and its LF in the next, and a
    // four-byte character split across writes, delivered one byte per write.
    let stream = "\u{feff}data: a\u{1F600}b\r\n\r\nid: 7\rdata: c\r\ndata: d\n\n:c\nevent: x\ndata\n\n";
    let k = key("split");
    let url = format!("{}/raw?b64={}&chunk=1&delay=1&key={k}", srv(3), b64url(stream.as_bytes()));
    let rec = Recorder::new();
    let src = rec.open(&url, init(transport)).unwrap();
    rec.until(8000, "three events", |_| rec.events().len() >= 3).await;
    assert_eq!(
        rec.events(),
        vec![
            ("message".into(), "".into(), "a\u{1F600}b".into()),
            ("message".into(), "7".into(), "c\nd".into()),
            ("x".into(), "7".into(), "".into()),
        ]
    );
    src.close();
}

async fn expect_failure(transport: &str, path: &str, reason: &str, status: u32) {
    let rec = Recorder::new();
    let k = key("fail");
    let src = rec.open(&format!("{}{path}&key={k}", srv(4)), init(transport)).unwrap();
    rec.until(5000, &format!("an error ({transport} {path})"), |s| s.iter().any(|e| e.kind >= ERROR_RECONNECTING))
        .await;
    let all = rec.all();
    assert_eq!(all, vec![Emitted { kind: ERROR_CLOSED, text: reason.into(), num: status }], "{transport} {path}");
    assert_eq!(src.ready_state(), 2);
    // Closed for good: the source must not have asked again.
    assert_eq!(request_log(&k).await.len(), 1, "{path}: exactly one request");
}

#[wasm_bindgen_test]
async fn fails_on_204_500_and_wrong_content_type() {
    for t in CORE_TRANSPORTS {
        expect_failure(t, "/status?code=204", "http-status", 204).await;
        expect_failure(t, "/status?code=500", "http-status", 500).await;
        // The body ends: Chromium's XHR holds back a text/plain response until it has enough
        // bytes to sniff, or the end.
        expect_failure(t, "/ctype?type=text/plain&close=1", "content-type", 200).await;
        expect_failure(t, "/ctype?type=none&close=1", "content-type", 200).await;
    }
}

#[wasm_bindgen_test]
async fn reconnects_after_a_drop_with_the_last_event_id_in_the_query() {
    for t in CORE_TRANSPORTS {
        drop_and_resume(t).await;
    }
}

async fn drop_and_resume(transport: &str) {
    let rec = Recorder::new();
    let k = key("drop");
    let url = format!("{}/drop?after=2&total=5&retry=50&key={k}", srv(5));
    let src = rec.open(&url, init(transport)).unwrap();
    rec.until(8000, "five events", |_| rec.events().len() >= 5).await;
    let ids: Vec<String> = rec.events().into_iter().map(|e| e.1).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"], "{transport}: each event exactly once, in order");
    // Each drop is one error (CONNECTING), and each connection opens before its events. The
    // server drops the socket after every second event; a drop can take with it what the browser
    // had not handed over yet (XHR discards `responseText` on a network error, an errored fetch
    // body drops the chunks it had queued), which the server then sends again: how many drops
    // there are is timing. XHR (and long-polling over it) may also report a drop right behind
    // the headers as a bare error, without the open. Each request carries the last id received
    // before it.
    let mut last_id = None;
    let mut expected_ids = vec![None];
    let mut opened = false;
    let mut bare = 0;
    let mut shape = true;
    for e in rec.all() {
        match e.kind {
            MESSAGES => {
                shape &= opened;
                last_id = e.text.split('\r').rev().nth(2).map(str::to_owned);
            }
            OPEN => {
                shape &= !opened;
                opened = true;
            }
            ERROR_RECONNECTING => {
                bare += usize::from(!opened);
                opened = false;
                expected_ids.push(last_id.clone());
            }
            _ => shape = false,
        }
    }
    assert!(shape && opened, "{transport}: open, events, error per connection: {:?}", rec.all());
    if transport == "fetch" {
        assert_eq!(bare, 0, "{transport}: every fetch connection opens: {:?}", rec.all());
    }
    let drops = expected_ids.len() - 1;
    assert!(drops >= 2, "{transport}: 5 events at 2 a connection take 2 drops at least");
    let log = request_log(&k).await;
    assert_eq!(log.len(), drops + 1);
    // Cross-origin: the id travels in the query, so the request stays CORS-simple.
    assert!(log.iter().all(|(m, _, _)| m == "GET"), "no preflight: {log:?}");
    let sent: Vec<Option<String>> = log.iter().map(|l| l.2.clone()).collect();
    assert_eq!(sent, expected_ids, "{transport}: the last event ID on each reconnect");
    assert!(log.iter().all(|l| l.1.is_none()));
    src.close();
}

#[wasm_bindgen_test]
async fn streaming_transports_honour_retry() {
    for t in ["fetch", "xhr"] {
        honours_retry(t).await;
    }
}

async fn honours_retry(transport: &str) {
    let rec = Recorder::new();
    let k = key("retry");
    let url = format!("{}/end?after=1&total=2&retry=400&key={k}", srv(6));
    let src = rec.open(&url, init(transport)).unwrap();
    let t0 = std::cell::Cell::new(0.0);
    rec.until(5000, "the end of the first stream", |s| s.iter().any(|e| e.kind == ERROR_RECONNECTING)).await;
    t0.set(js_sys::Date::now());
    rec.until(5000, "the second open", |s| s.iter().filter(|e| e.kind == OPEN).count() == 2).await;
    let gap = js_sys::Date::now() - t0.get();
    assert!(gap >= 350.0, "reconnected after {gap} ms, before the 400 ms the server asked for");
    assert!(gap < 2500.0, "reconnected after {gap} ms: retry: was ignored (default is 3 s)");
    src.close();
}

#[wasm_bindgen_test]
async fn close_stops_everything() {
    for t in CORE_TRANSPORTS {
        close_stops(t).await;
    }
}

async fn close_stops(transport: &str) {
    let rec = Recorder::new();
    let k = key("close");
    let url = format!("{}/stream?n=1000&interval=20&key={k}", srv(7));
    let src = rec.open(&url, init(transport)).unwrap();
    rec.until(5000, "a first event", |_| !rec.events().is_empty()).await;
    src.close();
    let seen = rec.all().len();
    assert_eq!(open_streams(&k, 0).await, 0, "the server still sees the stream open");
    // Events were flowing every 20 ms: by now any leak would have shown up.
    assert_eq!(rec.all().len(), seen, "something was reported after close()");
    assert_eq!(request_log(&k).await.len(), 1);
    assert_eq!(src.ready_state(), 2);
}

#[wasm_bindgen_test]
async fn close_while_connecting_reports_nothing() {
    for t in CORE_TRANSPORTS {
        close_early(t).await;
    }
}

async fn close_early(transport: &str) {
    let rec = Recorder::new();
    let k = key("early");
    let src = rec.open(&format!("{}/stream?n=3&key={k}", srv(8)), init(transport)).unwrap();
    src.close();
    // The request may or may not have reached the server; either way it must end.
    assert_eq!(open_streams(&k, 0).await, 0);
    assert!(rec.all().is_empty(), "{:?}", rec.all());
}

#[wasm_bindgen_test]
async fn oversized_event_fails_the_connection() {
    for t in ["fetch", "xhr"] {
        oversized(t).await;
    }
}

async fn oversized(transport: &str) {
    let rec = Recorder::new();
    let k = key("big");
    let url = format!("{}/big?size={}&key={k}", srv(9), 17 * 1024 * 1024);
    let src = rec.open(&url, init(transport)).unwrap();
    rec.until(20000, "the size-limit error", |s| s.iter().any(|e| e.kind == ERROR_CLOSED)).await;
    let last = rec.all().pop().unwrap();
    assert_eq!((last.kind, last.text.as_str()), (ERROR_CLOSED, "size-limit"));
    assert!(rec.events().is_empty());
    assert_eq!(open_streams(&k, 0).await, 0, "the oversized stream was not aborted");
    assert_eq!(src.ready_state(), 2);
}

#[wasm_bindgen_test]
async fn native_transport_mirrors_the_browser() {
    let rec = Recorder::new();
    let k = key("native");
    let url = format!("{}/stream?n=2&interval=10&ids=1&type=tick&key={k}", server_b());
    let src = rec.open(&url, JsValue::UNDEFINED).unwrap();
    assert_eq!(src.transport(), "native", "auto picks native where the browser has it");
    src.listen("tick");
    rec.until(5000, "two events", |_| rec.events().len() >= 2).await;
    assert_eq!(rec.all()[0].kind, OPEN);
    assert_eq!(
        rec.events(),
        vec![("tick".into(), "1".into(), "tick 1".into()), ("tick".into(), "2".into(), "tick 2".into())]
    );
    src.close();
    assert_eq!(open_streams(&k, 0).await, 0);
}

#[wasm_bindgen_test]
async fn native_transport_reports_failure_as_closed() {
    let rec = Recorder::new();
    let k = key("nativefail");
    let src = rec.open(&format!("{}/status?code=500&key={k}", srv(11)), init("native")).unwrap();
    rec.until(5000, "an error", |s| !s.is_empty()).await;
    assert_eq!(rec.all(), vec![Emitted { kind: ERROR_CLOSED, text: "native".into(), num: 0 }]);
    assert_eq!(src.ready_state(), 2);
}

#[wasm_bindgen_test]
fn bad_urls_and_options_throw_like_the_native_constructor() {
    let rec = Recorder::new();
    let err = rec.open("http://[", JsValue::UNDEFINED).err().expect("a bad URL must throw");
    let name = Reflect::get(&err, &"name".into()).unwrap().as_string();
    assert_eq!(name.as_deref(), Some("SyntaxError"));
    assert!(err.is_instance_of::<web_sys::DomException>());

    let err = rec.open(server(), init("carrier-pigeon")).err().expect("an unknown transport must throw");
    assert!(err.is_instance_of::<js_sys::TypeError>());
    let err = rec.open(server(), JsValue::from(5)).err().expect("a non-object init must throw");
    assert!(err.is_instance_of::<js_sys::TypeError>());
    assert!(rec.all().is_empty());
}

#[wasm_bindgen_test]
fn relative_urls_resolve_against_the_page() {
    let rec = Recorder::new();
    let src = rec.open("/nowhere?x=1", init("fetch")).unwrap();
    let page = web_sys::Url::new(&web_sys_location_href()).unwrap();
    assert_eq!(src.url(), format!("{}/nowhere?x=1", page.origin()));
    src.close();
}

fn web_sys_location_href() -> String {
    let location = Reflect::get(&js_sys::global(), &"location".into()).unwrap();
    Reflect::get(&location, &"href".into()).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn longpoll_asks_for_the_next_batch_at_once_and_silently() {
    let rec = Recorder::new();
    let k = key("poll");
    // Each response carries three events and ends; the server also sends `retry: 5000`,
    // which a streaming transport would wait out before every batch.
    let url = format!("{}/longpoll?n=3&retry=5000&key={k}", srv(12));
    let src = rec.open(&url, init("longpoll")).unwrap();
    rec.until(5000, "nine events", |_| rec.events().len() >= 9).await;
    let ids: Vec<String> = rec.events().into_iter().take(9).map(|e| e.1).collect();
    assert_eq!(ids, (1..=9).map(|i| i.to_string()).collect::<Vec<_>>());
    let others: Vec<u32> = rec.all().iter().map(|e| e.kind).filter(|&k| k != MESSAGES).collect();
    assert_eq!(others, [OPEN], "polling again must be invisible to the page");
    assert_eq!(src.ready_state(), 1);
    let log = request_log(&k).await;
    assert!(log.len() >= 3);
    assert_eq!((log[1].2.as_deref(), log[2].2.as_deref()), (Some("3"), Some("6")));
    src.close();
}

#[wasm_bindgen_test]
async fn xhr_recycles_its_growing_buffer_without_losing_an_event() {
    // 200,000 events of 32 bytes: about 10 MB of responseText, more than twice the limit, so a
    // fresh request must take over (how often depends on how the browser batches progress),
    // resuming from the last event ID.
    let rec = Recorder::new();
    let k = key("recycle");
    let n = 200_000;
    let src = rec.open(&format!("{}/burst?n={n}&size=32&key={k}", srv(13)), init("xhr")).unwrap();
    rec.until(60000, "all events", |_| rec.events().len() >= n).await;
    let events = rec.events();
    assert_eq!(events.len(), n, "events were repeated");
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.1, (i + 1).to_string(), "event {i} is out of order or missing");
    }
    let others: Vec<u32> = rec.all().iter().map(|e| e.kind).filter(|&k| k != MESSAGES).collect();
    assert_eq!(others, [OPEN], "a recycle must be invisible to the page");
    let log = request_log(&k).await;
    assert!(log.len() >= 2, "expected the request to be recycled, got {} requests", log.len());
    assert!(log[1..].iter().all(|l| l.2.is_some()), "every fresh request resumes: {log:?}");
    src.close();
}

#[wasm_bindgen_test]
async fn auto_switches_to_longpoll_behind_a_buffering_proxy() {
    // Hide the native class so that `auto` streams with fetch, as in a browser without it.
    let global = js_sys::global();
    let native = Reflect::get(&global, &"EventSource".into()).unwrap();
    Reflect::delete_property(&global, &"EventSource".into()).unwrap();
    let rec = Recorder::new();
    let k = key("buffered");
    let url = format!("{}/buffered?n=3&delay=1100&key={k}", srv(14));
    let src = rec.open(&url, JsValue::UNDEFINED);
    Reflect::set(&global, &"EventSource".into(), &native).unwrap();
    let src = src.unwrap();
    assert_eq!(src.transport(), "fetch");
    rec.until(10000, "six events", |_| rec.events().len() >= 6).await;
    let ids: Vec<String> = rec.events().into_iter().take(6).map(|e| e.1).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"]);
    let others: Vec<(u32, String)> =
        rec.all().into_iter().filter(|e| e.kind != MESSAGES).map(|e| (e.kind, e.text)).collect();
    assert_eq!(others, [(OPEN, srv(14)), (5, "longpoll".to_owned())]);
    src.close();
}

/// A chunk containing this makes the driver panic, in builds with the `test-panic` feature
/// (the test command enables it for these suites).
#[cfg(feature = "test-panic")]
#[wasm_bindgen_test]
async fn a_panic_fails_one_source_and_the_others_go_on() {
    const CRASHED: u32 = 6;
    let bad = Recorder::new();
    let good = Recorder::new();
    let kb = key("panic");
    let kg = key("survivor");
    let poison = "data: __panic_here__\n\n";
    let bad_url = format!("{}/raw?b64={}&key={kb}", srv(15), b64url(poison.as_bytes()));
    let good_url = format!("{}/stream?n=50&interval=20&ids=1&key={kg}", srv(15));
    let fetch_source = good.open(&good_url, init("fetch")).unwrap();
    let xhr_good = Recorder::new();
    let xhr_source = xhr_good.open(&good_url.replace("key=", "key=x"), init("xhr")).unwrap();
    good.until(5000, "the survivor's first event", |_| !good.events().is_empty()).await;
    let doomed = bad.open(&bad_url, init("fetch")).unwrap();
    bad.until(5000, "the crash report", |s| s.iter().any(|e| e.kind == CRASHED)).await;
    assert!(bad.all().iter().all(|e| e.kind == OPEN || e.kind == CRASHED), "{:?}", bad.all());
    assert_eq!(doomed.ready_state(), 2, "the crashed source reads as closed");
    // The others keep streaming, in order, after the panic.
    let before = good.events().len();
    good.until(5000, "more events after the panic", |_| good.events().len() >= before + 5).await;
    xhr_good.until(5000, "the XHR source's events", |_| xhr_good.events().len() >= 5).await;
    let ids: Vec<String> = good.events().into_iter().map(|e| e.1).collect();
    assert_eq!(ids, (1..=ids.len()).map(|i| i.to_string()).collect::<Vec<_>>());
    // And new sources still work.
    let late = Recorder::new();
    let fresh = late.open(&format!("{}/stream?n=2&ids=1&key={kg}late", srv(15)), init("fetch")).unwrap();
    late.until(5000, "a new source's events", |_| late.events().len() >= 2).await;
    fetch_source.close();
    xhr_source.close();
    fresh.close();
    doomed.close(); // harmless on a crashed source
}

/// A chunk containing `__grow_here__` (`__detach_here__`) makes wasm memory grow, and grow again
/// right after the fetch transport makes its next view of memory (between fetching the buffer
/// and making the view), as wasm-bindgen's externref table can when they take their slots
/// (builds with the `test-panic` feature).
#[cfg(feature = "test-panic")]
#[wasm_bindgen_test]
async fn fetch_copies_chunks_on_when_memory_grows_while_it_is_viewed() {
    for trigger in ["__grow_here__", "__detach_here__"] {
        let rec = Recorder::new();
        let k = key("grow");
        // Events of one size, sent as chunks of that size: the trigger arrives alone, and every
        // later event in a chunk of its own, each copied through the view.
        let first = format!("data: {trigger}\n\n");
        let mut body = first.clone();
        let pad = "_".repeat(first.len() - "id: 1\ndata: \n\n".len() - 1);
        for i in 1..=5 {
            body.push_str(&format!("id: {i}\ndata: {pad}{i}\n\n"));
        }
        let url = format!("{}/raw?b64={}&chunk={}&delay=30&key={k}", srv(16), b64url(body.as_bytes()), first.len());
        let pages_before = core::arch::wasm32::memory_size(0);
        let src = rec.open(&url, init("fetch")).unwrap();
        rec.until(5000, "six events", |_| rec.events().len() >= 6).await;
        let data: Vec<String> = rec.events().into_iter().map(|e| e.2).collect();
        let expected: Vec<String> =
            [trigger.to_owned()].into_iter().chain((1..=5).map(|i| format!("{pad}{i}"))).collect();
        assert_eq!(data, expected, "{trigger}");
        assert!(rec.all().iter().all(|e| e.kind == OPEN || e.kind == MESSAGES), "{trigger}: {:?}", rec.all());
        // The fault was injected: memory grew twice, so the copies went through a new view.
        assert!(core::arch::wasm32::memory_size(0) >= pages_before + 2, "{trigger}: memory did not grow");
        src.close();
    }
}
