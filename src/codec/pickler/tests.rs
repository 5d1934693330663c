//! The pickler alone: singleton strs, names memoized only when they come again, bytes and globals below protocol 3.

use super::*;

fn run(proto: u8, f: impl FnOnce(&mut Pickler) -> Result<()>) -> Vec<u8> {
    let mut p = Pickler::new(proto);
    f(&mut p).unwrap();
    p.finish().unwrap()
}

#[test]
fn singleton_index_of_latin1_chars() {
    assert_eq!(singleton(""), Some(256));
    assert_eq!(singleton("a"), Some(97));
    assert_eq!(singleton("\u{80}"), Some(0x80));
    assert_eq!(singleton("\u{ff}"), Some(0xff));
    assert_eq!(singleton("\u{100}"), None);
    assert_eq!(singleton("ab"), None);
}

#[test]
fn repeated_singleton_str_is_fetched() {
    // CPython 3.11: optimize(dumps(['a', 'a'], 2)) after a loads round trip
    let out = run(2, |p| {
        p.em.empty_list();
        let mut b = Batch::new(BatchKind::List, Some(2));
        for _ in 0..2 {
            p.em.batch_item(&mut b);
            p.str("a")?;
        }
        p.em.batch_end(&b);
        Ok(())
    });
    assert_eq!(out, b"\x80\x02](X\x01\x00\x00\x00aq\x00h\x00e.");
}

/// `({'aaa': 1, 'bbb': 2}, {'bbb': 3, 'ccc': 4}, {'bbb': 5, 'ccc': 6}, {'aaa': 7, 'bbb': 8})`
/// with the names as struct field names.
fn four_dicts(p: &mut Pickler) -> Result<()> {
    p.em.op(MARK);
    for fields in [
        [("aaa", 1), ("bbb", 2)],
        [("bbb", 3), ("ccc", 4)],
        [("bbb", 5), ("ccc", 6)],
        [("aaa", 7), ("bbb", 8)],
    ] {
        p.em.empty_dict();
        let mut b = Batch::new(BatchKind::Dict, Some(2));
        for (name, n) in fields {
            p.em.batch_item(&mut b);
            p.name(name)?;
            p.em.int(n);
        }
        p.em.batch_end(&b);
    }
    p.em.op(TUPLE);
    Ok(())
}

#[test]
fn names_are_memoized_when_they_come_again_even_out_of_order() {
    // 'aaa' comes again after 'bbb' and 'ccc' were memoized, so its
    // MEMOIZE goes before theirs and the indices are renumbered.
    // CPython 3.11: optimize(dumps(loads(out), 5)) == out; same at protocol 2.
    assert_eq!(
        run(5, four_dicts),
        b"\x80\x05\x95;\x00\x00\x00\x00\x00\x00\x00(}(\x8c\x03aaa\x94K\x01\x8c\x03bbb\x94K\x02u\
          }(h\x01K\x03\x8c\x03ccc\x94K\x04u}(h\x01K\x05h\x02K\x06u}(h\x00K\x07h\x01K\x08ut."
    );
    assert_eq!(
        run(2, four_dicts),
        b"\x80\x02(}(X\x03\x00\x00\x00aaaq\x00K\x01X\x03\x00\x00\x00bbbq\x01K\x02u\
          }(h\x01K\x03X\x03\x00\x00\x00cccq\x02K\x04u}(h\x01K\x05h\x02K\x06u}(h\x00K\x07h\x01K\x08ut."
    );
}

#[test]
fn a_name_used_once_is_not_memoized() {
    let out = run(5, |p| {
        p.em.empty_dict();
        let mut b = Batch::new(BatchKind::Dict, Some(1));
        p.em.batch_item(&mut b);
        p.name("name")?;
        p.em.int(1);
        p.em.batch_end(&b);
        Ok(())
    });
    assert_eq!(out, b"\x80\x05\x95\x0b\x00\x00\x00\x00\x00\x00\x00}\x8c\x04nameK\x01s.");
}

#[test]
fn bytes_below_protocol_3_use_codecs_encode() {
    let out = run(2, |p| p.bytes(b"ab"));
    assert_eq!(out, b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x06\x00\x00\x00latin1\x86R.");
}

#[test]
fn globals_use_python_2_names_below_protocol_3() {
    let out = run(2, |p| p.global("builtins", "str"));
    assert_eq!(out, b"\x80\x02c__builtin__\nunicode\n.");
}
