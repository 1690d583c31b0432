//! The browser's own `EventSource`, mirrored onto our object.
//!
//! Where the native class can do what the page asked, it is the most faithful transport there
//! is: its events and ready states are forwarded as they come. Custom event types only reach a
//! native source through `addEventListener`, so the API layer tells us each type a page listens
//! to ([`NativeSource::listen`]).

use crate::prelude::*;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, EventSourceInit, MessageEvent};

use crate::connection::ReadyState;
use crate::driver::{origin_of, pack_event, ErrorReport, Sink};
use crate::guard;
use crate::parser::Event;

struct Inner {
    es: Option<EventSource>,
    sink: Option<Rc<dyn Sink>>,
    on_open: Option<Closure<dyn FnMut()>>,
    on_error: Option<Closure<dyn FnMut()>>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    /// Types with a native listener, `message` included.
    types: Vec<String>,
    origin: String,
    packed: String,
}

pub(crate) struct NativeSource(Rc<RefCell<Inner>>);

impl NativeSource {
    pub fn start(url: &str, with_credentials: bool, sink: Rc<dyn Sink>) -> Result<NativeSource, JsValue> {
        let init = EventSourceInit::new();
        init.set_with_credentials(with_credentials);
        let es = EventSource::new_with_event_source_init_dict(url, &init)?;
        let inner = Rc::new(RefCell::new(Inner {
            es: Some(es.clone()),
            sink: Some(sink),
            on_open: None,
            on_error: None,
            on_message: None,
            types: Vec::new(),
            origin: origin_of(url),
            packed: String::new(),
        }));
        let weak = Rc::downgrade(&inner);
        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || on_open(&weak)
        });
        let on_error = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || on_error(&weak)
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev| on_message(&weak, ev));
        es.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        {
            let mut i = inner.borrow_mut();
            i.on_open = Some(on_open);
            i.on_error = Some(on_error);
            i.on_message = Some(on_message);
        }
        let source = NativeSource(inner);
        source.listen("message");
        Ok(source)
    }

    /// Makes sure events of `event_type` reach us.
    pub fn listen(&self, event_type: &str) {
        if event_type == "open" || event_type == "error" {
            return;
        }
        let mut i = self.0.borrow_mut();
        if i.types.iter().any(|t| t == event_type) {
            return;
        }
        if let (Some(es), Some(cb)) = (&i.es, &i.on_message) {
            let _ = es.add_event_listener_with_callback(event_type, cb.as_ref().unchecked_ref());
        }
        i.types.push(event_type.to_owned());
    }

    /// Hands message delivery to the caller, which listens on the returned native source
    /// itself: the JS class forwards each native event straight to its own listeners, without
    /// copying its strings into wasm and back (opening, errors and states still come through
    /// the sink). Later [`NativeSource::listen`] calls do nothing.
    pub fn take_messages(&self) -> Option<EventSource> {
        let mut i = self.0.borrow_mut();
        let es = i.es.clone()?;
        if let Some(cb) = i.on_message.take() {
            for t in &i.types {
                let _ = es.remove_event_listener_with_callback(t, cb.as_ref().unchecked_ref());
            }
        }
        i.types.clear();
        Some(es)
    }

    pub fn ready_state(&self) -> ReadyState {
        match self.0.borrow().es.as_ref().map(|es| es.ready_state()) {
            Some(0) => ReadyState::Connecting,
            Some(1) => ReadyState::Open,
            _ => ReadyState::Closed,
        }
    }

    pub fn close(&self) {
        release(&self.0);
    }
}

impl Drop for NativeSource {
    fn drop(&mut self) {
        release(&self.0);
    }
}

/// Closes the native source and lets go of every callback and of the page's objects.
fn release(inner: &Rc<RefCell<Inner>>) {
    let mut i = inner.borrow_mut();
    if let Some(es) = i.es.take() {
        es.close();
        es.set_onopen(None);
        es.set_onerror(None);
        if let Some(cb) = &i.on_message {
            for t in &i.types {
                let _ = es.remove_event_listener_with_callback(t, cb.as_ref().unchecked_ref());
            }
        }
    }
    i.sink = None;
    i.on_open = None;
    i.on_error = None;
    i.on_message = None;
}

fn on_open(weak: &Weak<RefCell<Inner>>) {
    let Some(inner) = weak.upgrade() else { return };
    let Ok(sink) = inner.try_borrow().map(|i| i.sink.clone()) else { return };
    let _serving = guard::serve(sink);
    let (sink, origin) = {
        let i = inner.borrow();
        (i.sink.clone(), i.origin.clone())
    };
    if let Some(sink) = sink {
        sink.open(&origin);
    }
}

fn on_error(weak: &Weak<RefCell<Inner>>) {
    let Some(inner) = weak.upgrade() else { return };
    let Ok(sink) = inner.try_borrow().map(|i| i.sink.clone()) else { return };
    let _serving = guard::serve(sink);
    let (sink, state) = {
        let i = inner.borrow();
        let state = match i.es.as_ref().map(|es| es.ready_state()) {
            Some(0) => ReadyState::Connecting,
            Some(1) => ReadyState::Open,
            _ => ReadyState::Closed,
        };
        (i.sink.clone(), state)
    };
    if let Some(sink) = sink {
        // The native class tells nothing more; neither can we.
        sink.error(&ErrorReport { reason: "native", status: 0, status_text: "", state, delay: None });
    }
    if state == ReadyState::Closed {
        release(&inner);
    }
}

fn on_message(weak: &Weak<RefCell<Inner>>, ev: MessageEvent) {
    let Some(inner) = weak.upgrade() else { return };
    let Ok(sink) = inner.try_borrow().map(|i| i.sink.clone()) else { return };
    let _serving = guard::serve(sink);
    let (sink, packed, new_origin) = {
        let mut i = inner.borrow_mut();
        let origin = ev.origin();
        let new_origin = (origin != i.origin).then(|| {
            i.origin.clone_from(&origin);
            origin
        });
        let mut packed = core::mem::take(&mut i.packed);
        packed.clear();
        let (event_type, id) = (ev.type_(), ev.last_event_id());
        let data = ev.data().as_string().unwrap_or_default();
        pack_event(&mut packed, &Event { event_type: &event_type, data: &data, id: &id });
        (i.sink.clone(), packed, new_origin)
    };
    if let Some(sink) = sink {
        if let Some(origin) = new_origin {
            sink.set_origin(&origin);
        }
        sink.messages(&packed);
    }
    inner.borrow_mut().packed = packed;
}
