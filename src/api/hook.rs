//! The panic hook of the feature `panic-hook`: it tells the source a panic happened in what the
//! panic said, for the `internal` error that source then fails with.
//!
//! A crash is found out without it too (see `driver`); the hook only keeps the message, and it
//! is an application-wide choice, so it is opt-in. It is installed at the first `connect()` and
//! chained to the hook already there (an application's `console_error_panic_hook`, a test
//! harness's reporter), which still runs after it.

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use super::driver::Driver;

std::thread_local! {
    /// The source a call from the host is running for.
    static CURRENT: RefCell<Option<Weak<Driver>>> = const { RefCell::new(None) };
}

/// Marks a source as the one being served until dropped.
pub(crate) struct Serving(Option<Weak<Driver>>);

pub(crate) fn serve(driver: &Rc<Driver>) -> Serving {
    let previous = CURRENT.with(|c| c.try_borrow_mut().ok().and_then(|mut c| c.replace(Rc::downgrade(driver))));
    Serving(previous)
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

pub(crate) fn install() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(alloc::boxed::Box::new(move |info| {
            let current = CURRENT.with(|c| c.try_borrow().ok().and_then(|c| c.as_ref().and_then(Weak::upgrade)));
            if let Some(driver) = current {
                if let Ok(mut message) = driver.panic_message.try_borrow_mut() {
                    *message = Some(alloc::format!("{info}"));
                }
            }
            previous(info);
        }));
    });
}
