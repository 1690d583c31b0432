//! `XMLHttpRequest` streaming, for browsers whose `fetch` cannot stream a body, and the
//! mechanism under long-polling.
//!
//! Each `progress` event hands over the text that arrived since the last one (XHR decodes it
//! as UTF-8, keeping characters split between packets whole). `responseText` only grows, so
//! past a size limit the driver asks the core to resume on a fresh request at the next event
//! boundary, which keeps memory bounded on a stream that runs for days.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::Cell;

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::XmlHttpRequest;

use super::{Feed, RequestSpec};
use crate::driver::ResponseHeaders;

/// Past this many UTF-16 units of `responseText`, the request is recycled.
pub(crate) const RECYCLE_AFTER: u32 = 4 * 1024 * 1024;

/// New text goes to the core in slices of at most this many UTF-16 units.
const SLICE: u32 = 64 * 1024;

/// A request in flight, with the callbacks it needs alive.
pub(crate) struct XhrRequest {
    xhr: XmlHttpRequest,
    _on_change: Closure<dyn FnMut()>,
    _on_progress: Closure<dyn FnMut()>,
}

impl XhrRequest {
    pub fn abort(self) {
        // Handlers go first: abort() fires events synchronously.
        detach(&self.xhr);
        let _ = self.xhr.abort();
    }
}

impl Drop for XhrRequest {
    fn drop(&mut self) {
        // The closures die with this struct; the XHR must not call them afterwards.
        detach(&self.xhr);
    }
}

fn detach(xhr: &XmlHttpRequest) {
    xhr.set_onreadystatechange(None);
    xhr.set_onprogress(None);
}

struct State {
    feed: Feed,
    xhr: XmlHttpRequest,
    /// How much of `responseText` was handed over.
    offset: Cell<u32>,
    headers_seen: Cell<bool>,
    done: Cell<bool>,
}

pub(crate) fn start(spec: &RequestSpec, feed: Feed) -> Result<XhrRequest, JsValue> {
    let xhr = XmlHttpRequest::new()?;
    xhr.open_with_async(&spec.method, &spec.url, true)?;
    // XHR cannot omit same-origin cookies; the API layer refuses `credentials: 'omit'` here.
    xhr.set_with_credentials(spec.credentials == web_sys::RequestCredentials::Include);
    if !spec.has_header("accept") {
        xhr.set_request_header("Accept", "text/event-stream")?;
    }
    for (name, value) in &spec.headers {
        xhr.set_request_header(name, value)?;
    }
    // The stream is UTF-8 whatever charset the server names.
    xhr.override_mime_type("text/plain; charset=utf-8")?;
    let state = Rc::new(State {
        feed,
        xhr: xhr.clone(),
        offset: Cell::new(0),
        headers_seen: Cell::new(false),
        done: Cell::new(false),
    });
    let on_change = Closure::<dyn FnMut()>::new({
        let state = state.clone();
        move || on_ready_state_change(&state)
    });
    let on_progress = Closure::<dyn FnMut()>::new(move || {
        if state.headers_seen.get() && !state.done.get() {
            deliver(&state);
        }
    });
    xhr.set_onreadystatechange(Some(on_change.as_ref().unchecked_ref()));
    xhr.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // `send` takes every body type `fetch` does (string, Blob, FormData, URLSearchParams,
    // buffers); calling it generically saves a binding per type.
    let send: js_sys::Function = Reflect::get(&xhr, &"send".into())?.unchecked_into();
    send.call1(&xhr, spec.body.as_ref().unwrap_or(&JsValue::NULL))?;
    Ok(XhrRequest { xhr, _on_change: on_change, _on_progress: on_progress })
}

fn on_ready_state_change(state: &State) {
    if state.done.get() {
        return;
    }
    let ready = state.xhr.ready_state();
    if ready >= XmlHttpRequest::HEADERS_RECEIVED && !state.headers_seen.get() {
        let status = state.xhr.status().unwrap_or(0);
        if status == 0 {
            // A network or CORS failure reaches DONE with status 0 and no headers.
            state.done.set(true);
            return state.feed.network_error();
        }
        if ready < XmlHttpRequest::DONE && state.xhr.get_all_response_headers().map_or(true, |h| h.is_empty()) {
            // Firefox (in workers) can show a status with no headers at all when the request
            // has in fact just failed: decide at the next state, where a failure reads status 0.
            return;
        }
        state.headers_seen.set(true);
        let content_type = state.xhr.get_response_header("content-type").ok().flatten();
        // Asking for a header CORS does not expose logs an error in Chromium: ask only when
        // the answer matters.
        let retry_after = if matches!(status, 429 | 503) {
            state.xhr.get_response_header("retry-after").ok().flatten()
        } else {
            None
        };
        let url = state.xhr.response_url();
        let status_text = state.xhr.status_text().unwrap_or_default();
        let headers = ResponseHeaders { content_type: content_type.as_deref(), retry_after: retry_after.as_deref() };
        if !state.feed.response(status, &status_text, headers, &url) {
            state.done.set(true);
            detach(&state.xhr);
            let _ = state.xhr.abort();
            return;
        }
    }
    if ready == XmlHttpRequest::LOADING {
        // Chromium announces every chunk this way, sooner than the throttled `progress`.
        deliver(state);
        return;
    }
    if ready == XmlHttpRequest::DONE {
        // A failure mid-body turns the response into a network error, whose status is 0.
        if state.xhr.status().unwrap_or(0) == 0 {
            state.done.set(true);
            return state.feed.network_error();
        }
        if !deliver(state) {
            return;
        }
        state.done.set(true);
        state.feed.end();
    }
}

/// Hands over the new part of `responseText`. Returns whether to go on.
fn deliver(state: &State) -> bool {
    let Ok(text) = Reflect::get(&state.xhr, &"responseText".into()) else { return true };
    let text: JsString = text.unchecked_into();
    let len = text.length();
    let mut from = state.offset.get();
    // The standard's UTF-8 decode drops a leading BOM, and the core is told it is gone. WebKit
    // (2.50) keeps a BOM whose bytes arrive in separate reads (its own EventSource then loses
    // the first event): a U+FEFF first in `responseText` is that BOM. (A stream starting with
    // two BOMs loses its second one too: the price of not losing WebKit's first event.)
    if from == 0 && len > 0 && text.char_code_at(0) as u32 == 0xFEFF {
        from = 1;
        state.offset.set(1);
    }
    if len > from {
        // In slices: a progress event can bring megabytes, and the core should see (and be
        // able to refuse) a huge line before all of it is copied into wasm memory.
        let mut at = from;
        while at < len {
            let mut end = (at + SLICE).min(len);
            if end < len && (0xD800..0xDC00).contains(&(text.char_code_at(end - 1) as u32)) {
                end += 1; // keep a surrogate pair together
            }
            let slice: String = text.substring(at, end).into();
            at = end;
            state.offset.set(at);
            if !state.feed.bytes(slice.as_bytes()) {
                state.done.set(true);
                return false;
            }
        }
        if len > RECYCLE_AFTER && state.feed.recycle() {
            state.done.set(true);
            return false;
        }
    }
    true
}
