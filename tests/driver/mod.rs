//! The scripted driver the state-machine tests share: it plays the transport and the clock for
//! a `Connection`, and checks what every transition must keep true.
#![allow(dead_code)]

use eventsource_wasm::connection::{
    Action, Config, Connection, ErrorKind, Failure, Millis, ReadyState, Response, RetryPolicy,
    DEFAULT_RECONNECTION_TIME,
};

// ---------------------------------------------------------------------------------------------
// The scripted driver

/// Plays the transport and the clock. Every input method sets the time, calls the connection,
/// and returns the actions it asked for (drained, in order).
pub struct Driver {
    pub conn: Connection,
    pub now: Millis,
    /// Every event delivered so far: (type, data, id).
    pub events: Vec<(String, String, String)>,
}

impl Driver {
    pub fn new(config: Config) -> Self {
        Driver { conn: Connection::new(config), now: 0, events: Vec::new() }
    }

    /// A connection with the default config whose first `Connect` has been taken.
    pub fn started() -> Self {
        let mut d = Driver::new(Config::default());
        assert_eq!(d.actions(), [connect(None)]);
        d
    }

    /// Like `started`, then a good response: OPEN.
    pub fn open() -> Self {
        let mut d = Driver::started();
        assert_eq!(d.respond(200, Some("text/event-stream")), [Action::Open]);
        d
    }

    pub fn with(config: Config) -> Self {
        let mut d = Driver::new(config);
        assert!(matches!(d.actions()[..], [Action::Connect { .. }]));
        d
    }

    pub fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.conn.poll_action()).collect()
    }

    /// Moves the clock (never backwards) without telling the connection.
    pub fn at(&mut self, t: Millis) -> &mut Self {
        assert!(t >= self.now, "time went backwards: {} -> {t}", self.now);
        self.now = t;
        self
    }

    pub fn respond(&mut self, status: u16, content_type: Option<&str>) -> Vec<Action> {
        self.conn.on_response(self.now, Response::new(status, content_type));
        self.actions()
    }

    pub fn respond_retry_after(&mut self, status: u16, retry_after: &str) -> Vec<Action> {
        let mut response = Response::new(status, Some("text/event-stream"));
        response.retry_after = Some(retry_after);
        self.conn.on_response(self.now, response);
        self.actions()
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> Vec<Action> {
        let events = &mut self.events;
        self.conn.on_bytes(self.now, bytes, |ev| {
            events.push((ev.event_type.to_owned(), ev.data.to_owned(), ev.id.to_owned()))
        });
        self.actions()
    }

    pub fn end(&mut self) -> Vec<Action> {
        self.conn.on_end(self.now);
        self.actions()
    }

    pub fn network_error(&mut self) -> Vec<Action> {
        self.conn.on_network_error(self.now);
        self.actions()
    }

    /// Sets the clock to `t` and calls `on_timeout`.
    pub fn tick(&mut self, t: Millis) -> Vec<Action> {
        self.at(t);
        self.conn.on_timeout(t);
        self.actions()
    }

    /// Jumps to the deadline `poll_timeout` gives and calls `on_timeout` there.
    pub fn fire(&mut self) -> Vec<Action> {
        let t = self.conn.poll_timeout().expect("a deadline");
        self.tick(t)
    }

    pub fn reconnect_now(&mut self) -> Vec<Action> {
        self.conn.reconnect_now(self.now);
        self.actions()
    }

    pub fn close(&mut self) -> Vec<Action> {
        self.conn.close();
        self.actions()
    }

    pub fn state(&self) -> ReadyState {
        self.conn.ready_state()
    }

    pub fn deadline(&self) -> Option<Millis> {
        self.conn.poll_timeout()
    }

    /// Fails the request in flight with a network error and returns the scheduled delay.
    pub fn fail_request(&mut self) -> Millis {
        match &self.network_error()[..] {
            [Action::Error(Failure { will_reconnect: true, delay: Some(delay), .. })] => *delay,
            other => panic!("expected a reconnecting error, got {other:?}"),
        }
    }

    /// After an error that scheduled a reconnect: waits for it and takes the `Connect`.
    pub fn reconnect(&mut self) -> Option<String> {
        match &self.fire()[..] {
            [Action::Connect { last_event_id }] => last_event_id.clone(),
            other => panic!("expected a Connect, got {other:?}"),
        }
    }

    /// Asserts the connection is CLOSED for good: nothing scheduled, and nothing any input
    /// does (a late response, bytes, errors, a long wait) brings it back.
    pub fn assert_dead(&mut self) {
        assert_eq!(self.state(), ReadyState::Closed);
        assert_eq!(self.deadline(), None);
        let events_before = self.events.len();
        let later = self.now + 1;
        assert_eq!(self.at(later).respond(200, Some("text/event-stream")), []);
        assert_eq!(self.bytes(b"data: late\n\n"), []);
        assert_eq!(self.end(), []);
        assert_eq!(self.network_error(), []);
        assert_eq!(self.reconnect_now(), []);
        for t in [later + 1, later + 3_000, later + 86_400_000, Millis::MAX] {
            assert_eq!(self.tick(t), [], "at {t}");
        }
        assert_eq!(self.close(), []);
        assert_eq!(self.state(), ReadyState::Closed);
        assert_eq!(self.deadline(), None);
        assert_eq!(self.events.len(), events_before, "an event after CLOSED");
    }
}

pub fn connect(last_event_id: Option<&str>) -> Action {
    Action::Connect { last_event_id: last_event_id.map(str::to_owned) }
}

/// The `error` of "reestablish the connection".
pub fn reconnecting(kind: ErrorKind, status: Option<u16>, delay: Millis) -> Action {
    Action::Error(Failure { kind, status, will_reconnect: true, delay: Some(delay) })
}

/// The `error` of "fail the connection".
pub fn failed(kind: ErrorKind, status: Option<u16>) -> Action {
    Action::Error(Failure { kind, status, will_reconnect: false, delay: None })
}

pub fn ev(event_type: &str, data: &str, id: &str) -> (String, String, String) {
    (event_type.to_owned(), data.to_owned(), id.to_owned())
}

pub fn policy(f: impl FnOnce(&mut RetryPolicy)) -> Config {
    let mut config = Config::default();
    f(&mut config.retry);
    config
}

pub const D: Millis = DEFAULT_RECONNECTION_TIME;
