//! Every error message a user meets, pinned: the `Error` API (category
//! predicates as serde_json has them), limits named with their values, the
//! path and offset of a data error, truncation, input that is not a pickle,
//! and class instances that do not fit. The pickles come from CPython.

use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, Value};

/// What `python3` writes on stdout running `code` (CPython is the judge of
/// every pickle here).
fn py(code: &str) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .args(["-c", &format!("import pickle, sys\n{code}")])
        .output()
        .expect("python3 is required (it writes the pickles these tests read)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// `pickle.dumps(expr, protocol)` by CPython.
fn dumps(expr: &str, protocol: u8) -> Vec<u8> {
    py(&format!("sys.stdout.buffer.write(pickle.dumps({expr}, protocol={protocol}))"))
}

/// Both readers (the fast path and the VM alone) fail with the same message.
fn message<T: serde::de::DeserializeOwned>(data: &[u8], opts: &DeOptions) -> String {
    let fast = from_slice_with::<T>(data, opts).map(|_| ()).unwrap_err().to_string();
    let vm = crate::support::data::vm_only::<T>(data, opts).map(|_| ()).unwrap_err().to_string();
    let same = crate::support::data::same_error_as_vm(&fast, &vm);
    assert!(same, "the fast path and the VM disagree:\n{fast}\n{vm}");
    fast
}

#[test]
fn classify_and_the_predicates_agree_with_the_category() {
    let cases: [(&[u8], Category); 4] = [
        (b"\x80\x05\xff.", Category::Syntax),
        (b"\x80\x05K", Category::Eof),
        (b"\x80\x06N.", Category::Unsupported),
        (b"\x80\x05\x8c\x01x.", Category::Data),
    ];
    for (data, category) in cases {
        let e = from_slice::<u8>(data).unwrap_err();
        assert_eq!(e.classify(), category, "{e}");
        assert_eq!(e.is_syntax(), category == Category::Syntax);
        assert_eq!(e.is_eof(), category == Category::Eof);
        assert_eq!(e.is_unsupported(), category == Category::Unsupported);
        assert_eq!(e.is_data(), category == Category::Data);
        assert!(!e.is_io() && !e.is_limit());
        assert_eq!(e.io_error_kind(), None);
    }
}

#[test]
fn an_io_error_gives_its_kind() {
    struct Denied;
    impl std::io::Read for Denied {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::PermissionDenied.into())
        }
    }
    let e = serde_pickle::from_reader::<_, Value>(Denied).unwrap_err();
    assert_eq!(e.classify(), Category::Io);
    assert_eq!(e.io_error_kind(), Some(std::io::ErrorKind::PermissionDenied));
}

#[test]
fn each_limit_error_names_the_option_and_its_value() {
    let nested = dumps("[[[[1]]]]", 5);
    let memo = dumps("['a', 'b', 'c']", 5);
    let many = dumps("list(range(70000))", 5);
    // 'x' * 1000, referenced 5000 times.
    let bomb = dumps("['x' * 1000] * 5000", 2);
    let cases: [(&[u8], DeOptions, &str); 4] = [
        (&nested, DeOptions::new().max_depth(2), "max_depth (2) exceeded: containers nested deeper"),
        (&memo, DeOptions::new().max_memo(2), "max_memo (2) exceeded: the pickle stores more memo entries"),
        (&many, DeOptions::new().max_alloc(100), "max_alloc (100) exceeded: the reader's working memory would grow past it"),
        (&bomb, DeOptions::new().max_expansion(2), "max_expansion (2) exceeded: shared strs, bytes or ints repeat to more bytes than the pickle holds, that many times over"),
    ];
    for (data, opts, expected) in cases {
        // The bomb as serde_json::Value: a Value keeps its str once, shared.
        let e = match expected.starts_with("max_expansion") {
            true => from_slice_with::<serde_json::Value>(data, &opts).map(drop),
            false => from_slice_with::<Value>(data, &opts).map(drop),
        }
        .expect_err(expected);
        assert!(e.is_limit(), "{e}");
        assert!(e.to_string().starts_with(expected), "{e}");
    }
}

#[test]
fn a_reader_larger_than_max_alloc_names_the_limit() {
    let data = dumps("'x' * 1000", 5);
    let e =
        serde_pickle::from_reader_with::<_, String>(&data[..], &DeOptions::new().max_alloc(100))
            .unwrap_err();
    assert_eq!(e.to_string(), "max_alloc (100) exceeded: the input is larger");
}

/// The offset of the first opcode named `name` (whose argument is the
/// Python literal `arg`, when given) in `pickle.dumps(expr, protocol)`, by
/// `pickletools.genops`.
fn offset_of(expr: &str, protocol: u8, name: &str, arg: Option<&str>) -> u64 {
    let arg = arg.unwrap_or("None");
    let out = py(&format!(
        "import pickletools\n\
         {CLASSES}\n\
         data = pickle.dumps({expr}, protocol={protocol})\n\
         want = {arg}\n\
         print(next(pos for op, a, pos in pickletools.genops(data)\n\
                    if op.name == {name:?} and (want is None or a == want)))"
    ));
    String::from_utf8(out).unwrap().trim().parse().unwrap()
}

/// Classes the pickles below are made of, defined in `__main__`.
const CLASSES: &str = "\
class Person:
    def __init__(self, name, age=None):
        self.name = name
        if age is not None:
            self.age = age
";

/// `pickle.dumps(expr, protocol)` with [`CLASSES`] defined.
fn dumps_obj(expr: &str, protocol: u8) -> Vec<u8> {
    py(&format!("{CLASSES}\nsys.stdout.buffer.write(pickle.dumps({expr}, protocol={protocol}))"))
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Person {
    name: String,
    age: u32,
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Team {
    people: Vec<Person>,
}

const TEAM: &str =
    "{'people': [{'name': n, 'age': 30} for n in 'abc'] + [{'name': 'd', 'age': '30'}]}";

#[test]
fn a_type_error_names_the_path_and_the_offset_of_the_value() {
    for protocol in [0, 2, 5] {
        let data = dumps(TEAM, protocol);
        let op = if protocol == 5 {
            "SHORT_BINUNICODE"
        } else if protocol == 2 {
            "BINUNICODE"
        } else {
            "UNICODE"
        };
        let at = offset_of(TEAM, protocol, op, Some("'30'"));
        let e = from_slice::<Team>(&data).unwrap_err();
        assert_eq!(
            message::<Team>(&data, &DeOptions::new()),
            format!(r#"invalid type: string "30", expected u32 at people[3].age (offset {at})"#),
            "protocol {protocol}"
        );
        assert_eq!(e.path().as_deref(), Some("people[3].age"));
        assert_eq!(e.offset(), Some(at));
        assert!(e.is_data());
    }
}

#[test]
fn a_type_error_at_the_root_gives_the_offset_of_the_value() {
    let data = dumps("'x'", 5);
    let at = offset_of("'x'", 5, "SHORT_BINUNICODE", None);
    assert_eq!(
        message::<u8>(&data, &DeOptions::new()),
        format!(r#"invalid type: string "x", expected u8 at offset {at}"#)
    );
    assert_eq!(from_slice::<u8>(&data).unwrap_err().path(), None);
}

#[test]
fn dict_keys_that_are_not_identifiers_show_as_python_reprs() {
    use std::collections::HashMap;
    let expected = |expr: &str, segment: &str| {
        let at = offset_of(expr, 4, "SHORT_BINUNICODE", Some("'x'"));
        format!(r#"invalid type: string "x", expected u8 at {segment} (offset {at})"#)
    };
    let opts = DeOptions::new();
    let (a, b, c) = ("{'a b': 'x'}", "{7: 'x'}", "{(1, 'a'): 'x'}");
    assert_eq!(message::<HashMap<String, u8>>(&dumps(a, 4), &opts), expected(a, r#"["a b"]"#));
    assert_eq!(message::<HashMap<i64, u8>>(&dumps(b, 4), &opts), expected(b, "[7]"));
    let msg = message::<HashMap<(i64, String), u8>>(&dumps(c, 4), &opts);
    assert_eq!(msg, expected(c, "[(1, 'a')]"));
}

#[test]
fn an_error_in_a_variant_names_the_variant() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    enum Shape {
        Circle(f64),
        Rect { w: u32, h: u32 },
    }
    let expr = "[{'Circle': 1.5}, {'Rect': {'w': 1, 'h': -2}}]";
    let data = dumps(expr, 5);
    let at = offset_of(expr, 5, "BININT", Some("-2"));
    assert_eq!(
        message::<Vec<Shape>>(&data, &DeOptions::new()),
        format!("invalid value: integer `-2`, expected u32 at [1].Rect.h (offset {at})")
    );
}

#[test]
fn a_class_instance_that_does_not_fit_names_its_class() {
    // Person('ann') has no `age`; at protocol 0 it is copyreg._reconstructor.
    for (protocol, op) in [(0, "REDUCE"), (2, "NEWOBJ"), (5, "NEWOBJ")] {
        let expr = "[Person('bob', 3), Person('ann')]";
        let data = dumps_obj(expr, protocol);
        let at = py(&format!(
            "import pickletools\n{CLASSES}\ndata = pickle.dumps({expr}, protocol={protocol})\n\
             print([pos for op, a, pos in pickletools.genops(data) if op.name == {op:?}][1])"
        ));
        let at = String::from_utf8(at).unwrap().trim().to_string();
        assert_eq!(
            message::<Vec<Person>>(&data, &DeOptions::new()),
            format!("missing field `age` in a __main__.Person instance at [1] (offset {at})"),
            "protocol {protocol}"
        );
    }
}

#[test]
fn an_error_inside_an_instance_gives_the_field_not_the_class() {
    let expr = "{'people': [Person('bob', 'x')]}";
    let data = dumps_obj(expr, 5);
    let at = offset_of(expr, 5, "SHORT_BINUNICODE", Some("'x'"));
    assert_eq!(
        message::<Team>(&data, &DeOptions::new()),
        format!(r#"invalid type: string "x", expected u32 at people[0].age (offset {at})"#)
    );
}

#[test]
fn a_truncated_pickle_says_where_the_input_ends_and_what_was_being_read() {
    let expr = "['a' * 300, 'b' * 300]";
    let data = dumps(expr, 5);
    let at = offset_of(expr, 5, "BINUNICODE", None);
    let cut = &data[..200];
    assert_eq!(
        message::<Value>(cut, &DeOptions::new()),
        format!(
            "pickle data was truncated: the input ends at offset 200, in the 300-byte str of \
             BINUNICODE at offset {at} ({} bytes of it are there)",
            200 - at - 5
        )
    );
    let e = from_slice::<Value>(cut).unwrap_err();
    assert!(e.is_eof());
    assert_eq!(e.offset(), Some(at));
    // From a reader, the same.
    assert_eq!(serde_pickle::from_reader::<_, Value>(cut).unwrap_err().to_string(), e.to_string());
}

#[test]
fn a_pickle_cut_between_opcodes_says_so() {
    let expr = "[1, 2, 3]";
    let data = dumps(expr, 5);
    // Just before the STOP.
    let cut = &data[..data.len() - 1];
    assert_eq!(
        message::<Vec<u8>>(cut, &DeOptions::new()),
        format!(
            "pickle data was truncated: the input ends at offset {0}, where an opcode should be \
             (no STOP yet)",
            cut.len()
        )
    );
}

#[test]
fn an_empty_input_says_it_is_empty() {
    assert_eq!(
        message::<Value>(b"", &DeOptions::new()),
        "pickle data was truncated: the input ends at offset 0, before any opcode: the input is empty"
    );
}

/// What other tools write, made by python3 (`code` leaves the bytes in `out`).
fn file_from(python: &str, code: &str) -> Vec<u8> {
    let out = std::process::Command::new(python)
        .args(["-c", &format!("import io, sys\n{code}\nsys.stdout.buffer.write(out)")])
        .output()
        .expect("python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The Python with numpy and joblib (tools/pyenv.sh makes it once).
fn modern_python() -> String {
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/pyenv.sh"))
        .arg("modern")
        .output()
        .expect("tools/pyenv.sh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string()
}

#[test]
fn input_that_is_not_a_pickle_says_what_it_looks_like() {
    let modern = modern_python();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (file_from("python3", "import json\nout = json.dumps({'a': [1, 2]}).encode()"), "JSON"),
        (file_from("python3", "import json\nout = b'  ' + json.dumps([1, 2]).encode()"), "JSON"),
        (
            file_from("python3", "import gzip, pickle\nout = gzip.compress(pickle.dumps([1]))"),
            "gzip-compressed data (joblib and pandas write .pkl.gz so): decompress it first",
        ),
        (
            file_from(
                "python3",
                "import zipfile, pickle\nb = io.BytesIO()\n\
                 with zipfile.ZipFile(b, 'w') as z: z.writestr('archive/data.pkl', pickle.dumps([1]))\n\
                 out = b.getvalue()",
            ),
            "a zip archive (a PyTorch .pt file, a NumPy .npz): the pickle of a PyTorch file is its data.pkl member",
        ),
        (
            file_from(&modern, "import numpy as np\nb = io.BytesIO()\nnp.save(b, np.arange(3))\nout = b.getvalue()"),
            "a NumPy .npy file (the array's bytes follow a text header, not a pickle)",
        ),
        (
            file_from(&modern, "import joblib\nb = io.BytesIO()\njoblib.dump([1], b, compress=True)\nout = b.getvalue()"),
            "zlib-compressed data (joblib's compress=True): decompress it first",
        ),
        (
            file_from(&modern, "import joblib\nb = io.BytesIO()\njoblib.dump([1], b, compress='lzma')\nout = b.getvalue()"),
            "lzma-compressed data (joblib's compress='lzma'): decompress it first",
        ),
        (
            file_from(&modern, "import joblib\nb = io.BytesIO()\njoblib.dump([1], b, compress='bz2')\nout = b.getvalue()"),
            "bz2-compressed data (joblib's compress='bz2'): decompress it first",
        ),
        (file_from("python3", "out = 'name,age\\nann,30\\n'.encode()"), "text"),
    ];
    for (data, what) in cases {
        let msg = message::<Value>(&data, &DeOptions::new());
        let prefix = format!("not a pickle (the input looks like {what}): ");
        assert!(msg.starts_with(&prefix), "{msg}");
    }
}

#[test]
fn a_broken_pickle_is_not_called_something_else() {
    // pickle.dumps([1, 'a'], protocol=0) with a byte changed, and protocol 5 truncated.
    let mut p0 = dumps("[1, 'a']", 0);
    let i = p0.iter().position(|&b| b == b'I').unwrap();
    p0[i] = b'!';
    let p5 = dumps("[1, 'a']", 5);
    for data in [p0, p5[..p5.len() - 3].to_vec()] {
        let msg = message::<Value>(&data, &DeOptions::new());
        assert!(!msg.starts_with("not a pickle"), "{msg}");
    }
}

#[test]
fn a_frame_longer_than_the_input_is_reported_as_the_truncation_cpython_finds() {
    // pickle.dumps([1, 2, 3], protocol=5) whose FRAME claims 10 bytes more.
    let data = py("d = bytearray(pickle.dumps([1, 2, 3], protocol=5))\n\
                   d[3] += 10\n\
                   try:\n    pickle.loads(bytes(d))\nexcept pickle.UnpicklingError as e:\n    assert 'truncated' in str(e)\n\
                   else:\n    raise SystemExit('CPython read it')\n\
                   sys.stdout.buffer.write(bytes(d))");
    let announced = data[3] as u64;
    assert_eq!(
        message::<Vec<u8>>(&data, &DeOptions::new()),
        format!(
            "pickle data was truncated: the input ends at offset {}, in the FRAME at offset 2, \
             which announced {announced} bytes ({} were left)",
            data.len(),
            data.len() - 11
        )
    );
}
