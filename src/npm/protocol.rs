//! The numbers and formats of the boundary between the engine and the JavaScript class, on
//! the Rust side. Their JavaScript twin is `js/protocol.js`: change both together.

use crate::prelude::*;

use crate::engine::options::{OptionError, TransportKind};
use crate::engine::parser::Event;

/// The JavaScript type of an option's value, as the class tells it ([`super::esw_option`]).
pub mod tag {
    /// `null`.
    pub const NULL: u32 = 1;
    /// A boolean; its value is the number.
    pub const BOOL: u32 = 2;
    /// A number.
    pub const NUMBER: u32 = 3;
    /// A string, in the input buffer.
    pub const STRING: u32 = 4;
    /// A function.
    pub const FUNCTION: u32 = 5;
    /// Any other object.
    pub const OBJECT: u32 = 6;
    /// `headers`: what `new Headers()` made of it, as lines of `name:value`.
    pub const HEADERS: u32 = 7;
    /// `headers` that `new Headers()` refused.
    pub const BAD_HEADERS: u32 = 8;
    /// A symbol or bigint; the number is its truthiness.
    pub const OTHER: u32 = 9;
}

/// The key of the `headers` option, whose lines a header function's answer reuses.
pub const HEADERS_KEY: usize = 3;

/// The exception an error becomes.
pub mod error {
    use super::OptionError;

    /// `TypeError`.
    pub const TYPE: u32 = 1;
    /// `DOMException` named `NotSupportedError`.
    pub const NOT_SUPPORTED: u32 = 2;
    /// `DOMException` named `SyntaxError`.
    pub const SYNTAX: u32 = 3;

    /// The kind of `e`.
    pub fn of(e: &OptionError) -> u32 {
        match e {
            OptionError::Type(_) => TYPE,
            OptionError::NotSupported(_) => NOT_SUPPORTED,
        }
    }
}

/// What [`super::esw_choose`] returns: bits 0–1 the transport, bit 2 whether the native class
/// should send credentials, bit 3 the `withCredentials` the page asked for.
pub mod choice {
    use super::TransportKind;

    /// Packs a choice.
    pub fn encode(kind: TransportKind, sends_credentials: bool, with_credentials: bool) -> i32 {
        kind as i32 | i32::from(sends_credentials) << 2 | i32::from(with_credentials) << 3
    }

    /// The transport of a packed choice.
    pub fn kind(bits: u32) -> TransportKind {
        match bits & 3 {
            0 => TransportKind::Native,
            1 => TransportKind::Fetch,
            2 => TransportKind::Xhr,
            _ => TransportKind::LongPoll,
        }
    }
}

/// The commands [`super::esw_poll`] returns.
pub mod command {
    /// Start a request: nums = generation, flags (1 XHR, 2 body, 4 cross-origin: tell a CORS
    /// refusal from a network error), credentials (0 omit, 1 same-origin, 2 include); text =
    /// URL, method, then header names and values, one per line.
    pub const REQUEST: i32 = 0;
    /// Call the header function: nums = generation, attempt; text = last event ID.
    pub const ASK_HEADERS: i32 = 1;
    /// Abort the request in flight.
    pub const ABORT: i32 = 2;
    /// Fire `open`: text = the response's origin.
    pub const OPEN: i32 = 3;
    /// Fire `error`: nums = status, ready state, ms until the reconnect or -1, 1 when it is
    /// about a refused response (the class attaches its headers); text = reason, CR, its
    /// sentence, CR, status text, and for a refused response CR and the start of its body.
    pub const ERROR: i32 = 4;
    /// Call the reconnect hook: nums = attempt, delay, status; text = reason, LF, last event ID.
    pub const ASK_RECONNECT: i32 = 5;
    /// The transport is now the one named in text.
    pub const TRANSPORT: i32 = 6;
}

/// How a request ended, for [`super::esw_report`].
pub mod report {
    /// The body ended cleanly.
    pub const END: u32 = 0;
    /// A network error.
    pub const NETWORK_ERROR: u32 = 1;
    /// Aborted by someone else than the engine.
    pub const ABORTED: u32 = 2;
    /// Refused by CORS (the server answered a `no-cors` request).
    pub const CORS: u32 = 3;
    /// An application `fetch` gave no response with a readable body.
    pub const NOT_A_RESPONSE: u32 = 4;
}

/// What the reconnect hook decided, for [`super::esw_decide`].
pub mod decision {
    /// As planned.
    pub const PROCEED: u32 = 0;
    /// After the given delay.
    pub const DELAY: u32 = 1;
    /// Not at all.
    pub const GIVE_UP: u32 = 2;
}

/// The type a comment is packed with: the type of the event page code sees for it.
pub const COMMENT: &str = "comment";

/// Packs one event as `type CR id CR data CR`. CR can never occur inside any of the three (the
/// parser splits lines on it), so JavaScript unpacks a whole chunk with `indexOf`. The type
/// `message`, by far the most common, is sent as an empty string.
pub fn pack_event(out: &mut String, ev: &Event<'_>) {
    if ev.event_type != "message" {
        out.push_str(ev.event_type);
    }
    out.push('\r');
    out.push_str(ev.id);
    out.push('\r');
    out.push_str(ev.data);
    out.push('\r');
}
