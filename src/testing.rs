//! Helpers shared by the crate's unit tests.

/// `depth` nested lists at protocol 2: `]]]...aaa.`
pub(crate) fn nested_lists(depth: usize) -> Vec<u8> {
    let mut data = b"\x80\x02".to_vec();
    data.extend(std::iter::repeat_n(b']', depth));
    data.extend(std::iter::repeat_n(b'a', depth - 1));
    data.push(b'.');
    data
}
