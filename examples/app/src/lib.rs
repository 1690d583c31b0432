//! A small Rust/wasm application on eventsource-wasm: it follows an event stream with a bearer
//! token and a JSON body, shows every event on the page, and stops after a number of messages.
//!
//! Build it with `wasm-pack build --target web --release` and load `index.html` from a server
//! that also serves the stream (tests/app/run.mjs does both, against the test server).

use eventsource_wasm::{EventSource, SseEvent};
use wasm_bindgen::prelude::*;

/// Follows `url` with a POST of `body` and `Authorization: Bearer <token>` until `count`
/// messages arrived, showing each event in the page's `#log` list. Returns the lines shown;
/// fails with the source's error if it fails for good first.
#[wasm_bindgen]
pub async fn follow(url: String, token: String, body: String, count: u32) -> Result<String, JsError> {
    let mut source = EventSource::builder(&url)
        .method("POST")
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(body)
        .connect()?;
    let mut lines = Vec::new();
    let mut messages = 0;
    while let Some(event) = source.next().await {
        let line = match event {
            SseEvent::Open => "open".to_owned(),
            SseEvent::Message(m) => {
                messages += 1;
                format!("message {} {}", m.last_event_id, m.data)
            }
            SseEvent::Error(e) if e.will_reconnect() => format!("reconnecting: {e}"),
            SseEvent::Error(e) => return Err(e.into()),
            SseEvent::Comment(c) => format!("comment {}", c.text),
        };
        show(&line);
        lines.push(line);
        if messages == count {
            break;
        }
    }
    Ok(lines.join("\n"))
    // `source` is dropped here, which closes the connection.
}

/// Appends a line to the page's `#log` list, if it has one.
fn show(line: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let (Some(log), Ok(item)) = (document.get_element_by_id("log"), document.create_element("li")) else { return };
    item.set_text_content(Some(line));
    let _ = log.append_child(&item);
}
