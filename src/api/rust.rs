//! A Server-Sent Events client for Rust code compiled to wasm32 (Leptos, Yew, Dioxus, plain
//! wasm-bindgen): a builder and a [`futures_core::Stream`] of typed events, on the same parser,
//! state machine and transports as the JavaScript class.
//!
//! ```no_run
//! use eventsource_wasm::api::rust::{EventSource, SseEvent};
//!
//! # async fn run() -> Result<(), eventsource_wasm::api::rust::Error> {
//! let mut source = EventSource::builder("/updates")
//!     .header("Authorization", "Bearer secret")
//!     .connect()?;
//! while let Some(event) = source.next().await {
//!     match event {
//!         SseEvent::Open => log("connected"),
//!         SseEvent::Message(m) => log(&format!("{}: {}", m.event_type, m.data)),
//!         SseEvent::Error(e) if e.will_reconnect() => log("reconnecting"),
//!         SseEvent::Error(e) => return Err(e.into()),
//!     }
//! }
//! # Ok(()) }
//! # fn log(_: &str) {}
//! ```
//!
//! Dropping the [`EventSource`] closes the connection: keep it alive as long as you want
//! events (in a component's state, say). This is unlike `gloo-net`'s handle only in that it is
//! documented.

use crate::prelude::*;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use core::cell::RefCell;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use futures_core::Stream;
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

use super::options::{self, Engine, Options};
use crate::connection::{ReadyState, RetryPolicy};
use crate::driver::{ErrorReport, LifecycleOptions, ReconnectDecision, ReconnectInfo, Sink};
use crate::platform;
use crate::transport::{TransportChoice, TransportKind};

/// How to connect; see the JavaScript class's `transport` option.
///
/// ```no_run
/// use eventsource_wasm::api::rust::{EventSource, Transport};
/// // A server behind a proxy that buffers: ask for each batch with a new request.
/// let source = EventSource::builder("/poll").transport(Transport::LongPoll).connect();
/// # drop(source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Fetch streaming, else XHR streaming, else long-polling. Unlike the JS class's `auto`,
    /// never the browser's own `EventSource`: that one delivers an event of a custom type only
    /// to a listener registered for that type beforehand, and a stream has no such list.
    #[default]
    Auto,
    /// The browser's own `EventSource`. Call [`EventSource::listen`] for each custom event
    /// type you expect; `message` events come without.
    Native,
    Fetch,
    Xhr,
    LongPoll,
}

/// Whether cookies and HTTP authentication go with the request.
///
/// ```no_run
/// use eventsource_wasm::api::rust::{Credentials, EventSource};
/// let source = EventSource::builder("https://api.example.com/s").credentials(Credentials::Include).connect();
/// # drop(source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

/// Where the last event ID travels on a reconnect.
///
/// ```no_run
/// use eventsource_wasm::api::rust::{EventSource, LastEventIdIn};
/// // A cross-origin server that handles CORS preflights and reads the standard header.
/// let source = EventSource::builder("https://api.example.com/s")
///     .last_event_id_in(LastEventIdIn::Header, "lastEventId")
///     .connect();
/// # drop(source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastEventIdIn {
    /// The header same-origin, the query cross-origin (no CORS preflight). The default.
    Auto,
    Header,
    Query,
    Both,
}

/// What the source reports, in order.
///
/// ```no_run
/// # async fn f(mut source: eventsource_wasm::api::rust::EventSource) {
/// use eventsource_wasm::api::rust::SseEvent;
/// while let Some(event) = source.next().await {
///     match event {
///         SseEvent::Open => {}
///         SseEvent::Message(m) => println!("{}", m.data),
///         SseEvent::Error(e) => println!("{e}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SseEvent {
    /// The connection is open (again).
    Open,
    Message(Message),
    Error(Error),
}

/// One event of the stream.
///
/// ```no_run
/// # async fn f(mut source: eventsource_wasm::api::rust::EventSource) {
/// if let Ok(Some(m)) = source.next_of_type("price").await {
///     let (kind, id, data) = (m.event_type, m.last_event_id, m.data);
///     # let _ = (kind, id, data);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The `event:` field, `"message"` by default.
    pub event_type: String,
    pub data: String,
    /// The last event ID when it was dispatched.
    pub last_event_id: String,
    /// The origin of the response that carried it.
    pub origin: String,
}

/// An error: a connection attempt or stream that failed, or bad builder input.
///
/// ```no_run
/// # use eventsource_wasm::api::rust::{EventSource, SseEvent};
/// # async fn f(mut source: EventSource) {
/// if let Some(SseEvent::Error(e)) = source.next().await {
///     if e.reason == "http-status" && e.status == 401 {
///         // log in again
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// A stable name: `network`, `end-of-stream`, `http-status`, `content-type`, `timeout`,
    /// `size-limit`, `gave-up`, `aborted`, `native`, `internal` (a bug in this crate; the
    /// source is closed, the others go on), or `invalid` for bad builder input.
    pub reason: String,
    /// The HTTP status that caused it, or 0.
    pub status: u16,
    pub status_text: String,
    /// Where a reconnect follows: its delay.
    pub reconnect_delay: Option<Duration>,
    /// What went wrong, for `invalid`.
    pub message: String,
}

impl Error {
    /// Whether the source will reconnect by itself (it is CONNECTING), or is closed for good.
    pub fn will_reconnect(&self) -> bool {
        self.reconnect_delay.is_some()
    }

    fn invalid(e: JsValue) -> Error {
        let message = js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| format!("{e:?}"));
        Error { reason: "invalid".into(), status: 0, status_text: String::new(), reconnect_delay: None, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.reason.as_str(), self.status) {
            ("invalid", _) => write!(f, "invalid event source: {}", self.message),
            (reason, 0) => write!(f, "event source error: {reason}"),
            (reason, status) => write!(f, "event source error: {reason} (HTTP {status} {})", self.status_text),
        }
    }
}

impl core::error::Error for Error {}

/// Builds an [`EventSource`]. Every option has the JavaScript class's meaning and default.
///
/// ```no_run
/// use std::time::Duration;
/// use eventsource_wasm::api::rust::{EventSource, Transport};
///
/// let source = EventSource::builder("https://api.example.com/v1/stream")
///     .method("POST")
///     .header("Content-Type", "application/json")
///     .body(r#"{"prompt":"hello"}"#)
///     .transport(Transport::Fetch)
///     .heartbeat_timeout(Duration::from_secs(30))
///     .connect()
///     .expect("valid options");
/// # drop(source);
/// ```
#[must_use = "a builder does nothing until `connect`"]
pub struct Builder {
    url: String,
    options: Options,
    transport: Transport,
    credentials: Option<Credentials>,
    id_in: Option<LastEventIdIn>,
    body: Option<String>,
}

impl Builder {
    /// Sent with every request; may be called several times.
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/s").header("Authorization", "Bearer t");
    /// # drop(b);
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.options.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Called before every connect and reconnect with the last event ID and the attempt
    /// number, returning extra headers (a fresh token, say).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/s")
    ///     .headers_with(|last_id, _attempt| vec![("X-Resume".into(), last_id.to_owned())]);
    /// # drop(b);
    /// ```
    pub fn headers_with(mut self, f: impl Fn(&str, u32) -> Vec<(String, String)> + 'static) -> Self {
        let f = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |info: JsValue| {
            let get = |k: &str| js_sys::Reflect::get(&info, &k.into()).unwrap_or(JsValue::UNDEFINED);
            let id = get("lastEventId").as_string().unwrap_or_default();
            let attempt = get("attempt").as_f64().unwrap_or(0.0) as u32;
            let pairs = js_sys::Array::new();
            for (n, v) in f(&id, attempt) {
                pairs.push(&js_sys::Array::of2(&n.into(), &v.into()));
            }
            pairs.into()
        });
        self.options.headers_fn = Some(f.into_js_value().into());
        self
    }

    /// The HTTP method (default `GET`).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/chat").method("POST").body("{}");
    /// # drop(b);
    /// ```
    pub fn method(mut self, method: &str) -> Self {
        method.clone_into(&mut self.options.method);
        self
    }

    /// The request body, sent again on every reconnect.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Whether cookies go with the request (default: same-origin only).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{Credentials, EventSource};
    /// let b = EventSource::builder("https://other.example/s").credentials(Credentials::Include);
    /// # drop(b);
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Which transport to use (default [`Transport::Auto`]).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Where the last event ID travels on a reconnect, and the query parameter's name.
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, LastEventIdIn};
    /// let b = EventSource::builder("/s").last_event_id_in(LastEventIdIn::Query, "since");
    /// # drop(b);
    /// ```
    pub fn last_event_id_in(mut self, how: LastEventIdIn, query_param: &str) -> Self {
        self.id_in = Some(how);
        query_param.clone_into(&mut self.options.last_event_id_param);
        self
    }

    /// Start as if an event with this ID had been received.
    pub fn last_event_id(mut self, id: &str) -> Self {
        id.clone_into(&mut self.options.last_event_id);
        self
    }

    /// The reconnection policy (default: the standard's fixed delay, forever).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// use eventsource_wasm::connection::RetryPolicy;
    /// let b = EventSource::builder("/s").retry(RetryPolicy { factor: 2.0, max_attempts: Some(5), ..Default::default() });
    /// # drop(b);
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.policy = Some(policy);
        self
    }

    /// The delay before a reconnect until the server sends `retry:` (default 3 s).
    pub fn reconnection_time(mut self, delay: Duration) -> Self {
        self.options.reconnection_time = Some(delay.as_millis() as u64);
        self
    }

    /// Decide each reconnect: return [`Reconnect::Proceed`], [`Reconnect::After`] or
    /// [`Reconnect::GiveUp`].
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, Reconnect};
    /// let b = EventSource::builder("/s").on_reconnect(|attempt, _delay| {
    ///     if attempt > 10 { Reconnect::GiveUp } else { Reconnect::Proceed }
    /// });
    /// # drop(b);
    /// ```
    pub fn on_reconnect(mut self, f: impl Fn(u32, Duration) -> Reconnect + 'static) -> Self {
        self.options.on_reconnect =
            Some(Box::new(move |info: &ReconnectInfo<'_>| match f(info.attempt, Duration::from_millis(info.delay)) {
                Reconnect::Proceed => ReconnectDecision::Proceed,
                Reconnect::After(d) => ReconnectDecision::Delay(d.as_millis() as u64),
                Reconnect::GiveUp => ReconnectDecision::Veto,
            }));
        self
    }

    /// Reconnect when no byte arrived for this long.
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.options.heartbeat = Some(timeout.as_millis().max(1) as u64);
        self
    }

    /// Largest line or event data in bytes (default 16 MiB); more fails the source.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.options.max_event_size = Some(bytes.max(1) as u64);
        self
    }

    /// React to the page's lifecycle: reconnect when online again or restored from the
    /// back/forward cache; pause while hidden.
    pub fn lifecycle(mut self, online: bool, pageshow: bool, pause_when_hidden: bool) -> Self {
        self.options.lifecycle =
            LifecycleOptions { reconnect_on_online: online, reconnect_on_pageshow: pageshow, pause_when_hidden };
        self
    }

    /// Checks the options and starts connecting.
    pub fn connect(mut self) -> Result<EventSource, Error> {
        let resolved = platform::resolve_url(&self.url).map_err(Error::invalid)?;
        self.options.transport = match self.transport {
            Transport::Auto => TransportChoice::Auto,
            Transport::Native => TransportChoice::Only(TransportKind::Native),
            Transport::Fetch => TransportChoice::Only(TransportKind::Fetch),
            Transport::Xhr => TransportChoice::Only(TransportKind::Xhr),
            Transport::LongPoll => TransportChoice::Only(TransportKind::LongPoll),
        };
        if let Some(c) = self.credentials {
            self.options.credentials = Some(match c {
                Credentials::Omit => RequestCredentials::Omit,
                Credentials::SameOrigin => RequestCredentials::SameOrigin,
                Credentials::Include => RequestCredentials::Include,
            });
            self.options.with_credentials = c == Credentials::Include;
        }
        self.options.last_event_id_in = self.id_in.map(|how| {
            match how {
                LastEventIdIn::Auto => "auto",
                LastEventIdIn::Header => "header",
                LastEventIdIn::Query => "query",
                LastEventIdIn::Both => "both",
            }
            .to_owned()
        });
        self.options.method = options::checked_method(&self.options.method).map_err(Error::invalid)?;
        if let Some(body) = self.body {
            if matches!(self.options.method.as_str(), "GET" | "HEAD") {
                return Err(Error::invalid("a request with a body needs a method other than GET or HEAD".into()));
            }
            self.options.body = Some(body.into());
        }
        if self.transport == Transport::Auto {
            self.options.own_transport = Some("a typed stream");
        }
        let kind = options::choose(&self.options).map_err(Error::invalid)?;
        let shared = Rc::new(RefCell::new(Shared::default()));
        let sink: Rc<dyn Sink> = Rc::new(StreamSink(shared.clone()));
        let engine = options::start(&resolved, kind, self.options, sink).map_err(Error::invalid)?;
        Ok(EventSource { engine, shared, url: resolved.href(), transport: kind })
    }
}

/// What an [`Builder::on_reconnect`] hook decides.
///
/// ```no_run
/// use std::time::Duration;
/// use eventsource_wasm::api::rust::{EventSource, Reconnect};
/// let b = EventSource::builder("/s").on_reconnect(|attempt, delay| match attempt {
///     1..=3 => Reconnect::Proceed,
///     4..=10 => Reconnect::After(delay * 2),
///     _ => Reconnect::GiveUp,
/// });
/// # drop(b);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    Proceed,
    After(Duration),
    GiveUp,
}

#[derive(Default)]
struct Shared {
    queue: VecDeque<SseEvent>,
    origin: String,
    waker: Option<Waker>,
    closed: bool,
}

/// Unpacks what the driver reports into typed events for the stream.
struct StreamSink(Rc<RefCell<Shared>>);

impl StreamSink {
    fn push(&self, events: impl IntoIterator<Item = SseEvent>) {
        let mut s = self.0.borrow_mut();
        s.queue.extend(events);
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

impl Sink for StreamSink {
    fn open(&self, origin: &str) {
        origin.clone_into(&mut self.0.borrow_mut().origin);
        self.push([SseEvent::Open]);
    }

    fn messages(&self, packed: &str) {
        let origin = self.0.borrow().origin.clone();
        let mut parts = packed.split('\r');
        let mut events = Vec::new();
        while let (Some(t), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) {
            events.push(SseEvent::Message(Message {
                event_type: if t.is_empty() { "message".into() } else { t.into() },
                data: data.into(),
                last_event_id: id.into(),
                origin: origin.clone(),
            }));
        }
        self.push(events);
    }

    fn error(&self, e: &ErrorReport<'_>) {
        if e.state == ReadyState::Closed {
            self.0.borrow_mut().closed = true;
        }
        self.push([SseEvent::Error(Error {
            reason: e.reason.into(),
            status: e.status,
            status_text: e.status_text.into(),
            reconnect_delay: e.delay.map(Duration::from_millis),
            message: String::new(),
        })]);
    }

    fn set_origin(&self, origin: &str) {
        origin.clone_into(&mut self.0.borrow_mut().origin);
    }

    fn crashed(&self, message: &str) {
        let Ok(mut s) = self.0.try_borrow_mut() else { return };
        s.closed = true;
        s.queue.push_back(SseEvent::Error(Error {
            reason: "internal".into(),
            status: 0,
            status_text: String::new(),
            reconnect_delay: None,
            message: message.into(),
        }));
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

/// A connected source: a [`Stream`] of [`SseEvent`]s that ends when the source is closed.
/// Dropping it closes the connection.
pub struct EventSource {
    engine: Engine,
    shared: Rc<RefCell<Shared>>,
    url: String,
    transport: TransportKind,
}

impl EventSource {
    /// Starts building a source for `url` (resolved against the page's base URL).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let source = EventSource::builder("/updates").connect().unwrap();
    /// # drop(source);
    /// ```
    pub fn builder(url: &str) -> Builder {
        Builder {
            url: url.to_owned(),
            options: Options::standard(),
            transport: Transport::Auto,
            credentials: None,
            id_in: None,
            body: None,
        }
    }

    /// The resolved URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `native`, `fetch`, `xhr` or `longpoll`: the transport chosen at connect time.
    pub fn transport(&self) -> &'static str {
        self.transport.as_str()
    }

    pub fn ready_state(&self) -> ReadyState {
        if self.shared.borrow().closed {
            return ReadyState::Closed;
        }
        self.engine.ready_state()
    }

    /// Asks a [`Transport::Native`] source to deliver events of `event_type` (other transports
    /// deliver every type anyway).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, Transport};
    /// let source = EventSource::builder("/s").transport(Transport::Native).connect().unwrap();
    /// source.listen("tick");
    /// ```
    pub fn listen(&self, event_type: &str) {
        if let Engine::Native(n) = &self.engine {
            n.listen(event_type);
        }
    }

    /// Closes the connection; the stream yields what was already received, then ends.
    pub fn close(&self) {
        self.engine.close();
        let mut s = self.shared.borrow_mut();
        s.closed = true;
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }

    /// The next event, or `None` once the source is closed and everything was delivered.
    ///
    /// ```no_run
    /// # async fn f(mut source: eventsource_wasm::api::rust::EventSource) {
    /// while let Some(event) = source.next().await {
    ///     let _ = event;
    /// }
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<SseEvent> {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Waits for the next message of `event_type`, skipping everything else; `Err` if the
    /// source fails for good first, `Ok(None)` if it is closed.
    ///
    /// ```no_run
    /// # async fn f(mut source: eventsource_wasm::api::rust::EventSource) {
    /// let ready = source.next_of_type("ready").await;
    /// # let _ = ready;
    /// # }
    /// ```
    pub async fn next_of_type(&mut self, event_type: &str) -> Result<Option<Message>, Error> {
        while let Some(event) = self.next().await {
            match event {
                SseEvent::Message(m) if m.event_type == event_type => return Ok(Some(m)),
                SseEvent::Error(e) if !e.will_reconnect() => return Err(e),
                _ => {}
            }
        }
        Ok(None)
    }
}

impl Stream for EventSource {
    type Item = SseEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let mut s = self.shared.borrow_mut();
        if let Some(event) = s.queue.pop_front() {
            return Poll::Ready(Some(event));
        }
        if s.closed {
            return Poll::Ready(None);
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.engine.close();
    }
}
