//! Arbitrary bytes into `serde_pickle::Value`: reading must never panic,
//! hang or blow up memory, and whatever was read must format, clone, drop
//! and write back without panicking.
//!
//! Input layout: byte 0 picks the protocol used to write the value back
//! (`byte % 6`); the rest is the pickle.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_pickle::{from_slice, to_vec_with, Category, SerOptions, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&first, pickle)) = data.split_first() else {
        return;
    };
    let protocol = first % 6;

    let value: Value = match from_slice(pickle) {
        Ok(v) => v,
        Err(e) => {
            // Errors must format, too.
            let _ = e.to_string();
            let _ = format!("{e:?}");
            return;
        }
    };

    let _ = format!("{value}");
    let _ = format!("{value:?}");
    let copy = value.clone();
    drop(value);

    // Anything written must read back (a configured limit is the only excuse:
    // writing can add a level of nesting, e.g. for objects).
    if let Ok(bytes) = to_vec_with(&copy, &SerOptions::new().protocol(protocol)) {
        if let Err(e) = from_slice::<Value>(&bytes) {
            assert_eq!(
                e.category(),
                Category::Limit,
                "re-reading what to_vec_with(protocol {protocol}) wrote failed: {e}"
            );
        }
    }
    drop(copy);
});
