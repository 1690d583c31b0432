//! What the browser test suites share: where the test server is, small helpers to ask it what it
//! saw, and waits with deadlines for a source's events. The test command starts the server
//! (tests/server) and passes its address in `ESW_TEST_SERVER`; it listens on that port and the
//! sixteen after it.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use eventsource_wasm::api::rust::{Error, ErrorReason, EventSource, Message, SseEvent};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub fn server() -> &'static str {
    option_env!("ESW_TEST_SERVER").unwrap_or("http://127.0.0.1:9317")
}

/// Origin A on its `slot`-th extra port. Tests run concurrently and a browser opens at most
/// six HTTP/1.1 connections to one host and port, so each test streams from a port of its own.
pub fn srv(slot: u16) -> String {
    let (host, port) = server().rsplit_once(':').unwrap();
    format!("{host}:{}", port.parse::<u16>().unwrap() + slot)
}

pub fn server_b() -> &'static str {
    option_env!("ESW_TEST_SERVER_B").unwrap_or("http://127.0.0.1:9318")
}

/// Whether the tests run in WebKit (Safari's engine; here WebKitGTK's MiniBrowser), told by its
/// user agent (AppleWebKit without Chrome). Its network stack differs from Chromium's and
/// Firefox's in ways page code sees: see `is_cut_reason`.
pub fn in_webkit() -> bool {
    let ua = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .unwrap_or_default();
    ua.contains("AppleWebKit") && !ua.contains("Chrome")
}

/// Whether `reason` is one a streaming transport may give when the server cuts the connection
/// between two chunks of a chunked body: a network error in Chromium and Firefox. WebKit may also
/// end such a body as if it were complete (fetch: done; XHR: load), depending on where the cut
/// meets its read, so there the end of the stream is one too.
pub fn is_cut_reason(reason: ErrorReason) -> bool {
    reason == ErrorReason::Network || (in_webkit() && reason == ErrorReason::EndOfStream)
}

/// A unique key per test, so the server's request log of one test is not another's.
pub fn key(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random().to_bits())
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(id: i32);
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch_url(url: &str) -> Promise;
    #[wasm_bindgen(js_name = btoa)]
    fn btoa(s: &str) -> String;
}

pub async fn get_json(url: &str) -> JsValue {
    let resp: web_sys::Response = JsFuture::from(fetch_url(url)).await.unwrap().unchecked_into();
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

/// One request as the server logged it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// The `Last-Event-ID` header.
    pub id_header: Option<String>,
    /// The `lastEventId` query parameter.
    pub id_query: Option<String>,
    pub body: Option<String>,
    /// The request's headers, by lower-case name.
    pub headers: JsValue,
    /// When the request came, by the server's clock (ms since the epoch).
    pub time: f64,
}

impl Logged {
    pub fn header(&self, name: &str) -> Option<String> {
        Reflect::get(&self.headers, &name.into()).ok().and_then(|v| v.as_string())
    }
}

/// The server's request log for `key` (preflights included).
pub async fn request_log(key: &str) -> Vec<Logged> {
    raw_request_log(key).await.into_iter().filter(|l| l.method != "OPTIONS" && l.method != "HEAD").collect()
}

/// Every request the server saw for `key`, the library's CORS work included: the test pages are
/// served from another origin than the test server, so the first reconnect's `Last-Event-ID`
/// header needs a preflight, which this server refuses (OPTIONS); a no-cors HEAD probe then finds
/// the server up, and the ID moves to the query for good. [`request_log`] leaves those out.
pub async fn raw_request_log(key: &str) -> Vec<Logged> {
    let log = get_json(&format!("{}/log?key={key}", server())).await;
    let arr: js_sys::Array = log.unchecked_into();
    arr.iter()
        .map(|e| {
            let get = |v: &JsValue, k: &str| Reflect::get(v, &k.into()).unwrap();
            let headers = get(&e, "headers");
            let query = get(&e, "query");
            Logged {
                method: get(&e, "method").as_string().unwrap(),
                id_header: get(&headers, "last-event-id").as_string(),
                id_query: get(&query, "lastEventId").as_string(),
                body: get(&e, "body").as_string(),
                headers,
                time: get(&e, "time").as_f64().unwrap(),
            }
        })
        .collect()
}

/// Waits (on the server) until `key` has `n` open streams; returns the count.
pub async fn open_streams(key: &str, n: u32) -> u32 {
    let v = get_json(&format!("{}/open?key={key}&until={n}&timeout=10000", server())).await;
    Reflect::get(&v, &"open".into()).unwrap().as_f64().unwrap() as u32
}

pub fn b64url(bytes: &[u8]) -> String {
    let s: String = bytes.iter().map(|&b| b as char).collect();
    btoa(&s).replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned()
}

/// Resolves after `ms`.
pub async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    JsFuture::from(p).await.unwrap();
}

/// `fut`'s output, or `None` if it takes longer than `ms`.
pub async fn within<T>(ms: u32, fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = pin!(fut);
    // Mostly the event is there already: no timer for that.
    let ready = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await;
    if let Poll::Ready(v) = ready {
        return Some(v);
    }
    let mut id = 0;
    let timeout = Promise::new(&mut |resolve, _| {
        id = set_timeout(&resolve, ms.min(i32::MAX as u32) as i32);
    });
    let mut timer = pin!(JsFuture::from(timeout));
    let result = std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await;
    clear_timeout(id);
    result
}

/// The next event (`None`: the stream ended), failing the test if none comes within `ms`.
pub async fn next_within(source: &mut EventSource, ms: u32) -> Option<SseEvent> {
    match within(ms, source.next()).await {
        Some(event) => event,
        None => panic!("no event within {ms} ms from {}", source.url()),
    }
}

/// Takes events until `done` holds for all taken so far (or the stream ends), failing the test
/// with `what` after `ms`.
pub async fn take_until(
    source: &mut EventSource,
    ms: u32,
    what: &str,
    done: impl Fn(&[SseEvent]) -> bool,
) -> Vec<SseEvent> {
    let deadline = js_sys::Date::now() + f64::from(ms);
    let mut seen = Vec::new();
    while !done(&seen) {
        let left = deadline - js_sys::Date::now();
        assert!(left > 0.0, "timed out waiting for {what}; seen: {seen:?}");
        match within(left as u32, source.next()).await {
            Some(Some(event)) => seen.push(event),
            Some(None) => panic!("the stream ended while waiting for {what}; seen: {seen:?}"),
            None => panic!("timed out waiting for {what}; seen: {seen:?}"),
        }
    }
    seen
}

/// Everything left in a closed source's stream, up to its end (which must come at once: a
/// closed source has nothing more to wait for).
pub async fn drain(source: &mut EventSource) -> Vec<SseEvent> {
    let mut rest = Vec::new();
    loop {
        match within(1000, source.next()).await {
            Some(Some(event)) => rest.push(event),
            Some(None) => return rest,
            None => panic!("the stream of a closed source did not end; got {rest:?}"),
        }
    }
}

pub fn messages(events: &[SseEvent]) -> Vec<&Message> {
    events
        .iter()
        .filter_map(|e| match e {
            SseEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// The messages as (type, id, data).
pub fn triples(events: &[SseEvent]) -> Vec<(String, String, String)> {
    messages(events).iter().map(|m| (m.event_type.clone(), m.last_event_id.clone(), m.data.clone())).collect()
}

pub fn errors(events: &[SseEvent]) -> Vec<&Error> {
    events
        .iter()
        .filter_map(|e| match e {
            SseEvent::Error(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// What is not a message, in order: `open`, or the error's reason.
pub fn others(events: &[SseEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            SseEvent::Open => Some("open".to_owned()),
            SseEvent::Error(e) => Some(e.reason.as_str().to_owned()),
            SseEvent::Message(_) | SseEvent::Comment(_) => None,
        })
        .collect()
}
