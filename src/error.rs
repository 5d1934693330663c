//! The crate's error type: small (one pointer), with a category, the byte
//! offset and the opcode where reading failed.

use std::fmt;

use crate::codec::opcodes;

/// Alias for `Result<T, serde_pickle::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is; match on this rather than on messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Category {
    /// The underlying reader or writer failed.
    Io,
    /// The input ended before the pickle's `STOP` opcode.
    Eof,
    /// The bytes are not a well-formed pickle (bad opcode, stack underflow, bad literal...).
    Syntax,
    /// A well-formed pickle uses something this crate does not support
    /// (an extension code, a persistent id without a hook, protocol > 5...).
    Unsupported,
    /// A configured limit (depth, memo size, allocation, expansion budget) was exceeded,
    /// or a global was rejected by the globals policy.
    Limit,
    /// The pickle is valid but does not fit the requested Rust type, or a value
    /// cannot be written as a pickle (an unhashable dict key, say).
    Data,
}

/// The detailed reason for an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorCode {
    /// An I/O error from the reader or writer.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The input ended early.
    #[error("pickle data was truncated")]
    Eof,
    /// A byte that is not an opcode.
    #[error("invalid opcode 0x{0:02x}")]
    InvalidOpcode(u8),
    /// Generic malformed-input error with a message.
    #[error("{0}")]
    Syntax(String),
    /// An opcode needed more values than the stack (above the top MARK) holds.
    #[error("stack underflow")]
    StackUnderflow,
    /// An opcode needed a MARK and there was none.
    #[error("could not find MARK")]
    MissingMark,
    /// GET of a memo index never PUT.
    #[error("memo value not found at index {0}")]
    MemoMissing(u64),
    /// PROTO above 5.
    #[error("unsupported pickle protocol: {0}")]
    UnsupportedProtocol(u64),
    /// Something valid that this crate does not handle.
    #[error("{0}")]
    Unsupported(String),
    /// Data after the STOP opcode.
    #[error("trailing bytes after the end of the pickle")]
    TrailingBytes,
    /// A limit was exceeded.
    #[error("{0}")]
    Limit(String),
    /// A global rejected by the globals policy.
    #[error("global '{module}.{name}' is not allowed")]
    ForbiddenGlobal {
        /// The module part.
        module: String,
        /// The qualified name.
        name: String,
    },
    /// The structure contains a cycle where a tree was required.
    #[error("recursive structure: a value contains itself")]
    Recursive,
    /// A message from serde or from the data mapping.
    #[error("{0}")]
    Message(String),
}

impl ErrorCode {
    fn category(&self) -> Category {
        match self {
            ErrorCode::Io(_) => Category::Io,
            ErrorCode::Eof => Category::Eof,
            ErrorCode::InvalidOpcode(_)
            | ErrorCode::Syntax(_)
            | ErrorCode::StackUnderflow
            | ErrorCode::MissingMark
            | ErrorCode::MemoMissing(_)
            | ErrorCode::TrailingBytes => Category::Syntax,
            ErrorCode::UnsupportedProtocol(_) | ErrorCode::Unsupported(_) => Category::Unsupported,
            ErrorCode::Limit(_) | ErrorCode::ForbiddenGlobal { .. } => Category::Limit,
            ErrorCode::Recursive | ErrorCode::Message(_) => Category::Data,
        }
    }
}

struct ErrorImpl {
    code: ErrorCode,
    /// Byte offset of the opcode being executed when the error happened
    /// (for a data error: of the opcode that made the value at fault).
    offset: Option<u64>,
    /// That opcode.
    opcode: Option<u8>,
    /// Where a data error happened, filled in as it unwinds (so nothing is
    /// spent on paths until something fails): see [`Context`].
    context: Option<Box<Context>>,
}

/// What an error learns on its way out of a typed read: all optional, and
/// boxed apart so that the common error stays small.
#[derive(Default)]
struct Context {
    /// Path segments from the value at fault up to the root (innermost first).
    path: Vec<String>,
    /// The arena node at fault (the innermost one the error passed), whose
    /// offset is looked up when the error reaches the top.
    node: Option<u32>,
    /// The class of the instance at fault (`module.Name`), when a class
    /// instance did not fit its Rust type.
    class: Option<String>,
    /// For a truncated pickle: where the input ends, and what was being read.
    input_end: Option<(u64, String)>,
    /// For input that is not a pickle: what it looks like.
    looks_like: Option<&'static str>,
}

/// Everything that can go wrong reading or writing a pickle.
///
/// One pointer wide. [`Error::category`] says what kind of failure it is;
/// [`Error::offset`] and [`Error::opcode`] say where in the input reading stopped.
///
/// ```
/// use serde_pickle::{from_slice, Category, Value};
/// let err = from_slice::<Value>(b"\x80\x05K").unwrap_err();
/// assert_eq!(err.category(), Category::Eof);
/// assert_eq!(err.offset(), Some(2));
/// ```
pub struct Error(Box<ErrorImpl>);

impl Error {
    /// Make an error from its code, without a position.
    pub fn new(code: ErrorCode) -> Self {
        Error(Box::new(ErrorImpl { code, offset: None, opcode: None, context: None }))
    }

    /// An error with a free-form message, category [`Category::Data`].
    pub fn message(msg: impl fmt::Display) -> Self {
        Error::new(ErrorCode::Message(msg.to_string()))
    }

    pub(crate) fn syntax(msg: impl Into<String>) -> Self {
        Error::new(ErrorCode::Syntax(msg.into()))
    }

    pub(crate) fn limit(msg: impl Into<String>) -> Self {
        Error::new(ErrorCode::Limit(msg.into()))
    }

    /// A [`DeOptions`](crate::DeOptions) limit exceeded, named with its
    /// value: `"max_depth (1024) exceeded: containers nested deeper"`.
    pub(crate) fn limit_exceeded(
        option: &str,
        value: impl fmt::Display,
        what: impl fmt::Display,
    ) -> Self {
        Error::limit(format!("{option} ({value}) exceeded: {what}"))
    }

    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Error::new(ErrorCode::Unsupported(msg.into()))
    }

    /// Attach the position (offset of the opcode and the opcode) unless one is already set.
    pub(crate) fn at(mut self, offset: u64, opcode: Option<u8>) -> Self {
        if self.0.offset.is_none() {
            self.0.offset = Some(offset);
            self.0.opcode = opcode;
        }
        self
    }

    fn context(&mut self) -> &mut Context {
        self.0.context.get_or_insert_with(Default::default)
    }

    /// A truncated pickle: the input ends at `end`, while reading `what`
    /// (`"in the 5-byte str of BINUNICODE at offset 7"`...).
    pub(crate) fn truncated(mut self, end: u64, what: String) -> Self {
        if matches!(self.0.code, ErrorCode::Eof) && self.input_end().is_none() {
            self.context().input_end = Some((end, what));
        }
        self
    }

    /// The error of an input that does not start like a pickle, and starts
    /// like `what` (`"JSON"`, `"gzip-compressed data"`...).
    pub(crate) fn looks_like(mut self, what: &'static str) -> Self {
        self.context().looks_like = Some(what);
        self
    }

    /// Unwinding out of item `index` (node `node`) of a sequence.
    #[cold]
    pub(crate) fn in_item(self, index: usize, node: u32) -> Self {
        self.in_segment(format!("[{index}]"), node)
    }

    /// Unwinding out of node `node`, reached by `segment` (`[3]`, `.age`,
    /// `["a b"]`) from its parent.
    #[cold]
    pub(crate) fn in_segment(mut self, segment: String, node: u32) -> Self {
        let c = self.context();
        c.node.get_or_insert(node);
        c.path.push(segment);
        self
    }

    /// Unwinding out of node `node` (a dict key, say), adding no segment.
    #[cold]
    pub(crate) fn at_node(mut self, node: u32) -> Self {
        self.context().node.get_or_insert(node);
        self
    }

    /// The arena node at fault, if a typed read recorded one.
    pub(crate) fn node(&self) -> Option<u32> {
        self.0.context.as_ref().and_then(|c| c.node)
    }

    /// Whether a path segment was recorded (the error came from inside a child).
    pub(crate) fn has_path(&self) -> bool {
        self.0.context.as_ref().is_some_and(|c| !c.path.is_empty())
    }

    /// Unwinding out of an instance of `class` that did not fit: named
    /// unless the error came from one of its fields.
    #[cold]
    pub(crate) fn in_class(mut self, class: impl FnOnce() -> Option<String>) -> Self {
        if self.is_data() && !self.has_path() && self.class().is_none() {
            if let Some(name) = class() {
                self.context().class = Some(name);
            }
        }
        self
    }

    /// The path to the value a data error is about, as `people[3].age`
    /// (`None` at the root, or when the error is not about a value).
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Deserialize, Debug)]
    /// struct Person { age: u32 }
    /// #[derive(Deserialize, Debug)]
    /// struct Team { people: Vec<Person> }
    ///
    /// // Written: {'people': [{'age': 30}, {'age': '31'}]}
    /// #[derive(Serialize)]
    /// #[serde(untagged)]
    /// enum Age { Int(u32), Text(&'static str) }
    /// #[derive(Serialize)]
    /// struct Written { people: Vec<std::collections::BTreeMap<&'static str, Age>> }
    /// let people = vec![[("age", Age::Int(30))].into(), [("age", Age::Text("31"))].into()];
    /// let bytes = serde_pickle::to_vec(&Written { people }).unwrap();
    ///
    /// let err = serde_pickle::from_slice::<Team>(&bytes).unwrap_err();
    /// assert_eq!(err.path().as_deref(), Some("people[1].age"));
    /// assert!(err.to_string().starts_with(r#"invalid type: string "31", expected u32 at people[1].age (offset "#));
    /// ```
    pub fn path(&self) -> Option<String> {
        let c = self.0.context.as_ref()?;
        if c.path.is_empty() {
            return None;
        }
        let mut out = String::new();
        for seg in c.path.iter().rev() {
            match seg.strip_prefix('.') {
                Some(name) if out.is_empty() => out.push_str(name),
                _ => out.push_str(seg),
            }
        }
        Some(out)
    }

    fn class(&self) -> Option<&str> {
        self.0.context.as_ref()?.class.as_deref()
    }

    fn input_end(&self) -> Option<&(u64, String)> {
        self.0.context.as_ref()?.input_end.as_ref()
    }

    /// The category of this error.
    pub fn category(&self) -> Category {
        self.0.code.category()
    }

    /// The category of this error: serde_json's name for [`Error::category`].
    ///
    /// ```
    /// use serde_pickle::{from_slice, Category, Value};
    /// let err = from_slice::<Value>(b"\x80\x05\xff.").unwrap_err();
    /// assert_eq!(err.classify(), Category::Syntax);
    /// ```
    pub fn classify(&self) -> Category {
        self.category()
    }

    /// The detailed reason.
    pub fn code(&self) -> &ErrorCode {
        &self.0.code
    }

    /// Byte offset in the input of the opcode that failed, when reading.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// The opcode that failed, when reading (`None` for EOF before any opcode byte).
    pub fn opcode(&self) -> Option<u8> {
        self.0.opcode
    }

    /// True for [`Category::Io`].
    pub fn is_io(&self) -> bool {
        self.category() == Category::Io
    }

    /// True for [`Category::Eof`].
    pub fn is_eof(&self) -> bool {
        self.category() == Category::Eof
    }

    /// True for [`Category::Data`].
    pub fn is_data(&self) -> bool {
        self.category() == Category::Data
    }

    /// True for [`Category::Syntax`]: the bytes are not a well-formed pickle.
    /// (Unlike serde_json, two more categories say the input was refused:
    /// [`Error::is_unsupported`] and [`Error::is_limit`].)
    ///
    /// ```
    /// let err = serde_pickle::from_slice::<u8>(b"{\"a\": 1}").unwrap_err();
    /// assert!(err.is_syntax());
    /// ```
    pub fn is_syntax(&self) -> bool {
        self.category() == Category::Syntax
    }

    /// True for [`Category::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        self.category() == Category::Unsupported
    }

    /// True for [`Category::Limit`]: a [`DeOptions`](crate::DeOptions) limit
    /// or the globals policy refused the input.
    ///
    /// ```
    /// use serde_pickle::{from_slice_with, DeOptions, Value};
    /// // [[[]]] with a depth limit of 2
    /// let err = from_slice_with::<Value>(b"\x80\x02]]]aa.", &DeOptions::new().max_depth(2))
    ///     .unwrap_err();
    /// assert!(err.is_limit());
    /// assert!(err.to_string().starts_with("max_depth (2) exceeded"), "{err}");
    /// ```
    pub fn is_limit(&self) -> bool {
        self.category() == Category::Limit
    }

    /// The kind of the underlying I/O error, for [`Category::Io`]; `None`
    /// otherwise (as serde_json's `io_error_kind`).
    ///
    /// ```
    /// use std::io;
    /// struct Broken;
    /// impl io::Read for Broken {
    ///     fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
    ///         Err(io::Error::new(io::ErrorKind::ConnectionReset, "gone"))
    ///     }
    /// }
    /// let err = serde_pickle::from_reader::<_, u8>(Broken).unwrap_err();
    /// assert!(err.is_io());
    /// assert_eq!(err.io_error_kind(), Some(io::ErrorKind::ConnectionReset));
    /// ```
    pub fn io_error_kind(&self) -> Option<std::io::ErrorKind> {
        match &self.0.code {
            ErrorCode::Io(e) => Some(e.kind()),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(what) = self.0.context.as_ref().and_then(|c| c.looks_like) {
            write!(f, "not a pickle (the input looks like {what}): ")?;
        }
        if let Some((end, what)) = self.input_end() {
            // The detail names the opcode and its offset itself.
            return write!(f, "{}: the input ends at offset {end}, {what}", self.0.code);
        }
        fmt::Display::fmt(&self.0.code, f)?;
        if let Some(class) = self.class() {
            write!(f, " in a {class} instance")?;
        }
        if let Some(path) = self.path() {
            write!(f, " at {path}")?;
            if let Some(off) = self.0.offset {
                write!(f, " (offset {off})")?;
            }
            return Ok(());
        }
        match (self.0.offset, self.0.opcode) {
            // A data error is about a value, not the opcode that made it.
            (Some(off), _) if self.is_data() => write!(f, " at offset {off}"),
            (Some(off), Some(op)) if opcodes::info(op).is_some() => {
                write!(f, " at offset {off} (opcode {})", opcodes::name(op))
            }
            (Some(off), _) => write!(f, " at offset {off}"),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}, \"{}\")", self.category(), self)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.code {
            ErrorCode::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorCode::Io(e))
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        match e.0.code {
            ErrorCode::Io(io) => io,
            _ => std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        }
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::message(msg)
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::message(msg)
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Error::message(format_args!("invalid type: {}, expected {}", Shortened(unexp), exp))
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Error::message(format_args!("invalid value: {}, expected {}", Shortened(unexp), exp))
    }
}

/// serde's `Unexpected`, with a long string or bytes cut short: the message
/// quotes the data, and a pickle's string can be gigabytes.
struct Shortened<'a>(serde::de::Unexpected<'a>);

impl fmt::Display for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use serde::de::Unexpected;
        const KEEP: usize = 64;
        match self.0 {
            Unexpected::Str(s) if s.len() > KEEP => {
                let cut = (0..=KEEP).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
                write!(f, "string {:?}… ({} bytes)", &s[..cut], s.len())
            }
            Unexpected::Bytes(b) if b.len() > KEEP => {
                write!(f, "byte array {:?}… ({} bytes)", &b[..KEEP], b.len())
            }
            ref other => fmt::Display::fmt(other, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_quote_at_most_64_bytes_of_a_string() {
        use serde::de::{Error as _, Unexpected};
        let long = "é".repeat(1000);
        let e = Error::invalid_type(Unexpected::Str(&long), &"a sequence");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("invalid type: string {:?}… (2000 bytes)", "é".repeat(32)))
        );
        let e = Error::invalid_value(Unexpected::Str("short"), &"a number");
        assert!(e.to_string().starts_with(r#"invalid value: string "short", expected a number"#));
        let e = Error::invalid_type(Unexpected::Bytes(&[7; 100]), &"a string");
        assert!(e.to_string().contains("… (100 bytes)"), "{e}");
    }

    #[test]
    fn error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn display_names_offset_and_opcode() {
        let e = Error::new(ErrorCode::StackUnderflow).at(7, Some(opcodes::TUPLE2));
        assert_eq!(e.to_string(), "stack underflow at offset 7 (opcode TUPLE2)");
        assert_eq!(e.category(), Category::Syntax);
    }

    #[test]
    fn first_position_wins() {
        let e = Error::new(ErrorCode::Eof).at(3, None).at(9, Some(opcodes::STOP));
        assert_eq!(e.offset(), Some(3));
    }
}
