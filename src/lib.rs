//! Python's [pickle] format, protocols 0 to 5, as a [serde] data format.
//!
//! * **Writing** turns any `Serialize` value into the pickle CPython writes
//!   for the equivalent Python object: for every protocol, the bytes equal
//!   `pickletools.optimize(pickle.dumps(obj, protocol=N))` (CPython's output
//!   without its unused memo entries), framing and batching included.
//! * **Reading** runs a non-executing opcode VM: it never imports or calls
//!   what a pickle names, and it bounds nesting, memo and allocation, so it
//!   is safe on input you do not trust (see [Reading untrusted
//!   pickles](#reading-untrusted-pickles)).
//! * The API has [serde_json]'s shape: [`to_vec`], [`to_writer`],
//!   [`from_slice`], [`from_reader`], [`to_value`], [`from_value`], a
//!   [`Value`], an [`Error`] and a [`Result`]; [`dumps`], [`dump`],
//!   [`loads`] and [`load`] are the same functions named like Python's.
//!
//! [pickle]: https://docs.python.org/3/library/pickle.html
//! [serde]: https://serde.rs
//! [serde_json]: https://docs.rs/serde_json
//!
//! The package is `pickle-serde`; the library is `serde_pickle`.
//!
//! **Contents:** [Quick start](#quick-start) ·
//! [Writing: Rust to Python](#writing-rust-to-python) ·
//! [Reading: Python to Rust](#reading-python-to-rust) ·
//! [Protocols](#protocols) ·
//! [Reading untrusted pickles](#reading-untrusted-pickles) ·
//! [Several pickles in a stream](#several-pickles-in-a-stream) ·
//! [Errors](#errors) · [`Value`](#value) · [Examples](#examples)
//!
//! # Quick start
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Person {
//!     name: String,
//!     age: u32,
//!     tags: Vec<String>,
//! }
//!
//! # fn main() -> serde_pickle::Result<()> {
//! let alice = Person { name: "Alice".into(), age: 30, tags: vec!["admin".into()] };
//!
//! // Protocol 5. In Python: pickle.loads(bytes) == {'name': 'Alice', 'age': 30, 'tags': ['admin']}
//! let bytes = serde_pickle::to_vec(&alice)?;
//! let back: Person = serde_pickle::from_slice(&bytes)?;
//! assert_eq!(back, alice);
//!
//! // Any pickle, without a Rust type to hand: `Display` is Python's repr().
//! let value: serde_pickle::Value = serde_pickle::from_slice(&bytes)?;
//! assert_eq!(value.to_string(), "{'name': 'Alice', 'age': 30, 'tags': ['admin']}");
//!
//! // For an older reader, choose the protocol (2: Python 2.3 and later).
//! let opts = serde_pickle::SerOptions::new().protocol(2);
//! let for_py2 = serde_pickle::to_vec_with(&alice, &opts)?;
//! assert!(for_py2.starts_with(b"\x80\x02"));
//! # Ok(())
//! # }
//! ```
//!
//! Files work the same way through [`to_writer`] and [`from_reader`] (or
//! [`dump`] and [`load`]). At protocol 4 and later [`to_writer`] streams:
//! it writes frame by frame, holding a few frames rather than the whole
//! pickle, with the same bytes as [`to_vec`] (it serializes the value twice,
//! see [`to_writer`]); [`from_reader`] reads its input to the
//! end, so on a pipe or a socket read with the stream iterator instead (see
//! [Several pickles in a stream](#several-pickles-in-a-stream)).
//!
//! # Writing: Rust to Python
//!
//! What each part of the serde data model becomes:
//!
//! | Rust | Python |
//! |---|---|
//! | `bool` | `bool` |
//! | `i8` … `i64`, `u8` … `u64`, `i128`, `u128` | `int` |
//! | `f32`, `f64` | `float` (an `f32` is widened: `0.1f32` is `0.10000000149011612`) |
//! | `char`, `&str`, `String` | `str` |
//! | bytes: [`serde_bytes`](https://docs.rs/serde_bytes) `Bytes`/`ByteBuf`, or a field with `#[serde(with = "serde_bytes")]` | `bytes` |
//! | `Vec<u8>` and `[u8]` *without* `serde_bytes` | `list` of `int` (serde sees a sequence) |
//! | `None`, `()`, a unit struct | `None` |
//! | `Some(x)`, a newtype struct `S(x)` | `x` |
//! | a sequence: `Vec`, `VecDeque`, `HashSet`, `BTreeSet`, slices | `list` |
//! | a tuple, a tuple struct, an array `[T; N]` | `tuple` |
//! | a map: `HashMap`, `BTreeMap` | `dict`; keys must be hashable in Python (a tuple key is fine; a `Vec` key is an [`Error`] of [`Category::Data`]) |
//! | a struct | `dict` keyed by the field names |
//! | a unit variant `E::A` | `'A'` |
//! | a newtype variant `E::B(x)` | `{'B': x}` |
//! | a tuple variant `E::C(x, y)` | `{'C': (x, y)}` |
//! | a struct variant `E::D { f }` | `{'D': {'f': f}}` |
//! | [`py::Set`], [`py::FrozenSet`] around any collection | `set`, `frozenset` |
//! | [`py::ByteArray`] | `bytearray` |
//! | [`Value`] | its Python value, including shared and recursive objects, classes and calls (see [`Value`](#value)) |
//!
//! Enums are externally tagged, like serde_json's; serde's attributes
//! (`rename`, `skip`, `default`...) work as usual, and `flatten`, `tag` and
//! `untagged` work as in serde_json, with its limits: through them a
//! [`Value`] loses its tuples and sets, and integers beyond 64 bits fail
//! (see [`guide::serde_attributes`]). Coming from serde-pickle or
//! serde_json: [`guide::from_serde_pickle`], [`guide::from_serde_json`]. A
//! `dict` keeps the order the map gave it, and a `HashMap`'s order changes
//! from run to run: use a `BTreeMap` when the bytes must be reproducible (a
//! cache key, a checksum).
//!
//! ```
//! use serde::Serialize;
//! use serde_pickle::py::{ByteArray, FrozenSet, Set};
//! use std::collections::BTreeMap;
//!
//! #[derive(Serialize)]
//! struct Unit;
//! #[derive(Serialize)]
//! struct Meters(f64);
//! #[derive(Serialize)]
//! enum Shape { Dot, Circle(f64), Rect(u8, u8), Named { name: String } }
//!
//! #[derive(Serialize)]
//! struct All {
//!     flag: bool,
//!     small: i8,
//!     huge: u128,
//!     ratio: f32,
//!     letter: char,
//!     text: &'static str,
//!     #[serde(with = "serde_bytes")]
//!     raw: Vec<u8>,
//!     plain_u8s: Vec<u8>,
//!     nothing: Option<u8>,
//!     something: Option<u8>,
//!     unit: (),
//!     unit_struct: Unit,
//!     newtype: Meters,
//!     pair: (i32, &'static str),
//!     array: [u8; 3],
//!     shapes: Vec<Shape>,
//!     map: BTreeMap<(i32, i32), &'static str>,
//!     set: Set<Vec<i32>>,
//!     frozen: FrozenSet<Vec<i32>>,
//!     buffer: ByteArray,
//! }
//!
//! let all = All {
//!     flag: true, small: -3, huge: u128::MAX, ratio: 0.1, letter: 'é', text: "hi",
//!     raw: vec![0, 255], plain_u8s: vec![0, 255], nothing: None, something: Some(7),
//!     unit: (), unit_struct: Unit, newtype: Meters(1.5), pair: (1, "a"), array: [1, 2, 3],
//!     shapes: vec![Shape::Dot, Shape::Circle(2.0), Shape::Rect(3, 4), Shape::Named { name: "n".into() }],
//!     map: BTreeMap::from([((0, 1), "pt")]), set: Set(vec![1, 2]), frozen: FrozenSet(vec![3]),
//!     buffer: ByteArray(b"x".to_vec()),
//! };
//! let bytes = serde_pickle::to_vec(&all).unwrap();
//! // What CPython's repr(pickle.loads(bytes)) prints:
//! let python_repr = "{'flag': True, 'small': -3, 'huge': 340282366920938463463374607431768211455, \
//!     'ratio': 0.10000000149011612, 'letter': 'é', 'text': 'hi', 'raw': b'\\x00\\xff', \
//!     'plain_u8s': [0, 255], 'nothing': None, 'something': 7, 'unit': None, 'unit_struct': None, \
//!     'newtype': 1.5, 'pair': (1, 'a'), 'array': (1, 2, 3), \
//!     'shapes': ['Dot', {'Circle': 2.0}, {'Rect': (3, 4)}, {'Named': {'name': 'n'}}], \
//!     'map': {(0, 1): 'pt'}, 'set': {1, 2}, 'frozen': frozenset({3}), 'buffer': bytearray(b'x')}";
//! let value: serde_pickle::Value = serde_pickle::from_slice(&bytes).unwrap();
//! assert_eq!(value.to_string(), python_repr);
//!
//! // An unhashable dict key is an error, as in Python.
//! let bad = std::collections::HashMap::from([(vec![1], 1)]);
//! let err = serde_pickle::to_vec(&bad).unwrap_err();
//! assert_eq!(err.category(), serde_pickle::Category::Data);
//! ```
//!
//! # Reading: Python to Rust
//!
//! What each Rust target accepts. A value that does not fit is an [`Error`]
//! of [`Category::Data`]; nothing is converted silently (no `1` for `True`,
//! no truncated integers, no rounded floats).
//!
//! | Rust target | Python values it reads |
//! |---|---|
//! | `bool` | `bool` only (not `0`/`1`) |
//! | any integer type | an `int` in the type's range (not a `bool`, not a `float`) |
//! | `f32`, `f64` | `float`; an `int` a float holds exactly (`2**60 + 1` is an error) |
//! | `String`, `Cow<str>`, `char` | `str`; `bytes` or `bytearray` holding UTF-8; a Python 2 `str` (see [`Py2Strings`]); a global as `"module.name"`; the objects read as text below |
//! | `&str` | the same, when the text lies verbatim in the input of [`from_slice`] (binary protocols; not protocol 0's escaped text): otherwise use `Cow<str>` or `String` |
//! | bytes (`serde_bytes::ByteBuf`, `#[serde(with = "serde_bytes")]`) | `bytes`, `bytearray`, `str` (its UTF-8), a Python 2 `str`, a sequence of small `int`s, an out-of-band buffer supplied through [`DeOptions::buffers`] |
//! | `&[u8]` | `bytes` lying verbatim in the input (protocol 3 and later; below 3, `bytes` is a `_codecs.encode` call and cannot be borrowed) |
//! | `Vec<T>`, `HashSet<T>`, `VecDeque<T>`, arrays, tuples, tuple structs | `list`, `tuple`, `set`, `frozenset`, `bytes`/`bytearray` (as `int`s), and the sequence-like objects below; a tuple or array takes exactly its length |
//! | `HashMap`, `BTreeMap`, a struct | `dict`, and the map-like objects below (a struct also reads a sequence, by position) |
//! | `Option<T>` | `None` as `None`, anything else as `Some` |
//! | `()`, a unit struct | `None` |
//! | an enum | `'Variant'` for a unit variant, `{'Variant': value}` for the others, or an `enum.Enum` member whose value is one of those |
//! | [`py::Set`], [`py::FrozenSet`], [`py::ByteArray`] | what the type inside them reads |
//! | [`Value`] | anything (nothing is lost: see [`Value`](#value)) |
//! | `serde::de::IgnoredAny` | anything |
//!
//! Class instances and standard-library objects are never created; they read
//! as plain data:
//!
//! | Python object | reads as |
//! |---|---|
//! | an instance with a `__dict__` (a dataclass, a plain class) | a map of its attributes (a struct) |
//! | an instance with `__slots__` | a map of its slots (and `__dict__`, if any) |
//! | an instance whose `__getstate__`/`__reduce__` state is not a dict | that state |
//! | `collections.OrderedDict`, `defaultdict`, `Counter` | a map |
//! | `collections.deque` | a sequence |
//! | a `NamedTuple` / `namedtuple` | a sequence: a tuple, a tuple struct or a struct, by position |
//! | an `enum.Enum` member | its value (a Rust enum variant when the value is a str) |
//! | `decimal.Decimal`, `fractions.Fraction` | text: `"3.14"`, `"1/3"` |
//! | `datetime.datetime`, `date`, `time` | ISO 8601 text, as `isoformat()` gives it (`"2024-05-17T12:30:00"`; with the UTC offset when the tzinfo is a `datetime.timezone`) |
//! | `datetime.timedelta` | `(days, seconds, microseconds)` |
//! | `uuid.UUID` | `{'int': n}` (a struct with a `u128` field `int`) |
//! | `range` | `(start, stop, step)` |
//! | an instance of a subclass of `list`, `dict`, `int`, `str`... written at protocol 0 or 1 (`copyreg._reconstructor`) | its base value |
//! | `complex` | `(real, imag)` |
//! | any other call with one argument | that argument |
//! | any other call with several arguments | the arguments, as a sequence |
//!
//! ```
//! use serde::Deserialize;
//! use std::collections::HashSet;
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Job {
//!     name: String,
//!     when: String,
//!     tags: HashSet<String>,
//!     price: String,
//! }
//!
//! // @dataclass class Job: name: str; when: datetime; tags: set; price: Decimal
//! // pickle.dumps(Job('resize', datetime(2024, 5, 17, 12, 30), {'img'}, Decimal('9.99')), protocol=4)
//! let bytes = b"\x80\x04\x95\x96\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x03Job\x94\x93\
//!     \x94)\x81\x94}\x94(\x8c\x04name\x94\x8c\x06resize\x94\x8c\x04when\x94\x8c\x08datetime\x94\
//!     \x8c\x08datetime\x94\x93\x94C\n\x07\xe8\x05\x11\x0c\x1e\x00\x00\x00\x00\x94\x85\x94R\x94\
//!     \x8c\x04tags\x94\x8f\x94(\x8c\x03img\x94\x90\x8c\x05price\x94\x8c\x07decimal\x94\x8c\x07\
//!     Decimal\x94\x93\x94\x8c\x049.99\x94\x85\x94R\x94ub.";
//! let job: Job = serde_pickle::from_slice(bytes).unwrap();
//! assert_eq!(job.name, "resize");
//! assert_eq!(job.when, "2024-05-17T12:30:00");
//! assert!(job.tags.contains("img"));
//! assert_eq!(job.price, "9.99");
//!
//! // Nothing is converted silently: an int is not a bool, 300 is not a u8.
//! assert!(serde_pickle::from_slice::<bool>(b"\x80\x05K\x01.").is_err());
//! assert!(serde_pickle::from_slice::<u8>(b"\x80\x05M,\x01.").is_err());
//! assert_eq!(serde_pickle::from_slice::<u16>(b"\x80\x05M,\x01.").unwrap(), 300);
//! ```
//!
//! # numpy and pandas
//!
//! numpy arrays and scalars read into ordinary Rust types, as
//! `arr.tolist()` would give them: a 1-D array into `Vec<T>`, `[T; N]` or
//! `Box<[T]>`, an N-D array into nested `Vec`s (in C order, whatever the
//! array's memory order), a 0-d array or a numpy scalar (`np.float64(1.5)`)
//! into the Rust scalar, anywhere in a struct, map or `Option`. Conversions
//! follow serde's rules (an `int8` array reads into `Vec<i64>`; a `float64`
//! array into `Vec<i32>` is a [`Category::Data`] error naming `float64`).
//! The elements are decoded straight from the array's bytes, so a large
//! `float64` array reads into `Vec<f64>` at about the speed of copying it.
//! [`py::NdArray`] keeps the shape and the [`py::Dtype`] too, and writes the
//! pickle numpy writes (byte for byte, at protocols 2–5; numpy 1.x's module
//! names with [`SerOptions::numpy_legacy`]); [`py::NdScalar`] does the same
//! for a scalar.
//!
//! ```
//! // pickletools.optimize(pickle.dumps(np.array([[1, 2], [3, 4]], dtype='i1'), 5))
//! let pickle = b"\x80\x05\x95j\x00\x00\x00\x00\x00\x00\x00\x8c\x13numpy._core.numeric\
//!     \x8c\x0b_frombuffer\x93(\x96\x04\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x8c\x05numpy\
//!     \x8c\x05dtype\x93\x8c\x02i1\x89\x88\x87R(K\x03\x8c\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xff\
//!     K\x00tbK\x02K\x02\x86\x8c\x01CtR.";
//! let rows: Vec<Vec<i64>> = serde_pickle::from_slice(pickle).unwrap();
//! assert_eq!(rows, [[1, 2], [3, 4]]);
//! let a: serde_pickle::py::NdArray<i8> = serde_pickle::from_slice(pickle).unwrap();
//! assert_eq!((a.shape(), a.dtype().name().as_str()), (&[2, 2][..], "int8"));
//! // Written back, it is the pickle numpy wrote:
//! assert_eq!(serde_pickle::to_vec(&a).unwrap(), pickle);
//! ```
//!
//! | numpy dtype | reads as | [`py::NdArray`] writes it from |
//! |---|---|---|
//! | `bool` | `bool` | `bool` |
//! | `int8` … `int64` | `i64` (any integer type it fits) | `i8` … `i64` |
//! | `uint8` … `uint64` | `u64` (any integer type it fits) | `u8` … `u64` |
//! | `float16` | `f32` | — |
//! | `float32`, `float64` | `f32`, `f64` | `f32`, `f64` |
//! | `complex64`, `complex128` | `(re, im)`: a tuple, `[f32; 2]`/`[f64; 2]` | `[f32; 2]`, `[f64; 2]` |
//! | `S<n>` (bytes) | bytes (`serde_bytes::ByteBuf`, or `String` when UTF-8), trailing NULs dropped | — |
//! | `U<n>` (str) | `String`, trailing NULs dropped | — |
//! | `datetime64[unit]`, `timedelta64[unit]` | `i64` (the count; `NaT` is `i64::MIN`); the unit is [`py::Dtype::unit`] | `i64` with [`py::NdArray::with_dtype`] |
//! | structured (`[('x', 'f8'), ('id', 'i4')]`) | a struct or map by field name, or a tuple by position | — |
//! | `object` | each element like any pickle value | — |
//!
//! Every byte order (`<`, `>`, `|`, `=`) and memory order (C, Fortran) is
//! read, and every form numpy writes: numpy 2.x (`numpy._core...`) and 1.x
//! (`numpy.core...`), protocols 0–5, protocol 5's `_frombuffer` with the
//! data in-band or in an out-of-band buffer ([`DeOptions::buffers`], read
//! in place: the data is copied once, into the Rust value).
//! Subarray dtypes, `longdouble` and `clongdouble` are an
//! [`Category::Unsupported`] error.
//!
//! pandas (the layouts of pandas 2.x and 3.x, checked against 2.2.3 and
//! 3.1.1): a `Series` reads as its values (`Vec<T>`); a `DataFrame` reads as
//! a map of column name to the column's values (a `BTreeMap<String, Vec<T>>`
//! or a struct with a `Vec` per column) or, asked for a sequence, as its rows
//! (`Vec<Row>` of a struct with a field per column, or of tuples). Columns
//! may be numeric, bool, str (numpy `object` or pandas' `StringArray`) and
//! datetime (as `i64`). The index is not read. Other layouts (nullable
//! `Int64`/`boolean` columns, `Categorical`, `MultiIndex` columns, Arrow-backed
//! strings...) are an [`Category::Unsupported`] error naming the pandas class.
//!
//! A file written by `joblib.dump` holding numpy arrays is not a pickle (the
//! arrays' bytes sit between its opcodes): [`from_joblib_slice`],
//! [`from_joblib_reader`] (or [`DeOptions::joblib`]) read it, its arrays
//! like those of a pickle; the other readers refuse it with a
//! [`Category::Unsupported`] error saying it is a joblib file. Compressed
//! joblib files are refused with an error naming the compression, object
//! arrays (a nested pickle after the wrapper) with an error saying so.
//!
//! # Protocols
//!
//! Every protocol is read, whichever Python wrote it. What the protocol
//! changes in what this crate writes (as in CPython):
//!
//! | Protocol | Read by | Differences that matter |
//! |---|---|---|
//! | 0 | every Python | ASCII text: numbers and strs as text lines, `str` as raw-unicode-escape; no `True`/`False` opcodes (`I01`) |
//! | 1 | every Python | binary opcodes; otherwise as 0 |
//! | 2 | Python 2.3 and later | a `PROTO` header, `NEWOBJ`, `True`/`False`, small tuples, binary big ints |
//! | 3 | Python 3.0 and later | a `bytes` opcode; Python 3 module names |
//! | 4 | Python 3.4 and later | `FRAME`s, short strings, `STACK_GLOBAL`, set and frozenset opcodes, 8-byte lengths |
//! | 5 | Python 3.8 and later | `BYTEARRAY8`, out-of-band buffers (`NEXT_BUFFER`, `READONLY_BUFFER`) |
//!
//! In detail:
//!
//! * **`bytes` below protocol 3** is the call `_codecs.encode(text, 'latin1')`
//!   (`bytes()` when empty), as CPython writes it, so that Python 2 reads a
//!   `str` and Python 3 a `bytes`.
//! * **Sets and frozensets below protocol 4** are the call `set([...])` /
//!   `frozenset([...])` (`REDUCE`), and a `bytearray` below protocol 5 is
//!   the call `bytearray(...)` of its bytes.
//! * **Below protocol 3, globals use Python 2 names**: `builtins` is written
//!   `__builtin__`, `copyreg` is `copy_reg`, and so on through CPython's
//!   `_compat_pickle` tables; reading maps them back.
//! * **From protocol 4, the body is framed** (`FRAME` with an 8-byte length)
//!   when it is 4 bytes or more, in frames of about 64 KiB.
//! * **Protocol 5** writes `bytearray` with its own opcode, and
//!   [`Value::Buffer`] as an out-of-band buffer (an error below 5). Reading
//!   out-of-band buffers needs them passed to [`DeOptions::buffers`], as
//!   `pickle.loads(data, buffers=...)` does.
//!
//! Python's own `pickle.DEFAULT_PROTOCOL` is 3 in Python 3.0 to 3.7, 4 in
//! 3.8 to 3.13 and 5 from 3.14.
//!
//! ```
//! use serde_pickle::py::{ByteArray, Set};
//! use serde_pickle::{to_vec_with, SerOptions, Value, value::Global};
//! let p = |n| SerOptions::new().protocol(n);
//! let ab = serde_bytes::Bytes::new(b"ab");
//! // Each expected value is pickletools.optimize(pickle.dumps(x, protocol=N)) from CPython.
//! assert_eq!(to_vec_with(&ab, &p(2)).unwrap(),
//!     b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x06\x00\x00\x00latin1\x86R.");
//! assert_eq!(to_vec_with(&ab, &p(3)).unwrap(), b"\x80\x03C\x02ab.");
//! assert_eq!(to_vec_with(&Set(vec![1, 2]), &p(3)).unwrap(),
//!     b"\x80\x03cbuiltins\nset\n](K\x01K\x02e\x85R.");
//! assert_eq!(to_vec_with(&Set(vec![1, 2]), &p(4)).unwrap(),
//!     b"\x80\x04\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01K\x02\x90.");
//! let len = Value::from(Global::new("builtins", "len"));
//! assert_eq!(to_vec_with(&len, &p(2)).unwrap(), b"\x80\x02c__builtin__\nlen\n.");
//! assert_eq!(to_vec_with(&len, &p(3)).unwrap(), b"\x80\x03cbuiltins\nlen\n.");
//! assert_eq!(to_vec_with(&(1, "a"), &p(3)).unwrap(), b"\x80\x03K\x01X\x01\x00\x00\x00a\x86.");
//! assert_eq!(to_vec_with(&(1, "a"), &p(4)).unwrap(),
//!     b"\x80\x04\x95\x07\x00\x00\x00\x00\x00\x00\x00K\x01\x8c\x01a\x86.");
//! let ba = ByteArray(b"ab".to_vec());
//! assert_eq!(to_vec_with(&ba, &p(4)).unwrap(),
//!     b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x09bytearray\x93C\x02ab\x85R.");
//! assert_eq!(to_vec_with(&ba, &p(5)).unwrap(),
//!     b"\x80\x05\x95\x0c\x00\x00\x00\x00\x00\x00\x00\x96\x02\x00\x00\x00\x00\x00\x00\x00ab.");
//! ```
//!
//! ## Choosing a protocol
//!
//! * **5**, the default: the reader is Python 3.8 or later (every Python
//!   still maintained).
//! * **4**: some reader may be Python 3.4 to 3.7. For data without
//!   `bytearray`s the output is the same as protocol 5's but for the header
//!   byte, so 4 costs nothing when unsure.
//! * **2**: the reader is Python 2 (2.3 or later).
//! * **0**: the pickle must be printable ASCII (to paste into text, say);
//!   it is the largest and slowest to read.
//! * **1** and **3**: only to match an existing system byte for byte.
//!
//! # Reading untrusted pickles
//!
//! Python's `pickle.loads` imports and calls whatever the pickle names, so
//! loading a pickle from an untrusted source in Python runs its code. This
//! crate's reader guarantees, for any input:
//!
//! * **Nothing is imported or called.** `GLOBAL`/`STACK_GLOBAL` give a
//!   [`Value::Global`]; `REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `INST`, `OBJ` and
//!   `BUILD` give a [`Value::Object`] recording the call (or read as plain
//!   data into a Rust type, see above). Persistent ids go to your
//!   [`DeOptions::persistent_load`] hook, or stay a [`Value::PersistentId`].
//! * **No panic and no stack overflow.** Bad input is an [`Error`]; the VM
//!   and [`Value`] are iterative, and typed reads stop at the depth limit.
//!   The reader is fuzzed (the `fuzz/` directory of the repository).
//! * **Bounded memory and depth**, by the limits of [`DeOptions`]:
//!
//! | Limit | Default | Exceeding it |
//! |---|---|---|
//! | [`DeOptions::max_depth`]: nesting of containers | 1024 (CPython's recursion limit is 1000) | [`Category::Limit`] |
//! | [`DeOptions::max_memo`]: memo entries | 16 Mi (2<sup>24</sup>) | [`Category::Limit`] |
//! | [`DeOptions::max_alloc`]: the reader's working memory (its table of values and the payloads it copies); also the most [`from_reader`] reads | 4 GiB | [`Category::Limit`] |
//! | [`DeOptions::max_expansion`]: shared references expanded by a read (a "billion laughs"): containers a typed read enters, and bytes of strings, bytes and ints copied | 64 × the values in the pickle, plus 2<sup>16</sup>; 64 × the pickle's size, plus 1 MiB | [`Category::Limit`] |
//!
//! Within them, memory grows with the data that is actually there: a length
//! field claiming gigabytes costs nothing until the gigabytes arrive, and a
//! [`Value`] keeps a shared object once however often it is referenced.
//!
//! Which globals may appear at all is the [`GlobalsPolicy`]:
//! [`KeepAsData`](GlobalsPolicy::KeepAsData) (the default: any global, kept
//! as data), [`AllowList`](GlobalsPolicy::AllowList) (exact module and name)
//! or [`RejectAll`](GlobalsPolicy::RejectAll) (plain data only). A rejected
//! global is an [`ErrorCode::ForbiddenGlobal`] naming it. To look before
//! deciding, [`scan()`] lists every global a pickle names and every call it
//! would make (including calls whose result is discarded), and
//! [`safe_globals()`] lists the standard-library globals that plain data
//! needs (`set`, `bytearray`, `datetime`, `Decimal`, `OrderedDict`...).
//!
//! ```
//! use serde_pickle::{from_slice_with, safe_globals, scan, DeOptions, ErrorCode, GlobalsPolicy, Value};
//!
//! // os.system('echo hi') at protocol 0, as an attacker writes it.
//! let evil = b"cos\nsystem\n(Vecho hi\ntR.";
//!
//! // Read as data: the call is recorded, never made.
//! let v: Value = serde_pickle::from_slice(evil).unwrap();
//! assert_eq!(v.to_string(), "os.system('echo hi')");
//!
//! // See what it would do.
//! let found = scan(evil).unwrap();
//! assert_eq!(found.calls[0].opcode, "REDUCE");
//! let safe = safe_globals();
//! let bad: Vec<_> = found.unsafe_globals(&safe).collect();
//! assert_eq!((bad[0].global.module.as_str(), bad[0].global.name.as_str()), ("os", "system"));
//!
//! // Refuse it.
//! let opts = DeOptions::new().max_depth(64).globals(GlobalsPolicy::AllowList(safe));
//! let err = from_slice_with::<Value>(evil, &opts).unwrap_err();
//! assert_eq!(err.to_string(), "global 'os.system' is not allowed at offset 0 (opcode GLOBAL)");
//! assert!(matches!(err.code(), ErrorCode::ForbiddenGlobal { module, .. } if module == "os"));
//!
//! let plain_only = DeOptions::new().globals(GlobalsPolicy::RejectAll);
//! assert!(from_slice_with::<Value>(evil, &plain_only).is_err());
//! assert!(from_slice_with::<Value>(b"\x80\x05K\x01.", &plain_only).is_ok());
//! ```
//!
//! A typed read of an untrusted pickle needs no policy to be safe: the
//! objects read as plain data, and only fields your type has are kept. The
//! policy matters when the bytes may later reach Python's own `pickle`.
//!
//! # Several pickles in a stream
//!
//! Pickles need no framing between them: each ends with its own `STOP`
//! opcode, and Python reads a stream of them with repeated `pickle.load(f)`.
//! Write one after the other with [`to_writer`]; read them with
//! [`Deserializer::into_iter`] over [`Deserializer::from_slice`] or
//! [`Deserializer::from_reader`]. Each pickle has its own memo, as in
//! Python. On a pipe or socket, each `next()` waits for one whole pickle and
//! no more, so request/response protocols work; keep using the same
//! iterator, which holds what it has read ahead.
//!
//! [`from_slice`] and [`from_reader`] read exactly one pickle: bytes after it
//! are an error ([`ErrorCode::TrailingBytes`]).
//!
//! ```
//! use serde_pickle::{Category, Deserializer};
//!
//! let mut stream = Vec::new();
//! for n in [1u32, 2, 3] {
//!     serde_pickle::to_writer(&mut stream, &n).unwrap();
//! }
//! // A reader as good as a file or a pipe.
//! let all: Vec<u32> = Deserializer::from_reader(&stream[..])
//!     .into_iter::<u32>()
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! assert_eq!(all, [1, 2, 3]);
//!
//! // One at a time, with the offset reached.
//! let mut it = Deserializer::from_slice(&stream).into_iter::<u32>();
//! assert_eq!(it.next().unwrap().unwrap(), 1);
//! assert_eq!(it.byte_offset(), 5); // b"\x80\x05K\x01."
//!
//! // from_slice wants exactly one pickle.
//! let err = serde_pickle::from_slice::<u32>(&stream).unwrap_err();
//! assert_eq!(err.category(), Category::Syntax);
//!
//! // The memo does not carry over: the second pickle's BINGET 0 refers to
//! // nothing, and the iterator stops after that error (CPython: "Memo value
//! // not found at index 0").
//! let two = b"\x80\x05K\x01\x94.\x80\x05h\x00.";
//! let mut it = Deserializer::from_slice(two).into_iter::<u32>();
//! assert_eq!(it.next().unwrap().unwrap(), 1);
//! assert_eq!(it.next().unwrap().unwrap_err().category(), Category::Syntax);
//! assert!(it.next().is_none());
//! ```
//!
//! # Errors
//!
//! Every failure is one [`Error`] type, one pointer wide. Match on
//! [`Error::category`] rather than on messages:
//!
//! | [`Category`] | Meaning |
//! |---|---|
//! | `Io` | the reader or writer failed ([`std::error::Error::source`] is the `io::Error`) |
//! | `Eof` | the input ended before the pickle's `STOP` |
//! | `Syntax` | not a well-formed pickle: a bad opcode, a stack underflow, a missing memo entry, trailing bytes... |
//! | `Unsupported` | well-formed but not supported: a protocol above 5, an extension-registry code, a persistent id or out-of-band buffer with nothing to resolve it |
//! | `Limit` | a [`DeOptions`] limit was exceeded, or the [`GlobalsPolicy`] rejected a global |
//! | `Data` | the pickle is fine but does not fit the Rust type; or a value cannot be written (an unhashable key) |
//!
//! [`Error::code`] gives the detailed [`ErrorCode`]; [`Error::classify`],
//! [`Error::is_syntax`], [`Error::is_eof`], [`Error::is_data`],
//! [`Error::is_io`] and [`Error::io_error_kind`] are serde_json's, and
//! [`Error::is_limit`] and [`Error::is_unsupported`] cover the two
//! categories serde_json has not. An `Error` converts into an `io::Error`
//! (`InvalidData`, or the original I/O error).
//!
//! Where it happened:
//!
//! * When the opcode stream is at fault, [`Error::offset`] is the byte
//!   offset of the opcode that failed and [`Error::opcode`] that opcode
//!   ([`codec::opcodes::name`] spells it): `"... at offset 2 (opcode GLOBAL)"`.
//! * A **data error** (the pickle is fine, the Rust type is not) names the
//!   path to the value ([`Error::path`], `people[3].age`: fields, list
//!   indexes, dict keys as `["a b"]` or `[(1, 2)]`, enum variants) and its
//!   offset in the pickle (of the opcode that made it), and, when a class
//!   instance does not fit, its class: ``missing field `age` in a
//!   __main__.Person instance at people[3] (offset 57)``. Nothing is spent on
//!   this until a read fails: the path is gathered as the error unwinds, and
//!   the offset is found by running the pickle again (not when reading a
//!   stream from an `io::Read`, which keeps no input, nor with a
//!   [`DeOptions::persistent_load`] hook, which would be called again).
//! * A **truncated** pickle says where the input ends and what was being read
//!   there (`"the input ends at offset 200, in the 300-byte str of BINUNICODE
//!   at offset 14 (181 bytes of it are there)"`), also when a `FRAME` header
//!   announced more bytes than the input has.
//! * Input that is **not a pickle** says what it looks like, from its first
//!   bytes: JSON, gzip, zlib, bz2, xz or lzma data (joblib's compressed
//!   files), a zip archive (a PyTorch `.pt` file, a NumPy `.npz`), a NumPy
//!   `.npy` file, HDF5, Parquet, or text.
//! * A [`Category::Limit`] error names the [`DeOptions`] limit and its value:
//!   `"max_depth (1024) exceeded: containers nested deeper"`.
//!
//! ```
//! use serde::Deserialize;
//! use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, ErrorCode, Value};
//!
//! let truncated = from_slice::<Value>(b"\x80\x05K").unwrap_err();
//! assert_eq!(truncated.category(), Category::Eof);
//! assert_eq!(truncated.offset(), Some(2));
//! assert_eq!(
//!     truncated.to_string(),
//!     "pickle data was truncated: the input ends at offset 3, in the argument of BININT1 at offset 2"
//! );
//!
//! let garbage = from_slice::<Value>(b"\x80\x05\xff.").unwrap_err();
//! assert_eq!(garbage.category(), Category::Syntax);
//! assert!(matches!(garbage.code(), ErrorCode::InvalidOpcode(0xff)));
//! assert_eq!(garbage.offset(), Some(2));
//!
//! let json = from_slice::<Value>(br#"{"name": "Alice"}"#).unwrap_err();
//! assert!(json.is_syntax());
//! assert_eq!(json.to_string(), "not a pickle (the input looks like JSON): invalid opcode 0x7b at offset 0");
//!
//! let too_new = from_slice::<Value>(b"\x80\x06N.").unwrap_err();
//! assert_eq!(too_new.category(), Category::Unsupported);
//!
//! // [[[[]]]] with a depth limit of 2
//! let deep = from_slice_with::<Value>(b"\x80\x02]]]]aaa.", &DeOptions::new().max_depth(2));
//! assert_eq!(deep.unwrap_err().category(), Category::Limit);
//!
//! // pickle.dumps('x', protocol=5): the str is at offset 11, after the frame header.
//! let x = b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94.";
//! let wrong_type = from_slice::<u8>(x).unwrap_err();
//! assert_eq!(wrong_type.category(), Category::Data);
//! assert_eq!(wrong_type.to_string(), r#"invalid type: string "x", expected u8 at offset 11"#);
//! assert_eq!(wrong_type.offset(), Some(11));
//!
//! // pickle.dumps({'people': [{'name': 'Ann', 'age': '30'}]}, protocol=2)
//! #[derive(Deserialize, Debug)]
//! struct Person { name: String, age: u32 }
//! #[derive(Deserialize, Debug)]
//! struct Team { people: Vec<Person> }
//! let team = b"\x80\x02}q\x00X\x06\x00\x00\x00peopleq\x01]q\x02}q\x03(X\x04\x00\x00\x00nameq\x04\
//!     X\x03\x00\x00\x00Annq\x05X\x03\x00\x00\x00ageq\x06X\x02\x00\x00\x0030q\x07uas.";
//! let err = from_slice::<Team>(team).unwrap_err();
//! assert_eq!(err.to_string(), r#"invalid type: string "30", expected u32 at people[0].age (offset 56)"#);
//! assert_eq!(err.path().as_deref(), Some("people[0].age"));
//!
//! match from_slice::<String>(b"\x80\x05K\x01.") {
//!     Ok(s) => println!("{s}"),
//!     Err(e) if e.is_data() => { /* the pickle is fine, the type is not */ }
//!     Err(e) => panic!("bad pickle: {e}"),
//! }
//! ```
//!
//! # Value
//!
//! [`Value`] holds anything a pickle can, with what serde_json's `Value`
//! would lose: tuples apart from lists ([`Value::Tuple`]), sets and
//! frozensets, `bytes` apart from `bytearray`, `complex`, integers of any
//! size ([`Value::BigInt`]), dicts with any hashable keys in insertion order
//! ([`value::Dict`]), and:
//!
//! * **shared and recursive objects**: an object the pickle references from
//!   several places (or from inside itself) is a [`Value::Shared`] node
//!   ([`value::Shared`], an `Arc`), and writing the `Value` back references
//!   it the same way;
//! * **classes and calls**: [`Value::Global`] (a `module.name` reference) and
//!   [`Value::Object`] (the callable, arguments, state and items of a
//!   `REDUCE`/`NEWOBJ`/`BUILD`...), written back as they were read, so a
//!   `datetime` or a class instance survives a round trip through Rust;
//! * [`Value::Buffer`] and [`Value::PersistentId`] for out-of-band buffers
//!   and persistent ids nothing resolved.
//!
//! `Display` prints a `Value` as Python's `repr()` does for native values
//! (objects print as the call that builds them); `Debug` shows the Rust
//! structure. The [`pickle!`] macro builds a `Value` with Python's literal
//! syntax. [`to_value`] and [`from_value`] convert between `Value` and
//! serde types without bytes in between.
//!
//! `==` on `Value` is Python's `==`: `1 == 1.0 == True`, a `set` equals a
//! `frozenset` with the same items, dicts and sets compare in any order, a
//! list never equals a tuple, `NaN != NaN`. [`Value::same_as`] is the strict
//! structural comparison (same variants, same order, floats by bits).
//!
//! ```
//! use serde_pickle::{pickle, Value};
//!
//! // x = [1]; pickle.dumps((x, x, (2,), {3}), protocol=5)
//! let bytes = serde_pickle::to_vec(&{
//!     let x = serde_pickle::value::Shared::new(pickle!([1]));
//!     pickle!((Value::Shared(x.clone()), Value::Shared(x), (2,), {3}))
//! }).unwrap();
//! let v: Value = serde_pickle::from_slice(&bytes).unwrap();
//! assert_eq!(v.to_string(), "([1], [1], (2,), {3})");
//! // Both elements are the same node, as `v[0] is v[1]` in Python.
//! assert!(v[0].as_shared().unwrap().ptr_eq(v[1].as_shared().unwrap()));
//!
//! // A recursive list: l = [1]; l.append(l); pickle.dumps(l, protocol=5)
//! let l: Value = serde_pickle::from_slice(b"\x80\x05\x95\x09\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01h\x00e.").unwrap();
//! assert_eq!(l.to_string(), "[1, [...]]");
//!
//! // A datetime.date stays an object, and writes back unchanged.
//! // pickle.dumps(datetime.date(2024, 5, 17), protocol=5)
//! let date = b"\x80\x05\x95 \x00\x00\x00\x00\x00\x00\x00\x8c\x08datetime\x94\x8c\x04date\x94\x93\x94\
//!     C\x04\x07\xe8\x05\x11\x94\x85\x94R\x94.";
//! let d: Value = serde_pickle::from_slice(date).unwrap();
//! let obj = d.as_py_object().unwrap();
//! assert_eq!(obj.global().unwrap().name, "date");
//! assert_eq!(d.to_string(), r"datetime.date(b'\x07\xe8\x05\x11')");
//! let again: Value = serde_pickle::from_slice(&serde_pickle::to_vec(&d).unwrap()).unwrap();
//! assert!(again.same_as(&d));
//!
//! // Python's equality.
//! assert_eq!(pickle!({"a": 1, "b": 2.0}), pickle!({"b": 2, "a": True}));
//! assert_eq!(Value::set([1, 2]), Value::frozenset([2, 1]));
//! assert_ne!(pickle!([1, 2]), pickle!((1, 2)));
//! assert!(!Value::Int(1).same_as(&Value::Float(1.0)));
//!
//! // Between Value and serde types.
//! let v = serde_pickle::to_value(&(1, "a")).unwrap();
//! assert_eq!(v, pickle!((1, "a")));
//! let back: (i32, String) = serde_pickle::from_value(v).unwrap();
//! assert_eq!(back, (1, "a".to_string()));
//! ```
//!
//! # Examples
//!
//! The repository's `examples/` directory has complete programs
//! (`cargo run --example NAME`):
//!
//! * `quickstart`: write a struct to a file, read it back, and show what
//!   Python sees in it;
//! * `persist`: keep application state in a pickle file between runs;
//! * `exchange_with_python`: hand a pickle to a `python3` process and read
//!   its reply into a typed struct;
//! * `cache`: memoize a computation on disk, keyed by the pickled input,
//!   with a version and a maximum age;
//! * `ipc_pipe`: stream pickles to and from another process over a pipe;
//! * `deep_clone`: copy a value by a pickle round trip, keeping shared
//!   references, and when not to;
//! * `inspect`: look inside an untrusted `.pkl` file, list what it would
//!   import and call, and refuse it.
//!
//! # Features
//!
//! * `cli`: builds the `pickletool` binary (`dis`, `json`, `from-json`,
//!   `transcode`, `scan`), which adds a dependency on serde_json. The library
//!   itself never needs it.
//! * `ndarray`: the `ndarray` crate's arrays as numpy arrays:
//!   `py::AsNumpy` and the `#[serde(with = "serde_pickle::py::as_numpy")]`
//!   module read an `ArrayD<T>` or `Array1<T>` … `Array6<T>` from any numpy
//!   array `NdArray<T>` reads (its elements decoded once, into the array's
//!   buffer) and write any `ArrayBase` (views too) as numpy writes it:
//!   C-contiguous, Fortran-contiguous (`is_fortran`, order `'F'`) or strided,
//!   byte for byte; `NdArray` converts to and from `Array` without copying.

// `deny`, not `forbid`: the two exceptions are `value/cycles.rs`, which
// frees unreachable cycles of shared nodes, and `codec/utf8.rs`, which
// skips the UTF-8 check of bytes it has just seen are ASCII (see their
// module docs).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod codec;
mod de;
mod error;
mod fx;
pub mod guide;
mod options;
pub mod py;
mod read;
mod scan;
mod ser;
mod shape_marker;
mod stream;
#[cfg(test)]
mod testing;
pub mod value;
mod vm;

pub use crate::de::{from_reader, from_reader_with, from_slice, from_slice_with, Deserializer};
pub use crate::error::{Category, Error, ErrorCode, Result};
pub use crate::options::{DeOptions, GlobalsPolicy, PersistentLoad, Py2Strings, SerOptions};
pub use crate::py::numpy::{from_joblib_reader, from_joblib_slice};
pub use crate::read::{IoRead, Read, SliceRead};
pub use crate::scan::{safe_globals, scan, Call, Named, Scan};
pub use crate::ser::{to_vec, to_vec_with, to_writer, to_writer_with, Compound, Serializer};
pub use crate::stream::StreamDeserializer;
pub use crate::value::{from_value, to_value, Value};

/// Alias of [`to_vec`], named like Python's `pickle.dumps`.
///
/// ```
/// let bytes = serde_pickle::dumps(&vec![1, 2, 3]).unwrap();
/// assert_eq!(serde_pickle::loads::<Vec<i32>>(&bytes).unwrap(), vec![1, 2, 3]);
/// ```
pub fn dumps<T: ?Sized + serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    to_vec(value)
}

/// Alias of [`to_writer`], named like Python's `pickle.dump`.
///
/// ```
/// let mut out = Vec::new();
/// serde_pickle::dump(&mut out, &"hi").unwrap();
/// assert_eq!(serde_pickle::load::<_, String>(&out[..]).unwrap(), "hi");
/// ```
pub fn dump<W: std::io::Write, T: ?Sized + serde::Serialize>(writer: W, value: &T) -> Result<()> {
    to_writer(writer, value)
}

/// Alias of [`from_slice`], named like Python's `pickle.loads`.
///
/// ```
/// let n: u8 = serde_pickle::loads(b"\x80\x05K\x07.").unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn loads<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    from_slice(bytes)
}

/// Alias of [`from_reader`], named like Python's `pickle.load`.
///
/// ```
/// let n: u8 = serde_pickle::load(&b"\x80\x05K\x07."[..]).unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn load<R: std::io::Read, T: serde::de::DeserializeOwned>(reader: R) -> Result<T> {
    from_reader(reader)
}

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
