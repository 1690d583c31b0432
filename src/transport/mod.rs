//! Transports: the only code that touches the network. Each one starts a request described by a
//! `RequestSpec` and reports what happens through a `Feed`; none of them knows the stream
//! format or the reconnection rules, which live in the core.

pub(crate) mod fetch;
pub(crate) mod native;
pub(crate) mod xhr;

use crate::prelude::*;

pub(crate) use crate::driver::Feed;

/// How a source talks to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The browser's own `EventSource`, mirrored.
    Native,
    /// `fetch` with a streamed `ReadableStream` body.
    Fetch,
    /// `XMLHttpRequest`, reading `responseText` as it grows.
    Xhr,
    /// Request, read the body, dispatch, and request again at once (over XHR, or fetch where
    /// there is no XHR).
    LongPoll,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Native => "native",
            TransportKind::Fetch => "fetch",
            TransportKind::Xhr => "xhr",
            TransportKind::LongPoll => "longpoll",
        }
    }

    /// Whether requests go over XHR: long-polling does where XHR exists, and uses fetch where
    /// it does not (Node.js, service workers).
    pub(crate) fn uses_xhr(self) -> bool {
        match self {
            TransportKind::Xhr => true,
            TransportKind::LongPoll => crate::platform::has_xhr(),
            TransportKind::Native | TransportKind::Fetch => false,
        }
    }

    /// Whether the transport hands the core text it decoded itself (XHR), rather than bytes.
    pub(crate) fn feeds_text(self) -> bool {
        self.uses_xhr()
    }
}

/// What the page asked for; `Auto` is resolved once, at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportChoice {
    Auto,
    Only(TransportKind),
}

impl TransportChoice {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "auto" => TransportChoice::Auto,
            "native" => TransportChoice::Only(TransportKind::Native),
            "fetch" => TransportChoice::Only(TransportKind::Fetch),
            "xhr" => TransportChoice::Only(TransportKind::Xhr),
            "longpoll" => TransportChoice::Only(TransportKind::LongPoll),
            _ => return None,
        })
    }
}

/// One request of a core-driven transport, complete: the driver has already added the last
/// event ID (as header or query) and the application's headers.
#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<wasm_bindgen::JsValue>,
    pub credentials: web_sys::RequestCredentials,
    /// An application-supplied `fetch` (fetch transport only).
    pub fetch: Option<js_sys::Function>,
}

impl RequestSpec {
    /// Whether the application set a header of this name (case-insensitive).
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// A request in flight; dropping it does not stop it, [`Running::abort`] does.
pub(crate) enum Running {
    Fetch(web_sys::AbortController),
    Xhr(xhr::XhrRequest),
}

impl Running {
    pub fn abort(self) {
        match self {
            Running::Fetch(controller) => controller.abort(),
            Running::Xhr(request) => request.abort(),
        }
    }
}

/// Starts `spec` on a core-driven transport. A request that cannot even be built (an
/// unusable header value, say) is reported as a network error, asynchronously like any other.
pub(crate) fn start(kind: TransportKind, spec: &RequestSpec, feed: Feed) -> Option<Running> {
    match kind {
        TransportKind::Native => unreachable!("the native transport is not driven by the core"),
        _ if !kind.uses_xhr() => fetch::start(spec, feed),
        _ => match xhr::start(spec, feed.clone()) {
            Ok(request) => Some(Running::Xhr(request)),
            Err(_) => {
                wasm_bindgen_futures::spawn_local(async move { feed.network_error() });
                None
            }
        },
    }
}
