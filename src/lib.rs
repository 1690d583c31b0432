//! A Server-Sent Events client core: a spec-exact `text/event-stream` parser and the
//! `EventSource` connection state machine, both free of I/O, plus (on wasm32) the browser
//! transports and the JavaScript-facing class built on them.
//!
//! The layers, each usable on its own:
//! - [`parser`]: bytes in, events out.
//! - [`connection`]: the standard's reconnection and failure rules as a state machine that is
//!   told what happened (response, bytes, end, error, time) and answers with what to do.

pub mod connection;
pub mod mime;
pub mod parser;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod driver;
#[cfg(target_arch = "wasm32")]
mod guard;
#[cfg(target_arch = "wasm32")]
mod lifecycle;
#[cfg(target_arch = "wasm32")]
mod platform;
#[cfg(target_arch = "wasm32")]
pub mod transport;
