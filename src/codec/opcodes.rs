//! The pickle opcode table: every opcode of protocols 0–5, named as in
//! CPython's `pickletools` and the pickle spec. This is the only place the
//! opcode bytes are spelled out; the writer, the VM and the disassembler all
//! use these constants.

#![allow(missing_docs)]

macro_rules! opcodes {
    ($( $name:ident = $byte:literal, $proto:literal, $arg:ident; )*) => {
        $( pub const $name: u8 = $byte; )*

        /// Static facts about one opcode.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct OpInfo {
            /// The opcode byte.
            pub code: u8,
            /// The name used by `pickletools` (`BINUNICODE`, `MEMOIZE`, ...).
            pub name: &'static str,
            /// The protocol that introduced the opcode.
            pub proto: u8,
            /// How the argument that follows the opcode byte is encoded.
            pub arg: Arg,
        }

        /// Look up an opcode byte; `None` for bytes that are not opcodes.
        pub fn info(code: u8) -> Option<&'static OpInfo> {
            static TABLE: [Option<OpInfo>; 256] = {
                let mut t: [Option<OpInfo>; 256] = [None; 256];
                $( t[$byte as usize] = Some(OpInfo { code: $byte, name: stringify!($name), proto: $proto, arg: Arg::$arg }); )*
                t
            };
            TABLE[code as usize].as_ref()
        }
    };
}

/// How an opcode's argument is encoded in the stream (pickletools' argument descriptors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// No argument.
    None,
    /// One unsigned byte (`uint1`).
    U1,
    /// Little-endian u16 (`uint2`).
    U2,
    /// Little-endian u32 (`uint4`).
    U4,
    /// Little-endian i32 (`int4`).
    I4,
    /// Little-endian u64 (`uint8`).
    U8,
    /// Big-endian IEEE-754 double (`float8`).
    F8,
    /// Text up to `\n` (INT, LONG, FLOAT, GET, PUT, PERSID, STRING, UNICODE).
    Line,
    /// Two `\n`-terminated lines: module and name (GLOBAL, INST).
    TwoLines,
    /// u8 length + payload.
    Len1,
    /// u32 length + payload (BINUNICODE, BINBYTES).
    Len4,
    /// i32 length + payload, negative is an error (BINSTRING, LONG4).
    SLen4,
    /// u64 length + payload (BINUNICODE8, BINBYTES8, BYTEARRAY8).
    Len8,
}

opcodes! {
    MARK = b'(', 0, None;
    STOP = b'.', 0, None;
    POP = b'0', 0, None;
    POP_MARK = b'1', 1, None;
    DUP = b'2', 0, None;
    FLOAT = b'F', 0, Line;
    INT = b'I', 0, Line;
    BININT = b'J', 1, I4;
    BININT1 = b'K', 1, U1;
    LONG = b'L', 0, Line;
    BININT2 = b'M', 1, U2;
    NONE = b'N', 0, None;
    PERSID = b'P', 0, Line;
    BINPERSID = b'Q', 1, None;
    REDUCE = b'R', 0, None;
    STRING = b'S', 0, Line;
    BINSTRING = b'T', 1, SLen4;
    SHORT_BINSTRING = b'U', 1, Len1;
    UNICODE = b'V', 0, Line;
    BINUNICODE = b'X', 1, Len4;
    APPEND = b'a', 0, None;
    BUILD = b'b', 0, None;
    GLOBAL = b'c', 0, TwoLines;
    DICT = b'd', 0, None;
    EMPTY_DICT = b'}', 1, None;
    APPENDS = b'e', 1, None;
    GET = b'g', 0, Line;
    BINGET = b'h', 1, U1;
    INST = b'i', 0, TwoLines;
    LONG_BINGET = b'j', 1, U4;
    LIST = b'l', 0, None;
    EMPTY_LIST = b']', 1, None;
    OBJ = b'o', 1, None;
    PUT = b'p', 0, Line;
    BINPUT = b'q', 1, U1;
    LONG_BINPUT = b'r', 1, U4;
    SETITEM = b's', 0, None;
    TUPLE = b't', 0, None;
    EMPTY_TUPLE = b')', 1, None;
    SETITEMS = b'u', 1, None;
    BINFLOAT = b'G', 1, F8;
    PROTO = 0x80, 2, U1;
    NEWOBJ = 0x81, 2, None;
    EXT1 = 0x82, 2, U1;
    EXT2 = 0x83, 2, U2;
    EXT4 = 0x84, 2, I4;
    TUPLE1 = 0x85, 2, None;
    TUPLE2 = 0x86, 2, None;
    TUPLE3 = 0x87, 2, None;
    NEWTRUE = 0x88, 2, None;
    NEWFALSE = 0x89, 2, None;
    LONG1 = 0x8a, 2, Len1;
    LONG4 = 0x8b, 2, SLen4;
    BINBYTES = b'B', 3, Len4;
    SHORT_BINBYTES = b'C', 3, Len1;
    SHORT_BINUNICODE = 0x8c, 4, Len1;
    BINUNICODE8 = 0x8d, 4, Len8;
    BINBYTES8 = 0x8e, 4, Len8;
    EMPTY_SET = 0x8f, 4, None;
    ADDITEMS = 0x90, 4, None;
    FROZENSET = 0x91, 4, None;
    NEWOBJ_EX = 0x92, 4, None;
    STACK_GLOBAL = 0x93, 4, None;
    MEMOIZE = 0x94, 4, None;
    FRAME = 0x95, 4, U8;
    BYTEARRAY8 = 0x96, 5, Len8;
    NEXT_BUFFER = 0x97, 5, None;
    READONLY_BUFFER = 0x98, 5, None;
}

/// The highest protocol this crate reads and writes (CPython's `HIGHEST_PROTOCOL`).
pub const HIGHEST_PROTOCOL: u8 = 5;

/// The value of a LONG1/LONG4 payload (little-endian two's complement) of
/// at most 8 bytes; `None` for a longer one (a big int). The one decoding
/// of these payloads: the VM and the fast paths all use it.
///
/// ```
/// use serde_pickle::codec::opcodes::long_i64;
/// assert_eq!(long_i64(b""), Some(0));
/// assert_eq!(long_i64(b"\xff\x00"), Some(255));
/// assert_eq!(long_i64(b"\x00\xff"), Some(-256));
/// assert_eq!(long_i64(&[0; 9]), None);
/// ```
#[inline]
pub fn long_i64(le: &[u8]) -> Option<i64> {
    if le.len() > 8 {
        return None;
    }
    let neg = le.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if neg { [0xff; 8] } else { [0; 8] };
    buf[..le.len()].copy_from_slice(le);
    Some(i64::from_le_bytes(buf))
}

/// The opcode's name for messages, or `"<unknown>"`.
pub fn name(code: u8) -> &'static str {
    info(code).map_or("<unknown>", |i| i.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_all_68_opcodes() {
        assert_eq!((0..=255u8).filter(|&b| info(b).is_some()).count(), 68);
    }

    #[test]
    fn names_match_constants() {
        assert_eq!(name(BINUNICODE), "BINUNICODE");
        assert_eq!(info(FRAME).unwrap().arg, Arg::U8);
        assert_eq!(info(MEMOIZE).unwrap().proto, 4);
        assert_eq!(name(0xff), "<unknown>");
    }
}
