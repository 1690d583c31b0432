//! `StreamSource`, the Rust twin of `EventSource.fromReadableStream()`, natively: the standard's
//! parser over a stream of byte chunks, no reconnect, the stream's end or error closing it.

use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use eventsource_wasm::api::rust::{ErrorReason, ReadyState, SseEvent, StreamSource};
use futures_core::Stream;

/// A stream of chunks that are all there at once (`Err` for a failed read).
struct Chunks(Vec<Result<Vec<u8>, &'static str>>);

impl Stream for Chunks {
    type Item = Result<Vec<u8>, &'static str>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready((!self.0.is_empty()).then(|| self.0.remove(0)))
    }
}

fn chunks(parts: &[&[u8]]) -> Chunks {
    Chunks(parts.iter().map(|p| Ok(p.to_vec())).collect())
}

/// Everything the source yields, to its end (the chunks above never make it wait).
fn all(source: &mut StreamSource<Chunks>) -> Vec<String> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        match Pin::new(&mut *source).poll_next(&mut cx) {
            Poll::Ready(Some(SseEvent::Open)) => out.push("open".to_owned()),
            Poll::Ready(Some(SseEvent::Message(m))) => {
                out.push(format!("{} {} #{} from {}", m.event_type, m.data, m.last_event_id, m.origin))
            }
            Poll::Ready(Some(SseEvent::Error(e))) => out.push(format!("error {} {:?}", e.reason, e.ready_state)),
            Poll::Ready(Some(SseEvent::Comment(c))) => out.push(format!("comment {}", c.text)),
            Poll::Ready(None) => return out,
            Poll::Pending => panic!("the chunks never wait"),
        }
    }
}

#[test]
fn parses_the_stream_as_the_standard_does_and_closes_at_its_end() {
    let mut s =
        StreamSource::new(chunks(&[b"\xEF\xBB", b"\xBFretry: 42\r\nid: 7\rdata: a\r\n", b"\r\nevent: t\ndata: b\n\n"]));
    assert_eq!(s.ready_state(), ReadyState::Connecting);
    assert_eq!(all(&mut s), ["open", "message a #7 from null", "t b #7 from null", "error end-of-stream Closed"]);
    assert_eq!((s.last_event_id(), s.reconnection_time().as_millis()), ("7", 42));
    assert_eq!(s.ready_state(), ReadyState::Closed);
}

#[test]
fn an_empty_stream_opens_then_closes_and_a_failed_one_never_opens() {
    assert_eq!(all(&mut StreamSource::new(chunks(&[]))), ["open", "error end-of-stream Closed"]);
    let mut failed = StreamSource::new(Chunks(vec![Err("refused")]));
    assert_eq!(all(&mut failed), ["error network Closed"]);
    let mut later = StreamSource::new(Chunks(vec![Ok(b"data: x\n\n".to_vec()), Err("reset")]));
    let events = all(&mut later);
    assert_eq!(events, ["open", "message x # from null", "error network Closed"]);
    assert!(events.last().unwrap().contains(ErrorReason::Network.as_str()));
}

#[test]
fn reset_drops_the_partial_event_and_keeps_the_id() {
    for (reset, expected) in [
        (false, vec!["message part #3 from null", "message next #3 from null", "error end-of-stream Closed"]),
        (true, vec!["message next #3 from null", "error end-of-stream Closed"]),
    ] {
        let mut s = StreamSource::new(chunks(&[b"id: 3\ndata: whole\n\ndata: part", b"\n\ndata: next\n\n"]));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(Pin::new(&mut s).poll_next(&mut cx), Poll::Ready(Some(SseEvent::Open))));
        assert!(matches!(Pin::new(&mut s).poll_next(&mut cx), Poll::Ready(Some(SseEvent::Message(_)))));
        if reset {
            s.reset();
        }
        assert_eq!(s.last_event_id(), "3");
        assert_eq!(all(&mut s), expected, "reset: {reset}");
    }
}
