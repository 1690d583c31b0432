//! Carries out what the connection core asks, for the core-driven transports (fetch, and the
//! fallbacks added later): starts and aborts requests, arms the one timer, and hands what the
//! transport reports back to the core. Events go to a [`Sink`], which is the JavaScript class
//! or the Rust stream.
//!
//! Re-entrancy is the design constraint here: a sink call runs page code, which may call
//! `close()` (or open another source) synchronously. So the shared state is never borrowed
//! while a sink or a transport runs: each step takes what it needs, lets go, then calls out.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;

use crate::connection::{Action, Connection, ErrorKind, Failure, Millis, ReadyState, Response};
use crate::parser::Event;
use crate::platform::now;
use crate::transport::{self, RequestSpec, Running, TransportKind};

/// Where a source's observable happenings go, in order.
pub(crate) trait Sink {
    /// The connection is announced (readyState OPEN); `origin` is the response URL's origin.
    fn open(&self, origin: &str);
    /// A batch of events, packed by [`pack_event`].
    fn messages(&self, packed: &str);
    /// An `error`; `state` is the ready state after it.
    fn error(&self, reason: &str, status: u16, state: ReadyState);
    /// Later events come from another origin (a native source followed a redirect).
    fn set_origin(&self, _origin: &str) {}
    /// The source now uses another transport (auto-detected buffering switched it to polling).
    fn transport_changed(&self, _name: &str) {}
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdCarrier {
    /// The `Last-Event-ID` header: the standard's way; free for same-origin requests.
    Header,
    /// A `lastEventId` query parameter: keeps a cross-origin request CORS-simple, so servers
    /// that answer no preflight keep working.
    Query,
}

/// Fixed facts about one source's requests.
pub(crate) struct Target {
    pub url: String,
    pub with_credentials: bool,
    pub id_carrier: IdCarrier,
}

struct Inner {
    conn: Connection,
    kind: TransportKind,
    target: Target,
    /// Bumped for every request, so reports from an aborted one are recognised and dropped.
    generation: u32,
    running: Option<Running>,
    timer: Option<(Millis, Timeout)>,
    /// Dropped once the source is closed, which breaks the JS ↔ wasm reference cycle.
    sink: Option<Rc<dyn Sink>>,
    origin: String,
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

impl Driver {
    pub fn start(conn: Connection, kind: TransportKind, target: Target, sink: Rc<dyn Sink>) -> Driver {
        let inner = Rc::new(RefCell::new(Inner {
            conn,
            kind,
            target,
            generation: 0,
            running: None,
            timer: None,
            sink: Some(sink),
            origin: String::new(),
            packed: String::new(),
        }));
        pump(&inner);
        Driver(inner)
    }

    pub fn ready_state(&self) -> ReadyState {
        self.0.borrow().conn.ready_state()
    }

    pub fn close(&self) {
        self.0.borrow_mut().conn.close();
        pump(&self.0);
    }

    /// Reconnect at once if a reconnect is waiting (the browser came back online).
    #[allow(dead_code)]
    pub fn reconnect_now(&self) {
        self.0.borrow_mut().conn.reconnect_now(now());
        pump(&self.0);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.close();
    }
}

impl Feed {
    fn live(&self) -> Option<Rc<RefCell<Inner>>> {
        let inner = self.inner.upgrade()?;
        let current = inner.borrow().generation == self.generation;
        current.then_some(inner)
    }

    /// Whether this request is still the one the source wants.
    pub fn is_current(&self) -> bool {
        self.live().is_some()
    }

    /// Response headers arrived. Returns whether the body should be read.
    pub fn response(&self, status: u16, content_type: Option<&str>, retry_after: Option<&str>, url: &str) -> bool {
        let Some(inner) = self.live() else { return false };
        {
            let mut i = inner.borrow_mut();
            i.origin = origin_of(url);
            i.conn.on_response(now(), Response { status, content_type, retry_after });
        }
        pump(&inner);
        let i = inner.borrow();
        i.generation == self.generation && i.conn.ready_state() == ReadyState::Open
    }

    /// A body chunk arrived. Returns whether to keep reading.
    pub fn bytes(&self, chunk: &[u8]) -> bool {
        let Some(inner) = self.live() else { return false };
        let (packed, sink) = {
            let mut i = inner.borrow_mut();
            let i = &mut *i;
            let mut packed = std::mem::take(&mut i.packed);
            packed.clear();
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
            if packed.capacity() <= 1 << 20 {
                i.packed = packed;
            }
        }
        pump(&inner);
        self.is_current()
    }

    /// The transport's buffer is full: swap the request for a fresh one at the next event
    /// boundary. Returns whether that happened (then this request is finished).
    pub fn recycle(&self) -> bool {
        let Some(inner) = self.live() else { return true };
        let resumed = inner.borrow_mut().conn.resume(now());
        if resumed {
            pump(&inner);
        }
        resumed
    }

    pub fn end(&self) {
        if let Some(inner) = self.live() {
            let running = {
                let mut i = inner.borrow_mut();
                i.conn.on_end(now());
                i.running.take()
            };
            drop(running);
            pump(&inner);
        }
    }

    pub fn network_error(&self) {
        if let Some(inner) = self.live() {
            let running = {
                let mut i = inner.borrow_mut();
                i.conn.on_network_error(now());
                i.running.take()
            };
            drop(running);
            pump(&inner);
        }
    }
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
    let (sink, state) = {
        let i = inner.borrow();
        (i.sink.clone(), i.conn.ready_state())
    };
    if let Some(sink) = sink {
        sink.error(failure.kind.as_str(), failure.status.unwrap_or(0), state);
    }
    debug_assert!(failure.kind != ErrorKind::GaveUp || state == ReadyState::Closed);
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

fn connect(inner: &Rc<RefCell<Inner>>, last_event_id: Option<String>) {
    let (kind, spec, feed) = {
        let mut i = inner.borrow_mut();
        i.generation = i.generation.wrapping_add(1);
        let mut spec = RequestSpec {
            url: i.target.url.clone(),
            last_event_id_header: None,
            with_credentials: i.target.with_credentials,
        };
        if let Some(id) = last_event_id {
            match i.target.id_carrier {
                IdCarrier::Header => spec.last_event_id_header = Some(id),
                IdCarrier::Query => spec.url = with_query(&spec.url, "lastEventId", &id),
            }
        }
        let kind = i.kind;
        i.conn.set_text_input(kind.feeds_text());
        (kind, spec, Feed { inner: Rc::downgrade(inner), generation: i.generation })
    };
    let running = transport::start(kind, &spec, feed);
    let mut i = inner.borrow_mut();
    i.conn.on_request_sent(now());
    i.running = running;
}

fn arm_timer(inner: &Rc<RefCell<Inner>>) {
    let mut i = inner.borrow_mut();
    if i.conn.ready_state() == ReadyState::Closed {
        // Nothing can happen any more: let go of the page's objects and the timer.
        i.timer = None;
        i.running = None;
        i.sink = None;
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
        if let Some(inner) = weak.upgrade() {
            let t = now();
            {
                let mut i = inner.borrow_mut();
                i.timer = None;
                i.conn.on_timeout(t);
            }
            pump(&inner);
        }
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
