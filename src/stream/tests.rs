//! The stream iterator with the fast path on and off: over a slice and over
//! readers handing out a few bytes per call, the same items, errors and
//! offsets. (Moved from tests/from_reader.rs when `DeOptions::fast_path`
//! became internal.)

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::{DeOptions, Deserializer, Value};

#[path = "../../tests/support/readers.rs"]
mod readers;
use readers::{Broken, Trickle};

#[derive(Deserialize, Serialize, Debug, PartialEq, Clone)]
struct Row {
    id: u64,
    name: String,
    tags: Vec<String>,
    blob: ByteBuf,
    score: f64,
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| Row {
            id: i as u64 * 7919,
            name: format!("row {i}"),
            tags: vec!["a".into(), format!("t{}", i % 5)],
            blob: ByteBuf::from(vec![i as u8; i % 300]),
            score: i as f64 / 3.0,
        })
        .collect()
}

fn blob(len: usize) -> ByteBuf {
    ByteBuf::from((0..len).map(|i| (i * 31 % 251) as u8).collect::<Vec<u8>>())
}

/// Every pickle of `stream` read by the stream iterator over a reader giving
/// `step` bytes per call, with the error and the offset reached after each.
fn read_stream<T: serde::de::DeserializeOwned>(
    stream: &[u8],
    step: usize,
    fast: bool,
) -> Vec<(Result<T, String>, u64)> {
    let opts = DeOptions::new().fast_path(fast);
    let mut it =
        Deserializer::from_reader(Trickle::new(stream, step)).with_options(opts).into_iter::<T>();
    let mut out = Vec::new();
    while let Some(r) = it.next() {
        out.push((r.map_err(|e| format!("{e:?}")), it.byte_offset()));
    }
    out
}

fn same_with_and_without_the_fast_path<T>(stream: &[u8])
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for step in [1, 3, 1 << 20] {
        let fast = read_stream::<T>(stream, step, true);
        let vm = read_stream::<T>(stream, step, false);
        assert_eq!(fast, vm, "{} bytes per read of {stream:?}", step);
    }
}

#[test]
fn a_frame_ending_in_an_argument_byte_equal_to_stop_does_not_end_the_pickle() {
    // [46] at protocol 4 cut into two frames: `](K.` (K. is the int 46), then `e.`.
    let first =
        b"\x80\x04\x95\x04\x00\x00\x00\x00\x00\x00\x00](K.\x95\x02\x00\x00\x00\x00\x00\x00\x00e.";
    let second = crate::to_vec(&vec![1i64, 2]).unwrap();
    let stream = [&first[..], &second].concat();
    let got = read_stream::<Vec<i64>>(&stream, 1, true);
    assert_eq!(got[0], (Ok(vec![46]), first.len() as u64));
    assert_eq!(got[1], (Ok(vec![1, 2]), stream.len() as u64));
    same_with_and_without_the_fast_path::<Vec<i64>>(&stream);
}

#[test]
fn a_stop_inside_a_frame_ends_the_pickle_there_with_or_without_the_fast_path() {
    // One frame holding `K\x01.` and then the next pickle `K\x02.`.
    let stream = b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00K\x01.K\x02.";
    same_with_and_without_the_fast_path::<i64>(stream);
    same_with_and_without_the_fast_path::<Value>(stream);
}

#[test]
fn text_protocol_pickles_arriving_in_pieces_read_as_the_vm_reads_them() {
    let parts = [
        crate::to_vec_with(&rows(5), &crate::SerOptions::new().protocol(0)).unwrap(),
        b"I12345\n.".to_vec(),
        crate::to_vec_with(&rows(2), &crate::SerOptions::new().protocol(1)).unwrap(),
    ];
    let stream = parts.concat();
    same_with_and_without_the_fast_path::<Value>(&stream);
    let got = read_stream::<Value>(&stream, 1, true);
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|(r, _)| r.is_ok()), "{got:?}");
}

#[test]
fn a_stream_of_typed_pickles_reads_the_same_with_and_without_the_fast_path() {
    let parts = [
        crate::to_vec(&rows(40)).unwrap(),
        crate::to_vec(&rows(0)).unwrap(),
        crate::to_vec_with(&rows(7), &crate::SerOptions::new().protocol(2)).unwrap(),
    ];
    let stream = parts.concat();
    same_with_and_without_the_fast_path::<Vec<Row>>(&stream);
    // Cut short: the error and its offset do not depend on the path.
    same_with_and_without_the_fast_path::<Vec<Row>>(&stream[..stream.len() - 9]);
    // A type the pickles are not: the same errors.
    same_with_and_without_the_fast_path::<Vec<u32>>(&stream);
}

#[test]
fn a_reader_failing_mid_pickle_fails_the_stream_where_the_vm_would() {
    let parts = [crate::to_vec(&rows(3)).unwrap(), crate::to_vec(&rows(50)).unwrap()];
    let stream = parts.concat();
    let broken = &stream[..parts[0].len() + 100];
    for fast in [true, false] {
        let opts = DeOptions::new().fast_path(fast);
        let mut it =
            Deserializer::from_reader(Broken(broken)).with_options(opts).into_iter::<Vec<Row>>();
        assert_eq!(it.next().unwrap().unwrap(), rows(3));
        let e = it.next().unwrap().unwrap_err();
        assert!(e.is_io(), "fast path {fast}: {e:?}");
        assert!(it.next().is_none());
    }
}

#[test]
fn payloads_over_a_mebibyte_in_a_stream_over_a_reader_read_with_and_without_the_fast_path() {
    let text = "x".repeat(3 << 20);
    let stream = [crate::to_vec(&text).unwrap(), crate::to_vec(&blob(3 << 20)).unwrap()].concat();
    for fast in [true, false] {
        let opts = DeOptions::new().fast_path(fast);
        let mut it = Deserializer::from_reader(&stream[..]).with_options(opts).into_iter::<Value>();
        assert_eq!(it.next().unwrap().unwrap(), Value::from(text.clone()), "fast path {fast}");
        assert_eq!(it.next().unwrap().unwrap(), Value::Bytes(blob(3 << 20).into_vec()));
        let opts = DeOptions::new().fast_path(fast);
        let mut it =
            Deserializer::from_reader(&stream[..]).with_options(opts).into_iter::<String>();
        assert_eq!(it.next().unwrap().unwrap(), text, "fast path {fast}");
    }
}

/// `pickle.dumps(b, protocol)` for a `bytes` of 64 KiB to 4 GiB, as CPython
/// 3.11 writes it (checked with pickletools): `PROTO`, `BINBYTES`, the
/// payload, then `trailer` (CPython's: `q\x00.` at protocol 3, `\x94.` at 4
/// and 5, the payload outside any frame).
fn lone(protocol: u8, payload: &[u8], trailer: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_le_bytes();
    [&[0x80, protocol, b'B'][..], &len, payload, trailer].concat()
}

/// Lone large `bytes` pickles with each kind of memo put, and near misses:
/// a put of another entry, a `POP` after it, a tuple around the bytes.
fn lone_bytes_stream() -> Vec<u8> {
    let b = blob(100_000);
    let parts = [
        lone(5, &b, b"\x94."),
        lone(3, &b, b"q\x00."),
        crate::to_vec(&7u8).unwrap(),
        lone(3, &b, b"r\x00\x00\x00\x00."),
        lone(3, &b, b"q\x01."),
        lone(3, &b, b"."),
        lone(4, &b, b"\x940N."),
        crate::to_vec(&(b.clone(),)).unwrap(),
        lone(4, &b, b"\x94."),
    ];
    parts.concat()
}

#[test]
fn a_stream_of_lone_large_bytes_reads_the_same_with_and_without_the_fast_path() {
    let stream = lone_bytes_stream();
    same_with_and_without_the_fast_path::<Value>(&stream);
    same_with_and_without_the_fast_path::<ByteBuf>(&stream);
    same_with_and_without_the_fast_path::<Vec<u8>>(&stream);
    same_with_and_without_the_fast_path::<String>(&stream);
}

#[test]
fn a_lone_large_bytes_cut_short_fails_the_stream_where_the_vm_would() {
    let first = crate::to_vec(&7u8).unwrap();
    let stream = [first.clone(), lone(5, &blob(100_000), b"\x94.")].concat();
    for cut in [first.len() + 3, first.len() + 50_000, stream.len() - 2, stream.len() - 1] {
        same_with_and_without_the_fast_path::<ByteBuf>(&stream[..cut]);
        same_with_and_without_the_fast_path::<Value>(&stream[..cut]);
    }
}

#[test]
fn a_reader_failing_inside_a_lone_large_bytes_fails_where_the_vm_would() {
    let stream = lone_bytes_stream();
    for cut in [3, 50_000, 100_010, 100_013] {
        let mut got = Vec::new();
        for fast in [true, false] {
            let opts = DeOptions::new().fast_path(fast);
            let mut it = Deserializer::from_reader(Broken(&stream[..cut]))
                .with_options(opts)
                .into_iter::<ByteBuf>();
            let mut items = Vec::new();
            while let Some(r) = it.next() {
                items.push((r.map_err(|e| format!("{e:?}")), it.byte_offset()));
            }
            got.push(items);
        }
        assert_eq!(got[0], got[1], "cut at {cut}");
    }
}
