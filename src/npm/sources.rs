//! The whole engine's part of the boundary: the sources (see the [parent module](super)).

use crate::prelude::*;
use alloc::boxed::Box;

use super::protocol::{self, command, report};
use super::{input_str, put_request, shared};
use crate::engine::options::{Options, Value};
use crate::engine::parser::{Event, Output};
use crate::engine::source::{Command, Decision, Happening, ResponseInfo, Source};

/// # Safety
/// `handle` must come from [`esw_create`] and not have been freed.
unsafe fn source<'a>(handle: *mut Source) -> &'a mut Source {
    &mut *handle
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
        Command::Request(r) => put_request(s, &r),
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
            // The reason, its sentence and the status text hold no CR; the body, last, may.
            for part in [e.kind.as_str(), e.kind.sentence()] {
                s.out.push_str(part);
                s.out.push('\r');
            }
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
