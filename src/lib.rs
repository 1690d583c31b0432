//! A Server-Sent Events client core: a spec-exact `text/event-stream` parser and the
//! `EventSource` connection state machine, both free of I/O, plus (on wasm32) the browser
//! transports and the JavaScript-facing class built on them.
//!
//! The layers, each usable on its own:
//! - [`parser`]: bytes in, events out.
//! - [`connection`]: the standard's reconnection and failure rules as a state machine that is
//!   told what happened (response, bytes, end, error, time) and answers with what to do.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What std's prelude brings, for the `no_std` build.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

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
