//! The page events a long-lived source may react to: the browser coming back online, a page
//! restored from the back/forward cache, and the page being hidden or shown. Listeners are
//! removed when the [`Lifecycle`] is dropped, which the driver does when the source closes.

use crate::prelude::*;
use alloc::rc::Weak;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

use crate::driver::LifecycleOptions;
use crate::platform::global_property;

/// What happened to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Happening {
    Online,
    /// Shown again from the back/forward cache.
    PageShow,
    Hidden,
    Visible,
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

pub(crate) struct Lifecycle {
    listeners: Vec<(EventTarget, &'static str, Listener)>,
}

impl Lifecycle {
    /// Starts listening for what `options` asks; `None` when it asks for nothing (or the
    /// environment has no such events, as in Node.js).
    pub fn watch<T: 'static>(
        options: LifecycleOptions,
        state: Weak<T>,
        on: fn(&Weak<T>, Happening),
    ) -> Option<Lifecycle> {
        let global: EventTarget = js_sys::global().unchecked_into();
        let document = global_property("document").map(|d| d.unchecked_into::<EventTarget>());
        let mut listeners = Vec::new();
        let mut listen = |target: &EventTarget, name: &'static str, pick: fn(&web_sys::Event) -> Option<Happening>| {
            let state = state.clone();
            let cb: Listener = Closure::new(move |ev: web_sys::Event| {
                if let Some(what) = pick(&ev) {
                    on(&state, what);
                }
            });
            if target.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref()).is_ok() {
                listeners.push((target.clone(), name, cb));
            }
        };
        if options.reconnect_on_online {
            listen(&global, "online", |_| Some(Happening::Online));
        }
        if options.reconnect_on_pageshow {
            listen(&global, "pageshow", |ev| {
                let persisted = Reflect::get(ev, &"persisted".into()).ok().and_then(|v| v.as_bool());
                persisted.unwrap_or(false).then_some(Happening::PageShow)
            });
        }
        if let (true, Some(document)) = (options.pause_when_hidden, &document) {
            listen(document, "visibilitychange", |_| {
                Some(if page_hidden() { Happening::Hidden } else { Happening::Visible })
            });
        }
        (!listeners.is_empty()).then_some(Lifecycle { listeners })
    }
}

impl Drop for Lifecycle {
    fn drop(&mut self) {
        for (target, name, cb) in &self.listeners {
            let _ = target.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

/// Whether the page is hidden now (false where there is no document).
pub(crate) fn page_hidden() -> bool {
    global_property("document")
        .and_then(|d| Reflect::get(&d, &"visibilityState".into()).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|state| state == "hidden")
}
