//! The Rust API: a builder and a [`Stream`] of typed events, for Rust code compiled to
//! WebAssembly (Leptos, Yew, Dioxus, plain wasm-bindgen).
//!
//! It drives the same engine as the npm package's JavaScript class (the parser, the standard's
//! connection rules, the reconnection policy) with the same JavaScript host making the requests
//! (`fetch`, `XMLHttpRequest`, the browser's own `EventSource`), so both behave the same. Events
//! come straight from the parser as Rust values; nothing is packed into strings on the way.
//!
//! ```no_run
//! use eventsource_wasm::api::rust::{EventSource, SseEvent};
//!
//! # async fn run() -> Result<(), eventsource_wasm::api::rust::Error> {
//! let mut source = EventSource::builder("http://127.0.0.1:3000/event-stream").connect()?;
//! while let Some(event) = source.next().await {
//!     match event {
//!         SseEvent::Open => log("connected"),
//!         SseEvent::Message(m) => log(&format!("{} #{}: {}", m.event_type, m.last_event_id, m.data)),
//!         SseEvent::Error(e) if e.will_reconnect() => log(&format!("{e}; reconnecting")),
//!         SseEvent::Error(e) => return Err(e),
//!         SseEvent::Comment(_) => {} // only with `.comments(true)`
//!     }
//! }
//! # Ok(()) }
//! # fn log(_: &str) {}
//! ```
//!
//! Dropping the [`EventSource`] closes the connection: keep it as long as you want events (in
//! a component's state, say).
//!
//! The API compiles on every target, so code that shares types with a server (or a host
//! `cargo check`) builds; [`Builder::connect`] connects only on wasm32 with the crate's `web`
//! feature (a default), and elsewhere returns an error of reason [`ErrorReason::Unsupported`].

use crate::prelude::*;
use alloc::rc::Rc;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;

use futures_core::{FusedStream, Stream};

use super::driver::Driver;
use crate::engine::connection::ErrorKind;
use crate::engine::options::{
    checked_method, OptionError, Options, TransportChoice, TransportKind, Value, OPTION_NAMES,
};
use crate::engine::policy::Millis;
use crate::engine::source::ErrorReport;

pub use super::stream_source::StreamSource;
pub use crate::engine::connection::ReadyState;
pub use crate::engine::options::{Credentials, LastEventIdIn, Lifecycle};
pub use crate::engine::policy::RetryPolicy;

/// How a source talks to its server: what [`Builder::transport`] asks for, and what
/// [`EventSource::transport`] says is in use.
///
/// ```no_run
/// use eventsource_wasm::api::rust::{EventSource, Transport};
/// // A server behind a proxy that buffers responses: ask for each batch with a new request.
/// let source = EventSource::builder("/poll").transport(Transport::LongPoll).connect();
/// # drop(source);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// Fetch streaming, else XHR streaming, else long-polling; and long-polling from then on if
    /// a buffering proxy holds the stream back. Unlike the JavaScript class's `auto`, never the
    /// browser's own `EventSource`: that one delivers an event of a custom type only to a
    /// listener registered for that type beforehand, and a stream has no such list.
    /// [`EventSource::transport`] never answers `Auto`.
    #[default]
    Auto,
    /// The browser's own `EventSource`. Call [`EventSource::listen`] for each custom event type
    /// you expect (`message` events come without), and ask for nothing it cannot do (headers,
    /// a method, a body, a reconnection policy, …): [`Builder::connect`] refuses those.
    Native,
    /// `fetch`, reading the body as a stream.
    Fetch,
    /// `XMLHttpRequest`, reading `responseText` as it grows.
    Xhr,
    /// A request per batch of events: read the body to its end, dispatch, ask again at once.
    LongPoll,
}

impl Transport {
    /// The name the JavaScript class uses: `auto`, `native`, `fetch`, `xhr` or `longpoll`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Auto => "auto",
            Transport::Native => "native",
            Transport::Fetch => "fetch",
            Transport::Xhr => "xhr",
            Transport::LongPoll => "longpoll",
        }
    }

    fn choice(self) -> TransportChoice {
        match self {
            Transport::Auto => TransportChoice::Auto,
            Transport::Native => TransportChoice::Only(TransportKind::Native),
            Transport::Fetch => TransportChoice::Only(TransportKind::Fetch),
            Transport::Xhr => TransportChoice::Only(TransportKind::Xhr),
            Transport::LongPoll => TransportChoice::Only(TransportKind::LongPoll),
        }
    }
}

impl From<TransportKind> for Transport {
    fn from(kind: TransportKind) -> Transport {
        match kind {
            TransportKind::Native => Transport::Native,
            TransportKind::Fetch => Transport::Fetch,
            TransportKind::Xhr => Transport::Xhr,
            TransportKind::LongPoll => Transport::LongPoll,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the source reports, in order: [`SseEvent::Open`] when a connection is announced,
/// each [`SseEvent::Message`], and an [`SseEvent::Error`] for every failure (after which
/// either a reconnect follows, or the stream ends).
///
/// ```no_run
/// # async fn f(mut source: eventsource_wasm::api::rust::EventSource) {
/// use eventsource_wasm::api::rust::SseEvent;
/// while let Some(event) = source.next().await {
///     match event {
///         SseEvent::Open => {}
///         SseEvent::Message(m) => println!("{}", m.data),
///         SseEvent::Error(e) => println!("{e}"),
///         SseEvent::Comment(c) => println!(": {}", c.text),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// The connection is open (again).
    Open,
    /// An event of the stream.
    Message(Message),
    /// A failure: [`Error::will_reconnect`] tells whether a reconnect follows.
    Error(Error),
    /// A comment line of the stream (`: keep-alive`), in stream order with the messages: only
    /// with [`Builder::comments`].
    Comment(Comment),
}

/// A comment line of the stream: servers send them as heartbeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Comment {
    /// The text after the colon (and one space, as for a field's value).
    pub text: String,
    /// The last event ID when it came.
    pub last_event_id: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The `event:` field, `"message"` when the event has none.
    pub event_type: String,
    /// The `data:` lines, joined with LF.
    pub data: String,
    /// The last event ID when it was dispatched (it carries over from earlier events).
    pub last_event_id: String,
    /// The origin of the response that carried it (`scheme://host:port`).
    pub origin: String,
}

/// Why an [`Error`] happened. Its [`as_str`](ErrorReason::as_str) names are the JavaScript
/// class's `event.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorReason {
    /// The request failed before or during the body (DNS, refused, reset, CORS). `network`
    Network,
    /// The server ended the body; a reconnect follows. `end-of-stream`
    EndOfStream,
    /// The status was not 200 (the status is in [`Error::status`]). `http-status`
    HttpStatus,
    /// The response was not `text/event-stream`. `content-type`
    ContentType,
    /// Nothing arrived within [`Builder::heartbeat_timeout`]. `timeout`
    Timeout,
    /// A line or an event passed [`Builder::max_event_size`]. `size-limit`
    SizeLimit,
    /// The retry policy's attempts ran out, or [`Builder::on_reconnect`] gave up. `gave-up`
    GaveUp,
    /// The request was aborted by something other than [`EventSource::close`]. `aborted`
    Aborted,
    /// The browser's own `EventSource` reported an error; it tells nothing more. `native`
    Native,
    /// A bug in this crate: the source is closed; other sources go on. `internal`
    Internal,
    /// [`Builder::connect`] refused the URL or an option ([`Error::message`] says which).
    /// `invalid`
    Invalid,
    /// [`Builder::connect`] cannot connect here: a transport this platform lacks, or a target
    /// without a JavaScript host. `unsupported`
    Unsupported,
    /// The server answered, but its CORS setup refused this origin (or the preflight): futile to
    /// retry, so the source is closed, as browsers close theirs. `cors`
    Cors,
    /// The URL's scheme cannot be fetched (not http, https, data or blob). `url-scheme`
    UrlScheme,
    /// What was fetched gave no response with a readable body. `not-a-response`
    NotAResponse,
}

impl ErrorReason {
    /// A short stable name (`network`, `http-status`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorReason::Network => "network",
            ErrorReason::EndOfStream => "end-of-stream",
            ErrorReason::HttpStatus => "http-status",
            ErrorReason::ContentType => "content-type",
            ErrorReason::Timeout => "timeout",
            ErrorReason::SizeLimit => "size-limit",
            ErrorReason::GaveUp => "gave-up",
            ErrorReason::Aborted => "aborted",
            ErrorReason::Native => "native",
            ErrorReason::Internal => "internal",
            ErrorReason::Invalid => "invalid",
            ErrorReason::Unsupported => "unsupported",
            ErrorReason::Cors => "cors",
            ErrorReason::UrlScheme => "url-scheme",
            ErrorReason::NotAResponse => "not-a-response",
        }
    }
}

impl From<ErrorKind> for ErrorReason {
    fn from(kind: ErrorKind) -> ErrorReason {
        match kind {
            ErrorKind::Network => ErrorReason::Network,
            ErrorKind::EndOfStream => ErrorReason::EndOfStream,
            ErrorKind::Status => ErrorReason::HttpStatus,
            ErrorKind::ContentType => ErrorReason::ContentType,
            ErrorKind::Timeout => ErrorReason::Timeout,
            ErrorKind::TooLarge => ErrorReason::SizeLimit,
            ErrorKind::GaveUp => ErrorReason::GaveUp,
            ErrorKind::Aborted => ErrorReason::Aborted,
            ErrorKind::Cors => ErrorReason::Cors,
            ErrorKind::UrlScheme => ErrorReason::UrlScheme,
            ErrorKind::NotAResponse => ErrorReason::NotAResponse,
        }
    }
}

impl fmt::Display for ErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of the connection (from the stream), or input [`Builder::connect`] refused.
///
/// ```no_run
/// # use eventsource_wasm::api::rust::{ErrorReason, EventSource, SseEvent};
/// # async fn f(mut source: EventSource) {
/// if let Some(SseEvent::Error(e)) = source.next().await {
///     if e.reason == ErrorReason::HttpStatus && e.status == 401 {
///         // log in again
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    /// Why.
    pub reason: ErrorReason,
    /// The HTTP status of the response that caused it, or 0.
    pub status: u16,
    /// That response's status text.
    pub status_text: String,
    /// The ready state after it: [`ReadyState::Connecting`] when a reconnect follows,
    /// [`ReadyState::Closed`] when the source is closed for good (and the stream ends).
    pub ready_state: ReadyState,
    /// When a reconnect follows: after how long, if known (the native transport does not say).
    pub reconnect_delay: Option<Duration>,
    /// What went wrong, for [`ErrorReason::Invalid`], [`ErrorReason::Unsupported`] and
    /// [`ErrorReason::Internal`]; empty otherwise.
    pub message: String,
    /// For a refused response (a status other than 200, a wrong `Content-Type`): the start of
    /// its body ([`Builder::error_body`] bytes at most, read for a second at most), to tell
    /// "token expired" from "forbidden"; empty when it had none or reading it is off. `None` for
    /// other errors.
    pub body: Option<String>,
    /// For a refused response: its headers, as far as CORS lets the page see them (cross-origin,
    /// the safelisted ones and those the server exposes). Empty for other errors.
    pub headers: Vec<(String, String)>,
}

impl Error {
    /// Whether the source reconnects by itself; if not, it is closed for good.
    pub fn will_reconnect(&self) -> bool {
        self.ready_state == ReadyState::Connecting
    }

    fn new(reason: ErrorReason, ready_state: ReadyState, message: String) -> Error {
        Error {
            reason,
            status: 0,
            status_text: String::new(),
            ready_state,
            reconnect_delay: None,
            message,
            body: None,
            headers: Vec::new(),
        }
    }

    pub(crate) fn invalid(message: String) -> Error {
        Error::new(ErrorReason::Invalid, ReadyState::Closed, message)
    }

    pub(crate) fn unsupported(message: String) -> Error {
        Error::new(ErrorReason::Unsupported, ReadyState::Closed, message)
    }

    #[cfg_attr(not(all(target_arch = "wasm32", feature = "web")), allow(dead_code))]
    pub(crate) fn internal(message: String) -> Error {
        Error::new(ErrorReason::Internal, ReadyState::Closed, message)
    }

    /// The browser's own `EventSource` reported an error; `closed`: for good.
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "web")), allow(dead_code))]
    pub(crate) fn native(closed: bool) -> Error {
        Error::new(ErrorReason::Native, if closed { ReadyState::Closed } else { ReadyState::Connecting }, String::new())
    }

    #[cfg_attr(not(all(target_arch = "wasm32", feature = "web")), allow(dead_code))]
    pub(crate) fn from_report(report: &ErrorReport) -> Error {
        Error {
            reason: report.kind.into(),
            status: report.status,
            status_text: report.status_text.clone(),
            ready_state: report.ready_state,
            reconnect_delay: report.delay.map(Duration::from_millis),
            message: String::new(),
            body: report.body.clone(),
            headers: Vec::new(),
        }
    }
}

impl From<OptionError> for Error {
    fn from(e: OptionError) -> Error {
        match e {
            OptionError::Type(m) => Error::invalid(m),
            OptionError::NotSupported(m) => Error::unsupported(m),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            ErrorReason::Invalid => return write!(f, "invalid event source: {}", self.message),
            ErrorReason::Unsupported => return write!(f, "event source unsupported: {}", self.message),
            _ => write!(f, "event source error: {}", self.reason)?,
        }
        if self.status != 0 {
            write!(f, " (HTTP {} {})", self.status, self.status_text)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

/// What an [`Builder::on_reconnect`] hook decides.
///
/// ```no_run
/// use eventsource_wasm::api::rust::{EventSource, Reconnect};
/// let b = EventSource::builder("/s").on_reconnect(|r| match r.attempt {
///     1..=3 => Reconnect::Proceed,
///     4..=10 => Reconnect::After(r.delay * 2),
///     _ => Reconnect::GiveUp,
/// });
/// # drop(b);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    /// As planned.
    Proceed,
    /// After this long instead.
    After(Duration),
    /// Not at all: the source fails with [`ErrorReason::GaveUp`] and closes.
    GiveUp,
}

/// What an announced reconnect is about, for [`Builder::on_reconnect`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectInfo {
    /// The number of this reconnect in a row without an `open` (1 for the first).
    pub attempt: u32,
    /// The delay planned.
    pub delay: Duration,
    /// Why the connection was lost.
    pub reason: ErrorReason,
    /// The HTTP status of the response that ended, or 0.
    pub status: u16,
    /// Where the reconnect resumes (empty: from the start).
    pub last_event_id: String,
}

type HeadersFn = dyn Fn(&str, u32) -> Vec<(String, String)>;
type ReconnectFn = dyn Fn(&ReconnectInfo) -> Reconnect;

/// The application's functions, kept by the source.
#[derive(Default)]
pub(crate) struct Hooks {
    pub(crate) headers: Option<Box<HeadersFn>>,
    pub(crate) on_reconnect: Option<Box<ReconnectFn>>,
}

/// Builds an [`EventSource`]. Every option has the JavaScript class's meaning and default;
/// without any, the source does what the standard's `new EventSource(url)` does.
///
/// Options are checked by [`connect`](Builder::connect), which returns the first problem as an
/// [`Error`] of reason [`ErrorReason::Invalid`].
///
/// ```no_run
/// use std::time::Duration;
/// use eventsource_wasm::api::rust::{EventSource, Transport};
///
/// let source = EventSource::builder("https://api.example.com/v1/stream")
///     .method("POST")
///     .header("Authorization", "Bearer secret")
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
    body: Option<String>,
    hooks: Hooks,
    /// The first option refused.
    invalid: Option<OptionError>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("url", &self.url)
            .field("options", &self.options)
            .field("transport", &self.transport)
            .field("body", &self.body)
            .field("headers_with", &self.hooks.headers.is_some())
            .field("on_reconnect", &self.hooks.on_reconnect.is_some())
            .finish()
    }
}

fn millis(d: Duration) -> Millis {
    d.as_millis().min(u128::from(Millis::MAX)) as Millis
}

impl Builder {
    /// A builder for `url`; the same as [`EventSource::builder`].
    pub fn new(url: &str) -> Builder {
        Builder {
            url: url.to_owned(),
            options: Options::default(),
            transport: Transport::Auto,
            body: None,
            hooks: Hooks::default(),
            invalid: None,
        }
    }

    fn refuse(&mut self, e: OptionError) {
        self.invalid.get_or_insert(e);
    }

    /// Sets option `name` as the JavaScript class would, so that its rule (and its error
    /// message) is the engine's, once; into `options` (a scratch one only checks).
    fn set(invalid: &mut Option<OptionError>, options: &mut Options, name: &str, value: Value<'_>) {
        let key = OPTION_NAMES.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        if let Err(e) = options.set(key, value) {
            invalid.get_or_insert(e);
        }
    }

    /// A request header, sent with every request; may be called several times. Names must be
    /// HTTP tokens and values free of NUL, CR and LF.
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/s").header("Authorization", "Bearer t");
    /// # drop(b);
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Err(e) = self.options.add_header(name, value) {
            self.refuse(e);
        }
        self
    }

    /// Called before every connect and reconnect with the last event ID and the number of
    /// reconnects in a row so far (0 at first), returning headers to add (a fresh token, say).
    /// A header it returns that is not valid fails that connection attempt like a network
    /// error (the retry policy applies).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/s")
    ///     .headers_with(|last_id, _attempt| vec![("X-Resume".into(), last_id.to_owned())]);
    /// # drop(b);
    /// ```
    pub fn headers_with(mut self, f: impl Fn(&str, u32) -> Vec<(String, String)> + 'static) -> Self {
        self.options.headers_fn = true;
        self.hooks.headers = Some(Box::new(f));
        self
    }

    /// The HTTP method (default `GET`); upper-cased as `fetch` does.
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

    /// The request body, sent again with every reconnect. Needs a method other than GET or
    /// HEAD.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Whether cookies and HTTP authentication go with the requests (default: same-origin
    /// only, as the standard's `EventSource`).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{Credentials, EventSource};
    /// let b = EventSource::builder("https://other.example/s").credentials(Credentials::Include);
    /// # drop(b);
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.options.credentials = Some(credentials);
        self
    }

    /// Which transport to use (default [`Transport::Auto`]).
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Where the last event ID travels on a reconnect (default [`LastEventIdIn::Auto`]: the
    /// `Last-Event-ID` header same-origin, the query cross-origin, where a header would need a
    /// CORS preflight that many SSE servers don't answer).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, LastEventIdIn};
    /// // A cross-origin server that answers preflights and reads the standard header.
    /// let b = EventSource::builder("https://api.example.com/s").last_event_id_in(LastEventIdIn::Header);
    /// # drop(b);
    /// ```
    pub fn last_event_id_in(mut self, how: LastEventIdIn) -> Self {
        self.options.last_event_id_in = how;
        self
    }

    /// The query parameter that carries the last event ID (default `lastEventId`).
    pub fn last_event_id_param(mut self, name: &str) -> Self {
        Builder::set(&mut self.invalid, &mut self.options, "lastEventIdParam", Value::Str(name));
        self
    }

    /// Start as if an event with this ID had been received: the first request resumes from
    /// it. Must not contain NUL, CR or LF.
    pub fn last_event_id(mut self, id: &str) -> Self {
        Builder::set(&mut self.invalid, &mut self.options, "lastEventId", Value::Str(id));
        self
    }

    /// The reconnection policy (default: the standard's fixed delay, forever).
    /// [`RetryPolicy::backoff`] is a good start.
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, RetryPolicy};
    /// let b = EventSource::builder("/s").retry(RetryPolicy { max_attempts: Some(5), ..RetryPolicy::backoff() });
    /// # drop(b);
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        let mut check = Options::default();
        Builder::set(&mut self.invalid, &mut check, "reconnect.backoff", Value::Number(policy.factor));
        Builder::set(&mut self.invalid, &mut check, "reconnect.jitter", Value::Number(policy.jitter));
        self.options.retry = Some(policy);
        self
    }

    /// The delay before a reconnect until the server sends `retry:` (default 3 s).
    pub fn reconnection_time(mut self, delay: Duration) -> Self {
        self.options.reconnection_time = Some(millis(delay));
        self
    }

    /// Decides each reconnect before it happens: [`Reconnect::Proceed`], [`Reconnect::After`]
    /// another delay, or [`Reconnect::GiveUp`]. The [`SseEvent::Error`] that announces the
    /// reconnect comes after it, with the decision's outcome.
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{ErrorReason, EventSource, Reconnect};
    /// let b = EventSource::builder("/s").on_reconnect(|r| {
    ///     if r.attempt > 10 || r.status == 503 { Reconnect::GiveUp } else { Reconnect::Proceed }
    /// });
    /// # drop(b);
    /// ```
    pub fn on_reconnect(mut self, f: impl Fn(&ReconnectInfo) -> Reconnect + 'static) -> Self {
        self.options.on_reconnect = true;
        self.hooks.on_reconnect = Some(Box::new(f));
        self
    }

    /// Deliver the stream's comment lines (`: keep-alive`) as [`SseEvent::Comment`] items, to show
    /// liveness or measure lag (default: no).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::EventSource;
    /// let b = EventSource::builder("/s").comments(true);
    /// # drop(b);
    /// ```
    pub fn comments(mut self, yes: bool) -> Self {
        self.options.comments = yes;
        self
    }

    /// How much of a refused response's body the error carries ([`Error::body`]): at most this
    /// many bytes (default 4096; 0: an empty body).
    pub fn error_body(mut self, bytes: usize) -> Self {
        self.options.error_body = bytes as u64;
        self
    }

    /// Reconnect when nothing (not even a comment) arrived for this long; zero: never (the
    /// default).
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Self {
        self.options.heartbeat = Some(millis(timeout)).filter(|&ms| ms > 0);
        self
    }

    /// The largest line or event data, in bytes (default 16 MiB); a bigger one fails the
    /// source with [`ErrorReason::SizeLimit`]. At least 1.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        Builder::set(&mut self.invalid, &mut self.options, "maxEventSize", Value::Number(bytes as f64));
        self
    }

    /// Reactions to the page's lifecycle (default: none).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, Lifecycle};
    /// let b = EventSource::builder("/s").lifecycle(Lifecycle { pause_when_hidden: true, ..Lifecycle::default() });
    /// # drop(b);
    /// ```
    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.options.lifecycle = lifecycle;
        self
    }

    /// Checks the URL (resolved against the page's base URL) and the options, and starts
    /// connecting.
    ///
    /// Errors: [`ErrorReason::Invalid`] for a URL or an option that is not acceptable;
    /// [`ErrorReason::Unsupported`] for a transport this platform lacks, or off wasm32 (or
    /// without the `web` feature), where there is no JavaScript host to connect with.
    pub fn connect(mut self) -> Result<EventSource, Error> {
        if let Some(e) = self.invalid {
            return Err(e.into());
        }
        self.options.method = checked_method(&self.options.method)?;
        self.options.body = self.body.is_some();
        self.options.transport = self.transport.choice();
        if self.transport == Transport::Auto {
            // `auto` would pick the browser's own EventSource where nothing else is asked for.
            self.options.own_transport = Some("a typed stream");
        }
        self.options.finish()?;
        let driver = Driver::connect(&self.url, self.options, self.body, self.hooks)?;
        Ok(EventSource { driver })
    }
}

/// A source of server-sent events: a [`Stream`] of [`SseEvent`]s that ends once the source is
/// closed (by [`close`](EventSource::close), or by a failure) and everything received was
/// taken. Dropping it closes the connection.
///
/// Made by [`EventSource::builder`] and [`Builder::connect`]; see the [module
/// documentation](self). Like everything JavaScript hands out, it belongs to the thread (the
/// page or worker) it was made in: it is neither `Send` nor `Sync`.
pub struct EventSource {
    driver: Rc<Driver>,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("url", &self.url())
            .field("transport", &self.transport())
            .field("ready_state", &self.ready_state())
            .finish()
    }
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
        Builder::new(url)
    }

    /// The resolved URL.
    pub fn url(&self) -> &str {
        self.driver.url()
    }

    /// The transport in use: what [`Transport::Auto`] picked, and [`Transport::LongPoll`] once
    /// it switched to long-polling behind a buffering proxy.
    pub fn transport(&self) -> Transport {
        self.driver.transport()
    }

    /// The ready state: [`ReadyState::Closed`] after [`close`](EventSource::close) and after a
    /// failure for good.
    pub fn ready_state(&self) -> ReadyState {
        self.driver.ready_state()
    }

    /// Asks a [`Transport::Native`] source to deliver events of `event_type` too (other
    /// transports deliver every type anyway, and so this does nothing for them).
    ///
    /// ```no_run
    /// # use eventsource_wasm::api::rust::{EventSource, Transport};
    /// let source = EventSource::builder("/s").transport(Transport::Native).connect().unwrap();
    /// source.listen("tick");
    /// ```
    pub fn listen(&self, event_type: &str) {
        self.driver.listen(event_type);
    }

    /// Closes the connection. The stream yields what was already received, then ends; nothing
    /// more is reported.
    pub fn close(&self) {
        self.driver.close();
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
        core::future::poll_fn(|cx| self.driver.poll_next(cx)).await
    }

    /// Waits for the next message of `event_type`, skipping everything else: `Err` if the
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
        self.driver.poll_next(cx)
    }
}

impl FusedStream for EventSource {
    fn is_terminated(&self) -> bool {
        self.driver.is_terminated()
    }
}

impl Drop for EventSource {
    fn drop(&mut self) {
        self.driver.close();
    }
}

/// Off wasm32 the API is all there, and says clearly that it cannot connect.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn connect_is_unsupported_off_wasm32() {
        let e =
            EventSource::builder("http://127.0.0.1:3000/event-stream").header("Authorization", "Bearer t").connect();
        let e = e.unwrap_err();
        assert_eq!(
            (e.reason, e.ready_state, e.will_reconnect()),
            (ErrorReason::Unsupported, ReadyState::Closed, false)
        );
        assert!(e.message.contains("wasm32"), "{e}");
        assert!(e.to_string().starts_with("event source unsupported: "), "{e}");
    }

    #[test]
    fn bad_options_are_refused_before_anything_else() {
        let cases: [(Builder, &str); 7] = [
            (Builder::new("/s").header("Bad Name", "x"), "headers"),
            (Builder::new("/s").method("TRACE"), "TRACE"),
            (Builder::new("/s").body("x"), "GET"),
            (Builder::new("/s").method("POST").last_event_id("a\nb"), "lastEventId"),
            (Builder::new("/s").max_event_size(0), "maxEventSize"),
            (Builder::new("/s").last_event_id_param(""), "lastEventIdParam"),
            (Builder::new("/s").retry(RetryPolicy { jitter: 2.0, ..RetryPolicy::backoff() }), "jitter"),
        ];
        for (builder, what) in cases {
            let e = builder.connect().unwrap_err();
            assert_eq!(e.reason, ErrorReason::Invalid, "{what}: {e}");
            assert!(e.message.contains(what), "{what}: {e}");
        }
    }

    #[test]
    fn names_are_the_javascript_class_ones() {
        let reasons = [ErrorKind::Network, ErrorKind::Status, ErrorKind::TooLarge, ErrorKind::GaveUp];
        for kind in reasons {
            assert_eq!(ErrorReason::from(kind).as_str(), kind.as_str());
        }
        assert_eq!(Transport::LongPoll.to_string(), "longpoll");
        assert_eq!(Transport::from(TransportKind::Xhr), Transport::Xhr);
    }
}
