//! Streams of pickles: `Deserializer::into_iter::<Value>()` over a slice and
//! over an `io::Read` that hands out the input a few bytes at a time must
//! yield the same items (values `same_as` each other, errors with the same
//! message, or both the end of the input); `from_reader` must agree with `from_slice`; and a stream that
//! holds exactly one pickle reads like `from_slice`. The stream's fast path
//! (typed items, and `Value`s of plain data) agrees with the opcode VM alone
//! (`DeOptions::fast_path(false)`), over a slice and over a reader.
//!
//! Input layout: byte 0 picks the reader's chunk size (`1 + byte % 64`); the
//! rest is the stream.
#![no_main]

mod common;

use std::io::{self, Cursor, Read};

use libfuzzer_sys::fuzz_target;
use serde_pickle::codec::opcodes;
use serde_pickle::{from_reader, from_slice, Category, DeOptions, Deserializer, Value};

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

/// Items of a stream of `T`, with or without the fast path, over a slice or
/// a reader (at most `MAX_ITEMS`).
fn items<T: serde::de::DeserializeOwned>(
    stream: &[u8],
    chunk: usize,
    fast: bool,
    reader: bool,
) -> Vec<serde_pickle::Result<T>> {
    let opts = DeOptions::new().fast_path(fast);
    let it: Box<dyn Iterator<Item = serde_pickle::Result<T>>> = if reader {
        Box::new(
            Deserializer::from_reader(Trickle { data: stream, chunk })
                .with_options(opts)
                .into_iter::<T>(),
        )
    } else {
        Box::new(Deserializer::from_slice(stream).with_options(opts).into_iter::<T>())
    };
    it.take(MAX_ITEMS).collect()
}

/// Same value (by `eq`), or the same error (truncation: any end of input,
/// since a reader that waits for a whole FRAME meets it elsewhere).
fn agree<T>(
    a: &serde_pickle::Result<T>,
    b: &serde_pickle::Result<T>,
    eq: impl Fn(&T, &T) -> bool,
) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => eq(x, y),
        (Err(x), Err(y)) if x.category() == Category::Eof || y.category() == Category::Eof => {
            x.category() == y.category()
        }
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// The fast path and the VM read the same items from the same source, up
/// to the first error (after which the two may stand at different places).
fn fast_agrees_with_vm(stream: &[u8], chunk: usize) {
    fn check<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        stream: &[u8],
        chunk: usize,
        eq: impl Fn(&T, &T) -> bool,
    ) {
        'sources: for reader in [false, true] {
            let fast = items::<T>(stream, chunk, true, reader);
            let vm = items::<T>(stream, chunk, false, reader);
            for (i, (a, b)) in fast.iter().zip(&vm).enumerate() {
                assert!(agree(a, b, &eq), "item {i} (reader: {reader}): fast {a:?} != VM {b:?}");
                if a.is_err() {
                    continue 'sources;
                }
            }
            assert_eq!(fast.len(), vm.len(), "items (reader: {reader})");
        }
    }
    check::<serde_json::Value>(stream, chunk, |a, b| a == b);
    check::<Value>(stream, chunk, |a, b| a.same_as(b));
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let chunk = 1 + (first as usize % 64);
    fast_agrees_with_vm(stream, chunk);

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
