//! The files pickles travel in, opened for `pickletool scan`, so that every
//! pickle a loader would run is scanned, not only a file's first bytes:
//!
//! - a zip archive: a PyTorch checkpoint (`torch.save` since 1.6: the model
//!   is `<name>/data.pkl`) or a NumPy `.npz`; every `.pkl` and `.npy`
//!   member is opened;
//! - a legacy PyTorch file (`torch.save(..., _use_new_zipfile_serialization=False)`):
//!   five pickles in a row (magic number, protocol, system info, the model,
//!   the storage keys), then raw tensor bytes that `torch.load` never unpickles;
//! - a NumPy `.npy` file: its data is a pickle exactly when its dtype holds
//!   Python objects (`np.save(..., allow_pickle=True)`);
//! - a `joblib.dump` file: scanned as `joblib.load` reads it (the raw array
//!   bytes after each `NumpyArrayWrapper` skipped, the pickle after an
//!   object array's wrapper scanned);
//! - anything else: pickles in a row, as repeated `pickle.load(f)` reads them.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use serde_pickle::value::BigInt;
use serde_pickle::{Deserializer, Value};

/// Largest zip member read (decompressed): a zip bomb stops here.
const MAX_MEMBER: u64 = 1 << 32;

/// One run of pickles to scan, and where it lies.
pub struct Part<'a> {
    /// Prefix for each finding's line: empty for a plain file,
    /// `member NAME: ` for a zip member.
    pub place: String,
    /// The bytes from the first pickle on.
    pub bytes: Cow<'a, [u8]>,
    /// Offset of `bytes` in the file or member the place names, added to
    /// the offsets the scan reports.
    pub base: u64,
    /// Read as `joblib.load` reads a file.
    pub joblib: bool,
}

/// What an input is, and the runs of pickles in it.
pub struct Opened<'a> {
    /// A line saying what the container is; `None` for plain pickles.
    pub what: Option<String>,
    pub parts: Vec<Part<'a>>,
}

/// Open `input` as whatever container it is.
pub fn open(input: &[u8]) -> Result<Opened<'_>, String> {
    if input.starts_with(b"PK\x03\x04") || input.starts_with(b"PK\x05\x06") {
        return open_zip(input);
    }
    if input.starts_with(NPY_MAGIC) {
        let npy = Npy::parse(input)?;
        let what = format!("NumPy .npy file, dtype {}", npy.descr);
        let parts = npy.pickle_part(String::new(), input).into_iter().collect();
        return Ok(Opened { what: Some(what), parts });
    }
    if let Some(end) = legacy_torch_end(input) {
        let what = format!(
            "legacy PyTorch file: {LEGACY_TORCH_PICKLES} pickles, then {} bytes of tensor data",
            input.len() as u64 - end
        );
        let part = Part { bytes: Cow::Borrowed(&input[..end as usize]), ..plain(input) };
        return Ok(Opened { what: Some(what), parts: vec![part] });
    }
    if is_joblib(input) {
        let part = Part { joblib: true, ..plain(input) };
        return Ok(Opened {
            what: Some("joblib file, read as joblib.load reads it".into()),
            parts: vec![part],
        });
    }
    Ok(Opened { what: None, parts: vec![plain(input)] })
}

fn plain(input: &[u8]) -> Part<'_> {
    Part { place: String::new(), bytes: Cow::Borrowed(input), base: 0, joblib: false }
}

/// Whether a pickle names joblib's array wrapper (`joblib.dump` output).
fn is_joblib(input: &[u8]) -> bool {
    let needle = b"NumpyArrayWrapper";
    input.windows(needle.len()).any(|w| w == needle)
}

fn open_zip(input: &[u8]) -> Result<Opened<'_>, String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(input)).map_err(|e| format!("zip archive: {e}"))?;
    let mut parts = Vec::new();
    let mut members = 0;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| format!("zip member #{i}: {e}"))?;
        let name = file.name().map_err(|e| format!("zip member #{i}: {e}"))?.to_string();
        let is_pkl = name.ends_with(".pkl");
        if !is_pkl && !name.ends_with(".npy") {
            continue;
        }
        members += 1;
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAX_MEMBER + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("zip member {name}: {e}"))?;
        if bytes.len() as u64 > MAX_MEMBER {
            return Err(format!("zip member {name}: larger than {MAX_MEMBER} bytes"));
        }
        let place = format!("member {name}: ");
        if is_pkl {
            parts.push(Part { place, bytes: Cow::Owned(bytes), base: 0, joblib: false });
        } else {
            let npy = Npy::parse(&bytes).map_err(|e| format!("zip member {name}: {e}"))?;
            if let Some(part) = npy.pickle_part(place, &bytes) {
                parts.push(Part { bytes: Cow::Owned(part.bytes.into_owned()), ..part });
            }
        }
    }
    let what = format!("zip archive: {} members, {members} of them .pkl or .npy", archive.len());
    Ok(Opened { what: Some(what), parts })
}

/// Pickles a legacy PyTorch file holds before its tensor data.
const LEGACY_TORCH_PICKLES: usize = 5;

/// `torch.serialization.MAGIC_NUMBER`, the first pickle of a legacy file.
const LEGACY_TORCH_MAGIC: u128 = 0x1950a86a20f9469cfc6c;

/// Where a legacy PyTorch file's pickles end, if `input` is one.
fn legacy_torch_end(input: &[u8]) -> Option<u64> {
    let mut stream = Deserializer::from_slice(input).into_iter::<Value>();
    let magic = stream.next()?.ok()?;
    if magic.as_bigint() != Some(BigInt::from(LEGACY_TORCH_MAGIC)) {
        return None;
    }
    // The rest may be hostile: end the run where the fifth pickle ends, or
    // where the pickles stop making sense (the scan then reports why).
    for _ in 1..LEGACY_TORCH_PICKLES {
        match stream.next() {
            Some(Ok(_)) => {}
            _ => return Some(input.len() as u64),
        }
    }
    Some(stream.byte_offset())
}

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// A `.npy` header: its dtype and where the data starts.
struct Npy {
    descr: String,
    has_object: bool,
    data: usize,
}

impl Npy {
    /// Parse the header (format versions 1.0, 2.0, 3.0 of `numpy.lib.format`).
    fn parse(bytes: &[u8]) -> Result<Npy, String> {
        let bad = |why: &str| format!(".npy header: {why}");
        let major = *bytes.get(6).ok_or_else(|| bad("truncated"))?;
        let (len, start): (Option<usize>, usize) = match major {
            1 => (bytes.get(8..10).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize), 10),
            2 | 3 => (
                bytes.get(8..12).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
                12,
            ),
            v => return Err(bad(&format!("unknown format version {v}"))),
        };
        let len = len.ok_or_else(|| bad("truncated"))?;
        let header = bytes.get(start..start.saturating_add(len)).ok_or_else(|| bad("truncated"))?;
        let header = std::str::from_utf8(header).map_err(|_| bad("not text"))?;
        let dict = literal::parse(header).map_err(|e| bad(&e))?;
        let descr = dict.get("descr").ok_or_else(|| bad("no 'descr'"))?;
        Ok(Npy { descr: descr.to_string(), has_object: descr.has_object(), data: start + len })
    }

    /// The pickle that holds the array's data, when the dtype holds objects.
    fn pickle_part<'a>(&self, place: String, bytes: &'a [u8]) -> Option<Part<'a>> {
        self.has_object.then(|| Part {
            place,
            bytes: Cow::Borrowed(&bytes[self.data..]),
            base: self.data as u64,
            joblib: false,
        })
    }
}

/// The few Python literals a `.npy` header uses: a dict of str keys to
/// strs, bools, ints, tuples and lists (a structured dtype's descr is a
/// list of `(name, descr[, shape])` tuples).
mod literal {
    use std::fmt;

    pub enum Lit {
        Str(String),
        Other(String),
        Seq(Vec<Lit>),
        Dict(Vec<(String, Lit)>),
    }

    impl Lit {
        pub fn get(&self, key: &str) -> Option<&Lit> {
            match self {
                Lit::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }

        /// Whether this descr (as `numpy.lib.format.descr_to_dtype` reads
        /// it) has a field of kind `O`: then numpy pickles the data.
        pub fn has_object(&self) -> bool {
            match self {
                Lit::Str(s) => s.trim_start_matches(['<', '>', '|', '=']).starts_with('O'),
                // (name, descr[, shape]): the descr is the second item.
                Lit::Seq(fields) => fields.iter().any(|f| match f {
                    Lit::Seq(t) => t.get(1).is_some_and(Lit::has_object),
                    _ => false,
                }),
                _ => false,
            }
        }
    }

    impl fmt::Display for Lit {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Lit::Str(s) => write!(f, "'{s}'"),
                Lit::Other(s) => f.write_str(s),
                Lit::Seq(items) => {
                    f.write_str("[")?;
                    for (i, x) in items.iter().enumerate() {
                        write!(f, "{}{x}", if i > 0 { ", " } else { "" })?;
                    }
                    f.write_str("]")
                }
                Lit::Dict(_) => f.write_str("{...}"),
            }
        }
    }

    /// Nesting allowed in a header: numpy's own limit is far below.
    const MAX_DEPTH: usize = 64;

    pub fn parse(text: &str) -> Result<Lit, String> {
        let mut p = Parser { s: text.as_bytes(), i: 0 };
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("unexpected {:?} at {}", p.s[p.i] as char, p.i));
        }
        Ok(v)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
                self.i += 1;
            }
        }

        fn value(&mut self, depth: usize) -> Result<Lit, String> {
            if depth > MAX_DEPTH {
                return Err("nested too deep".into());
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b'\'' | b'"') => self.string().map(Lit::Str),
                Some(b'(') => self.items(b')', depth).map(Lit::Seq),
                Some(b'[') => self.items(b']', depth).map(Lit::Seq),
                Some(b'{') => self.dict(depth),
                Some(_) => {
                    let start = self.i;
                    while self
                        .s
                        .get(self.i)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
                    {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(format!("unexpected {:?} at {start}", self.s[start] as char));
                    }
                    Ok(Lit::Other(String::from_utf8_lossy(&self.s[start..self.i]).into()))
                }
                None => Err("ends early".into()),
            }
        }

        fn string(&mut self) -> Result<String, String> {
            let quote = self.s[self.i];
            let start = self.i + 1;
            let len =
                self.s[start..].iter().position(|&c| c == quote).ok_or("unterminated string")?;
            self.i = start + len + 1;
            Ok(String::from_utf8_lossy(&self.s[start..start + len]).into())
        }

        /// Comma-separated values up to `close` (a trailing comma allowed).
        fn items(&mut self, close: u8, depth: usize) -> Result<Vec<Lit>, String> {
            self.i += 1;
            let mut out = Vec::new();
            loop {
                self.ws();
                if self.s.get(self.i) == Some(&close) {
                    self.i += 1;
                    return Ok(out);
                }
                out.push(self.value(depth + 1)?);
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(&c) if c == close => {}
                    _ => return Err(format!("expected ',' at {}", self.i)),
                }
            }
        }

        fn dict(&mut self, depth: usize) -> Result<Lit, String> {
            self.i += 1;
            let mut out = Vec::new();
            loop {
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Lit::Dict(out));
                }
                let key = match self.value(depth + 1)? {
                    Lit::Str(k) => k,
                    _ => return Err("a key that is not a str".into()),
                };
                self.ws();
                if self.s.get(self.i) != Some(&b':') {
                    return Err(format!("expected ':' at {}", self.i));
                }
                self.i += 1;
                out.push((key, self.value(depth + 1)?));
                self.ws();
                match self.s.get(self.i) {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {}
                    _ => return Err(format!("expected ',' at {}", self.i)),
                }
            }
        }
    }
}
