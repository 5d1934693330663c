//! UTF-8 validation of a pickle's str payloads, with an ASCII fast path.
//!
//! Most strs in real pickles (struct field names, dict keys, identifiers,
//! e-mail addresses) are short and ASCII. `std::str::from_utf8` checks a
//! short slice byte by byte (its word-at-a-time loop needs aligned, longer
//! input): validating was a tenth of a typed read of 100,000 records and
//! of the nested-maps bench. `<[u8]>::is_ascii` reads a word at a time at
//! any length and alignment, and an ASCII slice needs no further check.
//!
//! This is the crate's one use of `unsafe` outside `value/cycles.rs`
//! (see the `deny(unsafe_code)` in `lib.rs`): `from_utf8_unchecked` on
//! bytes just seen to be all ASCII.
#![allow(unsafe_code)]

/// `b` as a `str`, if it is valid UTF-8 (what `std::str::from_utf8(b).ok()`
/// answers, always).
#[inline]
pub(crate) fn str_from(b: &[u8]) -> Option<&str> {
    if b.is_ascii() {
        // SAFETY: every byte of `b` is below 0x80, and a sequence of ASCII
        // bytes is valid UTF-8 (each byte is a one-byte code point).
        Some(unsafe { std::str::from_utf8_unchecked(b) })
    } else {
        std::str::from_utf8(b).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::str_from;

    /// The fast path and the general one answer alike, for ASCII, valid
    /// non-ASCII, invalid bytes and encoded surrogates, at every length
    /// and offset around the word size (the ASCII scan's edge cases).
    #[test]
    fn str_from_answers_as_std_from_utf8() {
        let samples: &[&[u8]] = &[
            b"",
            b"a",
            b"field_0",
            b"frank.061@example.com",
            "M\u{fc}ller".as_bytes(),
            "Y\u{131}lmaz and more text past a word".as_bytes(),
            "\u{1f600}".as_bytes(),
            b"\xff",
            b"abcdefgh\x80",
            b"abcdefghijklmno\xc3",
            b"ab\xed\xa0\x80c",
            b"\xc0\x80",
        ];
        for s in samples {
            for pad in 0..9 {
                let mut buf = vec![b'x'; pad];
                buf.extend_from_slice(s);
                for start in 0..=pad {
                    let b = &buf[start..];
                    assert_eq!(str_from(b), std::str::from_utf8(b).ok(), "{b:?}");
                }
            }
        }
    }
}
