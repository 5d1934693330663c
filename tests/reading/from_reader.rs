//! `from_reader` and the stream iterator over awkward readers: one byte per
//! call, interrupted calls, an error mid-way, a socket that has sent only
//! part of the stream; and what reading costs in memory (a per-thread
//! counting allocator): lengths claimed by the pickle are not trusted, and
//! a pickle of one large `bytes` is read in the memory of its payload.

use std::io::{self, Read};

use serde::Deserialize;
use serde_bytes::ByteBuf;
use serde_pickle::{
    from_reader, from_reader_with, from_slice, Category, DeOptions, Deserializer, ErrorCode, Value,
};

use crate::alloc::peak_during;
use crate::support::readers::{Broken, Trickle};

// ---------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------

/// A socket: has received `sent` bytes of `data` so far; reading past them
/// would block forever, so here it panics.
struct Socket<'a> {
    data: &'a [u8],
    pos: usize,
    sent: usize,
}

impl Read for Socket<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        assert!(self.pos < self.sent, "read at {} would block: only {} sent", self.pos, self.sent);
        let n = buf.len().min(self.sent - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

#[derive(Deserialize, serde::Serialize, Debug, PartialEq, Clone)]
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

// ---------------------------------------------------------------------------
// from_reader
// ---------------------------------------------------------------------------

#[test]
fn a_reader_giving_one_byte_per_call_reads_what_a_slice_reads() {
    let data = rows(300);
    for proto in [2, 5] {
        let bytes =
            serde_pickle::to_vec_with(&data, &serde_pickle::SerOptions::new().protocol(proto))
                .unwrap();
        let back: Vec<Row> = from_reader(Trickle::new(&bytes, 1)).unwrap();
        assert_eq!(back, data, "protocol {proto}");
    }
    let bytes = serde_pickle::to_vec(&blob(100_000)).unwrap();
    let back: ByteBuf = from_reader(Trickle::new(&bytes, 1)).unwrap();
    assert_eq!(back, blob(100_000));
}

#[test]
fn a_reader_failing_mid_way_is_an_io_error() {
    let bytes = serde_pickle::to_vec(&rows(100)).unwrap();
    let e = from_reader::<_, Vec<Row>>(Broken(&bytes[..bytes.len() / 2])).unwrap_err();
    assert!(e.is_io(), "{e:?}");
    assert_eq!(e.category(), Category::Io);
}

#[test]
fn a_truncated_input_from_a_reader_fails_as_from_slice_does() {
    let bytes = serde_pickle::to_vec(&rows(50)).unwrap();
    for cut in [0, 1, 2, 11, 12, bytes.len() / 2, bytes.len() - 1] {
        let r = from_reader::<_, Vec<Row>>(Trickle::new(&bytes[..cut], 7)).unwrap_err();
        let s = from_slice::<Vec<Row>>(&bytes[..cut]).unwrap_err();
        assert_eq!((r.category(), r.offset()), (s.category(), s.offset()), "cut at {cut}");
    }
}

#[test]
fn bytes_after_stop_are_an_error_for_from_reader() {
    for value in [Value::from(1i64), Value::Bytes(vec![1, 2, 3])] {
        let mut bytes = serde_pickle::to_vec(&value).unwrap();
        let stop = bytes.len() as u64;
        bytes.push(b'N');
        let e = from_reader::<_, Value>(&bytes[..]).unwrap_err();
        assert!(matches!(e.code(), ErrorCode::TrailingBytes), "{e:?}");
        assert_eq!(e.offset(), Some(stop));
    }
    // The same for the lone-bytes shortcut.
    let mut bytes = serde_pickle::to_vec(&blob(100_000)).unwrap();
    let stop = bytes.len() as u64;
    bytes.push(b'.');
    let e = from_reader::<_, ByteBuf>(&bytes[..]).unwrap_err();
    assert!(matches!(e.code(), ErrorCode::TrailingBytes), "{e:?}");
    assert_eq!(e.offset(), Some(stop));
}

#[test]
fn input_over_max_alloc_is_a_limit_error() {
    let bytes = serde_pickle::to_vec(&blob(10_000)).unwrap();
    let opts = DeOptions::new().max_alloc(bytes.len());
    assert!(from_reader_with::<_, ByteBuf>(&bytes[..], &opts).is_ok());
    let opts = DeOptions::new().max_alloc(bytes.len() - 1);
    let e = from_reader_with::<_, ByteBuf>(&bytes[..], &opts).unwrap_err();
    assert_eq!(e.category(), Category::Limit);
}

#[test]
fn a_huge_claimed_length_from_a_reader_costs_no_memory() {
    // BINBYTES8, BINUNICODE8 and FRAME claiming 2^60 bytes, with 3 present.
    for op in [0x8e, 0x8d, 0x95] {
        let mut bytes = vec![0x80, 5, op];
        bytes.extend_from_slice(&(1u64 << 60).to_le_bytes());
        bytes.extend_from_slice(b"abc");
        let (r, peak) = peak_during(|| from_reader::<_, Value>(Trickle::new(&bytes, 5)));
        assert_eq!(r.unwrap_err().category(), Category::Eof, "opcode {op:#x}");
        assert!(peak < 64 << 10, "opcode {op:#x}: {peak} bytes allocated");
    }
}

#[test]
fn a_pickle_of_one_large_bytes_is_read_in_the_memory_of_its_payload() {
    let bytes = serde_pickle::to_vec(&blob(4 << 20)).unwrap();
    let (back, peak) = peak_during(|| from_reader::<_, ByteBuf>(&bytes[..]).unwrap());
    assert_eq!(back, blob(4 << 20));
    assert!(peak < bytes.len() + 1024, "{peak} bytes allocated for a {} byte input", bytes.len());
}

#[test]
fn a_pickle_of_one_large_bytes_is_read_as_a_value_in_the_memory_of_its_payload() {
    let bytes = serde_pickle::to_vec(&blob(4 << 20)).unwrap();
    let (back, peak) = peak_during(|| from_reader::<_, Value>(&bytes[..]).unwrap());
    assert_eq!(back, Value::Bytes(blob(4 << 20).into_vec()));
    assert!(peak < bytes.len() + 1024, "{peak} bytes allocated for a {} byte input", bytes.len());
}

#[test]
fn a_lone_bytes_read_as_another_type_reads_as_from_slice_does() {
    let bytes = serde_pickle::to_vec(&blob(100_000)).unwrap();
    let v: Vec<u8> = from_reader(&bytes[..]).unwrap();
    assert_eq!(v, from_slice::<Vec<u8>>(&bytes).unwrap());
    let v: Value = from_reader(&bytes[..]).unwrap();
    assert_eq!(v, Value::Bytes(blob(100_000).into_vec()));
    let r = from_reader::<_, String>(&bytes[..]).unwrap_err();
    let s = from_slice::<String>(&bytes).unwrap_err();
    assert_eq!(r.to_string(), s.to_string());
}

#[test]
fn a_pickle_starting_with_a_large_bytes_reads_as_from_slice_does() {
    let pair = (blob(200_000), 7u32);
    let bytes = serde_pickle::to_vec(&pair).unwrap();
    let back: (ByteBuf, u32) = from_reader(Trickle::new(&bytes, 4096)).unwrap();
    assert_eq!(back, pair);
    let v: Value = from_reader(&bytes[..]).unwrap();
    assert_eq!(v, from_slice::<Value>(&bytes).unwrap());
}

#[test]
fn a_truncated_large_bytes_from_a_reader_fails_as_from_slice_does() {
    let bytes = serde_pickle::to_vec(&blob(200_000)).unwrap();
    for cut in [7, 8, 100_000, bytes.len() - 2, bytes.len() - 1] {
        let r = from_reader::<_, ByteBuf>(&bytes[..cut]).unwrap_err();
        let s = from_slice::<ByteBuf>(&bytes[..cut]).unwrap_err();
        assert_eq!((r.category(), r.offset()), (s.category(), s.offset()), "cut at {cut}");
    }
}

#[test]
fn a_large_bytes_over_max_alloc_is_a_limit_error() {
    let bytes = serde_pickle::to_vec(&blob(200_000)).unwrap();
    let opts = DeOptions::new().max_alloc(bytes.len());
    assert!(from_reader_with::<_, ByteBuf>(&bytes[..], &opts).is_ok());
    for limit in [bytes.len() - 1, 100_000, 5] {
        let opts = DeOptions::new().max_alloc(limit);
        let e = from_reader_with::<_, ByteBuf>(&bytes[..], &opts).unwrap_err();
        assert_eq!(e.category(), Category::Limit, "limit {limit}");
    }
}

#[test]
fn a_cpython_pickle_of_one_bytes_is_read_at_every_protocol() {
    // pickle.dumps(b'hi', p) for p = 3, 4, 5 (2 writes _codecs.encode).
    let cases: [&[u8]; 3] = [
        b"\x80\x03C\x02hiq\x00.",
        b"\x80\x04\x95\x06\x00\x00\x00\x00\x00\x00\x00C\x02hi\x94.",
        b"\x80\x05C\x02hi\x94.",
    ];
    for bytes in cases {
        let b: ByteBuf = from_reader(bytes).unwrap();
        assert_eq!(b.as_ref(), b"hi");
    }
}

// ---------------------------------------------------------------------------
// The stream iterator
// ---------------------------------------------------------------------------

#[test]
fn the_stream_over_a_socket_reads_each_pickle_without_waiting_for_the_next() {
    let first = serde_pickle::to_vec(&rows(20)).unwrap();
    let second = serde_pickle::to_vec(&blob(5000)).unwrap();
    let stream = [first.clone(), second.clone()].concat();
    let mut socket = Socket { data: &stream, pos: 0, sent: first.len() };
    let mut it = Deserializer::from_reader(&mut socket).into_iter::<Value>();
    assert!(it.next().unwrap().is_ok());
    assert_eq!(it.byte_offset(), first.len() as u64);
    drop(it);
    // Nothing past the first pickle was asked of the socket.
    assert_eq!(socket.pos, first.len());
}

#[test]
fn the_stream_over_a_one_byte_reader_reads_pickle_after_pickle() {
    let parts = [
        serde_pickle::to_vec(&rows(10)).unwrap(),
        serde_pickle::to_vec(&blob(3000)).unwrap(),
        serde_pickle::to_vec(&rows(3)).unwrap(),
    ];
    let stream = parts.concat();
    let got: Vec<Value> = Deserializer::from_reader(Trickle::new(&stream, 1))
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap();
    let want: Vec<Value> = parts.iter().map(|p| from_slice::<Value>(p).unwrap()).collect();
    assert_eq!(got, want);
}

#[test]
fn the_stream_gives_back_the_buffer_of_a_large_pickle() {
    let parts = [blob(8 << 20), blob(10), blob(20)].map(|b| serde_pickle::to_vec(&b).unwrap());
    let stream = parts.concat();
    let base = crate::alloc::live();
    let mut it = Deserializer::from_reader(&stream[..]).into_iter::<ByteBuf>();
    let lens: Vec<usize> = it.by_ref().map(|b| b.unwrap().len()).collect();
    assert_eq!(lens, [8 << 20, 10, 20]);
    let held = crate::alloc::live() - base;
    assert!(held < 1 << 20, "the iterator holds {held} bytes");
}

#[test]
fn the_stream_reads_a_large_bytes_in_the_memory_of_its_payload() {
    let parts = [
        serde_pickle::to_vec(&blob(4 << 20)).unwrap(),
        serde_pickle::to_vec(&rows(3)).unwrap(),
        serde_pickle::to_vec(&blob(4 << 20)).unwrap(),
    ];
    let stream = parts.concat();
    let mut it = Deserializer::from_reader(&stream[..]).into_iter::<Value>();
    let (first, peak) = peak_during(|| it.next().unwrap().unwrap());
    assert_eq!(first, Value::Bytes(blob(4 << 20).into_vec()));
    // The payload, and no more than the reader's 64 KiB buffer besides.
    assert!(peak < (4 << 20) + (100 << 10), "{peak} bytes allocated for a 4 MiB payload");
    drop(first);
    assert!(it.next().unwrap().is_ok());
    let mut it = Deserializer::from_reader(&parts[2][..]).into_iter::<ByteBuf>();
    let (last, peak) = peak_during(|| it.next().unwrap().unwrap());
    assert_eq!(last, blob(4 << 20));
    assert!(peak < (4 << 20) + (100 << 10), "{peak} bytes allocated for a 4 MiB payload");
}

#[test]
fn the_stream_over_a_socket_reads_a_lone_large_bytes_without_waiting_for_the_next() {
    let first = serde_pickle::to_vec(&blob(200_000)).unwrap();
    let stream = [first.clone(), serde_pickle::to_vec(&rows(2)).unwrap()].concat();
    let mut socket = Socket { data: &stream, pos: 0, sent: first.len() };
    let mut it = Deserializer::from_reader(&mut socket).into_iter::<ByteBuf>();
    assert_eq!(it.next().unwrap().unwrap(), blob(200_000));
    assert_eq!(it.byte_offset(), first.len() as u64);
    drop(it);
    assert_eq!(socket.pos, first.len());
}
