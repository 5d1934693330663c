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
        Scan::run(bytes, &DeOptions::default())
    }

    /// Like [`Scan::partial`], for a file written by `joblib.dump`, read as
    /// `joblib.load` reads it: the raw bytes of each numpy array that
    /// follow its `NumpyArrayWrapper` are skipped (they are not opcodes),
    /// and the pickle that follows the wrapper of an object array (which
    /// `joblib.load` runs with `pickle.load`) is scanned in place.
    ///
    /// ```
    /// // joblib.dump(np.arange(2.0), f, protocol=2) by joblib 1.6: the
    /// // array's 16 bytes (after 5 padding bytes) follow the wrapper's BUILD.
    /// let file = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x00)\x81q\x01}q\x02(X\x08\x00\x00\x00subclassq\x03cnumpy\nndarray\nq\x04X\x05\x00\x00\x00shapeq\x05K\x02\x85q\x06X\x05\x00\x00\x00orderq\x07X\x01\x00\x00\x00Cq\x08X\x05\x00\x00\x00dtypeq\x09cnumpy\ndtype\nq\x0aX\x02\x00\x00\x00f8q\x0b\x89\x88\x87q\x0cRq\x0d(K\x03X\x01\x00\x00\x00<q\x0eNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x0fbX\x0a\x00\x00\x00allow_mmapq\x10\x88X\x1b\x00\x00\x00numpy_array_alignment_bytesq\x11K\x10ub\x05\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0?.";
    /// let (found, error) = serde_pickle::Scan::partial_joblib(file);
    /// assert!(error.is_none());
    /// assert_eq!(found.globals[0].global.name, "NumpyArrayWrapper");
    /// // Read as a plain pickle, the array bytes are not opcodes:
    /// assert!(serde_pickle::Scan::partial(file).1.is_some());
    /// ```
    pub fn partial_joblib(bytes: &[u8]) -> (Scan, Option<crate::Error>) {
        Scan::run(bytes, &DeOptions::default().joblib(true))
    }

    fn run(bytes: &[u8], opts: &DeOptions) -> (Scan, Option<crate::Error>) {
        let mut machine = Machine::default();
        machine.trace = Some(Vec::new());
        let mut read = SliceRead::new(bytes);
        let mut out = Scan::default();
        // One pickle after another, as repeated `pickle.load(f)` runs them,
        // until the input ends or stops making sense.
        let error = loop {
            let result = machine.run(&mut read, opts);
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
