//! The little string work the engine does (splitting header lines, dates, queries), on bytes.
//!
//! Every separator here is ASCII, so every cut is a character boundary; cuts use `get`, which
//! cannot panic. Why not `str::split` and friends: their generic pattern machinery, and the
//! panic paths behind it, would be a good part of the engine's size in the npm package.

use crate::prelude::*;

/// The pieces of `s` between the bytes for which `at` is true (all ASCII).
pub fn split<F: FnMut(u8) -> bool>(s: &str, at: F) -> Split<'_, F> {
    Split { rest: Some(s), at }
}

/// See [`split`].
pub struct Split<'a, F> {
    rest: Option<&'a str>,
    at: F,
}

impl<'a, F: FnMut(u8) -> bool> Iterator for Split<'a, F> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(&mut self.at) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// `s` cut at the first `sep` (ASCII), or `None` without one.
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s` without the leading and trailing bytes for which `strip` is true (all ASCII).
pub fn trim(s: &str, strip: impl Fn(u8) -> bool) -> &str {
    let bytes = s.as_bytes();
    let start = bytes.iter().position(|&b| !strip(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| !strip(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

/// HTTP's whitespace: space, tab, CR, LF.
pub fn http_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `s` holds NUL, CR or LF, which no header value may.
pub fn has_nul_cr_lf(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n'))
}

/// The number ASCII digits spell, saturating at `u64::MAX` (which "wait practically forever"
/// means anyway). Checked by hand: `checked_mul` would bring in a 128-bit multiplication.
pub fn decimal(digits: &[u8]) -> u64 {
    digits.iter().fold(
        0u64,
        |n, d| {
            if n > (u64::MAX - 9) / 10 {
                u64::MAX
            } else {
                n * 10 + u64::from(d.wrapping_sub(b'0'))
            }
        },
    )
}

/// The parts, one after the other, in one string.
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(part);
    }
    out
}

/// An HTTP token (RFC 9110): what header names, methods and MIME types are made of.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_str_split() {
        for s in ["", "a", "a\nb", "\n", "a\n\nb\n", "é\nü"] {
            assert_eq!(split(s, |b| b == b'\n').collect::<Vec<_>>(), s.split('\n').collect::<Vec<_>>(), "{s:?}");
        }
        assert_eq!(split_once("a:b:c", b':'), Some(("a", "b:c")));
        assert_eq!(split_once("abc", b':'), None);
        assert_eq!(trim(" \t x y \r\n", http_whitespace), "x y");
        assert_eq!(trim("   ", http_whitespace), "");
    }
}
