//! Arbitrary bytes into `serde_pickle::Value`: reading must never panic,
//! hang or blow up memory; whatever was read must format, compare, clone and
//! drop; writing it back (at a protocol chosen by the input) either fails
//! with an error or gives a pickle that reads back to the same value
//! (`same_as`, up to the normalizations in `common::expect_rewritten`), and
//! writing that again gives the same bytes.
//!
//! The fast path that builds plain-data `Value`s and the opcode VM
//! (`DeOptions::fast_path(false)`) must agree: the same value (`same_as`) or
//! the same error.
//!
//! Input layout: byte 0 picks the protocol used to write the value back
//! (`byte % 6`); the rest is the pickle.
//!
//! Writing a `Value` that was read can legitimately fail (always with an
//! error, never a panic), for values a pickle can hold but not every protocol
//! can express: an out-of-band buffer below protocol 5, a persistent id at
//! protocol 0 that is not ASCII text, a global whose name has a newline (or
//! non-ASCII below protocol 3), an `INST` whose class is not a global at
//! protocol 0, a dict key or set item nested too deep for the reader's
//! hashability check, nesting past the writer's depth limit. Re-reading can
//! fail only on a limit: writing at protocols 0-1 can add a level of nesting
//! (`copyreg.__newobj__` argument tuples).
//!
//! Below protocol 3 globals are renamed on the way out (Python 3 -> 2) and
//! back in (2 -> 3), as CPython does: a value naming a global that does not
//! map back to itself (`__builtin__.set` read from a protocol-3 pickle, say)
//! is read back under the new name, with what that implies (a REDUCE of
//! `builtins.set` becomes a set, or an error if its items are unhashable).
//! For those only one more round is checked to change nothing.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use serde_pickle::{
    from_slice, from_slice_with, to_vec_with, Category, DeOptions, SerOptions, Value,
};

fuzz_target!(|data: &[u8]| {
    let Some((&first, pickle)) = data.split_first() else {
        return;
    };
    let protocol = first % 6;

    let read = from_slice::<Value>(pickle);
    let vm = from_slice_with::<Value>(pickle, &DeOptions::new().fast_path(false));
    match (&read, &vm) {
        (Ok(a), Ok(b)) => assert!(a.same_as(b), "fast path and VM disagree: {a:?} vs {b:?}"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "errors differ"),
        (a, b) => panic!("fast path and VM disagree: fast={a:?} vm={b:?}"),
    }
    let value: Value = match read {
        Ok(v) => v,
        Err(e) => {
            common::check_error(&e);
            return;
        }
    };
    common::exercise(&value);

    let opts = SerOptions::new().protocol(protocol);
    let bytes = match to_vec_with(&value, &opts) {
        Ok(b) => b,
        Err(e) => {
            common::check_error(&e);
            assert!(
                matches!(e.category(), Category::Data | Category::Limit),
                "writing a read value failed with an unexpected error: {e}"
            );
            return;
        }
    };
    let renamed = common::renames_globals(&value, protocol);
    let back: Value = match from_slice(&bytes) {
        Ok(v) => v,
        Err(_) if renamed => return,
        Err(e) => {
            assert_eq!(
                e.category(),
                Category::Limit,
                "re-reading what to_vec_with(protocol {protocol}) wrote failed: {e}\n{bytes:?}"
            );
            return;
        }
    };
    if renamed {
        // Renamed globals: only check that one more round changes nothing.
        let again = to_vec_with(&back, &opts).expect("writing the re-read value");
        if let Ok(third) = from_slice::<Value>(&again) {
            if !common::renames_globals(&back, protocol) {
                assert!(third.same_as(&back), "protocol {protocol}: not a fixed point");
            }
        }
        return;
    }
    let expected = common::expect_rewritten(&value, protocol);
    assert!(
        back.same_as(&expected),
        "protocol {protocol}: read back\n{back:?}\nexpected\n{expected:?}\nbytes {bytes:?}"
    );
    // What was read back is a fixed point: it writes, reads back the same,
    // and writes the same bytes again. (The first bytes may differ when the
    // value changed, e.g. a dotted global became a getattr object.)
    let again = to_vec_with(&back, &opts).expect("writing the re-read value");
    let third: Value = from_slice(&again).expect("reading the second write");
    assert!(third.same_as(&back), "protocol {protocol}: not a fixed point\n{again:?}");
    let last = to_vec_with(&third, &opts).expect("writing the third value");
    assert!(last == again, "protocol {protocol}: writing differs\n{again:?}\n{last:?}");
    if back.same_as(&value) {
        assert!(again == bytes, "protocol {protocol}: same value, other bytes");
    }
    common::exercise(&back);
});
