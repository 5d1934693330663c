//! Protocol 5's out-of-band buffers (`DeOptions::buffers`) are read in
//! place: an array's data is copied once, into the Rust value.

use serde_pickle::py::NdArray;
use serde_pickle::{DeOptions, Value};

use crate::alloc::peak_during;
use crate::judge::{dump_oob, Env};

/// 2 MiB of float64, written by numpy with its data out of band.
fn big_oob() -> (Vec<u8>, DeOptions) {
    let c = dump_oob(Env::Modern, &["np.arange(262144.0)"]).remove(0);
    assert_eq!(c.buffers.len(), 1, "numpy wrote one buffer");
    (c.pickle, DeOptions::new().buffers(c.buffers))
}

const DATA: usize = 262144 * 8;
/// What a read may hold besides the result: the VM's arena and the like.
const SLACK: usize = 64 << 10;

#[test]
fn an_out_of_band_array_reads_into_an_nd_array_with_one_copy_of_its_data() {
    let (pickle, opts) = big_oob();
    let (a, peak) =
        peak_during(|| serde_pickle::from_slice_with::<NdArray<f64>>(&pickle, &opts).unwrap());
    assert_eq!(a.shape(), [262144]);
    assert_eq!(a.as_slice()[262143], 262143.0);
    assert!(peak <= DATA + SLACK, "peak {peak} bytes for {DATA} bytes of data");
}

#[test]
fn an_out_of_band_array_reads_into_a_vec_with_one_copy_of_its_data() {
    let (pickle, opts) = big_oob();
    let (v, peak) =
        peak_during(|| serde_pickle::from_slice_with::<Vec<f64>>(&pickle, &opts).unwrap());
    assert_eq!(v.len(), 262144);
    assert!(peak <= DATA + SLACK, "peak {peak} bytes for {DATA} bytes of data");
}

#[test]
fn an_out_of_band_buffer_in_a_value_is_its_bytes() {
    let (pickle, opts) = big_oob();
    let (v, peak) = peak_during(|| serde_pickle::from_slice_with::<Value>(&pickle, &opts).unwrap());
    let Value::Object(o) = v else { panic!("an object: {v:?}") };
    assert!(matches!(&o.args[0], Value::ByteArray(b) if b.len() == DATA), "{:?}", o.args);
    assert!(peak <= DATA + SLACK, "peak {peak} bytes for {DATA} bytes of data");
}
