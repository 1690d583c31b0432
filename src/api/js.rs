//! The Rust half of the JavaScript `EventSource` class.
//!
//! JavaScript cannot let a wasm-bindgen class extend `EventTarget`, so a thin JS class
//! (`js/event-source.js`) extends it and owns one [`Source`]. Everything else is decided here:
//! URL resolution and its `SyntaxError`, option checking, the choice of transport, the state
//! machine. Rust reports back through one JS function, `emit(kind, text, number, extra)`, called
//! once per chunk of events rather than once per event, because each crossing has a fixed cost.

use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::RequestCredentials;

use super::options::{self, type_error, Engine, Options};
use crate::connection::{ReadyState, RetryPolicy};
use crate::driver::{header_list, ErrorReport, LifecycleOptions, ReconnectDecision, ReconnectHook, Sink};
use crate::platform;
use crate::transport::{TransportChoice, TransportKind};

/// The kinds of [`Emit`] calls; the JS class switches on them.
mod kind {
    /// `open`: text = origin of the response.
    pub const OPEN: u32 = 0;
    /// Events: text = events packed by `driver::pack_event`.
    pub const MESSAGES: u32 = 1;
    /// `error`, readyState CONNECTING: text = `reason CR statusText`, number = HTTP status or
    /// 0, extra = milliseconds until the reconnect.
    pub const ERROR_RECONNECTING: u32 = 2;
    /// `error`, readyState CLOSED: as above, extra = -1.
    pub const ERROR_CLOSED: u32 = 3;
    /// Later messages come from this origin.
    pub const ORIGIN: u32 = 4;
    /// The source switched transport: text = its name.
    pub const TRANSPORT: u32 = 5;
    /// A bug made the Rust code panic while serving this source: text = the panic message.
    /// The JS side closes the source and reports `error` (reason `internal`) from a task.
    pub const CRASHED: u32 = 6;
}

#[wasm_bindgen]
extern "C" {
    /// The JS class's report function.
    #[wasm_bindgen(typescript_type = "(kind: number, text: string, num: number, extra: number) => void")]
    pub type Emit;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &Emit, this_arg: &JsValue, kind: u32, text: &str, num: u32, extra: f64);
}

struct JsSink(Emit);

impl JsSink {
    fn emit(&self, kind: u32, text: &str, num: u32, extra: f64) {
        self.0.call(&JsValue::UNDEFINED, kind, text, num, extra);
    }
}

impl Sink for JsSink {
    fn open(&self, origin: &str) {
        self.emit(kind::OPEN, origin, 0, 0.0);
    }
    fn messages(&self, packed: &str) {
        self.emit(kind::MESSAGES, packed, 0, 0.0);
    }
    fn error(&self, e: &ErrorReport<'_>) {
        let k = if e.state == ReadyState::Closed { kind::ERROR_CLOSED } else { kind::ERROR_RECONNECTING };
        let text = [e.reason, "\r", e.status_text].concat();
        self.emit(k, &text, u32::from(e.status), e.delay.map_or(-1.0, |d| d as f64));
    }
    fn set_origin(&self, origin: &str) {
        self.emit(kind::ORIGIN, origin, 0, 0.0);
    }
    fn transport_changed(&self, name: &str) {
        self.emit(kind::TRANSPORT, name, 0, 0.0);
    }
    fn crashed(&self, message: &str) {
        self.emit(kind::CRASHED, message, 0, -1.0);
    }
}

/// Reads one property of the options object; `undefined` means absent.
fn get(init: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    let v = Reflect::get(init, &name.into())?;
    Ok((!v.is_undefined()).then_some(v))
}

/// The TypeError for an option of the wrong type.
fn option_error(name: &str, must_be: &str) -> JsValue {
    type_error(&["option '", name, "' must be ", must_be, "."].concat())
}

fn get_string(init: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    get(init, name)?.map(|v| v.as_string().ok_or_else(|| option_error(name, "a string"))).transpose()
}

/// A non-negative whole number of milliseconds (or bytes, or attempts).
fn get_count(init: &JsValue, name: &str) -> Result<Option<u64>, JsValue> {
    get(init, name)?
        .map(|v| match v.as_f64() {
            Some(n) if n >= 0.0 && n.is_finite() => Ok(n as u64),
            Some(n) if n == f64::INFINITY => Ok(u64::MAX),
            _ => Err(option_error(name, "a non-negative number")),
        })
        .transpose()
}

fn get_bool(init: &JsValue, name: &str) -> Result<bool, JsValue> {
    Ok(get(init, name)?.is_some_and(|v| v.is_truthy()))
}

fn get_function(init: &JsValue, name: &str) -> Result<Option<Function>, JsValue> {
    get(init, name)?.map(|v| v.dyn_into::<Function>().map_err(|_| option_error(name, "a function"))).transpose()
}

fn read_options(init: &JsValue) -> Result<Options, JsValue> {
    let mut o = Options::standard();
    if init.is_undefined() || init.is_null() {
        return Ok(o);
    }
    if !init.is_object() {
        return Err(type_error("The provided value is not of type 'EventSourceInit'."));
    }
    o.with_credentials = get_bool(init, "withCredentials")?;
    // Across tabs, another tab may hold the connection for our listeners, which it cannot
    // register on a native source: our own transport delivers every type.
    if get(init, "share")?.and_then(|v| v.as_string()).as_deref() == Some("tabs") {
        o.own_transport = Some("share: 'tabs'");
    }
    if let Some(name) = get_string(init, "transport")? {
        o.transport = TransportChoice::parse(&name).ok_or_else(|| {
            type_error(
                &["unknown transport '", &name, "' (expected 'auto', 'native', 'fetch', 'xhr' or 'longpoll')."]
                    .concat(),
            )
        })?;
    }
    if let Some(headers) = get(init, "headers")? {
        if headers.is_function() {
            o.headers_fn = Some(headers.unchecked_into());
        } else {
            o.headers =
                header_list(&headers).map_err(|_| type_error("option 'headers' is not a valid HeadersInit."))?;
        }
    }
    if let Some(method) = get_string(init, "method")? {
        o.method = options::checked_method(&method)?;
    }
    if let Some(body) = get(init, "body")? {
        if !body.is_null() {
            if o.method == "GET" || o.method == "HEAD" {
                return Err(type_error("a request with a body needs a method other than GET or HEAD."));
            }
            o.body = Some(body);
        }
    }
    if let Some(c) = get_string(init, "credentials")? {
        o.credentials = Some(match c.as_str() {
            "omit" => RequestCredentials::Omit,
            "same-origin" => RequestCredentials::SameOrigin,
            "include" => RequestCredentials::Include,
            _ => return Err(type_error(&["'", &c, "' is not a valid credentials mode."].concat())),
        });
    }
    o.fetch = get_function(init, "fetch")?;
    if let Some(how) = get_string(init, "lastEventIdIn")? {
        if !matches!(how.as_str(), "auto" | "header" | "query" | "both") {
            return Err(type_error("option 'lastEventIdIn' must be 'auto', 'header', 'query' or 'both'."));
        }
        o.last_event_id_in = Some(how);
    }
    if let Some(param) = get_string(init, "lastEventIdParam")? {
        if param.is_empty() {
            return Err(type_error("option 'lastEventIdParam' must not be empty."));
        }
        o.last_event_id_param = param;
    }
    if let Some(id) = get_string(init, "lastEventId")? {
        if id.contains(['\0', '\r', '\n']) {
            return Err(type_error("option 'lastEventId' must not contain NUL, CR or LF."));
        }
        o.last_event_id = id;
    }
    if let Some(r) = get(init, "reconnect")? {
        if !r.is_object() {
            return Err(type_error("option 'reconnect' must be an object."));
        }
        let mut policy =
            RetryPolicy { factor: 2.0, max_delay: 60_000, jitter: 0.2, max_attempts: None, retry_on_overload: true };
        o.reconnection_time = get_count(&r, "delay")?;
        if let Some(v) = get(&r, "backoff")? {
            policy.factor = v
                .as_f64()
                .filter(|f| *f >= 1.0 && f.is_finite())
                .ok_or_else(|| type_error("option 'reconnect.backoff' must be a number ≥ 1."))?;
        }
        if let Some(v) = get_count(&r, "maxDelay")? {
            policy.max_delay = v;
        }
        if let Some(v) = get(&r, "jitter")? {
            policy.jitter = v
                .as_f64()
                .filter(|f| (0.0..=1.0).contains(f))
                .ok_or_else(|| type_error("option 'reconnect.jitter' must be a number from 0 to 1."))?;
        }
        if let Some(v) = get_count(&r, "maxAttempts")? {
            policy.max_attempts = (v != u64::MAX).then(|| v.min(u64::from(u32::MAX)) as u32);
        }
        if let Some(v) = get(&r, "retryAfter")? {
            policy.retry_on_overload = v.is_truthy();
        }
        o.on_reconnect = get_function(&r, "onReconnect")?.map(js_reconnect_hook);
        o.policy = Some(policy);
    }
    o.heartbeat = get_count(init, "heartbeatTimeout")?.filter(|&ms| ms > 0);
    o.max_event_size = get_count(init, "maxEventSize")?;
    if o.max_event_size == Some(0) {
        return Err(type_error("option 'maxEventSize' must be at least 1."));
    }
    o.lifecycle = LifecycleOptions {
        reconnect_on_online: get_bool(init, "reconnectOnOnline")?,
        reconnect_on_pageshow: get_bool(init, "reconnectOnPageShow")?,
        pause_when_hidden: get_bool(init, "pauseWhenHidden")?,
    };
    Ok(o)
}

/// Calls the application's `reconnect.onReconnect` hook: `false` vetoes, a number re-times.
fn js_reconnect_hook(f: Function) -> ReconnectHook {
    Box::new(move |info| {
        let o = Object::new();
        let _ = Reflect::set(&o, &"attempt".into(), &info.attempt.into());
        let _ = Reflect::set(&o, &"delay".into(), &(info.delay as f64).into());
        let _ = Reflect::set(&o, &"reason".into(), &info.reason.into());
        let _ = Reflect::set(&o, &"status".into(), &info.status.into());
        let _ = Reflect::set(&o, &"lastEventId".into(), &info.last_event_id.into());
        match f.call1(&JsValue::UNDEFINED, &o) {
            Ok(v) if v == JsValue::FALSE => ReconnectDecision::Veto,
            Ok(v) => match v.as_f64() {
                Some(ms) if ms >= 0.0 && ms.is_finite() => ReconnectDecision::Delay(ms as u64),
                _ => ReconnectDecision::Proceed,
            },
            // A throwing hook must not leave the source stuck: carry on as planned.
            Err(_) => ReconnectDecision::Proceed,
        }
    })
}

/// One event source, owned by the JS class.
#[wasm_bindgen]
pub struct Source {
    engine: Engine,
    url: String,
    with_credentials: bool,
    kind: TransportKind,
}

#[wasm_bindgen]
impl Source {
    /// Validates everything and starts connecting. Throws the same errors as the native
    /// constructor (`SyntaxError` for a bad URL, `TypeError` for a bad options argument), and
    /// `TypeError` for an option it cannot honour.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, init: JsValue, emit: Emit) -> Result<Source, JsValue> {
        let resolved = platform::resolve_url(url)?;
        let o = read_options(&init)?;
        let kind = options::choose(&o)?;
        let href = resolved.href();
        let with_credentials = o.with_credentials;
        let sink: Rc<dyn Sink> = Rc::new(JsSink(emit));
        let engine = options::start(&resolved, kind, o, sink)?;
        Ok(Source { engine, url: href, with_credentials, kind })
    }

    /// Checks `url` and `init` as the constructor does, without connecting, and tells what a
    /// source would be: `{ url, withCredentials, transport }`. Connection sharing uses it.
    pub fn describe(url: &str, init: JsValue) -> Result<JsValue, JsValue> {
        let resolved = platform::resolve_url(url)?;
        let o = read_options(&init)?;
        let kind = options::choose(&o)?;
        let out = Object::new();
        Reflect::set(&out, &"url".into(), &resolved.href().into())?;
        Reflect::set(&out, &"withCredentials".into(), &o.with_credentials.into())?;
        Reflect::set(&out, &"transport".into(), &kind.as_str().into())?;
        Ok(out.into())
    }

    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[wasm_bindgen(getter, js_name = withCredentials)]
    pub fn with_credentials(&self) -> bool {
        self.with_credentials
    }

    /// The transport chosen at construction: `native`, `fetch`, `xhr` or `longpoll`.
    #[wasm_bindgen(getter)]
    pub fn transport(&self) -> String {
        self.kind.as_str().to_owned()
    }

    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u8 {
        self.engine.ready_state() as u8
    }

    /// For the native transport: the browser's source, whose message events the caller now
    /// forwards itself (see `NativeSource::take_messages`). `undefined` for other transports.
    #[wasm_bindgen(js_name = takeNative)]
    pub fn take_native(&self) -> Option<web_sys::EventSource> {
        match &self.engine {
            Engine::Native(n) => n.take_messages(),
            Engine::Core(_) => None,
        }
    }

    /// The page listens for `event_type`; only the native transport needs to know.
    pub fn listen(&self, event_type: &str) {
        if let Engine::Native(n) = &self.engine {
            n.listen(event_type);
        }
    }

    pub fn close(&self) {
        self.engine.close();
    }
}
