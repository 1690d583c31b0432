//! Transports: the only code that touches the network. Each one starts a request described by a
//! [`RequestSpec`] and reports what happens through a [`Feed`]; none of them knows the stream
//! format or the reconnection rules, which live in the core.

pub(crate) mod fetch;
pub(crate) mod native;

pub(crate) use crate::driver::Feed;

/// How a source talks to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The browser's own `EventSource`, mirrored.
    Native,
    /// `fetch` with a streamed `ReadableStream` body.
    Fetch,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Native => "native",
            TransportKind::Fetch => "fetch",
        }
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
            _ => return None,
        })
    }
}

/// One request of a core-driven transport.
#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    /// The URL to request, the last event ID already added when it travels in the query.
    pub url: String,
    /// Sent as the `Last-Event-ID` header.
    pub last_event_id_header: Option<String>,
    pub with_credentials: bool,
}

/// A request in flight; dropping it does not stop it, [`Running::abort`] does.
pub(crate) enum Running {
    Fetch(web_sys::AbortController),
}

impl Running {
    pub fn abort(self) {
        match self {
            Running::Fetch(controller) => controller.abort(),
        }
    }
}

/// Starts `spec` on a core-driven transport.
pub(crate) fn start(kind: TransportKind, spec: &RequestSpec, feed: Feed) -> Running {
    match kind {
        TransportKind::Fetch => fetch::start(spec, feed),
        TransportKind::Native => unreachable!("the native transport is not driven by the core"),
    }
}
