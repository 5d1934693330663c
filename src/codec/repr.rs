//! The text forms of protocol 0 (and of protocol 1's `LONG`), spelled exactly
//! as CPython spells them: decimal integers, `repr()` of floats, and the
//! `raw-unicode-escape` encoding (plus the pickler's extra escapes) of `UNICODE`.
//!
//! No allocation and no `fmt` machinery on integers and strings; floats use
//! Rust's shortest round-trip digits (the same digits as Python's `repr`),
//! rearranged into Python's layout.

use std::io::Write as _;

/// The decimal digits of `n` (with a `-` if negative), or `None` beyond
/// CPython's limit on converting between `int` and `str` (4300 digits,
/// `sys.int_info.default_max_str_digits`), where `str()`, `repr()` and
/// `int()` raise `ValueError`. The size is checked first: decimal conversion
/// is quadratic (a 4 MB int took 11 s) and a hostile pickle can hold any size.
pub(crate) fn bigint_decimal(n: &num_bigint::BigInt) -> Option<String> {
    // 2^14286 > 10^4300: more bits always mean more than 4300 digits.
    if n.bits() > 14_286 {
        return None;
    }
    let d = n.to_string();
    (d.trim_start_matches('-').len() <= crate::vm::text::MAX_INT_DIGITS).then_some(d)
}

/// Python's `repr()` of an int: decimal. Beyond CPython's 4300-digit limit,
/// where its `repr` raises `ValueError`, hex (`0x…`, `-0x…`): still a Python
/// literal of the same value, and linear time.
pub(crate) fn bigint_repr(n: &num_bigint::BigInt) -> String {
    if let Some(d) = bigint_decimal(n) {
        return d;
    }
    let sign = if n.sign() == num_bigint::Sign::Minus { "-" } else { "" };
    format!("{sign}0x{}", n.magnitude().to_str_radix(16))
}

/// Append the decimal digits of `n` (with a leading `-` if negative).
pub(crate) fn push_int(buf: &mut Vec<u8>, n: i128) {
    if n < 0 {
        buf.push(b'-');
    }
    push_uint(buf, n.unsigned_abs());
}

/// Append the decimal digits of `n`.
pub(crate) fn push_uint(buf: &mut Vec<u8>, mut n: u128) {
    let mut digits = [0u8; 39]; // u128::MAX has 39 digits
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Append Python's `repr(x)` of a float: shortest round-trip digits, fixed
/// notation when the decimal exponent is in `-4 <= e < 16` (always with a
/// fractional part, `1.0`), else scientific with a signed two-digit exponent
/// (`1e+16`, `1.5e-05`); `inf`, `-inf`, `nan`.
pub(crate) fn push_float(buf: &mut Vec<u8>, x: f64) {
    if x.is_nan() {
        buf.extend_from_slice(b"nan");
        return;
    }
    if x.is_infinite() {
        buf.extend_from_slice(if x < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, e.g. `-1.25e-7`.
    let mut tmp = [0u8; 40];
    let len = {
        let mut cursor = &mut tmp[..];
        // Cannot fail: the longest output ("-2.2250738585072014e-308") fits.
        let _ = write!(cursor, "{x:e}");
        40 - cursor.len()
    };
    let text = &tmp[..len];
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let mut digits = [0u8; 20];
    let mut nd = 0;
    for &b in &text[..e_at] {
        if b != b'.' && nd < digits.len() {
            digits[nd] = b;
            nd += 1;
        }
    }
    let digits = &digits[..nd];
    let exp = parse_exp(text.get(e_at + 1..).unwrap_or_default());
    if negative {
        buf.push(b'-');
    }
    // Python's `decpt`: the value is 0.DIGITS x 10^decpt.
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 16 {
        buf.push(digits[0]);
        if digits.len() > 1 {
            buf.push(b'.');
            buf.extend_from_slice(&digits[1..]);
        }
        buf.push(b'e');
        buf.push(if exp < 0 { b'-' } else { b'+' });
        if exp.unsigned_abs() < 10 {
            buf.push(b'0');
        }
        push_uint(buf, u128::from(exp.unsigned_abs()));
    } else if decpt <= 0 {
        buf.extend_from_slice(b"0.");
        buf.extend(std::iter::repeat_n(b'0', decpt.unsigned_abs() as usize));
        buf.extend_from_slice(digits);
    } else {
        let decpt = decpt as usize;
        if decpt < digits.len() {
            buf.extend_from_slice(&digits[..decpt]);
            buf.push(b'.');
            buf.extend_from_slice(&digits[decpt..]);
        } else {
            buf.extend_from_slice(digits);
            buf.extend(std::iter::repeat_n(b'0', decpt - digits.len()));
            buf.extend_from_slice(b".0");
        }
    }
}

fn parse_exp(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |n, &b| n * 10 + i32::from(b.wrapping_sub(b'0')));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Whether the protocol-0 `UNICODE` form must escape this code point:
/// everything outside Latin-1, and the characters that would break the
/// line-based argument or confuse the decoder (`\`, NUL, `\n`, `\r`, `\x1a`).
#[inline]
fn needs_escape(c: u32) -> bool {
    c >= 0x100 || matches!(c, 0x5c | 0x00 | 0x0a | 0x0d | 0x1a)
}

/// Append `s` as CPython's pickler writes a protocol-0 `UNICODE` argument:
/// `raw-unicode-escape`, where Latin-1 characters are single bytes and the
/// others are `\uXXXX` / `\UXXXXXXXX` (lowercase hex).
pub(crate) fn push_raw_unicode_escape(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Fast path: ASCII runs that need no escaping are copied as they are.
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let c = c as u32;
        if c < 0x80 && !needs_escape(c) {
            continue;
        }
        buf.extend_from_slice(&bytes[start..i]);
        start = i + char_len(c);
        push_escaped_char(buf, c);
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// Append code points (surrogates allowed) in the protocol-0 `UNICODE` form.
pub(crate) fn push_code_points_raw_unicode_escape(buf: &mut Vec<u8>, chars: &[u32]) {
    for &c in chars {
        if c < 0x80 && !needs_escape(c) {
            buf.push(c as u8);
        } else {
            push_escaped_char(buf, c);
        }
    }
}

/// Decode UTF-8 that may encode lone surrogates (`surrogatepass`) into code
/// points; `None` if the bytes are not that.
pub(crate) fn decode_surrogatepass(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b0 = u32::from(bytes[i]);
        let (len, min, init) = match b0 {
            0x00..=0x7f => (1, 0, b0),
            0xc2..=0xdf => (2, 0x80, b0 & 0x1f),
            0xe0..=0xef => (3, 0x800, b0 & 0x0f),
            0xf0..=0xf4 => (4, 0x10000, b0 & 0x07),
            _ => return None,
        };
        let tail = bytes.get(i + 1..i + len)?;
        let mut c = init;
        for &b in tail {
            if b & 0xc0 != 0x80 {
                return None;
            }
            c = (c << 6) | u32::from(b & 0x3f);
        }
        if c < min || c > 0x10ffff {
            return None;
        }
        out.push(c);
        i += len;
    }
    Some(out)
}

/// Append the Latin-1 string whose code points are `bytes` in the
/// protocol-0 `UNICODE` form (how bytes travel below protocol 3).
pub(crate) fn push_latin1_raw_unicode_escape(buf: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if needs_escape(u32::from(b)) {
            push_escaped_char(buf, u32::from(b));
        } else {
            buf.push(b);
        }
    }
}

fn char_len(c: u32) -> usize {
    match c {
        0..=0x7f => 1,
        0x80..=0x7ff => 2,
        0x800..=0xffff => 3,
        _ => 4,
    }
}

fn push_escaped_char(buf: &mut Vec<u8>, c: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if c >= 0x10000 {
        buf.extend_from_slice(b"\\U");
        for shift in (0..8).rev() {
            buf.push(HEX[((c >> (shift * 4)) & 0xf) as usize]);
        }
    } else if needs_escape(c) {
        buf.extend_from_slice(b"\\u");
        for shift in (0..4).rev() {
            buf.push(HEX[((c >> (shift * 4)) & 0xf) as usize]);
        }
    } else {
        // 0x80..=0xff: one Latin-1 byte.
        buf.push(c as u8);
    }
}

/// The UTF-8 length of the Latin-1 string whose code points are `bytes`.
pub(crate) fn latin1_utf8_len(bytes: &[u8]) -> usize {
    bytes.len() + bytes.iter().filter(|&&b| b >= 0x80).count()
}

/// Append the UTF-8 encoding of the Latin-1 string whose code points are `bytes`.
pub(crate) fn push_latin1_as_utf8(buf: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if b < 0x80 {
            buf.push(b);
        } else {
            buf.extend_from_slice(&[0xc0 | (b >> 6), 0x80 | (b & 0x3f)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(x: f64) -> String {
        let mut b = Vec::new();
        push_float(&mut b, x);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn bigint_repr_is_decimal_up_to_4300_digits_then_hex() {
        use num_bigint::BigInt;
        let ten = BigInt::from(10);
        let max = ten.pow(4300) - 1u8; // 4300 nines
        assert_eq!(bigint_repr(&max), "9".repeat(4300));
        assert_eq!(bigint_repr(&-&max), format!("-{}", "9".repeat(4300)));
        let over = ten.pow(4300); // 4301 digits
        let hex = bigint_repr(&over);
        assert!(hex.starts_with("0x"), "{hex}");
        assert_eq!(BigInt::parse_bytes(&hex.as_bytes()[2..], 16), Some(over.clone()));
        assert!(bigint_repr(&-over).starts_with("-0x"));
    }

    #[test]
    fn float_repr_matches_python_layout() {
        // Each pair was printed by CPython 3.11's repr().
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1.5, "1.5"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e100, "1e+100"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-2.5, "-2.5"),
            (1234.5678, "1234.5678"),
        ];
        for &(x, want) in cases {
            assert_eq!(float(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn integers_in_decimal() {
        let mut b = Vec::new();
        push_int(&mut b, i128::MIN);
        b.push(b' ');
        push_uint(&mut b, u128::MAX);
        b.push(b' ');
        push_int(&mut b, 0);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "-170141183460469231731687303715884105728 340282366920938463463374607431768211455 0"
        );
    }

    #[test]
    fn raw_unicode_escape_like_the_pickler() {
        let mut b = Vec::new();
        push_raw_unicode_escape(&mut b, "a\\\n\r\0\x1a'\"\t\u{20ac}\u{1f600}\u{e9}");
        // CPython 3.11: pickle.dumps('a\\\n\r\x00\x1a\'"\t€😀é', 0)[1:-6]
        assert_eq!(b, b"a\\u005c\\u000a\\u000d\\u0000\\u001a'\"\t\\u20ac\\U0001f600\xe9");
    }

    #[test]
    fn surrogates_decode_and_escape() {
        let chars = decode_surrogatepass(b"a\xed\xa0\x80\xc3\xa9").unwrap();
        assert_eq!(chars, [0x61, 0xd800, 0xe9]);
        let mut b = Vec::new();
        push_code_points_raw_unicode_escape(&mut b, &chars);
        assert_eq!(b, b"a\\ud800\xe9");
        assert_eq!(decode_surrogatepass(b"\xed\xa0"), None);
        assert_eq!(decode_surrogatepass(b"\xc0\x80"), None);
    }

    #[test]
    fn latin1_forms() {
        let mut b = Vec::new();
        push_latin1_raw_unicode_escape(&mut b, b"\x00a\xff\\");
        assert_eq!(b, b"\\u0000a\xff\\u005c");
        let mut u = Vec::new();
        push_latin1_as_utf8(&mut u, b"a\xe9\xff");
        assert_eq!(u, "a\u{e9}\u{ff}".as_bytes());
        assert_eq!(latin1_utf8_len(b"a\xe9\xff"), 5);
    }
}
