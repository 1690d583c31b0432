//! What both faces of the library (the JS class and the Rust builder) share once the options
//! are read: the checked options themselves, the choice of transport, and starting it.

use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::RequestCredentials;

use crate::connection::{Config, Connection, EndOfBody, RetryPolicy};
use crate::driver::{Driver, IdCarrier, LifecycleOptions, ReconnectHook, Sink, Target};
use crate::platform;
use crate::transport::native::NativeSource;
use crate::transport::{TransportChoice, TransportKind};

/// A running source: the browser's own, or one driven by our core.
pub(crate) enum Engine {
    Native(NativeSource),
    Core(Driver),
}

impl Engine {
    pub fn ready_state(&self) -> crate::connection::ReadyState {
        match self {
            Engine::Native(n) => n.ready_state(),
            Engine::Core(d) => d.ready_state(),
        }
    }

    pub fn close(&self) {
        match self {
            Engine::Native(n) => n.close(),
            Engine::Core(d) => d.close(),
        }
    }
}

/// Starts a source on the chosen transport.
pub(crate) fn start(
    resolved: &web_sys::Url,
    kind: TransportKind,
    o: Options,
    sink: Rc<dyn Sink>,
) -> Result<Engine, JsValue> {
    Ok(match kind {
        TransportKind::Native => Engine::Native(NativeSource::start(&resolved.href(), o.sends_credentials(), sink)?),
        _ => Engine::Core(start_core(resolved, kind, o, sink)),
    })
}

/// An HTTP method `fetch` accepts, normalised to upper case (as `fetch` does for the common
/// ones; servers expect it).
pub(crate) fn checked_method(method: &str) -> Result<String, JsValue> {
    let valid =
        !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let forbidden = ["CONNECT", "TRACE", "TRACK"].iter().any(|m| m.eq_ignore_ascii_case(method));
    if !valid || forbidden {
        return Err(type_error(&["'", method, "' is not a valid HTTP method."].concat()));
    }
    Ok(method.to_ascii_uppercase())
}

pub(crate) fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(&["Failed to construct 'EventSource': ", message].concat()).into()
}

/// The constructor's second argument, checked.
pub(crate) struct Options {
    pub with_credentials: bool,
    pub transport: TransportChoice,
    /// The first option seen that only our own transports can honour.
    /// Set by an API that needs our own transports whatever the options (the Rust stream).
    pub own_transport: Option<&'static str>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub headers_fn: Option<Function>,
    pub body: Option<JsValue>,
    pub credentials: Option<RequestCredentials>,
    pub fetch: Option<Function>,
    pub last_event_id_in: Option<String>,
    pub last_event_id_param: String,
    pub last_event_id: String,
    pub policy: Option<RetryPolicy>,
    pub on_reconnect: Option<ReconnectHook>,
    pub reconnection_time: Option<u64>,
    pub heartbeat: Option<u64>,
    pub max_event_size: Option<u64>,
    pub lifecycle: LifecycleOptions,
}

impl Options {
    /// The first option set to something the browser's own `EventSource` cannot do; options
    /// left at their defaults (`method: 'GET'`, `headers: {}`, `false` flags) don't count.
    pub fn beyond_native(&self) -> Option<&'static str> {
        let l = &self.lifecycle;
        let checks: [(bool, &'static str); 14] = [
            (!self.headers.is_empty() || self.headers_fn.is_some(), "headers"),
            (self.method != "GET", "method"),
            (self.body.is_some(), "body"),
            (
                match self.credentials {
                    Some(RequestCredentials::Omit) => true,
                    Some(RequestCredentials::SameOrigin) => self.with_credentials,
                    _ => false,
                },
                "credentials",
            ),
            (self.fetch.is_some(), "fetch"),
            (matches!(self.last_event_id_in.as_deref(), Some("query" | "both")), "lastEventIdIn"),
            (!self.last_event_id.is_empty(), "lastEventId"),
            (self.policy.is_some() || self.reconnection_time.is_some() || self.on_reconnect.is_some(), "reconnect"),
            (self.heartbeat.is_some(), "heartbeatTimeout"),
            (self.max_event_size.is_some(), "maxEventSize"),
            (l.reconnect_on_online, "reconnectOnOnline"),
            (l.reconnect_on_pageshow, "reconnectOnPageShow"),
            (l.pause_when_hidden, "pauseWhenHidden"),
            (self.own_transport.is_some(), self.own_transport.unwrap_or("")),
        ];
        checks.iter().find(|(set, _)| *set).map(|(_, name)| *name)
    }

    /// Cookies cross-origin, as the native class's `withCredentials` understands it.
    pub fn sends_credentials(&self) -> bool {
        self.credentials.map_or(self.with_credentials, |c| c == RequestCredentials::Include)
    }

    /// The standard's behaviour: what `new EventSource(url)` does.
    pub fn standard() -> Options {
        Options {
            with_credentials: false,
            transport: TransportChoice::Auto,
            own_transport: None,
            method: "GET".to_owned(),
            headers: Vec::new(),
            headers_fn: None,
            body: None,
            credentials: None,
            fetch: None,
            last_event_id_in: None,
            last_event_id_param: "lastEventId".to_owned(),
            last_event_id: String::new(),
            policy: None,
            on_reconnect: None,
            reconnection_time: None,
            heartbeat: None,
            max_event_size: None,
            lifecycle: LifecycleOptions::default(),
        }
    }
}

/// Picks the transport by feature detection: native where it can do the job, else fetch
/// streaming (only where `Response.body` is a stream), else XHR streaming, else long-polling.
pub(crate) fn choose(o: &Options) -> Result<TransportKind, JsValue> {
    let unsupported = |what: &str| -> JsValue {
        web_sys::DomException::new_with_message_and_name(
            &["Failed to construct 'EventSource': the '", what, "' transport is not available here."].concat(),
            "NotSupportedError",
        )
        .map(JsValue::from)
        .unwrap_or_else(|e| e)
    };
    // XHR cannot call an application `fetch`, nor leave out same-origin cookies.
    let xhr_cannot = if o.fetch.is_some() {
        Some("fetch")
    } else if o.credentials == Some(RequestCredentials::Omit) {
        Some("credentials: 'omit'")
    } else {
        None
    };
    match o.transport {
        TransportChoice::Only(TransportKind::Native) => {
            if let Some(name) = o.beyond_native() {
                return Err(type_error(&["the native transport cannot honour option '", name, "'."].concat()));
            }
            platform::has_native_event_source().then_some(TransportKind::Native).ok_or_else(|| unsupported("native"))
        }
        TransportChoice::Only(TransportKind::Fetch) => {
            platform::has_fetch_streaming().then_some(TransportKind::Fetch).ok_or_else(|| unsupported("fetch"))
        }
        TransportChoice::Only(kind @ (TransportKind::Xhr | TransportKind::LongPoll)) => {
            if let Some(name) = xhr_cannot {
                return Err(type_error(
                    &["the ", kind.as_str(), " transport cannot honour option ", name, "."].concat(),
                ));
            }
            let ok = if kind == TransportKind::Xhr { platform::has_xhr_streaming() } else { platform::has_xhr() };
            ok.then_some(kind).ok_or_else(|| unsupported(kind.as_str()))
        }
        TransportChoice::Auto => {
            if o.beyond_native().is_none() && platform::has_native_event_source() {
                Ok(TransportKind::Native)
            } else if platform::has_fetch_streaming() {
                Ok(TransportKind::Fetch)
            } else if xhr_cannot.is_some() {
                Err(unsupported("fetch"))
            } else if platform::has_xhr_streaming() {
                Ok(TransportKind::Xhr)
            } else if platform::has_xhr() {
                Ok(TransportKind::LongPoll)
            } else {
                Err(unsupported("auto"))
            }
        }
    }
}

pub(crate) fn start_core(resolved: &web_sys::Url, kind: TransportKind, o: Options, sink: Rc<dyn Sink>) -> Driver {
    // Same-origin, or no origin at all (Node.js, where there is no CORS): the standard's header
    // costs nothing. Cross-origin: a header would need a CORS preflight that many SSE servers
    // don't answer, so the ID goes in the query.
    let same_origin = platform::own_origin().is_none_or(|origin| origin == resolved.origin());
    let (header, query) = match o.last_event_id_in.as_deref() {
        Some("header") => (true, false),
        Some("query") => (false, true),
        Some("both") => (true, true),
        _ => (same_origin, !same_origin),
    };
    let mut config = Config::default();
    if kind == TransportKind::LongPoll {
        config.end_of_body = EndOfBody::PollAgain;
    }
    // Only a transport the page did not pin may change under it.
    config.detect_buffering = o.transport == TransportChoice::Auto;
    config.last_event_id = o.last_event_id;
    config.heartbeat_timeout = o.heartbeat;
    if let Some(max) = o.max_event_size {
        config.max_event_size = max.min(usize::MAX as u64) as usize;
    }
    if let Some(ms) = o.reconnection_time {
        config.reconnection_time = ms;
    }
    if let Some(policy) = o.policy {
        config.retry = policy;
    }
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    let credentials = o.credentials.unwrap_or(if o.with_credentials {
        RequestCredentials::Include
    } else {
        RequestCredentials::SameOrigin
    });
    let target = Target {
        url: resolved.href(),
        method: o.method,
        headers: o.headers,
        headers_fn: o.headers_fn,
        body: o.body,
        credentials,
        fetch: o.fetch,
        id_carrier: IdCarrier { header, query: query.then_some(o.last_event_id_param) },
        on_reconnect: o.on_reconnect,
    };
    Driver::start(Connection::new(config), kind, target, o.lifecycle, sink)
}
