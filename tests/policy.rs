//! The reconnection policy as the state machine applies it (`src/engine/policy.rs`): backoff,
//! its cap and jitter, giving up, and `Retry-After` on 429 and 503; driven by the scripted
//! driver of `tests/driver`. The standard's own rules are in `tests/connection.rs`.

// proptest is a native-only dev-dependency, and so is this suite's driver.
#![cfg(not(target_arch = "wasm32"))]

mod driver;
use driver::*;

use eventsource_wasm::connection::{Action, Config, ErrorKind, Millis, ReadyState};

// ---------------------------------------------------------------------------------------------
// Retry policy

#[test]
fn the_default_policy_retries_forever_at_the_same_delay() {
    let mut d = Driver::started();
    for attempt in 1..=500 {
        assert_eq!(d.fail_request(), D);
        assert_eq!(d.conn.attempts(), attempt);
        d.reconnect();
    }
}

#[test]
fn backoff_multiplies_the_delay_up_to_max_delay() {
    let mut d = Driver::with(policy(|p| {
        p.factor = 2.0;
        p.max_delay = 10_000;
    }));
    let mut delays = Vec::new();
    for _ in 0..6 {
        let t = d.now;
        let delay = d.fail_request();
        assert_eq!(d.deadline(), Some(t + delay));
        delays.push(delay);
        d.reconnect();
    }
    assert_eq!(delays, [3000, 6000, 10_000, 10_000, 10_000, 10_000]);
    assert_eq!(d.conn.attempts(), 6);
}

#[test]
fn a_factor_below_one_does_not_shrink_the_delay() {
    let mut d = Driver::with(policy(|p| p.factor = 0.5));
    for _ in 0..4 {
        assert_eq!(d.fail_request(), D);
        d.reconnect();
    }
}

#[test]
fn the_backoff_starts_from_the_servers_retry() {
    let mut d = Driver::with(policy(|p| p.factor = 3.0));
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"retry: 100\n");
    assert_eq!(d.end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 100)]);
    d.reconnect();
    assert_eq!(d.fail_request(), 300);
    d.reconnect();
    assert_eq!(d.fail_request(), 900);
}

#[test]
fn max_delay_does_not_cap_the_servers_retry() {
    let mut d = Driver::with(policy(|p| {
        p.factor = 2.0;
        p.max_delay = 5000;
    }));
    d.respond(200, Some("text/event-stream"));
    d.bytes(b"retry: 20000\n");
    assert_eq!(d.end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 20_000)]);
    d.reconnect();
    // The backoff may not go past the larger of max_delay and the server's value.
    assert_eq!(d.fail_request(), 20_000);
}

#[test]
fn attempts_reset_when_a_connection_opens() {
    let mut d = Driver::with(policy(|p| p.factor = 2.0));
    assert_eq!(d.fail_request(), 3000);
    d.reconnect();
    assert_eq!(d.fail_request(), 6000);
    d.reconnect();
    assert_eq!(d.conn.attempts(), 2);
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.conn.attempts(), 0);
    assert_eq!(d.end(), [reconnecting(ErrorKind::EndOfStream, Some(200), 3000)]);
    assert_eq!(d.conn.attempts(), 1);
}

#[test]
fn jitter_stays_within_its_bounds() {
    for (jitter, factor) in [(0.5, 1.0), (0.2, 1.5), (1.0, 1.0), (7.0, 1.0)] {
        let mut d = Driver::with(policy(|p| {
            p.jitter = jitter;
            p.factor = factor;
            p.max_delay = 60_000;
        }));
        let mut seen = std::collections::BTreeSet::new();
        for attempt in 0..200 {
            let full = (3000.0 * factor.powi(attempt)).min(60_000.0);
            let delay = d.fail_request();
            let low = full * (1.0 - jitter.min(1.0));
            assert!(
                (delay as f64) >= low.floor() && (delay as f64) <= full,
                "jitter {jitter}, attempt {attempt}: {delay} not in [{low}, {full}]"
            );
            seen.insert(delay);
            d.reconnect();
        }
        assert!(seen.len() > 20, "jitter {jitter} gave only {} distinct delays", seen.len());
    }
}

fn jittered_delays(seed: u64) -> Vec<Millis> {
    let mut d = Driver::with(Config { seed, ..policy(|p| p.jitter = 0.5) });
    (0..20)
        .map(|_| {
            let delay = d.fail_request();
            d.reconnect();
            delay
        })
        .collect()
}

#[test]
fn jitter_is_deterministic_by_seed() {
    assert_eq!(jittered_delays(1), jittered_delays(1));
    assert_eq!(jittered_delays(12345), jittered_delays(12345));
    assert_ne!(jittered_delays(1), jittered_delays(2));
    assert_ne!(jittered_delays(0), jittered_delays(12345));
}

#[test]
fn max_attempts_gives_up() {
    let mut d = Driver::with(policy(|p| p.max_attempts = Some(3)));
    for _ in 0..3 {
        d.fail_request();
        d.reconnect();
    }
    assert_eq!(d.network_error(), [failed(ErrorKind::GaveUp, None)]);
    d.assert_dead();
}

#[test]
fn giving_up_keeps_the_status_of_the_last_failure() {
    let mut d = Driver::with(policy(|p| {
        p.max_attempts = Some(1);
        p.retry_on_overload = true;
    }));
    assert_eq!(d.respond(503, None), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), D)]);
    d.reconnect();
    assert_eq!(d.respond(503, None), [Action::Abort, failed(ErrorKind::GaveUp, Some(503))]);
    d.assert_dead();
}

#[test]
fn max_attempts_zero_gives_up_at_once() {
    let mut d = Driver::with(policy(|p| p.max_attempts = Some(0)));
    d.respond(200, Some("text/event-stream"));
    assert_eq!(d.end(), [failed(ErrorKind::GaveUp, Some(200))]);
    d.assert_dead();
}

#[test]
fn max_attempts_counts_only_failures_in_a_row() {
    let mut d = Driver::with(policy(|p| p.max_attempts = Some(2)));
    for _ in 0..5 {
        assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
        // The end of a stream is the first reconnect in a row, a failed request the second.
        assert_eq!(d.end(), [reconnecting(ErrorKind::EndOfStream, Some(200), D)]);
        d.reconnect();
        d.fail_request();
        d.reconnect();
        assert_eq!(d.conn.attempts(), 2);
    }
    // Without an open in between, a third one gives up.
    assert_eq!(d.network_error(), [failed(ErrorKind::GaveUp, None)]);
    d.assert_dead();
}

#[test]
fn a_heartbeat_timeout_counts_as_an_attempt() {
    let mut d = Driver::with(Config { heartbeat_timeout: Some(100), ..policy(|p| p.max_attempts = Some(1)) });
    d.at(0).respond(200, Some("text/event-stream"));
    assert_eq!(d.fire(), [Action::Abort, reconnecting(ErrorKind::Timeout, None, D)]);
    d.reconnect();
    assert_eq!(d.fire(), [Action::Abort, failed(ErrorKind::GaveUp, None)]);
    d.assert_dead();
}

// ---------------------------------------------------------------------------------------------
// retry_on_overload and Retry-After

fn overload() -> Config {
    policy(|p| p.retry_on_overload = true)
}

#[test]
fn overload_statuses_reconnect_after_retry_after() {
    for status in [429, 503] {
        let mut d = Driver::with(overload());
        assert_eq!(
            d.at(10).respond_retry_after(status, "7"),
            [Action::Abort, reconnecting(ErrorKind::Status, Some(status), 7000)]
        );
        assert_eq!(d.state(), ReadyState::Connecting);
        assert_eq!(d.deadline(), Some(7010));
        assert_eq!(d.tick(7009), []);
        assert_eq!(d.tick(7010), [connect(None)]);
    }
}

#[test]
fn retry_after_is_used_once() {
    let mut d = Driver::with(overload());
    assert_eq!(d.respond_retry_after(503, "60"), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), 60_000)]);
    d.reconnect();
    assert_eq!(d.fail_request(), D);
}

#[test]
fn overload_without_retry_after_uses_the_usual_delay() {
    let mut d = Driver::with(overload());
    assert_eq!(d.respond(429, None), [Action::Abort, reconnecting(ErrorKind::Status, Some(429), D)]);
    d.reconnect();
    assert_eq!(d.respond(503, Some("text/html")), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), D)]);
}

#[test]
fn retry_after_that_is_not_delta_seconds_is_ignored() {
    for value in ["", " ", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1.5", "+3", "1e3", "5s", "٣"] {
        let mut d = Driver::with(overload());
        assert_eq!(
            d.respond_retry_after(503, value),
            [Action::Abort, reconnecting(ErrorKind::Status, Some(503), D)],
            "{value:?}"
        );
    }
}

#[test]
fn retry_after_may_have_surrounding_whitespace() {
    let mut d = Driver::with(overload());
    assert_eq!(d.respond_retry_after(503, " \t2 "), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), 2000)]);
}

#[test]
fn a_huge_retry_after_saturates() {
    let mut d = Driver::with(overload());
    assert_eq!(
        d.at(5).respond_retry_after(503, "99999999999999999999999"),
        [Action::Abort, reconnecting(ErrorKind::Status, Some(503), u64::MAX)]
    );
    assert_eq!(d.deadline(), Some(u64::MAX));
}

#[test]
fn retry_after_replaces_the_backoff_delay_once() {
    let mut d = Driver::with(policy(|p| {
        p.retry_on_overload = true;
        p.factor = 2.0;
    }));
    assert_eq!(d.fail_request(), 3000);
    d.reconnect();
    assert_eq!(d.respond_retry_after(503, "1"), [Action::Abort, reconnecting(ErrorKind::Status, Some(503), 1000)]);
    d.reconnect();
    // The overload counted as an attempt: third failure in a row.
    assert_eq!(d.fail_request(), 12_000);
}

#[test]
fn other_statuses_still_fail_with_retry_on_overload() {
    for status in [500, 502, 504, 404, 204] {
        let mut d = Driver::with(overload());
        assert_eq!(
            d.respond_retry_after(status, "1"),
            [Action::Abort, failed(ErrorKind::Status, Some(status))],
            "{status}"
        );
        d.assert_dead();
    }
}

#[test]
fn without_retry_on_overload_retry_after_is_ignored() {
    for status in [429, 503] {
        let mut d = Driver::started();
        assert_eq!(d.respond_retry_after(status, "1"), [Action::Abort, failed(ErrorKind::Status, Some(status))]);
        d.assert_dead();
    }
}
