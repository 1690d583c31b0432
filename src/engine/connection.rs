//! The `EventSource` processing model as a sans-IO state machine.
//!
//! A [`Connection`] does no I/O and reads no clock. Its driver (a transport) tells it what
//! happened: a response arrived, body bytes arrived, the body ended, the network failed, time
//! passed. It answers through [`Connection::poll_action`] with what to do: start a request, abort
//! one, announce the connection, report an error; and through [`Connection::poll_timeout`] with
//! when it next wants to be woken. Events parsed from the body go straight to a callback.
//!
//! Every rule of the standard lives here once, so all transports behave the same:
//! - status 200 with a `text/event-stream` essence announces the connection (OPEN, `open`);
//! - any other status (204 included) or type fails it (CLOSED, `error`, no reconnect);
//! - a network error or the end of the body reestablishes it (CONNECTING, `error`, wait the
//!   reconnection time, reconnect with `Last-Event-ID` when the last event ID is not empty);
//! - `retry:` sets the reconnection time;
//! - `close()` ends everything and reports nothing.
//!
//! ```
//! use eventsource_wasm::connection::{Action, Config, Connection, ReadyState, Response};
//!
//! let mut conn = Connection::new(Config::default());
//! assert_eq!(conn.poll_action(), Some(Action::Connect { last_event_id: None }));
//!
//! conn.on_response(0, Response::new(200, Some("text/event-stream")));
//! assert_eq!(conn.poll_action(), Some(Action::Open));
//!
//! let mut got = Vec::new();
//! conn.on_bytes(5, b"id: 1\ndata: hi\n\n", |ev| got.push(ev.data.to_owned()));
//! assert_eq!(got, ["hi"]);
//!
//! conn.on_end(10); // the server closed the stream: try again after the reconnection time
//! assert!(matches!(conn.poll_action(), Some(Action::Error(e)) if e.will_reconnect));
//! assert_eq!(conn.ready_state(), ReadyState::Connecting);
//! let at = conn.poll_timeout().unwrap();
//! conn.on_timeout(at);
//! assert_eq!(conn.poll_action(), Some(Action::Connect { last_event_id: Some("1".into()) }));
//! ```

use crate::prelude::*;

use super::mime::is_event_stream;
use super::parser::{Event, Output, Parser, DEFAULT_MAX_EVENT_SIZE};
use super::policy::{parse_retry_after, Jitter};
pub use super::policy::{Millis, RetryPolicy};

/// Chromium waits 3 s before reconnecting when the server has not sent `retry:`.
pub const DEFAULT_RECONNECTION_TIME: Millis = 3000;

/// The `readyState` values, numbered as the `EventSource` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReadyState {
    /// Connecting, or waiting to reconnect.
    Connecting = 0,
    /// The connection is announced and events flow.
    Open = 1,
    /// Closed for good: by `close()` or by a failure.
    Closed = 2,
}

/// Why an `error` happened. The standard's `error` event says none of this; we keep it so the
/// API layer can explain itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request failed before or during the body (DNS, refused, reset, CORS).
    Network,
    /// The server ended the body; reconnecting is the normal way to continue.
    EndOfStream,
    /// The response status was not 200.
    Status,
    /// The response was not `text/event-stream`.
    ContentType,
    /// No bytes arrived within the heartbeat timeout.
    Timeout,
    /// A line or event exceeded the size limit.
    TooLarge,
    /// The reconnection policy gave up (too many attempts), or the application vetoed a
    /// reconnect.
    GaveUp,
    /// The request was aborted by something other than `close()` (the platform, or an
    /// application-supplied `fetch`). The standard fails the connection.
    Aborted,
    /// The response failed the CORS check (the server answered, but did not allow this origin,
    /// or refused a preflight): futile to retry, so the connection fails, as browsers do.
    Cors,
    /// The URL's scheme cannot be fetched (not http, https, data or blob): futile to retry.
    UrlScheme,
    /// An application `fetch` resolved to something that is not a response with a readable
    /// body: a programming error, futile to retry.
    NotAResponse,
}

/// Each kind's reason and sentence, in the order of [`ErrorKind`]'s variants.
const ERROR_KINDS: [(&str, &str); 11] = [
    ("network", "the connection failed"),
    ("end-of-stream", "the server ended the stream"),
    ("http-status", "the server answered with an error status"),
    ("content-type", "the response is not text/event-stream"),
    ("timeout", "no data arrived within heartbeatTimeout"),
    ("size-limit", "an event was larger than maxEventSize"),
    ("gave-up", "the reconnection policy gave up"),
    ("aborted", "the request was aborted"),
    ("cors", "the response was refused by CORS"),
    ("url-scheme", "the URL cannot be fetched"),
    ("not-a-response", "fetch gave no response with a readable body"),
];

impl ErrorKind {
    /// A short stable name, used as the `reason` seen by JavaScript.
    pub fn as_str(self) -> &'static str {
        ERROR_KINDS[self as usize].0
    }

    /// What happened, as a sentence (the npm class's `EventSourceErrorEvent.message`). Here
    /// rather than in JavaScript: the engine that reports errors is loaded on use, the class is
    /// in every page's bytes.
    pub fn sentence(self) -> &'static str {
        ERROR_KINDS[self as usize].1
    }
}

/// An error to report; `ready_state` is already what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Why.
    pub kind: ErrorKind,
    /// The HTTP status, when a response was seen.
    pub status: Option<u16>,
    /// True when a reconnect is scheduled (readyState CONNECTING), false when the connection
    /// failed for good (readyState CLOSED).
    pub will_reconnect: bool,
    /// How long until the reconnect, when there is one.
    pub delay: Option<Millis>,
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start a request to the source URL. `last_event_id` is set when it is not empty, to be
    /// sent as `Last-Event-ID` (or however the API layer chose to carry it).
    Connect {
        /// The last event ID, when there is one.
        last_event_id: Option<String>,
    },
    /// Stop the request in flight and feed nothing more from it.
    Abort,
    /// Fire `open`: the ready state is now OPEN.
    Open,
    /// Fire `error`.
    Error(Failure),
    /// Responses arrive whole (a buffering proxy): the core now polls; a driver that streams
    /// may switch to its long-polling transport.
    Buffered,
}

/// A response's status line and the headers the state machine cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if the response had one.
    pub content_type: Option<&'a str>,
    /// `Retry-After`, honoured on 429 and 503 only when the policy allows retrying them.
    pub retry_after: Option<&'a str>,
    /// The response's `Date`, against which a `Retry-After` date is measured.
    pub date: Option<&'a str>,
    /// The driver's wall clock (milliseconds since the Unix epoch) when the response arrived,
    /// for a `Retry-After` date on a response without `Date` (cross-origin, `Date` is hidden).
    pub wall_clock: Option<Millis>,
}

impl<'a> Response<'a> {
    /// A response with only a status and a `Content-Type`.
    pub fn new(status: u16, content_type: Option<&'a str>) -> Self {
        Response { status, content_type, retry_after: None, date: None, wall_clock: None }
    }
}

/// What the end of a response body means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOfBody {
    /// The standard: CONNECTING, `error`, wait the reconnection time, reconnect.
    Reconnect,
    /// Long-polling: a response that carried events, or was held open for a second or more,
    /// is a batch; ask for the next one at once, silently (readyState stays OPEN). An empty
    /// response that came at once is treated as the standard says, so a server that answers
    /// nothing is not hammered.
    PollAgain,
}

/// Settings fixed for the life of a connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The reconnection time before the server sends `retry:`.
    pub reconnection_time: Millis,
    /// Limit on one line or one event's data, in bytes.
    pub max_event_size: usize,
    /// Reconnect when no byte arrived for this long (None: never).
    pub heartbeat_timeout: Option<Millis>,
    /// Start as if an event with this ID had been seen.
    pub last_event_id: String,
    /// How reconnects are spaced.
    pub retry: RetryPolicy,
    /// Seed of the jitter's random numbers, so runs can be replayed.
    pub seed: u64,
    /// What the end of a response body means.
    pub end_of_body: EndOfBody,
    /// Reconnect at all. Off for a source fed from a stream the application supplies: it cannot
    /// be reopened, so its end or error fails the connection.
    pub reconnect: bool,
    /// Switch to [`EndOfBody::PollAgain`] (and say so with [`Action::Buffered`]) when a response
    /// looks held back by a buffering proxy: it lasted a while, then delivered two or more
    /// events all at once, just as it ended.
    pub detect_buffering: bool,
    /// Report the stream's comments ([`Output::Comment`]) to [`Connection::on_output`].
    pub comments: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            reconnection_time: DEFAULT_RECONNECTION_TIME,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            heartbeat_timeout: None,
            last_event_id: String::new(),
            retry: RetryPolicy::default(),
            seed: 0x9E37_79B9_7F4A_7C15,
            end_of_body: EndOfBody::Reconnect,
            reconnect: true,
            detect_buffering: false,
            comments: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// A request is out; no response yet.
    Requesting,
    /// Reading the body of an announced connection.
    Streaming,
    /// A new request replaces a finished or recycled one without the page noticing: the
    /// ready state stays OPEN and no `open` is fired again.
    Resuming,
    /// Paused by the application (a hidden page): no request, no timer. The ready state stays
    /// what it was: OPEN if the source had been announced, else CONNECTING.
    Paused {
        was_open: bool,
    },
    /// Waiting to reconnect at the given time.
    Waiting {
        until: Millis,
    },
    Closed,
}

/// One event source's connection state. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Connection {
    phase: Phase,
    parser: Parser,
    reconnection_time: Millis,
    config: Config,
    /// Reconnects in a row since the last `open`.
    attempts: u32,
    /// When the last byte (or response) arrived, for the heartbeat.
    last_activity: Option<Millis>,
    /// Set by a `Retry-After` the policy honours; replaces the next delay once.
    retry_after: Option<Millis>,
    jitter: Jitter,
    /// What to do, in order (a few at most: a queue's code would cost more than shifting).
    actions: Vec<Action>,
    /// This response's timing and yield, for buffering detection.
    request_at: Option<Millis>,
    response_at: Millis,
    first_byte_at: Option<Millis>,
    events_this_response: u64,
    /// The transport hands over text it already decoded (XHR): no BOM to look for.
    text_input: bool,
}

impl Connection {
    /// A new connection in CONNECTING; its first action is [`Action::Connect`].
    pub fn new(config: Config) -> Self {
        let mut parser = Parser::with_max_event_size(config.max_event_size);
        parser.set_last_event_id(&config.last_event_id);
        parser.report_comments(config.comments);
        let mut conn = Connection {
            phase: Phase::Requesting,
            parser,
            reconnection_time: config.reconnection_time,
            attempts: 0,
            last_activity: None,
            retry_after: None,
            jitter: Jitter::new(config.seed),
            config,
            actions: Vec::new(),
            request_at: None,
            response_at: 0,
            first_byte_at: None,
            events_this_response: 0,
            text_input: false,
        };
        conn.push_connect();
        conn
    }

    /// The `readyState` page code sees.
    pub fn ready_state(&self) -> ReadyState {
        match self.phase {
            Phase::Requesting | Phase::Waiting { .. } | Phase::Paused { was_open: false } => ReadyState::Connecting,
            Phase::Streaming | Phase::Resuming | Phase::Paused { was_open: true } => ReadyState::Open,
            Phase::Closed => ReadyState::Closed,
        }
    }

    /// The last event ID string, sent on reconnect.
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The current reconnection time (the server may change it with `retry:`).
    pub fn reconnection_time(&self) -> Millis {
        self.reconnection_time
    }

    /// Reconnects in a row without an `open` in between.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next thing to do, in order. Drain it after every call that reports something.
    pub fn poll_action(&mut self) -> Option<Action> {
        (!self.actions.is_empty()).then(|| self.actions.remove(0))
    }

    /// When to call [`Connection::on_timeout`] next, if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.phase {
            Phase::Waiting { until } => Some(until),
            Phase::Requesting | Phase::Streaming | Phase::Resuming => {
                let hb = self.config.heartbeat_timeout?;
                Some(self.last_activity?.saturating_add(hb))
            }
            Phase::Closed | Phase::Paused { .. } => None,
        }
    }

    /// The request that [`Action::Connect`] asked for got its response headers. Returns whether
    /// it refused them (a status other than 200, or not `text/event-stream`): an error follows,
    /// about this response.
    pub fn on_response(&mut self, now: Millis, response: Response<'_>) -> bool {
        if !matches!(self.phase, Phase::Requesting | Phase::Resuming) {
            return false;
        }
        self.last_activity = Some(now);
        let status = Some(response.status);
        if response.status == 200 && is_event_stream(response.content_type) {
            let announce = self.phase == Phase::Requesting;
            self.phase = Phase::Streaming;
            self.attempts = 0;
            self.parser.reset();
            if self.text_input {
                self.parser.bom_already_removed();
            }
            self.response_at = now;
            self.first_byte_at = None;
            self.events_this_response = 0;
            if announce {
                self.actions.push(Action::Open);
            }
            return false;
        }
        if self.config.retry.retry_on_overload && matches!(response.status, 429 | 503) {
            self.retry_after =
                response.retry_after.and_then(|v| parse_retry_after(v, response.date, response.wall_clock));
            self.actions.push(Action::Abort);
            self.reestablish(now, ErrorKind::Status, status);
            return true;
        }
        let kind = if response.status == 200 { ErrorKind::ContentType } else { ErrorKind::Status };
        self.actions.push(Action::Abort);
        self.fail(kind, status);
        true
    }

    /// Body bytes of the announced connection. Events go to `on_event` as they complete.
    pub fn on_bytes<F>(&mut self, now: Millis, bytes: &[u8], mut on_event: F)
    where
        F: FnMut(Event<'_>),
    {
        self.on_output(now, bytes, |out| {
            if let Output::Event(ev) = out {
                on_event(ev);
            }
        });
    }

    /// [`Connection::on_bytes`], reporting everything the stream says in its order: events,
    /// `retry:` values (already applied), and comments when [`Config::comments`] asks for them.
    pub fn on_output<F>(&mut self, now: Millis, bytes: &[u8], mut on_output: F)
    where
        F: FnMut(Output<'_>),
    {
        if self.phase != Phase::Streaming {
            return;
        }
        self.last_activity = Some(now);
        self.first_byte_at.get_or_insert(now);
        let mut retry = None;
        let mut events = 0;
        let result = self.parser.feed(bytes, |out| {
            match out {
                Output::Event(_) => events += 1,
                Output::Retry(ms) => retry = Some(ms),
                Output::Comment { .. } => {}
            }
            on_output(out);
        });
        self.events_this_response += events;
        if let Some(ms) = retry {
            self.reconnection_time = ms;
        }
        if result.is_err() {
            self.actions.push(Action::Abort);
            self.fail(ErrorKind::TooLarge, None);
        }
    }

    /// The body ended cleanly. The standard reconnects: servers end streams to shed load.
    pub fn on_end(&mut self, now: Millis) {
        match self.phase {
            Phase::Streaming => {
                if self.config.detect_buffering
                    && self.config.end_of_body == EndOfBody::Reconnect
                    && self.looks_buffered(now)
                {
                    self.config.end_of_body = EndOfBody::PollAgain;
                    self.actions.push(Action::Buffered);
                }
                // A long-poll server holds a request until it has events, or answers empty
                // after a while: either way, ask again at once. Only an empty answer that
                // came at once is treated as the standard says, so as not to hammer it.
                let held = now.saturating_sub(self.response_at) >= 1000;
                if self.config.end_of_body == EndOfBody::PollAgain && (self.events_this_response > 0 || held) {
                    self.parser.reset();
                    self.phase = Phase::Resuming;
                    self.request_at = Some(now);
                    self.last_activity = Some(now);
                    self.push_connect();
                } else {
                    self.reestablish(now, ErrorKind::EndOfStream, Some(200));
                }
            }
            // A body that ends before headers is the driver's bug, treated as a network error.
            Phase::Requesting | Phase::Resuming => self.reestablish(now, ErrorKind::Network, None),
            _ => {}
        }
    }

    /// Replaces the streaming request with a new one that resumes from the last event ID,
    /// without the page noticing. Transports whose buffers only grow (XHR's `responseText`)
    /// use this to bound their memory. An event still in progress is dropped: the server sends
    /// it again after the last event ID, so nothing is lost or repeated. A stream without an ID
    /// yet is never swapped, not even between events: the new request could not say where to
    /// resume, the server would start afresh, and the page would get events again or miss some
    /// with no error to tell it (the benchmark's checksums caught that once, on a 10 MB stream
    /// without IDs). Such a stream keeps its request and its growing buffer. Returns whether it
    /// happened; if not, try again after more bytes.
    pub fn resume(&mut self, now: Millis) -> bool {
        if self.phase != Phase::Streaming || self.last_event_id().is_empty() {
            return false;
        }
        self.actions.push(Action::Abort);
        self.parser.reset();
        self.phase = Phase::Resuming;
        self.request_at = Some(now);
        self.last_activity = Some(now);
        self.push_connect();
        true
    }

    /// The driver sent the request asked for by [`Action::Connect`] at `now` (optional; it
    /// makes buffering detection see the whole wait).
    pub fn on_request_sent(&mut self, now: Millis) {
        self.request_at = Some(now);
        self.last_activity.get_or_insert(now);
    }

    /// The transport feeds text it decoded itself (see [`Parser::bom_already_removed`]).
    pub fn set_text_input(&mut self, text: bool) {
        self.text_input = text;
    }

    /// Whether the streamed body ends as long-polling: the mode may change at run time.
    pub fn end_of_body(&self) -> EndOfBody {
        self.config.end_of_body
    }

    /// A streaming response that waited at least a second and then delivered all of its
    /// (several) events within the last 50 ms before its end was held back on the way.
    fn looks_buffered(&self, now: Millis) -> bool {
        let started = self.request_at.unwrap_or(self.response_at).min(self.response_at);
        let Some(first) = self.first_byte_at else { return false };
        self.events_this_response >= 2 && now.saturating_sub(started) >= 1000 && now.saturating_sub(first) <= 50
    }

    /// The request failed (before or during the body).
    pub fn on_network_error(&mut self, now: Millis) {
        if matches!(self.phase, Phase::Requesting | Phase::Streaming | Phase::Resuming) {
            self.reestablish(now, ErrorKind::Network, None);
        }
    }

    /// Time has reached (or passed) what [`Connection::poll_timeout`] said.
    pub fn on_timeout(&mut self, now: Millis) {
        match self.phase {
            Phase::Waiting { until } if now >= until => {
                self.phase = Phase::Requesting;
                self.last_activity = Some(now);
                self.request_at = Some(now);
                self.push_connect();
            }
            Phase::Requesting | Phase::Streaming | Phase::Resuming => {
                if let Some(deadline) = self.poll_timeout() {
                    if now >= deadline {
                        self.actions.push(Action::Abort);
                        self.reestablish(now, ErrorKind::Timeout, None);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reconnect now rather than at the scheduled time (e.g. the browser came back online).
    /// Does nothing unless a reconnect is waiting.
    pub fn reconnect_now(&mut self, now: Millis) {
        if let Phase::Waiting { .. } = self.phase {
            self.phase = Phase::Waiting { until: now };
            self.on_timeout(now);
        }
    }

    /// Replaces whatever connection there is with a fresh one at once, silently if the source
    /// is open (e.g. a page restored from the back/forward cache, whose socket is likely dead).
    /// The event in progress is dropped; the server resends it after the last event ID.
    pub fn refresh(&mut self, now: Millis) {
        match self.phase {
            Phase::Waiting { .. } => self.reconnect_now(now),
            Phase::Streaming | Phase::Resuming | Phase::Requesting => {
                let silent = self.phase != Phase::Requesting;
                self.actions.push(Action::Abort);
                self.parser.reset();
                self.phase = if silent { Phase::Resuming } else { Phase::Requesting };
                self.request_at = Some(now);
                self.last_activity = Some(now);
                self.push_connect();
            }
            Phase::Paused { .. } | Phase::Closed => {}
        }
    }

    /// Stops the connection without closing the source (a hidden page that wants to save
    /// battery and data): the request in flight is aborted, a scheduled reconnect is put off.
    /// [`Connection::unpause`] resumes from the last event ID.
    pub fn pause(&mut self) {
        let was_open = match self.phase {
            Phase::Streaming | Phase::Resuming => true,
            Phase::Requesting | Phase::Waiting { .. } => false,
            Phase::Paused { .. } | Phase::Closed => return,
        };
        if matches!(self.actions.last(), Some(Action::Connect { .. })) {
            // The driver has not taken the connect yet (a source created in a hidden page).
            self.actions.pop();
        } else if !matches!(self.phase, Phase::Waiting { .. }) {
            self.actions.push(Action::Abort);
        }
        self.parser.reset();
        self.phase = Phase::Paused { was_open };
    }

    /// Ends a [`Connection::pause`]: a new request resumes from the last event ID, silently if
    /// the source was open (no second `open`), else as the connect it was waiting to make.
    pub fn unpause(&mut self, now: Millis) {
        if let Phase::Paused { was_open } = self.phase {
            self.phase = if was_open { Phase::Resuming } else { Phase::Requesting };
            self.request_at = Some(now);
            self.last_activity = Some(now);
            self.push_connect();
        }
    }

    /// The application vetoed the reconnect just announced: fail the connection (CLOSED).
    /// The error being reported should then say CLOSED, with reason [`ErrorKind::GaveUp`].
    pub fn give_up(&mut self) {
        if let Phase::Waiting { .. } = self.phase {
            self.phase = Phase::Closed;
            self.parser.reset();
        }
    }

    /// The application chose another delay for the reconnect just announced.
    pub fn reschedule(&mut self, now: Millis, delay: Millis) {
        if let Phase::Waiting { .. } = self.phase {
            self.phase = Phase::Waiting { until: now.saturating_add(delay) };
        }
    }

    /// The request was aborted, not by `close()`: the standard fails the connection.
    pub fn on_aborted(&mut self) {
        if matches!(self.phase, Phase::Requesting | Phase::Streaming | Phase::Resuming) {
            self.fail(ErrorKind::Aborted, None);
        }
    }

    /// "Fail the connection" now, whatever the phase (unless closed): CLOSED and one `error`,
    /// with the request in flight, if any, aborted first. For what the driver found futile to
    /// retry: a URL that cannot be fetched, a CORS failure.
    pub fn fail_now(&mut self, kind: ErrorKind) {
        if self.phase == Phase::Closed {
            return;
        }
        // A connect the driver has not taken yet was never sent: nothing to abort then.
        let unsent = self.actions.iter().any(|a| matches!(a, Action::Connect { .. }));
        let in_flight = matches!(self.phase, Phase::Requesting | Phase::Streaming | Phase::Resuming) && !unsent;
        self.actions.retain(|a| !matches!(a, Action::Connect { .. }));
        if in_flight {
            self.actions.push(Action::Abort);
        }
        self.fail(kind, None);
    }

    /// Sends the request that just failed again at once, as part of the same attempt (no
    /// `error`): the driver changed how it makes it (the last event ID moved from a header the
    /// server's CORS setup refused to the query). Only while a request is out.
    pub fn request_again(&mut self, now: Millis) {
        if matches!(self.phase, Phase::Requesting | Phase::Resuming) {
            self.request_at = Some(now);
            self.last_activity = Some(now);
            self.push_connect();
        }
    }

    /// Drops what the parser buffered of an event not yet dispatched, as if a new stream began
    /// (the last event ID and the reconnection time stay): `reset()` of a source fed from a
    /// stream the application pipes in.
    pub fn reset_stream(&mut self) {
        self.parser.reset();
    }

    /// `close()`: CLOSED at once, no event, nothing scheduled. An abort not taken yet is kept
    /// (a failure's, while the driver reads the refused response's body first).
    pub fn close(&mut self) {
        let in_flight = matches!(self.phase, Phase::Requesting | Phase::Streaming | Phase::Resuming);
        let abort = in_flight || self.actions.iter().any(|a| matches!(a, Action::Abort));
        self.phase = Phase::Closed;
        self.actions.clear();
        if abort {
            self.actions.push(Action::Abort);
        }
        self.parser.reset();
    }

    fn push_connect(&mut self) {
        let id = self.parser.last_event_id();
        let last_event_id = (!id.is_empty()).then(|| id.to_owned());
        self.actions.push(Action::Connect { last_event_id });
    }

    /// "Fail the connection": CLOSED and one `error`, never a reconnect.
    fn fail(&mut self, kind: ErrorKind, status: Option<u16>) {
        self.phase = Phase::Closed;
        self.parser.reset();
        self.actions.push(Action::Error(Failure { kind, status, will_reconnect: false, delay: None }));
    }

    /// "Reestablish the connection": CONNECTING, one `error`, then wait and reconnect.
    fn reestablish(&mut self, now: Millis, kind: ErrorKind, status: Option<u16>) {
        self.parser.reset();
        if !self.config.reconnect {
            self.fail(kind, status);
            return;
        }
        if self.config.retry.exhausted(self.attempts) {
            self.fail(ErrorKind::GaveUp, status);
            return;
        }
        let delay = match self.retry_after.take() {
            Some(ms) => ms,
            None => {
                let random = if self.config.retry.jitter > 0.0 { self.jitter.draw() } else { 0.0 };
                self.config.retry.delay(self.reconnection_time, self.attempts, random)
            }
        };
        self.attempts = self.attempts.saturating_add(1);
        self.phase = Phase::Waiting { until: now.saturating_add(delay) };
        self.actions.push(Action::Error(Failure { kind, status, will_reconnect: true, delay: Some(delay) }));
    }
}
