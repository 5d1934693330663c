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
    /// Internal: the fast path declined; never returned to users.
    #[doc(hidden)]
    #[error("internal: fast path declined")]
    Fallback,
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
            ErrorCode::Recursive | ErrorCode::Message(_) | ErrorCode::Fallback => Category::Data,
        }
    }
}

struct ErrorImpl {
    code: ErrorCode,
    /// Byte offset of the opcode being executed when the error happened.
    offset: Option<u64>,
    /// That opcode.
    opcode: Option<u8>,
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
        Error(Box::new(ErrorImpl { code, offset: None, opcode: None }))
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

    /// The category of this error.
    pub fn category(&self) -> Category {
        self.0.code.category()
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.code, f)?;
        match (self.0.offset, self.0.opcode) {
            (Some(off), Some(op)) => write!(f, " at offset {off} (opcode {})", opcodes::name(op)),
            (Some(off), None) => write!(f, " at offset {off}"),
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
