//! A Server-Sent Events client: a spec-exact `text/event-stream` parser and the `EventSource`
//! connection rules, free of I/O ([`engine`]), and the boundary the npm package's JavaScript
//! class drives them through (feature `js`).
//!
//! The layers, each usable on its own:
//! - [`parser`]: bytes in, events out.
//! - [`connection`]: the standard's reconnection and failure rules as a state machine that is
//!   told what happened (response, bytes, end, error, time) and answers with what to do.
//! - [`engine::source`]: one source's requests, hooks and lifecycle around a connection.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

/// What std's prelude brings, for the `no_std` build.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

pub mod engine;
pub use engine::{connection, mime, parser, policy, url};

#[cfg(feature = "js")]
pub mod npm;

#[cfg(all(target_arch = "wasm32", feature = "lol"))]
#[global_allocator]
// SAFETY: wasm32 without threads.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(all(target_arch = "wasm32", feature = "talc", not(feature = "lol")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
