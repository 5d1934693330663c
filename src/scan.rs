//! Listing what a pickle would import and call, without running it — what
//! scanners that guard model files look for. The VM executes the pickle as
//! data and records every global it names and every call it would make,
//! including calls whose results are later discarded (`REDUCE` then `POP`),
//! which never show up in the resulting value.

use crate::codec::opcodes;
use crate::error::Result;
use crate::options::DeOptions;
use crate::read::SliceRead;
use crate::value::Global;
use crate::vm::machine::{Event, Loaded};
use crate::vm::Machine;

/// What [`scan`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every global the pickle names, in order (after Python 2 renames).
    pub globals: Vec<Global>,
    /// Every call or instantiation it would make, in order.
    pub calls: Vec<Call>,
}

/// One call a pickle would make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Byte offset of the opcode.
    pub offset: u64,
    /// The opcode's name: `REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `INST`, `OBJ`,
    /// `BUILD` (may call `__setstate__`), `PERSID`/`BINPERSID` (the application's hook).
    pub opcode: &'static str,
    /// What is called, when it is a global (for `BUILD`, the object's class).
    pub callable: Option<Global>,
}

impl Scan {
    /// Like [`scan`], but when the pickle stops making sense, also what it named
    /// and called before that point, with the error: CPython executes a pickle
    /// opcode by opcode, so the calls before a bad byte still happen when it is
    /// loaded.
    ///
    /// ```
    /// // os.system('echo hi'), then bytes that are not a pickle
    /// let evil = b"cos\nsystem\n(Vecho hi\ntR\xff";
    /// let (found, error) = serde_pickle::Scan::partial(evil);
    /// assert_eq!(found.calls[0].opcode, "REDUCE");
    /// assert_eq!(error.unwrap().offset(), Some(23));
    /// ```
    pub fn partial(bytes: &[u8]) -> (Scan, Option<crate::Error>) {
        let mut machine = Machine::default();
        machine.trace = Some(Vec::new());
        let mut read = SliceRead::new(bytes);
        let opts = DeOptions::default();
        let error = match machine.run(&mut read, &opts) {
            Ok(Loaded::End) => Some(crate::Error::new(crate::ErrorCode::Eof).at(0, None)),
            Ok(Loaded::Root(_)) => None,
            Err(e) => Some(e),
        };
        let mut out = Scan::default();
        for e in machine.trace.take().unwrap_or_default() {
            match e {
                Event::Global { module, name } => out.globals.push(Global::new(module, name)),
                Event::Call { offset, opcode, callable } => out.calls.push(Call {
                    offset,
                    opcode: opcodes::name(opcode),
                    callable: callable.map(|(m, n)| Global::new(m, n)),
                }),
            }
        }
        (out, error)
    }

    /// Globals not on `allowed` (exact module and name).
    pub fn unsafe_globals<'a>(
        &'a self,
        allowed: &'a [Global],
    ) -> impl Iterator<Item = &'a Global> + 'a {
        self.globals.iter().filter(move |g| !allowed.contains(g))
    }
}

/// The globals that plain data (containers, dates, decimals, enums-free
/// stdlib values) needs; anything else deserves a look before loading the
/// pickle in Python.
pub fn safe_globals() -> Vec<Global> {
    [
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("builtins", "bytearray"),
        ("builtins", "bytes"),
        ("builtins", "complex"),
        ("builtins", "object"),
        ("builtins", "int"),
        ("builtins", "float"),
        ("builtins", "str"),
        ("builtins", "list"),
        ("builtins", "dict"),
        ("builtins", "tuple"),
        ("builtins", "range"),
        ("builtins", "slice"),
        ("_codecs", "encode"),
        ("copyreg", "_reconstructor"),
        ("copyreg", "__newobj__"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("collections", "Counter"),
        ("collections", "deque"),
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("fractions", "Fraction"),
        ("uuid", "UUID"),
    ]
    .into_iter()
    .map(|(m, n)| Global::new(m, n))
    .collect()
}

/// Execute `bytes` as data and report every global and call.
///
/// ```
/// // pickle of os.system('echo hi') as an attacker would write it (protocol 0)
/// let evil = b"cos\nsystem\n(Vecho hi\ntR.";
/// let found = serde_pickle::scan(evil).unwrap();
/// assert_eq!(found.globals[0].module, "os");
/// assert_eq!(found.calls[0].opcode, "REDUCE");
/// let safe = serde_pickle::safe_globals();
/// assert_eq!(found.unsafe_globals(&safe).count(), 1);
/// ```
pub fn scan(bytes: &[u8]) -> Result<Scan> {
    match Scan::partial(bytes) {
        (found, None) => Ok(found),
        (_, Some(e)) => Err(e),
    }
}
