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

pub mod protocol;

#[cfg(feature = "panic-handler")]
mod panic;

use crate::prelude::*;
use alloc::boxed::Box;
use core::cell::UnsafeCell;

use crate::engine::options::{Options, Platform, Value};
use crate::engine::parser::{Event, Output};
use crate::engine::source::{Command, Decision, Happening, ResponseInfo, Source};
use protocol::{command, report, tag};

/// What the boundary keeps between calls: the buffers strings travel through, the numbers of
/// the last command, and the platform's facts.
struct Shared {
    /// Strings and bytes from JavaScript: it asks for room ([`esw_buf`]), writes, then calls.
    input: Vec<u8>,
    /// Strings to JavaScript: the last call's text ([`esw_out`], [`esw_out_len`]).
    out: String,
    /// The numbers of the last command polled ([`esw_nums`]).
    nums: [f64; 4],
    platform: Platform,
}

struct Global(UnsafeCell<Option<Shared>>);
// SAFETY: wasm32 without threads runs one thread, and no function here re-enters another (none
// calls out), so there is never a second reference to the shared state.
unsafe impl Sync for Global {}
static SHARED: Global = Global(UnsafeCell::new(None));

fn shared() -> &'static mut Shared {
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
fn input_str(s: &Shared, len: usize) -> &str {
    core::str::from_utf8(&s.input[..len.min(s.input.len())]).unwrap_or("")
}

/// # Safety
/// `handle` must come from [`esw_create`] and not have been freed.
unsafe fn source<'a>(handle: *mut Source) -> &'a mut Source {
    &mut *handle
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

fn error_out(s: &mut Shared, result: Result<(), crate::engine::options::OptionError>) -> u32 {
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

/// Starts a source fed from a stream the application supplies (see [`Source::for_stream`]).
#[no_mangle]
pub extern "C" fn esw_stream(seed: f64) -> *mut Source {
    Box::into_raw(Box::new(Source::for_stream(seed as u64)))
}

/// `reset()`: drops what the parser buffered of an undispatched event.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_reset(handle: *mut Source) {
    source(handle).reset();
}

/// The reconnection time in use, in milliseconds.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_reconnection_time(handle: *mut Source) -> f64 {
    source(handle).reconnection_time() as f64
}

/// Frees options that will not start a source of ours (the native transport).
///
/// # Safety
/// As [`esw_option`]; the options must not be used again.
#[no_mangle]
pub unsafe extern "C" fn esw_options_free(options: *mut Options) {
    drop(Box::from_raw(options));
}

/// Starts a source for the URL in the input buffer on transport `kind` (from [`esw_choose`]),
/// consuming the options. `hidden`: the page is hidden now; `seed` seeds the jitter.
///
/// # Safety
/// As [`esw_option`]; the options must not be used again.
#[no_mangle]
pub unsafe extern "C" fn esw_create(
    options: *mut Options,
    kind: u32,
    hidden: u32,
    seed: f64,
    url_len: usize,
) -> *mut Source {
    let s = shared();
    let options = Box::from_raw(options);
    let url = input_str(s, url_len).to_owned();
    let kind = protocol::choice::kind(kind);
    Box::into_raw(Box::new(Source::new(&options, kind, &s.platform, url, hidden != 0, seed as u64)))
}

/// Frees a source; its handle must not be used again.
///
/// # Safety
/// `handle` must come from [`esw_create`] and not have been freed.
#[no_mangle]
pub unsafe extern "C" fn esw_free(handle: *mut Source) {
    drop(Box::from_raw(handle));
}

/// The next command ([`protocol::command`]), or -1: numbers in [`esw_nums`], text in
/// [`esw_out`].
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_poll(handle: *mut Source, now: f64) -> i32 {
    let src = source(handle);
    let Some(cmd) = src.poll(now as u64) else { return -1 };
    let s = shared();
    s.out.clear();
    s.nums = [0.0; 4];
    match cmd {
        Command::Request(r) => {
            let flags = u8::from(r.xhr) | u8::from(r.body) << 1 | u8::from(r.cross_origin) << 2;
            s.nums = [f64::from(r.generation), f64::from(flags), f64::from(r.credentials as u8), 0.0];
            // URLs, methods and header values never hold LF, so lines keep them apart.
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
        Command::AskHeaders { generation, attempt, last_event_id } => {
            s.nums[0] = f64::from(generation);
            s.nums[1] = f64::from(attempt);
            s.out.push_str(&last_event_id);
            command::ASK_HEADERS
        }
        Command::Abort => command::ABORT,
        Command::Open => {
            s.out.push_str(src.origin());
            command::OPEN
        }
        Command::Error(e) => {
            let refused = f64::from(u8::from(e.body.is_some()));
            s.nums = [f64::from(e.status), f64::from(e.ready_state as u8), e.delay.map_or(-1.0, |d| d as f64), refused];
            // The reason and the status text hold no CR; the body, last, may.
            s.out.push_str(e.kind.as_str());
            s.out.push('\r');
            s.out.push_str(&e.status_text);
            if let Some(body) = &e.body {
                s.out.push('\r');
                s.out.push_str(body);
            }
            command::ERROR
        }
        Command::AskReconnect(info) => {
            s.nums = [f64::from(info.attempt), info.delay as f64, f64::from(info.status), 0.0];
            s.out.push_str(info.kind.as_str());
            s.out.push('\n');
            s.out.push_str(&info.last_event_id);
            command::ASK_RECONNECT
        }
        Command::TransportChanged(kind) => {
            s.out.push_str(kind.as_str());
            command::TRANSPORT
        }
    }
}

/// Response headers for request `generation`: the status, then in the input buffer the
/// status text, `Content-Type`, `Retry-After`, `Date` and the response URL, one per line;
/// `present` has bit 0, 1, 2 set for each of the three headers the response had. Returns 1
/// when the body should be read.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_response(
    handle: *mut Source,
    generation: u32,
    now: f64,
    status: u32,
    present: u32,
    wall_clock: f64,
    len: usize,
) -> u32 {
    let s = shared();
    let mut lines = crate::engine::text::split(input_str(s, len), |b| b == b'\n');
    let mut next = || lines.next().unwrap_or("");
    let status_text = next();
    let mut header = |bit: u32| {
        let value = next();
        (present & bit != 0).then_some(value)
    };
    let (content_type, retry_after, date) = (header(1), header(2), header(4));
    let info = ResponseInfo {
        status: status.min(u32::from(u16::MAX)) as u16,
        status_text,
        content_type,
        retry_after,
        date,
        url: next(),
        wall_clock: Some(wall_clock as u64),
    };
    u32::from(source(handle).on_response(generation, now as u64, &info))
}

/// Body bytes of request `generation` in the input buffer (for XHR: its text as UTF-8, and
/// `buffered` the length of `responseText`, else -1). Returns the length of the events (and
/// comments) it completed, packed as [`protocol::pack_event`] does, in [`esw_out`].
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_bytes(handle: *mut Source, generation: u32, now: f64, len: usize, buffered: f64) -> usize {
    let s = shared();
    let out = &mut s.out;
    out.clear();
    let bytes = &s.input[..len.min(s.input.len())];
    // The events of a chunk rarely pack to more than the chunk: one allocation up front, not a
    // doubling series (Chromium hands over chunks of a megabyte or more when the page lags).
    out.reserve(len);
    let buffered = (buffered >= 0.0).then_some(buffered as u64);
    source(handle).on_output(generation, now as u64, bytes, buffered, |o| {
        let ev = match o {
            Output::Event(ev) => ev,
            Output::Comment { text, id } => Event { event_type: protocol::COMMENT, data: text, id },
            Output::Retry(_) => return,
        };
        protocol::pack_event(out, &ev);
    });
    let packed = out.len();
    // Keep the buffers for the next chunk unless one huge event or chunk inflated them.
    if out.capacity() > 4 << 20 && packed < 1 << 20 {
        out.shrink_to(1 << 20);
    }
    if s.input.len() > 4 << 20 {
        s.input = Vec::new();
    }
    packed
}

/// Request `generation` ended ([`protocol::report`]: cleanly, with a network error, or
/// aborted by someone else).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_report(handle: *mut Source, generation: u32, now: f64, what: u32) {
    let src = source(handle);
    match what {
        report::END => src.on_end(generation, now as u64),
        report::ABORTED => src.on_aborted(generation),
        report::CORS => src.on_cors_failure(generation, now as u64),
        report::NOT_A_RESPONSE => src.on_not_a_response(generation),
        _ => src.on_network_error(generation, now as u64),
    }
}

/// Whether reports about request `generation` still matter (1) or not (0).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_current(handle: *mut Source, generation: u32) -> u32 {
    u32::from(source(handle).is_current(generation))
}

/// The application's header function answered for request `generation`: `ok` 1 with header
/// lines (`name:value`) in the input buffer, or 0 when it failed.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_headers(handle: *mut Source, generation: u32, now: f64, ok: u32, len: usize) {
    let s = shared();
    let src = source(handle);
    let mut checked = Options::default();
    let parsed = ok != 0 && checked.set(protocol::HEADERS_KEY, Value::HeaderLines(input_str(s, len))).is_ok();
    if parsed {
        src.headers_ready(generation, now as u64, checked.headers);
    } else {
        src.headers_failed(generation, now as u64);
    }
}

/// The application's reconnect hook decided ([`protocol::decision`]; `ms` for a delay).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_decide(handle: *mut Source, now: f64, decision: u32, ms: f64) {
    let decision = match decision {
        protocol::decision::DELAY => Decision::Delay(ms as u64),
        protocol::decision::GIVE_UP => Decision::GiveUp,
        _ => Decision::Proceed,
    };
    source(handle).decide(now as u64, decision);
}

/// When the source next wants [`esw_tick`], or -1 for never.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_deadline(handle: *mut Source) -> f64 {
    source(handle).poll_timeout().map_or(-1.0, |t| t as f64)
}

/// The time has come (or not yet: then nothing happens).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_tick(handle: *mut Source, now: f64) {
    source(handle).on_timeout(now as u64);
}

/// Something happened to the page ([`Happening`] as a number).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_lifecycle(handle: *mut Source, now: f64, what: u32) {
    if let Some(what) = Happening::from_code(what) {
        source(handle).on_lifecycle(now as u64, what);
    }
}

/// `close()`: poll for the abort it may ask for, then free.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_close(handle: *mut Source) {
    source(handle).close();
}

/// The ready state (0, 1, 2).
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_state(handle: *mut Source) -> u32 {
    source(handle).ready_state() as u32
}

/// The last event ID, as text.
///
/// # Safety
/// As [`esw_free`].
#[no_mangle]
pub unsafe extern "C" fn esw_last_event_id(handle: *mut Source) -> usize {
    let s = shared();
    s.out.clear();
    s.out.push_str(source(handle).last_event_id());
    s.out.len()
}

/// Which lifecycle events the source reacts to ([`crate::engine::options::Lifecycle::bits`]).
///
/// # Safety
/// As [`esw_option`]; call before [`esw_create`] consumes the options.
#[no_mangle]
pub unsafe extern "C" fn esw_lifecycle_bits(options: *const Options) -> u32 {
    (*options).lifecycle.bits()
}
