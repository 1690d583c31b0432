//! A Server-Sent Events client for Rust code compiled to WebAssembly, and the engine of the npm
//! package `eventsource-wasm`.
//!
//! # The Rust API
//!
//! [`EventSource::builder`] takes a URL and the options (headers, a method and body, a retry
//! policy, …); [`connect`](Builder::connect) gives an [`EventSource`], a
//! [`futures_core::Stream`] of typed [`SseEvent`]s. Dropping it closes the connection. The
//! types are also in [`api::rust`], whose documentation has the details.
//!
//! ```no_run
//! use std::time::Duration;
//! use eventsource_wasm::{ErrorReason, EventSource, SseEvent};
//!
//! /// Follows the demo's stream (`npm run demo`) until it fails for good.
//! async fn follow() -> Result<(), eventsource_wasm::Error> {
//!     let mut source = EventSource::builder("http://127.0.0.1:3000/event-stream")
//!         .heartbeat_timeout(Duration::from_secs(30))
//!         .connect()?;
//!     while let Some(event) = source.next().await {
//!         match event {
//!             SseEvent::Open => log("open"),
//!             SseEvent::Message(m) => log(&format!("{} #{}: {}", m.event_type, m.last_event_id, m.data)),
//!             SseEvent::Error(e) if e.will_reconnect() => log(&format!("{e}; reconnecting")),
//!             SseEvent::Error(e) if e.reason == ErrorReason::HttpStatus && e.status == 401 => {
//!                 log("the server wants us to log in again");
//!                 return Err(e);
//!             }
//!             SseEvent::Error(e) => return Err(e),
//!             SseEvent::Comment(_) => {} // only with `.comments(true)`
//!         }
//!     }
//!     Ok(()) // closed
//! }
//! # fn log(_: &str) {}
//! ```
//!
//! An application runs it with its executor, say `wasm_bindgen_futures::spawn_local(async {
//! let _ = follow().await; })`. The whole application, with a header, a POST body and a test in
//! Chromium and Firefox, is `examples/app/` in the repository.
//!
//! The API compiles on every target (a host `cargo check`, the server half of a full-stack
//! app, `cargo doc`); it connects only on wasm32, where [`Builder::connect`] elsewhere returns
//! an error of reason [`ErrorReason::Unsupported`].
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `std` | yes | std for the crate itself; without it the crate is `no_std` (with `alloc`) and nothing else changes |
//! | `web` | yes | the Rust API's binding to the JavaScript host on wasm32 (wasm-bindgen, js-sys); without it `connect()` is unsupported |
//! | `panic-hook` | no | a panic hook (chained to the one installed before) that gives a panic's message to the source it happened in; a crash is contained without it too |
//! | `js` | no | the npm package's boundary (plain `extern "C"` functions, no wasm-bindgen): for the npm build only |
//! | `talc` | no | talc as the global allocator on wasm32: the npm build's choice; an application picks its own |
//! | `panic-handler` | no | the npm build's `#[panic_handler]` (with `js`, without std); never in an application |
//! | `test-panic` | no | fault injection for the crate's own tests |
//!
//! With `default-features = false, features = ["web"]` an application gets the Rust API
//! without std in this crate (std stays wherever the application has it).
//!
//! # The layers
//!
//! Each is usable on its own:
//! - [`parser`]: bytes in, events out.
//! - [`connection`]: the standard's reconnection and failure rules as a state machine that is
//!   told what happened (response, bytes, end, error, time) and answers with what to do.
//! - [`engine::source`]: one source's requests, hooks and lifecycle around a connection.
//! - [`api::rust`]: the Rust API, which drives [`engine::source`] with the JavaScript host.

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

pub mod api;
pub mod engine;
pub use api::rust::{
    Builder, Comment, Credentials, Error, ErrorReason, EventSource, LastEventIdIn, Lifecycle, Message, ReadyState,
    Reconnect, ReconnectInfo, RetryPolicy, SseEvent, StreamSource, Transport,
};
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
