//! `serde_pickle::scan` (what `pickletool scan` reports) and the codec tools
//! (`codec::ops` tokenizer, `codec::optimize`) on arbitrary bytes: never a
//! panic, and
//!
//! * every call `scan` reports points at an opcode of that name in the input;
//! * whatever `from_slice::<Value>` reads, `scan` scans, and the tokenizer
//!   walks to its `STOP`;
//! * `optimize` keeps the meaning: its output reads to the same value.
//!
//! The whole input is the pickle.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use serde_pickle::codec::{opcodes, ops::ops, optimize::optimize};
use serde_pickle::{from_slice, scan, Value};

fuzz_target!(|data: &[u8]| {
    let scanned = scan(data);
    match &scanned {
        Ok(found) => {
            let _ = format!("{found:?}");
            for call in &found.calls {
                let at = usize::try_from(call.offset).expect("offset fits");
                let byte =
                    *data.get(at).unwrap_or_else(|| panic!("call offset {at} past the input"));
                assert_eq!(opcodes::name(byte), call.opcode, "call at offset {at}");
            }
            let _ = found.unsafe_globals(&serde_pickle::safe_globals()).count();
        }
        Err(e) => common::check_error(e),
    }

    // The tokenizer ends (after STOP or at its first error) without panicking.
    let mut tokens = 0usize;
    let mut stopped = false;
    for op in ops(data) {
        match op {
            Ok(op) => {
                assert!(op.pos < op.end && op.end <= data.len(), "op {op:?}");
                let _ = op.memo_index();
                stopped = op.code() == opcodes::STOP;
                tokens += 1;
            }
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }

    let value = match from_slice::<Value>(data) {
        Ok(v) => v,
        Err(e) => {
            common::check_error(&e);
            let _ = optimize(data);
            return;
        }
    };
    assert!(scanned.is_ok(), "from_slice read {value:?} but scan failed: {scanned:?}");
    assert!(
        stopped && tokens > 0,
        "from_slice read {value:?} but the tokenizer did not reach STOP"
    );
    let optimized = optimize(data).expect("optimize a pickle that reads");
    let again: Value = from_slice(&optimized)
        .unwrap_or_else(|e| panic!("optimized pickle does not read: {e}\n{optimized:?}"));
    assert!(value.same_as(&again), "optimize changed the value:\n{value:?}\n{again:?}");
});
