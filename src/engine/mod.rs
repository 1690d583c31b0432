//! The engine: everything an event source decides, as plain Rust that does no I/O and reads no
//! clock. It is told what happened (bytes, a response, the end of a body, an error, the time,
//! the page's lifecycle) and answers with events and commands. Both faces of the library (the
//! JavaScript class and the Rust stream) drive it, each with the same JavaScript host making the
//! requests, so every rule lives here once.
//!
//! - [`parser`]: bytes in, events out (the standard's event stream format).
//! - [`mime`]: whether a `Content-Type` is `text/event-stream`.
//! - [`connection`]: the standard's connection rules (announce, fail, reestablish).
//! - [`policy`]: how long to wait before a reconnect (backoff, `Retry-After`).
//! - [`options`]: the options, their checking, and the choice of transport.
//! - [`source`]: one source's requests, hooks and lifecycle around a connection.
//! - [`url`]: the little URL work left after the platform parsed it.
//! - [`text`]: splitting and trimming on bytes, small and panic-free.

pub mod connection;
pub mod mime;
pub mod options;
pub mod parser;
pub mod policy;
pub mod source;
pub mod text;
pub mod url;
