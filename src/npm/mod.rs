//! The engine's boundary for the npm package's JavaScript class (feature `js`): plain
//! `extern "C"` functions of numbers, with strings and bytes passed through wasm memory. No
//! wasm-bindgen, no imports: the module is instantiated from bytes the class carries, and the
//! same functions come out of binaryen's `wasm2js` for environments without WebAssembly.
//!
//! Why this shape: every JavaScript function a wasm module imports costs a shim on both
//! sides, and every crossing a fixed price. Here the class makes one call per thing that
//! happened (a chunk, a response, a timer) and one per command it carries out, and events of a
//! whole chunk come back as one packed string ([`protocol`]). The JavaScript side of this
//! boundary is `js/core.js`; the numbers both sides use are in [`protocol`] and
//! `js/protocol.js`.
//!
//! Calls never re-enter: nothing here calls out to JavaScript, so each function has the shared
//! buffers to itself while it runs.
//!
//! The boundary comes in two builds. The whole engine has every function. The *front* (feature
//! `front`) has only what the class's constructor needs at once: checking the URL and the
//! options, choosing the transport, and the first request ([`esw_first`]). It is a third of
//! the size, so it is what every page loads; the sources themselves ([`sources`]) come with the
//! whole engine, which the class loads when a source of ours is made, while that source's first
//! request is already on its way.

pub mod protocol;
#[cfg(not(feature = "front"))]
mod sources;
#[cfg(not(feature = "front"))]
pub use sources::*;

#[cfg(feature = "panic-handler")]
mod panic;

use crate::prelude::*;
use alloc::boxed::Box;
use core::cell::UnsafeCell;

use crate::engine::options::{Options, Platform, Value};
#[cfg(feature = "front")]
use crate::engine::source::first_request;
use crate::engine::source::Request;
use protocol::{command, tag};

/// What the boundary keeps between calls: the buffers strings travel through, the numbers of
/// the last command, and the platform's facts.
pub(crate) struct Shared {
    /// Strings and bytes from JavaScript: it asks for room ([`esw_buf`]), writes, then calls.
    pub(crate) input: Vec<u8>,
    /// Strings to JavaScript: the last call's text ([`esw_out`], [`esw_out_len`]).
    pub(crate) out: String,
    /// The numbers of the last command polled ([`esw_nums`]).
    pub(crate) nums: [f64; 4],
    pub(crate) platform: Platform,
}

struct Global(UnsafeCell<Option<Shared>>);
// SAFETY: wasm32 without threads runs one thread, and no function here re-enters another (none
// calls out), so there is never a second reference to the shared state.
unsafe impl Sync for Global {}
static SHARED: Global = Global(UnsafeCell::new(None));

pub(crate) fn shared() -> &'static mut Shared {
    // SAFETY: see `Global`: each exported function takes this once and drops it before it
    // returns.
    let slot = unsafe { &mut *SHARED.0.get() };
    slot.get_or_insert_with(|| Shared {
        input: Vec::new(),
        out: String::new(),
        nums: [0.0; 4],
        platform: Platform::default(),
    })
}

/// The input buffer's first `len` bytes as text (the class wrote UTF-8 there).
pub(crate) fn input_str(s: &Shared, len: usize) -> &str {
    core::str::from_utf8(&s.input[..len.min(s.input.len())]).unwrap_or("")
}

/// Room for `len` bytes of input; returns where to write them.
#[no_mangle]
pub extern "C" fn esw_buf(len: usize) -> *mut u8 {
    let s = shared();
    if s.input.len() < len {
        s.input.resize(len, 0);
    }
    s.input.as_mut_ptr()
}

/// Where the last call's text is.
#[no_mangle]
pub extern "C" fn esw_out() -> *const u8 {
    shared().out.as_ptr()
}

/// How long the last call's text is, in bytes.
#[no_mangle]
pub extern "C" fn esw_out_len() -> usize {
    shared().out.len()
}

/// Where the numbers of the last command are (four `f64`s).
#[no_mangle]
pub extern "C" fn esw_nums() -> *const f64 {
    shared().nums.as_ptr()
}

/// The platform's facts, once, when the class loads: bits as [`Platform::from_bits`] reads
/// them, and the environment's origin in the input buffer.
#[no_mangle]
pub extern "C" fn esw_platform(bits: u32, origin_len: usize) {
    let s = shared();
    let origin = input_str(s, origin_len).to_owned();
    s.platform = Platform::from_bits(bits, Some(origin));
}

/// A new, empty set of options (the standard's defaults).
#[no_mangle]
pub extern "C" fn esw_options() -> *mut Options {
    Box::into_raw(Box::default())
}

/// Option `key` as page code gave it: its type `tag` ([`protocol::tag`]), its number (or
/// truthiness), and any text in the input buffer. Returns 0, or an error kind
/// ([`protocol::error`]) with the message as text.
///
/// # Safety
/// `options` must come from [`esw_options`] and not have been consumed.
#[no_mangle]
pub unsafe extern "C" fn esw_option(options: *mut Options, key: usize, kind: u32, num: f64, len: usize) -> u32 {
    let s = shared();
    let text = input_str(s, len);
    let value = match kind {
        tag::NULL => Value::Null,
        tag::BOOL => Value::Bool(num != 0.0),
        tag::NUMBER => Value::Number(num),
        tag::STRING => Value::Str(text),
        tag::FUNCTION => Value::Function,
        tag::HEADERS => Value::HeaderLines(text),
        tag::BAD_HEADERS => Value::BadHeaders,
        tag::OBJECT => Value::Object,
        _ => Value::Other(num != 0.0),
    };
    let result = (*options).set(key, value);
    error_out(s, result)
}

pub(crate) fn error_out(s: &mut Shared, result: Result<(), crate::engine::options::OptionError>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            s.out.clear();
            s.out.push_str(e.message());
            protocol::error::of(&e)
        }
    }
}

/// Checks the options as a whole and picks the transport. Returns the transport
/// ([`protocol::choice`]: kind and credential bits), or an error kind ([`protocol::error`],
/// negated) with the message as text; on error the options are freed.
///
/// # Safety
/// As [`esw_option`].
#[no_mangle]
pub unsafe extern "C" fn esw_choose(options: *mut Options) -> i32 {
    let s = shared();
    let o = &*options;
    let chosen = o.finish().and_then(|()| o.choose(&s.platform));
    match chosen {
        Ok(kind) => protocol::choice::encode(kind, o.sends_credentials(), o.with_credentials),
        Err(e) => {
            let code = error_out(s, Err(e));
            drop(Box::from_raw(options));
            -(code as i32)
        }
    }
}

/// Checks a URL the platform resolved (in the input buffer) as the URL standard would: returns
/// 0, or [`protocol::error::SYNTAX`] with the message as text.
#[no_mangle]
pub extern "C" fn esw_check_url(len: usize) -> u32 {
    let s = shared();
    if crate::engine::url::valid_host(input_str(s, len)) {
        return 0;
    }
    let message = crate::engine::text::join(&["The URL '", input_str(s, len), "' is invalid."]);
    s.out = message;
    protocol::error::SYNTAX
}

/// Frees options that will not start a source of ours (the native transport).
///
/// # Safety
/// As [`esw_option`]; the options must not be used again.
#[no_mangle]
pub unsafe extern "C" fn esw_options_free(options: *mut Options) {
    drop(Box::from_raw(options));
}

/// Which lifecycle events the source reacts to ([`crate::engine::options::Lifecycle::bits`]).
///
/// # Safety
/// As [`esw_option`]; call before [`esw_create`] consumes the options.
#[no_mangle]
pub unsafe extern "C" fn esw_lifecycle_bits(options: *const Options) -> u32 {
    (*options).lifecycle.bits()
}

/// The request a source of these options would start with (see [`first_request`]), for the URL
/// in the input buffer on transport `kind` (from [`esw_choose`]); `hidden`: the page is hidden
/// now. Returns [`command::REQUEST`] with the request as [`esw_poll`] gives it, or -1 when the
/// source would not start with a request at once. The options stay the caller's.
///
/// # Safety
/// As [`esw_option`].
#[cfg(feature = "front")]
#[no_mangle]
pub unsafe extern "C" fn esw_first(options: *const Options, kind: u32, hidden: u32, url_len: usize) -> i32 {
    let s = shared();
    let url = input_str(s, url_len).to_owned();
    match first_request(&*options, protocol::choice::kind(kind), &s.platform, url, hidden != 0) {
        Some(r) => put_request(s, &r),
        None => -1,
    }
}

/// A request as the class carries it out: numbers in [`esw_nums`], text in [`esw_out`].
pub(crate) fn put_request(s: &mut Shared, r: &Request) -> i32 {
    let flags = u8::from(r.xhr) | u8::from(r.body) << 1 | u8::from(r.cross_origin) << 2;
    s.nums = [f64::from(r.generation), f64::from(flags), f64::from(r.credentials as u8), 0.0];
    // URLs, methods and header values never hold LF, so lines keep them apart.
    s.out.clear();
    s.out.push_str(&r.url);
    s.out.push('\n');
    s.out.push_str(&r.method);
    for (name, value) in &r.headers {
        s.out.push('\n');
        s.out.push_str(name);
        s.out.push('\n');
        s.out.push_str(value);
    }
    command::REQUEST
}

/// What a source of these options starts with, for the class to tell page code until the
/// source runs: returns the reconnection time, with the last event ID as text.
///
/// # Safety
/// As [`esw_option`].
#[cfg(feature = "front")]
#[no_mangle]
pub unsafe extern "C" fn esw_initial(options: *const Options) -> f64 {
    let s = shared();
    s.out.clear();
    s.out.push_str(&(*options).last_event_id);
    (*options).initial_reconnection_time() as f64
}
