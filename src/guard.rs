//! Containment of a panic, should a bug ever cause one.
//!
//! On wasm32 a panic aborts: the instance traps out of whatever call was running. Nothing in
//! this crate is meant to panic on any input (the parser and the state machine are property-
//! tested for that), but if it happens the damage must stay with one source: that source fails
//! with an `error` event (reason `internal`) and every other source goes on.
//!
//! Each entry point from the platform into a source (a transport callback, a timer, a lifecycle
//! event) marks which source it is serving; the panic hook tells that source's sink before the
//! trap. The trap leaves that source's state borrowed, so later callbacks for it find it busy
//! (`try_borrow` fails) and return without touching it. Other sources have state of their own;
//! the futures executor moves on to its next task; so they are unaffected.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Once;

use crate::driver::Sink;

thread_local! {
    static CURRENT: RefCell<Option<Rc<dyn Sink>>> = const { RefCell::new(None) };
}

/// Restores the previously served source when dropped.
pub(crate) struct Serving(Option<Rc<dyn Sink>>);

/// Marks `sink`'s source as the one being served until the returned value is dropped.
pub(crate) fn serve(sink: Option<Rc<dyn Sink>>) -> Serving {
    install_hook();
    Serving(CURRENT.with(|c| c.try_borrow_mut().map(|mut c| std::mem::replace(&mut *c, sink)).unwrap_or(None)))
}

impl Drop for Serving {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = previous;
            }
        });
    }
}

fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // Keep whatever hook was there (an application's console_error_panic_hook, a test
        // harness's reporter) and run it after ours.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let sink = CURRENT.with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.take()));
            if let Some(sink) = sink {
                sink.crashed(&info.to_string());
            }
            previous(info);
        }));
    });
}
