//! State-machine tests of `src/engine/connection.rs`: every transition of the `EventSource`
//! processing model (and of this crate's additions: heartbeat, size limit, long-polling,
//! buffering detection, pausing), driven by the scripted driver of `tests/driver`, which plays
//! the transport and the clock. The reconnection policy's tests are in `tests/policy.rs`.

// proptest (used at the end) is a native-only dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

mod driver;
use driver::*;

use eventsource_wasm::connection::{
    Action, Config, Connection, EndOfBody, ErrorKind, Millis, ReadyState, Response, RetryPolicy,
};

// ---------------------------------------------------------------------------------------------
// Start

#[test]
fn starts_connecting_with_a_connect_and_no_last_event_id() {
    let mut d = Driver::new(Config::default());
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.actions(), [connect(None)]);
    assert_eq!(d.actions(), []);
    assert_eq!(d.conn.last_event_id(), "");
    assert_eq!(d.conn.reconnection_time(), 3000);
    assert_eq!(d.conn.attempts(), 0);
    assert_eq!(d.deadline(), None);
}

#[test]
fn a_configured_last_event_id_is_sent_on_the_first_connect() {
    let mut d = Driver::new(Config { last_event_id: "42".into(), ..Config::default() });
    assert_eq!(d.actions(), [connect(Some("42"))]);
    assert_eq!(d.conn.last_event_id(), "42");
}

#[test]
fn a_configured_reconnection_time_is_used() {
    let mut d = Driver::with(Config { reconnection_time: 250, ..Config::default() });
    assert_eq!(d.conn.reconnection_time(), 250);
    assert_eq!(d.at(10).network_error(), [reconnecting(ErrorKind::Network, None, 250)]);
    assert_eq!(d.deadline(), Some(260));
}

#[test]
fn nothing_happens_until_the_driver_reports_something() {
    let mut d = Driver::started();
    assert_eq!(d.tick(1_000_000), []);
    assert_eq!(d.state(), ReadyState::Connecting);
}

#[test]
fn ready_state_values_are_the_eventsource_constants() {
    assert_eq!(ReadyState::Connecting as u8, 0);
    assert_eq!(ReadyState::Open as u8, 1);
    assert_eq!(ReadyState::Closed as u8, 2);
}

#[test]
fn error_kinds_have_stable_names() {
    let names = [
        (ErrorKind::Network, "network"),
        (ErrorKind::EndOfStream, "end-of-stream"),
        (ErrorKind::Status, "http-status"),
        (ErrorKind::ContentType, "content-type"),
        (ErrorKind::Timeout, "timeout"),
        (ErrorKind::TooLarge, "size-limit"),
        (ErrorKind::GaveUp, "gave-up"),
    ];
    for (kind, name) in names {
        assert_eq!(kind.as_str(), name);
    }
}

/// The npm class's `message` comes from here, and travels CR-separated beside the reason.
#[test]
fn error_kinds_have_distinct_one_line_sentences() {
    let kinds = [
        ErrorKind::Network,
        ErrorKind::EndOfStream,
        ErrorKind::Status,
        ErrorKind::ContentType,
        ErrorKind::Timeout,
        ErrorKind::TooLarge,
        ErrorKind::GaveUp,
        ErrorKind::Aborted,
        ErrorKind::Cors,
        ErrorKind::UrlScheme,
        ErrorKind::NotAResponse,
    ];
    let sentences: Vec<&str> = kinds.iter().map(|k| k.sentence()).collect();
    for (kind, sentence) in kinds.iter().zip(&sentences) {
        assert!(!sentence.is_empty() && !sentence.contains(['\r', '\n']), "{kind:?}: {sentence:?}");
        assert_ne!(*sentence, kind.as_str(), "{kind:?}: a sentence, not the reason again");
    }
    let mut distinct = sentences.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), kinds.len(), "{sentences:?}");
    assert_eq!(ErrorKind::Status.sentence(), "the server answered with an error status");
}

// ---------------------------------------------------------------------------------------------
// Response: open or fail

#[test]
fn status_200_with_an_event_stream_type_opens() {
    for ct in [
        "text/event-stream",
        "Text/Event-Stream",
        "TEXT/EVENT-STREAM",
        "text/event-stream; charset=utf-8",
        "text/event-stream;charset=UTF-8",
        "text/event-stream ; foo=\"a,b\"",
        " \ttext/event-stream\t ",
        "text/plain, text/event-stream",
        "text/event-stream, */*",
    ] {
        let mut d = Driver::started();
        assert_eq!(d.at(5).respond(200, Some(ct)), [Action::Open], "{ct:?}");
        assert_eq!(d.state(), ReadyState::Open, "{ct:?}");
        assert_eq!(d.deadline(), None, "no heartbeat configured");
        assert_eq!(d.bytes(b"data: x\n\n"), []);
        assert_eq!(d.events, [ev("message", "x", "")], "{ct:?}");
    }
}

#[test]
fn status_200_with_another_type_fails_for_good() {
    for ct in [
        None,
        Some(""),
        Some("text/plain"),
        Some("text/event-streams"),
        Some("text/event"),
        Some("application/json"),
        Some("text/html; text/event-stream"),
        Some("text/event-stream, text/plain"),
        Some("event-stream"),
        Some("text /event-stream"),
    ] {
        let mut d = Driver::started();
        assert_eq!(d.at(5).respond(200, ct), [Action::Abort, failed(ErrorKind::ContentType, Some(200))], "{ct:?}");
        d.assert_dead();
    }
}

#[test]
fn any_status_but_200_fails_for_good() {
    for status in [0, 100, 201, 202, 204, 206, 299, 301, 302, 304, 307, 400, 401, 403, 404, 429, 500, 502, 503, 504] {
        let mut d = Driver::started();
        assert_eq!(
            d.at(5).respond(status, Some("text/event-stream")),
            [Action::Abort, failed(ErrorKind::Status, Some(status))],
            "{status}"
        );
        d.assert_dead();
    }
}

#[test]
fn a_failure_after_a_reconnect_also_fails_for_good() {
    let mut d = Driver::open();
    d.bytes(b"id: 3\ndata: a\n\n");
    assert_eq!(d.at(100).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
    assert_eq!(d.reconnect(), Some("3".into()));
    assert_eq!(d.respond(204, None), [Action::Abort, failed(ErrorKind::Status, Some(204))]);
    d.assert_dead();
    assert_eq!(d.conn.last_event_id(), "3");
}

// ---------------------------------------------------------------------------------------------
// Network errors and the end of the body: reestablish

#[test]
fn a_network_error_before_the_response_reconnects_after_the_reconnection_time() {
    let mut d = Driver::started();
    assert_eq!(d.at(1000).network_error(), [reconnecting(ErrorKind::Network, None, D)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(1000 + D));
    assert_eq!(d.tick(1000), []);
    assert_eq!(d.tick(1000 + D - 1), []);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.tick(1000 + D), [connect(None)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), None);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
}

#[test]
fn a_late_timeout_still_reconnects_once() {
    let mut d = Driver::started();
    d.at(1000).network_error();
    assert_eq!(d.tick(1_000_000), [connect(None)]);
    assert_eq!(d.tick(2_000_000), []);
}

#[test]
fn a_network_error_while_open_reconnects() {
    let mut d = Driver::open();
    d.at(10).bytes(b"id: 1\ndata: a\n\n");
    assert_eq!(d.at(20).network_error(), [reconnecting(ErrorKind::Network, None, D)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(20 + D));
    assert_eq!(d.reconnect(), Some("1".into()));
}

#[test]
fn the_end_of_the_body_reconnects_with_the_last_event_id() {
    let mut d = Driver::open();
    assert_eq!(d.at(10).bytes(b"id: 7\ndata: a\n\ndata: b\n\n"), []);
    assert_eq!(d.events, [ev("message", "a", "7"), ev("message", "b", "7")]);
    assert_eq!(d.conn.last_event_id(), "7");
    assert_eq!(d.at(50).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(50 + D));
    assert_eq!(d.reconnect(), Some("7".into()));
}

#[test]
fn an_id_whose_event_never_completed_is_not_sent() {
    let mut d = Driver::open();
    d.bytes(b"id: 1\ndata: a\n\nid: 2\ndata: b\n");
    assert_eq!(d.conn.last_event_id(), "1");
    d.end();
    assert_eq!(d.reconnect(), Some("1".into()));
    // Nor does it come back in the next stream.
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"data: c\n\n");
    assert_eq!(d.events.last(), Some(&ev("message", "c", "1")));
}

#[test]
fn an_id_committed_by_an_event_without_data_is_sent() {
    let mut d = Driver::open();
    d.bytes(b"id: 5\n\n");
    assert!(d.events.is_empty());
    d.end();
    assert_eq!(d.reconnect(), Some("5".into()));
}

#[test]
fn an_empty_id_means_no_last_event_id_header() {
    let mut d = Driver::with(Config { last_event_id: "9".into(), ..Config::default() });
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"id\n\n");
    assert_eq!(d.conn.last_event_id(), "");
    d.network_error();
    assert_eq!(d.reconnect(), None);
}

#[test]
fn the_last_event_id_survives_several_reconnects() {
    let mut d = Driver::open();
    d.bytes(b"id: abc\ndata: 1\n\n");
    for _ in 0..3 {
        d.end();
        assert_eq!(d.reconnect(), Some("abc".into()));
        assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
    }
    d.network_error();
    assert_eq!(d.reconnect(), Some("abc".into()));
}

#[test]
fn each_connection_starts_a_fresh_stream() {
    let mut d = Driver::open();
    d.bytes(b"event: t\ndata: a\n");
    d.end();
    d.reconnect();
    d.respond(200, Some("text/event-stream"));
    // The pending event and type are gone; the new stream may start with a BOM.
    d.bytes(b"\xEF\xBB\xBF\ndata: b\n\n");
    assert_eq!(d.events, [ev("message", "b", "")]);
    // A partial line at the end of a stream is gone too.
    d.bytes(b"data: c");
    d.network_error();
    d.reconnect();
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"\n\n");
    assert_eq!(d.events, [ev("message", "b", "")]);
}

#[test]
fn the_end_of_a_body_before_its_response_is_a_network_error() {
    let mut d = Driver::started();
    assert_eq!(d.at(3).end(), [reconnecting(ErrorKind::Network, None, D)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.reconnect(), None);
}

#[test]
fn events_are_delivered_as_they_complete() {
    let mut d = Driver::open();
    d.bytes(b"event: add\nid: 1\ndata: x");
    assert!(d.events.is_empty());
    d.bytes(b"\ndata: y\r\n\r\n: comment\n\ndata: z\n\n");
    assert_eq!(d.events, [ev("add", "x\ny", "1"), ev("message", "z", "1")]);
}

// ---------------------------------------------------------------------------------------------
// retry:

#[test]
fn retry_sets_the_reconnection_delay() {
    let mut d = Driver::open();
    assert_eq!(d.bytes(b"retry: 500\n"), []);
    assert_eq!(d.conn.reconnection_time(), 500);
    assert_eq!(d.at(100).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 500)]);
    assert_eq!(d.deadline(), Some(600));
    assert_eq!(d.tick(599), []);
    assert_eq!(d.tick(600), [connect(None)]);
}

#[test]
fn retry_persists_across_connections() {
    let mut d = Driver::open();
    d.bytes(b"retry: 1234\n");
    d.end();
    d.reconnect();
    assert_eq!(d.conn.reconnection_time(), 1234);
    let t = d.now;
    assert_eq!(d.network_error(), [reconnecting(ErrorKind::Network, None, 1234)]);
    assert_eq!(d.deadline(), Some(t + 1234));
}

#[test]
fn the_last_retry_of_a_chunk_wins() {
    let mut d = Driver::open();
    d.bytes(b"retry: 1\nretry: 2\ndata: a\n\nretry: 3\n");
    assert_eq!(d.conn.reconnection_time(), 3);
}

#[test]
fn retry_zero_reconnects_at_once() {
    let mut d = Driver::open();
    d.bytes(b"retry: 0\n");
    assert_eq!(d.at(77).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 0)]);
    assert_eq!(d.deadline(), Some(77));
    assert_eq!(d.tick(77), [connect(None)]);
}

#[test]
fn invalid_or_unfinished_retry_lines_change_nothing() {
    let mut d = Driver::open();
    d.bytes(b"retry:  10\nretry: 1a\nretry:\nretry: -5\nRetry: 9\nretry: 77");
    assert_eq!(d.conn.reconnection_time(), D);
    assert_eq!(d.end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
}

#[test]
fn a_huge_retry_waits_practically_forever() {
    let mut d = Driver::open();
    d.bytes(b"retry: 99999999999999999999999\n");
    assert_eq!(d.conn.reconnection_time(), u64::MAX);
    assert_eq!(d.at(1000).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), u64::MAX)]);
    assert_eq!(d.deadline(), Some(u64::MAX));
    assert_eq!(d.tick(u64::MAX - 1), []);
    assert_eq!(d.tick(u64::MAX), [connect(None)]);
}

// ---------------------------------------------------------------------------------------------
// close()

#[test]
fn close_while_requesting_aborts_the_request() {
    let mut d = Driver::started();
    assert_eq!(d.close(), [Action::Abort]);
    d.assert_dead();
}

#[test]
fn close_before_the_first_connect_was_taken_drops_it() {
    let mut d = Driver::new(Config::default());
    assert_eq!(d.close(), [Action::Abort]);
    d.assert_dead();
}

#[test]
fn close_while_open_aborts_the_stream() {
    let mut d = Driver::open();
    d.bytes(b"data: a\n\ndata: pending\n");
    assert_eq!(d.close(), [Action::Abort]);
    assert_eq!(d.events, [ev("message", "a", "")]);
    d.assert_dead();
}

#[test]
fn close_right_after_open_drops_the_undelivered_open() {
    let mut d = Driver::started();
    d.conn.on_response(0, Response::new(200, Some("text/event-stream")));
    assert_eq!(d.close(), [Action::Abort]);
    d.assert_dead();
}

#[test]
fn close_while_waiting_to_reconnect_only_cancels_the_wait() {
    let mut d = Driver::started();
    d.network_error();
    assert_eq!(d.close(), []);
    d.assert_dead();
}

#[test]
fn close_drops_an_undelivered_error() {
    let mut d = Driver::open();
    d.conn.on_end(10);
    assert_eq!(d.close(), []);
    d.assert_dead();
}

#[test]
fn close_after_a_failure_does_nothing() {
    let mut d = Driver::started();
    d.respond(500, None);
    assert_eq!(d.close(), []);
    d.assert_dead();
}

#[test]
fn close_twice_is_harmless() {
    let mut d = Driver::open();
    assert_eq!(d.close(), [Action::Abort]);
    assert_eq!(d.close(), []);
    d.assert_dead();
}

#[test]
fn close_keeps_the_last_event_id_readable() {
    let mut d = Driver::open();
    d.bytes(b"id: 4\ndata: a\n\nid: 5\n");
    d.close();
    assert_eq!(d.conn.last_event_id(), "4");
}

// ---------------------------------------------------------------------------------------------
// Inputs in the wrong phase are ignored

#[test]
fn bytes_before_the_response_are_ignored() {
    let mut d = Driver::started();
    assert_eq!(d.bytes(b"data: early\n\n"), []);
    assert!(d.events.is_empty());
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
    assert_eq!(d.bytes(b"data: ok\n\n"), []);
    assert_eq!(d.events, [ev("message", "ok", "")]);
}

#[test]
fn a_second_response_is_ignored() {
    let mut d = Driver::open();
    assert_eq!(d.respond(500, None), []);
    assert_eq!(d.respond(200, Some("text/event-stream")), []);
    assert_eq!(d.state(), ReadyState::Open);
}

#[test]
fn inputs_while_waiting_to_reconnect_are_ignored() {
    let mut d = Driver::started();
    d.at(0).network_error();
    assert_eq!(d.at(10).respond(200, Some("text/event-stream")), []);
    assert_eq!(d.bytes(b"data: a\n\n"), []);
    assert_eq!(d.end(), []);
    assert_eq!(d.network_error(), []);
    assert!(d.events.is_empty());
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(D));
    assert_eq!(d.conn.attempts(), 1);
}

#[test]
fn on_timeout_without_a_deadline_does_nothing() {
    let mut d = Driver::open();
    assert_eq!(d.tick(10_000_000), []);
    assert_eq!(d.state(), ReadyState::Open);
}

#[test]
fn reconnect_now_only_acts_while_waiting() {
    let mut d = Driver::started();
    assert_eq!(d.reconnect_now(), []);
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.reconnect_now(), []);
    assert_eq!(d.state(), ReadyState::Open);
}

// ---------------------------------------------------------------------------------------------
// reconnect_now()

#[test]
fn reconnect_now_skips_the_wait() {
    let mut d = Driver::open();
    d.bytes(b"id: 8\ndata: a\n\n");
    d.at(100).end();
    assert_eq!(d.deadline(), Some(100 + D));
    assert_eq!(d.at(150).reconnect_now(), [connect(Some("8"))]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), None);
    // The old deadline is forgotten.
    assert_eq!(d.tick(100 + D), []);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
}

// ---------------------------------------------------------------------------------------------
// Size limit

#[test]
fn an_oversized_event_fails_the_connection() {
    let mut d = Driver::with(Config { max_event_size: 16, ..Config::default() });
    d.respond(200, Some("text/event-stream"));
    assert_eq!(
        d.bytes(b"data: ok\n\ndata: this line is too long\n\ndata: never\n\n"),
        [Action::Abort, failed(ErrorKind::TooLarge, None)]
    );
    assert_eq!(d.events, [ev("message", "ok", "")]);
    d.assert_dead();
}

#[test]
fn an_oversized_line_across_chunks_fails_the_connection() {
    let mut d = Driver::with(Config { max_event_size: 16, ..Config::default() });
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.bytes(b"data: 0123456789"), []);
    assert_eq!(d.bytes(b"abc"), [Action::Abort, failed(ErrorKind::TooLarge, None)]);
    d.assert_dead();
}

#[test]
fn an_oversized_event_of_many_lines_fails_the_connection() {
    let mut d = Driver::with(Config { max_event_size: 16, ..Config::default() });
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.bytes(b"data: 12345\ndata: 12345\n"), []);
    assert_eq!(d.bytes(b"data: 12345\n"), [Action::Abort, failed(ErrorKind::TooLarge, None)]);
    assert!(d.events.is_empty());
    d.assert_dead();
}

#[test]
fn a_retry_before_an_oversized_line_still_counts() {
    let mut d = Driver::with(Config { max_event_size: 16, ..Config::default() });
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"retry: 10\ndata: this line is too long\n");
    assert_eq!(d.conn.reconnection_time(), 10);
    assert_eq!(d.state(), ReadyState::Closed);
}

// ---------------------------------------------------------------------------------------------
// Heartbeat

fn heartbeat(ms: Millis) -> Config {
    Config { heartbeat_timeout: Some(ms), ..Config::default() }
}

#[test]
fn the_heartbeat_reconnects_when_the_stream_goes_quiet() {
    let mut d = Driver::with(heartbeat(1000));
    assert_eq!(d.at(0).respond(200, Some("text/event-stream")), [Action::Open]);
    assert_eq!(d.deadline(), Some(1000));
    d.at(500).bytes(b": ping\n");
    assert_eq!(d.deadline(), Some(1500), "any byte, even a comment, counts");
    d.at(700).bytes(b"id: 2\ndata:");
    assert_eq!(d.deadline(), Some(1700), "so does half a line");
    assert_eq!(d.tick(1699), []);
    assert_eq!(d.state(), ReadyState::Open);
    assert_eq!(d.tick(1700), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(1700 + D), "while waiting, the deadline is the reconnect");
    assert_eq!(d.reconnect(), None, "the half event's id was not committed");
}

#[test]
fn the_heartbeat_also_limits_the_wait_for_a_response_after_a_reconnect() {
    let mut d = Driver::with(heartbeat(1000));
    d.at(0).respond(200, Some("text/event-stream"));
    d.at(10).end();
    assert_eq!(d.reconnect(), None);
    let connected_at = d.now;
    assert_eq!(d.deadline(), Some(connected_at + 1000));
    assert_eq!(d.tick(connected_at + 999), []);
    assert_eq!(d.tick(connected_at + 1000), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
}

#[test]
fn a_late_heartbeat_check_still_fires() {
    let mut d = Driver::with(heartbeat(1000));
    d.at(0).respond(200, Some("text/event-stream"));
    assert_eq!(d.tick(50_000), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
    assert_eq!(d.deadline(), Some(50_000 + D));
}

/// `Connection::new` takes no clock: the first request has a heartbeat deadline only once the
/// driver says when it sent it (later requests have one from their `Connect`).
#[test]
fn the_first_request_has_a_heartbeat_deadline_once_sent() {
    let mut d = Driver::with(heartbeat(1000));
    assert_eq!(d.deadline(), None);
    assert_eq!(d.tick(500), []);
    d.conn.on_request_sent(600);
    assert_eq!(d.deadline(), Some(1600));
    assert_eq!(d.tick(1599), []);
    assert_eq!(d.tick(1600), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
}

#[test]
fn on_request_sent_does_not_move_a_running_heartbeat() {
    let mut d = Driver::with(heartbeat(1000));
    d.at(0).network_error();
    d.reconnect();
    let connected_at = d.now;
    d.conn.on_request_sent(connected_at + 300);
    assert_eq!(d.deadline(), Some(connected_at + 1000));
}

// ---------------------------------------------------------------------------------------------
// Text input (transports that hand over decoded text, so the BOM is already gone)

#[test]
fn with_text_input_a_leading_bom_is_content() {
    for (text, expected) in
        [(false, vec![ev("message", "a", ""), ev("message", "b", "")]), (true, vec![ev("message", "b", "")])]
    {
        let mut d = Driver::started();
        d.conn.set_text_input(text);
        d.respond(200, Some("text/event-stream"));
        // With text input, the first line is U+FEFF "data: a", an unknown field.
        d.bytes(b"\xEF\xBB\xBFdata: a\n\ndata: b\n\n");
        assert_eq!(d.events, expected, "text input: {text}");
    }
}

#[test]
fn text_input_applies_to_every_stream() {
    let mut d = Driver::started();
    d.conn.set_text_input(true);
    d.respond(200, Some("text/event-stream"));
    d.end();
    d.reconnect();
    d.respond(200, Some("text/event-stream"));
    d.bytes("\u{FEFF}data: a\n\ndata: b\n\n".as_bytes());
    assert_eq!(d.events, [ev("message", "b", "")]);
}

// ---------------------------------------------------------------------------------------------
// Long-polling: EndOfBody::PollAgain

fn poll_again() -> Config {
    Config { end_of_body: EndOfBody::PollAgain, ..Config::default() }
}

#[test]
fn poll_again_asks_for_the_next_batch_silently() {
    let mut d = Driver::with(poll_again());
    assert_eq!(d.conn.end_of_body(), EndOfBody::PollAgain);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
    d.bytes(b"id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
    assert_eq!(d.at(100).end(), [connect(Some("2"))]);
    assert_eq!(d.state(), ReadyState::Open, "the page sees no reconnect");
    assert_eq!(d.conn.attempts(), 0);
    assert_eq!(d.deadline(), None);
    // The next response continues the stream without a second `open`.
    assert_eq!(d.at(200).respond(200, Some("text/event-stream")), []);
    assert_eq!(d.state(), ReadyState::Open);
    d.bytes(b"id: 3\ndata: c\n\n");
    assert_eq!(d.end(), [connect(Some("3"))]);
    assert_eq!(d.events, [ev("message", "a", "1"), ev("message", "b", "2"), ev("message", "c", "3")]);
}

#[test]
fn poll_again_after_an_empty_response_reconnects_as_the_standard_says() {
    let mut d = Driver::with(poll_again());
    d.respond(200, Some("text/event-stream"));
    d.bytes(b": nothing yet\nretry: 700\n");
    assert_eq!(d.at(10).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 700)]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), Some(710));
    assert_eq!(d.reconnect(), None);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open], "a real reconnect opens again");
}

#[test]
fn poll_again_after_an_empty_response_held_a_while_polls_again_at_once() {
    // Long-poll servers answer empty when nothing happened for a while (30 s, say).
    let mut d = Driver::with(poll_again());
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.at(999).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 3000)], "not held long enough");
    let mut d = Driver::with(poll_again());
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.at(1000).end(), [connect(None)]);
    assert_eq!(d.state(), ReadyState::Open, "the page sees nothing");
}

#[test]
fn poll_again_drops_an_unfinished_event_at_the_end_of_a_batch() {
    let mut d = Driver::with(poll_again());
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"id: 1\ndata: a\n\nid: 2\ndata: b\n");
    assert_eq!(d.end(), [connect(Some("1"))]);
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"\n");
    assert_eq!(d.events, [ev("message", "a", "1")]);
}

#[test]
fn failures_of_a_poll_request_are_reported() {
    let start = || {
        let mut d = Driver::with(poll_again());
        d.respond(200, Some("text/event-stream"));
        d.bytes(b"data: a\n\n");
        assert_eq!(d.end(), [connect(None)]);
        d
    };
    let mut d = start();
    assert_eq!(d.bytes(b"data: early\n\n"), [], "no body before the response");
    assert_eq!(d.events.len(), 1);
    assert_eq!(d.respond(500, None), [Action::Abort, failed(ErrorKind::Status, Some(500))]);
    d.assert_dead();

    let mut d = start();
    assert_eq!(d.network_error(), [reconnecting(ErrorKind::Network, None, D)]);
    assert_eq!(d.state(), ReadyState::Connecting);

    let mut d = start();
    assert_eq!(d.end(), [reconnecting(ErrorKind::Network, None, D)]);

    let mut d = start();
    assert_eq!(d.close(), [Action::Abort]);
    d.assert_dead();
}

// ---------------------------------------------------------------------------------------------
// Buffering detection

fn detecting() -> Config {
    Config { detect_buffering: true, ..Config::default() }
}

#[test]
fn a_response_held_back_by_a_proxy_switches_to_polling() {
    let mut d = Driver::with(detecting());
    d.conn.on_request_sent(0);
    assert_eq!(d.at(1500).respond(200, Some("text/event-stream")), [Action::Open]);
    d.at(1510).bytes(b"id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
    assert_eq!(d.at(1520).end(), [Action::Buffered, connect(Some("2"))]);
    assert_eq!(d.conn.end_of_body(), EndOfBody::PollAgain);
    assert_eq!(d.state(), ReadyState::Open);
    // From now on the stream is polled: the next batch follows silently.
    assert_eq!(d.at(1600).respond(200, Some("text/event-stream")), []);
    d.bytes(b"data: c\n\n");
    assert_eq!(d.end(), [connect(Some("2"))]);
}

#[test]
fn a_live_stream_is_not_mistaken_for_buffering() {
    // (request sent, first bytes, end, events) that must not look buffered.
    for (name, first_byte, end, body) in [
        ("events spread over time", 100, 2000, &b"data: a\n\ndata: b\n\n"[..]),
        ("a quick response", 300, 320, b"data: a\n\ndata: b\n\n"),
        ("a single event", 1500, 1510, b"data: a\n\n"),
        ("no events", 1500, 1510, b": comment\n"),
    ] {
        let mut d = Driver::with(detecting());
        d.conn.on_request_sent(0);
        d.at(first_byte).respond(200, Some("text/event-stream"));
        d.bytes(body);
        assert_eq!(d.at(end).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)], "{name}");
        assert_eq!(d.conn.end_of_body(), EndOfBody::Reconnect, "{name}");
    }
}

#[test]
fn buffering_is_not_detected_unless_asked() {
    let mut d = Driver::started();
    d.conn.on_request_sent(0);
    d.at(1500).respond(200, Some("text/event-stream"));
    d.bytes(b"data: a\n\ndata: b\n\n");
    assert_eq!(d.at(1510).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
    assert_eq!(d.conn.end_of_body(), EndOfBody::Reconnect);
}

// ---------------------------------------------------------------------------------------------
// resume(): swapping the streaming request for a new one without the page noticing

#[test]
fn resume_swaps_the_request_and_continues_after_the_last_event_id() {
    let mut d = Driver::open();
    d.bytes(b"id: 1\ndata: a\n\n");
    assert!(d.conn.resume(d.now));
    assert_eq!(d.actions(), [Action::Abort, connect(Some("1"))]);
    assert_eq!(d.state(), ReadyState::Open);
    assert_eq!(d.bytes(b"data: from the old request\n\n"), []);
    assert_eq!(d.respond(200, Some("text/event-stream")), [], "no second open");
    d.bytes(b"id: 2\ndata: b\n\n");
    assert_eq!(d.events, [ev("message", "a", "1"), ev("message", "b", "2")]);
}

#[test]
fn resume_with_an_id_drops_the_event_in_progress() {
    let mut d = Driver::open();
    d.bytes(b"id: 1\ndata: a\n\nid: 2\ndata: half");
    assert!(d.conn.resume(d.now));
    assert_eq!(d.actions(), [Action::Abort, connect(Some("1"))]);
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"\n\n");
    assert_eq!(d.events, [ev("message", "a", "1")]);
}

#[test]
fn resume_never_swaps_a_stream_without_an_id() {
    let mut d = Driver::open();
    d.bytes(b"data: a\n\ndata: b");
    assert!(!d.conn.resume(d.now), "inside an event");
    d.bytes(b"\n\n");
    assert!(!d.conn.resume(d.now), "between events: the server could not resume, it would start afresh");
    assert_eq!(d.actions(), []);
    d.bytes(b"id: 3\ndata: c\n\n");
    assert!(d.conn.resume(d.now), "once an ID came, it can");
    assert_eq!(d.actions(), [Action::Abort, connect(Some("3"))]);
}

#[test]
fn resume_only_acts_while_streaming() {
    let mut d = Driver::started();
    assert!(!d.conn.resume(0), "requesting");
    d.network_error();
    assert!(!d.conn.resume(0), "waiting");
    d.reconnect();
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"id: 1\n\n");
    assert!(d.conn.resume(d.now));
    d.actions();
    assert!(!d.conn.resume(d.now), "already resuming");
    assert_eq!(d.close(), [Action::Abort]);
    assert!(!d.conn.resume(d.now), "closed");
    assert_eq!(d.actions(), []);
}

#[test]
fn resume_restarts_the_heartbeat() {
    let mut d = Driver::with(heartbeat(1000));
    d.at(0).respond(200, Some("text/event-stream"));
    d.at(900).bytes(b"id: 1\ndata: a\n\n");
    assert!(d.conn.resume(950));
    d.actions();
    assert_eq!(d.deadline(), Some(1950));
    assert_eq!(d.tick(1950), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
}

// ---------------------------------------------------------------------------------------------
// Any sequence of inputs keeps the state machine consistent

mod sequences {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Input {
        Response(u16, Option<&'static str>, Option<&'static str>),
        Bytes(Vec<u8>),
        End,
        NetworkError,
        Advance(Millis),
        FireTimeout,
        ReconnectNow,
        RequestSent,
        Resume,
        Close,
    }

    fn input() -> impl Strategy<Value = Input> {
        let status = prop::sample::select(vec![200, 200, 200, 204, 429, 500, 503]);
        let ct = prop::sample::select(vec![Some("text/event-stream"), Some("text/plain"), None]);
        let retry_after = prop::sample::select(vec![None, Some("1"), Some("x")]);
        let bytes = prop::collection::vec(
            prop::sample::select(vec![
                &b"data: x\n"[..],
                b"\n",
                b"id: 1\n",
                b"id\n",
                b"retry: 50\n",
                b"retry: 5000\n",
                b": c\n",
                b"data: 0123456789012345678901234567890123456789\n",
                b"\xEF\xBB\xBF",
                b"da",
            ]),
            0..6,
        )
        .prop_map(|parts| parts.concat());
        prop_oneof![
            3 => (status, ct, retry_after).prop_map(|(s, c, r)| Input::Response(s, c, r)),
            4 => bytes.prop_map(Input::Bytes),
            1 => Just(Input::End),
            1 => Just(Input::NetworkError),
            2 => (0u64..5000).prop_map(Input::Advance),
            3 => Just(Input::FireTimeout),
            1 => Just(Input::ReconnectNow),
            1 => Just(Input::RequestSent),
            1 => Just(Input::Resume),
            1 => Just(Input::Close),
        ]
    }

    /// A config in any mode, and whether the transport feeds decoded text.
    fn config() -> impl Strategy<Value = (Config, bool)> {
        let modes =
            (prop::sample::select(vec![EndOfBody::Reconnect, EndOfBody::PollAgain]), any::<bool>(), any::<bool>());
        let retry = (
            prop::sample::select(vec![1.0, 2.0]),
            prop::sample::select(vec![0.0, 0.5]),
            prop::option::of(0u32..4),
            any::<bool>(),
        )
            .prop_map(|(factor, jitter, max_attempts, retry_on_overload)| RetryPolicy {
                factor,
                jitter,
                max_attempts,
                retry_on_overload,
                max_delay: 20_000,
            });
        (modes, retry, prop::option::of(10u64..2000), any::<u64>(), prop::sample::select(vec![32usize, 1 << 20]))
            .prop_map(|((end_of_body, detect_buffering, text), retry, heartbeat, seed, max)| {
                let config = Config {
                    heartbeat_timeout: heartbeat,
                    max_event_size: max,
                    seed,
                    retry,
                    end_of_body,
                    detect_buffering,
                    ..Config::default()
                };
                (config, text)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever happens, in whatever order and mode: no panic; an `error` that will reconnect
        /// leaves CONNECTING with a deadline, one that won't leaves CLOSED; `open` means OPEN; a
        /// `Connect` carries the current last event ID; CLOSED is final and silent.
        #[test]
        fn any_sequence_keeps_the_state_consistent(
            (config, text) in config(),
            inputs in prop::collection::vec(input(), 0..40),
        ) {
            let mut conn = Connection::new(config);
            conn.set_text_input(text);
            let mut now: Millis = 0;
            let mut closed = false;
            let first: Vec<Action> = std::iter::from_fn(|| conn.poll_action()).collect();
            prop_assert_eq!(first, [Action::Connect { last_event_id: None }]);
            for input in inputs.iter().map(Some).chain([None]) {
                match input {
                    None => {}
                    Some(Input::Response(status, ct, ra)) => {
                        let mut r = Response::new(*status, *ct);
                        r.retry_after = *ra;
                        conn.on_response(now, r);
                    }
                    Some(Input::Bytes(b)) => conn.on_bytes(now, b, |ev| assert!(!ev.event_type.is_empty())),
                    Some(Input::End) => conn.on_end(now),
                    Some(Input::NetworkError) => conn.on_network_error(now),
                    Some(Input::Advance(dt)) => {
                        now += dt;
                        conn.on_timeout(now);
                    }
                    Some(Input::FireTimeout) => {
                        if let Some(t) = conn.poll_timeout() {
                            now = now.max(t);
                            conn.on_timeout(now);
                        }
                    }
                    Some(Input::ReconnectNow) => conn.reconnect_now(now),
                    Some(Input::RequestSent) => conn.on_request_sent(now),
                    Some(Input::Resume) => {
                        let before = conn.ready_state();
                        if conn.resume(now) {
                            prop_assert_eq!(before, ReadyState::Open);
                        }
                    }
                    Some(Input::Close) => conn.close(),
                }
                let actions: Vec<Action> = std::iter::from_fn(|| conn.poll_action()).collect();
                if closed {
                    prop_assert!(actions.is_empty(), "actions after CLOSED: {:?}", actions);
                }
                let state = conn.ready_state();
                for (i, action) in actions.iter().enumerate() {
                    let last = i + 1 == actions.len();
                    match action {
                        Action::Connect { last_event_id } => {
                            // CONNECTING, or OPEN when a request is swapped silently.
                            prop_assert_ne!(state, ReadyState::Closed);
                            let id = conn.last_event_id();
                            prop_assert_eq!(last_event_id.as_deref(), (!id.is_empty()).then_some(id));
                        }
                        Action::Open => prop_assert!(last && state == ReadyState::Open),
                        Action::Buffered => {
                            prop_assert!(
                                matches!(actions.get(i + 1), Some(Action::Connect { .. })),
                                "Buffered must come right before a Connect: {:?}",
                                actions
                            );
                        }
                        Action::Abort => prop_assert!(!last || state == ReadyState::Closed),
                        Action::Error(f) => {
                            prop_assert!(last);
                            prop_assert_eq!(f.will_reconnect, f.delay.is_some());
                            if f.will_reconnect {
                                prop_assert_eq!(state, ReadyState::Connecting);
                                prop_assert_eq!(conn.poll_timeout(), Some(now.saturating_add(f.delay.unwrap())));
                            } else {
                                prop_assert_eq!(state, ReadyState::Closed);
                            }
                        }
                    }
                }
                if state == ReadyState::Closed {
                    closed = true;
                    prop_assert_eq!(conn.poll_timeout(), None);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pausing (a hidden page)

#[test]
fn pausing_before_the_first_connect_is_taken_cancels_it() {
    let mut d = Driver::new(Config::default());
    d.conn.pause();
    assert_eq!(d.actions(), [], "no request while hidden");
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.deadline(), None);
    d.conn.unpause(5);
    assert_eq!(d.actions(), [connect(None)]);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open], "announced as any first connect");
}

#[test]
fn pausing_while_connecting_aborts_and_unpausing_connects_again() {
    let mut d = Driver::started();
    d.conn.pause();
    assert_eq!(d.actions(), [Action::Abort]);
    assert_eq!(d.state(), ReadyState::Connecting);
    assert_eq!(d.respond(200, Some("text/event-stream")), [], "a late response is ignored");
    d.conn.unpause(10);
    assert_eq!(d.actions(), [connect(None)]);
    assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
}

#[test]
fn pausing_while_waiting_puts_the_reconnect_off() {
    let mut d = Driver::open();
    d.bytes(b"id: 4\ndata: x\n\n");
    d.conn.on_network_error(0);
    d.actions();
    assert_eq!(d.deadline(), Some(3000));
    d.conn.pause();
    assert_eq!(d.actions(), []);
    assert_eq!(d.deadline(), None, "no reconnect while hidden");
    d.conn.on_timeout(10_000);
    assert_eq!(d.actions(), []);
    d.conn.unpause(20_000);
    assert_eq!(d.actions(), [connect(Some("4"))]);
    assert_eq!(d.state(), ReadyState::Connecting);
}

#[test]
fn pausing_an_open_source_is_silent_both_ways() {
    let mut d = Driver::open();
    d.bytes(b"id: 1\ndata: a\n\n");
    d.conn.pause();
    assert_eq!(d.actions(), [Action::Abort]);
    assert_eq!(d.state(), ReadyState::Open);
    d.conn.unpause(50);
    assert_eq!(d.actions(), [connect(Some("1"))]);
    assert_eq!(d.respond(200, Some("text/event-stream")), [], "no second open");
}

// ---------------------------------------------------------------------------------------------
// Comments (this crate's addition: `Config::comments`)

/// Feeds `chunks` to an open connection through `on_output`; returns what it reported, as text.
fn outputs(config: Config, chunks: &[&[u8]]) -> Vec<String> {
    use eventsource_wasm::parser::Output;
    let mut conn = Connection::new(config);
    conn.poll_action();
    conn.on_response(0, Response::new(200, Some("text/event-stream")));
    let mut seen = Vec::new();
    for chunk in chunks {
        conn.on_output(1, chunk, |out| {
            seen.push(match out {
                Output::Event(ev) => format!("event {} {:?} id={}", ev.event_type, ev.data, ev.id),
                Output::Retry(ms) => format!("retry {ms}"),
                Output::Comment { text, id } => format!("comment {text:?} id={id}"),
            })
        });
    }
    seen
}

#[test]
fn comments_are_reported_in_stream_order_only_when_asked() {
    let chunks: &[&[u8]] = &[b":\n: keep", b"-alive\r", b"\nid: 1\ndata: a\n\n: he", b"artbeat\nretry: 5\n"];
    let with = Config { comments: true, ..Config::default() };
    assert_eq!(
        outputs(with, chunks),
        [
            "comment \"\" id=",
            "comment \"keep-alive\" id=",
            "event message \"a\" id=1",
            "comment \"heartbeat\" id=1",
            "retry 5"
        ]
    );
    assert_eq!(outputs(Config::default(), chunks), ["event message \"a\" id=1", "retry 5"], "off by default");
}

#[test]
fn on_bytes_never_reports_comments_as_events() {
    let mut d = Driver::new(Config { comments: true, ..Config::default() });
    d.actions();
    d.respond(200, Some("text/event-stream"));
    d.bytes(b":\n\n: ping\n\n:\n\ndata: a\n\n");
    assert_eq!(d.events, [ev("message", "a", "")]);
}

#[test]
fn comments_keep_the_heartbeat_alive_but_do_not_count_as_a_poll_batch() {
    let config =
        Config { comments: true, heartbeat_timeout: Some(100), end_of_body: EndOfBody::PollAgain, ..Config::default() };
    let mut d = Driver::with(config);
    d.respond(200, Some("text/event-stream"));
    d.at(90).bytes(b":\n");
    assert_eq!(d.deadline(), Some(190), "a comment is activity");
    // A poll answered at once with nothing but a comment is an empty answer: the standard's delay.
    assert_eq!(d.at(95).end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
}

// ---------------------------------------------------------------------------------------------
// Refused responses (for the error's details, a driver may read the body before taking the abort)

#[test]
fn on_response_tells_whether_it_refused_the_response() {
    let mut d = Driver::started();
    assert!(!d.conn.on_response(0, Response::new(200, Some("text/event-stream"))), "accepted");
    assert!(!d.conn.on_response(0, Response::new(500, None)), "not waiting for a response: ignored");
    for (status, ct) in [(401, Some("text/event-stream")), (200, Some("text/html")), (204, None)] {
        let mut d = Driver::started();
        assert!(d.conn.on_response(0, Response::new(status, ct)), "{status} {ct:?}");
    }
    let mut d = Driver::with(policy(|p| p.retry_on_overload = true));
    assert!(d.conn.on_response(0, Response::new(503, None)), "refused, even when it is retried");
    assert_eq!(d.actions(), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), D)]);
}

#[test]
fn close_before_a_refusal_is_taken_keeps_its_abort_and_drops_its_error() {
    let mut d = Driver::started();
    assert!(d.conn.on_response(0, Response::new(403, None)));
    assert_eq!(d.close(), [Action::Abort], "the request is still to be stopped; no error after close()");
    d.assert_dead();
    let mut d = Driver::with(policy(|p| p.retry_on_overload = true));
    d.conn.on_response(0, Response::new(429, None));
    assert_eq!(d.close(), [Action::Abort]);
    d.assert_dead();
}
