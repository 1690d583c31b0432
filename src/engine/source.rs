//! One event source on our own transports (fetch, XHR, long-poll), as a sans-IO machine.
//!
//! [`Connection`] knows the standard's rules; a [`Source`] adds what it takes to carry them out
//! for a real request: the URL, method, headers and body of each request and where the last
//! event ID travels, which request is current (its *generation*: reports from an aborted one
//! are dropped), the application's hooks, the page lifecycle (hidden, frozen), the switch to
//! long-polling, and the start of a refused response's body, read for its error.
//! It does no I/O and reads no clock. A face (the JavaScript class, or the Rust stream) drives
//! it with a host that makes the requests: it reports what happened and carries out the
//! [`Command`]s it polls.
//!
//! ```
//! use eventsource_wasm::engine::options::{Options, Platform};
//! use eventsource_wasm::engine::source::{Command, ResponseInfo, Source};
//!
//! let platform = Platform { fetch_streaming: true, ..Platform::default() };
//! let options = Options::default();
//! let kind = options.choose(&platform).unwrap(); // no native EventSource here: fetch
//! let mut source = Source::new(&options, kind, &platform, "http://example.com/s".into(), false, 1);
//! let Some(Command::Request(request)) = source.poll(0) else { panic!() };
//! assert_eq!(request.headers, [("Accept".into(), "text/event-stream".into())]);
//!
//! let response = ResponseInfo { status: 200, content_type: Some("text/event-stream"), ..Default::default() };
//! assert!(source.on_response(request.generation, 5, &response));
//! assert!(matches!(source.poll(5), Some(Command::Open)));
//! let mut data = Vec::new();
//! source.on_bytes(request.generation, 6, b"id: 1\ndata: hi\n\n", None, |e| data.push(e.data.to_owned()));
//! assert_eq!(data, ["hi"]);
//! ```

use crate::prelude::*;

use super::connection::{Action, Config, Connection, EndOfBody, ErrorKind, Failure, ReadyState, Response};
use super::options::{Credentials, LastEventIdIn, Options, Platform, TransportChoice, TransportKind};
use super::parser::{push_lossy, Event, Output};
use super::policy::Millis;
use super::url::{fetchable, origin_of, with_query};

/// Past this many UTF-16 units of XHR's `responseText`, which only grows, the request is
/// swapped for a fresh one that resumes from the last event ID.
pub const RECYCLE_AFTER: u64 = 4 * 1024 * 1024;

/// How long the start of a refused response's body is waited for before its `error` goes out
/// with what arrived ([`Options::error_body_wait`]'s default): a body that stalls must not hold
/// the error back.
pub const ERROR_BODY_WAIT: Millis = 1000;

/// What the face must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start this request. Any earlier one has been aborted by an [`Command::Abort`] before.
    Request(Request),
    /// Call the application's header function with these facts, then answer with
    /// [`Source::headers_ready`] (or [`Source::headers_failed`]); the request follows.
    AskHeaders {
        /// The generation of the request the headers are for.
        generation: u32,
        /// Reconnects in a row without an `open` so far.
        attempt: u32,
        /// The last event ID the request will carry (empty: none).
        last_event_id: String,
    },
    /// Abort the request in flight; nothing more is read from it.
    Abort,
    /// Fire `open`: the ready state is now OPEN. [`Source::origin`] tells the response's origin.
    Open,
    /// Fire `error`.
    Error(ErrorReport),
    /// Call the application's reconnect hook, then answer with [`Source::decide`] before
    /// polling again; the `error` event follows with the final state.
    AskReconnect(ReconnectInfo),
    /// The source now uses another transport (a buffering proxy turned it to long-polling).
    TransportChanged(TransportKind),
}

/// One request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Reports about this request must carry this number.
    pub generation: u32,
    /// Over `XMLHttpRequest` (reporting text), rather than `fetch` (reporting bytes).
    pub xhr: bool,
    /// The URL, with the last event ID added when it travels in the query.
    pub url: String,
    /// The method, upper case.
    pub method: String,
    /// Every header to send, in order.
    pub headers: Vec<(String, String)>,
    /// Send the body the face keeps.
    pub body: bool,
    /// Whether cookies go with it.
    pub credentials: Credentials,
    /// The request is cross-origin: if it fails as a network error, the host tells a CORS
    /// refusal (the server answers a `no-cors` request) from a real network error
    /// ([`Source::on_cors_failure`]), which `fetch` reports alike.
    pub cross_origin: bool,
}

/// An `error` as the page is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    /// Why.
    pub kind: ErrorKind,
    /// The HTTP status of the response that caused it, or 0.
    pub status: u16,
    /// Its status text, when there was a response.
    pub status_text: String,
    /// The ready state after the error: CONNECTING (a reconnect follows) or CLOSED.
    pub ready_state: ReadyState,
    /// Milliseconds until the reconnect, if one follows.
    pub delay: Option<Millis>,
    /// Set when the error is about a refused response (its status, or its `Content-Type`):
    /// the start of its body, decoded as UTF-8 (at most [`Options::error_body`] bytes; empty
    /// when it had none, or reading it is off). The face attaches the response's headers too.
    pub body: Option<String>,
}

/// What an announced reconnect is about, for the application's hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectInfo {
    /// The number of this reconnect in a row (1 for the first).
    pub attempt: u32,
    /// The delay planned.
    pub delay: Millis,
    /// Why the connection was lost.
    pub kind: ErrorKind,
    /// The HTTP status of the response that ended, or 0.
    pub status: u16,
    /// Where the reconnect resumes.
    pub last_event_id: String,
}

/// What the application decided about an announced reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// As planned.
    Proceed,
    /// After this many milliseconds instead.
    Delay(Millis),
    /// Not at all: the source is closed.
    GiveUp,
}

/// What happened to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Happening {
    /// The browser is back online.
    Online = 0,
    /// The page was restored from the back/forward cache.
    PageShow = 1,
    /// The page was hidden.
    Hidden = 2,
    /// The page was shown.
    Visible = 3,
    /// The page was frozen (Page Lifecycle `freeze`: Chromium freezes background tabs).
    Freeze = 4,
    /// The page was unfrozen (`resume`).
    Resume = 5,
}

impl Happening {
    /// The happening numbered `code`, as its discriminant: the numbers js/host.js's lifecycle
    /// listener reports to both faces.
    pub fn from_code(code: u32) -> Option<Happening> {
        const ALL: [Happening; 6] = [
            Happening::Online,
            Happening::PageShow,
            Happening::Hidden,
            Happening::Visible,
            Happening::Freeze,
            Happening::Resume,
        ];
        ALL.get(code as usize).copied()
    }
}

/// What a response says, as far as the source cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseInfo<'a> {
    /// The status code.
    pub status: u16,
    /// The status text.
    pub status_text: &'a str,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `Retry-After`.
    pub retry_after: Option<&'a str>,
    /// `Date`.
    pub date: Option<&'a str>,
    /// The response's URL, after redirects (empty: the request's).
    pub url: &'a str,
    /// The wall clock (ms since the Unix epoch) when it arrived, for `Retry-After` dates.
    pub wall_clock: Option<Millis>,
}

/// One event source; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Source {
    conn: Connection,
    kind: TransportKind,
    route: Route,
    /// The current request carries the last event ID in a header, cross-origin.
    id_header_cross: bool,
    headers_fn: bool,
    on_reconnect: bool,
    generation: u32,
    /// The last event ID of a connect waiting for the application's headers.
    pending: Option<String>,
    /// An error waiting for the application's reconnect decision.
    held: Option<Failure>,
    /// An `error` the application's reconnect decision released, to go first.
    decided: Option<Command>,
    /// A request the application's headers released.
    ready: Option<Command>,
    origin: String,
    status_text: String,
    /// The page is hidden, or frozen (bit 0, bit 1): a source that pauses runs when neither.
    away: u8,
    /// How much of a refused response's body to read, and for how long.
    body_max: usize,
    body_wait: Millis,
    /// When to stop waiting for more of a refused response's body, while it is being read: its
    /// error (and everything after it) waits until then.
    reading: Option<Millis>,
    /// The body of the refused response, for its error.
    refused_body: Option<Vec<u8>>,
}

/// The header the last event ID travels in.
const LAST_EVENT_ID: &str = "Last-Event-ID";

/// How a source's requests are made: its URL, method, headers and body, and where the last
/// event ID goes. Set when the source is made; only a refused CORS preflight changes it (the ID
/// moves to the query).
#[derive(Debug, Clone)]
struct Route {
    /// Long-polling goes over XHR where there is one.
    has_xhr: bool,
    url: String,
    method: String,
    headers: Vec<(String, String)>,
    body: bool,
    credentials: Credentials,
    id_header: bool,
    id_query: Option<String>,
    /// `lastEventIdIn: 'auto'`: the header, and the query once a CORS preflight refused it.
    id_fallback: Option<String>,
    cross_origin: bool,
}

impl Route {
    /// The route of a source for `url`, and the URL's origin.
    fn new(options: &Options, platform: &Platform, url: String) -> (Route, String) {
        // The standard's `Last-Event-ID` header, also cross-origin, as the browser's own class
        // sends it. Servers that answer no CORS preflight (many answer only
        // `Access-Control-Allow-Origin: *`) refuse such a request: then the ID moves to the query,
        // for good (`lastEventIdIn: 'auto'`). Without an origin (Node.js) there is no CORS.
        let origin = origin_of(&url);
        let cross_origin = platform.origin.as_ref().is_some_and(|own| *own != origin);
        let param = || options.last_event_id_param.clone();
        let (id_header, id_query, id_fallback) = match options.last_event_id_in {
            LastEventIdIn::Header => (true, None, None),
            LastEventIdIn::Query => (false, Some(param()), None),
            LastEventIdIn::Both => (true, Some(param()), None),
            LastEventIdIn::Auto if cross_origin && !platform.probe => (false, Some(param()), None),
            LastEventIdIn::Auto => (true, None, cross_origin.then(param)),
        };
        let route = Route {
            has_xhr: platform.xhr,
            url,
            method: options.method.clone(),
            headers: options.headers.clone(),
            body: options.body,
            credentials: options.credentials_mode(),
            id_header,
            id_query,
            id_fallback,
            cross_origin,
        };
        (route, origin)
    }

    /// Request `generation` on transport `kind`, resuming after `last_event_id` (empty: none),
    /// with the application's `extra` headers. Without `QUERY`, the last event ID never goes in
    /// the query (see [`first_request`]), and the code that would put it there is left out.
    fn request<const QUERY: bool>(
        &self,
        kind: TransportKind,
        generation: u32,
        last_event_id: &str,
        extra: Vec<(String, String)>,
    ) -> Request {
        let xhr = match kind {
            TransportKind::Xhr => true,
            TransportKind::LongPoll => self.has_xhr,
            TransportKind::Native | TransportKind::Fetch => false,
        };
        // XHR's text is decoded already, BOM removed, except in WebKit, whose decoder keeps a
        // BOM that arrived split across reads: so its text is parsed as bytes are, and a leading
        // U+FEFF is taken for the BOM. (A stream that starts with two loses the second then.)
        let mut headers = Vec::with_capacity(self.headers.len() + extra.len() + 4);
        let named = |name: &str| self.headers.iter().chain(&extra).any(|(n, _)| n.eq_ignore_ascii_case(name));
        let mut standard = |name: &str, value: &str| {
            if !named(name) {
                headers.push((name.to_owned(), value.to_owned()));
            }
        };
        // The standard's request: `Accept`, and (its cache mode is "no-store") `Cache-Control`
        // and `Pragma`, which fetch adds itself; XHR cannot ask for that mode, so they are sent
        // as headers, same-origin only: cross-origin they would cost a CORS preflight.
        standard("Accept", "text/event-stream");
        if xhr && !self.cross_origin {
            standard("Cache-Control", "no-cache");
            standard("Pragma", "no-cache");
        }
        headers.extend(self.headers.iter().cloned());
        headers.extend(extra);
        let mut url = self.url.clone();
        if !last_event_id.is_empty() {
            if self.id_header {
                // A header value is bytes: the ID's UTF-8 bytes, one per character, as browsers
                // send it (`Headers` refuses characters past U+00FF).
                headers.push((LAST_EVENT_ID.to_owned(), last_event_id.bytes().map(char::from).collect()));
            }
            if let Some(name) = self.id_query.as_ref().filter(|_| QUERY) {
                url = with_query(&url, name, last_event_id);
            }
        }
        Request {
            generation,
            xhr,
            url,
            method: self.method.clone(),
            headers,
            body: self.body,
            credentials: self.credentials,
            cross_origin: self.cross_origin,
        }
    }
}

/// The request a source made with these arguments (see [`Source::new`]) starts with, if it
/// starts with one at once: not where the application's header function speaks first, nor in a
/// hidden page that pauses, nor for a URL that cannot be fetched. It costs neither the source
/// nor its connection, so a face may send it while the code that runs sources is still loading,
/// and hand it to the source once that is in (the source's first [`Command::Request`] is equal
/// to it). `None` also where a `lastEventId` option goes in the query: rare, and what rewriting a
/// query takes is left out of the npm package's front (the source then sends it itself).
pub fn first_request(
    options: &Options,
    kind: TransportKind,
    platform: &Platform,
    url: String,
    hidden: bool,
) -> Option<Request> {
    if options.headers_fn || (options.lifecycle.pause_when_hidden && hidden) || !fetchable(&url) {
        return None;
    }
    let (route, _) = Route::new(options, platform, url);
    if route.id_query.is_some() && !options.last_event_id.is_empty() {
        return None;
    }
    Some(route.request::<false>(kind, 1, &options.last_event_id, Vec::new()))
}

impl Source {
    /// A source for `url` (absolute, as the platform serialised it) on transport `kind` (what
    /// [`Options::choose`] picked; not native). `hidden`: the page is hidden now. `seed` seeds
    /// the jitter of reconnect delays.
    pub fn new(
        options: &Options,
        kind: TransportKind,
        platform: &Platform,
        url: String,
        hidden: bool,
        seed: u64,
    ) -> Source {
        let (route, origin) = Route::new(options, platform, url);
        let mut config = Config::default();
        if kind == TransportKind::LongPoll {
            config.end_of_body = EndOfBody::PollAgain;
        }
        // Only a transport the page did not pin may change under it.
        config.detect_buffering = options.transport == TransportChoice::Auto;
        options.last_event_id.clone_into(&mut config.last_event_id);
        config.heartbeat_timeout = options.heartbeat;
        if let Some(max) = options.max_event_size {
            config.max_event_size = max.min(usize::MAX as u64) as usize;
        }
        if let Some(ms) = options.reconnection_time {
            config.reconnection_time = ms;
        }
        if let Some(policy) = &options.retry {
            config.retry = policy.clone();
        }
        config.seed = seed;
        config.comments = options.comments;
        let body_max = options.error_body.min(config.max_event_size as u64) as usize;
        let mut conn = Connection::new(config);
        if !fetchable(&route.url) {
            // ftp:, mailto:, about:, javascript:…: fetching is futile, so the connection fails
            // (asynchronously, like any failure), as the browser's own class does.
            conn.fail_now(ErrorKind::UrlScheme);
        } else if options.lifecycle.pause_when_hidden && hidden {
            // Created in a hidden page: don't connect until it is shown.
            conn.pause();
        }
        Source {
            conn,
            kind,
            route,
            id_header_cross: false,
            headers_fn: options.headers_fn,
            on_reconnect: options.on_reconnect,
            generation: 0,
            pending: None,
            held: None,
            decided: None,
            ready: None,
            origin,
            status_text: String::new(),
            away: u8::from(hidden),
            body_max,
            body_wait: options.error_body_wait,
            reading: None,
            refused_body: None,
        }
    }

    /// A source fed from a stream the application supplies (`EventSource.fromReadableStream`):
    /// no request, no reconnect (a stream cannot be reopened: its end or error fails the
    /// connection), URL `about:event-stream`, origin `null`. The face reports the stream's first
    /// read as the response of request [`Source::STREAM`], then its chunks and its end.
    pub fn for_stream(seed: u64) -> Source {
        let options = Options::default();
        let mut source = Source::new(&options, TransportKind::Fetch, &Platform::default(), "http:".into(), false, seed);
        source.route.url = "about:event-stream".to_owned();
        source.origin = "null".to_owned();
        source.conn = Connection::new(Config { reconnect: false, seed, ..Config::default() });
        // The connect it asks for first is the stream itself, already there.
        let _connect = source.conn.poll_action();
        source.generation = Source::STREAM;
        source
    }

    /// The generation of a stream source's one "request" (see [`Source::for_stream`]).
    pub const STREAM: u32 = 1;

    /// The ready state.
    pub fn ready_state(&self) -> ReadyState {
        self.conn.ready_state()
    }

    /// The transport in use.
    pub fn transport(&self) -> TransportKind {
        self.kind
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.route.url
    }

    /// The origin of the current response (for `MessageEvent.origin`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The last event ID.
    pub fn last_event_id(&self) -> &str {
        self.conn.last_event_id()
    }

    /// The reconnection time in use (the server may change it with `retry:`).
    pub fn reconnection_time(&self) -> Millis {
        self.conn.reconnection_time()
    }

    /// Whether reports about request `generation` still matter: it is the current request and
    /// the source is not closed (or it is reading the body of the response it refused).
    pub fn is_current(&self, generation: u32) -> bool {
        generation == self.generation && (self.conn.ready_state() != ReadyState::Closed || self.reading.is_some())
    }

    /// The next thing to do, in order; `now` is when it will be done. Drain it after every
    /// report, and after the face answered an [`Command::AskHeaders`] or
    /// [`Command::AskReconnect`].
    pub fn poll(&mut self, now: Millis) -> Option<Command> {
        if let Some(command) = self.decided.take().or_else(|| self.ready.take()) {
            return Some(command);
        }
        if self.held.is_some() || self.reading.is_some() {
            return None; // until the application decided, or the refused body is in
        }
        loop {
            let command = match self.conn.poll_action()? {
                Action::Connect { last_event_id } => {
                    self.generation = self.generation.wrapping_add(1);
                    let id = last_event_id.unwrap_or_default();
                    if self.headers_fn {
                        self.pending = Some(id.clone());
                        Command::AskHeaders {
                            generation: self.generation,
                            attempt: self.conn.attempts(),
                            last_event_id: id,
                        }
                    } else {
                        self.request(now, &id, Vec::new())
                    }
                }
                Action::Abort => {
                    self.generation = self.generation.wrapping_add(1);
                    self.pending = None;
                    Command::Abort
                }
                Action::Open => Command::Open,
                Action::Error(failure) if failure.delay.is_some() && self.on_reconnect => {
                    let info = ReconnectInfo {
                        attempt: self.conn.attempts(),
                        delay: failure.delay.unwrap_or(0),
                        kind: failure.kind,
                        status: failure.status.unwrap_or(0),
                        last_event_id: self.conn.last_event_id().to_owned(),
                    };
                    self.held = Some(failure);
                    Command::AskReconnect(info)
                }
                Action::Error(failure) => Command::Error(self.report(&failure)),
                Action::Buffered if self.kind == TransportKind::LongPoll => continue,
                Action::Buffered => {
                    self.kind = TransportKind::LongPoll;
                    Command::TransportChanged(TransportKind::LongPoll)
                }
            };
            return Some(command);
        }
    }

    fn request(&mut self, now: Millis, last_event_id: &str, extra: Vec<(String, String)>) -> Command {
        self.conn.on_request_sent(now);
        self.id_header_cross = self.route.cross_origin && self.route.id_header && !last_event_id.is_empty();
        Command::Request(self.route.request::<true>(self.kind, self.generation, last_event_id, extra))
    }

    fn report(&mut self, failure: &Failure) -> ErrorReport {
        ErrorReport {
            kind: failure.kind,
            status: failure.status.unwrap_or(0),
            status_text: if failure.status.is_some() { self.status_text.clone() } else { String::new() },
            ready_state: self.conn.ready_state(),
            delay: failure.delay,
            body: self.body_text(),
        }
    }

    /// The application's header function answered for request `generation`: the request
    /// goes out with these headers added (poll for it).
    pub fn headers_ready(&mut self, generation: u32, now: Millis, extra: Vec<(String, String)>) {
        if generation != self.generation {
            return; // closed or superseded while the application was thinking
        }
        if let Some(id) = self.pending.take() {
            let request = self.request(now, &id, extra);
            self.ready = Some(request);
        }
    }

    /// The application's header function threw or rejected (or gave unusable headers): a
    /// failed connection attempt, so the reconnection policy applies.
    pub fn headers_failed(&mut self, generation: u32, now: Millis) {
        if generation == self.generation && self.pending.take().is_some() {
            self.conn.on_request_sent(now);
            self.conn.on_network_error(now);
        }
    }

    /// The application decided about the reconnect announced by [`Command::AskReconnect`].
    pub fn decide(&mut self, now: Millis, decision: Decision) {
        let Some(mut failure) = self.held.take() else { return };
        match decision {
            Decision::Proceed => {}
            Decision::Delay(ms) => {
                self.conn.reschedule(now, ms);
                failure.delay = Some(ms);
            }
            Decision::GiveUp => {
                self.conn.give_up();
                failure.kind = ErrorKind::GaveUp;
                failure.will_reconnect = false;
                failure.delay = None;
            }
        }
        let report = self.report(&failure);
        self.decided = Some(Command::Error(report));
    }

    /// Response headers arrived for request `generation`. Returns whether to read the body.
    pub fn on_response(&mut self, generation: u32, now: Millis, response: &ResponseInfo<'_>) -> bool {
        if generation != self.generation {
            return false;
        }
        if !response.url.is_empty() {
            self.origin = origin_of(response.url);
        }
        response.status_text.clone_into(&mut self.status_text);
        let refused = self.conn.on_response(
            now,
            Response {
                status: response.status,
                content_type: response.content_type,
                retry_after: response.retry_after,
                date: response.date,
                wall_clock: response.wall_clock,
            },
        );
        if refused {
            // Its error says why the server refused: the start of the body goes with it, read
            // first, for a bounded time (the error and the abort wait meanwhile).
            self.refused_body = Some(Vec::new());
            if self.body_max > 0 {
                self.reading = Some(now.saturating_add(self.body_wait));
                return true;
            }
        }
        self.conn.ready_state() == ReadyState::Open
    }

    /// Body bytes of request `generation` (text, UTF-8 encoded, for XHR). Events go to
    /// `on_event` as they complete. `buffered`: how much the transport holds on to (XHR's
    /// `responseText` length), so that the core swaps a request whose buffer grew too big.
    /// Returns whether to keep reading.
    pub fn on_bytes<F>(
        &mut self,
        generation: u32,
        now: Millis,
        bytes: &[u8],
        buffered: Option<u64>,
        mut on_event: F,
    ) -> bool
    where
        F: FnMut(Event<'_>),
    {
        self.on_output(generation, now, bytes, buffered, |out| {
            if let Output::Event(ev) = out {
                on_event(ev);
            }
        })
    }

    /// [`Source::on_bytes`], reporting everything the stream says in its order: events,
    /// `retry:` values (already applied), and comments if [`Options::comments`] asked for them.
    pub fn on_output<F>(
        &mut self,
        generation: u32,
        now: Millis,
        bytes: &[u8],
        buffered: Option<u64>,
        on_output: F,
    ) -> bool
    where
        F: FnMut(Output<'_>),
    {
        if let (true, Some(_), Some(body)) = (generation == self.generation, self.reading, &mut self.refused_body) {
            let room = self.body_max - body.len();
            body.extend_from_slice(bytes.get(..room).unwrap_or(bytes));
            if body.len() < self.body_max {
                return true;
            }
            self.reading = None;
            return false;
        }
        if !self.is_current(generation) {
            return false;
        }
        // Fault injection for the containment tests; compiled out otherwise.
        #[cfg(feature = "test-panic")]
        if memchr::memmem::find(bytes, b"__panic_here__").is_some() {
            panic!("injected panic");
        }
        self.conn.on_output(now, bytes, on_output);
        if buffered.is_some_and(|n| n > RECYCLE_AFTER) && self.conn.resume(now) {
            return false;
        }
        self.conn.ready_state() == ReadyState::Open
    }

    /// The body of request `generation` ended cleanly.
    pub fn on_end(&mut self, generation: u32, now: Millis) {
        if self.ended(generation) {
            self.conn.on_end(now);
        }
    }

    /// Request `generation` failed (before or during the body).
    pub fn on_network_error(&mut self, generation: u32, now: Millis) {
        if self.ended(generation) {
            self.conn.on_network_error(now);
        }
    }

    /// Request `generation` failed, and the host found the server reachable: its CORS check
    /// refused the response (or the preflight). If the refused request carried the last event
    /// ID in a header that `lastEventIdIn: 'auto'` chose, the ID moves to the query for good and
    /// the request goes out again at once (no `error`: the same attempt); otherwise the
    /// connection fails, as browsers fail it.
    pub fn on_cors_failure(&mut self, generation: u32, now: Millis) {
        if generation != self.generation {
            return;
        }
        if self.id_header_cross {
            if let Some(param) = self.route.id_fallback.take() {
                self.route.id_header = false;
                self.route.id_query = Some(param);
                self.conn.request_again(now);
                return;
            }
        }
        self.conn.fail_now(ErrorKind::Cors);
    }

    /// Request `generation` gave something that cannot be read as a response (an application
    /// `fetch` that resolved to no `Response`, or one without a body stream).
    pub fn on_not_a_response(&mut self, generation: u32) {
        // (A refused response without a body stream, a 204 say, has no body to read: its error
        // goes out at once.)
        if self.ended(generation) {
            self.conn.fail_now(ErrorKind::NotAResponse);
        }
    }

    /// `reset()`: drops what was buffered of an event not yet dispatched; the last event ID and
    /// the reconnection time stay (for a stream the application pipes in anew).
    pub fn reset(&mut self) {
        self.conn.reset_stream();
    }

    /// Request `generation` was aborted by someone else than us (an application `fetch`).
    pub fn on_aborted(&mut self, generation: u32) {
        if self.ended(generation) {
            self.conn.on_aborted();
        }
    }

    /// Request `generation` is over: whether the connection should hear of it. Not when it is an
    /// older one; nor when it was the refused response whose body was being read (its error,
    /// held back, goes out now with what arrived).
    fn ended(&mut self, generation: u32) -> bool {
        generation == self.generation && self.reading.take().is_none()
    }

    /// The refused response's body as text, decoded as UTF-8 as `Response.text()` does (a
    /// character the limit cut becomes U+FFFD).
    fn body_text(&mut self) -> Option<String> {
        let bytes = self.refused_body.take()?;
        let mut text = String::new();
        push_lossy(&mut text, &bytes);
        Some(text)
    }

    /// When to call [`Source::on_timeout`] next, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.reading.is_some() {
            return self.reading;
        }
        if self.held.is_some() {
            return None;
        }
        self.conn.poll_timeout()
    }

    /// Time has reached what [`Source::poll_timeout`] said (or not yet: then nothing happens).
    pub fn on_timeout(&mut self, now: Millis) {
        match self.reading {
            Some(until) if now >= until => self.reading = None,
            Some(_) => {}
            None => self.conn.on_timeout(now),
        }
    }

    /// Something happened to the page that the source's lifecycle options react to. A frozen
    /// page is treated as a hidden one: the source pauses while the page is either, and resumes
    /// from the last event ID once it is neither.
    pub fn on_lifecycle(&mut self, now: Millis, what: Happening) {
        match what {
            Happening::Online => self.conn.reconnect_now(now),
            Happening::PageShow => self.conn.refresh(now),
            // Hidden 2, Visible 3, Freeze 4, Resume 5: the even ones take the page away, and
            // each pair has its bit.
            _ => {
                let n = what as u8;
                let bit = n / 2;
                if n % 2 == 0 {
                    self.away |= bit;
                    self.conn.pause();
                } else {
                    self.away &= !bit;
                    if self.away == 0 {
                        self.conn.unpause(now);
                    }
                }
            }
        }
    }

    /// `close()`: CLOSED at once, no event; the request in flight is aborted (poll for it).
    pub fn close(&mut self) {
        self.held = None;
        self.pending = None;
        self.decided = None;
        self.ready = None;
        self.reading = None;
        self.conn.close();
    }
}
