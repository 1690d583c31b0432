//! How long to wait before a reconnect: the standard's fixed reconnection time, or a backoff
//! policy on top of it, and the server's `Retry-After`.
//!
//! Kept apart from [`connection`](super::connection), which decides *whether* to reconnect (the
//! standard's rules); this module only decides *when*.
//!
//! ```
//! use eventsource_wasm::policy::{parse_retry_after, RetryPolicy};
//!
//! let policy = RetryPolicy { factor: 2.0, max_delay: 10_000, ..RetryPolicy::default() };
//! // The third failure in a row waits four times the reconnection time, never more than the cap.
//! assert_eq!(policy.delay(1_000, 2, 0.5), 4_000);
//! assert_eq!(policy.delay(1_000, 9, 0.5), 10_000);
//!
//! // `Retry-After` as seconds, or as an HTTP date measured against the response's own `Date`.
//! assert_eq!(parse_retry_after("120", None, None), Some(120_000));
//! let date = Some("Sun, 06 Nov 1994 08:49:37 GMT");
//! assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", date, None), Some(30_000));
//! ```

/// Milliseconds on a clock chosen by the driver.
pub type Millis = u64;

/// How reconnects are spaced. The default is the standard's: always wait exactly the
/// reconnection time (3 s, or what the server's `retry:` said), retry forever.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Each failed attempt in a row multiplies the delay by this (1.0: no backoff).
    pub factor: f64,
    /// Upper bound for a backed-off delay; `retry:` from the server is not capped by it.
    pub max_delay: Millis,
    /// Fraction of the delay (0.0 to 1.0) randomly taken off, to spread a thundering herd.
    pub jitter: f64,
    /// Give up (CLOSED, `error`) after this many reconnects in a row without an `open`.
    pub max_attempts: Option<u32>,
    /// Reconnect on 429 and 503 (after `Retry-After` when the server sends one) instead of
    /// failing as the standard says.
    pub retry_on_overload: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { factor: 1.0, max_delay: Millis::MAX, jitter: 0.0, max_attempts: None, retry_on_overload: false }
    }
}

impl RetryPolicy {
    /// The policy an application gets when it asks for one without details: exponential
    /// backoff from the reconnection time, capped at a minute, 20 % jitter, 429/503 retried.
    pub fn backoff() -> Self {
        RetryPolicy { factor: 2.0, max_delay: 60_000, jitter: 0.2, max_attempts: None, retry_on_overload: true }
    }

    /// The delay before a reconnect, after `attempts` reconnects in a row without an `open`.
    /// `base` is the reconnection time; `random` is a number in `[0, 1)` for the jitter.
    pub fn delay(&self, base: Millis, attempts: u32, random: f64) -> Millis {
        if self.factor == 1.0 && self.jitter <= 0.0 {
            return base;
        }
        let mut delay = base as f64 * powi(self.factor.max(1.0), attempts.min(64));
        // The cap bounds the backoff, never the server's own `retry:`.
        delay = delay.min(self.max_delay.max(base) as f64);
        let jitter = self.jitter.clamp(0.0, 1.0);
        if jitter > 0.0 {
            delay -= delay * jitter * random;
        }
        delay.max(0.0).min(Millis::MAX as f64) as Millis
    }

    /// Whether `attempts` reconnects in a row are all the policy allows.
    pub fn exhausted(&self, attempts: u32) -> bool {
        self.max_attempts.is_some_and(|max| attempts >= max)
    }
}

/// `x` to the power `n`, by squaring, as `f64::powi` computes it (that needs std).
fn powi(mut x: f64, mut n: u32) -> f64 {
    let mut r = 1.0;
    loop {
        if n & 1 == 1 {
            r *= x;
        }
        n /= 2;
        if n == 0 {
            return r;
        }
        x *= x;
    }
}

/// A small reproducible random number source (xorshift64*, seeded through splitmix64): good
/// enough to spread reconnects, and replayable from the seed in tests.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// Every seed gives its own non-zero state.
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Jitter((z ^ (z >> 31)).max(1))
    }

    /// The next number in `[0, 1)`.
    pub fn draw(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `Retry-After` in milliseconds from now, in either form HTTP allows: delay-seconds, or an
/// HTTP-date. A date is measured against the response's own `Date` header when there is one
/// (the server's clock on both sides, so clock skew between client and server does not
/// matter), else against `wall_clock` (milliseconds since the Unix epoch, from the driver). A
/// date in the past means "at once". `None` when the value is neither form.
pub fn parse_retry_after(value: &str, date: Option<&str>, wall_clock: Option<Millis>) -> Option<Millis> {
    let v = super::text::trim(value, super::text::http_whitespace);
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(super::text::decimal(v.as_bytes()).saturating_mul(1000));
    }
    let at = parse_http_date(v)?;
    let now = match date.and_then(parse_http_date) {
        Some(server_now) => server_now,
        None => wall_clock?,
    };
    Some(at.saturating_sub(now))
}

/// An HTTP-date (RFC 9110, section 5.6.7) as milliseconds since the Unix epoch: the preferred
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms recipients must
/// still accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`). The day name is not checked against the date, as HTTP allows.
pub fn parse_http_date(value: &str) -> Option<Millis> {
    // All three forms are the same fields in two orders once split at spaces, commas, dashes
    // and colons: day, year, hours, minutes, seconds (IMF-fixdate, RFC 850), or, when the
    // month comes before the first number, day, hours, minutes, seconds, year (asctime).
    // At most four digits each: u32 arithmetic throughout (no 64-bit division, which the
    // JavaScript build of the engine would carry as a helper of 3 KB).
    let mut numbers = [0u32; 5];
    let mut count = 0;
    let mut month = None;
    let mut month_first = false;
    for token in super::text::split(value, |b| matches!(b, b' ' | b',' | b'-' | b':')).filter(|t| !t.is_empty()) {
        if let Some(m) = month_number(token) {
            month_first = count == 0;
            month = Some(m);
        } else if token.bytes().all(|b| b.is_ascii_digit()) {
            if token.len() > 4 || count == 5 {
                return None;
            }
            numbers[count] = token.bytes().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
            // A two-digit year (RFC 850): 70–99 are 19xx, 00–69 20xx.
            if token.len() == 2 && count == 1 && !month_first {
                numbers[1] += if numbers[1] >= 70 { 1900 } else { 2000 };
            }
            count += 1;
        }
    }
    let month = month?;
    let [day, year, h, m, s] = match numbers {
        [d, h, m, s, y] if month_first => [d, y, h, m, s],
        fields => fields,
    };
    if count != 5 || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || year < 1970 {
        return None;
    }
    let seconds = u64::from(days_from_civil(year, month, day)) * 86_400 + u64::from((h * 60 + m) * 60 + s);
    Some(seconds * 1000)
}

fn month_number(s: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS.iter().position(|m| *m == s).map(|i| i as u32 + 1)
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (years ≥ 1970).
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    // Count from March, so the leap day is the last day of the (shifted) year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_in_all_three_forms() {
        let want = Some(784_111_777_000);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), want);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), want);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), want);
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"), Some(1_835_481_599_000));
        for bad in [
            "",
            "soon",
            "Sun, 06 Nov 1994",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1960 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_day_from_1970_to_the_last_four_digit_year() {
        // Counted one day at a time, with the leap rule written out, against the formula.
        let mut count = 0;
        for year in 1970..=9999 {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            for (month, days) in
                [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31].into_iter().enumerate()
            {
                for day in 1..=days {
                    assert_eq!(days_from_civil(year, month as u32 + 1, day), count, "{year}-{month}-{day}");
                    count += 1;
                }
            }
        }
        assert_eq!(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), Some(253_402_300_799_000));
    }

    #[test]
    fn retry_after_prefers_the_servers_own_clock() {
        let at = "Wed, 21 Oct 2015 07:28:30 GMT";
        assert_eq!(parse_retry_after(at, Some("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0)), Some(30_000));
        let wall = parse_http_date("Wed, 21 Oct 2015 07:28:10 GMT");
        assert_eq!(parse_retry_after(at, None, wall), Some(20_000));
        assert_eq!(parse_retry_after(at, Some("not a date"), wall), Some(20_000));
        // In the past: at once. No clock at all: unusable.
        assert_eq!(parse_retry_after(at, Some("Wed, 21 Oct 2015 08:00:00 GMT"), None), Some(0));
        assert_eq!(parse_retry_after(at, None, None), None);
        assert_eq!(parse_retry_after(" 7 ", None, None), Some(7_000));
        assert_eq!(parse_retry_after("-1", None, Some(0)), None);
        assert_eq!(parse_retry_after("99999999999999999999999", None, None), Some(u64::MAX));
    }
}
