//! The JSON form of a [`Value`], both ways.
//!
//! Plain data stays plain: `None` is `null`, bools, ints that fit in i64 and
//! finite floats are numbers, str is a string, list an array, and a dict
//! whose keys are all strings (none starting with `$`) an object. Everything
//! JSON cannot say is a one-key object whose key starts with `$`:
//!
//! | Python | JSON |
//! |---|---|
//! | big int | `{"$int": "123456789012345678901234567890"}`; beyond 4300 digits in hex, `{"$int": "0x1f..."}` (decimal conversion is quadratic) |
//! | nan, inf, -inf | `{"$float": "nan"}` |
//! | tuple / set / frozenset | `{"$tuple": [...]}`, `{"$set": [...]}`, `{"$frozenset": [...]}` |
//! | bytes / bytearray | `{"$bytes": "hex"}`, `{"$bytearray": "hex"}` |
//! | complex | `{"$complex": [re, im]}` |
//! | dict with other keys | `{"$dict": [[key, value], ...]}` |
//! | str with lone surrogates | `{"$surrogates": "hex of its surrogatepass UTF-8"}` |
//! | global (class, function) | `{"$global": ["module", "name"]}` |
//! | object | `{"$object": {"kind": "reduce"/"newobj"/"newobj_ex"/"inst"/"reconstructor"/"plain" (`ObjectKind::name`), "callable": ..., "args": [...], "kwargs": {...} or null, "state": [...], "list_items": [...], "dict_items": [[k, v], ...], "effects": [...] (calls made for their effects, only when there are some)}}` |
//! | out-of-band buffer | `{"$buffer": [index, readonly]}` |
//! | persistent id | `{"$persid": value}` |
//! | shared object | first occurrence `{"$shared": n, "value": ...}`, later ones `{"$ref": n}` |

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Number;
use serde_pickle::value::{Dict, Global, Object, ObjectKind, Shared};
use serde_pickle::Value;

/// The key of the map serde_json (with `arbitrary_precision`) passes a
/// number as.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// JSON text with every integer literal too large for `u64`/`i64` written
/// as `{"$int": "digits"}`, so that serde_json (without
/// `arbitrary_precision`, which would enlarge every `serde_json::Value`
/// frame in the crate's tests) does not round it to a float.
pub fn exact_big_ints(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'"' {
            // A string, escapes included, copied as it is.
            let start = i;
            i += 1;
            while i < text.len() && text[i] != b'"' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(text.len());
            out.extend_from_slice(&text[start..i]);
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            i += 1;
            while i < text.len() && (text[i].is_ascii_digit() || b".eE+-".contains(&text[i])) {
                i += 1;
            }
            let tok = &text[start..i];
            let integer = tok.iter().skip(1).all(u8::is_ascii_digit) && tok.len() > 1
                || tok.iter().all(u8::is_ascii_digit);
            let s = std::str::from_utf8(tok).unwrap_or("");
            if integer && s.parse::<i64>().is_err() && s.parse::<u64>().is_err() {
                out.extend_from_slice(format!("{{\"$int\": \"{s}\"}}").as_bytes());
            } else {
                out.extend_from_slice(tok);
            }
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// A JSON value whose objects keep their keys in document order
/// (`serde_json::Value` sorts them, which would reorder a dict).
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn tag(tag: &str, value: Json) -> Json {
        Json::Object(vec![(tag.to_string(), value)])
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<i64> for Json {
    fn from(i: i64) -> Self {
        Json::Number(i.into())
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::String(s.to_string())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(t) => s.serialize_str(t),
            Json::Array(items) => s.collect_seq(items),
            Json::Object(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
                Ok(Json::Number(i.into()))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Json, E> {
                Ok(Json::Number(u.into()))
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Json, E> {
                Number::from_f64(f)
                    .map(Json::Number)
                    .ok_or_else(|| E::custom("a number that is not finite"))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::String(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::String(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut entries: Vec<(String, Json)> = Vec::new();
                while let Some(k) = a.next_key::<String>()? {
                    // serde_json's `arbitrary_precision` hands a number over as
                    // this one-entry map, its text exact.
                    if k == NUMBER_TOKEN {
                        let text: String = a.next_value()?;
                        return text.parse::<Number>().map(Json::Number).map_err(de::Error::custom);
                    }
                    let v: Json = a.next_value()?;
                    // A repeated key: the last value wins, as in serde_json.
                    match entries.iter_mut().find(|(key, _)| *key == k) {
                        Some(e) => e.1 = v,
                        None => entries.push((k, v)),
                    }
                }
                Ok(Json::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err(format!("odd-length hex string {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("bad hex {s:?}")))
        .collect()
}

/// Value → JSON.
#[derive(Default)]
pub struct ToJson {
    ids: HashMap<usize, u64>,
}

impl ToJson {
    pub fn convert(&mut self, v: &Value) -> Json {
        match v {
            Value::None => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            // Value's repr: decimal, or hex beyond 4300 digits.
            Value::BigInt(_) => Json::tag("$int", v.to_string().as_str().into()),
            Value::Float(f) => match Number::from_f64(*f) {
                Some(n) => Json::Number(n),
                None => Json::tag(
                    "$float",
                    if f.is_nan() {
                        "nan"
                    } else if *f > 0.0 {
                        "inf"
                    } else {
                        "-inf"
                    }
                    .into(),
                ),
            },
            Value::Complex(re, im) => Json::tag(
                "$complex",
                Json::Array(vec![
                    self.convert(&Value::Float(*re)),
                    self.convert(&Value::Float(*im)),
                ]),
            ),
            Value::Str(s) => Json::String(s.clone()),
            Value::SurrogateStr(b) => Json::tag("$surrogates", hex(b).as_str().into()),
            Value::Bytes(b) => Json::tag("$bytes", hex(b).as_str().into()),
            Value::ByteArray(b) => Json::tag("$bytearray", hex(b).as_str().into()),
            Value::List(items) => Json::Array(self.all(items)),
            Value::Tuple(items) => Json::tag("$tuple", Json::Array(self.all(items))),
            Value::Set(items) => Json::tag("$set", Json::Array(self.all(items))),
            Value::FrozenSet(items) => Json::tag("$frozenset", Json::Array(self.all(items))),
            Value::Dict(d) => self.dict(d),
            Value::Global(g) => Json::tag(
                "$global",
                Json::Array(vec![g.module.as_str().into(), g.name.as_str().into()]),
            ),
            Value::Object(o) => self.object(o),
            Value::Buffer { index, readonly } => Json::tag(
                "$buffer",
                Json::Array(vec![Json::Number((*index as u64).into()), Json::Bool(*readonly)]),
            ),
            Value::PersistentId(p) => Json::tag("$persid", self.convert(p)),
            Value::Shared(s) => {
                if let Some(&n) = self.ids.get(&s.id()) {
                    return Json::tag("$ref", Json::Number(n.into()));
                }
                let n = self.ids.len() as u64;
                self.ids.insert(s.id(), n);
                let value = self.convert(s.get());
                Json::Object(vec![
                    ("$shared".into(), Json::Number(n.into())),
                    ("value".into(), value),
                ])
            }
            other => Json::tag("$unknown", other.to_string().as_str().into()),
        }
    }

    fn all(&mut self, items: &[Value]) -> Vec<Json> {
        items.iter().map(|v| self.convert(v)).collect()
    }

    fn pairs<'a>(&mut self, pairs: impl Iterator<Item = &'a (Value, Value)>) -> Json {
        Json::Array(
            pairs.map(|(k, v)| Json::Array(vec![self.convert(k), self.convert(v)])).collect(),
        )
    }

    fn dict(&mut self, d: &Dict) -> Json {
        let plain = d.iter().all(|(k, _)| matches!(k, Value::Str(s) if !s.starts_with('$')));
        if !plain {
            return Json::tag("$dict", self.pairs(d.iter()));
        }
        let mut m = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            if let Value::Str(s) = k {
                let v = self.convert(v);
                m.push((s.clone(), v));
            }
        }
        Json::Object(m)
    }

    fn object(&mut self, o: &Object) -> Json {
        let kind = o.kind.name();
        let kwargs = match &o.kwargs {
            Some(d) => self.dict(d),
            None => Json::Null,
        };
        let mut parts = vec![
            ("kind".to_string(), kind.into()),
            ("callable".to_string(), self.convert(&o.callable)),
            ("args".to_string(), Json::Array(self.all(&o.args))),
            ("kwargs".to_string(), kwargs),
            ("state".to_string(), Json::Array(self.all(&o.state))),
            ("list_items".to_string(), Json::Array(self.all(&o.list_items))),
            ("dict_items".to_string(), self.pairs(o.dict_items.iter())),
        ];
        if !o.effects.is_empty() {
            parts.push(("effects".to_string(), Json::Array(self.all(&o.effects))));
        }
        Json::tag("$object", Json::Object(parts))
    }
}

/// JSON → Value (the inverse of [`ToJson`]).
#[derive(Default)]
pub struct FromJson {
    shared: HashMap<u64, Shared>,
}

type R<T> = Result<T, String>;

impl FromJson {
    pub fn convert(&mut self, j: &Json) -> R<Value> {
        Ok(match j {
            Json::Null => Value::None,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => {
                let text = n.to_string();
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::from(u)
                } else if !text.contains(['.', 'e', 'E']) {
                    // An integer of any size, exactly (not a float).
                    let big = parse_int_text(&text).ok_or_else(|| format!("bad integer {text}"))?;
                    Value::BigInt(big)
                } else {
                    Value::Float(text.parse().map_err(|_| format!("bad number {text}"))?)
                }
            }
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(items) => Value::List(self.all(items)?),
            Json::Object(m) => match m.first() {
                Some((k, v)) if k.starts_with('$') => {
                    // A tag stands alone (`$shared` has its `value` beside it):
                    // nothing is dropped silently.
                    let extra = m[1..].iter().find(|(e, _)| !(k == "$shared" && e == "value"));
                    if let Some((e, _)) = extra {
                        return Err(format!("unexpected key {e:?} beside {k:?}"));
                    }
                    self.tagged(k, v, j)?
                }
                _ => {
                    // `json` writes a dict with a `$` key as `$dict`.
                    if let Some((k, _)) = m.iter().find(|(k, _)| k.starts_with('$')) {
                        return Err(format!("unknown key {k:?}: keys starting with $ are tags (a dict with such keys is written as $dict)"));
                    }
                    let mut d = Dict::new();
                    for (k, v) in m {
                        d.insert(Value::Str(k.clone()), self.convert(v)?);
                    }
                    Value::Dict(d)
                }
            },
        })
    }

    fn all(&mut self, items: &[Json]) -> R<Vec<Value>> {
        items.iter().map(|v| self.convert(v)).collect()
    }

    fn pairs(&mut self, v: &Json, what: &str) -> R<Vec<(Value, Value)>> {
        let mut out = Vec::new();
        for p in array(v, what)? {
            match p.as_array().map(|a| a.as_slice()) {
                Some([k, v]) => out.push((self.convert(k)?, self.convert(v)?)),
                _ => return Err(format!("{what} items must be [key, value] pairs")),
            }
        }
        Ok(out)
    }

    fn text<'a>(v: &'a Json, what: &str) -> R<&'a str> {
        v.as_str().ok_or_else(|| format!("{what} needs a string"))
    }

    fn tagged(&mut self, tag: &str, v: &Json, whole: &Json) -> R<Value> {
        Ok(match tag {
            "$int" => {
                let s = Self::text(v, tag)?;
                let n = parse_int_text(s).ok_or_else(|| format!("bad $int {s:?}"))?;
                // An int that fits in i64 is always a Value::Int.
                match i64::try_from(&n) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::BigInt(n),
                }
            }
            "$float" => Value::Float(match Self::text(v, tag)? {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                other => return Err(format!("bad $float {other:?}")),
            }),
            "$tuple" => Value::Tuple(self.all(array(v, tag)?)?),
            "$set" => Value::Set(self.all(array(v, tag)?)?),
            "$frozenset" => Value::FrozenSet(self.all(array(v, tag)?)?),
            "$bytes" => Value::Bytes(unhex(Self::text(v, tag)?)?),
            "$bytearray" => Value::ByteArray(unhex(Self::text(v, tag)?)?),
            "$surrogates" => Value::SurrogateStr(unhex(Self::text(v, tag)?)?),
            "$complex" => match self.all(array(v, tag)?)?.as_slice() {
                [re, im] => Value::Complex(float(re)?, float(im)?),
                _ => return Err("$complex needs [re, im]".into()),
            },
            "$dict" => {
                let mut d = Dict::new();
                for (k, v) in self.pairs(v, tag)? {
                    d.insert(k, v);
                }
                Value::Dict(d)
            }
            "$global" => match array(v, tag)?.as_slice() {
                [Json::String(m), Json::String(n)] => {
                    Value::from(Global::new(m.clone(), n.clone()))
                }
                _ => return Err("$global needs [module, name]".into()),
            },
            "$object" => self.object(v)?,
            "$buffer" => match array(v, tag)?.as_slice() {
                [i, r] => Value::Buffer {
                    index: i.as_u64().ok_or("$buffer index")? as usize,
                    readonly: r.as_bool().ok_or("$buffer readonly")?,
                },
                _ => return Err("$buffer needs [index, readonly]".into()),
            },
            "$persid" => Value::PersistentId(Box::new(self.convert(v)?)),
            "$shared" => {
                let n = v.as_u64().ok_or("$shared needs a number")?;
                let inner = whole.get("value").ok_or("$shared needs a value")?;
                let node = Shared::empty();
                self.shared.insert(n, node.clone());
                let value = self.convert(inner)?;
                let _ = node.set(value);
                Value::Shared(node)
            }
            "$ref" => {
                let n = v.as_u64().ok_or("$ref needs a number")?;
                Value::Shared(
                    self.shared
                        .get(&n)
                        .cloned()
                        .ok_or_else(|| format!("$ref {n} before its $shared"))?,
                )
            }
            other => return Err(format!("unknown tag {other}")),
        })
    }

    fn object(&mut self, v: &Json) -> R<Value> {
        if !matches!(v, Json::Object(_)) {
            return Err("$object needs an object".into());
        }
        let get = |k: &str| v.get(k).cloned().unwrap_or(Json::Null);
        let kind = get("kind").as_str().and_then(ObjectKind::from_name).ok_or_else(|| {
            let names: Vec<_> = ObjectKind::ALL.iter().map(|k| k.name()).collect();
            format!("$object kind must be one of {}", names.join(", "))
        })?;
        let callable = self.convert(&get("callable"))?;
        let args = match get("args") {
            Json::Null => Vec::new(),
            a => self.all(array(&a, "args")?)?,
        };
        let mut obj = Object::new(kind, callable, args);
        obj.kwargs = self.convert(&get("kwargs"))?.into_dict().ok();
        if let Json::Array(s) = get("state") {
            obj.state = self.all(&s)?;
        }
        if let Json::Array(s) = get("list_items") {
            obj.list_items = self.all(&s)?;
        }
        if let j @ Json::Array(_) = get("dict_items") {
            obj.dict_items = self.pairs(&j, "dict_items")?;
        }
        if let Json::Array(s) = get("effects") {
            obj.effects = self.all(&s)?;
        }
        Ok(Value::Object(Box::new(obj)))
    }
}

fn float(v: &Value) -> R<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        _ => Err("expected a number".into()),
    }
}

fn array<'a>(v: &'a Json, what: &str) -> R<&'a Vec<Json>> {
    v.as_array().ok_or_else(|| format!("{what} needs an array"))
}

/// A `$int`: decimal (at most 4300 digits, CPython's limit for `int()`) or
/// `0x` hex (what `json` writes beyond it), either with a leading `-`.
fn parse_int_text(s: &str) -> Option<serde_pickle::value::BigInt> {
    use serde_pickle::value::BigInt;
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let n = match body.strip_prefix("0x") {
        Some(hex) if hex.bytes().next()?.is_ascii_hexdigit() => {
            BigInt::parse_bytes(hex.as_bytes(), 16)?
        }
        None if body.len() <= 4300 && body.bytes().next()?.is_ascii_digit() => {
            BigInt::parse_bytes(body.as_bytes(), 10)?
        }
        _ => return None,
    };
    Some(if neg { -n } else { n })
}
