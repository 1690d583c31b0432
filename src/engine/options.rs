//! A source's options as plain Rust values, their checking, and the choice of transport.
//!
//! Both faces fill the same [`Options`]: the Rust builder with typed setters, the JavaScript
//! class one property at a time through [`Options::set`], which receives each property as the
//! page gave it (its JavaScript type and value, read by the class) and decides here whether it
//! is acceptable. So every option rule and every error message exists once.

use crate::prelude::*;

use super::policy::{Millis, RetryPolicy};
use super::text::{has_nul_cr_lf, http_whitespace, is_token, join, split, split_once, trim};

/// How a source talks to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TransportKind {
    /// The browser's own `EventSource`, mirrored.
    Native = 0,
    /// `fetch` with a streamed `ReadableStream` body.
    Fetch = 1,
    /// `XMLHttpRequest`, reading `responseText` as it grows.
    Xhr = 2,
    /// Request, read the body, dispatch, and request again at once (over XHR, or fetch where
    /// there is no XHR).
    LongPoll = 3,
}

impl TransportKind {
    /// The name page code sees in `source.transport`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Native => "native",
            TransportKind::Fetch => "fetch",
            TransportKind::Xhr => "xhr",
            TransportKind::LongPoll => "longpoll",
        }
    }

    /// The transport of that name, for the `transport` option.
    pub fn parse(name: &str) -> Option<TransportChoice> {
        Some(TransportChoice::Only(match name {
            "auto" => return Some(TransportChoice::Auto),
            "native" => TransportKind::Native,
            "fetch" => TransportKind::Fetch,
            "xhr" => TransportKind::Xhr,
            "longpoll" => TransportKind::LongPoll,
            _ => return None,
        }))
    }
}

/// What the page asked for; `Auto` is resolved once, at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportChoice {
    /// Native where it can do the job, else fetch streaming, else XHR, else long-polling.
    Auto,
    /// This one, or an error where it is not available.
    Only(TransportKind),
}

/// Whether cookies and HTTP authentication go with the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Credentials {
    /// Never.
    Omit = 0,
    /// Same-origin requests only (the standard's default).
    SameOrigin = 1,
    /// Always (the standard's `withCredentials: true`).
    Include = 2,
}

/// Where the last event ID travels on a reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastEventIdIn {
    /// The header; cross-origin, the query once a CORS preflight refused the header (or from
    /// the start where the host cannot tell a refusal from a network error). The default.
    Auto,
    /// The standard's `Last-Event-ID` header.
    Header,
    /// A query parameter.
    Query,
    /// Both.
    Both,
}

/// Which page lifecycle events the source reacts to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// Reconnect at once when the browser is back online.
    pub reconnect_on_online: bool,
    /// Reconnect at once when the page is restored from the back/forward cache.
    pub reconnect_on_pageshow: bool,
    /// Disconnect while the page is hidden or frozen; resume from the last event ID when it
    /// is shown (and not frozen).
    pub pause_when_hidden: bool,
}

impl Lifecycle {
    /// The options as bits, for the host that listens: 1 online, 2 pageshow, 4 visibility and
    /// freezing.
    pub fn bits(self) -> u32 {
        u32::from(self.reconnect_on_online)
            | u32::from(self.reconnect_on_pageshow) << 1
            | u32::from(self.pause_when_hidden) << 2
    }
}

/// What the environment offers, found by the host when it loads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    /// A native `EventSource` constructor (not ours installed as the global).
    pub native: bool,
    /// `fetch` whose responses expose their body as a stream, and `AbortController`.
    pub fetch_streaming: bool,
    /// `XMLHttpRequest`.
    pub xhr: bool,
    /// `XMLHttpRequest` with `progress` events (partial responses as they arrive).
    pub xhr_streaming: bool,
    /// The environment's own origin, when it has one (not in Node.js).
    pub origin: Option<String>,
    /// The host can tell a CORS refusal from a network error (a `no-cors` probe needs `fetch`
    /// and `AbortController`); without that, a cross-origin last event ID goes in the query,
    /// which needs no preflight, rather than in a header that might be refused unnoticed.
    pub probe: bool,
}

impl Platform {
    /// Bit 0 native, 1 fetch streaming, 2 XHR, 3 XHR streaming, 4 probe: the host's `facts()`.
    pub fn from_bits(bits: u32, origin: Option<String>) -> Platform {
        Platform {
            native: bits & 1 != 0,
            fetch_streaming: bits & 2 != 0,
            xhr: bits & 4 != 0,
            xhr_streaming: bits & 8 != 0,
            probe: bits & 16 != 0,
            origin: origin.filter(|o| !o.is_empty() && o != "null"),
        }
    }
}

/// Why options were refused. Each becomes the JavaScript exception of the same name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionError {
    /// A `TypeError`: an option of the wrong type or value.
    Type(String),
    /// A `NotSupportedError` `DOMException`: the transport asked for does not exist here.
    NotSupported(String),
}

impl OptionError {
    /// The message, without the exception's name.
    pub fn message(&self) -> &str {
        match self {
            OptionError::Type(m) | OptionError::NotSupported(m) => m,
        }
    }
}

fn type_error(parts: &[&str]) -> OptionError {
    OptionError::Type(join(parts))
}

fn must_be(name: &str, what: &str) -> OptionError {
    type_error(&["option '", name, "' must be ", what, "."])
}

/// One option's value as page code gave it, tagged with its JavaScript type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(&'a str),
    /// A function (kept by the face; the engine only knows it is there).
    Function,
    /// Any other object (a body, `Headers`, …), with its truthiness (always true) implied.
    Object,
    /// `headers` given as something `new Headers()` takes, flattened by the face into lines
    /// of `name:value`.
    HeaderLines(&'a str),
    /// `headers` given as something `new Headers()` refuses.
    BadHeaders,
    /// A symbol or a bigint: never valid, truthy unless `0n`.
    Other(bool),
}

impl Value<'_> {
    /// JavaScript's ToBoolean.
    pub fn truthy(self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::Number(n) => n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Other(b) => b,
            _ => true,
        }
    }
}

/// The option names the JavaScript class reads, in the order of their keys for
/// [`Options::set`]. `a.b` is property `b` of option `a` (read only when `a` is an object).
pub const OPTION_NAMES: [&str; 26] = [
    "withCredentials",
    "share",
    "transport",
    "headers",
    "method",
    "body",
    "credentials",
    "fetch",
    "lastEventIdIn",
    "lastEventIdParam",
    "lastEventId",
    "reconnect",
    "reconnect.delay",
    "reconnect.backoff",
    "reconnect.maxDelay",
    "reconnect.jitter",
    "reconnect.maxAttempts",
    "reconnect.retryAfter",
    "reconnect.onReconnect",
    "heartbeatTimeout",
    "maxEventSize",
    "reconnectOnOnline",
    "reconnectOnPageShow",
    "pauseWhenHidden",
    "comments",
    "errorBody",
];

/// A source's options, checked. [`Options::default`] is the standard's behaviour: what
/// `new EventSource(url)` does.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The standard's `withCredentials`.
    pub with_credentials: bool,
    /// `share: 'tabs'`: another tab may hold the connection, so our own transport is needed.
    pub share_tabs: bool,
    /// The `transport` option.
    pub transport: TransportChoice,
    /// The request method, upper case.
    pub method: String,
    /// Sent with every request (a header function's headers come after these).
    pub headers: Vec<(String, String)>,
    /// A header function is called before every connect.
    pub headers_fn: bool,
    /// The request has a body (kept by the face).
    pub body: bool,
    /// The `credentials` option, when given.
    pub credentials: Option<Credentials>,
    /// An application `fetch` is used instead of the global one.
    pub fetch: bool,
    /// Where the last event ID travels.
    pub last_event_id_in: LastEventIdIn,
    /// The query parameter's name.
    pub last_event_id_param: String,
    /// Start as if an event with this ID had been seen.
    pub last_event_id: String,
    /// A reconnection policy other than the standard's.
    pub retry: Option<RetryPolicy>,
    /// The reconnection time before the server sends `retry:`.
    pub reconnection_time: Option<Millis>,
    /// An `onReconnect` hook decides each reconnect.
    pub on_reconnect: bool,
    /// Reconnect when no byte arrived for this long.
    pub heartbeat: Option<Millis>,
    /// Largest line or event data, in bytes.
    pub max_event_size: Option<u64>,
    /// Page lifecycle reactions.
    pub lifecycle: Lifecycle,
    /// Report the stream's comments (heartbeats) to the application.
    pub comments: bool,
    /// How many bytes of a refused response's body (a status other than 200, or not
    /// `text/event-stream`) to read for its error; 0: none.
    pub error_body: u64,
    /// How long to wait for them (the JavaScript class keeps the default).
    pub error_body_wait: Millis,
    /// Set by a face that needs our own transports whatever the options (the Rust stream):
    /// what to name in the error if `transport: 'native'` is asked for anyway.
    pub own_transport: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            with_credentials: false,
            share_tabs: false,
            transport: TransportChoice::Auto,
            method: "GET".to_owned(),
            headers: Vec::new(),
            headers_fn: false,
            body: false,
            credentials: None,
            fetch: false,
            last_event_id_in: LastEventIdIn::Auto,
            last_event_id_param: "lastEventId".to_owned(),
            last_event_id: String::new(),
            retry: None,
            reconnection_time: None,
            on_reconnect: false,
            heartbeat: None,
            max_event_size: None,
            lifecycle: Lifecycle::default(),
            comments: false,
            error_body: 4096,
            error_body_wait: super::source::ERROR_BODY_WAIT,
            own_transport: None,
        }
    }
}

impl Options {
    /// Takes option number `key` (an index into [`OPTION_NAMES`]) as page code gave it. An
    /// absent (`undefined`) option is simply not set.
    pub fn set(&mut self, key: usize, value: Value<'_>) -> Result<(), OptionError> {
        let Some(&name) = OPTION_NAMES.get(key) else { return Ok(()) };
        let kind = KINDS.get(key).copied().unwrap_or(ANY);
        // The type each option must have is checked here once; what the value must be, below.
        let (text, number) = match (kind, value) {
            (STRING | ENUM, Value::Str(s)) => (s, 0.0),
            (FUNCTION | ANY, Value::Function) => ("", 1.0),
            (COUNT | RANGE, Value::Number(n)) => ("", n),
            (OBJECT, Value::Object | Value::Function) => ("", 1.0),
            (HEADERS, Value::Function | Value::HeaderLines(_)) => ("", 0.0),
            (ANY, Value::Str(s)) => (s, f64::from(u8::from(value.truthy()))),
            (ANY, _) => ("", f64::from(u8::from(value.truthy()))),
            _ => return Err(must_be(name, WHAT[usize::from(kind)])),
        };
        let truthy = number != 0.0;
        // Counts: whole milliseconds (or bytes, or attempts); `Infinity` is "never".
        let count = number as u64;
        if kind == COUNT && (number.is_nan() || number < 0.0) {
            return Err(must_be(name, WHAT[usize::from(COUNT)]));
        }
        match key {
            0 => self.with_credentials = truthy,
            1 => self.share_tabs = text == "tabs",
            2 => {
                self.transport = match pick(name, text, &["auto", "native", "fetch", "xhr", "longpoll"])? {
                    0 => TransportChoice::Auto,
                    1 => TransportChoice::Only(TransportKind::Native),
                    2 => TransportChoice::Only(TransportKind::Fetch),
                    3 => TransportChoice::Only(TransportKind::Xhr),
                    _ => TransportChoice::Only(TransportKind::LongPoll),
                }
            }
            3 => match value {
                Value::HeaderLines(lines) => {
                    for line in split(lines, |b| b == b'\n').filter(|l| !l.is_empty()) {
                        let (n, v) = split_once(line, b':').unwrap_or((line, ""));
                        self.add_header(n, v)?;
                    }
                }
                _ => self.headers_fn = true,
            },
            4 => self.method = checked_method(text)?,
            5 => self.body = value != Value::Null,
            6 => {
                self.credentials = Some(match pick(name, text, &["omit", "same-origin", "include"])? {
                    0 => Credentials::Omit,
                    1 => Credentials::SameOrigin,
                    _ => Credentials::Include,
                })
            }
            7 => self.fetch = true,
            8 => {
                self.last_event_id_in = match pick(name, text, &["auto", "header", "query", "both"])? {
                    0 => LastEventIdIn::Auto,
                    1 => LastEventIdIn::Header,
                    2 => LastEventIdIn::Query,
                    _ => LastEventIdIn::Both,
                }
            }
            9 if text.is_empty() => return Err(must_be(name, "a non-empty string")),
            9 => text.clone_into(&mut self.last_event_id_param),
            10 if has_nul_cr_lf(text) => return Err(must_be(name, "a string without NUL, CR or LF")),
            10 => text.clone_into(&mut self.last_event_id),
            11 => {
                self.policy();
            }
            12 => self.reconnection_time = Some(count),
            13 if !(1.0..f64::INFINITY).contains(&number) => return Err(must_be(name, "a number ≥ 1")),
            13 => self.policy().factor = number,
            14 => self.policy().max_delay = count,
            15 if !(0.0..=1.0).contains(&number) => return Err(must_be(name, "a number from 0 to 1")),
            15 => self.policy().jitter = number,
            16 => self.policy().max_attempts = (count != u64::MAX).then(|| count.min(u64::from(u32::MAX)) as u32),
            17 => self.policy().retry_on_overload = truthy,
            18 => self.on_reconnect = true,
            19 => self.heartbeat = Some(count).filter(|&ms| ms > 0),
            20 if count == 0 => return Err(must_be(name, "at least 1")),
            20 => self.max_event_size = Some(count),
            21 => self.lifecycle.reconnect_on_online = truthy,
            22 => self.lifecycle.reconnect_on_pageshow = truthy,
            23 => self.lifecycle.pause_when_hidden = truthy,
            24 => self.comments = truthy,
            _ => self.error_body = count,
        }
        Ok(())
    }

    /// The reconnection policy being set: the backoff defaults once `reconnect` is given.
    fn policy(&mut self) -> &mut RetryPolicy {
        self.retry.get_or_insert_with(RetryPolicy::backoff)
    }

    /// Adds a request header after checking it as `Headers` would: the name a token, the
    /// value without NUL, CR or LF (leading and trailing whitespace is dropped).
    pub fn add_header(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        let value = trim(value, http_whitespace);
        if !is_token(name) || has_nul_cr_lf(value) {
            return Err(type_error(&["option 'headers' is not a valid HeadersInit: '", name, "'."]));
        }
        self.headers.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Checks what no single option can tell alone; call once all are set.
    pub fn finish(&self) -> Result<(), OptionError> {
        if self.body && matches!(self.method.as_str(), "GET" | "HEAD") {
            return Err(type_error(&["a request with a body needs a method other than GET or HEAD."]));
        }
        Ok(())
    }

    /// The first option set to something the browser's own `EventSource` cannot do; options
    /// left at their defaults (`method: 'GET'`, `headers: {}`, `false` flags) don't count.
    pub fn beyond_native(&self) -> Option<&'static str> {
        let l = &self.lifecycle;
        let checks: [(bool, &'static str); 16] = [
            (!self.headers.is_empty() || self.headers_fn, "headers"),
            (self.method != "GET", "method"),
            (self.body, "body"),
            (
                match self.credentials {
                    Some(Credentials::Omit) => true,
                    Some(Credentials::SameOrigin) => self.with_credentials,
                    _ => false,
                },
                "credentials",
            ),
            (self.fetch, "fetch"),
            (matches!(self.last_event_id_in, LastEventIdIn::Query | LastEventIdIn::Both), "lastEventIdIn"),
            (!self.last_event_id.is_empty(), "lastEventId"),
            (self.retry.is_some() || self.reconnection_time.is_some() || self.on_reconnect, "reconnect"),
            (self.heartbeat.is_some(), "heartbeatTimeout"),
            (self.max_event_size.is_some(), "maxEventSize"),
            (l.reconnect_on_online, "reconnectOnOnline"),
            (l.reconnect_on_pageshow, "reconnectOnPageShow"),
            (l.pause_when_hidden, "pauseWhenHidden"),
            // The browser's own class never shows them.
            (self.comments, "comments"),
            // Across tabs, another tab may hold the connection for our listeners, which it
            // cannot register on a native source: our own transport delivers every type.
            (self.share_tabs, "share: 'tabs'"),
            (self.own_transport.is_some(), self.own_transport.unwrap_or("")),
        ];
        checks.iter().find(|(set, _)| *set).map(|(_, name)| *name)
    }

    /// The reconnection time a source of these options starts with.
    pub fn initial_reconnection_time(&self) -> Millis {
        self.reconnection_time.unwrap_or(super::connection::DEFAULT_RECONNECTION_TIME)
    }

    /// Cookies cross-origin, as the native class's `withCredentials` understands it.
    pub fn sends_credentials(&self) -> bool {
        self.credentials.map_or(self.with_credentials, |c| c == Credentials::Include)
    }

    /// The credentials mode of our own transports' requests.
    pub fn credentials_mode(&self) -> Credentials {
        self.credentials.unwrap_or(if self.with_credentials { Credentials::Include } else { Credentials::SameOrigin })
    }

    /// Picks the transport by feature detection: native where it can do the job, else fetch
    /// streaming, else XHR streaming, else long-polling; or the one asked for, if it exists
    /// here and can honour every option.
    pub fn choose(&self, platform: &Platform) -> Result<TransportKind, OptionError> {
        let unsupported =
            |what: &str| OptionError::NotSupported(join(&["the '", what, "' transport is not available here."]));
        // XHR cannot call an application `fetch`, nor leave out same-origin cookies.
        let xhr_cannot = if self.fetch {
            Some("fetch")
        } else if self.credentials == Some(Credentials::Omit) {
            Some("credentials: 'omit'")
        } else {
            None
        };
        match self.transport {
            TransportChoice::Only(TransportKind::Native) => {
                if let Some(name) = self.beyond_native() {
                    return Err(type_error(&["the native transport cannot honour option '", name, "'."]));
                }
                platform.native.then_some(TransportKind::Native).ok_or_else(|| unsupported("native"))
            }
            TransportChoice::Only(TransportKind::Fetch) => {
                platform.fetch_streaming.then_some(TransportKind::Fetch).ok_or_else(|| unsupported("fetch"))
            }
            TransportChoice::Only(kind) => {
                if let Some(name) = xhr_cannot {
                    return Err(type_error(&["the ", kind.as_str(), " transport cannot honour option ", name, "."]));
                }
                let ok = if kind == TransportKind::Xhr { platform.xhr_streaming } else { platform.xhr };
                ok.then_some(kind).ok_or_else(|| unsupported(kind.as_str()))
            }
            TransportChoice::Auto => {
                if self.beyond_native().is_none() && platform.native {
                    Ok(TransportKind::Native)
                } else if platform.fetch_streaming {
                    Ok(TransportKind::Fetch)
                } else if xhr_cannot.is_some() {
                    Err(unsupported("fetch"))
                } else if platform.xhr_streaming {
                    Ok(TransportKind::Xhr)
                } else if platform.xhr {
                    Ok(TransportKind::LongPoll)
                } else {
                    Err(unsupported("auto"))
                }
            }
        }
    }
}

// What each option must be, by key: checked once in `Options::set`.
const ANY: u8 = 0;
const STRING: u8 = 1;
const FUNCTION: u8 = 2;
const COUNT: u8 = 3;
const RANGE: u8 = 4;
const OBJECT: u8 = 5;
const HEADERS: u8 = 6;
const ENUM: u8 = 7;
const WHAT: [&str; 8] = [
    "",
    "a string",
    "a function",
    "a non-negative number",
    "a number",
    "an object",
    "a valid HeadersInit or a function",
    "a string",
];
const KINDS: [u8; 26] = [
    ANY, ANY, ENUM, HEADERS, STRING, ANY, ENUM, FUNCTION, ENUM, STRING, STRING, OBJECT, COUNT, RANGE, COUNT, RANGE,
    COUNT, ANY, FUNCTION, COUNT, COUNT, ANY, ANY, ANY, ANY, COUNT,
];

/// Which of `names` an option that takes one of them was given (its index), or its TypeError.
/// Not inlined: three options use it, and it is never on a hot path.
#[inline(never)]
fn pick(option: &str, text: &str, names: &[&str]) -> Result<usize, OptionError> {
    if let Some(i) = names.iter().position(|n| *n == text) {
        return Ok(i);
    }
    let mut message = join(&["option '", option, "' must be '"]);
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            message.push_str(if i + 1 == names.len() { "' or '" } else { "', '" });
        }
        message.push_str(n);
    }
    message.push_str("', not '");
    message.push_str(text);
    message.push_str("'.");
    Err(OptionError::Type(message))
}

/// An HTTP method `fetch` accepts, normalised to upper case (as `fetch` does for the common
/// ones; servers expect it).
pub fn checked_method(method: &str) -> Result<String, OptionError> {
    let forbidden = ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method));
    if !is_token(method) || forbidden {
        return Err(type_error(&["'", method, "' is not a valid HTTP method."]));
    }
    Ok(method.to_ascii_uppercase())
}
