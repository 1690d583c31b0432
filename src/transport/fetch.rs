//! `fetch` + `ReadableStream` streaming.
//!
//! With no application headers the request is CORS-simple (only `Accept`, a safelisted
//! header), so servers that answer no preflight still work cross-origin; the driver decides
//! where the last event ID travels. Each chunk from the reader is copied once into wasm memory
//! (into a buffer reused for the whole response) and handed to the core.

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, RequestCache, RequestInit, RequestMode, RequestRedirect,
    Response,
};

use super::{Feed, RequestSpec, Running};
use crate::driver::ResponseHeaders;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whatever the global object is (window, worker, Node.js).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Promise;
}

pub(crate) fn start(spec: &RequestSpec, feed: Feed) -> Running {
    let controller = AbortController::new().expect("AbortController is available wherever fetch is");
    let started = request_init(spec, &controller.signal()).and_then(|init| call_fetch(spec, &init));
    wasm_bindgen_futures::spawn_local(async move {
        match started {
            Ok(promise) => run(promise, feed).await,
            Err(e) => report_failure(&feed, &e),
        }
    });
    Running::Fetch(controller)
}

fn request_init(spec: &RequestSpec, signal: &web_sys::AbortSignal) -> Result<RequestInit, JsValue> {
    let headers = Headers::new()?;
    if !spec.has_header("accept") {
        headers.set("Accept", "text/event-stream")?;
    }
    for (name, value) in &spec.headers {
        headers.append(name, value)?;
    }
    let init = RequestInit::new();
    init.set_method(&spec.method);
    init.set_headers(&headers);
    if let Some(body) = &spec.body {
        init.set_body(body);
    }
    init.set_mode(RequestMode::Cors);
    init.set_cache(RequestCache::NoStore);
    init.set_redirect(RequestRedirect::Follow);
    init.set_credentials(spec.credentials);
    init.set_signal(Some(signal));
    Ok(init)
}

fn call_fetch(spec: &RequestSpec, init: &RequestInit) -> Result<Promise, JsValue> {
    match &spec.fetch {
        None => Ok(global_fetch(&spec.url, init)),
        Some(f) => {
            let result = Function::call2(f, &JsValue::UNDEFINED, &spec.url.as_str().into(), init)?;
            // Accept any thenable, as `await` would.
            Ok(Promise::resolve(&result))
        }
    }
}

/// A rejection of ours (close, a failed attempt being replaced) is silent; an `AbortError`
/// from anyone else fails the connection, as the standard says for aborted fetches.
fn report_failure(feed: &Feed, error: &JsValue) {
    let name = Reflect::get(error, &"name".into()).ok().and_then(|n| n.as_string());
    if name.as_deref() == Some("AbortError") {
        feed.aborted();
    } else {
        feed.network_error();
    }
}

async fn run(pending: Promise, feed: Feed) {
    let response: Response = match JsFuture::from(pending).await {
        Ok(r) if r.has_type::<Response>() => r.unchecked_into(),
        Ok(_) => return feed.network_error(),
        Err(e) => return report_failure(&feed, &e),
    };
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    let wanted = feed.response(
        response.status(),
        &response.status_text(),
        ResponseHeaders { content_type: content_type.as_deref(), retry_after: retry_after.as_deref() },
        &response.url(),
    );
    if !wanted {
        // The core refused the response (or the source closed) and has already aborted the
        // request, which ends the body too. (Cancelling it as well would only leave a rejected
        // promise unhandled.)
        return;
    }
    let Some(body) = response.body() else {
        return feed.end();
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let done_key = JsValue::from_str("done");
    let value_key = JsValue::from_str("value");
    // Reused for every chunk: steady streaming allocates nothing.
    let mut buf = Vec::new();
    loop {
        let result = match JsFuture::from(reader.read()).await {
            Ok(r) => r,
            Err(e) => return report_failure(&feed, &e),
        };
        if !feed.is_current() {
            return; // aborted by the driver, which ended the body
        }
        if Reflect::get(&result, &done_key).ok().and_then(|v| v.as_bool()).unwrap_or(true) {
            return feed.end();
        }
        let Ok(value) = Reflect::get(&result, &value_key) else { return feed.network_error() };
        let chunk: Uint8Array = value.unchecked_into();
        buf.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buf);
        if !feed.bytes(&buf) {
            return; // the driver aborted the request (close, or the stream broke a limit)
        }
    }
}
