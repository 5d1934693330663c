//! Listing what a pickle would import and call, without running it — what
//! scanners that guard model files look for. The VM executes the pickle as
//! data and records every global it names and every call it would make,
//! including calls whose results are later discarded (`REDUCE` then `POP`),
//! which never show up in the resulting value.
//!
//! A file may hold several pickles in a row (a legacy PyTorch file holds
//! five): `pickle.load(f)` called again runs the next one, so every pickle
//! up to the end of the input is scanned, each finding with the index of its
//! pickle and its byte offset in the whole input.

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
    /// Every global the pickles name, in order (after Python 2 renames).
    pub globals: Vec<Named>,
    /// Every call or instantiation they would make, in order.
    pub calls: Vec<Call>,
    /// How many pickles were read through their `STOP`.
    pub pickles: usize,
}

/// One global a pickle names (`GLOBAL`, `STACK_GLOBAL`, `INST`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// The global. When `STACK_GLOBAL` takes operands that are not plain
    /// strs (a str computed by a call), what is known of them, `?` for the
    /// rest: never a name on the safe list.
    pub global: Global,
    /// Which pickle of the input names it, from 0.
    pub pickle: usize,
    /// Byte offset of the opcode in the whole input.
    pub offset: u64,
    /// The opcode's name.
    pub opcode: &'static str,
}

/// One call a pickle would make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Which pickle of the input makes it, from 0.
    pub pickle: usize,
    /// Byte offset of the opcode in the whole input.
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
        let mut out = Scan::default();
        // One pickle after another, as repeated `pickle.load(f)` runs them,
        // until the input ends or stops making sense.
        let error = loop {
            let result = machine.run(&mut read, &opts);
            let pickle = out.pickles;
            for e in machine.trace.as_mut().map(std::mem::take).unwrap_or_default() {
                out.record(pickle, e);
            }
            match result {
                Ok(Loaded::Root(_)) => out.pickles += 1,
                Ok(Loaded::End) if out.pickles == 0 => {
                    break Some(crate::Error::new(crate::ErrorCode::Eof).at(0, None))
                }
                Ok(Loaded::End) => break None,
                Err(e) => break Some(e),
            }
        };
        (out, error)
    }

    fn record(&mut self, pickle: usize, event: Event) {
        match event {
            Event::Global { offset, opcode, module, name } => self.globals.push(Named {
                global: Global::new(module, name),
                pickle,
                offset,
                opcode: opcodes::name(opcode),
            }),
            Event::Call { offset, opcode, callable } => self.calls.push(Call {
                pickle,
                offset,
                opcode: opcodes::name(opcode),
                callable: callable.map(|(m, n)| Global::new(m, n)),
            }),
        }
    }

    /// Globals not on `allowed` (exact module and name).
    pub fn unsafe_globals<'a>(
        &'a self,
        allowed: &'a [Global],
    ) -> impl Iterator<Item = &'a Named> + 'a {
        self.globals.iter().filter(move |g| !allowed.contains(&g.global))
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

/// Execute `bytes` as data and report every global and call, in every
/// pickle of the input.
///
/// ```
/// // pickle of os.system('echo hi') as an attacker would write it (protocol 0)
/// let evil = b"cos\nsystem\n(Vecho hi\ntR.";
/// let found = serde_pickle::scan(evil).unwrap();
/// assert_eq!(found.globals[0].global.module, "os");
/// assert_eq!(found.calls[0].opcode, "REDUCE");
/// let safe = serde_pickle::safe_globals();
/// assert_eq!(found.unsafe_globals(&safe).count(), 1);
///
/// // An empty list, then the same call: the second pickle is scanned too.
/// let two = b"].cos\nsystem\n(Vecho hi\ntR.";
/// let found = serde_pickle::scan(two).unwrap();
/// assert_eq!(found.pickles, 2);
/// assert_eq!((found.calls[0].pickle, found.calls[0].offset), (1, 24));
/// ```
pub fn scan(bytes: &[u8]) -> Result<Scan> {
    match Scan::partial(bytes) {
        (found, None) => Ok(found),
        (_, Some(e)) => Err(e),
    }
}
