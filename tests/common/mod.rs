//! What the browser test suites share: where the test server is, and small helpers to ask it
//! what it saw. The test command starts the server (tests/server) and passes its address in
//! `ESW_TEST_SERVER`; it listens on that port and the fifteen after it.
#![allow(dead_code)]

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
/// Firefox's in ways page code sees: see `cut_reason`.
pub fn in_webkit() -> bool {
    let ua = Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .unwrap_or_default();
    ua.contains("AppleWebKit") && !ua.contains("Chrome")
}

/// The error reason of a streaming transport when the server cuts the connection in the middle
/// of a chunked body: a network error in Chromium and Firefox; WebKit ends such a body as if it
/// were complete (fetch: done; XHR: load), so there it is the end of the stream.
pub fn cut_reason() -> &'static str {
    if in_webkit() {
        "end-of-stream"
    } else {
        "network"
    }
}

/// A unique key per test, so the server's request log of one test is not another's.
pub fn key(name: &str) -> String {
    format!("{name}-{}", js_sys::Math::random().to_bits())
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &Function, ms: i32) -> i32;
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch_url(url: &str) -> Promise;
}

pub async fn get_json(url: &str) -> JsValue {
    let resp: web_sys::Response = JsFuture::from(fetch_url(url)).await.unwrap().unchecked_into();
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

/// The server's request log for `key`, as (method, lastEventId header, lastEventId query).
pub async fn request_log(key: &str) -> Vec<(String, Option<String>, Option<String>)> {
    let log = get_json(&format!("{}/log?key={key}", server())).await;
    let arr: js_sys::Array = log.unchecked_into();
    arr.iter()
        .map(|e| {
            let s = |v: JsValue| v.as_string();
            let method = s(Reflect::get(&e, &"method".into()).unwrap()).unwrap();
            let headers = Reflect::get(&e, &"headers".into()).unwrap();
            let query = Reflect::get(&e, &"query".into()).unwrap();
            (
                method,
                s(Reflect::get(&headers, &"last-event-id".into()).unwrap()),
                s(Reflect::get(&query, &"lastEventId".into()).unwrap()),
            )
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
    let b64 = web_sys_btoa(&s);
    b64.replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = btoa)]
    pub fn web_sys_btoa(s: &str) -> String;
}

/// Waits until `cond()` holds, re-checking whenever `wake` is called, and fails the test with
/// `describe()` after `ms`.
pub async fn until(
    ms: u32,
    wake: &std::cell::RefCell<Option<Function>>,
    cond: impl Fn() -> bool,
    describe: impl Fn() -> String,
) {
    let deadline = js_sys::Date::now() + f64::from(ms);
    while !cond() {
        let left = deadline - js_sys::Date::now();
        assert!(left > 0.0, "timed out waiting for {}", describe());
        let p = Promise::new(&mut |resolve, _| {
            *wake.borrow_mut() = Some(resolve.clone());
            set_timeout(&resolve, left as i32);
        });
        JsFuture::from(p).await.unwrap();
    }
}
