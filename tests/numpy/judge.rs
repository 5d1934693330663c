//! numpy (and pandas) as the judge: `tests/py/numpy_cases.py` run by the
//! pinned environments of `tools/pyenv.sh` (`modern`: numpy 2.x / pandas
//! 3.x, `legacy`: numpy 1.x / pandas 2.x). A missing environment is made by
//! the script, never skipped.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value as Json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Modern,
    Legacy,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The python of an environment (made on first use).
pub fn python(env: Env) -> PathBuf {
    let name = match env {
        Env::Modern => "modern",
        Env::Legacy => "legacy",
    };
    let out =
        Command::new(root().join("tools/pyenv.sh")).arg(name).output().expect("run tools/pyenv.sh");
    assert!(
        out.status.success(),
        "tools/pyenv.sh {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("path").trim())
}

/// Send one request to `numpy_cases.py` and parse its answer.
pub fn ask(env: Env, req: &Json) -> Json {
    let mut child = Command::new(python(env))
        .arg(root().join("tests/py/numpy_cases.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(req.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("python");
    assert!(
        out.status.success(),
        "numpy_cases.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json answer")
}

/// A pickle numpy wrote, and what `tolist()` said.
pub struct Case {
    pub expr: String,
    pub proto: u8,
    pub pickle: Vec<u8>,
    pub buffers: Vec<Vec<u8>>,
    pub expect: Json,
}

fn unhex(s: &Json) -> Vec<u8> {
    let s = s.as_str().expect("hex");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Each expression pickled at each protocol.
pub fn dump(env: Env, exprs: &[&str], protos: &[u8]) -> Vec<Case> {
    dump_with(env, exprs, protos, false)
}

/// [`dump`] with protocol 5's out-of-band buffers.
pub fn dump_oob(env: Env, exprs: &[&str]) -> Vec<Case> {
    dump_with(env, exprs, &[5], true)
}

/// What `joblib.dump` writes for each expression and protocol.
pub fn dump_joblib(env: Env, exprs: &[&str], protos: &[u8]) -> Vec<Case> {
    let answer = ask(env, &json!({"op": "dump", "exprs": exprs, "protos": protos, "joblib": true}));
    cases(&answer)
}

/// What `joblib.dump(..., compress=compress)` writes.
pub fn dump_joblib_compressed(env: Env, expr: &str, compress: &Json) -> Vec<u8> {
    let req =
        json!({"op": "dump", "exprs": [expr], "protos": [4], "joblib": true, "compress": compress});
    cases(&ask(env, &req)).remove(0).pickle
}

fn dump_with(env: Env, exprs: &[&str], protos: &[u8], oob: bool) -> Vec<Case> {
    let answer = ask(env, &json!({"op": "dump", "exprs": exprs, "protos": protos, "oob": oob}));
    cases(&answer)
}

fn cases(answer: &Json) -> Vec<Case> {
    answer
        .as_array()
        .expect("list")
        .iter()
        .map(|c| Case {
            expr: c["expr"].as_str().expect("expr").to_string(),
            proto: c["proto"].as_u64().expect("proto") as u8,
            pickle: unhex(&c["hex"]),
            buffers: c["buffers"].as_array().expect("buffers").iter().map(unhex).collect(),
            expect: c["expect"].clone(),
        })
        .collect()
}

/// Rust-written pickles that numpy must load as `expr` (dtype, shape,
/// values) and that must equal numpy's optimized pickle of it: the problems found.
pub fn load(env: Env, items: &[(String, u8, Vec<u8>)]) -> Vec<String> {
    let items: Vec<Json> = items
        .iter()
        .map(|(expr, proto, bytes)| {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            json!({"expr": expr, "proto": proto, "hex": hex})
        })
        .collect();
    let answer = ask(env, &json!({"op": "load", "items": items}));
    answer.as_array().expect("list").iter().map(|p| p.as_str().expect("str").to_string()).collect()
}

/// Any value read through serde into JSON, with bytes as a list of ints
/// (how `numpy_cases.py` writes them).
#[derive(Debug)]
pub struct AsJson(pub Json);

impl<'de> Deserialize<'de> for AsJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(AsJson)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Json, E> {
        Ok(json!(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(AsJson(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some((k, AsJson(v))) = map.next_entry::<String, AsJson>()? {
            out.insert(k, v);
        }
        Ok(Json::Object(out))
    }
}
