//! Streams the demo's server-sent events into the browser console from Rust.
//!
//! Start the demo (`npm run demo`: its stream is `http://127.0.0.1:3000/event-stream`), build
//! this for the browser with `cargo build --example stream_events --target
//! wasm32-unknown-unknown`, run the output through `wasm-bindgen --target web`, and load it
//! from a page. A whole application, built with wasm-pack and tested in browsers, is
//! `examples/app/`.

#[cfg(target_arch = "wasm32")]
fn main() {
    use eventsource_wasm::{EventSource, SseEvent};
    use std::time::Duration;

    fn log(line: &str) {
        web_sys::console::log_1(&line.into());
    }

    wasm_bindgen_futures::spawn_local(async {
        let source = EventSource::builder("http://127.0.0.1:3000/event-stream")
            .heartbeat_timeout(Duration::from_secs(30))
            .connect();
        let mut source = match source {
            Ok(source) => source,
            Err(e) => return log(&e.to_string()),
        };
        log(&format!("connecting to {} over {}", source.url(), source.transport()));
        // The source lives as long as this loop: dropping it closes the connection.
        while let Some(event) = source.next().await {
            match event {
                SseEvent::Open => log("open"),
                SseEvent::Message(m) => log(&format!("{} #{}: {}", m.event_type, m.last_event_id, m.data)),
                SseEvent::Error(e) if e.will_reconnect() => log(&format!("{e}; reconnecting")),
                SseEvent::Error(e) => return log(&format!("{e}; giving up")),
                SseEvent::Comment(c) => log(&format!("comment: {}", c.text)),
            }
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("this example runs in a browser: build it with --target wasm32-unknown-unknown");
}
