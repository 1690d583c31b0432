//! The few facts about the JavaScript environment that Rust needs, found without assuming a
//! `Window`: the same build runs in pages, workers, service workers and Node.js.

use crate::prelude::*;
use js_sys::{global, Reflect};
use wasm_bindgen::prelude::*;

use crate::connection::Millis;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    // The global functions, whatever the global object is. Node.js returns an object, not a
    // number, hence `JsValue`.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &JsValue, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A `setTimeout` that is cancelled when dropped (also from inside its own callback, which
/// wasm-bindgen allows: the closure is freed once the call returns).
pub(crate) struct Timeout {
    id: JsValue,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    pub(crate) fn new(ms: u32, callback: impl FnOnce() + 'static) -> Timeout {
        let callback = Closure::once(callback);
        let id = set_timeout(callback.as_ref(), ms);
        Timeout { id, _callback: callback }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Monotonic milliseconds for the connection core (`performance.now()` exists in every
/// environment we support, Node.js included).
pub(crate) fn now() -> Millis {
    performance_now() as Millis
}

/// A property of the global object, if it is there and not `undefined`.
pub(crate) fn global_property(name: &str) -> Option<JsValue> {
    Reflect::get(&global(), &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// The base that relative URLs resolve against: the document's base URL in a page, the
/// script's location in a worker, none in Node.js.
pub(crate) fn base_url() -> Option<String> {
    if let Some(doc) = global_property("document") {
        if let Some(base) = Reflect::get(&doc, &"baseURI".into()).ok().and_then(|v| v.as_string()) {
            return Some(base);
        }
    }
    let location = global_property("location")?;
    Reflect::get(&location, &"href".into()).ok()?.as_string()
}

/// The serialised origin of this environment, when it has one.
pub(crate) fn own_origin() -> Option<String> {
    let origin = global_property("origin")?.as_string()?;
    (origin != "null").then_some(origin)
}

/// Resolves `url` as the `EventSource` constructor does, or throws its `SyntaxError`.
pub(crate) fn resolve_url(url: &str) -> Result<web_sys::Url, JsValue> {
    let parsed = match base_url() {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    };
    parsed.map_err(|_| syntax_error(&["Failed to construct 'EventSource': The URL '", url, "' is invalid."].concat()))
}

pub(crate) fn syntax_error(message: &str) -> JsValue {
    web_sys::DomException::new_with_message_and_name(message, "SyntaxError")
        .map(JsValue::from)
        .unwrap_or_else(|_| js_sys::SyntaxError::new(message).into())
}

/// Whether the environment has a working native `EventSource` constructor.
/// Our own class, once installed as the global `EventSource` by the classic script, must not
/// count: wrapping it would wrap ourselves. The JS class carries a non-enumerable marker.
pub(crate) fn has_native_event_source() -> bool {
    global_property("EventSource")
        .is_some_and(|v| v.is_function() && !Reflect::has(&v, &"__eventsourceWasm".into()).unwrap_or(false))
}

/// Whether `fetch` exists, responses expose their body as a readable stream, and requests can
/// be aborted (Chromium 43–65 streamed bodies but had no AbortController).
pub(crate) fn has_fetch_streaming() -> bool {
    if !global_property("fetch").is_some_and(|v| v.is_function()) {
        return false;
    }
    let Some(response) = global_property("Response") else { return false };
    let Ok(proto) = Reflect::get(&response, &"prototype".into()) else { return false };
    Reflect::has(&proto, &"body".into()).unwrap_or(false)
        && global_property("ReadableStream").is_some()
        && global_property("AbortController").is_some()
}

/// Whether `XMLHttpRequest` exists at all (long-polling needs nothing more).
pub(crate) fn has_xhr() -> bool {
    global_property("XMLHttpRequest").is_some_and(|v| v.is_function())
}

/// Whether XHR reports partial responses as they arrive (XHR level 2 `progress` events).
pub(crate) fn has_xhr_streaming() -> bool {
    let Some(xhr) = global_property("XMLHttpRequest") else { return false };
    let Ok(proto) = Reflect::get(&xhr, &"prototype".into()) else { return false };
    Reflect::has(&proto, &"onprogress".into()).unwrap_or(false)
}
