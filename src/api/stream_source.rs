//! An event source fed from a stream of bytes the application already has, the Rust twin of the
//! coming standard's `EventSource.fromReadableStream()` (whatwg/html#12272): the standard's
//! parser over any `Stream` of byte chunks (a `fetch` response body made into a stream, a
//! reqwest `bytes_stream()`, a file), and no request of its own, so no reconnect: the stream's
//! end or error closes the source.
//!
//! It needs no JavaScript host and no executor of its own (it reads the inner stream when it is
//! polled), so it works on every target.

use crate::prelude::*;
use alloc::collections::VecDeque;
use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::rust::{Error, Message, SseEvent};
use crate::engine::connection::ReadyState;
use crate::engine::source::{Command, ResponseInfo, Source};

/// Server-sent events parsed from a stream of byte chunks the application already has (a
/// response body, a `bytes_stream()`): the standard's parser, and no request of its own, so no
/// reconnect; the stream's end or error closes the source. Needs no JavaScript host: it works on
/// every target.
///
/// ```
/// use eventsource_wasm::api::rust::{SseEvent, StreamSource};
/// # use core::pin::Pin;
/// # use core::task::{Context, Poll};
/// # struct Chunks(Vec<&'static [u8]>);
/// # impl futures_core::Stream for Chunks {
/// #     type Item = Result<&'static [u8], ()>;
/// #     fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
/// #         Poll::Ready((!self.0.is_empty()).then(|| Ok(self.0.remove(0))))
/// #     }
/// # }
/// # async fn run() {
/// // Any stream of `Result<impl AsRef<[u8]>, E>`: here two chunks that split an event.
/// let mut source = StreamSource::new(Chunks(vec![b"id: 1\ndata: he", b"llo\n\n"]));
/// assert_eq!(source.next().await, Some(SseEvent::Open));
/// let Some(SseEvent::Message(m)) = source.next().await else { panic!() };
/// assert_eq!((m.data.as_str(), m.last_event_id.as_str(), m.origin.as_str()), ("hello", "1", "null"));
/// // The stream's end closes the source: one error, then the end.
/// assert!(matches!(source.next().await, Some(SseEvent::Error(e)) if !e.will_reconnect()));
/// assert_eq!(source.next().await, None);
/// # }
/// ```
pub struct StreamSource<S> {
    inner: Option<S>,
    engine: Source,
    queue: VecDeque<SseEvent>,
    announced: bool,
    ended: bool,
}

impl<S> fmt::Debug for StreamSource<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSource").field("ready_state", &self.ready_state()).finish()
    }
}

impl<S> StreamSource<S> {
    /// A source that parses `bytes` as an event stream.
    pub fn new(bytes: S) -> StreamSource<S> {
        StreamSource {
            inner: Some(bytes),
            engine: Source::for_stream(0),
            queue: VecDeque::new(),
            announced: false,
            ended: false,
        }
    }

    /// CONNECTING until the stream's first chunk (or end), then OPEN, CLOSED once it ended.
    pub fn ready_state(&self) -> ReadyState {
        self.engine.ready_state()
    }

    /// The last event ID.
    pub fn last_event_id(&self) -> &str {
        self.engine.last_event_id()
    }

    /// The reconnection time the stream asked for with `retry:` (3 s until it does): for an
    /// application that makes its own reconnects.
    pub fn reconnection_time(&self) -> core::time::Duration {
        core::time::Duration::from_millis(self.engine.reconnection_time())
    }

    /// Drops what was buffered of an event not yet dispatched, as a new stream begins; the last
    /// event ID and the reconnection time stay.
    pub fn reset(&mut self) {
        self.engine.reset();
    }

    /// The next event, or `None` once the source ended and everything parsed was taken.
    pub async fn next<B, E>(&mut self) -> Option<SseEvent>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
    {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Stops reading: the stream is dropped and this source ends after what it already parsed.
    pub fn close(&mut self) {
        self.engine.close();
        self.inner = None;
        self.drain();
    }

    /// Moves what the engine asks into the queue of events.
    fn drain(&mut self) {
        while let Some(command) = self.engine.poll(0) {
            match command {
                Command::Open => self.queue.push_back(SseEvent::Open),
                Command::Error(report) => self.queue.push_back(SseEvent::Error(Error::from_report(&report))),
                // The stream is the only "request": an abort means reading no more.
                Command::Abort => self.inner = None,
                _ => {}
            }
        }
        if self.engine.ready_state() == ReadyState::Closed {
            self.inner = None;
        }
    }

    fn announce(&mut self) {
        if !self.announced {
            self.announced = true;
            let response = ResponseInfo { status: 200, content_type: Some("text/event-stream"), ..Default::default() };
            self.engine.on_response(Source::STREAM, 0, &response);
            self.drain();
        }
    }
}

impl<S, B, E> Stream for StreamSource<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    type Item = SseEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.queue.pop_front() {
                return Poll::Ready(Some(event));
            }
            let Some(inner) = this.inner.as_mut() else {
                this.ended = true;
                return Poll::Ready(None);
            };
            let item = match Pin::new(inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(item) => item,
            };
            match item {
                Some(Ok(chunk)) => {
                    this.announce();
                    let queue = &mut this.queue;
                    this.engine.on_bytes(Source::STREAM, 0, chunk.as_ref(), None, |ev| {
                        queue.push_back(SseEvent::Message(Message {
                            event_type: ev.event_type.to_owned(),
                            data: ev.data.to_owned(),
                            last_event_id: ev.id.to_owned(),
                            origin: "null".to_owned(),
                        }));
                    });
                }
                // A failed stream never opened, as a failed request does not.
                Some(Err(_)) => this.engine.on_network_error(Source::STREAM, 0),
                None => {
                    this.announce();
                    this.engine.on_end(Source::STREAM, 0);
                }
            }
            this.drain();
        }
    }
}

impl<S, B, E> FusedStream for StreamSource<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    fn is_terminated(&self) -> bool {
        self.ended
    }
}
