//! The Rust half of the JavaScript `EventSource` class.
//!
//! JavaScript cannot let a wasm-bindgen class extend `EventTarget`, so a thin JS class
//! (`js/event-source.js`) extends it and owns one [`Source`]. Everything else is decided here:
//! URL resolution and its `SyntaxError`, option checking, the choice of transport, the state
//! machine. Rust reports back through one JS function, `emit(kind, text, number)`, called once
//! per chunk of events rather than once per event, because each crossing has a fixed cost.

use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::connection::{Config, Connection, EndOfBody, ReadyState};
use crate::driver::{Driver, IdCarrier, Sink, Target};
use crate::platform;
use crate::transport::native::NativeSource;
use crate::transport::{TransportChoice, TransportKind};

/// The kinds of [`Emit`] calls; the JS class switches on them.
mod kind {
    /// `open`: text = origin of the response.
    pub const OPEN: u32 = 0;
    /// Events: text = events packed by `driver::pack_event`.
    pub const MESSAGES: u32 = 1;
    /// `error`, readyState CONNECTING: text = reason, number = HTTP status or 0.
    pub const ERROR_RECONNECTING: u32 = 2;
    /// `error`, readyState CLOSED: text = reason, number = HTTP status or 0.
    pub const ERROR_CLOSED: u32 = 3;
    /// Later messages come from this origin.
    pub const ORIGIN: u32 = 4;
    /// The source switched transport: text = its name.
    pub const TRANSPORT: u32 = 5;
}

#[wasm_bindgen]
extern "C" {
    /// The JS class's report function.
    #[wasm_bindgen(typescript_type = "(kind: number, text: string, num: number) => void")]
    pub type Emit;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &Emit, this_arg: &JsValue, kind: u32, text: &str, num: u32);
}

struct JsSink(Emit);

impl JsSink {
    fn emit(&self, kind: u32, text: &str, num: u32) {
        self.0.call(&JsValue::UNDEFINED, kind, text, num);
    }
}

impl Sink for JsSink {
    fn open(&self, origin: &str) {
        self.emit(kind::OPEN, origin, 0);
    }
    fn messages(&self, packed: &str) {
        self.emit(kind::MESSAGES, packed, 0);
    }
    fn error(&self, reason: &str, status: u16, state: ReadyState) {
        let k = if state == ReadyState::Closed { kind::ERROR_CLOSED } else { kind::ERROR_RECONNECTING };
        self.emit(k, reason, u32::from(status));
    }
    fn set_origin(&self, origin: &str) {
        self.emit(kind::ORIGIN, origin, 0);
    }
    fn transport_changed(&self, name: &str) {
        self.emit(kind::TRANSPORT, name, 0);
    }
}

enum Engine {
    Native(NativeSource),
    Core(Driver),
}

/// Options from the constructor's second argument, checked.
struct Options {
    with_credentials: bool,
    transport: TransportChoice,
}

fn read_options(init: &JsValue) -> Result<Options, JsValue> {
    let mut options = Options { with_credentials: false, transport: TransportChoice::Auto };
    if init.is_undefined() || init.is_null() {
        return Ok(options);
    }
    if !init.is_object() {
        return Err(js_sys::TypeError::new(
            "Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.",
        )
        .into());
    }
    options.with_credentials = Reflect::get(init, &"withCredentials".into())?.is_truthy();
    let transport = Reflect::get(init, &"transport".into())?;
    if !transport.is_undefined() {
        let name = transport.as_string().unwrap_or_default();
        options.transport = TransportChoice::parse(&name).ok_or_else(|| {
            JsValue::from(js_sys::TypeError::new(&format!(
                "Failed to construct 'EventSource': unknown transport '{name}' (expected 'auto', 'native', 'fetch', 'xhr' or 'longpoll')."
            )))
        })?;
    }
    Ok(options)
}

/// Picks the transport by feature detection: native where it can do the job, else fetch
/// streaming (only where `Response.body` is a stream), else XHR streaming, else long-polling.
fn choose(choice: TransportChoice) -> Result<TransportKind, JsValue> {
    let unsupported = |what: &str| -> JsValue {
        web_sys::DomException::new_with_message_and_name(
            &format!("Failed to construct 'EventSource': the '{what}' transport is not available here."),
            "NotSupportedError",
        )
        .map(JsValue::from)
        .unwrap_or_else(|e| e)
    };
    match choice {
        TransportChoice::Only(TransportKind::Native) if !platform::has_native_event_source() => {
            Err(unsupported("native"))
        }
        TransportChoice::Only(TransportKind::Fetch) if !platform::has_fetch_streaming() => Err(unsupported("fetch")),
        TransportChoice::Only(TransportKind::Xhr) if !platform::has_xhr_streaming() => Err(unsupported("xhr")),
        TransportChoice::Only(TransportKind::LongPoll) if !platform::has_xhr() => Err(unsupported("longpoll")),
        TransportChoice::Only(kind) => Ok(kind),
        TransportChoice::Auto if platform::has_native_event_source() => Ok(TransportKind::Native),
        TransportChoice::Auto if platform::has_fetch_streaming() => Ok(TransportKind::Fetch),
        TransportChoice::Auto if platform::has_xhr_streaming() => Ok(TransportKind::Xhr),
        TransportChoice::Auto if platform::has_xhr() => Ok(TransportKind::LongPoll),
        TransportChoice::Auto => Err(unsupported("auto")),
    }
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
    /// constructor: `SyntaxError` for a bad URL, `TypeError` for a bad options argument.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, init: JsValue, emit: Emit) -> Result<Source, JsValue> {
        let resolved = platform::resolve_url(url)?;
        let options = read_options(&init)?;
        let kind = choose(options.transport)?;
        let href = resolved.href();
        let sink: Rc<dyn Sink> = Rc::new(JsSink(emit));
        let engine = match kind {
            TransportKind::Native => Engine::Native(NativeSource::start(&href, options.with_credentials, sink)?),
            _ => {
                let same_origin = platform::own_origin().is_some_and(|o| o == resolved.origin());
                let target = Target {
                    url: href.clone(),
                    with_credentials: options.with_credentials,
                    id_carrier: if same_origin { IdCarrier::Header } else { IdCarrier::Query },
                };
                let mut config = Config::default();
                if kind == TransportKind::LongPoll {
                    config.end_of_body = EndOfBody::PollAgain;
                }
                // Only a transport the page did not pin may change under it.
                config.detect_buffering = options.transport == TransportChoice::Auto;
                Engine::Core(Driver::start(Connection::new(config), kind, target, sink))
            }
        };
        Ok(Source { engine, url: href, with_credentials: options.with_credentials, kind })
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
        match &self.engine {
            Engine::Native(n) => n.ready_state() as u8,
            Engine::Core(d) => d.ready_state() as u8,
        }
    }

    /// The page listens for `event_type`; only the native transport needs to know.
    pub fn listen(&self, event_type: &str) {
        if let Engine::Native(n) = &self.engine {
            n.listen(event_type);
        }
    }

    pub fn close(&self) {
        match &self.engine {
            Engine::Native(n) => n.close(),
            Engine::Core(d) => d.close(),
        }
    }
}
