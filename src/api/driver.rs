//! What a connected [`EventSource`](super::rust::EventSource) is: the engine's decisions
//! carried out with the JavaScript host (the Rust twin of `js/source.js`), and the queue of
//! typed events its stream takes from. Only on wasm32 with the `web` feature; elsewhere a
//! [`Driver`] cannot exist and `connect` says why.

#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub(crate) use web::Driver;

#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
pub(crate) use elsewhere::Driver;

#[cfg(not(all(target_arch = "wasm32", feature = "web")))]
mod elsewhere {
    use crate::prelude::*;
    use alloc::rc::Rc;
    use core::task::{Context, Poll};

    use super::super::rust::{Error, Hooks, ReadyState, SseEvent, Transport};
    use crate::engine::options::Options;

    /// No source can be connected here, so none exists.
    pub(crate) enum Driver {}

    impl Driver {
        pub(crate) fn connect(_: &str, _: Options, _: Option<String>, _: Hooks) -> Result<Rc<Driver>, Error> {
            let why = if cfg!(target_arch = "wasm32") {
                "this build of eventsource-wasm has no JavaScript host: enable its `web` feature."
            } else {
                "eventsource-wasm connects only in WebAssembly (wasm32) with a JavaScript host; this target has none."
            };
            Err(Error::unsupported(why.to_owned()))
        }

        pub(crate) fn url(&self) -> &str {
            match *self {}
        }

        pub(crate) fn transport(&self) -> Transport {
            match *self {}
        }

        pub(crate) fn ready_state(&self) -> ReadyState {
            match *self {}
        }

        pub(crate) fn listen(&self, _: &str) {
            match *self {}
        }

        pub(crate) fn close(&self) {
            match *self {}
        }

        pub(crate) fn poll_next(&self, _: &mut Context<'_>) -> Poll<Option<SseEvent>> {
            match *self {}
        }

        pub(crate) fn is_terminated(&self) -> bool {
            match *self {}
        }
    }
}

#[cfg(all(target_arch = "wasm32", feature = "web"))]
mod web {
    use crate::prelude::*;
    use alloc::collections::VecDeque;
    use alloc::format;
    use alloc::rc::{Rc, Weak};
    use core::cell::{Cell, RefCell};
    use core::task::{Context, Poll, Waker};
    use core::time::Duration;

    use js_sys::Function;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::super::host::{self, Listener, NativeSource, Report};
    use super::super::rust::{
        Comment, Error, ErrorReason, Hooks, Message, ReadyState, Reconnect, ReconnectInfo, SseEvent, Transport,
    };
    use crate::engine::options::{Options, Platform, TransportKind};
    use crate::engine::parser::Output;
    use crate::engine::policy::Millis;
    use crate::engine::source::{Command, Decision, Happening, Request, ResponseInfo, Source};

    /// One connected source.
    ///
    /// Re-entrancy: every `RefCell` here is borrowed only for a moment, never while the host,
    /// the application's hooks or a waker run (any of them may call back in).
    ///
    /// Panics: on wasm32 a panic traps out of the call from JavaScript that was running, and
    /// leaves what it was doing half done. Each call from the host is an *entry* that raises
    /// `depth` while it runs; a trap leaves it raised, which marks the source as crashed: it is
    /// never driven again, and its stream yields an [`ErrorReason::Internal`] error and ends.
    /// Other sources have state of their own and go on. An entry wakes the stream's task before
    /// it starts, so that a stream waiting for events finds out.
    ///
    /// [`ErrorReason::Internal`]: super::super::rust::ErrorReason::Internal
    pub(crate) struct Driver {
        url: String,
        transport: Cell<TransportKind>,
        /// The engine (none on the native transport).
        engine: RefCell<Option<Source>>,
        /// Entries running now; see the type's documentation.
        depth: Cell<u32>,
        /// The generation of the request in flight: only one ever reports at a time (the host
        /// reports nothing after `abort`, nor after the end of a request).
        generation: Cell<u32>,
        io: RefCell<Io>,
        out: RefCell<Out>,
        /// Where `fetch` chunks are copied to, kept at the size of the largest so far.
        scratch: RefCell<Vec<u8>>,
        /// The last response's visible headers, as the host gives them (for a refusal's error).
        response_headers: RefCell<Option<Function>>,
        hooks: Hooks,
        body: Option<String>,
        callbacks: Callbacks,
        /// The message of a panic in this source, from the panic hook.
        #[cfg(feature = "panic-hook")]
        pub(crate) panic_message: RefCell<Option<String>>,
    }

    /// What the host holds for the source, to be let go of when it ends.
    struct Io {
        abort: Option<Function>,
        timer: Option<JsValue>,
        /// When the timer fires (infinity: no timer; minus infinity: never again).
        at: f64,
        unwatch: Option<Function>,
        native: Option<NativeSource>,
        /// The native source's listeners, by event type.
        listeners: Vec<(String, Function)>,
        released: bool,
    }

    /// What the stream takes.
    struct Out {
        queue: VecDeque<SseEvent>,
        waker: Option<Waker>,
        /// The origin of the current response.
        origin: String,
        /// Nothing more will be queued.
        ended: bool,
        crashed: bool,
        /// The native transport's ready state.
        native_state: ReadyState,
    }

    /// The functions handed to the host. They hold the driver weakly and live as long as it;
    /// the host calls none of them after the source is released.
    struct Callbacks {
        report: Option<Closure<Report>>,
        tick: Option<Closure<dyn Fn()>>,
        lifecycle: Option<Closure<dyn Fn(u32)>>,
        open: Option<Closure<dyn Fn()>>,
        error: Option<Closure<dyn Fn()>>,
        message: Option<Closure<Listener>>,
    }

    fn function<T: ?Sized>(closure: &Option<Closure<T>>) -> &Function {
        closure.as_ref().expect("a callback of this transport").as_ref().unchecked_ref()
    }

    fn call(f: &Function) {
        // The host's stop functions don't throw; if one did, nothing could be done about it.
        let _ = f.call0(&JsValue::UNDEFINED);
    }

    fn now() -> Millis {
        host::now() as Millis
    }

    impl Callbacks {
        fn new(weak: &Weak<Driver>, native: bool) -> Callbacks {
            /// `f` for the driver, as long as there is one.
            fn with(weak: &Weak<Driver>, f: impl Fn(&Rc<Driver>) + 'static) -> impl Fn() {
                let weak = weak.clone();
                move || {
                    if let Some(d) = weak.upgrade() {
                        f(&d);
                    }
                }
            }
            if native {
                let w = weak.clone();
                let message = move |t: String, data: String, id: String, origin: String| {
                    if let Some(d) = w.upgrade() {
                        d.on_native_message(t, data, id, origin);
                    }
                };
                return Callbacks {
                    report: None,
                    tick: None,
                    lifecycle: None,
                    open: Some(Closure::new(with(weak, |d| d.on_native_open()))),
                    error: Some(Closure::new(with(weak, |d| d.on_native_error()))),
                    message: Some(Closure::new(message)),
                };
            }
            let w = weak.clone();
            let report =
                move |kind, a, b, c, d, e, f, g| w.upgrade().is_some_and(|dr| dr.on_report(kind, a, b, c, d, e, f, g));
            let w = weak.clone();
            let lifecycle = move |what: u32| {
                if let Some(d) = w.upgrade() {
                    d.on_lifecycle(what);
                }
            };
            Callbacks {
                report: Some(Closure::<Report>::new(report)),
                tick: Some(Closure::new(with(weak, |d| d.on_tick()))),
                lifecycle: Some(Closure::new(lifecycle)),
                open: None,
                error: None,
                message: None,
            }
        }
    }

    impl Driver {
        pub(crate) fn connect(
            url: &str,
            options: Options,
            body: Option<String>,
            hooks: Hooks,
        ) -> Result<Rc<Driver>, Error> {
            let href = host::resolve(url).map_err(|_| Error::invalid(format!("the URL '{url}' is invalid.")))?;
            let platform = Platform::from_bits(host::facts(), Some(host::origin()));
            let kind = options.choose(&platform)?;
            #[cfg(feature = "panic-hook")]
            super::super::hook::install();
            let native = kind == TransportKind::Native;
            let driver = Rc::new_cyclic(|weak| Driver {
                url: href.clone(),
                transport: Cell::new(kind),
                engine: RefCell::new(None),
                depth: Cell::new(0),
                generation: Cell::new(0),
                io: RefCell::new(Io {
                    abort: None,
                    timer: None,
                    at: f64::INFINITY,
                    unwatch: None,
                    native: None,
                    listeners: Vec::new(),
                    released: false,
                }),
                out: RefCell::new(Out {
                    queue: VecDeque::new(),
                    waker: None,
                    origin: String::new(),
                    ended: false,
                    crashed: false,
                    native_state: ReadyState::Connecting,
                }),
                scratch: RefCell::new(Vec::new()),
                response_headers: RefCell::new(None),
                hooks,
                body,
                callbacks: Callbacks::new(weak, native),
                #[cfg(feature = "panic-hook")]
                panic_message: RefCell::new(None),
            });
            if native {
                let es = host::native(
                    &href,
                    options.sends_credentials(),
                    function(&driver.callbacks.open),
                    function(&driver.callbacks.error),
                );
                driver.io.borrow_mut().native = Some(es);
                driver.listen("message");
                return Ok(driver);
            }
            // The jitter of reconnect delays must differ between clients, so that they don't
            // all come back at once after an outage.
            let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
            let source = Source::new(&options, kind, &platform, href, host::hidden(), seed);
            *driver.engine.borrow_mut() = Some(source);
            let bits = options.lifecycle.bits();
            if bits != 0 {
                let stop = host::watch(bits, function(&driver.callbacks.lifecycle));
                driver.io.borrow_mut().unwatch = Some(stop);
            }
            driver.entry(|d| d.pump());
            Ok(driver)
        }

        pub(crate) fn url(&self) -> &str {
            &self.url
        }

        pub(crate) fn transport(&self) -> Transport {
            self.transport.get().into()
        }

        pub(crate) fn ready_state(&self) -> ReadyState {
            if self.crashed() {
                return ReadyState::Closed;
            }
            let native = match self.out.try_borrow() {
                Ok(out) if !out.ended => out.native_state,
                _ => return ReadyState::Closed,
            };
            match self.engine.try_borrow().as_deref() {
                Ok(Some(source)) => source.ready_state(),
                _ => native,
            }
        }

        pub(crate) fn listen(&self, event_type: &str) {
            if matches!(event_type, "open" | "error") {
                return;
            }
            let es = {
                let io = self.io.borrow();
                if io.released || io.listeners.iter().any(|(t, _)| t == event_type) {
                    return;
                }
                match &io.native {
                    Some(es) => es.clone(),
                    None => return,
                }
            };
            let stop = host::listen(&es, event_type, function(&self.callbacks.message));
            self.io.borrow_mut().listeners.push((event_type.to_owned(), stop));
        }

        /// Closes the source: nothing more is queued, the host lets go of everything.
        pub(crate) fn close(&self) {
            if self.depth.get() == 0 {
                if let Some(source) = self.engine.borrow_mut().as_mut() {
                    source.close();
                }
            }
            // Else the engine crashed (or a hook closes the source it is running for): it is
            // left alone; releasing is all it takes.
            self.release();
            self.end();
        }

        pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<SseEvent>> {
            self.crashed();
            let Ok(mut out) = self.out.try_borrow_mut() else { return Poll::Ready(None) };
            if let Some(event) = out.queue.pop_front() {
                return Poll::Ready(Some(event));
            }
            if out.ended {
                return Poll::Ready(None);
            }
            match &out.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => out.waker = Some(cx.waker().clone()),
            }
            Poll::Pending
        }

        pub(crate) fn is_terminated(&self) -> bool {
            self.crashed();
            self.out.try_borrow().map_or(true, |out| out.ended && out.queue.is_empty())
        }

        /// Whether the source crashed; the first time it is found out, it fails.
        fn crashed(&self) -> bool {
            if self.depth.get() == 0 {
                return self.out.try_borrow().is_ok_and(|out| out.crashed);
            }
            let Ok(mut out) = self.out.try_borrow_mut() else { return true };
            if out.crashed {
                return true;
            }
            out.crashed = true;
            out.queue.push_back(SseEvent::Error(Error::internal(self.panic_message())));
            out.ended = true;
            drop(out);
            self.release();
            true
        }

        #[cfg(feature = "panic-hook")]
        fn panic_message(&self) -> String {
            let message = self.panic_message.try_borrow_mut().ok().and_then(|mut m| m.take());
            message.unwrap_or_else(|| "a panic in eventsource-wasm".to_owned())
        }

        #[cfg(not(feature = "panic-hook"))]
        fn panic_message(&self) -> String {
            "a panic in eventsource-wasm (the feature `panic-hook` keeps its message)".to_owned()
        }

        /// Runs `f` for a call from the host, unless the source is released or crashed.
        fn entry<R>(self: &Rc<Self>, f: impl FnOnce(&Rc<Self>) -> R) -> Option<R> {
            if self.crashed() || self.io.borrow().released {
                return None;
            }
            // Should `f` trap, the stream must still learn of it: it is polled after this call
            // (a waker schedules, it does not poll at once), and then finds `depth` raised.
            let waker = self.out.borrow_mut().waker.take();
            if let Some(waker) = waker {
                waker.wake();
            }
            #[cfg(feature = "panic-hook")]
            let _serving = super::super::hook::serve(self);
            self.depth.set(1);
            let result = f(self);
            self.depth.set(0);
            self.wake();
            Some(result)
        }

        /// Wakes the stream's task if it has something to take.
        fn wake(&self) {
            let waker = {
                let mut out = self.out.borrow_mut();
                if out.queue.is_empty() && !out.ended {
                    return;
                }
                out.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }

        fn push(&self, event: SseEvent) {
            self.out.borrow_mut().queue.push_back(event);
        }

        /// The headers of the last response, as far as CORS lets the page see them.
        fn visible_headers(&self) -> Vec<(String, String)> {
            let Some(f) = self.response_headers.borrow().clone() else { return Vec::new() };
            let Ok(pairs) = f.call0(&JsValue::UNDEFINED) else { return Vec::new() };
            js_sys::Array::from(&pairs)
                .iter()
                .map(|pair| {
                    let pair = js_sys::Array::from(&pair);
                    (pair.get(0).as_string().unwrap_or_default(), pair.get(1).as_string().unwrap_or_default())
                })
                .collect()
        }

        fn end(&self) {
            self.out.borrow_mut().ended = true;
            self.wake();
        }

        /// Carries out what the engine asks, until it has nothing more; then arms the timer.
        fn pump(self: &Rc<Self>) {
            loop {
                if self.io.borrow().released {
                    return;
                }
                let t = now();
                let command = self.engine.borrow_mut().as_mut().and_then(|s| s.poll(t));
                let Some(command) = command else { break };
                match command {
                    Command::Request(request) => self.start(request),
                    Command::AskHeaders { generation, attempt, last_event_id } => {
                        self.ask_headers(generation, attempt, &last_event_id)
                    }
                    Command::Abort => {
                        let abort = self.io.borrow_mut().abort.take();
                        if let Some(abort) = abort {
                            call(&abort);
                        }
                    }
                    Command::Open => {
                        let engine = self.engine.borrow();
                        let origin = engine.as_ref().map_or("", |s| s.origin());
                        let mut out = self.out.borrow_mut();
                        origin.clone_into(&mut out.origin);
                        out.queue.push_back(SseEvent::Open);
                    }
                    Command::Error(report) => {
                        let closed = report.ready_state == ReadyState::Closed;
                        let mut error = Error::from_report(&report);
                        if matches!(error.reason, ErrorReason::HttpStatus | ErrorReason::ContentType) {
                            error.headers = self.visible_headers();
                        }
                        self.push(SseEvent::Error(error));
                        if closed {
                            self.release();
                            self.out.borrow_mut().ended = true;
                        }
                    }
                    Command::AskReconnect(info) => {
                        let decision = match &self.hooks.on_reconnect {
                            Some(hook) => match hook(&ReconnectInfo {
                                attempt: info.attempt,
                                delay: Duration::from_millis(info.delay),
                                reason: info.kind.into(),
                                status: info.status,
                                last_event_id: info.last_event_id,
                            }) {
                                Reconnect::Proceed => Decision::Proceed,
                                Reconnect::After(delay) => {
                                    Decision::Delay(delay.as_millis().min(u128::from(Millis::MAX)) as Millis)
                                }
                                Reconnect::GiveUp => Decision::GiveUp,
                            },
                            None => Decision::Proceed,
                        };
                        let t = now();
                        if let Some(source) = self.engine.borrow_mut().as_mut() {
                            source.decide(t, decision);
                        }
                    }
                    Command::TransportChanged(kind) => self.transport.set(kind),
                }
            }
            self.arm();
        }

        fn start(&self, request: Request) {
            let mut headers = Vec::with_capacity(request.headers.len() * 2);
            for (name, value) in request.headers {
                headers.push(name);
                headers.push(value);
            }
            let body = if request.body { self.body.as_deref() } else { None };
            self.generation.set(request.generation);
            if request.xhr {
                host::provide_xhr();
            }
            let flags = if request.xhr { host::FLAG_XHR } else { 0 }
                | if request.cross_origin { host::FLAG_CROSS_ORIGIN } else { 0 };
            let abort = host::request(
                function(&self.callbacks.report),
                flags,
                &request.url,
                &request.method,
                headers,
                body,
                request.credentials as u32,
                &JsValue::UNDEFINED,
            );
            self.io.borrow_mut().abort = Some(abort);
        }

        /// The application's header function, before a connect; the request follows.
        fn ask_headers(&self, generation: u32, attempt: u32, last_event_id: &str) {
            let extra = self.hooks.headers.as_ref().map(|f| f(last_event_id, attempt)).unwrap_or_default();
            // Checked as the builder's headers are; a bad one fails this attempt, as a header
            // function that throws does in JavaScript.
            let mut checked = Options::default();
            let ok = extra.iter().all(|(name, value)| checked.add_header(name, value).is_ok());
            let t = now();
            if let Some(source) = self.engine.borrow_mut().as_mut() {
                if ok {
                    source.headers_ready(generation, t, checked.headers);
                } else {
                    source.headers_failed(generation, t);
                }
            }
        }

        /// Arms the one timer for the engine's next deadline (an earlier one armed stays: it
        /// re-arms when it fires).
        fn arm(&self) {
            let Some(deadline) = self.engine.borrow().as_ref().and_then(Source::poll_timeout) else { return };
            let deadline = deadline as f64;
            let old = {
                let mut io = self.io.borrow_mut();
                if io.released || deadline >= io.at {
                    return;
                }
                io.at = deadline;
                io.timer.take()
            };
            if let Some(id) = old {
                host::cancel(&id);
            }
            let id = host::timer((deadline - host::now()).max(0.0), function(&self.callbacks.tick));
            self.io.borrow_mut().timer = Some(id);
        }

        /// Lets go of everything the host holds: the request, the timer, the page's events, the
        /// native source. Nothing is reported after this.
        fn release(&self) {
            let (abort, timer, unwatch, native, listeners) = {
                let Ok(mut io) = self.io.try_borrow_mut() else { return };
                if io.released {
                    return;
                }
                io.released = true;
                io.at = f64::NEG_INFINITY;
                (
                    io.abort.take(),
                    io.timer.take(),
                    io.unwatch.take(),
                    io.native.take(),
                    core::mem::take(&mut io.listeners),
                )
            };
            if let Some(abort) = abort {
                call(&abort);
            }
            if let Some(id) = timer {
                host::cancel(&id);
            }
            if let Some(stop) = unwatch {
                call(&stop);
            }
            for (_, stop) in listeners {
                call(&stop);
            }
            if let Some(es) = native {
                host::close_native(&es);
            }
        }

        #[allow(clippy::too_many_arguments)]
        fn on_report(
            self: &Rc<Self>,
            kind: u32,
            a: JsValue,
            b: JsValue,
            content_type: Option<String>,
            retry_after: Option<String>,
            date: Option<String>,
            url: Option<String>,
            headers: JsValue,
        ) -> bool {
            let generation = self.generation.get();
            if kind == host::REPORT_RESPONSE {
                // Kept for the `error` of a refused response, which carries its headers.
                *self.response_headers.borrow_mut() = headers.dyn_into::<js_sys::Function>().ok();
            }
            self.entry(|d| {
                // Everything from JavaScript is read first: no call out while the engine is borrowed.
                let t = now();
                let status_text = if kind == host::REPORT_RESPONSE { b.as_string() } else { None };
                let wall_clock = if kind == host::REPORT_RESPONSE { Some(host::wall_clock() as Millis) } else { None };
                let text = if kind == host::REPORT_TEXT { a.as_string() } else { None };
                let mut scratch = d.scratch.borrow_mut();
                let mut chunk = &[][..];
                if kind == host::REPORT_BYTES {
                    let array: &js_sys::Uint8Array = a.unchecked_ref();
                    let n = array.length() as usize;
                    if scratch.len() < n {
                        scratch.resize(n, 0);
                    }
                    array.copy_to(&mut scratch[..n]);
                    chunk = &scratch[..n];
                }
                {
                    let mut engine = d.engine.borrow_mut();
                    let Some(source) = engine.as_mut() else { return false };
                    match kind {
                        host::REPORT_RESPONSE => {
                            let response = ResponseInfo {
                                status: a.as_f64().unwrap_or(0.0) as u16,
                                status_text: status_text.as_deref().unwrap_or(""),
                                content_type: content_type.as_deref(),
                                retry_after: retry_after.as_deref(),
                                date: date.as_deref(),
                                url: url.as_deref().unwrap_or(""),
                                wall_clock,
                            };
                            source.on_response(generation, t, &response);
                        }
                        host::REPORT_BYTES => d.feed(source, generation, t, chunk, None),
                        host::REPORT_TEXT => {
                            let handed_over = b.as_f64().map(|n| n as u64);
                            d.feed(source, generation, t, text.as_deref().unwrap_or("").as_bytes(), handed_over);
                        }
                        host::REPORT_END => source.on_end(generation, t),
                        host::REPORT_NETWORK_ERROR => source.on_network_error(generation, t),
                        host::REPORT_ABORTED => source.on_aborted(generation),
                        host::REPORT_CORS => source.on_cors_failure(generation, t),
                        host::REPORT_NOT_A_RESPONSE => source.on_not_a_response(generation),
                        _ => {}
                    }
                }
                drop(scratch);
                d.pump();
                d.engine.borrow().as_ref().is_some_and(|s| s.is_current(generation))
            })
            .unwrap_or(false)
        }

        /// Body bytes to the engine; its events (and comments, where asked for), typed, to the
        /// stream's queue.
        fn feed(&self, source: &mut Source, generation: u32, t: Millis, bytes: &[u8], handed_over: Option<u64>) {
            source.on_output(generation, t, bytes, handed_over, |output| {
                let mut out = self.out.borrow_mut();
                let item = match output {
                    Output::Event(event) => SseEvent::Message(Message {
                        event_type: event.event_type.to_owned(),
                        data: event.data.to_owned(),
                        last_event_id: event.id.to_owned(),
                        origin: out.origin.clone(),
                    }),
                    Output::Comment { text, id } => {
                        SseEvent::Comment(Comment { text: text.to_owned(), last_event_id: id.to_owned() })
                    }
                    Output::Retry(_) => return,
                };
                out.queue.push_back(item);
            });
        }

        fn on_tick(self: &Rc<Self>) {
            {
                let mut io = self.io.borrow_mut();
                io.timer = None;
                if !io.released {
                    io.at = f64::INFINITY;
                }
            }
            self.entry(|d| {
                let t = now();
                if let Some(source) = d.engine.borrow_mut().as_mut() {
                    source.on_timeout(t);
                }
                d.pump();
            });
        }

        fn on_lifecycle(self: &Rc<Self>, what: u32) {
            let Some(what) = Happening::from_code(what) else { return };
            self.entry(|d| {
                let t = now();
                if let Some(source) = d.engine.borrow_mut().as_mut() {
                    source.on_lifecycle(t, what);
                }
                d.pump();
            });
        }

        fn on_native_open(self: &Rc<Self>) {
            self.entry(|d| {
                let mut out = d.out.borrow_mut();
                out.native_state = ReadyState::Open;
                out.queue.push_back(SseEvent::Open);
            });
        }

        fn on_native_error(self: &Rc<Self>) {
            self.entry(|d| {
                let es = d.io.borrow().native.clone();
                let closed = es.is_none_or(|es| es.ready_state() == 2);
                {
                    let mut out = d.out.borrow_mut();
                    out.native_state = if closed { ReadyState::Closed } else { ReadyState::Connecting };
                    // The native class tells nothing more; neither can we.
                    out.queue.push_back(SseEvent::Error(Error::native(closed)));
                }
                if closed {
                    d.release();
                    d.out.borrow_mut().ended = true;
                }
            });
        }

        fn on_native_message(self: &Rc<Self>, event_type: String, data: String, id: String, origin: String) {
            self.entry(|d| d.push(SseEvent::Message(Message { event_type, data, last_event_id: id, origin })));
        }
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            // The host must not call a function of ours once it is gone.
            self.release();
        }
    }

    /// What an event costs through the Rust face: from a chunk the host reports (through the
    /// same JavaScript call as a `fetch` read) to typed [`SseEvent`]s taken from the stream,
    /// against the parser alone and the engine alone on the same chunks. Meaningful in a release
    /// build (scripts/test runs `cargo test --release --lib` for it, in Chromium); in a debug
    /// build it still checks that every event arrives, in order.
    #[cfg(test)]
    mod cost {
        use super::*;
        use crate::engine::options::TransportChoice;
        use crate::engine::parser::{Output, Parser};
        use core::task::{Context, Poll};
        use wasm_bindgen_test::*;

        const EVENTS: usize = 100_000;
        const CHUNK: usize = 64 * 1024;
        const ROUNDS: usize = 11;

        /// `id: N` and 32 bytes of data per event, cut into 64 KiB chunks (as a network read
        /// hands them over) wherever that falls.
        fn chunks() -> Vec<js_sys::Uint8Array> {
            let mut stream = Vec::new();
            for i in 1..=EVENTS {
                stream.extend_from_slice(format!("id: {i}\ndata: {i:032}\n\n").as_bytes());
            }
            stream.chunks(CHUNK).map(js_sys::Uint8Array::from).collect()
        }

        /// Nanoseconds per event of `run`: the median and the fastest of the rounds, after one
        /// to warm up.
        fn measure(mut run: impl FnMut() -> usize) -> (f64, f64) {
            assert_eq!(run(), EVENTS);
            let mut rounds: Vec<f64> = (0..ROUNDS)
                .map(|_| {
                    let t0 = host::now();
                    assert_eq!(run(), EVENTS);
                    (host::now() - t0) * 1e6 / EVENTS as f64
                })
                .collect();
            rounds.sort_by(f64::total_cmp);
            (rounds[ROUNDS / 2], rounds[0])
        }

        /// The whole face: chunks reported through JavaScript, typed events taken from the
        /// stream, each checked.
        fn through_the_face(chunks: &[js_sys::Uint8Array]) -> usize {
            // Nothing listens there; that request fails later, after this synchronous run, and
            // the source is closed by then.
            let options = Options { transport: TransportChoice::Only(TransportKind::Fetch), ..Options::default() };
            let driver = Driver::connect("http://127.0.0.1:9/cost", options, None, Hooks::default()).unwrap();
            let report = function(&driver.callbacks.report).clone();
            let call = |args: &[JsValue]| {
                let array: js_sys::Array = args.iter().collect();
                report.apply(&JsValue::UNDEFINED, &array).unwrap().as_bool().unwrap()
            };
            let text = |s: &str| JsValue::from_str(s);
            let response = [
                0.into(),
                200.into(),
                text("OK"),
                text("text/event-stream"),
                JsValue::NULL,
                JsValue::NULL,
                text(driver.url()),
            ];
            assert!(call(&response));
            let mut cx = Context::from_waker(Waker::noop());
            let mut seen = 0;
            for chunk in chunks {
                assert!(call(&[1.into(), chunk.into()]));
                while let Poll::Ready(Some(event)) = driver.poll_next(&mut cx) {
                    if let SseEvent::Message(m) = event {
                        seen += 1;
                        assert_eq!(m.last_event_id, seen.to_string());
                        assert_eq!(m.data.len(), 32);
                    }
                }
            }
            driver.close();
            seen
        }

        #[wasm_bindgen_test]
        fn per_event_cost() {
            let chunks = chunks();
            let bytes: Vec<Vec<u8>> = chunks.iter().map(js_sys::Uint8Array::to_vec).collect();
            let parser = measure(|| {
                let mut parser = Parser::new();
                let mut n = 0;
                for chunk in &bytes {
                    parser.feed(chunk, |out| n += usize::from(matches!(out, Output::Event(_)))).unwrap();
                }
                n
            });
            let engine = measure(|| {
                let platform = Platform { fetch_streaming: true, ..Platform::default() };
                let url = "http://a.test/".to_owned();
                let mut source = Source::new(&Options::default(), TransportKind::Fetch, &platform, url, false, 1);
                let Some(Command::Request(request)) = source.poll(0) else { panic!("no request") };
                let ok = ResponseInfo { status: 200, content_type: Some("text/event-stream"), ..Default::default() };
                assert!(source.on_response(request.generation, 0, &ok));
                let mut n = 0;
                for chunk in &bytes {
                    source.on_bytes(request.generation, 0, chunk, None, |_| n += 1);
                }
                n
            });
            let face = measure(|| through_the_face(&chunks));
            console_log!(
                "per event ({EVENTS} events of 32 bytes with ids, 64 KiB chunks; median / fastest of {ROUNDS} rounds): \
                 parser {:.0} / {:.0} ns; engine {:.0} / {:.0} ns; Rust face (a chunk through JavaScript to typed \
                 events taken from the stream) {:.0} / {:.0} ns = {:.2} M events/s",
                parser.0,
                parser.1,
                engine.0,
                engine.1,
                face.0,
                face.1,
                1000.0 / face.0
            );
        }
    }
}
