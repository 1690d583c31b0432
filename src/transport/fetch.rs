//! `fetch` + `ReadableStream` streaming.
//!
//! With no application headers the request is CORS-simple (only `Accept`, a safelisted
//! header), so servers that answer no preflight still work cross-origin; the driver decides
//! where the last event ID travels. Each chunk from the reader is copied once into wasm memory
//! (into a buffer reused for the whole response) and handed to the core.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

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

pub(crate) fn start(spec: &RequestSpec, feed: Feed) -> Option<Running> {
    // Feature detection keeps this transport where AbortController exists; should it fail
    // anyway, that is a network error like any request that cannot be made.
    let Ok(controller) = AbortController::new() else {
        wasm_bindgen_futures::spawn_local(async move { feed.network_error() });
        return None;
    };
    let started = request_init(spec, &controller.signal()).and_then(|init| call_fetch(spec, &init));
    wasm_bindgen_futures::spawn_local(async move {
        match started {
            Ok(promise) => run(promise, feed).await,
            Err(e) => report_failure(&feed, &e),
        }
    });
    Some(Running::Fetch(controller))
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

#[wasm_bindgen]
extern "C" {
    /// What `ReadableStreamDefaultReader.read()` resolves to.
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> bool;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> JsValue;
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
    BodyReader::start(body.get_reader().unchecked_into(), feed);
}

/// Reads a response body chunk by chunk with one pair of callbacks for the whole body.
///
/// Why not a loop of `JsFuture`s: each of those makes two closures and a task per chunk, which
/// is most of the cost when a server writes a few bytes at a time. The pair holds the reader
/// alive while a read is pending and is let go when the body ends, fails, or is no longer
/// wanted (a closed source's reads are rejected by its abort, so that always happens).
struct BodyReader {
    reader: ReadableStreamDefaultReader,
    feed: Feed,
    /// Reused for every chunk: steady streaming allocates nothing.
    buf: Vec<u8>,
    callbacks: Option<(Callback, Callback)>,
}

/// `read()`'s fulfilment or rejection handler.
type Callback = Closure<dyn FnMut(JsValue)>;

impl BodyReader {
    fn start(reader: ReadableStreamDefaultReader, feed: Feed) {
        let this = Rc::new(RefCell::new(BodyReader { reader, feed, buf: Vec::new(), callbacks: None }));
        let on_read = {
            let this = this.clone();
            Callback::new(move |result: JsValue| BodyReader::chunk(&this, result.unchecked_into()))
        };
        let on_fail = {
            let this = this.clone();
            Callback::new(move |error: JsValue| {
                let feed = BodyReader::stop(&this);
                report_failure(&feed, &error);
            })
        };
        this.borrow_mut().callbacks = Some((on_read, on_fail));
        BodyReader::read_next(&this);
    }

    fn read_next(this: &Rc<RefCell<BodyReader>>) {
        let me = this.borrow();
        if let Some((on_read, on_fail)) = &me.callbacks {
            // The returned promise settles through our handlers: nothing is left unhandled.
            let _ = me.reader.read().then2(on_read, on_fail);
        }
    }

    /// Lets go of the callbacks (and so of this reader); returns the feed for a last word.
    fn stop(this: &Rc<RefCell<BodyReader>>) -> Feed {
        let mut me = this.borrow_mut();
        // Dropping a closure while it runs is safe: wasm-bindgen frees it once the call returns.
        me.callbacks = None;
        me.feed.clone()
    }

    fn chunk(this: &Rc<RefCell<BodyReader>>, result: ReadResult) {
        let feed = this.borrow().feed.clone();
        if !feed.is_current() {
            BodyReader::stop(this); // aborted by the driver, which ended the body
            return;
        }
        if result.done() {
            BodyReader::stop(this);
            return feed.end();
        }
        let Some(chunk) = result.value().dyn_into::<Uint8Array>().ok() else {
            BodyReader::stop(this);
            return feed.network_error();
        };
        let mut buf = core::mem::take(&mut this.borrow_mut().buf);
        let len = chunk.length() as usize;
        buf.clear();
        buf.reserve(len);
        // SAFETY: `reserve` made room for `len` bytes, and `raw_copy_to_ptr` writes exactly the
        // chunk's `len` bytes there, so they are initialised before `set_len` exposes them.
        // (`resize` + `copy_to` would first zero-fill what the copy overwrites.)
        unsafe {
            chunk.raw_copy_to_ptr(buf.as_mut_ptr());
            buf.set_len(len);
        }
        // Page code runs in here (listeners): no borrow of ours is held.
        let more = feed.bytes(&buf);
        this.borrow_mut().buf = buf;
        if more {
            BodyReader::read_next(this);
        } else {
            BodyReader::stop(this); // the driver aborted the request (close, or a broken limit)
        }
    }
}
