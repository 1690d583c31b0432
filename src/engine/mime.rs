//! Just enough of the WHATWG MIME Sniffing standard to decide whether a response's
//! `Content-Type` is `text/event-stream`.
//!
//! The EventSource processing model compares the MIME type's *essence* (type and subtype,
//! lower-cased, parameters dropped), so `Text/Event-Stream; charset=utf-8` passes and
//! `text/event-streams` or a missing header fail the connection.
//!
//! ```
//! use eventsource_wasm::mime::is_event_stream;
//! assert!(is_event_stream(Some("text/event-stream;charset=UTF-8")));
//! assert!(!is_event_stream(Some("text/plain")));
//! assert!(!is_event_stream(None));
//! ```

use super::text::{http_whitespace, is_token, split, split_once, trim};

/// Whether a `Content-Type` header value (as `Headers.get` returns it, several header lines
/// joined by `", "`) is `text/event-stream`, following the Fetch standard's "extract a MIME type":
/// the last valid type named wins.
pub fn is_event_stream(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else { return false };
    let mut essence: Option<(&str, &str)> = None;
    for part in split_outside_quotes(value) {
        if let Some((ty, sub)) = parse_essence(part) {
            if ty == "*" && sub == "*" {
                continue;
            }
            essence = Some((ty, sub));
        }
    }
    matches!(essence, Some((ty, sub)) if ty.eq_ignore_ascii_case("text") && sub.eq_ignore_ascii_case("event-stream"))
}

/// Splits at commas that are not inside a quoted parameter value.
fn split_outside_quotes(value: &str) -> impl Iterator<Item = &str> {
    let mut in_quotes = false;
    let mut escaped = false;
    split(value, move |c| {
        if escaped {
            escaped = false;
        } else if in_quotes && c == b'\\' {
            escaped = true;
        } else if c == b'"' {
            in_quotes = !in_quotes;
        } else {
            return c == b',' && !in_quotes;
        }
        false
    })
}

/// The type and subtype of one MIME type string, if it parses.
fn parse_essence(s: &str) -> Option<(&str, &str)> {
    let s = trim(s, http_whitespace);
    let (ty, rest) = split_once(s, b'/')?;
    let sub = trim(split(rest, |b| b == b';').next().unwrap_or(""), http_whitespace);
    (is_token(ty) && is_token(sub)).then_some((ty, sub))
}

#[cfg(test)]
mod tests {
    use super::is_event_stream;

    #[test]
    fn essence_rules() {
        for ok in [
            "text/event-stream",
            "TEXT/Event-Stream",
            " text/event-stream ; charset=utf-8",
            "text/event-stream;charset=\"a,b\"",
            "text/plain, text/event-stream",
            "text/event-stream, */*",
        ] {
            assert!(is_event_stream(Some(ok)), "{ok:?} should pass");
        }
        for bad in [
            "",
            "text/event-streams",
            "text/plain",
            "text/event-stream, text/plain",
            "text /event-stream",
            "event-stream",
            "text/",
            "/event-stream",
            "text/event stream",
        ] {
            assert!(!is_event_stream(Some(bad)), "{bad:?} should fail");
        }
        assert!(!is_event_stream(None));
    }
}
