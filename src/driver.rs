//! Carries out what the connection core asks, for the core-driven transports (fetch, XHR,
//! long-poll): builds and starts requests, aborts them, arms the one timer, listens to the
//! page's lifecycle, and hands what the transport reports back to the core. What the page
//! sees goes to a [`Sink`]: the JavaScript class or the Rust stream.
//!
//! Re-entrancy is the design constraint here: a sink call runs page code, which may call
//! `close()` (or open another source) synchronously. So the shared state is never borrowed
//! while a sink, a transport or an application callback runs: each step takes what it needs,
//! lets go, then calls out.

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::connection::{Action, Connection, ErrorKind, Failure, Millis, ReadyState, Response};
use crate::guard;
use crate::lifecycle::Lifecycle;
use crate::parser::Event;
use crate::platform::{now, Timeout};
use crate::transport::{self, RequestSpec, Running, TransportKind};

/// An `error` as the page is told it.
#[derive(Debug, Clone)]
pub(crate) struct ErrorReport<'a> {
    /// A stable name: `network`, `end-of-stream`, `http-status`, `content-type`, `timeout`,
    /// `size-limit`, `gave-up`, `aborted` (or `native` when the browser's class decided).
    pub reason: &'a str,
    pub status: u16,
    pub status_text: &'a str,
    /// The ready state after the error: CONNECTING (a reconnect follows) or CLOSED.
    pub state: ReadyState,
    /// Milliseconds until the reconnect, if one follows.
    pub delay: Option<Millis>,
}

/// Where a source's observable happenings go, in order.
pub(crate) trait Sink {
    /// The connection is announced (readyState OPEN); `origin` is the response URL's origin.
    fn open(&self, origin: &str);
    /// A batch of events, packed by [`pack_event`].
    fn messages(&self, packed: &str);
    fn error(&self, error: &ErrorReport<'_>);
    /// Later events come from another origin (a native source followed a redirect).
    fn set_origin(&self, _origin: &str) {}
    /// The source now uses another transport (auto-detected buffering switched it to polling).
    fn transport_changed(&self, _name: &str) {}
    /// A bug made the Rust code panic while serving this source: it is dead (CLOSED). Called
    /// from the panic hook, so it must not call back into this crate synchronously.
    fn crashed(&self, message: &str);
}

/// Packs one event as `type CR id CR data CR`. CR can never occur inside any of the three
/// (the parser splits lines on it), so JavaScript unpacks a whole chunk with one `split`.
/// The type `message`, by far the most common, is sent as an empty string.
pub(crate) fn pack_event(out: &mut String, ev: &Event<'_>) {
    if ev.event_type != "message" {
        out.push_str(ev.event_type);
    }
    out.push('\r');
    out.push_str(ev.id);
    out.push('\r');
    out.push_str(ev.data);
    out.push('\r');
}

/// How the last event ID travels on a reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdCarrier {
    /// As the `Last-Event-ID` header: the standard's way; needs a CORS preflight cross-origin.
    pub header: bool,
    /// As a query parameter of this name: keeps a cross-origin request CORS-simple, so
    /// servers that answer no preflight keep working.
    pub query: Option<String>,
}

/// What the application decided about an announced reconnect.
pub(crate) enum ReconnectDecision {
    Proceed,
    Delay(Millis),
    Veto,
}

/// What an announced reconnect is about, for the application's hook.
pub(crate) struct ReconnectInfo<'a> {
    pub attempt: u32,
    pub delay: Millis,
    pub reason: &'a str,
    pub status: u16,
    pub last_event_id: &'a str,
}

pub(crate) type ReconnectHook = Box<dyn Fn(&ReconnectInfo<'_>) -> ReconnectDecision>;

/// Everything fixed about one source's requests.
pub(crate) struct Target {
    pub url: String,
    pub method: String,
    /// Sent on every request (the function's headers are added after these).
    pub headers: Vec<(String, String)>,
    /// Called before every connect with `{ lastEventId, attempt, url }`; returns headers or
    /// a promise of them (to refresh a token, say).
    pub headers_fn: Option<Function>,
    pub body: Option<JsValue>,
    pub credentials: web_sys::RequestCredentials,
    /// An application-supplied `fetch`.
    pub fetch: Option<Function>,
    pub id_carrier: IdCarrier,
    pub on_reconnect: Option<ReconnectHook>,
}

struct Inner {
    conn: Connection,
    kind: TransportKind,
    target: Rc<Target>,
    /// Bumped for every request, so reports from an aborted one are recognised and dropped.
    generation: u32,
    running: Option<Running>,
    timer: Option<(Millis, Timeout)>,
    /// Dropped once the source is closed, which breaks the JS ↔ wasm reference cycle.
    sink: Option<Rc<dyn Sink>>,
    lifecycle: Option<Lifecycle>,
    origin: String,
    status_text: String,
    /// Reused between chunks so that steady streaming allocates nothing.
    packed: String,
}

/// A running core-driven source.
pub(crate) struct Driver(Rc<RefCell<Inner>>);

/// A transport's line back to the driver, valid for one request.
#[derive(Clone)]
pub(crate) struct Feed {
    inner: Weak<RefCell<Inner>>,
    generation: u32,
}

/// Which page lifecycle events the source reacts to.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LifecycleOptions {
    pub reconnect_on_online: bool,
    pub reconnect_on_pageshow: bool,
    pub pause_when_hidden: bool,
}

impl Driver {
    pub fn start(
        conn: Connection,
        kind: TransportKind,
        target: Target,
        lifecycle: LifecycleOptions,
        sink: Rc<dyn Sink>,
    ) -> Driver {
        let inner = Rc::new(RefCell::new(Inner {
            conn,
            kind,
            target: Rc::new(target),
            generation: 0,
            running: None,
            timer: None,
            sink: Some(sink),
            lifecycle: None,
            origin: String::new(),
            status_text: String::new(),
            packed: String::new(),
        }));
        let watch = Lifecycle::watch(lifecycle, Rc::downgrade(&inner), |weak, what| {
            step_weak(weak, |i, t| match what {
                crate::lifecycle::Happening::Online => i.conn.reconnect_now(t),
                crate::lifecycle::Happening::PageShow => i.conn.refresh(t),
                crate::lifecycle::Happening::Hidden => i.conn.pause(),
                crate::lifecycle::Happening::Visible => i.conn.unpause(t),
            });
        });
        {
            let mut i = inner.borrow_mut();
            i.lifecycle = watch;
            if lifecycle.pause_when_hidden && crate::lifecycle::page_hidden() {
                // Created in a hidden page: don't connect until it is shown.
                i.conn.pause();
            }
        }
        pump(&inner);
        Driver(inner)
    }

    pub fn ready_state(&self) -> ReadyState {
        self.0.try_borrow().map_or(ReadyState::Closed, |i| i.conn.ready_state())
    }

    pub fn close(&self) {
        let Ok(mut i) = self.0.try_borrow_mut() else { return }; // dead after a panic
        i.conn.close();
        drop(i);
        let _serving = serving(&self.0);
        pump(&self.0);
    }
}

/// Tells the source something that happened at `now`, then carries out what it asks, marked
/// as the source being served (for the panic hook).
fn step<R>(inner: &Rc<RefCell<Inner>>, tell: impl FnOnce(&mut Inner, Millis) -> R) -> R {
    let _serving = serving(inner);
    let result = tell(&mut inner.borrow_mut(), now());
    pump(inner);
    result
}

/// [`step`] for a callback that holds the source weakly (a timer, a page event); a source that
/// is gone, or was left borrowed by a panic, is not told.
fn step_weak(weak: &Weak<RefCell<Inner>>, tell: impl FnOnce(&mut Inner, Millis)) {
    if let Some(inner) = weak.upgrade().filter(|i| i.try_borrow_mut().is_ok()) {
        step(&inner, tell);
    }
}

/// Marks `inner`'s source as the one being served, for the panic hook.
fn serving(inner: &Rc<RefCell<Inner>>) -> guard::Serving {
    guard::serve(inner.try_borrow().ok().and_then(|i| i.sink.clone()))
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.close();
    }
}

impl Feed {
    /// The source, if this request is still its current one. A source left borrowed by a
    /// panic counts as gone.
    fn live(&self) -> Option<Rc<RefCell<Inner>>> {
        let inner = self.inner.upgrade()?;
        let current = inner.try_borrow().ok()?.generation == self.generation;
        current.then_some(inner)
    }

    /// [`Feed::live`], plus marking the source as the one being served (see [`guard`]).
    fn enter(&self) -> Option<(Rc<RefCell<Inner>>, guard::Serving)> {
        let inner = self.live()?;
        let serving = serving(&inner);
        Some((inner, serving))
    }

    /// Whether this request is still the one the source wants.
    pub fn is_current(&self) -> bool {
        self.live().is_some()
    }

    /// Response headers arrived. Returns whether the body should be read.
    pub fn response(&self, status: u16, status_text: &str, headers: ResponseHeaders<'_>, url: &str) -> bool {
        let Some((inner, _serving)) = self.enter() else { return false };
        {
            let mut i = inner.borrow_mut();
            i.origin = origin_of(url);
            status_text.clone_into(&mut i.status_text);
            i.conn.on_response(
                now(),
                Response { status, content_type: headers.content_type, retry_after: headers.retry_after },
            );
        }
        pump(&inner);
        let i = inner.borrow();
        i.generation == self.generation && i.conn.ready_state() == ReadyState::Open
    }

    /// A body chunk arrived. Returns whether to keep reading.
    pub fn bytes(&self, chunk: &[u8]) -> bool {
        let Some((inner, _serving)) = self.enter() else { return false };
        // Fault injection for the containment test (tests/web.rs); compiled out otherwise.
        #[cfg(feature = "test-panic")]
        if memchr::memmem::find(chunk, b"__panic_here__").is_some() {
            let _held = inner.borrow_mut();
            panic!("injected panic");
        }
        let (packed, sink) = {
            let mut i = inner.borrow_mut();
            let i = &mut *i;
            let mut packed = core::mem::take(&mut i.packed);
            packed.clear();
            // The events of a chunk rarely pack to more than the chunk: one allocation up
            // front, not a doubling series (Chromium hands over chunks of a megabyte or more
            // when the page falls behind).
            packed.reserve(chunk.len());
            i.conn.on_bytes(now(), chunk, |ev| pack_event(&mut packed, &ev));
            (packed, i.sink.clone())
        };
        if !packed.is_empty() {
            if let Some(sink) = sink {
                sink.messages(&packed);
            }
        }
        {
            let mut i = inner.borrow_mut();
            // Keep the buffer for the next chunk unless one huge event inflated it.
            if packed.capacity() <= 4 << 20 {
                i.packed = packed;
            }
        }
        pump(&inner);
        self.is_current()
    }

    /// The transport's buffer is full: swap the request for a fresh one that resumes from the
    /// last event ID. Returns whether that happened (then this request is finished).
    pub fn recycle(&self) -> bool {
        let Some(inner) = self.live() else { return true };
        step(&inner, |i, t| i.conn.resume(t))
    }

    pub fn end(&self) {
        self.finish(|conn, t| conn.on_end(t));
    }

    pub fn network_error(&self) {
        self.finish(|conn, t| conn.on_network_error(t));
    }

    /// The request was aborted by someone else than us (an application `fetch`, the browser).
    pub fn aborted(&self) {
        self.finish(|conn, _| conn.on_aborted());
    }

    fn finish(&self, report: impl FnOnce(&mut Connection, Millis)) {
        if let Some(inner) = self.live() {
            // The request is over: its handle goes once the core has had its say.
            let _finished = step(&inner, |i, t| {
                report(&mut i.conn, t);
                i.running.take()
            });
        }
    }
}

/// The response headers the core needs.
#[derive(Default, Clone, Copy)]
pub(crate) struct ResponseHeaders<'a> {
    pub content_type: Option<&'a str>,
    pub retry_after: Option<&'a str>,
}

/// Runs the core's actions until it has none, then arms the timer it wants.
fn pump(inner: &Rc<RefCell<Inner>>) {
    loop {
        let action = inner.borrow_mut().conn.poll_action();
        let Some(action) = action else { break };
        match action {
            Action::Connect { last_event_id } => connect(inner, last_event_id),
            Action::Abort => {
                let running = {
                    let mut i = inner.borrow_mut();
                    i.generation = i.generation.wrapping_add(1);
                    i.running.take()
                };
                if let Some(r) = running {
                    r.abort();
                }
            }
            Action::Open => {
                let (sink, origin) = {
                    let i = inner.borrow();
                    (i.sink.clone(), i.origin.clone())
                };
                if let Some(sink) = sink {
                    sink.open(&origin);
                }
            }
            Action::Error(failure) => report(inner, &failure),
            Action::Buffered => switch_to_polling(inner),
        }
    }
    arm_timer(inner);
}

fn report(inner: &Rc<RefCell<Inner>>, failure: &Failure) {
    let mut failure = failure.clone();
    // The application may veto or re-time the reconnect before the page hears of it, so the
    // `error` event tells the final ready state and delay.
    if let Some(delay) = failure.delay {
        let (target, attempt, last_event_id) = {
            let i = inner.borrow();
            (i.target.clone(), i.conn.attempts(), i.conn.last_event_id().to_owned())
        };
        if let Some(hook) = &target.on_reconnect {
            let info = ReconnectInfo {
                attempt,
                delay,
                reason: failure.kind.as_str(),
                status: failure.status.unwrap_or(0),
                last_event_id: &last_event_id,
            };
            let decision = hook(&info);
            let mut i = inner.borrow_mut();
            match decision {
                ReconnectDecision::Proceed => {}
                ReconnectDecision::Delay(ms) => {
                    i.conn.reschedule(now(), ms);
                    failure.delay = Some(ms);
                }
                ReconnectDecision::Veto => {
                    i.conn.give_up();
                    failure.kind = ErrorKind::GaveUp;
                    failure.will_reconnect = false;
                    failure.delay = None;
                }
            }
        }
    }
    let (sink, state, status_text) = {
        let i = inner.borrow();
        let text = if failure.status.is_some() { i.status_text.clone() } else { String::new() };
        (i.sink.clone(), i.conn.ready_state(), text)
    };
    if let Some(sink) = sink {
        sink.error(&ErrorReport {
            reason: failure.kind.as_str(),
            status: failure.status.unwrap_or(0),
            status_text: &status_text,
            state,
            delay: failure.delay,
        });
    }
}

/// A proxy holds the stream back until it ends: carry on by long-polling, and say so.
fn switch_to_polling(inner: &Rc<RefCell<Inner>>) {
    let sink = {
        let mut i = inner.borrow_mut();
        if i.kind == TransportKind::LongPoll {
            return;
        }
        i.kind = TransportKind::LongPoll;
        i.sink.clone()
    };
    if let Some(sink) = sink {
        sink.transport_changed(TransportKind::LongPoll.as_str());
    }
}

/// Starts the request the core asked for, after the application's header function (which may
/// be asynchronous) has had its say.
fn connect(inner: &Rc<RefCell<Inner>>, last_event_id: Option<String>) {
    let (target, generation, attempt) = {
        let mut i = inner.borrow_mut();
        i.generation = i.generation.wrapping_add(1);
        (i.target.clone(), i.generation, i.conn.attempts())
    };
    let Some(headers_fn) = target.headers_fn.clone() else {
        return send(inner, generation, &target, last_event_id, Vec::new());
    };
    let info = Object::new();
    let id = last_event_id.clone().unwrap_or_default();
    let _ = Reflect::set(&info, &"lastEventId".into(), &id.into());
    let _ = Reflect::set(&info, &"attempt".into(), &attempt.into());
    let _ = Reflect::set(&info, &"url".into(), &target.url.as_str().into());
    let result = headers_fn.call1(&JsValue::UNDEFINED, &info);
    let weak = Rc::downgrade(inner);
    wasm_bindgen_futures::spawn_local(async move {
        // A thrown error or a rejected promise is a failed connection attempt: reported as a
        // network error, so the reconnection policy applies.
        let resolved = match result {
            Ok(v) if v.has_type::<Promise>() => JsFuture::from(v.unchecked_into::<Promise>()).await,
            other => other,
        };
        let Some(inner) = weak.upgrade() else { return };
        if inner.try_borrow().map_or(true, |i| i.generation != generation) {
            return; // closed (or superseded) while the application was thinking
        }
        let _serving = serving(&inner);
        match resolved.and_then(|v| header_list(&v)) {
            Ok(extra) => send(&inner, generation, &target, last_event_id, extra),
            Err(_) => {
                let feed = Feed { inner: weak, generation };
                feed.network_error();
            }
        }
    });
}

fn send(
    inner: &Rc<RefCell<Inner>>,
    generation: u32,
    target: &Target,
    last_event_id: Option<String>,
    extra: Vec<(String, String)>,
) {
    let mut spec = RequestSpec {
        url: target.url.clone(),
        method: target.method.clone(),
        headers: target.headers.clone(),
        body: target.body.clone(),
        credentials: target.credentials,
        fetch: target.fetch.clone(),
    };
    spec.headers.extend(extra);
    if let Some(id) = last_event_id {
        if target.id_carrier.header {
            spec.headers.push(("Last-Event-ID".to_owned(), id.clone()));
        }
        if let Some(name) = &target.id_carrier.query {
            spec.url = with_query(&spec.url, name, &id);
        }
    }
    let kind = {
        let mut i = inner.borrow_mut();
        let kind = i.kind;
        i.conn.set_text_input(kind.feeds_text());
        kind
    };
    let feed = Feed { inner: Rc::downgrade(inner), generation };
    let running = transport::start(kind, &spec, feed);
    let mut i = inner.borrow_mut();
    if i.generation == generation {
        i.conn.on_request_sent(now());
        i.running = running;
    } else if let Some(r) = running {
        drop(i);
        r.abort();
    }
}

/// Headers in any form `new Headers(init)` takes, as name/value pairs.
pub(crate) fn header_list(init: &JsValue) -> Result<Vec<(String, String)>, JsValue> {
    if init.is_undefined() || init.is_null() {
        return Ok(Vec::new());
    }
    let headers = web_sys::Headers::new_with_str_sequence_sequence(init)
        .or_else(|_| web_sys::Headers::new_with_headers(init.unchecked_ref()))?;
    let mut out = Vec::new();
    let iter = js_sys::try_iter(&headers)?.ok_or_else(|| JsValue::from_str("headers are not iterable"))?;
    for entry in iter {
        let pair: js_sys::Array = entry?.unchecked_into();
        out.push((pair.get(0).as_string().unwrap_or_default(), pair.get(1).as_string().unwrap_or_default()));
    }
    Ok(out)
}

fn arm_timer(inner: &Rc<RefCell<Inner>>) {
    let mut i = inner.borrow_mut();
    if i.conn.ready_state() == ReadyState::Closed {
        // Nothing can happen any more: let go of the page's objects, listeners and the timer.
        i.timer = None;
        i.running = None;
        i.sink = None;
        i.lifecycle = None;
        return;
    }
    let Some(deadline) = i.conn.poll_timeout() else {
        i.timer = None;
        return;
    };
    if matches!(&i.timer, Some((at, _)) if *at <= deadline) {
        // An earlier wake-up is armed; it re-arms for the later deadline when it fires.
        return;
    }
    let delay = deadline.saturating_sub(now()).min(i32::MAX as u64) as u32;
    let weak = Rc::downgrade(inner);
    let timeout = Timeout::new(delay, move || {
        step_weak(&weak, |i, t| {
            i.timer = None;
            i.conn.on_timeout(t);
        });
    });
    i.timer = Some((deadline, timeout));
}

/// The serialised origin of a URL, as `MessageEvent.origin` shows it.
pub(crate) fn origin_of(url: &str) -> String {
    web_sys::Url::new(url).map(|u| u.origin()).unwrap_or_default()
}

fn with_query(url: &str, name: &str, value: &str) -> String {
    match web_sys::Url::new(url) {
        Ok(u) => {
            u.search_params().set(name, value);
            u.href()
        }
        Err(_) => url.to_owned(),
    }
}
