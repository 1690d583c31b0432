//! Streams server-sent events into the browser console from Rust.
//!
//! Build it for the browser with
//! `cargo build --example stream_events --target wasm32-unknown-unknown`, then run the output
//! through `wasm-bindgen --target web` and load it from a page served next to an SSE endpoint
//! at `/events` (the demo server in `www/` has one at `/event-stream`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use eventsource_wasm::api::rust::{EventSource, SseEvent};
    use std::time::Duration;

    fn log(line: &str) {
        web_sys::console::log_1(&line.into());
    }

    wasm_bindgen_futures::spawn_local(async {
        let mut source = match EventSource::builder("/events").heartbeat_timeout(Duration::from_secs(30)).connect() {
            Ok(source) => source,
            Err(e) => return log(&e.to_string()),
        };
        log(&format!("connecting to {} over {}", source.url(), source.transport()));
        // The source lives as long as this loop: dropping it would close the connection.
        while let Some(event) = source.next().await {
            match event {
                SseEvent::Open => log("open"),
                SseEvent::Message(m) => log(&format!("{} #{}: {}", m.event_type, m.last_event_id, m.data)),
                SseEvent::Error(e) if e.will_reconnect() => log(&format!("{e}; reconnecting")),
                SseEvent::Error(e) => return log(&format!("{e}; giving up")),
            }
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("this example runs in a browser: build it with --target wasm32-unknown-unknown");
}
