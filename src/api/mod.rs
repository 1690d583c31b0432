//! The Rust face of the library: [`rust`], a builder and a `Stream` of typed events for Rust
//! code compiled to WebAssembly. Its types compile on every target; it connects on wasm32 with
//! the `web` feature, through the same JavaScript host (`js/host.js`) as the npm package's
//! class, bound by wasm-bindgen.

mod driver;
pub mod rust;
mod stream_source;

#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod host;

#[cfg(all(target_arch = "wasm32", feature = "panic-hook"))]
mod hook;

#[cfg(all(test, target_arch = "wasm32", feature = "web"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
