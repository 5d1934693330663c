//! Streams of pickles: `Deserializer::into_iter::<Value>()` over a slice and
//! over an `io::Read` that hands out the input a few bytes at a time must
//! yield the same items (values `same_as` each other, errors with the same
//! message, or both the end of the input); `from_reader` must agree with `from_slice`; and a stream that
//! holds exactly one pickle reads like `from_slice`.
//!
//! Input layout: byte 0 picks the reader's chunk size (`1 + byte % 64`); the
//! rest is the stream.
#![no_main]

mod common;

use std::io::{self, Cursor, Read};

use libfuzzer_sys::fuzz_target;
use serde_pickle::codec::opcodes;
use serde_pickle::{from_reader, from_slice, Category, Deserializer, Value};

/// An `io::Read` returning at most `chunk` bytes per call (buffer boundaries
/// land inside opcodes and their arguments).
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// At most this many items per stream (each one costs at least two bytes anyway).
const MAX_ITEMS: usize = 4096;

/// Same value, or the same error. A truncated input is reported at the
/// opcode whose argument is cut short, but a FRAME longer than the rest is
/// truncated only for a slice, which knows the rest's length: a reader
/// reports the end of the input where it meets it.
fn same(a: &serde_pickle::Result<Value>, b: &serde_pickle::Result<Value>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.same_as(y),
        (Err(x), Err(y)) if x.category() == Category::Eof => y.category() == Category::Eof,
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let chunk = 1 + (first as usize % 64);

    let mut from_slices = Deserializer::from_slice(stream).into_iter::<Value>();
    let mut from_reader_items =
        Deserializer::from_reader(Trickle { data: stream, chunk }).into_iter::<Value>();
    let mut count = 0;
    let mut first_item = None;
    loop {
        let a = from_slices.next();
        let b = from_reader_items.next();
        if let Some(Err(e)) = &a {
            if e.category() == Category::Eof && e.opcode() == Some(opcodes::FRAME) {
                // FRAME is a read-ahead hint. A slice knows the length of the
                // rest and reports a frame longer than that as truncated data
                // right away; a reader would have to read ahead (past STOP,
                // into the next pickle of the stream) to know, and does not.
                break;
            }
        }
        match (&a, &b) {
            (None, None) => break,
            (Some(x), Some(y)) => {
                assert!(same(x, y), "item {count}: slice {x:?} != reader {y:?}");
                match x {
                    Ok(v) => {
                        common::exercise(v);
                        // After an error the position means nothing (the
                        // reader may have consumed more); after a pickle it
                        // is just past its STOP.
                        assert_eq!(
                            from_slices.byte_offset(),
                            from_reader_items.byte_offset(),
                            "item {count}: offsets after it"
                        );
                    }
                    Err(e) => common::check_error(e),
                }
            }
            _ => panic!("item {count}: slice {a:?} but reader {b:?}"),
        }
        if count == 0 {
            first_item = a;
        }
        count += 1;
        if count == MAX_ITEMS {
            break;
        }
    }

    // from_reader reads like from_slice.
    let whole = from_slice::<Value>(stream);
    let read = from_reader::<_, Value>(Cursor::new(stream));
    assert!(same(&whole, &read), "from_slice {whole:?} != from_reader {read:?}");

    // A stream of one complete pickle and nothing after it is what from_slice
    // reads; from_slice succeeds only on such a stream.
    let one = count == 1 && matches!(first_item, Some(Ok(_)));
    match (&whole, one) {
        (Ok(v), true) => {
            let Some(Ok(item)) = &first_item else { unreachable!() };
            assert!(v.same_as(item), "from_slice {v:?} != stream item {item:?}");
        }
        (Err(e), _) => common::check_error(e),
        (Ok(v), false) => panic!("from_slice read {v:?}, but the stream is not one pickle"),
    }
});
