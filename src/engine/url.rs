//! The two things the engine does with a URL the platform has already parsed and serialised:
//! take its origin, and add the last event ID as a query parameter. Parsing stays with the
//! platform (`new URL()`), which every environment has; what is left is string work.

use crate::prelude::*;

use super::text::{join, split, split_once};

/// The serialised origin of a serialised absolute URL (`scheme://host[:port]`), as
/// `MessageEvent.origin` shows it; `"null"` for a URL without a host (an opaque origin).
///
/// ```
/// use eventsource_wasm::url::origin_of;
/// assert_eq!(origin_of("https://example.com:8443/a/b?c#d"), "https://example.com:8443");
/// assert_eq!(origin_of("http://127.0.0.1:3000"), "http://127.0.0.1:3000");
/// assert_eq!(origin_of("http://user:pw@example.com/"), "http://example.com");
/// assert_eq!(origin_of("about:event-stream"), "null");
/// ```
pub fn origin_of(url: &str) -> String {
    // Byte offsets of ASCII characters, so every cut is a char boundary; `get` keeps the
    // slicing free of panics (and of the formatting code a panic would bring in).
    let bytes = url.as_bytes();
    let Some(scheme_end) = bytes.windows(3).position(|w| w == b"://") else { return "null".to_owned() };
    let host_start = scheme_end + 3;
    let rest = bytes.get(host_start..).unwrap_or_default();
    let host_len = rest.iter().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    // A serialised URL may carry credentials as `user:pass@`; the origin does not.
    let authority = rest.get(..host_len).unwrap_or_default();
    let skip = authority.iter().rposition(|&b| b == b'@').map_or(0, |at| at + 1);
    let host = url.get(host_start + skip..host_start + host_len).unwrap_or_default();
    if host.is_empty() {
        return "null".to_owned();
    }
    join(&[url.get(..host_start).unwrap_or_default(), host])
}

/// Whether a request to `url` (absolute, serialised) can be made at all: `fetch` fetches
/// http, https, data and blob URLs; for any other scheme it fails at once.
pub fn fetchable(url: &str) -> bool {
    let scheme = split_once(url, b':').map_or("", |(s, _)| s);
    ["http", "https", "data", "blob"].iter().any(|s| s.eq_ignore_ascii_case(scheme))
}

/// Whether an absolute, serialised http(s) URL has a host the URL standard accepts. Browsers'
/// parsers are laxer: Chromium's takes `http://this is invalid/` and percent-encodes the spaces
/// into the host. A valid domain never holds `%` once serialised (the standard percent-decodes
/// a host and refuses the forbidden code points that come out), nor a forbidden domain code
/// point; IPv6 hosts are in brackets and hold neither. Other schemes are not checked.
pub fn valid_host(url: &str) -> bool {
    let Some((scheme, rest)) = split_once(url, b':') else { return true };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return true;
    }
    let authority = split(rest, |b| matches!(b, b'/' | b'?' | b'#')).find(|part| !part.is_empty()).unwrap_or("");
    let host_port = split(authority, |b| b == b'@').last().unwrap_or("");
    !host_port.is_empty() && !host_port.bytes().any(|b| b <= b' ' || b"%<>^|\\\"{}`\x7f".contains(&b))
}

/// `url` with the query parameter `name=value` set: any earlier parameter of that name is
/// removed, the new one goes last, before the fragment. Names and values are encoded as
/// `application/x-www-form-urlencoded` does (as `URLSearchParams` would).
///
/// ```
/// use eventsource_wasm::url::with_query;
/// assert_eq!(with_query("http://h/s?a=1", "lastEventId", "7 8"), "http://h/s?a=1&lastEventId=7+8");
/// assert_eq!(with_query("http://h/s?lastEventId=1&b=2#f", "lastEventId", "é"), "http://h/s?b=2&lastEventId=%C3%A9#f");
/// ```
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let fragment = split_once(url, b'#');
    let before_fragment = fragment.map_or(url, |(before, _)| before);
    let (path, query) = split_once(before_fragment, b'?').unwrap_or((before_fragment, ""));
    let mut encoded_name = String::new();
    form_encode(&mut encoded_name, name);
    let mut out = String::with_capacity(url.len() + name.len() + value.len() + 8);
    out.push_str(path);
    out.push('?');
    for pair in split(query, |b| b == b'&').filter(|p| !p.is_empty()) {
        if split(pair, |b| b == b'=').next() != Some(encoded_name.as_str()) {
            out.push_str(pair);
            out.push('&');
        }
    }
    out.push_str(&encoded_name);
    out.push('=');
    form_encode(&mut out, value);
    if let Some((_, fragment)) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The `application/x-www-form-urlencoded` byte serializer.
fn form_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        match b {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
}
