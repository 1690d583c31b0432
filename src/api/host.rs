//! The Rust face's side of the JavaScript host (`js/host.js`), the one module that calls the
//! platform: `fetch` and its body, `XMLHttpRequest`, the browser's own `EventSource`, timers and
//! the page's lifecycle. wasm-bindgen ships it as a snippet of the application's bindings.
//!
//! The host's report protocol (see the top of `js/host.js`) is mirrored here, once.

#[allow(unused_imports)]
use crate::prelude::*;
use wasm_bindgen::prelude::*;

/// `report(REPORT_RESPONSE, status, statusText, contentType, retryAfter, date, url)`.
pub(crate) const REPORT_RESPONSE: u32 = 0;
/// `report(REPORT_BYTES, Uint8Array)`: a chunk of a `fetch` body.
pub(crate) const REPORT_BYTES: u32 = 1;
/// `report(REPORT_TEXT, string, handedOver)`: new text of an XHR body.
pub(crate) const REPORT_TEXT: u32 = 2;
/// The request's body ended.
pub(crate) const REPORT_END: u32 = 3;
/// The request failed.
pub(crate) const REPORT_NETWORK_ERROR: u32 = 4;
/// The request was aborted by someone else.
pub(crate) const REPORT_ABORTED: u32 = 5;
/// The cross-origin request failed and the server answers a no-cors probe: CORS refused it.
pub(crate) const REPORT_CORS: u32 = 6;
/// What was fetched gave no response with a readable body.
pub(crate) const REPORT_NOT_A_RESPONSE: u32 = 7;
/// `request()`'s flags: over XHR (else fetch).
pub(crate) const FLAG_XHR: u32 = 1;
/// `request()`'s flags: cross-origin (a failure is probed to tell CORS from the network).
pub(crate) const FLAG_CROSS_ORIGIN: u32 = 4;

/// What `request()` reports to: `(kind, a, b, c, d, e, f, g) -> go on`. `a` and `b` change type
/// with the kind; `c` to `f` are strings or nothing, and `g` the function that gives the response
/// headers CORS lets the page see as `[name, value]` pairs (only a response has them).
pub(crate) type Report =
    dyn Fn(u32, JsValue, JsValue, Option<String>, Option<String>, Option<String>, Option<String>, JsValue) -> bool;

/// What `listen()` reports to: `(type, data, lastEventId, origin)`.
pub(crate) type Listener = dyn Fn(String, String, String, String);

#[wasm_bindgen(module = "/js/host.js")]
extern "C" {
    /// What the environment offers, as `Platform::from_bits` reads it.
    pub(crate) fn facts() -> u32;
    /// The environment's origin ('' where it has none).
    pub(crate) fn origin() -> String;
    /// Whether the page is hidden now.
    pub(crate) fn hidden() -> bool;
    /// `url` resolved as the EventSource constructor resolves it; throws when it cannot be parsed.
    #[wasm_bindgen(catch)]
    pub(crate) fn resolve(url: &str) -> Result<String, JsValue>;
    /// Starts a request; returns the function that aborts it. `flags`: [`FLAG_XHR`],
    /// [`FLAG_CROSS_ORIGIN`]; `headers` alternates names and values; `credentials` is 0 omit,
    /// 1 same-origin, 2 include.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn request(
        report: &js_sys::Function,
        flags: u32,
        url: &str,
        method: &str,
        headers: Vec<String>,
        body: Option<&str>,
        credentials: u32,
        custom_fetch: &JsValue,
    ) -> js_sys::Function;
    /// Hands over the XHR driver (js/xhr.js), which the npm package loads on first use.
    #[wasm_bindgen(js_name = useXhr)]
    fn use_xhr(driver: &JsValue);
    /// The browser's own EventSource, with these handlers.
    pub(crate) fn native(
        url: &str,
        with_credentials: bool,
        on_open: &js_sys::Function,
        on_error: &js_sys::Function,
    ) -> NativeSource;
    /// Reports `(type, data, lastEventId, origin)` for each message of that type; returns the
    /// function that stops it.
    pub(crate) fn listen(es: &NativeSource, event_type: &str, report: &js_sys::Function) -> js_sys::Function;
    /// Closes a native source and drops its handlers.
    #[wasm_bindgen(js_name = closeNative)]
    pub(crate) fn close_native(es: &NativeSource);
    /// Calls `callback` after `ms`; returns the timer's id for `cancel`.
    pub(crate) fn timer(ms: f64, callback: &js_sys::Function) -> JsValue;
    /// Stops a timer.
    pub(crate) fn cancel(id: &JsValue);
    /// Milliseconds on the monotonic clock.
    pub(crate) fn now() -> f64;
    /// Milliseconds since the Unix epoch.
    #[wasm_bindgen(js_name = wallClock)]
    pub(crate) fn wall_clock() -> f64;
    /// Calls `callback` with 0 online, 1 restored, 2 hidden, 3 shown, for the events `bits`
    /// asks for; returns the function that stops listening.
    pub(crate) fn watch(bits: u32, callback: &js_sys::Function) -> js_sys::Function;
}

// The host's XHR driver, a module of its own (the npm package loads it on first use). As a
// snippet of the crate, wasm-bindgen ships it beside js/host.js and imports it at start.
#[wasm_bindgen(module = "/js/xhr.js")]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_name = viaXhr)]
    static VIA_XHR: JsValue;
}

/// Hands the host its XHR driver, before a request over XHR (a call that sets a variable).
pub(crate) fn provide_xhr() {
    VIA_XHR.with(use_xhr);
}

#[wasm_bindgen]
extern "C" {
    /// The browser's `EventSource` the host made.
    #[derive(Clone)]
    pub(crate) type NativeSource;
    /// 0 connecting, 1 open, 2 closed. The host has no function for it: the one property the
    /// face reads itself.
    #[wasm_bindgen(method, getter, structural, js_name = readyState)]
    pub(crate) fn ready_state(this: &NativeSource) -> u16;
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    #[wasm_bindgen(module = "/js/host.js")]
    extern "C" {
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_RESPONSE)]
        static JS_RESPONSE: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_BYTES)]
        static JS_BYTES: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_TEXT)]
        static JS_TEXT: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_END)]
        static JS_END: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_NETWORK_ERROR)]
        static JS_NETWORK_ERROR: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_ABORTED)]
        static JS_ABORTED: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_CORS)]
        static JS_CORS: u32;
        #[wasm_bindgen(thread_local_v2, js_name = REPORT_NOT_A_RESPONSE)]
        static JS_NOT_A_RESPONSE: u32;
    }

    #[wasm_bindgen_test]
    fn the_report_kinds_are_the_hosts() {
        let ours = [
            REPORT_RESPONSE,
            REPORT_BYTES,
            REPORT_TEXT,
            REPORT_END,
            REPORT_NETWORK_ERROR,
            REPORT_ABORTED,
            REPORT_CORS,
            REPORT_NOT_A_RESPONSE,
        ];
        let theirs = [
            JS_RESPONSE.with(|v| *v),
            JS_BYTES.with(|v| *v),
            JS_TEXT.with(|v| *v),
            JS_END.with(|v| *v),
            JS_NETWORK_ERROR.with(|v| *v),
            JS_ABORTED.with(|v| *v),
            JS_CORS.with(|v| *v),
            JS_NOT_A_RESPONSE.with(|v| *v),
        ];
        assert_eq!(ours, theirs);
    }
}
