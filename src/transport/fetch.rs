//! `fetch` + `ReadableStream` streaming.
//!
//! The request is kept CORS-simple (only `Accept`, a safelisted header) so that servers that
//! answer no preflight still work cross-origin; the driver decides where the last event ID
//! travels. Each chunk from the reader is copied once into wasm memory and handed to the core.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, Request, RequestCache, RequestCredentials, RequestInit,
    RequestMode, RequestRedirect, Response,
};

use super::{Feed, RequestSpec, Running};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, whatever the global object is (window, worker, Node.js).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
}

pub(crate) fn start(spec: &RequestSpec, feed: Feed) -> Running {
    let controller = AbortController::new().expect("AbortController is available wherever fetch is");
    let signal = controller.signal();
    let request = build_request(spec, &signal);
    wasm_bindgen_futures::spawn_local(async move {
        match request {
            Ok(request) => run(request, feed).await,
            Err(_) => feed.network_error(),
        }
    });
    Running::Fetch(controller)
}

fn build_request(spec: &RequestSpec, signal: &web_sys::AbortSignal) -> Result<Request, JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept", "text/event-stream")?;
    if let Some(id) = &spec.last_event_id_header {
        headers.set("Last-Event-ID", id)?;
    }
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_mode(RequestMode::Cors);
    init.set_cache(RequestCache::NoStore);
    init.set_redirect(RequestRedirect::Follow);
    init.set_credentials(if spec.with_credentials { RequestCredentials::Include } else { RequestCredentials::SameOrigin });
    init.set_signal(Some(signal));
    Request::new_with_str_and_init(&spec.url, &init)
}

async fn run(request: Request, feed: Feed) {
    let response: Response = match JsFuture::from(global_fetch(&request)).await {
        Ok(r) => r.unchecked_into(),
        Err(_) => return feed.network_error(),
    };
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten();
    let retry_after = headers.get("retry-after").ok().flatten();
    if !feed.response(response.status(), content_type.as_deref(), retry_after.as_deref(), &response.url()) {
        // The core refused the response (or the source closed): don't download the body.
        if let Some(body) = response.body() {
            let _ = body.cancel();
        }
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
            Err(_) => return feed.network_error(),
        };
        if !feed.is_current() {
            let _ = reader.cancel();
            return;
        }
        if Reflect::get(&result, &done_key).ok().and_then(|v| v.as_bool()).unwrap_or(true) {
            return feed.end();
        }
        let Ok(value) = Reflect::get(&result, &value_key) else { return feed.network_error() };
        let chunk: Uint8Array = value.unchecked_into();
        buf.resize(chunk.length() as usize, 0);
        chunk.copy_to(&mut buf);
        if !feed.bytes(&buf) {
            let _ = reader.cancel();
            return;
        }
    }
}
