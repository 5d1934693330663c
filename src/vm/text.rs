//! Decoding the text arguments of protocol-0 opcodes (INT, LONG, FLOAT,
//! STRING, UNICODE, GET/PUT) and CPython's `surrogatepass` UTF-8, with the
//! rules CPython's unpickler applies.

use num_bigint::BigInt;

use super::arena::Text;
use crate::error::{Error, Result};

/// An integer literal's value.
pub(crate) enum IntLit {
    Small(i64),
    Big(BigInt),
}

/// Normalize a big integer to `Small` when it fits.
pub(crate) fn int_lit(b: BigInt) -> IntLit {
    match i64::try_from(&b) {
        Ok(v) => IntLit::Small(v),
        Err(_) => IntLit::Big(b),
    }
}

/// CPython's limit on the decimal digits it converts to an `int`
/// (`sys.int_info.default_max_str_digits`, 3.11+): an INT or LONG literal
/// with more fails in both of its loaders, and the conversion is quadratic
/// (300,000 digits took 0.3 s here, 3 million would take half a minute).
pub(crate) const MAX_INT_DIGITS: usize = 4300;

/// Parse an `INT`/`LONG` literal as both CPython loaders do (`int(text, 0)`):
/// optional surrounding whitespace, optional sign, then decimal digits
/// without leading zeros (`010` is an error, `000` is 0) or a `0x`/`0o`/`0b`
/// prefix and digits of that base; single underscores between digits.
pub(crate) fn parse_int(text: &[u8]) -> Result<IntLit> {
    parse_int_base(text, true)
}

/// `int(text, 0)` when `base0`, else `int(text)` (decimal, leading zeros allowed).
fn parse_int_base(text: &[u8], base0: bool) -> Result<IntLit> {
    let bad =
        || Error::syntax(format!("invalid literal for int(): {:?}", String::from_utf8_lossy(text)));
    let t = trim(text);
    let (neg, body) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = match body {
        [b'0', b'x' | b'X', rest @ ..] if base0 => (16, rest.strip_prefix(b"_").unwrap_or(rest)),
        [b'0', b'o' | b'O', rest @ ..] if base0 => (8, rest.strip_prefix(b"_").unwrap_or(rest)),
        [b'0', b'b' | b'B', rest @ ..] if base0 => (2, rest.strip_prefix(b"_").unwrap_or(rest)),
        _ => (10, body),
    };
    let is_digit = |d: &u8| (*d as char).is_digit(radix);
    if digits.is_empty() || !is_digit(&digits[0]) || !is_digit(&digits[digits.len() - 1]) {
        return Err(bad());
    }
    if base0 && radix == 10 && digits[0] == b'0' && digits.iter().any(|&d| d != b'0' && d != b'_') {
        return Err(bad());
    }
    // Fast path: up to 18 decimal digits always fit in i64.
    if radix == 10 && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        let mut v: i64 = 0;
        for &d in digits {
            v = v * 10 + (d - b'0') as i64;
        }
        return Ok(IntLit::Small(if neg { -v } else { v }));
    }
    let mut clean = Vec::with_capacity(digits.len());
    let mut prev_us = false;
    for d in digits {
        match d {
            b'_' if !prev_us => prev_us = true,
            d if is_digit(d) => {
                clean.push(*d);
                prev_us = false;
            }
            _ => return Err(bad()),
        }
    }
    if radix == 10 && clean.len() > MAX_INT_DIGITS {
        return Err(Error::limit(format!(
            "integer literal of {} digits exceeds the limit of {MAX_INT_DIGITS} (CPython's int_max_str_digits)",
            clean.len()
        )));
    }
    let mag = BigInt::parse_bytes(&clean, radix).ok_or_else(bad)?;
    Ok(int_lit(if neg { -mag } else { mag }))
}

/// A `LONG` argument: an integer with an optional trailing `L`.
pub(crate) fn parse_long(text: &[u8]) -> Result<IntLit> {
    let t = match text.last() {
        Some(b'L') => &text[..text.len() - 1],
        _ => text,
    };
    parse_int(t)
}

/// A `FLOAT` argument, as Python's `float()` reads `repr()` output.
pub(crate) fn parse_float(text: &[u8]) -> Result<f64> {
    let bad = || {
        Error::syntax(format!(
            "could not convert string to float: {:?}",
            String::from_utf8_lossy(text)
        ))
    };
    let s = std::str::from_utf8(trim(text)).map_err(|_| bad())?;
    // Rust also accepts "infinity"/"nan" in any case, as Python does.
    let v = s.parse::<f64>().map_err(|_| bad())?;
    // CPython reads FLOAT with PyOS_string_to_double(..., OverflowError):
    // a finite literal too large for a double is an error, not inf.
    let literal_inf = s.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("inf");
    if v.is_infinite() && !literal_inf {
        return Err(Error::syntax(format!(
            "value too large to convert to float: {:?}",
            String::from_utf8_lossy(text)
        )));
    }
    Ok(v)
}

/// A memo index argument of GET/PUT.
pub(crate) fn parse_index(text: &[u8]) -> Result<i128> {
    // GET/PUT read their argument with int(text): decimal only, leading zeros allowed.
    match parse_int_base(text, false)? {
        IntLit::Small(v) => Ok(v as i128),
        IntLit::Big(_) => Err(Error::syntax("memo index out of range")),
    }
}

fn trim(t: &[u8]) -> &[u8] {
    let start = t.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(t.len());
    let end = t.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &t[start..end]
}

/// Decode a `STRING` argument: a quoted Python 2 literal with escapes
/// (`codecs.escape_decode`), appended to `out`.
pub(crate) fn decode_string_literal(text: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let n = text.len();
    if n < 2 || text[0] != text[n - 1] || (text[0] != b'\'' && text[0] != b'"') {
        return Err(Error::syntax("the STRING opcode argument must be quoted"));
    }
    let body = &text[1..n - 1];
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = body.get(i) else {
            return Err(Error::syntax("Trailing \\ in string"));
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b't' => out.push(b'\t'),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b'v' => out.push(11),
            b'a' => out.push(7),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' => {
                let hex = body.get(i..i + 2).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16).ok().filter(|_| h.iter().all(u8::is_ascii_hexdigit))
                });
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => {
                        return Err(Error::syntax(format!(
                            "invalid \\x escape at position {}",
                            i - 2
                        )))
                    }
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(())
}

/// Push a code point as UTF-8, or as a 3-byte surrogate (surrogatepass).
fn push_code_point(cp: u32, out: &mut Vec<u8>) -> bool {
    match char::from_u32(cp) {
        Some(c) => {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            false
        }
        None => {
            // 0xD800..=0xDFFF: the generalized UTF-8 CPython's surrogatepass uses.
            out.push(0xE0 | (cp >> 12) as u8);
            out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
            out.push(0x80 | (cp & 0x3F) as u8);
            true
        }
    }
}

/// Decode `raw-unicode-escape` (the `UNICODE` opcode): bytes are Latin-1 code
/// points; `\uXXXX` and `\UXXXXXXXX` after an odd number of backslashes are escapes.
pub(crate) fn decode_raw_unicode_escape(text: &[u8], out: &mut Vec<u8>) -> Result<Text> {
    let mut surrogates = false;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c != b'\\' {
            push_code_point(c as u32, out);
            i += 1;
            continue;
        }
        let run_start = i;
        while i < text.len() && text[i] == b'\\' {
            i += 1;
        }
        let run = i - run_start;
        let escape = run % 2 == 1 && matches!(text.get(i), Some(b'u') | Some(b'U'));
        let literal = if escape { run - 1 } else { run };
        out.extend(std::iter::repeat_n(b'\\', literal));
        if !escape {
            continue;
        }
        let width = if text[i] == b'u' { 4 } else { 8 };
        i += 1;
        let digits = text.get(i..i + width).filter(|d| d.iter().all(u8::is_ascii_hexdigit));
        let Some(digits) = digits else {
            let what = if width == 4 {
                "truncated \\uXXXX escape"
            } else {
                "truncated \\UXXXXXXXX escape"
            };
            return Err(Error::syntax(what));
        };
        let cp =
            digits.iter().fold(0u32, |acc, &d| acc * 16 + (d as char).to_digit(16).unwrap_or(0));
        if cp > 0x10FFFF {
            return Err(Error::syntax("\\Uxxxxxxxx out of range"));
        }
        surrogates |= push_code_point(cp, out);
        i += width;
    }
    Ok(if surrogates { Text::Surrogates } else { Text::Utf8 })
}

/// Check UTF-8 as CPython's `surrogatepass` decoder does: valid UTF-8, plus
/// encoded lone surrogates (`ED A0..BF 80..BF`), which Rust's `str` rejects.
pub(crate) fn check_utf8(bytes: &[u8]) -> Result<Text> {
    let mut rest = bytes;
    let mut text = Text::Utf8;
    if crate::codec::utf8::str_from(bytes).is_some() {
        return Ok(text);
    }
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => return Ok(text),
            Err(e) => {
                let at = e.valid_up_to();
                match rest.get(at..at + 3) {
                    Some([0xED, 0xA0..=0xBF, 0x80..=0xBF]) => {
                        text = Text::Surrogates;
                        rest = &rest[at + 3..];
                    }
                    _ => {
                        let pos = bytes.len() - rest.len() + at;
                        return Err(Error::syntax(format!(
                            "'utf-8' codec can't decode byte 0x{:02x} in position {pos}",
                            rest[at]
                        )));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(t: &[u8]) -> i64 {
        match parse_int(t).unwrap() {
            IntLit::Small(v) => v,
            IntLit::Big(_) => panic!("big"),
        }
    }

    #[test]
    fn ints_parse_like_python() {
        assert_eq!(small(b"123"), 123);
        assert_eq!(small(b"-5"), -5);
        assert_eq!(small(b" 7\r"), 7);
        assert_eq!(small(b"9223372036854775807"), i64::MAX);
        assert!(matches!(parse_int(b"9223372036854775808").unwrap(), IntLit::Big(_)));
        assert!(parse_int(b"").is_err());
        assert!(parse_int(b"1x").is_err());
        assert!(matches!(parse_long(b"5L").unwrap(), IntLit::Small(5)));
    }

    #[test]
    fn int_literals_follow_python_int_with_base_0() {
        // Leading zeros: an error for int('010', 0) (CPython's C INT reads octal 8,
        // its pure-Python loader raises; LONG raises in both).
        assert!(parse_int(b"010").is_err());
        assert!(parse_int(b"-02").is_err());
        assert!(parse_long(b"010L").is_err());
        assert_eq!(small(b"000"), 0);
        assert_eq!(small(b"-0"), 0);
        // Base prefixes, which both loaders accept.
        assert_eq!(small(b"0x1f"), 31);
        assert_eq!(small(b"-0X_1F"), -31);
        assert_eq!(small(b"0o17"), 15);
        assert_eq!(small(b"0b101"), 5);
        assert!(parse_int(b"0x").is_err());
        assert!(parse_int(b"0xg").is_err());
        assert!(matches!(parse_long(b"0xffffffffffffffffffL").unwrap(), IntLit::Big(_)));
        // Underscores between digits only.
        assert_eq!(small(b"1_000"), 1000);
        assert!(parse_int(b"1__0").is_err());
        assert!(parse_int(b"_1").is_err());
        // GET/PUT indices are plain int(): leading zeros are fine there.
        assert_eq!(parse_index(b"010").unwrap(), 10);
        assert!(parse_index(b"0x10").is_err());
    }

    #[test]
    fn int_literals_longer_than_cpython_converts_are_a_limit_error() {
        let at = "9".repeat(MAX_INT_DIGITS);
        assert!(matches!(parse_int(at.as_bytes()).unwrap(), IntLit::Big(_)));
        let over = "9".repeat(MAX_INT_DIGITS + 1);
        let err = parse_long(over.as_bytes()).err().expect("over the limit");
        assert_eq!(err.category(), crate::Category::Limit);
        // Hex converts in linear time and has no limit in CPython either.
        assert!(parse_int(format!("0x{}", "f".repeat(10_000)).as_bytes()).is_ok());
        // 100,000 digits (corpus/hostile/long_text_int_digits) fail at once.
        let data = format!("L{}L\n.", "9".repeat(100_000));
        let err = crate::from_slice::<crate::Value>(data.as_bytes()).unwrap_err();
        assert_eq!(err.category(), crate::Category::Limit);
    }

    #[test]
    fn string_escapes_decode() {
        let mut out = Vec::new();
        decode_string_literal(br"'a\n\x41\101\q'", &mut out).unwrap();
        assert_eq!(out, b"a\nAA\\q");
        assert!(decode_string_literal(b"'abc", &mut Vec::new()).is_err());
        assert!(decode_string_literal(br"'\x4'", &mut Vec::new()).is_err());
    }

    #[test]
    fn raw_unicode_escape_decodes() {
        let mut out = Vec::new();
        let t = decode_raw_unicode_escape(b"\xe9\\u20ac\\\\u0041\\x", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "é€\\\\u0041\\x");
        assert_eq!(t, Text::Utf8);
        let mut out = Vec::new();
        let t = decode_raw_unicode_escape(b"\\ud800", &mut out).unwrap();
        assert_eq!((out.as_slice(), t), (&[0xED, 0xA0, 0x80][..], Text::Surrogates));
    }

    #[test]
    fn surrogatepass_utf8_is_accepted() {
        assert_eq!(check_utf8(b"ab\xed\xa0\x80c").unwrap(), Text::Surrogates);
        assert_eq!(check_utf8("é".as_bytes()).unwrap(), Text::Utf8);
        assert!(check_utf8(b"\xff").is_err());
    }
}
