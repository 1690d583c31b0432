//! Incremental `text/event-stream` parser, as the WHATWG HTML standard describes it
//! ("Parsing an event stream" and "Interpreting an event stream").
//!
//! It is fed bytes in chunks of any size and reports events and `retry:` values (and, when
//! asked, comments) through a callback. It knows nothing of connections, clocks or the web platform, so the same code runs
//! natively in tests and benchmarks and inside the wasm build.
//!
//! ```
//! use eventsource_wasm::parser::{Output, Parser};
//!
//! let mut parser = Parser::new();
//! let mut seen = Vec::new();
//! // A chunk may end anywhere, even between the CR and LF of one line end.
//! for chunk in [&b"event: tick\r"[..], b"\ndata: 1\r\n", b"id: 7\r\n\r\n"] {
//!     parser
//!         .feed(chunk, |out| {
//!             if let Output::Event(ev) = out {
//!                 seen.push((ev.event_type.to_owned(), ev.data.to_owned(), ev.id.to_owned()));
//!             }
//!         })
//!         .unwrap();
//! }
//! assert_eq!(seen, [("tick".into(), "1".into(), "7".into())]);
//! ```
//!
//! # Why it is built this way
//! - Line ends are found with `memchr`, so the cost per byte is a vectorised scan, not a branch.
//! - A line that lies whole inside one chunk is interpreted in place; only a line split between
//!   chunks is copied, once, into a carry-over buffer.
//! - The standard decodes the stream as UTF-8 before splitting lines. CR, LF and `:` are ASCII
//!   and the UTF-8 decoder never swallows an ASCII byte into a bad sequence (it emits U+FFFD and
//!   reprocesses the byte), so splitting raw bytes first and decoding each value afterwards gives
//!   the same result, and a character split between chunks is simply part of a carried line.
//!   Rust's lossy decoding replaces maximal subparts, exactly as the Encoding standard does.

use crate::prelude::*;
use core::fmt;

/// Events bigger than this are refused unless [`Parser::with_max_event_size`] says otherwise.
///
/// Native `EventSource` has no limit, so a hostile or broken server can make it eat all memory.
/// 16 MiB is far above what real streams send in one event, and small enough for a phone.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

/// One dispatched event. It borrows the parser's buffers, so copy what you keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The `event:` field, or `"message"` when the event had none (or an empty one).
    pub event_type: &'a str,
    /// The `data:` lines joined with LF.
    pub data: &'a str,
    /// The last event ID at the time of dispatch (it carries over from earlier events).
    pub id: &'a str,
}

/// What the parser reports, in the order the stream carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output<'a> {
    /// A blank line ended an event with data.
    Event(Event<'a>),
    /// A `retry:` field with only ASCII digits: the new reconnection time in milliseconds.
    /// Values too big for `u64` saturate, as "wait practically forever" is what they mean.
    Retry(u64),
    /// A comment line (`: keep-alive`, or `:` alone), reported only by a parser asked to
    /// ([`Parser::report_comments`]); the standard ignores them, and so does a parser by default.
    Comment {
        /// The text after the colon, without one leading space (as a field's value is cut).
        text: &'a str,
        /// The last event ID at that point of the stream.
        id: &'a str,
    },
}

/// The stream broke a limit; the parser has dropped the event in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The limit that was exceeded, in bytes.
    pub limit: usize,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event stream line or event exceeds {} bytes", self.limit)
    }
}

impl core::error::Error for TooLarge {}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// How much of a buffer one big line or event inflated is kept (see `release_big_buffers`).
const KEEP: usize = 256 * 1024;

/// The parser of one event source. Per-stream state (line buffer, BOM, pending event) is reset
/// by [`Parser::reset`] when a connection ends; the last event ID survives, as in browsers.
#[derive(Debug, Clone)]
pub struct Parser {
    max: usize,
    /// Bytes of a line whose end has not arrived yet.
    carry: Vec<u8>,
    /// The previous chunk ended in CR: a LF at the start of the next one ends no new line.
    after_cr: bool,
    /// How many bytes of a leading BOM have been seen; `3` once the stream start is settled.
    bom_seen: u8,
    data: String,
    event_type: String,
    /// The "last event ID buffer": set by `id:` lines, committed to `last_event_id` on dispatch.
    id_buffer: String,
    last_event_id: String,
    /// Report comment lines ([`Output::Comment`]), decoded into `comment`.
    comments: bool,
    comment: String,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// A parser with the default event size limit ([`DEFAULT_MAX_EVENT_SIZE`]).
    pub fn new() -> Self {
        Self::with_max_event_size(DEFAULT_MAX_EVENT_SIZE)
    }

    /// A parser that refuses any line, or any event's data, longer than `max` bytes.
    pub fn with_max_event_size(max: usize) -> Self {
        Parser {
            max: max.max(1),
            carry: Vec::new(),
            after_cr: false,
            bom_seen: 0,
            data: String::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            last_event_id: String::new(),
            comments: false,
            comment: String::new(),
        }
    }

    /// Reports comment lines as [`Output::Comment`] (servers send them as heartbeats), or stops
    /// doing so. Off by default: a parser that does not report them spends nothing on them.
    pub fn report_comments(&mut self, on: bool) {
        self.comments = on;
    }

    /// The limit given at construction.
    pub fn max_event_size(&self) -> usize {
        self.max
    }

    /// The event source's last event ID string: what a reconnect sends as `Last-Event-ID`.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Starts from a known last event ID, e.g. one restored by the application.
    pub fn set_last_event_id(&mut self, id: &str) {
        id.clone_into(&mut self.last_event_id);
        id.clone_into(&mut self.id_buffer);
    }

    /// Ends the current stream: an unterminated line or event is discarded, and the next bytes
    /// are the start of a new stream (which may carry its own BOM). The last event ID is kept.
    pub fn reset(&mut self) {
        self.carry.clear();
        self.after_cr = false;
        self.bom_seen = 0;
        self.data.clear();
        self.event_type.clear();
        // An `id:` whose event never completed does not count: the new stream starts from the
        // last dispatched ID, as Chromium and Firefox do.
        if self.id_buffer != self.last_event_id {
            self.last_event_id.clone_into(&mut self.id_buffer);
        }
        self.release_big_buffers();
    }

    /// Gives back buffers that one big line or event inflated, so that a stream of small events
    /// doesn't keep megabytes reserved (wasm memory never shrinks, but freed blocks are reused).
    /// Up to 256 KiB stays: a stream of 64 KiB events must not grow its buffers from nothing,
    /// copy by doubling copy, for every event.
    fn release_big_buffers(&mut self) {
        if self.carry.is_empty() && self.carry.capacity() > KEEP {
            self.carry = Vec::new();
        }
        if self.data.is_empty() && self.data.capacity() > KEEP {
            self.data = String::new();
        }
    }

    /// Parses one chunk of the stream, calling `out` for each event and `retry:` it completes.
    ///
    /// On [`TooLarge`] the parser drops the event in progress and the rest of this chunk; the
    /// caller is expected to end the stream (the connection core fails the connection).
    pub fn feed<F>(&mut self, chunk: &[u8], mut out: F) -> Result<(), TooLarge>
    where
        F: FnMut(Output<'_>),
    {
        let mut rest = chunk;
        if self.bom_seen < 3 {
            rest = self.skip_bom(rest);
            if self.bom_seen < 3 {
                return Ok(());
            }
        }
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if let Some(after) = rest.strip_prefix(b"\n") {
                rest = after;
            }
        }
        // (Cuts with `split_at_checked`/`get`: the memchr offsets are always in range, but the
        // compiler cannot know, and a panic path would bring its formatting code along.)
        while let Some((line, end)) = memchr::memchr2(b'\n', b'\r', rest).and_then(|pos| rest.split_at_checked(pos)) {
            let mut next = 1;
            if end.first() == Some(&b'\r') {
                match end.get(1) {
                    Some(b'\n') => next = 2,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            let result =
                if self.carry.is_empty() { self.line(line, &mut out) } else { self.carried_line(line, &mut out) };
            if let Err(e) = result {
                self.drop_event();
                return Err(e);
            }
            rest = end.get(next..).unwrap_or_default();
        }
        if !rest.is_empty() {
            if self.carry.len() + rest.len() > self.max {
                self.drop_event();
                return Err(TooLarge { limit: self.max });
            }
            self.carry.reserve_exact(room_within(self.carry.len(), self.carry.capacity(), rest.len(), self.max));
            self.carry.extend_from_slice(rest);
        }
        Ok(())
    }

    /// Consumes the leading BOM, or the part of it this chunk holds. A false start (bytes that
    /// begin like a BOM and then differ) is kept as ordinary line content.
    fn skip_bom<'c>(&mut self, chunk: &'c [u8]) -> &'c [u8] {
        let mut i = 0;
        while self.bom_seen < 3 {
            let Some(&b) = chunk.get(i) else {
                return &[];
            };
            let seen = usize::from(self.bom_seen);
            if BOM.get(seen) != Some(&b) {
                // Not a BOM after all: what matched so far is content of the first line.
                self.carry.extend_from_slice(BOM.get(..seen).unwrap_or_default());
                self.bom_seen = 3;
                break;
            }
            self.bom_seen += 1;
            i += 1;
        }
        chunk.get(i..).unwrap_or_default()
    }

    fn carried_line<F: FnMut(Output<'_>)>(&mut self, tail: &[u8], out: &mut F) -> Result<(), TooLarge> {
        let mut line = core::mem::take(&mut self.carry);
        line.reserve_exact(room_within(line.len(), line.capacity(), tail.len(), self.max));
        line.extend_from_slice(tail);
        let result = self.line(&line, out);
        line.clear();
        self.carry = line;
        result
    }

    fn line<F: FnMut(Output<'_>)>(&mut self, line: &[u8], out: &mut F) -> Result<(), TooLarge> {
        if line.len() > self.max {
            return Err(TooLarge { limit: self.max });
        }
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(0) if !self.comments => return Ok(()), // a comment nobody asked for
            Some(i) => {
                let (field, v) = line.split_at_checked(i).unwrap_or_default();
                let v = v.get(1..).unwrap_or_default();
                (field, v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        match field {
            // A comment (the line starts with a colon), asked for.
            b"" => {
                self.comment.clear();
                push_lossy(&mut self.comment, value);
                out(Output::Comment { text: &self.comment, id: &self.last_event_id });
                if self.comment.capacity() > KEEP {
                    self.comment = String::new();
                }
            }
            b"data" => {
                // Measure the decoded value: each invalid subpart grows into a 3-byte U+FFFD.
                let valid = core::str::from_utf8(value).ok();
                let decoded = valid.map_or_else(|| lossy_len(value), str::len);
                if self.data.len() + decoded + 1 > self.max {
                    return Err(TooLarge { limit: self.max });
                }
                let room = room_within(self.data.len(), self.data.capacity(), decoded + 1, self.max);
                self.data.reserve_exact(room);
                match valid {
                    Some(text) => self.data.push_str(text),
                    None => push_replaced(&mut self.data, value),
                }
                self.data.push('\n');
            }
            b"event" => {
                self.event_type.clear();
                push_lossy(&mut self.event_type, value);
            }
            // An ID with NUL would be unsendable as a header, so the standard ignores it.
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buffer.clear();
                push_lossy(&mut self.id_buffer, value);
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                let ms = super::text::decimal(value);
                out(Output::Retry(ms));
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch<F: FnMut(Output<'_>)>(&mut self, out: &mut F) {
        if self.last_event_id != self.id_buffer {
            self.id_buffer.clone_into(&mut self.last_event_id);
        }
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        let data = self.data.strip_suffix('\n').unwrap_or(&self.data);
        let event_type = if self.event_type.is_empty() { "message" } else { &self.event_type };
        out(Output::Event(Event { event_type, data, id: &self.last_event_id }));
        self.data.clear();
        self.event_type.clear();
        self.release_big_buffers();
    }

    /// Whether the stream so far ends exactly between events: no partial line, no field of an
    /// undispatched event. A transport may then swap the connection for a new one (resuming
    /// from the last event ID) without losing or repeating anything.
    pub fn at_event_boundary(&self) -> bool {
        self.carry.is_empty()
            && self.data.is_empty()
            && self.event_type.is_empty()
            && self.id_buffer == self.last_event_id
    }

    /// The transport already decoded the stream as text (and so removed a leading BOM): a BOM
    /// at the start of what follows is content, not a signature.
    pub fn bom_already_removed(&mut self) {
        if self.bom_seen == 0 {
            self.bom_seen = 3;
        }
    }

    /// Forgets the event being built after an error, so nothing half-read is ever dispatched.
    fn drop_event(&mut self) {
        self.carry.clear();
        self.data.clear();
        self.event_type.clear();
        self.after_cr = false;
        self.release_big_buffers();
    }
}

/// How much to `reserve_exact` for `extra` more bytes in a buffer of `len`/`capacity`: double,
/// as `Vec` would, but never past `max` (beyond what is needed), so that a buffer approaching
/// the event size limit does not reserve twice the limit.
fn room_within(len: usize, capacity: usize, extra: usize, max: usize) -> usize {
    let needed = len + extra;
    if needed <= capacity {
        return 0;
    }
    needed.max(capacity.saturating_mul(2).min(max)) - len
}

/// Appends `bytes` decoded as UTF-8, with U+FFFD for each maximal invalid subpart (as the
/// Encoding standard's decoder does). `from_utf8` first: its word-at-a-time ASCII path is
/// several times faster than going chunk by chunk on valid text, the common case.
pub(crate) fn push_lossy(dst: &mut String, bytes: &[u8]) {
    match core::str::from_utf8(bytes) {
        Ok(text) => dst.push_str(text),
        Err(_) => push_replaced(dst, bytes),
    }
}

/// [`push_lossy`] for bytes known not to be valid UTF-8.
fn push_replaced(dst: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        dst.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            dst.push('\u{FFFD}');
        }
    }
}

/// How long bytes that are not valid UTF-8 are once decoded as [`push_replaced`] does.
fn lossy_len(bytes: &[u8]) -> usize {
    bytes.utf8_chunks().map(|c| c.valid().len() + if c.invalid().is_empty() { 0 } else { 3 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_never_reserve_far_past_the_limit() {
        // A line fed in 7-byte pieces up to the limit: doubling alone would reserve ~2x.
        let max = 1_000_000;
        let mut p = Parser::with_max_event_size(max);
        let piece = [b'x'; 7];
        p.feed(b"data:", |_| {}).unwrap();
        while p.carry.len() + piece.len() <= max {
            p.feed(&piece, |_| {}).unwrap();
        }
        assert!(p.carry.capacity() <= max + piece.len(), "carry reserved {}", p.carry.capacity());
        assert!(p.feed(&[b'x'; 64], |_| {}).is_err());
        assert!(p.carry.capacity() <= 256 * 1024, "an oversized line's buffer is given back");

        // The same for an event's data, line by line.
        let mut p = Parser::with_max_event_size(max);
        let line = [b"data: ".as_slice(), &[b'y'; 993], b"\n"].concat();
        while p.data.len() + 1000 <= max {
            p.feed(&line, |_| {}).unwrap();
        }
        assert!(p.data.capacity() <= max + 1000, "data reserved {}", p.data.capacity());
        let mut seen = 0;
        p.feed(b"\n", |_| seen += 1).unwrap();
        assert_eq!(seen, 1);
        assert!(p.data.capacity() <= 256 * 1024, "a big event's buffer is given back after dispatch");
    }
}
