//! `fetch` + `ReadableStream` streaming.
//!
//! With no application headers the request is CORS-simple (only `Accept`, a safelisted
//! header), so servers that answer no preflight still work cross-origin; the driver decides
//! where the last event ID travels. Each chunk from the reader is copied once into wasm memory
//! (into a buffer reused for the whole response) and handed to the core.
//!
//! The body is read with a BYOB ("bring your own buffer") reader where the platform offers one,
//! into one `ArrayBuffer` handed back and forth for the whole response. A default reader makes a
//! new buffer per chunk, and in Chromium those buffers count against the page's JS heap until
//! collected: reading 10 MB of stream and decoding it peaked at 19.6 MB of heap growth with the
//! default reader, 10.1 MB with BYOB (bench/README.md has the benchmark's figures).

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use js_sys::{ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStream, ReadableStreamDefaultReader, RequestCache, RequestInit, RequestMode,
    RequestRedirect, Response,
};

use super::{Feed, RequestSpec, Running};
use crate::driver::ResponseHeaders;
use crate::platform;

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
    BodyReader::start(Reader::for_body(&body), feed);
}

/// The first read's buffer: most event streams are quiet, and each open source keeps one.
const BYOB_FIRST: u32 = 16 * 1024;
/// A read that fills its buffer means more was waiting: the next one gets twice the room, up to
/// this. Big reads let a page that falls behind catch up in few calls (Chromium's default reader
/// hands over a megabyte or more then): with reads of 256 KiB the fetch transport ran bench (c)
/// (64 KiB events) at 0.85–1.09× native in two runs, with 64 KiB at 0.73–0.85×.
const BYOB_MAX: u32 = 256 * 1024;

#[wasm_bindgen]
extern "C" {
    /// A `ReadableStreamBYOBReader`.
    type ByobReader;
    /// A response body, for `getReader(options)`, which throws where the stream is not a byte
    /// stream (or the platform knows no BYOB readers): then the default reader it is.
    type Body;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader_with(this: &Body, options: &Object) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = read)]
    fn read_into(this: &ByobReader, view: &Uint8Array) -> Promise;
}

enum Reader {
    Default(ReadableStreamDefaultReader),
    /// The buffer of the next read: the one the previous read handed back (none before the
    /// first read).
    Byob(ByobReader, Option<ArrayBuffer>),
}

impl Reader {
    fn for_body(body: &ReadableStream) -> Reader {
        // Browsers from before BYOB readers (Chromium < 89, Firefox < 102) ignore the options
        // and hand back a default reader: ask only where the BYOB reader class exists.
        let byob = platform::global_property("ReadableStreamBYOBReader").and_then(|_| {
            let options = Object::new();
            Reflect::set(&options, &"mode".into(), &"byob".into()).ok()?;
            body.unchecked_ref::<Body>().get_reader_with(&options).ok()
        });
        match byob {
            Some(reader) => Reader::Byob(reader.unchecked_into(), None),
            None => Reader::Default(body.get_reader().unchecked_into()),
        }
    }

    fn read(&mut self) -> Promise {
        match self {
            Reader::Default(reader) => reader.read(),
            Reader::Byob(reader, buffer) => {
                // A read hands its buffer over (it is detached here) until it settles; the chunk
                // it resolves with is a view of it again, given back by `reuse`.
                let buffer = buffer.take().unwrap_or_else(|| ArrayBuffer::new(BYOB_FIRST));
                reader.read_into(&Uint8Array::new(&buffer))
            }
        }
    }

    /// The chunk has been copied: its buffer serves the next read, or a bigger one if it came
    /// back full.
    fn reuse(&mut self, chunk: &Uint8Array) {
        if let Reader::Byob(_, buffer) = self {
            let given = chunk.buffer();
            let size = given.byte_length();
            *buffer = Some(if chunk.length() == size && size < BYOB_MAX {
                ArrayBuffer::new((size * 2).min(BYOB_MAX))
            } else {
                given
            });
        }
    }
}

/// A view of all of wasm memory, for copying chunks in, and the memory's size in pages when it
/// was made: `raw_copy_to_ptr` makes a new view for every chunk, a JS object per read that counts
/// against the page's heap (with reads of a few bytes, (e), this cut the heap's growth by 40 %).
/// Growth is told by the page count, read inside wasm (no call out): the old view would not
/// always go empty, since the JavaScript core (wasm2js) swaps in a new buffer without detaching
/// the old one.
struct MemoryView(Uint8Array, usize);

#[wasm_bindgen]
extern "C" {
    /// A `Uint8Array`, made by a constructor binding that reports a detached buffer as an error
    /// (js-sys's throws).
    #[wasm_bindgen(extends = Uint8Array, js_name = Uint8Array)]
    type View;
    #[wasm_bindgen(constructor, catch, js_class = "Uint8Array")]
    fn new(buffer: &JsValue) -> Result<View, JsValue>;
}

/// Copies a chunk into wasm memory at `at`, through `view` (made again if memory has grown).
///
/// # Safety
/// `at` must have room for the chunk's length.
unsafe fn copy_into_wasm(view: &mut Option<MemoryView>, chunk: &Uint8Array, at: *mut u8) {
    for _ in 0..8 {
        let pages = core::arch::wasm32::memory_size(0);
        match view {
            Some(MemoryView(v, made_at)) if *made_at == pages => return v.set(chunk, at as u32),
            // Making a view can itself grow memory (see `whole_memory`): the next turn checks
            // the new one against the page count before using it.
            _ => *view = whole_memory(pages),
        }
    }
    // Each turn that did not copy saw memory grow, and a failed try gives back what it took.
    panic!("wasm memory kept growing while a view of it was made");
}

/// A view of all of wasm memory, which had `pages` pages before it was made; `None` if the
/// buffer was detached before the view could be made.
///
/// Each JS value Rust holds takes a slot in wasm-bindgen's externref table, whose free list lives
/// in linear memory: taking the slot for the buffer or for the view may grow memory, which
/// detaches the buffer just fetched. Used without a second look, such a view made the copy throw
/// (in the reliability suite, one source of a hundred once stopped at its first chunk that way:
/// "Cannot perform %TypedArray%.prototype.set on a detached ArrayBuffer").
fn whole_memory(pages: usize) -> Option<MemoryView> {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer = memory.buffer();
    #[cfg(feature = "test-panic")]
    fault::grow_if_asked(fault::BEFORE_VIEW);
    let view = View::new(&buffer).ok()?;
    #[cfg(feature = "test-panic")]
    fault::grow_if_asked(fault::AFTER_VIEW);
    Some(MemoryView(view.into(), pages))
}

/// Fault injection for the containment tests (builds with the `test-panic` feature only): a
/// chunk containing `__grow_here__` or `__detach_here__` grows memory, so that the next chunk
/// needs a new view, and makes memory grow again while that view is made, as taking an
/// externref slot can: right after it is made, or between fetching the buffer and making it.
#[cfg(feature = "test-panic")]
mod fault {
    use core::sync::atomic::{AtomicU8, Ordering::Relaxed};

    pub(super) const AFTER_VIEW: u8 = 1;
    pub(super) const BEFORE_VIEW: u8 = 2;
    static ASKED: AtomicU8 = AtomicU8::new(0);

    pub(super) fn check(chunk: &[u8]) {
        for (trigger, when) in [(&b"__grow_here__"[..], AFTER_VIEW), (b"__detach_here__", BEFORE_VIEW)] {
            if memchr::memmem::find(chunk, trigger).is_some() {
                ASKED.store(when, Relaxed);
                core::arch::wasm32::memory_grow(0, 1);
            }
        }
    }

    pub(super) fn grow_if_asked(when: u8) {
        if ASKED.compare_exchange(when, 0, Relaxed, Relaxed).is_ok() {
            core::arch::wasm32::memory_grow(0, 1);
        }
    }
}

/// Reads a response body chunk by chunk with one pair of callbacks for the whole body.
///
/// Why not a loop of `JsFuture`s: each of those makes two closures and a task per chunk, which
/// is most of the cost when a server writes a few bytes at a time. The pair holds the reader
/// alive while a read is pending and is let go when the body ends, fails, or is no longer
/// wanted (a closed source's reads are rejected by its abort, so that always happens).
struct BodyReader {
    reader: Reader,
    feed: Feed,
    /// Reused for every chunk: steady streaming allocates nothing.
    buf: Vec<u8>,
    /// All of wasm memory, for copying chunks in (see `copy_into_wasm`).
    memory: Option<MemoryView>,
    callbacks: Option<(Callback, Callback)>,
}

/// `read()`'s fulfilment or rejection handler.
type Callback = Closure<dyn FnMut(JsValue)>;

impl BodyReader {
    fn start(reader: Reader, feed: Feed) {
        let this = Rc::new(RefCell::new(BodyReader { reader, feed, buf: Vec::new(), memory: None, callbacks: None }));
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
        let mut me = this.borrow_mut();
        let me = &mut *me;
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
        let (mut buf, mut memory) = {
            let mut me = this.borrow_mut();
            me.reader.reuse(&chunk);
            (core::mem::take(&mut me.buf), me.memory.take())
        };
        let len = chunk.length() as usize;
        buf.clear();
        buf.reserve(len);
        // SAFETY: `reserve` made room for `len` bytes, and `copy_into_wasm` writes exactly the
        // chunk's `len` bytes there, so they are initialised before `set_len` exposes them.
        // (`resize` + `copy_to` would first zero-fill what the copy overwrites.)
        unsafe {
            copy_into_wasm(&mut memory, &chunk, buf.as_mut_ptr());
            buf.set_len(len);
        }
        #[cfg(feature = "test-panic")]
        fault::check(&buf);
        // Page code runs in here (listeners): no borrow of ours is held.
        let more = feed.bytes(&buf);
        {
            let mut me = this.borrow_mut();
            me.buf = buf;
            me.memory = memory;
        }
        if more {
            BodyReader::read_next(this);
        } else {
            BodyReader::stop(this); // the driver aborted the request (close, or a broken limit)
        }
    }
}
