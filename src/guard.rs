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

use alloc::rc::Rc;
use core::cell::RefCell;

use crate::driver::Sink;

/// The source being served. wasm32 without atomics runs one thread, which is what makes this
/// `Sync` sound (a `thread_local!` would need std, which the npm build leaves out).
struct Current(RefCell<Option<Rc<dyn Sink>>>);
// SAFETY: only ever touched from the one thread of a wasm32 instance without atomics.
unsafe impl Sync for Current {}
static CURRENT: Current = Current(RefCell::new(None));

/// Restores the previously served source when dropped.
pub(crate) struct Serving(Option<Rc<dyn Sink>>);

/// Marks `sink`'s source as the one being served until the returned value is dropped.
pub(crate) fn serve(sink: Option<Rc<dyn Sink>>) -> Serving {
    #[cfg(feature = "std")]
    install_hook();
    Serving(CURRENT.0.try_borrow_mut().map(|mut c| core::mem::replace(&mut *c, sink)).unwrap_or(None))
}

impl Drop for Serving {
    fn drop(&mut self) {
        let previous = self.0.take();
        if let Ok(mut c) = CURRENT.0.try_borrow_mut() {
            *c = previous;
        }
    }
}

/// Tells the source being served, if any, that it crashed.
fn report(message: &str) {
    let sink = CURRENT.0.try_borrow_mut().ok().and_then(|mut c| c.take());
    if let Some(sink) = sink {
        sink.crashed(message);
    }
}

#[cfg(feature = "std")]
fn install_hook() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // Keep whatever hook was there (an application's console_error_panic_hook, a test
        // harness's reporter) and run it after ours.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report(&info.to_string());
            previous(info);
        }));
    });
}

/// Without std (the npm build) this crate is the panic handler. It reports the panic's own
/// text, never a formatted one: formatting would bring back the code that leaving std out
/// saves. The source's `error` event says `internal` either way.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    report(info.message().as_str().unwrap_or("panicked"));
    core::arch::wasm32::unreachable()
}
